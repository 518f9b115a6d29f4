package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

var metricsListenRE = regexp.MustCompile(`"msg":"metrics server listening","addr":"([^"]+)"`)

// With TROVE_METRICS_ADDR, metrics have a listener of their own and the
// public one does not serve them.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	t.Parallel()
	env := baseEnv(dbtest.NewDSN(t))
	env["TROVE_METRICS_ADDR"] = "127.0.0.1:0"
	s := startServer(t, env)
	m := metricsListenRE.FindStringSubmatch(s.stdout.String())
	if m == nil {
		t.Fatalf("no metrics listener in the log:\n%s", s.stdout.String())
	}
	metricsURL := "http://" + m[1]

	get(t, s.url+"/healthz") // a request for the counter to count
	res, body := get(t, s.url+"/metrics")
	if res.StatusCode != http.StatusNotFound || res.Header.Get("Content-Type") != httpx.ProblemContentType {
		t.Fatalf("public /metrics: %d %s\n%s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	res, body = get(t, metricsURL+"/metrics")
	if res.StatusCode != 200 || !strings.Contains(string(body), `trove_http_requests_total{code="200",method="GET",route="/healthz"}`) {
		t.Fatalf("metrics listener: %d\n%s", res.StatusCode, body)
	}
	for _, path := range []string{"/healthz", "/api/v1/store/products", "/"} {
		if res, _ := get(t, metricsURL+path); res.StatusCode != http.StatusNotFound {
			t.Errorf("metrics listener serves %s: %d", path, res.StatusCode)
		}
	}
}

func TestMetricsAddrConfig(t *testing.T) {
	for _, tc := range []struct{ http, metrics, problem string }{
		{"127.0.0.1:8080", "127.0.0.1:8080", "must differ"},
		{"127.0.0.1:8080", "9090", "want host:port"},
		{"127.0.0.1:8080", "10.0.0.5:99999", "port must be a number"},
		{"127.0.0.1:8080", "10.0.0.5:9090", ""},
	} {
		_, err := loadConfig(envFrom(map[string]string{"TROVE_DATABASE_URL": "trove:pw@tcp(db:3306)/trove", "TROVE_SECRET_KEY": testKey(),
			"TROVE_HTTP_ADDR": tc.http, "TROVE_METRICS_ADDR": tc.metrics}), configNeeds{database: true, secret: true})
		switch {
		case tc.problem == "" && err != nil:
			t.Errorf("%s: %v", tc.metrics, err)
		case tc.problem != "" && (err == nil || !strings.Contains(err.Error(), "TROVE_METRICS_ADDR: "+tc.problem) && !strings.Contains(err.Error(), tc.problem)):
			t.Errorf("%s: got %v, want a problem %q", tc.metrics, err, tc.problem)
		}
	}
}

// A client making guest carts as fast as it can is stopped at the burst,
// with 429 problem+json and Retry-After; other clients and signed-in buyers
// are not held up by it, and X-Forwarded-For from an untrusted peer does not
// buy a fresh bucket.
func TestGuestCartsAreRateLimited(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	p := seedPeople(t, dsn)
	env := baseEnv(dsn)
	env["TROVE_GUEST_CARTS_BURST"] = "5"
	env["TROVE_GUEST_CARTS_PER_MINUTE"] = "1"
	s := startServer(t, env)

	newCart := func(bearer, forwardedFor string) *http.Response {
		req, _ := http.NewRequest("POST", s.url+"/api/v1/store/carts", strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		if forwardedFor != "" {
			req.Header.Set("X-Forwarded-For", forwardedFor)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	countCarts := func() int {
		var n int
		if err := p.db.Get(&n, `SELECT COUNT(*) FROM carts`); err != nil {
			t.Fatal(err)
		}
		return n
	}

	for i := range 5 {
		if res := newCart("", ""); res.StatusCode != http.StatusCreated {
			t.Fatalf("guest cart %d of a burst of 5: %d", i+1, res.StatusCode)
		}
	}
	res := newCart("", "")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Content-Type") != httpx.ProblemContentType {
		t.Fatalf("the 6th guest cart: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	retry := res.Header.Get("Retry-After")
	if secs, err := time.ParseDuration(retry + "s"); err != nil || secs <= 0 || secs > time.Minute {
		t.Fatalf("Retry-After %q, want up to 60 seconds (one cart a minute)", retry)
	}
	var prob httpx.Problem
	if err := json.NewDecoder(res.Body).Decode(&prob); err != nil || !strings.Contains(prob.Detail, "too many new carts") {
		t.Fatalf("problem %+v (%v)", prob, err)
	}
	if res := newCart("", "198.51.100.9"); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a made-up X-Forwarded-For from an untrusted peer got a fresh bucket: %d", res.StatusCode)
	}
	if n := countCarts(); n != 5 {
		t.Fatalf("%d carts in the database, want the 5 allowed", n)
	}
	// A signed-in buyer has one cart and is known: not limited by the guests.
	buyer := signIn(t, s, p.buyer.Email)
	for i := range 3 {
		if res := newCart(buyer, ""); res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
			t.Fatalf("signed-in buyer, request %d: %d", i+1, res.StatusCode)
		}
	}
}

// Sign-ups, password resets and invitation acceptances share one bucket per
// client address: each hashes a password or sends a mail.
func TestAccountRequestsAreRateLimited(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	p := seedPeople(t, dsn)
	env := baseEnv(dsn)
	env["TROVE_ACCOUNT_REQUESTS_BURST"] = "3"
	env["TROVE_ACCOUNT_REQUESTS_PER_MINUTE"] = "1"
	s := startServer(t, env)

	users := func() int {
		var n int
		if err := p.db.Get(&n, `SELECT COUNT(*) FROM users`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := users()
	for i := range 2 {
		res, body := call(t, s, "", "POST", "/api/v1/auth/signup", map[string]string{
			"email": fmt.Sprintf("new%d@corp.example", i), "password": testPassword, "name": "New Buyer"})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("sign-up %d: %d %s", i+1, res.StatusCode, body)
		}
	}
	if res, body := call(t, s, "", "POST", "/api/v1/auth/password-reset", map[string]string{"email": p.buyer.Email}); res.StatusCode != http.StatusAccepted {
		t.Fatalf("password reset: %d %s", res.StatusCode, body)
	}
	for _, tc := range []struct{ path, body string }{
		{"/api/v1/auth/signup", `{"email":"flood@corp.example","password":"` + testPassword + `","name":"Flood"}`},
		{"/api/v1/auth/password-reset", `{"email":"` + p.buyer.Email + `"}`},
		{"/api/v1/auth/password-reset/confirm", `{"token":"x","password":"` + testPassword + `"}`},
		{"/api/v1/auth/invites/accept", `{"token":"x","password":"` + testPassword + `","name":"X"}`},
	} {
		res, body := call(t, s, "", "POST", tc.path, tc.body)
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
			t.Errorf("%s past the burst: %d Retry-After %q %s", tc.path, res.StatusCode, res.Header.Get("Retry-After"), body)
		}
	}
	if n := users(); n != before+2 {
		t.Fatalf("%d new users, want the 2 allowed", n-before)
	}
	// Signing in is not this bucket's business (it has its own throttle).
	signIn(t, s, p.buyer.Email)
}
