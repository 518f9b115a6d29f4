package shopify

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Bulk operations in the Shopify stand-in: bulkOperationRunQuery of a
// products query (with variants), bulkOperation(id:) to poll it, and the
// JSONL file it makes, served at the signed URL the operation gives. Like
// Shopify (API 2026-01 and later): up to five bulk queries run at once per
// shop, the output is flat (a line per product, a line per variant naming
// its product in __parentId, products first here), a store with nothing
// to export completes with no file, and the file's URL works for seven
// days. Operations are the work of the moment: they are not kept across
// restarts.

// bulkOp is one bulk query operation.
type bulkOp struct {
	ID          int64
	Query       string
	Status      string // CREATED, RUNNING, COMPLETED, FAILED
	ErrorCode   string // ACCESS_DENIED for a FAILED one
	pollsLeft   int    // polls answered RUNNING before it completes
	CreatedAt   time.Time
	CompletedAt time.Time
	File        []byte
	Objects     int
	Secret      string // in the file's URL
}

const (
	bulkMaxRunning = 5
	bulkFileTTL    = 7 * 24 * time.Hour
	// bulkFileHost is the host of the files' URLs. Shopify's are signed
	// Google Cloud Storage URLs; a client pointed at the stand-in
	// (internal/shopify's Config.Endpoint) sends any host to it, and
	// nothing else can resolve this one (.invalid).
	bulkFileHost = "storage.shopify-sandbox.invalid"
)

// SlowNextBulkOperation makes the shop's next bulk operation answer RUNNING
// to polls more times before it completes (one by default).
func (s *Shopify) SlowNextBulkOperation(shop string, polls int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustShop(shop).slowBulk = polls
}

// BulkOperations is how many bulk operations the shop has been asked to run.
func (s *Shopify) BulkOperations(shop string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.mustShop(shop).bulkOps)
}

// The stand-in reads the bulk query's shape, not every field: it must
// select products and, inside, variants, each as a connection (edges {
// node }), and the stand-in writes the fields internal/shopify asks for.
var (
	bulkProducts = regexp.MustCompile(`^\s*(?:query\s*[_A-Za-z0-9]*\s*)?\{\s*products\s*(?:\([^)]*\))?\s*\{\s*edges\s*\{\s*node\s*\{`)
	bulkVariants = regexp.MustCompile(`\bvariants\s*(?:\([^)]*\))?\s*\{\s*edges\s*\{\s*node\s*\{`)
	bulkConns    = regexp.MustCompile(`\bedges\s*\{`)
)

// bulkRun is bulkOperationRunQuery. Callers hold s.mu.
func (s *Shopify) bulkRun(sh *shopifyShop, scope string, v shopifyVariables) map[string]any {
	fail := func(code, msg string) map[string]any {
		return map[string]any{"bulkOperationRunQuery": map[string]any{"bulkOperation": nil,
			"userErrors": []any{map[string]any{"field": []string{"query"}, "message": msg, "code": code}}}}
	}
	query := v.str("query")
	switch conns := len(bulkConns.FindAllStringIndex(query, -1)); {
	case strings.TrimSpace(query) == "":
		return fail("INVALID", "Invalid bulk query: query is required.")
	case conns == 0:
		return fail("INVALID", "Bulk queries must contain at least one connection.")
	case conns > 5:
		return fail("INVALID", "Bulk queries cannot contain more than 5 connections.")
	case !bulkProducts.MatchString(query) || !bulkVariants.MatchString(query):
		return fail("INVALID", "sandbox shopify: bulk queries of products { edges { node { ... variants { edges { node { ... } } } } } } only")
	}
	running := 0
	for _, op := range sh.bulkOps {
		if op.Status == "CREATED" || op.Status == "RUNNING" {
			running++
		}
	}
	if running >= bulkMaxRunning {
		return fail("LIMIT_REACHED", fmt.Sprintf("A maximum of %d bulk query operations can run at a time for this app and shop.", bulkMaxRunning))
	}
	polls := 1
	if sh.slowBulk > 0 {
		polls, sh.slowBulk = sh.slowBulk, 0
	}
	op := &bulkOp{ID: s.newID(), Query: query, Status: "CREATED", pollsLeft: polls, CreatedAt: s.clock.Now(), Secret: shopifyRandomHex(16)}
	if !slices.Contains(strings.Split(scope, ","), "read_products") && !slices.Contains(strings.Split(scope, ","), "write_products") {
		// Shopify runs it and fails it: the query reads what the token may not.
		op.Status, op.ErrorCode, op.CompletedAt = "FAILED", "ACCESS_DENIED", op.CreatedAt
	}
	if sh.bulkOps == nil {
		sh.bulkOps = map[int64]*bulkOp{}
	}
	sh.bulkOps[op.ID] = op
	return map[string]any{"bulkOperationRunQuery": map[string]any{
		"bulkOperation": map[string]any{"id": shopifyGID("BulkOperation", op.ID), "status": "CREATED"},
		"userErrors":    []any{},
	}}
}

// bulkOperation is the bulkOperation(id:) query: each poll moves a running
// operation on, and the one that finds it done writes its file from the
// shop as it is then. Callers hold s.mu.
func (s *Shopify) bulkOperation(sh *shopifyShop, v shopifyVariables) (any, string) {
	raw := v.str("id")
	id, ok := shopifyParseGID("BulkOperation", raw)
	if !ok || !strings.HasPrefix(raw, "gid://shopify/BulkOperation/") {
		return nil, fmt.Sprintf("Invalid global id '%s'", raw)
	}
	op := sh.bulkOps[id]
	if op == nil {
		return map[string]any{"bulkOperation": nil}, ""
	}
	if op.Status == "CREATED" || op.Status == "RUNNING" {
		if op.pollsLeft > 0 {
			op.pollsLeft--
			op.Status = "RUNNING"
		} else {
			op.File, op.Objects = sh.bulkProductsFile()
			op.Status, op.CompletedAt = "COMPLETED", s.clock.Now()
		}
	}
	var url, code any
	if op.Status == "COMPLETED" && op.Objects > 0 {
		url = fmt.Sprintf("https://%s/bulk/%d/%s.jsonl", bulkFileHost, op.ID, op.Secret)
	}
	if op.ErrorCode != "" {
		code = op.ErrorCode
	}
	return map[string]any{"bulkOperation": map[string]any{
		"id": shopifyGID("BulkOperation", op.ID), "status": op.Status, "errorCode": code,
		"objectCount": strconv.Itoa(op.Objects), "url": url,
	}}, ""
}

// bulkProductsFile writes the JSONL of every product and its variants, in
// the fields internal/shopify's bulk query selects. Callers hold s.mu.
func (sh *shopifyShop) bulkProductsFile() ([]byte, int) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	products := sh.sortedProducts()
	n := 0
	for _, p := range products {
		node, _, _ := sh.gqlProduct(p, 0, 0)
		delete(node, "variants")
		_ = enc.Encode(node)
		n++
	}
	for _, p := range products {
		for _, v := range p.Variants {
			_ = enc.Encode(map[string]any{
				"id":                shopifyGID("ProductVariant", v.ID),
				"sku":               v.Sku,
				"title":             v.Title,
				"price":             v.Price,
				"inventoryQuantity": v.Available,
				"inventoryItem":     map[string]any{"id": shopifyGID("InventoryItem", v.ItemID)},
				"__parentId":        shopifyGID("Product", p.ID),
			})
			n++
		}
	}
	return buf.Bytes(), n
}

// handleBulkFile serves a completed operation's file at its signed URL.
func (s *Shopify) handleBulkFile(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	secret, _ := strings.CutSuffix(r.PathValue("file"), ".jsonl")
	s.mu.Lock()
	var op *bulkOp
	for _, sh := range s.Shops {
		if o := sh.bulkOps[id]; o != nil && err == nil {
			op = o
		}
	}
	ok := op != nil && op.Status == "COMPLETED" && subtle.ConstantTimeCompare([]byte(secret), []byte(op.Secret)) == 1
	expired := ok && !s.clock.Now().Before(op.CompletedAt.Add(bulkFileTTL))
	var file []byte
	if ok {
		file = op.File
	}
	s.mu.Unlock()
	switch {
	case !ok:
		http.Error(w, "<Error><Code>AccessDenied</Code></Error>", http.StatusForbidden)
	case expired:
		http.Error(w, "<Error><Code>ExpiredToken</Code><Message>The signed URL has expired.</Message></Error>", http.StatusBadRequest)
	default:
		w.Header().Set("Content-Type", "application/jsonl")
		w.Write(file)
	}
}
