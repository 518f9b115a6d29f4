package queue

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/go-chi/chi/v5"

	"github.com/trove-platform/trove/internal/platform/audit"
)

func TestDeadJobOperations(t *testing.T) {
	t.Parallel()
	var healthy sync.Map // job N -> true once its "provider" is back
	rec := newRecorder()
	reg := NewRegistry()
	Handle(reg, "ping", func(ctx context.Context, m Meta, j pingJob) error {
		rec.record(m.ID)
		if _, ok := healthy.Load(j.N); !ok {
			return Permanent(errors.New("vendor store unreachable"))
		}
		return nil
	})
	tq := startQueue(t, drivers[0], nil, reg, nil)
	var ids []string
	for i := range 3 {
		ids = append(ids, enqueue(t, tq, pingJob{N: i})...)
	}
	eventually(t, 10*time.Second, "three dead jobs", func() bool {
		var n int
		tq.db.Get(&n, `SELECT COUNT(*) FROM jobs WHERE status = 'dead'`)
		return n == 3
	})

	r := chi.NewRouter()
	actor := func(r *http.Request) Actor {
		return Actor{Type: audit.ActorUser, ID: "usr_ops", RequestID: "req-abcdefgh"}
	}
	r.Method("GET", "/jobs/dead", HandleListDead(tq.Queue))
	r.Method("POST", "/jobs/retry", HandleRetryKind(tq.Queue, actor))
	r.Method("POST", "/jobs/{jobID}/retry", HandleRetry(tq.Queue, actor))
	r.Method("POST", "/jobs/{jobID}/discard", HandleDiscard(tq.Queue, actor))
	r.Method("POST", "/jobs/dlq/redrive", HandleRedrive(tq.Queue, actor))
	call := func(method, path, body string) (int, map[string]any) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rr := httptest.NewRecorder()
		r.ServeHTTP(rr, req)
		var out map[string]any
		json.Unmarshal(rr.Body.Bytes(), &out)
		return rr.Code, out
	}

	t.Run("list shows every dead job with its error", func(t *testing.T) {
		code, out := call("GET", "/jobs/dead?kind=test.ping", "")
		jobs, _ := out["jobs"].([]any)
		if code != 200 || len(jobs) != 3 || !strings.Contains(jobs[0].(map[string]any)["last_error"].(string), "vendor store unreachable") {
			t.Fatalf("%d %v", code, out)
		}
		code, out = call("GET", "/jobs/dead?limit=2", "")
		if jobs, _ := out["jobs"].([]any); code != 200 || len(jobs) != 2 || out["next_after"] == "" {
			t.Fatalf("page 1: %d %v", code, out)
		}
		code, out = call("GET", "/jobs/dead?limit=2&after="+out["next_after"].(string), "")
		if jobs, _ := out["jobs"].([]any); code != 200 || len(jobs) != 1 {
			t.Fatalf("page 2: %d %v", code, out)
		}
		if code, _ := call("GET", "/jobs/dead?limit=0", ""); code != 400 {
			t.Fatalf("bad limit answered %d", code)
		}
	})
	t.Run("retry one runs it again from its first attempt", func(t *testing.T) {
		healthy.Store(0, true)
		if code, out := call("POST", "/jobs/"+ids[0]+"/retry", ""); code != 200 {
			t.Fatalf("%d %v", code, out)
		}
		eventually(t, 10*time.Second, "the retried job done", func() bool { return tq.state(t, ids[0]).Status == statusDone })
		if s := tq.state(t, ids[0]); s.Attempts != 1 {
			t.Fatalf("attempts %d, want 1 (counted afresh)", s.Attempts)
		}
		if code, _ := call("POST", "/jobs/"+ids[0]+"/retry", ""); code != 404 {
			t.Fatalf("retrying a job that is not dead answered %d, want 404", code)
		}
	})
	t.Run("discard needs a reason and is audited", func(t *testing.T) {
		if code, out := call("POST", "/jobs/"+ids[1]+"/discard", `{"reason":"  "}`); code != 400 {
			t.Fatalf("no reason: %d %v", code, out)
		}
		if code, _ := call("POST", "/jobs/"+ids[1]+"/discard", `{"reason":"x","force":true}`); code != 400 {
			t.Fatal("unknown fields must be refused")
		}
		if s := tq.state(t, ids[1]); s.Status != statusDead {
			t.Fatalf("a refused discard changed the job: %+v", s)
		}
		if code, out := call("POST", "/jobs/"+ids[1]+"/discard", `{"reason":"vendor closed its store"}`); code != 200 {
			t.Fatalf("%d %v", code, out)
		}
		var a struct {
			Actor  string `db:"actor_id"`
			Reason string `db:"reason"`
			Before string `db:"before_json"`
		}
		if err := tq.db.Get(&a, `SELECT actor_id, reason, before_json FROM audit_log WHERE action = 'job.discarded' AND object_id = ?`, ids[1]); err != nil {
			t.Fatal(err)
		}
		if a.Actor != "usr_ops" || a.Reason != "vendor closed its store" || !strings.Contains(a.Before, "vendor store unreachable") {
			t.Fatalf("audit %+v", a)
		}
		if s := tq.state(t, ids[1]); s.Status != "discarded" {
			t.Fatalf("state %+v", s)
		}
		_, out := call("GET", "/jobs/dead", "")
		if jobs, _ := out["jobs"].([]any); len(jobs) != 1 {
			t.Fatalf("dead list after discard: %v", out)
		}
	})
	t.Run("retry all of a kind", func(t *testing.T) {
		healthy.Store(2, true)
		code, out := call("POST", "/jobs/retry", `{"kind":"test.ping"}`)
		if code != 200 || out["retried"] != float64(1) {
			t.Fatalf("%d %v", code, out)
		}
		eventually(t, 10*time.Second, "the job done", func() bool { return tq.state(t, ids[2]).Status == statusDone })
		if code, _ := call("POST", "/jobs/retry", `{}`); code != 400 {
			t.Fatal("a kind is required")
		}
	})
	t.Run("redrive is refused without sqs", func(t *testing.T) {
		code, out := call("POST", "/jobs/dlq/redrive", "")
		if code != 400 || !strings.Contains(out["detail"].(string), "sqs") {
			t.Fatalf("%d %v", code, out)
		}
	})
}

func TestRedriveMovesTheDLQBack(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	reg := NewRegistry()
	Handle(reg, "ping", func(ctx context.Context, m Meta, j pingJob) error { rec.record(m.ID); return nil })
	tq := startQueue(t, drivers[1], nil, reg, nil)
	// A job whose message ended in the DLQ (say, the consumer kept crashing on it).
	tq.stop()
	id := enqueue(t, tq, pingJob{N: 1})[0]
	if _, err := tq.db.Exec(`UPDATE jobs SET status = 'ready' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	_, dlq, err := tq.sqs.urls(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(sqsMessage{JobID: id, Handler: "ping"})
	if _, err := tq.sqs.client.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(dlq), MessageBody: aws.String(string(body))}); err != nil {
		t.Fatal(err)
	}
	n, err := tq.Redrive(context.Background(), Actor{Type: audit.ActorUser, ID: "usr_ops"})
	if err != nil || n != 1 {
		t.Fatalf("moved %d, %v", n, err)
	}
	tq2 := startQueue(t, driverCase{name: "sqs", config: func(*testing.T) Config { return tq.cfg }}, tq.db, reg, nil)
	eventually(t, 15*time.Second, "the redriven job done", func() bool { return tq2.state(t, id).Status == statusDone })
	if rec.count(id) != 1 {
		t.Fatalf("ran %d times", rec.count(id))
	}
}
