package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/trove-platform/trove/internal/platform/fault"
)

type input struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name, body, ctype string
		wantKind          fault.Kind
		wantDetail        string
	}{
		{"valid", `{"name":"a","count":2}`, "application/json", "", ""},
		{"valid with charset", `{"name":"a"}`, "application/json; charset=utf-8", "", ""},
		{"empty", ``, "application/json", fault.KindInvalid, "empty"},
		{"syntax", `{"name":`, "application/json", fault.KindInvalid, "cut short"},
		{"bad syntax", `{"name" "a"}`, "application/json", fault.KindInvalid, "not valid JSON"},
		{"wrong type", `{"count":"two"}`, "application/json", fault.KindInvalid, `field "count" must be int`},
		{"unknown field", `{"name":"a","admin":true}`, "application/json", fault.KindInvalid, `unknown field "admin"`},
		{"two values", `{"name":"a"}{"name":"b"}`, "application/json", fault.KindInvalid, "single JSON value"},
		{"not json content type", `{"name":"a"}`, "text/plain", fault.KindInvalid, "must be JSON"},
		{"too large", `{"name":"` + strings.Repeat("x", MaxJSONBody) + `"}`, "application/json", fault.KindTooLarge, "larger than"},
		{"white space around the object", " \n\t{\"name\":\"a\"}\r\n ", "application/json", "", ""},
		{"no content type", `{"name":"a"}`, "", "", ""},
		// A required body is an object: nothing else stands for "{}".
		{"only white space", " \n ", "application/json", fault.KindInvalid, "empty"},
		{"null", `null`, "application/json", fault.KindInvalid, "must be a JSON object ({…}), not null"},
		{"null with space", ` null `, "application/json", fault.KindInvalid, "not null"},
		{"an empty array", `[]`, "application/json", fault.KindInvalid, "not an array"},
		{"an array of objects", `[{"name":"a"}]`, "application/json", fault.KindInvalid, "not an array"},
		{"a string", `""`, "application/json", fault.KindInvalid, "not a string"},
		{"a number", `0`, "application/json", fault.KindInvalid, "not a number"},
		{"a negative number", `-1`, "application/json", fault.KindInvalid, "not a number"},
		{"a boolean", `true`, "application/json", fault.KindInvalid, "not true or false"},
		{"not JSON at all", `nonsense`, "application/json", fault.KindInvalid, "not valid JSON"},
		{"an unclosed array", `[`, "application/json", fault.KindInvalid, "cut short"},
		{"null then an object", `null {"name":"a"}`, "application/json", fault.KindInvalid, "not null"},
		{"an empty body sent as text", ``, "text/plain", fault.KindInvalid, "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			r.Header.Set("Content-Type", tc.ctype)
			var v input
			err := Decode(httptest.NewRecorder(), r, &v)
			if tc.wantKind == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if v.Name != "a" {
					t.Fatalf("decoded %+v", v)
				}
				return
			}
			if fault.KindOf(err) != tc.wantKind || !strings.Contains(err.Error(), tc.wantDetail) {
				t.Fatalf("got %v (kind %s), want kind %s with %q", err, fault.KindOf(err), tc.wantKind, tc.wantDetail)
			}
		})
	}
}

// TestDecodeOptional: an absent body is no error and leaves the value as it
// was; one that is there follows Decode's rule, null and arrays included.
func TestDecodeOptional(t *testing.T) {
	tests := []struct {
		name, body  string
		wantPresent bool
		wantErr     string // "" for none
	}{
		{"no body", ``, false, ""},
		{"only white space", "  \r\n", false, ""},
		{"an object", `{"name":"b"}`, true, ""},
		{"an empty object", `{}`, true, ""},
		{"null", `null`, false, "not null"},
		{"an array", `[]`, false, "not an array"},
		{"a string", `""`, false, "not a string"},
		{"unknown field", `{"admin":true}`, false, `unknown field "admin"`},
		{"bad JSON", `{`, false, "cut short"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			r.Header.Set("Content-Type", "application/json")
			v := input{Name: "kept"}
			present, err := DecodeOptional(httptest.NewRecorder(), r, &v)
			if tc.wantErr != "" {
				if fault.KindOf(err) != fault.KindInvalid || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an invalid error saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || present != tc.wantPresent {
				t.Fatalf("present %v, err %v; want present %v", present, err, tc.wantPresent)
			}
			if want := map[bool]string{false: "kept", true: ""}[present]; tc.name == "no body" || tc.name == "only white space" {
				if v.Name != want {
					t.Fatalf("an absent body changed the value: %+v", v)
				}
			}
		})
	}
	t.Run("a request without a body at all", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/", nil)
		r.Body = nil
		if present, err := DecodeOptional(httptest.NewRecorder(), r, &input{}); present || err != nil {
			t.Fatalf("present %v, err %v", present, err)
		}
	})
}

func decodeProblem(t *testing.T, res *http.Response) Problem {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != ProblemContentType {
		t.Fatalf("content type %q, want %q", ct, ProblemContentType)
	}
	var p Problem
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestErrorMapsKinds(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	fields := &fault.Fields{}
	fields.Add("email", "is required")
	fields.Add("commission_bps", "must be between 0 and 10000")
	tests := []struct {
		err        error
		status     int
		detail     string
		wantLogged bool
	}{
		{fault.Invalid("bad thing"), 400, "bad thing", false},
		{fields.Err(), 400, "invalid fields", false},
		{fault.NotFound("no such vendor"), 404, "no such vendor", false},
		{fault.Conflict("already paid"), 409, "already paid", false},
		{fault.Unauthorized("sign in"), 401, "sign in", false},
		{fault.Forbidden("not yours"), 403, "not yours", false},
		{fault.RateLimited("slow down"), 429, "slow down", false},
		{fault.Unavailable("database down"), 503, "database down", false},
		{errors.New("sql: secret table exploded"), 500, "Something went wrong", true},
		{fault.Wrap(fault.KindConflict, errors.New("duplicate key secret"), "vendor exists"), 409, "vendor exists", false},
	}
	for _, tc := range tests {
		t.Run(tc.err.Error(), func(t *testing.T) {
			logs.Reset()
			h := RequestContext(log)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { Error(w, r, tc.err) }))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/x", nil))
			res := rec.Result()
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			p := decodeProblem(t, res)
			if p.Status != tc.status || !strings.Contains(p.Detail, tc.detail) || p.RequestID == "" || p.Instance != "/api/v1/x" {
				t.Fatalf("problem %+v", p)
			}
			if strings.Contains(p.Detail, "secret") {
				t.Fatalf("the cause leaked to the caller: %q", p.Detail)
			}
			if logged := logs.Len() > 0; logged != tc.wantLogged {
				t.Fatalf("logged=%v, want %v: %s", logged, tc.wantLogged, logs.String())
			}
		})
	}
	t.Run("a wait is sent as Retry-After, in whole seconds rounded up", func(t *testing.T) {
		for _, tc := range []struct {
			err  error
			want string
		}{
			{fault.RetryLater(fault.KindRateLimited, 1500*time.Millisecond, "slow down"), "2"},
			{fault.RetryLater(fault.KindUnavailable, 3*time.Second, "busy"), "3"},
			{fmt.Errorf("wrapped: %w", fault.RetryLater(fault.KindRateLimited, time.Millisecond, "slow down")), "1"},
			{fault.RateLimited("no wait given"), ""},
		} {
			rec := httptest.NewRecorder()
			Error(rec, httptest.NewRequest("POST", "/", nil), tc.err)
			if got := rec.Result().Header.Get("Retry-After"); got != tc.want {
				t.Errorf("%v: Retry-After %q, want %q", tc.err, got, tc.want)
			}
		}
	})
	t.Run("field errors are listed", func(t *testing.T) {
		rec := httptest.NewRecorder()
		Error(rec, httptest.NewRequest("POST", "/", nil), fields.Err())
		p := decodeProblem(t, rec.Result())
		if len(p.Errors) != 2 || p.Errors[0].Field != "commission_bps" || p.Errors[1].Field != "email" {
			t.Fatalf("errors %+v", p.Errors)
		}
	})
}

func TestMiddlewareChain(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	r := chi.NewRouter()
	r.NotFound(NotFound().ServeHTTP)
	r.MethodNotAllowed(MethodNotAllowed(r).ServeHTTP)
	r.Get("/things/{id}", func(w http.ResponseWriter, r *http.Request) {
		JSON(w, 200, map[string]string{"id": chi.URLParam(r, "id")})
	})
	r.Get("/panic", func(w http.ResponseWriter, r *http.Request) { panic("kaboom") })
	h := RequestContext(log)(m.Observe(Recover(r)))
	srv := httptest.NewServer(h)
	defer srv.Close()

	get := func(method, path string, hdr map[string]string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}

	t.Run("route pattern labels, not paths", func(t *testing.T) {
		get("GET", "/things/1", nil)
		get("GET", "/things/2", nil)
		if n := testutil.ToFloat64(m.requests.WithLabelValues("/things/{id}", "GET", "200")); n != 2 {
			t.Fatalf("counted %v, want 2", n)
		}
	})
	t.Run("panic becomes a 500 problem", func(t *testing.T) {
		res := get("GET", "/panic", nil)
		if res.StatusCode != 500 {
			t.Fatalf("status %d", res.StatusCode)
		}
		decodeProblem(t, res)
		if !strings.Contains(logs.String(), "kaboom") {
			t.Fatal("the panic was not logged")
		}
		if n := testutil.ToFloat64(m.requests.WithLabelValues("/panic", "GET", "500")); n != 1 {
			t.Fatalf("counted %v, want 1", n)
		}
	})
	t.Run("404 and 405 are problems", func(t *testing.T) {
		res := get("GET", "/nope", nil)
		if res.StatusCode != 404 {
			t.Fatalf("status %d", res.StatusCode)
		}
		decodeProblem(t, res)
		res = get("DELETE", "/things/1", nil)
		if res.StatusCode != 405 || res.Header.Get("Allow") != "GET" {
			t.Fatalf("status %d allow %q", res.StatusCode, res.Header.Get("Allow"))
		}
		decodeProblem(t, res)
	})
	t.Run("request id kept when well-formed, replaced otherwise", func(t *testing.T) {
		res := get("GET", "/things/1", map[string]string{RequestIDHeader: "abc-123-def"})
		if got := res.Header.Get(RequestIDHeader); got != "abc-123-def" {
			t.Fatalf("got %q", got)
		}
		res = get("GET", "/things/1", map[string]string{RequestIDHeader: "bad id with spaces"})
		if got := res.Header.Get(RequestIDHeader); got == "" || strings.Contains(got, " ") {
			t.Fatalf("got %q", got)
		}
		body, _ := io.ReadAll(res.Body)
		if !strings.Contains(string(body), `"id":"1"`) {
			t.Fatalf("body %s", body)
		}
	})
}

// A request that outlives the shutdown grace is named in Serve's error.
func TestServeNamesTheRequestsThatHoldShutdownUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	srv := NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
	}), slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, srv, ln, 50*time.Millisecond) }()
	go http.Post("http://"+ln.Addr().String()+"/webhooks/stripe", "application/json", strings.NewReader("{}"))
	<-started
	cancel()
	err = <-done
	if err == nil || !strings.Contains(err.Error(), "POST /webhooks/stripe (") {
		t.Fatalf("Serve returned %v, want an error naming POST /webhooks/stripe", err)
	}
}

// A client that connected but has sent nothing yet does not hold the
// shutdown up: Go's Shutdown would wait 5 s for it.
func TestServeDoesNotWaitForConnectionsThatSentNothing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, srv, ln, 2*time.Second) }()
	// A used keep-alive connection (idle) and a fresh one that sends nothing.
	if res, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
		res.Body.Close()
	}
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.Sleep(50 * time.Millisecond) // accepted
	start := time.Now()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("shutdown took %s, waiting on a connection that had sent nothing", took)
	}
}
