package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/queue/sqstest"
	"github.com/trove-platform/trove/internal/stripe/stripemocktest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	sqstest.Stop()
	stripemocktest.Stop()
	os.Exit(code)
}

// syncBuffer is an io.Writer that tests can read while run() writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func testKey() string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)) }

func envFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// server is a running trove started through run(), as main would start it.
type server struct {
	url    string
	stdout *syncBuffer
	done   chan struct{} // closed once run has returned
	err    error         // what run returned, once done is closed
	stop   context.CancelFunc
}

var listenRE = regexp.MustCompile(`"msg":"http server listening","addr":"([^"]+)"`)

func startServer(t testing.TB, env map[string]string, args ...string) *server {
	t.Helper()
	if _, ok := env["TROVE_BLOB_DIR"]; !ok && env != nil {
		env["TROVE_BLOB_DIR"] = t.TempDir() // documents stay out of the source tree
	}
	if _, ok := env["TROVE_SANDBOX_DIR"]; !ok && env != nil {
		env["TROVE_SANDBOX_DIR"] = t.TempDir() // so does the sandbox's state
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{stdout: &syncBuffer{}, done: make(chan struct{}), stop: cancel}
	go func() {
		s.err = run(ctx, append([]string{"serve"}, args...), envFrom(env), s.stdout, io.Discard)
		close(s.done)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := listenRE.FindStringSubmatch(s.stdout.String()); m != nil {
			s.url = "http://" + m[1]
			break
		}
		select {
		case <-s.done:
			t.Fatalf("run returned before listening: %v\n%s", s.err, s.stdout.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if s.url == "" {
		t.Fatalf("server did not start:\n%s", s.stdout.String())
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
			if s.err != nil {
				t.Errorf("run returned %v", s.err)
			}
		case <-time.After(10 * time.Second):
			t.Error("run did not return after its context was cancelled")
		}
	})
	return s
}

// shutdown stops the server as SIGTERM does and waits until run has
// returned: its workers are done and nothing of it writes any more.
func (s *server) shutdown(t testing.TB) {
	t.Helper()
	s.stop()
	select {
	case <-s.done:
		if s.err != nil {
			t.Fatalf("run returned %v", s.err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after its context was cancelled")
	}
}

func baseEnv(dsn string) map[string]string {
	return map[string]string{
		"TROVE_DATABASE_URL":                  dsn,
		"TROVE_SECRET_KEY":                    testKey(),
		"TROVE_HTTP_ADDR":                     "127.0.0.1:0",
		"TROVE_SHUTDOWN_TIMEOUT":              "5s",
		"TROVE_SHOPIFY_API_KEY":               "test-shopify-key",
		"TROVE_SHOPIFY_API_SECRET":            "test-shopify-secret",
		"TROVE_STRIPE_SECRET_KEY":             "sk_test_trove",
		"TROVE_STRIPE_PUBLISHABLE_KEY":        "pk_test_trove",
		"TROVE_STRIPE_WEBHOOK_SECRET":         "whsec_trove",
		"TROVE_STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_trove_connect",
		"TROVE_XERO_CLIENT_ID":                "test-xero-id",
		"TROVE_XERO_CLIENT_SECRET":            "test-xero-secret",
	}
}

func get(t testing.TB, url string) (*http.Response, []byte) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, body
}

func TestServe(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	s := startServer(t, baseEnv(dsn))

	tests := []struct {
		name, path  string
		status      int
		contentType string
		contains    string
	}{
		{"healthz", "/healthz", 200, "application/json", `"status":"ok"`},
		{"readyz", "/readyz", 200, "application/json", `"status":"ready"`},
		{"metrics", "/metrics", 200, "text/plain", "go_sql_open_connections"},
		{"unknown api route", "/api/v1/no-such-thing", 404, httpx.ProblemContentType, `"status":404`},
		{"unknown webhook", "/webhooks/nowhere", 404, httpx.ProblemContentType, `"status":404`},
		{"missing asset", "/assets/gone-1234.js", 404, httpx.ProblemContentType, `"status":404`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, body := get(t, s.url+tc.path)
			if res.StatusCode != tc.status || !strings.HasPrefix(res.Header.Get("Content-Type"), tc.contentType) || !strings.Contains(string(body), tc.contains) {
				t.Fatalf("%s: %d %s\n%s", tc.path, res.StatusCode, res.Header.Get("Content-Type"), body)
			}
			if res.Header.Get(httpx.RequestIDHeader) == "" {
				t.Error("no request id in the response")
			}
		})
	}
	t.Run("wrong method is a 405 problem", func(t *testing.T) {
		res, err := http.Post(s.url+"/healthz", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 405 || res.Header.Get("Content-Type") != httpx.ProblemContentType || res.Header.Get("Allow") == "" {
			t.Fatalf("got %d %q allow %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Allow"))
		}
	})
	t.Run("metrics count requests by route pattern", func(t *testing.T) {
		_, body := get(t, s.url+"/metrics")
		if !strings.Contains(string(body), `trove_http_requests_total{code="200",method="GET",route="/healthz"}`) {
			t.Fatalf("no request counter for /healthz in\n%s", body)
		}
	})
	t.Run("logs are JSON lines with request ids", func(t *testing.T) {
		sc := bufio.NewScanner(strings.NewReader(s.stdout.String()))
		var sawRequest bool
		for sc.Scan() {
			var line map[string]any
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatalf("not a JSON log line: %s", sc.Text())
			}
			if line["msg"] == "http request" && line["request_id"] != "" {
				sawRequest = true
			}
		}
		if !sawRequest {
			t.Fatal("no access log line with a request id")
		}
	})
}

func TestReadyzWhenDatabaseIsGone(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	s := startServer(t, baseEnv(dsn))
	if res, _ := get(t, s.url+"/readyz"); res.StatusCode != 200 {
		t.Fatalf("ready before the drop: %d", res.StatusCode)
	}

	admin, err := db.Open(context.Background(), dsn, db.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var name string
	if err := admin.Get(&name, "SELECT DATABASE()"); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("DROP DATABASE `" + name + "`"); err != nil {
		t.Fatal(err)
	}

	res, body := get(t, s.url+"/readyz")
	if res.StatusCode != 503 || res.Header.Get("Content-Type") != httpx.ProblemContentType {
		t.Fatalf("got %d %s: %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	var p httpx.Problem
	if err := json.Unmarshal(body, &p); err != nil || !strings.Contains(p.Detail, "database") {
		t.Fatalf("the problem must say why: %s", body)
	}
	if res, _ := get(t, s.url+"/healthz"); res.StatusCode != 200 {
		t.Fatalf("healthz must stay 200 while the process runs: %d", res.StatusCode)
	}
}

func TestServeRefusesPendingMigrations(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewEmptyDSN(t)
	env := baseEnv(dsn)
	err := run(context.Background(), []string{"serve"}, envFrom(env), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "trove migrate up") {
		t.Fatalf("got %v, want a message naming `trove migrate up`", err)
	}

	env["TROVE_AUTO_MIGRATE"] = "1"
	s := startServer(t, env)
	if res, body := get(t, s.url+"/readyz"); res.StatusCode != 200 {
		t.Fatalf("after auto-migrate: %d %s", res.StatusCode, body)
	}
}

func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	s := startServer(t, baseEnv(dsn))
	// Hold a request open by sending its body slowly, then stop the server while
	// it is in flight: it must still be answered.
	pr, pw := io.Pipe()
	result := make(chan int, 1)
	go func() {
		res, err := http.Post(s.url+"/api/v1/slow", "application/json", pr)
		if err != nil {
			result <- -1
			return
		}
		res.Body.Close()
		result <- res.StatusCode
	}()
	if _, err := pw.Write([]byte(`{"a":`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	s.stop()
	time.Sleep(100 * time.Millisecond)
	pw.Write([]byte(`1}`))
	pw.Close()
	select {
	case code := <-result:
		if code != 404 {
			t.Fatalf("in-flight request got %d, want its normal answer (404)", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("in-flight request never answered")
	}
	if _, err := http.Get(s.url + "/healthz"); err == nil {
		t.Fatal("the server still accepts connections after shutdown")
	}
}

func TestSeedIsIdempotent(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	env := baseEnv(dsn)
	env["TROVE_SEED_ADMIN_PASSWORD"] = "demo-password-123"
	var out bytes.Buffer
	if err := run(context.Background(), []string{"seed"}, envFrom(env), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "admin@trove.local") {
		t.Fatalf("first seed must list the accounts it created:\n%s", out.String())
	}

	conn, err := db.Open(context.Background(), dsn, db.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	snapshot := func() map[string]string {
		tables := []string{"vendors", "users", "products", "variants", "audit_log"}
		snap := map[string]string{}
		for _, tbl := range tables {
			rows, err := conn.Queryx("SELECT * FROM " + tbl + " ORDER BY id")
			if err != nil {
				t.Fatal(err)
			}
			var all []map[string]any
			for rows.Next() {
				m := map[string]any{}
				if err := rows.MapScan(m); err != nil {
					t.Fatal(err)
				}
				for k, v := range m {
					if b, ok := v.([]byte); ok {
						m[k] = string(b)
					}
				}
				all = append(all, m)
			}
			rows.Close()
			b, _ := json.Marshal(all)
			snap[tbl] = string(b)
		}
		return snap
	}
	first := snapshot()
	var vendorsCount, productCount, adminCount int
	conn.Get(&vendorsCount, "SELECT COUNT(*) FROM vendors WHERE status = 'active'")
	conn.Get(&productCount, "SELECT COUNT(*) FROM products WHERE listed")
	conn.Get(&adminCount, "SELECT COUNT(*) FROM users WHERE role = 'platform_admin'")
	if vendorsCount < 3 || productCount < 3 || adminCount != 1 {
		t.Fatalf("seeded %d vendors, %d products, %d admins", vendorsCount, productCount, adminCount)
	}

	out.Reset()
	if err := run(context.Background(), []string{"seed"}, envFrom(env), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "created accounts") {
		t.Fatalf("second seed created accounts:\n%s", out.String())
	}
	second := snapshot()
	for tbl := range first {
		if first[tbl] != second[tbl] {
			t.Errorf("table %s changed on the second seed:\n%s\n%s", tbl, first[tbl], second[tbl])
		}
	}
}

func TestMigrateCommands(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewEmptyDSN(t)
	env := baseEnv(dsn)
	runOut := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := run(context.Background(), args, envFrom(env), &out, io.Discard); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out.String()
	}
	if out := runOut("migrate", "status"); !strings.Contains(out, "pending") || strings.Contains(out, "applied") {
		t.Fatalf("status on an empty database:\n%s", out)
	}
	if out := runOut("migrate", "up"); !strings.Contains(out, "applied") {
		t.Fatalf("up:\n%s", out)
	}
	if out := runOut("migrate", "status"); strings.Contains(out, "pending") {
		t.Fatalf("status after up:\n%s", out)
	}
	if out := runOut("migrate", "up"); !strings.Contains(out, "no pending migrations") {
		t.Fatalf("second up:\n%s", out)
	}
	if out := runOut("migrate", "down"); !strings.Contains(out, "rolled back") {
		t.Fatalf("down:\n%s", out)
	}
	if out := runOut("migrate", "status"); strings.Count(out, "pending") != 1 {
		t.Fatalf("status after one down:\n%s", out)
	}

	dir := t.TempDir()
	out := runOut("migrate", "create", "add_widgets", "--dir", dir)
	files, _ := filepath.Glob(filepath.Join(dir, "*_add_widgets.sql"))
	if len(files) != 1 || !strings.Contains(out, files[0]) {
		t.Fatalf("create wrote %v, said %q", files, out)
	}
	body, _ := os.ReadFile(files[0])
	if !strings.Contains(string(body), "-- +goose Up") || !strings.Contains(string(body), "-- +goose Down") {
		t.Fatalf("template:\n%s", body)
	}
}

func TestCommandLineErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"frobnicate"}, {"migrate"}, {"migrate", "sideways"}, {"serve", "extra"}, {"migrate", "create", "Bad Name"}, {"seed", "x"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			err := run(context.Background(), args, envFrom(map[string]string{"TROVE_DATABASE_URL": "root@tcp(127.0.0.1:1)/x"}), io.Discard, io.Discard)
			var ue usageError
			if !errors.As(err, &ue) {
				t.Fatalf("got %v, want a usage error", err)
			}
		})
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, envFrom(nil), &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "trove ") {
		t.Fatalf("version: %q %v", out.String(), err)
	}
}
