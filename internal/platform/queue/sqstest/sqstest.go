// Package sqstest starts goaws, a local SQS stand-in, for tests. `make test`
// installs the pinned goaws and names it in TROVE_TEST_GOAWS.
package sqstest

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
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

// Endpoint starts one goaws for the test binary (on first use) and returns its
// URL. Tests share it; each should use queue names of its own. Call Stop from
// TestMain.
func Endpoint(t testing.TB) string {
	t.Helper()
	return fmt.Sprintf("http://127.0.0.1:%d", goaws.Get(t).Ports[0])
}

// Stop ends the goaws started by Endpoint, if any.
func Stop() { goaws.Stop() }
