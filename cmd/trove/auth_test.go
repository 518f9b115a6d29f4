package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/trove-platform/trove/internal/platform/db/dbtest"
)

// browser is an HTTP client with a cookie jar, like the web apps.
type browser struct {
	t      *testing.T
	s      *server
	client *http.Client
}

func newBrowser(t *testing.T, s *server) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, s: s, client: &http.Client{Jar: jar}}
}

func (b *browser) do(method, path, body string, header map[string]string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(method, b.s.url+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	checkContract(b.t, method, path, []byte(body), res, out)
	return res, string(out)
}

// withCookie replaces the browser's cookie name (Path=/) with value, as a
// page of another site on a sibling domain could, and returns the undo.
func (b *browser) withCookie(name, value string) (undo func()) {
	u, _ := url.Parse(b.s.url + "/")
	was := b.cookie(name)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
	return func() { b.client.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: was, Path: "/"}}) }
}

func (b *browser) cookie(name string) string {
	req, _ := http.NewRequest("GET", b.s.url+"/api/v1/auth/refresh", nil)
	for _, c := range b.client.Jar.Cookies(req.URL) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func TestBrowserSession(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	p := seedPeople(t, dsn)
	s := startServer(t, baseEnv(dsn))
	b := newBrowser(t, s)

	res, body := b.do("POST", "/api/v1/auth/login", `{"email":"owner@a.example","password":"`+testPassword+`"}`, nil)
	if res.StatusCode != 200 || strings.Contains(body, "access_token") || strings.Contains(body, "refresh_token") {
		t.Fatalf("cookie login: %d %s", res.StatusCode, body)
	}
	for _, c := range res.Cookies() {
		switch c.Name {
		case "trove_access", "trove_refresh":
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("cookie %s must be HttpOnly and SameSite=Lax: %+v", c.Name, c)
			}
		case "trove_csrf":
			if c.HttpOnly {
				t.Error("the CSRF cookie must be readable by the app")
			}
		}
	}
	csrf := b.cookie("trove_csrf")
	if csrf == "" {
		t.Fatal("no CSRF cookie")
	}

	if res, body := b.do("GET", "/api/v1/auth/me", "", nil); res.StatusCode != 200 || !strings.Contains(body, p.ownerA.ID) {
		t.Fatalf("me: %d %s", res.StatusCode, body)
	}
	t.Run("state changes need the CSRF header", func(t *testing.T) {
		res, _ := b.do("PATCH", "/api/v1/vendor/profile", `{"name":"Vendor A Ltd"}`, nil)
		if res.StatusCode != 403 {
			t.Fatalf("without the header: %d", res.StatusCode)
		}
		res, _ = b.do("PATCH", "/api/v1/vendor/profile", `{"name":"Vendor A Ltd"}`, map[string]string{"X-CSRF-Token": "wrong"})
		if res.StatusCode != 403 {
			t.Fatalf("with a wrong header: %d", res.StatusCode)
		}
		var name string
		p.db.Get(&name, `SELECT name FROM vendors WHERE id = ?`, p.vendorA.ID)
		if name != "Vendor A" {
			t.Fatal("a refused request changed the vendor")
		}
		res, body := b.do("PATCH", "/api/v1/vendor/profile", `{"name":"Vendor A Ltd"}`, map[string]string{"X-CSRF-Token": csrf})
		if res.StatusCode != 200 || !strings.Contains(body, "Vendor A Ltd") {
			t.Fatalf("with the header: %d %s", res.StatusCode, body)
		}
	})
	t.Run("the CSRF token is bound to the session", func(t *testing.T) {
		// Plain double submit would let whoever can plant a cookie (a sibling
		// subdomain, a network attacker on http) choose both halves.
		forged := b.withCookie("trove_csrf", "x")
		res, _ := b.do("PATCH", "/api/v1/vendor/profile", `{"name":"Forged"}`, map[string]string{"X-CSRF-Token": "x"})
		forged()
		if res.StatusCode != 403 {
			t.Fatalf("a forged cookie and header pair: %d", res.StatusCode)
		}
		other := newBrowser(t, s)
		if res, body := other.do("POST", "/api/v1/auth/login", `{"email":"owner@a.example","password":"`+testPassword+`"}`, nil); res.StatusCode != 200 {
			t.Fatalf("second sign-in: %d %s", res.StatusCode, body)
		}
		otherCSRF := other.cookie("trove_csrf")
		if otherCSRF == "" || otherCSRF == csrf {
			t.Fatalf("the second session's token %q", otherCSRF)
		}
		forged = b.withCookie("trove_csrf", otherCSRF)
		res, _ = b.do("PATCH", "/api/v1/vendor/profile", `{"name":"Forged"}`, map[string]string{"X-CSRF-Token": otherCSRF})
		forged()
		if res.StatusCode != 403 {
			t.Fatalf("another session's token: %d", res.StatusCode)
		}
		var name string
		p.db.Get(&name, `SELECT name FROM vendors WHERE id = ?`, p.vendorA.ID)
		if name != "Vendor A Ltd" {
			t.Fatalf("a refused request changed the vendor: %q", name)
		}
	})
	t.Run("refresh rotates the cookies", func(t *testing.T) {
		old := b.cookie("trove_refresh")
		res, _ := b.do("POST", "/api/v1/auth/refresh", "", nil)
		if res.StatusCode != 403 {
			t.Fatalf("refresh without CSRF: %d", res.StatusCode)
		}
		forged := b.withCookie("trove_csrf", "x")
		res, _ = b.do("POST", "/api/v1/auth/refresh", "", map[string]string{"X-CSRF-Token": "x"})
		forged()
		if res.StatusCode != 403 || b.cookie("trove_refresh") != old {
			t.Fatalf("refresh with a forged CSRF pair: %d", res.StatusCode)
		}
		res, body := b.do("POST", "/api/v1/auth/refresh", "", map[string]string{"X-CSRF-Token": b.cookie("trove_csrf")})
		if res.StatusCode != 200 || b.cookie("trove_refresh") == old {
			t.Fatalf("refresh: %d %s", res.StatusCode, body)
		}
		// The token follows the session through the refresh.
		res, body = b.do("PATCH", "/api/v1/vendor/profile", `{"name":"Vendor A"}`, map[string]string{"X-CSRF-Token": b.cookie("trove_csrf")})
		if res.StatusCode != 200 || !strings.Contains(body, `"Vendor A"`) {
			t.Fatalf("a change after the refresh: %d %s", res.StatusCode, body)
		}
	})
	t.Run("logout ends the session at once", func(t *testing.T) {
		res, _ := b.do("POST", "/api/v1/auth/logout", "", map[string]string{"X-CSRF-Token": b.cookie("trove_csrf")})
		if res.StatusCode != 204 {
			t.Fatalf("logout: %d", res.StatusCode)
		}
		if res, _ := b.do("GET", "/api/v1/auth/me", "", nil); res.StatusCode != 401 {
			t.Fatalf("me after logout: %d", res.StatusCode)
		}
	})
}

func TestSignInAnswers(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	p := seedPeople(t, dsn)
	s := startServer(t, baseEnv(dsn))
	problem := func(body []byte) map[string]any {
		var m map[string]any
		json.Unmarshal(body, &m)
		delete(m, "request_id")
		return m
	}
	r1, b1 := call(t, s, "", "POST", "/api/v1/auth/login", map[string]string{"email": p.buyer.Email, "password": "wrong password"})
	r2, b2 := call(t, s, "", "POST", "/api/v1/auth/login", map[string]string{"email": "nobody@corp.example", "password": "wrong password"})
	if r1.StatusCode != 401 || r2.StatusCode != 401 {
		t.Fatalf("statuses %d %d", r1.StatusCode, r2.StatusCode)
	}
	if a, b := problem(b1), problem(b2); a["detail"] != b["detail"] || a["title"] != b["title"] || len(a) != len(b) {
		t.Fatalf("wrong password %v and unknown email %v must answer alike", a, b)
	}

	t.Run("lockout answers 429 with Retry-After", func(t *testing.T) {
		for range 5 {
			call(t, s, "", "POST", "/api/v1/auth/login", map[string]string{"email": p.staffA.Email, "password": "guess guess"})
		}
		res, body := call(t, s, "", "POST", "/api/v1/auth/login", map[string]string{"email": p.staffA.Email, "password": testPassword})
		if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%d %q %s", res.StatusCode, res.Header.Get("Retry-After"), body)
		}
	})
	t.Run("bad bearer tokens are 401", func(t *testing.T) {
		for _, tok := range []string{"garbage", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."} {
			if res, _ := call(t, s, tok, "GET", "/api/v1/auth/me", nil); res.StatusCode != 401 {
				t.Fatalf("token %q: %d", tok, res.StatusCode)
			}
		}
	})
	t.Run("signup makes buyers; a taken email is a conflict", func(t *testing.T) {
		res, body := call(t, s, "", "POST", "/api/v1/auth/signup", map[string]string{"email": "new@corp.example", "password": "a fine password", "name": "New"})
		if res.StatusCode != 201 || !strings.Contains(string(body), `"role":"buyer"`) {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		if res, _ := call(t, s, "", "POST", "/api/v1/auth/signup", map[string]any{"email": "x@corp.example", "password": "a fine password", "role": "platform_admin"}); res.StatusCode != 400 {
			t.Fatalf("signing up with a role must be refused: %d", res.StatusCode)
		}
		if res, _ := call(t, s, "", "POST", "/api/v1/auth/signup", map[string]string{"email": "NEW@corp.example", "password": "a fine password"}); res.StatusCode != 409 {
			t.Fatalf("taken email: %d", res.StatusCode)
		}
	})
}

func TestVendorFieldsOnlyOperatorsSet(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	p := seedPeople(t, dsn)
	s := startServer(t, baseEnv(dsn))
	owner, admin := signIn(t, s, p.ownerA.Email), signIn(t, s, p.admin.Email)
	for _, body := range []map[string]any{
		{"commission_bps": 0},
		{"status": "active"},
		{"name": "Renamed", "commission_bps": 1},
		{"id": p.vendorB.ID},
	} {
		res, out := call(t, s, owner, "PATCH", "/api/v1/vendor/profile", body)
		if res.StatusCode != 400 {
			t.Fatalf("%v: %d %s", body, res.StatusCode, out)
		}
	}
	var v struct {
		Name string `db:"name"`
		BPS  int    `db:"commission_bps"`
	}
	p.db.Get(&v, `SELECT name, commission_bps FROM vendors WHERE id = ?`, p.vendorA.ID)
	if v.Name != "Vendor A" || v.BPS != 1500 {
		t.Fatalf("a refused request changed the vendor: %+v", v)
	}

	res, out := call(t, s, admin, "PATCH", "/api/v1/admin/vendors/"+p.vendorA.ID, map[string]any{"commission_bps": 1200})
	if res.StatusCode != 200 || !strings.Contains(string(out), `"commission_bps":1200`) {
		t.Fatalf("operator: %d %s", res.StatusCode, out)
	}
	res, out = call(t, s, admin, "GET", "/api/v1/admin/audit?action=vendor.updated&object_id="+p.vendorA.ID, nil)
	if res.StatusCode != 200 || !strings.Contains(string(out), `"before":{"commission_bps":1500}`) || !strings.Contains(string(out), `"after":{"commission_bps":1200}`) || !strings.Contains(string(out), p.admin.ID) {
		t.Fatalf("audit: %d %s", res.StatusCode, out)
	}

	t.Run("a suspended vendor's users can look, not change", func(t *testing.T) {
		if res, out := call(t, s, admin, "PATCH", "/api/v1/admin/vendors/"+p.vendorA.ID, map[string]any{"status": "suspended"}); res.StatusCode != 200 {
			t.Fatalf("%d %s", res.StatusCode, out)
		}
		if res, _ := call(t, s, owner, "GET", "/api/v1/vendor/profile", nil); res.StatusCode != 200 {
			t.Fatalf("read: %d", res.StatusCode)
		}
		if res, _ := call(t, s, owner, "PATCH", "/api/v1/vendor/profile", map[string]any{"name": "X"}); res.StatusCode != 403 {
			t.Fatalf("write: %d", res.StatusCode)
		}
	})
}
