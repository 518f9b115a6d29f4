// Package stripemocktest starts stripe-mock, Stripe's stateless API stand-in
// that validates requests against Stripe's OpenAPI spec, for contract tests.
// `make test` installs the pinned stripe-mock (v0.203.0) and names it in
// TROVE_TEST_STRIPE_MOCK.
package stripemocktest

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/standin"
)

// EnvVar names the stripe-mock binary.
const EnvVar = "TROVE_TEST_STRIPE_MOCK"

// SecretKey is a key stripe-mock accepts (any sk_test_… does).
const SecretKey = "sk_test_123"

var stripeMock = standin.Shared{Spec: standin.Spec{
	Name: "stripe-mock", EnvVar: EnvVar, Version: "v0.203.0", Ports: 2,
	Args: func(ports []int, _ string) []string {
		return []string{"-http-addr", fmt.Sprintf("127.0.0.1:%d", ports[0]), "-https-addr", fmt.Sprintf("127.0.0.1:%d", ports[1])}
	},
	Ready: func(ports []int) bool {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/v1/customers", ports[0]), nil)
		req.SetBasicAuth(SecretKey, "")
		res, err := (&http.Client{Timeout: time.Second}).Do(req)
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	},
}}

// URL starts one stripe-mock for the test binary (on first use) and returns
// its plain-HTTP base URL (http://127.0.0.1:P, to use as the adapter's
// APIBase). Tests share it: it keeps no state. Call Stop from TestMain.
func URL(t testing.TB) string {
	t.Helper()
	return fmt.Sprintf("http://127.0.0.1:%d", stripeMock.Get(t).Ports[0])
}

// Stop ends the stripe-mock started by URL, if any.
func Stop() { stripeMock.Stop() }
