// Package mailtest starts mailpit, a local SMTP server with an HTTP API, for
// tests, and reads back what it received. `make test` installs the pinned
// mailpit and names it in TROVE_TEST_MAILPIT.
package mailtest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/standin"
)

// EnvVar names the mailpit binary.
const EnvVar = "TROVE_TEST_MAILPIT"

// Server is one running mailpit.
type Server struct {
	Host     string // SMTP host, always 127.0.0.1
	SMTPPort int
	URL      string // base URL of the HTTP API, ending in "/"

	proc *standin.Process
}

// SMTPAddr is host:port for an SMTP client.
func (s *Server) SMTPAddr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.SMTPPort)) }

var spec = standin.Spec{
	Name: "mailpit", EnvVar: EnvVar, Version: "v1.30.5", Ports: 2,
	Args: func(ports []int, dir string) []string {
		return []string{
			"--smtp", fmt.Sprintf("127.0.0.1:%d", ports[0]),
			"--listen", fmt.Sprintf("127.0.0.1:%d", ports[1]),
			// Its own database in the scratch folder; without this mailpit
			// makes one in $TMPDIR and deletes it only on a clean exit.
			"--database", filepath.Join(dir, "mailpit.db"),
			"--disable-version-check", // no call to GitHub at start
			"--smtp-disable-rdns",     // no reverse DNS lookup per connection
			"--quiet",
		}
	},
	// Ready when both the API and the SMTP port answer.
	Ready: func(ports []int) bool {
		res, err := (&http.Client{Timeout: time.Second}).Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", ports[1]))
		if err != nil {
			return false
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return false
		}
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", ports[0]), time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	},
}

func serverOf(p *standin.Process) *Server {
	return &Server{Host: "127.0.0.1", SMTPPort: p.Ports[0], URL: fmt.Sprintf("http://127.0.0.1:%d/", p.Ports[1]), proc: p}
}

var shared = standin.Shared{Spec: spec}

// Endpoint starts one mailpit for the test binary (on first use) and returns it.
// Tests share it, so each should find its own mail by Message-ID (Await). Call
// Stop from TestMain.
func Endpoint(t testing.TB) *Server {
	t.Helper()
	return serverOf(shared.Get(t))
}

// Stop ends the mailpit started by Endpoint, if any.
func Stop() { shared.Stop() }

// Start runs a mailpit of the test's own with extra command-line flags, such as
// "--smtp-allowed-recipients", "^ok@" to make it refuse other recipients, and
// stops it when the test ends.
func Start(t testing.TB, flags ...string) *Server {
	t.Helper()
	p, err := standin.Start(spec, flags...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return serverOf(p)
}

// Address is a mailbox as mailpit's API reports it.
type Address struct {
	Name    string
	Address string
}

// Summary is one entry of GET /api/v1/messages.
type Summary struct {
	ID        string // mailpit's own id, for Message and Headers
	MessageID string // without angle brackets
	From      Address
	To        []Address
	Subject   string
	Username  string // the SMTP AUTH user, if any
	Created   time.Time
}

// Message is GET /api/v1/message/{ID}: one message, bodies decoded.
type Message struct {
	ID        string
	MessageID string // without angle brackets
	From      Address
	To        []Address
	Subject   string
	Text      string
	HTML      string
	Username  string
}

// Messages lists what mailpit holds, newest first (up to 500, mailpit's
// default capacity).
func (s *Server) Messages(t testing.TB) []Summary {
	t.Helper()
	var res struct{ Messages []Summary }
	s.get(t, "api/v1/messages?limit=500", &res)
	return res.Messages
}

// Message reads one message by mailpit's id.
func (s *Server) Message(t testing.TB, id string) Message {
	t.Helper()
	var m Message
	s.get(t, "api/v1/message/"+url.PathEscape(id), &m)
	return m
}

// Headers reads one message's headers by mailpit's id, as received.
func (s *Server) Headers(t testing.TB, id string) map[string][]string {
	t.Helper()
	var h map[string][]string
	s.get(t, "api/v1/message/"+url.PathEscape(id)+"/headers", &h)
	return h
}

// Await returns the message whose Message-ID is messageID (with or without
// angle brackets), waiting up to five seconds for it to arrive, and fails the
// test if it does not.
func (s *Server) Await(t testing.TB, messageID string) Message {
	t.Helper()
	want := strings.Trim(messageID, "<>")
	for deadline := time.Now().Add(5 * time.Second); ; {
		for _, m := range s.Messages(t) {
			if m.MessageID == want {
				return s.Message(t, m.ID)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit at %s has no message with Message-ID <%s>", s.URL, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *Server) get(t testing.TB, path string, v any) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	res, err := client.Get(s.URL + path)
	if err != nil {
		t.Fatalf("mailpit GET %s: %v", path, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("mailpit GET %s: %s", path, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("mailpit GET %s: decode: %v", path, err)
	}
}
