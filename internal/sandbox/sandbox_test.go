package sandbox_test

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/sandbox"
)

func TestFile(t *testing.T) {
	type doc struct {
		N    int
		Tags map[string]string
	}
	dir := filepath.Join(t.TempDir(), "not", "yet")
	f := sandbox.NewFile(filepath.Join(dir, "x.json"))
	var got doc
	if ok, err := f.Load(&got); ok || err != nil {
		t.Fatalf("Load before any Save: %v %v", ok, err)
	}
	for i := 1; i <= 3; i++ {
		if err := f.Save(doc{N: i, Tags: map[string]string{"k": "v"}}); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := f.Load(&got); !ok || err != nil || got.N != 3 || got.Tags["k"] != "v" {
		t.Fatalf("Load: %+v %v %v", got, ok, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("the folder holds %d files, want the state alone (no temporary file left)", len(entries))
	}
	if info, _ := entries[0].Info(); info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v: the state holds tokens, only its owner may read it", info.Mode().Perm())
	}
	var none *sandbox.File
	if ok, err := none.Load(&got); ok || err != nil || none.Save(got) != nil {
		t.Fatal("a nil File keeps nothing and fails nothing")
	}
}

func TestSender(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	delays := []time.Duration{0, 10 * time.Millisecond, 10 * time.Millisecond}
	t.Run("done once delivered, or once the schedule runs out", func(t *testing.T) {
		s := sandbox.NewSender(delays, log)
		var ok, failed atomic.Int32
		var tries atomic.Int32
		s.Send(nil, func() (int, error) {
			if tries.Add(1) < 2 {
				return 500, nil
			}
			return 200, nil
		}, func(delivered bool) {
			if delivered {
				ok.Add(1)
			}
		})
		s.Send(nil, func() (int, error) { return 503, nil }, func(delivered bool) {
			if !delivered {
				failed.Add(1)
			}
		})
		s.Wait()
		if ok.Load() != 1 || failed.Load() != 1 || tries.Load() != 2 {
			t.Fatalf("delivered %d, failed %d, tries %d", ok.Load(), failed.Load(), tries.Load())
		}
	})
	t.Run("Stop leaves a delivery pending", func(t *testing.T) {
		s := sandbox.NewSender([]time.Duration{0, time.Hour}, log)
		var tries, done atomic.Int32
		s.Send(nil, func() (int, error) { tries.Add(1); return 500, nil }, func(bool) { done.Add(1) })
		for tries.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		s.Stop()
		s.Wait() // does not wait out the hour
		s.Send(nil, func() (int, error) { tries.Add(1); return 200, nil }, func(bool) { done.Add(1) })
		s.Wait()
		if tries.Load() != 1 || done.Load() != 0 {
			t.Fatalf("after Stop: %d tries, %d done; want 1 and 0", tries.Load(), done.Load())
		}
	})
}
