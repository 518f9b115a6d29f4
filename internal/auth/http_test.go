package auth_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trove-platform/trove/api/apitest"
	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

// authServer serves the signed-out auth routes of f's Service, and one
// guarded route (/api/v1/thing, any method) that answers 200 to whoever
// RequireRole lets through.
func (f *fixture) authServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("POST /api/v1/auth/login", auth.HandleLogin(f.svc, nil))
	mux.Handle("POST /api/v1/auth/refresh", auth.HandleRefresh(f.svc))
	mux.Handle("POST /api/v1/auth/signup", auth.HandleSignup(f.svc))
	mux.Handle("POST /api/v1/auth/password-reset", auth.HandleRequestReset(f.svc))
	mux.Handle("POST /api/v1/auth/password-reset/confirm", auth.HandleConfirmReset(f.svc))
	mux.Handle("POST /api/v1/auth/invites/accept", auth.HandleAcceptInvite(f.svc))
	mux.Handle("POST /api/v1/auth/logout", auth.RequireRole(auth.AllRoles...)(auth.HandleLogout(f.svc, false)))
	mux.Handle("/api/v1/thing", auth.RequireRole(auth.AllRoles...)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	})))
	srv := httptest.NewServer(f.svc.Authenticate(mux))
	t.Cleanup(srv.Close)
	return srv
}

// post sends body as JSON with the given extra headers and returns the
// response with its body read.
func post(t *testing.T, url string, body any, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	return send(t, http.MethodPost, url, body, header)
}

func send(t *testing.T, method, url string, body any, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, url, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if strings.HasPrefix(req.URL.Path, "/api/v1/auth/") {
		raw, _ := json.Marshal(body)
		apitest.Check(t, method, req.URL.Path, raw, res, out)
	}
	return res, out
}

func problemOf(t *testing.T, res *http.Response, body []byte) httpx.Problem {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != httpx.ProblemContentType {
		t.Fatalf("%d with Content-Type %q: %s", res.StatusCode, ct, body)
	}
	var p httpx.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return p
}

// TestSignInMemoryIsBounded: 100 sign-ins at once through the real handler
// raise the peak heap by far less than 512 MiB (each argon2id check holds 64
// MiB: unbounded, they took 6 GiB), and those that cannot get a hashing slot
// in time get 503 problem+json with Retry-After instead of piling up.
//
// Not parallel: the heap is the whole test binary's, so this test runs alone.
func TestSignInMemoryIsBounded(t *testing.T) {
	// Limits high enough that every request reaches the password check.
	f := setupWith(t, func(c *auth.Config) {
		c.Throttle = auth.ThrottleLimits{Window: 15 * time.Minute, LockFor: 15 * time.Minute, AccountFailures: 1000, IPFailures: 1000}
	})
	srv := f.authServer(t)

	heap := func() uint64 {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	runtime.GC()
	base := heap()
	var peak atomic.Uint64
	stop, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		for tick := time.NewTicker(time.Millisecond); ; {
			if h := heap(); h > peak.Load() {
				peak.Store(h)
			}
			select {
			case <-stop:
				tick.Stop()
				return
			case <-tick.C:
			}
		}
	}()

	const n = 100
	statuses := make(chan string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			email, pw := "owner@acme.example", password
			switch i % 3 {
			case 1:
				pw = "not the password"
			case 2:
				email = fmt.Sprintf("nobody%d@acme.example", i)
			}
			res, body := post(t, srv.URL+"/api/v1/auth/login", map[string]string{"email": email, "password": pw, "mode": "bearer"}, nil)
			if res.StatusCode == http.StatusServiceUnavailable {
				problemOf(t, res, body)
				if res.Header.Get("Retry-After") == "" {
					t.Errorf("503 without Retry-After")
				}
			}
			statuses <- fmt.Sprint(res.StatusCode)
		}()
	}
	wg.Wait()
	close(stop)
	<-sampled
	close(statuses)
	got := map[string]int{}
	for s := range statuses {
		got[s]++
	}
	rise := int64(peak.Load()) - int64(base)
	t.Logf("%d sign-ins at once: answers %v; peak heap rise %d MiB; hasher %+v", n, got, rise>>20, f.svc.Hasher().Stats())
	for s := range got {
		if s != "200" && s != "401" && s != "503" {
			t.Errorf("answers %v: only 200, 401 and 503 are expected", got)
		}
	}
	if got["200"]+got["401"] == 0 {
		t.Errorf("answers %v: some sign-ins must have been checked", got)
	}
	if rise >= 512<<20 {
		t.Errorf("the peak heap rose by %d MiB; the bound is 512 MiB", rise>>20)
	}
	if st := f.svc.Hasher().Stats(); st.Peak > int64(st.Slots) {
		t.Errorf("%d hashes ran at once; the bound is %d", st.Peak, st.Slots)
	}
}

// TestBusyHasherAnswers503: with every hashing slot taken, every route that
// hashes a password answers 503 problem+json with Retry-After.
func TestBusyHasherAnswers503(t *testing.T) {
	t.Parallel()
	hasher := auth.NewHasher(1, 10*time.Millisecond)
	f := setupWith(t, func(c *auth.Config) { c.Hasher = hasher })
	srv := f.authServer(t)
	by := &auth.Principal{UserID: f.owner.ID, Role: auth.RoleVendorOwner, VendorID: f.vendor.ID}
	if _, err := f.svc.Invite(t.Context(), f.vendor.ID, "new@acme.example", auth.RoleVendorStaff, by); err != nil {
		t.Fatal(err)
	}
	_, inviteToken := f.lastEmail(t)
	if err := f.svc.RequestPasswordReset(t.Context(), "owner@acme.example"); err != nil {
		t.Fatal(err)
	}
	_, resetToken := f.lastEmail(t)

	release := hasher.HoldAllSlots()
	defer release()
	for _, tc := range []struct {
		path string
		body map[string]string
	}{
		{"/api/v1/auth/login", map[string]string{"email": "owner@acme.example", "password": password}},
		{"/api/v1/auth/signup", map[string]string{"email": "buyer@corp.example", "password": "a fine password"}},
		{"/api/v1/auth/password-reset/confirm", map[string]string{"token": resetToken, "password": "a brand new password"}},
		{"/api/v1/auth/invites/accept", map[string]string{"token": inviteToken, "name": "New", "password": "a brand new password"}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			res, body := post(t, srv.URL+tc.path, tc.body, nil)
			p := problemOf(t, res, body)
			if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "1" || p.Detail == "" {
				t.Fatalf("%d Retry-After %q: %s", res.StatusCode, res.Header.Get("Retry-After"), body)
			}
		})
	}
	var users int
	f.db.Get(&users, `SELECT COUNT(*) FROM users`)
	if users != 1 {
		t.Fatalf("%d users: a refused request made an account", users)
	}
}

// TestHasherBound: however many ask at once, no more than the Hasher's slots
// compute at once, and every one is computed.
func TestHasherBound(t *testing.T) {
	t.Parallel()
	h := auth.NewHasher(2, time.Minute)
	var wg sync.WaitGroup
	hashes := make([]string, 12)
	for i := range hashes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if hashes[i], err = h.Hash(t.Context(), fmt.Sprintf("password number %d", i)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if st := h.Stats(); st.Peak < 1 || st.Peak > 2 || st.Evaluations != 12 || st.Slots != 2 || st.Waiting != 0 {
		t.Fatalf("stats %+v: want at most 2 at once over 12 evaluations", st)
	}
	if ok, err := h.Check(t.Context(), hashes[3], "password number 3"); !ok || err != nil {
		t.Fatalf("check: %v %v", ok, err)
	}
	reg := prometheus.NewRegistry()
	if err := h.Register(reg); err != nil {
		t.Fatal(err)
	}
	families, _ := reg.Gather()
	got := map[string]float64{}
	for _, mf := range families {
		m := mf.GetMetric()[0]
		got[mf.GetName()] = m.GetCounter().GetValue() + m.GetGauge().GetValue()
	}
	want := map[string]float64{"trove_password_hashes_total": 13, "trove_password_hash_busy_total": 0,
		"trove_password_hashes_in_flight": 0, "trove_password_hashes_waiting": 0, "trove_password_hash_slots": 2}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("metrics %v, want %v", got, want)
	}
	if def := auth.NewHasher(0, 0).Stats().Slots; def != min(runtime.GOMAXPROCS(0), 2) {
		t.Fatalf("default slots %d: want one per core, at most 2", def)
	}
}

// TestInputLengthsAreCheckedFirst: inputs longer than their columns (or than
// any sane password) answer 400 naming the field, before anything is written;
// an email of 293 characters used to answer 500 ("Data too long for column
// 'throttle_key'") and was never counted.
func TestInputLengthsAreCheckedFirst(t *testing.T) {
	t.Parallel()
	f := setup(t)
	srv := f.authServer(t)
	longEmail := strings.Repeat("a", 281) + "@acme.example" // 294 characters
	longPassword := strings.Repeat("p", 1025)
	longName := strings.Repeat("n", 201)
	for _, tc := range []struct {
		name, path string
		body       map[string]string
		field      string
	}{
		{"sign-in, long email", "/api/v1/auth/login", map[string]string{"email": longEmail, "password": password}, "email"},
		{"sign-in, 255-character email", "/api/v1/auth/login", map[string]string{"email": strings.Repeat("a", 242) + "@acme.example", "password": password}, "email"},
		{"sign-in, long password", "/api/v1/auth/login", map[string]string{"email": "owner@acme.example", "password": longPassword}, "password"},
		{"sign-in, no email", "/api/v1/auth/login", map[string]string{"password": password}, "email"},
		{"sign-up, long email", "/api/v1/auth/signup", map[string]string{"email": longEmail, "password": "a fine password"}, "email"},
		{"sign-up, long name", "/api/v1/auth/signup", map[string]string{"email": "b@corp.example", "password": "a fine password", "name": longName}, "name"},
		{"sign-up, long password", "/api/v1/auth/signup", map[string]string{"email": "b@corp.example", "password": longPassword}, "password"},
		{"reset request, long email", "/api/v1/auth/password-reset", map[string]string{"email": longEmail}, "email"},
		{"reset, long password", "/api/v1/auth/password-reset/confirm", map[string]string{"token": "x", "password": longPassword}, "password"},
		{"invite, long name", "/api/v1/auth/invites/accept", map[string]string{"token": "x", "name": longName, "password": "a fine password"}, "name"},
		{"invite, long password", "/api/v1/auth/invites/accept", map[string]string{"token": "x", "password": longPassword}, "password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.rows(t)
			res, body := post(t, srv.URL+tc.path, tc.body, nil)
			p := problemOf(t, res, body)
			if res.StatusCode != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != tc.field {
				t.Fatalf("want 400 naming %s, got %d %s", tc.field, res.StatusCode, body)
			}
			if after := f.rows(t); after != before {
				t.Fatalf("a refused request wrote: %s -> %s", before, after)
			}
		})
	}
	t.Run("a token that cannot work is refused before hashing", func(t *testing.T) {
		before := f.svc.Hasher().Stats().Evaluations
		for _, path := range []string{"/api/v1/auth/password-reset/confirm", "/api/v1/auth/invites/accept"} {
			res, body := post(t, srv.URL+path, map[string]string{"token": "made-up", "password": "a fine password"}, nil)
			if res.StatusCode != http.StatusBadRequest {
				t.Fatalf("%s: %d %s", path, res.StatusCode, body)
			}
		}
		if n := f.svc.Hasher().Stats().Evaluations - before; n != 0 {
			t.Fatalf("%d hashes for tokens that cannot work", n)
		}
	})
}

// rows counts what the signed-out auth routes write.
func (f *fixture) rows(t *testing.T) string {
	t.Helper()
	var n [4]int
	for i, table := range []string{"login_throttles", "users", "jobs", "sessions"} {
		if err := f.db.Get(&n[i], `SELECT COUNT(*) FROM `+table); err != nil {
			t.Fatal(err)
		}
	}
	return fmt.Sprint(n)
}

// cookiesOf returns the cookies a response set, by name.
func cookiesOf(res *http.Response) map[string]*http.Cookie {
	out := map[string]*http.Cookie{}
	for _, c := range res.Cookies() {
		out[c.Name] = c
	}
	return out
}

// TestCSRFTokenIsBoundToTheSession, served over TLS (the fixture's public URL
// is https): the cookies are __Host- (and __Secure- for the refresh cookie's
// narrow path), and a cookie-authenticated change passes only with its own
// session's token: not with a cookie and header of the caller's choosing
// (plain double submit), nor with another session's token. A refresh answers
// the token of the same session, and a refused refresh changes nothing.
func TestCSRFTokenIsBoundToTheSession(t *testing.T) {
	t.Parallel()
	f := setup(t)
	srv := f.authServer(t)
	signIn := func() (map[string]*http.Cookie, string) {
		res, body := post(t, srv.URL+"/api/v1/auth/login", map[string]string{"email": "owner@acme.example", "password": password}, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("sign-in: %d %s", res.StatusCode, body)
		}
		var out struct {
			CSRF string `json:"csrf_token"`
		}
		json.Unmarshal(body, &out)
		return cookiesOf(res), out.CSRF
	}
	jar, csrf := signIn()
	for name, want := range map[string]struct {
		path     string
		httpOnly bool
	}{
		"__Host-trove_access":    {"/", true},
		"__Host-trove_csrf":      {"/", false},
		"__Secure-trove_refresh": {"/api/v1/auth", true},
	} {
		c := jar[name]
		if c == nil || !c.Secure || c.Path != want.path || c.Domain != "" || c.HttpOnly != want.httpOnly || c.Value == "" {
			t.Errorf("cookie %s: %+v; want Secure, Path=%s, no Domain, HttpOnly %v", name, c, want.path, want.httpOnly)
		}
	}
	if jar["__Host-trove_csrf"].Value != csrf {
		t.Fatalf("the CSRF cookie %q differs from the body's %q", jar["__Host-trove_csrf"].Value, csrf)
	}
	cookie := func(extra ...string) string {
		return strings.Join(append([]string{"__Host-trove_access=" + jar["__Host-trove_access"].Value}, extra...), "; ")
	}
	_, otherCSRF := signIn()
	if otherCSRF == csrf {
		t.Fatal("two sessions have the same CSRF token")
	}

	for _, tc := range []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"no token", map[string]string{"Cookie": cookie()}, 403},
		{"a forged pair (plain double submit)", map[string]string{"Cookie": cookie("__Host-trove_csrf=x", "trove_csrf=x"), auth.CSRFHeader: "x"}, 403},
		{"another session's token", map[string]string{"Cookie": cookie("__Host-trove_csrf=" + otherCSRF), auth.CSRFHeader: otherCSRF}, 403},
		{"the session's token", map[string]string{"Cookie": cookie(), auth.CSRFHeader: csrf}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if res, body := send(t, http.MethodPatch, srv.URL+"/api/v1/thing", map[string]string{}, tc.header); res.StatusCode != tc.want {
				t.Fatalf("PATCH: %d %s; want %d", res.StatusCode, body, tc.want)
			}
		})
	}
	t.Run("reads need no token", func(t *testing.T) {
		if res, _ := send(t, http.MethodGet, srv.URL+"/api/v1/thing", nil, map[string]string{"Cookie": cookie()}); res.StatusCode != 200 {
			t.Fatalf("GET: %d", res.StatusCode)
		}
	})
	t.Run("over TLS, an unprefixed access cookie is not believed", func(t *testing.T) {
		res, _ := send(t, http.MethodGet, srv.URL+"/api/v1/thing", nil, map[string]string{"Cookie": "trove_access=" + jar["__Host-trove_access"].Value})
		if res.StatusCode != 401 {
			t.Fatalf("GET: %d", res.StatusCode)
		}
	})
	t.Run("refresh", func(t *testing.T) {
		refresh := "__Secure-trove_refresh=" + jar["__Secure-trove_refresh"].Value
		for _, header := range []map[string]string{
			{"Cookie": refresh},
			{"Cookie": refresh + "; __Host-trove_csrf=x", auth.CSRFHeader: "x"},
			{"Cookie": refresh, auth.CSRFHeader: otherCSRF},
		} {
			res, body := post(t, srv.URL+"/api/v1/auth/refresh", nil, header)
			if res.StatusCode != 403 || len(res.Cookies()) != 0 {
				t.Fatalf("refresh with %v: %d %s, cookies %v; want 403 and no cookie change", header, res.StatusCode, body, res.Cookies())
			}
		}
		// The refused refreshes spent nothing: the token still works, once.
		res, body := post(t, srv.URL+"/api/v1/auth/refresh", nil, map[string]string{"Cookie": refresh, auth.CSRFHeader: csrf})
		if res.StatusCode != 200 {
			t.Fatalf("refresh: %d %s", res.StatusCode, body)
		}
		next := cookiesOf(res)
		var out struct {
			CSRF string `json:"csrf_token"`
		}
		json.Unmarshal(body, &out)
		if out.CSRF != csrf || next["__Host-trove_csrf"].Value != csrf || next["__Secure-trove_refresh"].Value == jar["__Secure-trove_refresh"].Value {
			t.Fatalf("after a refresh: csrf %q cookies %v", out.CSRF, res.Cookies())
		}
		hdr := map[string]string{"Cookie": "__Host-trove_access=" + next["__Host-trove_access"].Value, auth.CSRFHeader: out.CSRF}
		if res, body := send(t, http.MethodPatch, srv.URL+"/api/v1/thing", map[string]string{}, hdr); res.StatusCode != 200 {
			t.Fatalf("a change with the refreshed cookies: %d %s", res.StatusCode, body)
		}
	})
	t.Run("sign-out clears the cookies, the old names too", func(t *testing.T) {
		res, body := post(t, srv.URL+"/api/v1/auth/logout", nil, map[string]string{"Cookie": cookie(), auth.CSRFHeader: csrf})
		if res.StatusCode != 204 {
			t.Fatalf("logout: %d %s", res.StatusCode, body)
		}
		cleared := cookiesOf(res)
		for _, name := range []string{"__Host-trove_access", "__Secure-trove_refresh", "__Host-trove_csrf", "trove_access", "trove_refresh", "trove_csrf"} {
			if c := cleared[name]; c == nil || c.MaxAge >= 0 {
				t.Errorf("cookie %s not cleared: %+v", name, c)
			}
		}
	})
}
