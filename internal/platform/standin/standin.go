// Package standin runs the local stand-ins the tests talk to over real
// connections (goaws for SQS, mailpit for SMTP, stripe-mock for Stripe): a
// binary named by an environment variable (`make test` installs the pinned
// versions and sets it), started on free loopback ports with a scratch folder
// of its own, and ready when its check passes. Test support only.
package standin

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// Spec describes a stand-in.
type Spec struct {
	Name    string // "mailpit"
	EnvVar  string // names the binary: "TROVE_TEST_MAILPIT"
	Version string // the pinned version `make test` installs, for the error message
	Ports   int    // how many free loopback ports it needs
	// Args is its command line for the chosen ports and scratch folder.
	Args func(ports []int, dir string) []string
	// Ready reports whether it answers yet.
	Ready func(ports []int) bool
}

// Process is a running stand-in.
type Process struct {
	Ports  []int
	cmd    *exec.Cmd
	exited chan struct{}
	dir    string
	out    *capture
}

// errExited is a stand-in that quit before it was ready: most often because
// another program took one of its ports between freePorts and its bind.
var errExited = errors.New("exited at start")

// Start runs the stand-in and waits (up to 15 s) until it is ready. A stand-in
// that quits at start is tried again on new ports, up to three times.
func Start(spec Spec, extraArgs ...string) (*Process, error) {
	var err error
	for range 3 {
		var p *Process
		if p, err = start(spec, extraArgs...); !errors.Is(err, errExited) {
			return p, err
		}
	}
	return nil, err
}

func start(spec Spec, extraArgs ...string) (*Process, error) {
	bin := os.Getenv(spec.EnvVar)
	if bin == "" {
		return nil, fmt.Errorf("%s is not set: run the tests with `make test`, which installs %s %s (or set it to a %s binary)",
			spec.EnvVar, spec.Name, spec.Version, spec.Name)
	}
	ports, err := freePorts(spec.Ports)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", spec.Name)
	if err != nil {
		return nil, err
	}
	p := &Process{Ports: ports, dir: dir, exited: make(chan struct{}), out: &capture{}}
	p.cmd = exec.Command(bin, append(spec.Args(ports, dir), extraArgs...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s (%s=%s): %w", spec.Name, spec.EnvVar, bin, err)
	}
	go func() {
		p.cmd.Wait()
		close(p.exited)
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-p.exited:
			err = errExited
		default:
			if spec.Ready(ports) {
				return p, nil
			}
			if time.Now().After(deadline) {
				err = errors.New("not ready after 15s")
			}
		}
		if err != nil {
			p.Stop()
			return nil, fmt.Errorf("%s %s: %w; its output: %s", spec.Name, strings.Join(p.cmd.Args[1:], " "), err, p.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends the process and removes its scratch folder.
func (p *Process) Stop() {
	p.cmd.Process.Kill()
	<-p.exited
	os.RemoveAll(p.dir)
}

// Shared is one stand-in for a whole test binary, started on first use.
type Shared struct {
	Spec Spec
	once sync.Once
	p    *Process
	err  error
}

// Get starts the stand-in once and returns it; a test fails if it cannot start.
func (s *Shared) Get(t testing.TB) *Process {
	t.Helper()
	s.once.Do(func() { s.p, s.err = Start(s.Spec) })
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.p
}

// Stop ends the shared stand-in, if it was started (call it from TestMain).
func (s *Shared) Stop() {
	if s.p != nil {
		s.p.Stop()
	}
}

// freePorts asks the kernel for n distinct free ports. Another process could
// take one before the stand-in binds it; on loopback in a test run it is rare.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer ln.Close() // held until all are chosen, so they differ
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// capture keeps a stand-in's output for the error message when it fails.
type capture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *capture) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.buf.Len() < 64<<10 {
		c.buf.Write(b)
	}
	return len(b), nil
}

func (c *capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}
