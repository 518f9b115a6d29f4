// Package fault gives errors a kind that says whose fault they are, so that the
// HTTP layer can answer with the right status without knowing any domain.
//
// Domain code returns fault.Invalid(...), fault.NotFound(...) and so on; anything
// without a kind is Internal, which is the only kind that gets logged in full.
package fault

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Kind classifies an error for the caller.
type Kind string

const (
	KindInternal     Kind = "internal"
	KindInvalid      Kind = "invalid"
	KindNotFound     Kind = "not_found"
	KindConflict     Kind = "conflict"
	KindUnauthorized Kind = "unauthorized"
	KindForbidden    Kind = "forbidden"
	KindTooLarge     Kind = "too_large"
	KindRateLimited  Kind = "rate_limited"
	KindUnavailable  Kind = "unavailable"
)

// FieldError names one bad input field and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is an error with a kind, a message safe to show to the caller, optional
// per-field details, and an optional wrapped cause that is never shown.
type Error struct {
	Kind    Kind
	Message string
	Fields  []FieldError
	Err     error
	// RetryAfter, when positive, is how long the caller should wait before
	// trying again (rate limits, a saturated resource): httpx sends it as
	// the Retry-After header.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

func newf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

func Invalid(format string, args ...any) error      { return newf(KindInvalid, format, args...) }
func NotFound(format string, args ...any) error     { return newf(KindNotFound, format, args...) }
func Conflict(format string, args ...any) error     { return newf(KindConflict, format, args...) }
func Unauthorized(format string, args ...any) error { return newf(KindUnauthorized, format, args...) }
func Forbidden(format string, args ...any) error    { return newf(KindForbidden, format, args...) }
func TooLarge(format string, args ...any) error     { return newf(KindTooLarge, format, args...) }
func RateLimited(format string, args ...any) error  { return newf(KindRateLimited, format, args...) }
func Unavailable(format string, args ...any) error  { return newf(KindUnavailable, format, args...) }

// Wrap gives cause a kind and a caller-safe message; the cause stays reachable
// through errors.Is/As but is not shown to the caller.
func Wrap(k Kind, cause error, format string, args ...any) error {
	e := newf(k, format, args...)
	e.Err = cause
	return e
}

// RetryLater returns an error of kind k (rate limited or unavailable) that
// tells the caller to try again after wait.
func RetryLater(k Kind, wait time.Duration, format string, args ...any) error {
	e := newf(k, format, args...)
	e.RetryAfter = wait
	return e
}

// RetryAfterOf reports the wait the outermost *Error in err's chain asks for,
// or 0.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// KindOf reports the kind of err: the kind of the outermost *Error in its chain,
// or KindInternal when it has none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Is reports whether err is of kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// Fields collects per-field validation problems and turns them into one Invalid
// error, so a caller hears about every bad field at once.
type Fields struct {
	list []FieldError
}

// Add records a problem with field.
func (f *Fields) Add(field, format string, args ...any) {
	f.list = append(f.list, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Check records a problem with field when ok is false.
func (f *Fields) Check(ok bool, field, format string, args ...any) {
	if !ok {
		f.Add(field, format, args...)
	}
}

// Err returns nil when nothing was recorded, else an Invalid error listing every
// problem, ordered by field name so messages are stable.
func (f *Fields) Err() error {
	if len(f.list) == 0 {
		return nil
	}
	list := append([]FieldError(nil), f.list...)
	sort.SliceStable(list, func(i, j int) bool { return list[i].Field < list[j].Field })
	return &Error{Kind: KindInvalid, Message: "the request has invalid fields", Fields: list}
}
