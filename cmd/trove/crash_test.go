package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/queue"
)

// crashJob has the kind and payload of the crashtest build's test job; this
// test process only enqueues it, the child trove processes run it.
type crashJob struct {
	Seq     int `json:"seq"`
	SleepMS int `json:"sleep_ms"`
}

func (crashJob) Kind() string { return "test.crash_effect" }

var crashBinary struct {
	once sync.Once
	path string
	err  error
}

// buildCrashBinary builds trove with the crashtest job, once per test run.
func buildCrashBinary(t *testing.T) string {
	t.Helper()
	crashBinary.once.Do(func() {
		dir, err := os.MkdirTemp("", "trove-crash")
		if err != nil {
			crashBinary.err = err
			return
		}
		crashBinary.path = filepath.Join(dir, "trove")
		out, err := exec.Command("go", "build", "-tags", "crashtest", "-o", crashBinary.path, ".").CombinedOutput()
		if err != nil {
			crashBinary.err = fmt.Errorf("go build -tags crashtest: %v\n%s", err, out)
		}
	})
	if crashBinary.err != nil {
		t.Fatal(crashBinary.err)
	}
	return crashBinary.path
}

// child is a trove process started from the crashtest binary.
type child struct {
	cmd *exec.Cmd
	out *syncBuffer
}

var childListenRE = regexp.MustCompile(`"msg":"http server listening"`)

func startChild(t *testing.T, bin string, env map[string]string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(bin, "serve"), out: &syncBuffer{}}
	for k, v := range env {
		c.cmd.Env = append(c.cmd.Env, k+"="+v)
	}
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		c.cmd.Wait()
		if t.Failed() {
			t.Logf("child output:\n%s", c.out.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for !childListenRE.MatchString(c.out.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("child did not start:\n%s", c.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return c
}

func crashEnv(dsn string) map[string]string {
	env := baseEnv(dsn)
	env["TROVE_QUEUE_POLL_INTERVAL"] = "50ms"
	env["TROVE_QUEUE_LEASE_MARGIN"] = "1s"
	return env
}

// crashSetup makes a migrated database with the test's effect tables and
// enqueues n test jobs.
func crashSetup(t *testing.T, n int, sleep func(i int) int) (string, *sqlx.DB) {
	t.Helper()
	dsn := dbtest.NewDSN(t)
	conn, err := db.Open(context.Background(), dsn, db.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	for _, ddl := range []string{
		`CREATE TABLE test_runs (id BIGINT AUTO_INCREMENT PRIMARY KEY, job_id VARCHAR(32) NOT NULL, attempt INT NOT NULL)`,
		`CREATE TABLE test_effects (job_id VARCHAR(32) PRIMARY KEY, seq INT NOT NULL)`,
	} {
		if _, err := conn.Exec(ddl); err != nil {
			t.Fatal(err)
		}
	}
	reg := queue.NewRegistry()
	queue.Handle(reg, "test.crash_effect", func(context.Context, queue.Meta, crashJob) error { return nil })
	q, err := queue.New(conn, reg, clock.System{}, queue.Config{}, newLogger(&bytes.Buffer{}, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTx(context.Background(), conn, func(tx *sqlx.Tx) error {
		for i := range n {
			if _, err := q.Enqueue(context.Background(), tx, crashJob{Seq: i, SleepMS: sleep(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dsn, conn
}

func count(t *testing.T, conn *sqlx.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := conn.Get(&n, q, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

// dumpJobs logs the jobs and effects, for a failing test.
func dumpJobs(t *testing.T, conn *sqlx.DB) {
	t.Helper()
	var rows []struct {
		ID       string  `db:"id"`
		Status   string  `db:"status"`
		Attempts int     `db:"attempts"`
		Err      *string `db:"last_error"`
		Runs     int     `db:"runs"`
		Effects  int     `db:"effects"`
	}
	conn.Select(&rows, `SELECT j.id, j.status, j.attempts, j.last_error,
		(SELECT COUNT(*) FROM test_runs r WHERE r.job_id = j.id) runs,
		(SELECT COUNT(*) FROM test_effects e WHERE e.job_id = j.id) effects
		FROM jobs j WHERE j.kind = 'test.crash_effect' AND NOT (j.status = 'done' AND
		(SELECT COUNT(*) FROM test_effects e WHERE e.job_id = j.id) = 1)`)
	for _, r := range rows {
		e := ""
		if r.Err != nil {
			e = *r.Err
		}
		t.Logf("job %s %s attempts=%d runs=%d effects=%d err=%q", r.ID, r.Status, r.Attempts, r.Runs, r.Effects, e)
	}
}

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// TestCrashLosesNoJob kills a trove process with SIGKILL while it holds jobs
// mid-run; a fresh process completes every job, and no effect is applied twice.
func TestCrashLosesNoJob(t *testing.T) {
	t.Parallel()
	bin := buildCrashBinary(t)
	const n = 40
	dsn, conn := crashSetup(t, n, func(int) int { return 400 })

	first := startChild(t, bin, crashEnv(dsn))
	// Wait until it holds jobs mid-run (started, effect not yet written)...
	waitFor(t, 20*time.Second, "jobs mid-run", func() bool {
		return count(t, conn, `SELECT COUNT(*) FROM jobs WHERE kind = 'test.crash_effect' AND status = 'running'`) >= 4 &&
			count(t, conn, `SELECT COUNT(*) FROM test_runs`) > count(t, conn, `SELECT COUNT(*) FROM test_effects`)
	})
	// ...and kill it where it stands.
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.cmd.Wait()
	held := count(t, conn, `SELECT COUNT(*) FROM jobs WHERE kind = 'test.crash_effect' AND status = 'running'`)
	if held == 0 {
		t.Fatal("the killed process held no job: the test proves nothing")
	}

	startChild(t, bin, crashEnv(dsn))
	t.Cleanup(func() {
		if t.Failed() {
			dumpJobs(t, conn)
		}
	})
	waitFor(t, 60*time.Second, "every job done", func() bool {
		return count(t, conn, `SELECT COUNT(*) FROM jobs WHERE kind = 'test.crash_effect' AND status = 'done'`) == n
	})
	if got := count(t, conn, `SELECT COUNT(*) FROM test_effects`); got != n {
		t.Fatalf("%d effects, want exactly %d", got, n)
	}
	if got := count(t, conn, `SELECT COUNT(DISTINCT seq) FROM test_effects`); got != n {
		t.Fatalf("%d distinct jobs took effect, want %d", got, n)
	}
	rerun := count(t, conn, `SELECT COUNT(*) FROM (SELECT job_id FROM test_runs GROUP BY job_id HAVING COUNT(*) > 1) x`)
	if rerun == 0 {
		t.Fatalf("no job ran twice, yet %d were held by the killed process", held)
	}
	t.Logf("%d jobs were held by the killed process; %d ran again; each took effect once", held, rerun)
}

// TestGracefulShutdownLosesNoJob sends SIGTERM during a burst: the process
// finishes or releases what it holds within the shutdown timeout and exits 0;
// a fresh process completes the rest.
func TestGracefulShutdownLosesNoJob(t *testing.T) {
	t.Parallel()
	bin := buildCrashBinary(t)
	const n = 120
	// Every tenth job outlasts the grace period, so some must be released.
	dsn, conn := crashSetup(t, n, func(i int) int {
		if i%10 == 0 {
			return 4000
		}
		return 100
	})
	env := crashEnv(dsn)
	env["TROVE_SHUTDOWN_TIMEOUT"] = "1s"
	first := startChild(t, bin, env)
	waitFor(t, 20*time.Second, "the burst under way", func() bool {
		return count(t, conn, `SELECT COUNT(*) FROM test_effects`) >= 10
	})
	start := time.Now()
	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := first.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("shutdown took %s with a 1s timeout", took)
	}
	if held := count(t, conn, `SELECT COUNT(*) FROM jobs WHERE kind = 'test.crash_effect' AND status = 'running'`); held != 0 {
		t.Fatalf("%d jobs still marked running after a graceful shutdown", held)
	}
	released := count(t, conn, `SELECT COUNT(*) FROM jobs j WHERE status = 'ready'
		AND EXISTS (SELECT 1 FROM test_runs r WHERE r.job_id = j.id) AND attempts = 0`)
	if released == 0 {
		t.Fatal("no job was released at shutdown, though long jobs outlast the grace period")
	}
	t.Logf("%d jobs were released uncounted at shutdown", released)

	startChild(t, bin, env)
	waitFor(t, 60*time.Second, "every job done", func() bool {
		return count(t, conn, `SELECT COUNT(*) FROM jobs WHERE kind = 'test.crash_effect' AND status = 'done'`) == n
	})
	if got := count(t, conn, `SELECT COUNT(*) FROM test_effects`); got != n {
		dumpJobs(t, conn)
		t.Fatalf("%d effects, want exactly %d", got, n)
	}
}
