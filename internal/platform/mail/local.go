package mail

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
)

// LocalLimit is how many messages Local keeps; older ones are dropped, so a
// long-running sandbox does not grow without bound.
const LocalLimit = 500

// Sent is a message Local has taken.
type Sent struct {
	Message
	From           string
	IdempotencyKey string
	MessageID      string // what the SMTP driver would send: MessageID(IdempotencyKey)
	SentAt         time.Time
}

// Local keeps sent mail in memory, newest LocalLimit messages, for the sandbox
// inbox page and for tests; with a LocalStore (OpenLocal), also across
// restarts. It checks messages as the SMTP driver does, so code that works
// against it does not fail against a real server for a bad address. Safe for
// concurrent use.
type Local struct {
	clock clock.Clock
	store LocalStore // nil: memory only
	log   *slog.Logger

	mu   sync.Mutex
	sent []Sent // oldest first
	keys map[string]struct{}
}

// LocalStore keeps Local's messages across restarts: the sandbox's state
// file (sandbox.File) is one. Load reports false when nothing was saved yet.
type LocalStore interface {
	Load(v any) (bool, error)
	Save(v any) error
}

// NewLocal returns an empty Local.
func NewLocal() *Local {
	return &Local{clock: clock.System{}, keys: make(map[string]struct{})}
}

// OpenLocal returns a Local holding the messages store kept, which it saves
// to after every message it takes (a failure to save is logged: the message
// has been taken, and the next save writes it).
func OpenLocal(store LocalStore, log *slog.Logger) (*Local, error) {
	l := NewLocal()
	l.store, l.log = store, log
	if _, err := store.Load(&l.sent); err != nil {
		return nil, err
	}
	if len(l.sent) > LocalLimit {
		l.sent = l.sent[len(l.sent)-LocalLimit:]
	}
	for _, s := range l.sent {
		l.keys[s.IdempotencyKey] = struct{}{}
	}
	return l, nil
}

// Send keeps m. A second send with a key Local still holds keeps the first
// message and succeeds, as a server that dedupes on Message-ID would.
func (l *Local) Send(ctx context.Context, from string, m Message, idempotencyKey string) error {
	e, err := prepare(from, m, idempotencyKey)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.To = slices.Clone(m.To) // the caller may reuse its slice
	s := Sent{Message: m, From: from, IdempotencyKey: e.key, MessageID: MessageID(e.key), SentAt: l.clock.Now()}

	l.mu.Lock()
	defer l.mu.Unlock()
	if _, dup := l.keys[e.key]; dup {
		return nil
	}
	if len(l.sent) == LocalLimit {
		delete(l.keys, l.sent[0].IdempotencyKey)
		copy(l.sent, l.sent[1:])
		l.sent = l.sent[:len(l.sent)-1]
	}
	l.sent = append(l.sent, s)
	l.keys[e.key] = struct{}{}
	if l.store != nil {
		if err := l.store.Save(l.sent); err != nil && l.log != nil {
			l.log.Error("mail: the local mailbox was not saved", "err", err.Error())
		}
	}
	return nil
}

// Messages returns the kept messages, newest first. The result is the
// caller's own copy.
func (l *Local) Messages() []Sent {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Sent, len(l.sent))
	for i, s := range l.sent {
		s.To = slices.Clone(s.To)
		out[len(l.sent)-1-i] = s
	}
	return out
}
