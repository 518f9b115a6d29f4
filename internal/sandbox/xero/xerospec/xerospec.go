// Package xerospec vendors Xero's own OpenAPI description of the Accounting
// API (github.com/XeroAPI/Xero-OpenAPI, MIT: see LICENSE in this folder) so
// the Xero sandbox can hold every request against it, also on a clean clone.
package xerospec

import (
	"context"
	_ "embed"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// AccountingYAML is xero_accounting.yaml as published by Xero.
//
//go:embed xero_accounting.yaml
var AccountingYAML []byte

// BasePath is where the Accounting API lives on api.xero.com, and where the
// router built by Accounting matches paths (on any host).
const BasePath = "/api.xro/2.0"

// The loaded spec and its router are kept for the life of the process: the
// file is ~900 KB and takes the better part of a second to parse, validate
// and route, which would dominate every test that starts a sandbox. Both are
// read-only once built (openapi3filter only reads them), so one copy is safe
// to share between all sandboxes and goroutines. This is the one piece of
// package-level state, kept on purpose and behind a sync.Once.
var (
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
)

// Accounting returns the parsed Accounting API spec and a router that
// matches request paths under BasePath on any scheme and host (the spec's
// server, https://api.xero.com/api.xro/2.0, is replaced by a relative one).
// It loads once per process; later calls return the same values.
func Accounting() (*openapi3.T, routers.Router, error) {
	once.Do(func() { doc, router, err = load() })
	return doc, router, err
}

func load() (*openapi3.T, routers.Router, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	loader.ReadFromURIFunc = func(*openapi3.Loader, *url.URL) ([]byte, error) {
		return nil, fmt.Errorf("xerospec: external references are not followed")
	}
	t, err := loader.LoadFromData(AccountingYAML)
	if err != nil {
		return nil, nil, fmt.Errorf("xerospec: load: %w", err)
	}
	dropAmbiguousPaths(t)
	if err := t.Validate(context.Background(), openapi3.DisableExamplesValidation(), openapi3.DisableSchemaDefaultsValidation(),
		openapi3.DisableSchemaPatternValidation()); err != nil {
		return nil, nil, fmt.Errorf("xerospec: validate: %w", err)
	}
	t.Servers = openapi3.Servers{{URL: BasePath}}
	r, err := gorillamux.NewRouter(t)
	if err != nil {
		return nil, nil, fmt.Errorf("xerospec: router: %w", err)
	}
	return t, r, nil
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// dropAmbiguousPaths removes the templates that differ from another only in
// a parameter's name (/Contacts/{ContactNumber} beside /Contacts/{ContactID},
// …/Attachments/{FileName} beside …/Attachments/{AttachmentID}): Xero tells
// them apart by the value's shape, a router cannot. The one whose last
// parameter is an …ID is kept.
func dropAmbiguousPaths(t *openapi3.T) {
	groups := map[string][]string{}
	for p := range t.Paths.Map() {
		k := pathParam.ReplaceAllString(p, "{}")
		groups[k] = append(groups[k], p)
	}
	for _, ps := range groups {
		if len(ps) < 2 {
			continue
		}
		keep := ""
		for _, p := range ps {
			params := pathParam.FindAllString(p, -1)
			if strings.HasSuffix(params[len(params)-1], "ID}") {
				keep = p
			}
		}
		if keep == "" {
			keep = ps[0]
		}
		for _, p := range ps {
			if p != keep {
				t.Paths.Delete(p)
			}
		}
	}
}
