package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/db/dbtest"
)

// TestSandboxDemo is what `make run` does: seed, then serve --sandbox. The
// demo vendors' stores connect to the sandbox Shopify through the real install
// flow, and their products reach the storefront API, offline.
func TestSandboxDemo(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	addr := freeAddr(t)
	env := baseEnv(dsn)
	delete(env, "TROVE_SHOPIFY_API_KEY") // --sandbox fills in the stand-in's values
	delete(env, "TROVE_SHOPIFY_API_SECRET")
	env["TROVE_HTTP_ADDR"], env["TROVE_PUBLIC_URL"] = addr, "http://"+addr
	env["TROVE_SEED_ADMIN_PASSWORD"] = testPassword
	env["TROVE_QUEUE_POLL_INTERVAL"] = "50ms"
	if err := run(context.Background(), []string{"seed"}, envFrom(env), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	// Twice on the same data, the second time with the sandbox's state gone
	// (TROVE_SANDBOX_DIR emptied): a new, empty sandbox Shopify that knows
	// none of the stored tokens. The demo reconnects to it.
	// TestSandboxRestart is the restart that keeps the state.
	first := startServer(t, env, "--sandbox")
	waitUntil(t, "the first start's catalog", func() bool { return len(storefront(t, first, "")) >= 6 })
	first.stop()
	waitUntil(t, "the first start to stop", func() bool {
		_, err := http.Get(first.url + "/healthz")
		return err != nil
	})
	addr = freeAddr(t)
	env["TROVE_HTTP_ADDR"], env["TROVE_PUBLIC_URL"] = addr, "http://"+addr
	env["TROVE_SANDBOX_DIR"] = t.TempDir()
	s := startServer(t, env, "--sandbox")
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := storefront(t, s, "")
		if len(got) >= 6 && got["Cedar & Smoke Candle"] && got["Single-Origin Sampler"] && got["Linen Desk Notebook"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the storefront shows %v, want the demo vendors' products", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	admin := signIn(t, s, "admin@trove.local")
	time.Sleep(time.Second) // let the start's sweep run: it must find working tokens
	_, body := call(t, s, admin, "GET", "/api/v1/admin/shopify/connections?status=connected", nil)
	for _, shop := range []string{"northwind-candles", "copper-kettle-coffee", "fern-and-finch"} {
		if !strings.Contains(string(body), shop+".myshopify.com") {
			t.Fatalf("%s is not connected: %s", shop, body)
		}
	}
}
