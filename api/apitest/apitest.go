// Package apitest holds responses to the REST contract, api/openapi.yaml, in
// tests: the document is loaded and validated once per test binary, and every
// answer a test gets can be checked against it.
package apitest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/trove-platform/trove/api"
)

var contract struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

func load() {
	contract.doc, contract.err = openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if contract.err == nil {
		contract.err = contract.doc.Validate(context.Background())
	}
	if contract.err == nil {
		contract.router, contract.err = gorillamux.NewRouter(contract.doc)
	}
}

// Doc returns the contract, failing the test if it does not load or validate.
func Doc(t testing.TB) *openapi3.T {
	t.Helper()
	contract.once.Do(load)
	if contract.err != nil {
		t.Fatalf("api/openapi.yaml: %v", contract.err)
	}
	return contract.doc
}

// Check fails the test (without stopping it) unless the answer res (with its
// body already read) to method path (with request body reqBody) is one the
// contract allows: the route and its status are described, and the body and
// headers match their schemas.
func Check(t testing.TB, method, path string, reqBody []byte, res *http.Response, body []byte) {
	t.Helper()
	Doc(t)
	req, _ := http.NewRequest(method, "http://localhost"+path, bytes.NewReader(reqBody))
	if res.Request != nil {
		req.Header = res.Request.Header.Clone()
	}
	route, params, err := contract.router.FindRoute(req)
	if err != nil {
		t.Errorf("%s %s is not in api/openapi.yaml: %v", method, path, err)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route}
	if err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: res.StatusCode, Header: res.Header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}); err != nil {
		t.Errorf("%s %s answered %d, which breaks the contract: %v\n%s", method, path, res.StatusCode, err, body)
	}
}
