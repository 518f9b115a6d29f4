package inbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/trove-platform/trove/internal/platform/mail"
	"github.com/trove-platform/trove/internal/sandbox/inbox"
)

func get(t *testing.T, url, accept string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestInbox(t *testing.T) {
	box := mail.NewLocal()
	mux := http.NewServeMux()
	mux.Handle("GET /sandbox/mail", inbox.Handler(box, "/sandbox/mail"))
	mux.Handle("GET /sandbox/mail/{id}", inbox.Handler(box, "/sandbox/mail"))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

	t.Run("empty", func(t *testing.T) {
		res, body := get(t, srv.URL+"/sandbox/mail", browser)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "No mail yet") {
			t.Fatalf("%d %s\n%s", res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	})

	ctx := context.Background()
	reset := mail.Message{To: []string{"Ann <ann@buyer.example>"}, Subject: "Reset your password <now>",
		Text: "Hello,\n\nChoose a new password: http://localhost:8080/reset?token=abc&next=%2F.\nThe link works for an hour.",
		HTML: `<p>Choose a <a href="http://localhost:8080/reset?token=abc">new password</a>.</p><script>alert(1)</script>`}
	if err := box.Send(ctx, "Trove <no-reply@trove.local>", reset, "job_1:reset"); err != nil {
		t.Fatal(err)
	}
	shipped := mail.Message{To: []string{"bob@buyer.example"}, Subject: "Your gift has shipped", Text: "Tracking: 1Z999."}
	if err := box.Send(ctx, "Trove <no-reply@trove.local>", shipped, "job_2:shipped"); err != nil {
		t.Fatal(err)
	}
	msgs := box.Messages()
	resetID := inbox.ID(msgs[1])

	t.Run("the list, newest first, for a browser", func(t *testing.T) {
		res, body := get(t, srv.URL+"/sandbox/mail", browser)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		shippedAt, resetAt := strings.Index(body, "Your gift has shipped"), strings.Index(body, "Reset your password &lt;now&gt;")
		if shippedAt < 0 || resetAt < 0 || shippedAt > resetAt {
			t.Fatalf("the list must show both subjects, escaped, newest first:\n%s", body)
		}
		if !strings.Contains(body, `href="/sandbox/mail/`+resetID+`"`) || !strings.Contains(body, "2 messages") {
			t.Fatalf("no link to the message:\n%s", body)
		}
		if strings.Contains(res.Header.Get("Content-Security-Policy"), "script-src") || res.Header.Get("Content-Security-Policy") == "" {
			t.Fatalf("CSP %q: the page runs no script", res.Header.Get("Content-Security-Policy"))
		}
	})

	t.Run("the list as JSON, in the shape it always had", func(t *testing.T) {
		res, body := get(t, srv.URL+"/sandbox/mail", "application/json")
		want, _ := json.Marshal(map[string]any{"messages": msgs})
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" || strings.TrimSpace(body) != string(want) {
			t.Fatalf("%d %s\n%s\nwant %s", res.StatusCode, res.Header.Get("Content-Type"), body, want)
		}
	})

	t.Run("a message, its links clickable, nothing unescaped", func(t *testing.T) {
		res, body := get(t, srv.URL+"/sandbox/mail/"+resetID, browser)
		if res.StatusCode != 200 {
			t.Fatalf("%d\n%s", res.StatusCode, body)
		}
		link := `<a href="http://localhost:8080/reset?token=abc&amp;next=%2F">http://localhost:8080/reset?token=abc&amp;next=%2F</a>.`
		if !strings.Contains(body, link) {
			t.Fatalf("the reset link is not a link (the full stop after it is not part of it):\n%s", body)
		}
		if strings.Contains(body, "<script>") || strings.Contains(body, "<now>") {
			t.Fatalf("unescaped content:\n%s", body)
		}
		if !strings.Contains(body, `sandbox="allow-popups allow-popups-to-escape-sandbox"`) || !strings.Contains(body, "srcdoc=\"&lt;base target=&#34;_blank&#34;&gt;&lt;p&gt;") {
			t.Fatalf("the HTML version must be in a sandboxed frame, escaped into srcdoc:\n%s", body)
		}
		if !strings.Contains(body, "Ann &lt;ann@buyer.example&gt;") || !strings.Contains(body, `href="/sandbox/mail"`) {
			t.Fatalf("recipients or the way back:\n%s", body)
		}
	})

	t.Run("a message as JSON", func(t *testing.T) {
		res, body := get(t, srv.URL+"/sandbox/mail/"+resetID, "application/json")
		var got mail.Sent
		if res.StatusCode != 200 || json.Unmarshal([]byte(body), &got) != nil || got.IdempotencyKey != "job_1:reset" {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
	})

	t.Run("an unknown message", func(t *testing.T) {
		if res, body := get(t, srv.URL+"/sandbox/mail/0123456789abcdef", browser); res.StatusCode != 404 || !strings.Contains(body, "not in the sandbox inbox") {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		if res, body := get(t, srv.URL+"/sandbox/mail/0123456789abcdef", "application/json"); res.StatusCode != 404 ||
			res.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%d %s %s", res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	})
}
