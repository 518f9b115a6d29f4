// Package sqstest starts goaws, a local SQS stand-in, for tests. `make test`
// installs the pinned goaws and names it in TROVE_TEST_GOAWS.
//
// goaws accepts things SQS refuses and skips things SQS does, in exactly the
// places the queue's SQS driver depends on, so tests talk to it through a
// small front (see front.go) that makes it behave as SQS does there: receive
// counts and the redrive policy, CreateQueue on an existing queue with other
// attributes, DelaySeconds in batches, parameter limits, and SQS's JSON
// shapes for batch results and errors.
package sqstest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/trove-platform/trove/internal/platform/standin"
)

// EnvVar names the goaws binary.
const EnvVar = "TROVE_TEST_GOAWS"

var goaws = standin.Shared{Spec: standin.Spec{
	Name: "goaws", EnvVar: EnvVar, Version: "v0.5.4", Ports: 1,
	Args: func(ports []int, dir string) []string {
		conf := filepath.Join(dir, "goaws.yaml")
		yaml := fmt.Sprintf("Local:\n  Host: 127.0.0.1\n  Port: %d\n  AccountId: \"100010001000\"\n  LogToFile: false\n"+
			"  QueueAttributeDefaults:\n    VisibilityTimeout: 30\n    ReceiveMessageWaitTimeSeconds: 0\n  Queues: []\n", ports[0])
		os.WriteFile(conf, []byte(yaml), 0o600) // a failure shows as goaws not starting
		return []string{"-config", conf, "-loglevel", "warn", "Local"}
	},
	Ready: func(ports []int) bool {
		res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/?Action=ListQueues", ports[0]))
		if err == nil {
			res.Body.Close()
		}
		return err == nil
	},
}}

// shared is the front of this test binary's goaws, started with it.
var shared struct {
	once  sync.Once
	front *Front
	srv   *httptest.Server
}

// Endpoint starts one goaws for the test binary (on first use), behind the
// front, and returns the front's URL. Tests share it; each should use queue
// names of its own. Call Stop from TestMain.
func Endpoint(t testing.TB) string {
	t.Helper()
	backend := fmt.Sprintf("http://127.0.0.1:%d", goaws.Get(t).Ports[0])
	shared.once.Do(func() {
		shared.front = NewFront(backend)
		shared.srv = httptest.NewServer(shared.front)
	})
	return shared.srv.URL
}

// Receipts lists every message received from the queue named name through
// Endpoint so far, with how many times each was received.
func Receipts(name string) []Receipt {
	if shared.front == nil {
		return nil
	}
	return shared.front.Receipts(name)
}

// Stop ends the goaws started by Endpoint, if any, and its front.
func Stop() {
	if shared.srv != nil {
		shared.srv.Close()
	}
	goaws.Stop()
}
