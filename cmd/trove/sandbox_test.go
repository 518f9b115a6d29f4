package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
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

// TestSandboxOutOfTheBox is `docker compose up` on a fresh database: serve
// --sandbox with no secret key and no seed run first. It makes a key, keeps
// it (0600) with the stand-ins' state, loads the demo data, and a second
// start uses the same key (the stores' tokens, sealed with it, still open)
// and loads nothing twice.
func TestSandboxOutOfTheBox(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	env := baseEnv(dsn)
	for _, k := range []string{"TROVE_SECRET_KEY", "TROVE_SHOPIFY_API_KEY", "TROVE_SHOPIFY_API_SECRET", "TROVE_STRIPE_SECRET_KEY",
		"TROVE_STRIPE_PUBLISHABLE_KEY", "TROVE_STRIPE_WEBHOOK_SECRET", "TROVE_XERO_CLIENT_ID", "TROVE_XERO_CLIENT_SECRET"} {
		delete(env, k)
	}
	dir := t.TempDir()
	env["TROVE_SANDBOX_DIR"] = dir
	env["TROVE_SEED_ADMIN_PASSWORD"] = testPassword
	env["TROVE_QUEUE_POLL_INTERVAL"] = "50ms"
	if err := run(context.Background(), []string{"serve"}, envFrom(env), io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "TROVE_SECRET_KEY") {
		t.Fatalf("serve with real providers and no key: %v, want TROVE_SECRET_KEY named", err)
	}

	start := func() *server {
		addr := freeAddr(t)
		env["TROVE_HTTP_ADDR"], env["TROVE_PUBLIC_URL"] = addr, "http://"+addr
		s := startServer(t, env, "--sandbox")
		waitUntil(t, "the demo catalog", func() bool { return len(storefront(t, s, "")) >= 6 })
		return s
	}
	first := start()
	fi, err := os.Stat(filepath.Join(dir, sandboxKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the sandbox's key: %v, mode %v", err, fi.Mode())
	}
	key, _ := os.ReadFile(filepath.Join(dir, sandboxKeyFile))
	signIn(t, first, "admin@trove.local")
	if !strings.Contains(first.stdout.String(), "loaded the demo data") {
		t.Fatalf("no word of the demo data in the log:\n%s", first.stdout.String())
	}
	first.shutdown(t)

	second := start()
	if again, _ := os.ReadFile(filepath.Join(dir, sandboxKeyFile)); string(again) != string(key) {
		t.Fatal("the second start made a new key")
	}
	if strings.Contains(second.stdout.String(), "loaded the demo data") {
		t.Fatal("the second start seeded a database that had accounts")
	}
	admin := signIn(t, second, "admin@trove.local")
	time.Sleep(time.Second) // the start's sweep opens the stored tokens
	_, body := call(t, second, admin, "GET", "/api/v1/admin/shopify/connections?status=connected", nil)
	if !strings.Contains(string(body), "copper-kettle-coffee.myshopify.com") {
		t.Fatalf("after a restart the demo stores are not connected: %s", body)
	}
}
