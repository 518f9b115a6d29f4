package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"strconv"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
)

// TLSMode says how the SMTP driver secures its connection.
type TLSMode string

const (
	TLSNone     TLSMode = "none"     // plain text: only for a relay on the same host or network, or mailpit
	TLSStartTLS TLSMode = "starttls" // plain connect, then STARTTLS before anything else (usually port 587)
	TLSImplicit TLSMode = "tls"      // TLS from the first byte (usually port 465)
)

// SMTPConfig configures the SMTP driver.
type SMTPConfig struct {
	Host string
	Port int
	// Username turns on AUTH PLAIN; without it the driver does not authenticate.
	// net/smtp refuses to send PLAIN credentials over a connection without TLS
	// unless the host is localhost, 127.0.0.1 or ::1, so NewSMTP rejects a
	// username with TLSNone for any other host rather than fail on every send.
	Username string
	Password string
	TLS      TLSMode
	// Timeout bounds one whole send, connect to QUIT, within the caller's
	// context deadline. Zero means 30 seconds.
	Timeout time.Duration
	// TLSConfig is optional: for a private CA, as in tests. ServerName
	// defaults to Host.
	TLSConfig *tls.Config
	// Clock stamps the Date header; nil means the system clock.
	Clock clock.Clock
}

// SMTP sends mail through an SMTP server, one connection per message: sends are
// rare enough (a few per order) that a pool would only add broken-connection
// handling. Safe for concurrent use.
type SMTP struct {
	cfg   SMTPConfig
	addr  string
	clock clock.Clock
}

// NewSMTP checks cfg and returns the driver. It does not connect.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if cfg.Host == "" {
		return nil, errors.New("mail: SMTP host is required")
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("mail: SMTP port %d is out of range", cfg.Port)
	}
	switch cfg.TLS {
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		return nil, fmt.Errorf("mail: SMTP TLS mode %q: want %q, %q or %q", cfg.TLS, TLSNone, TLSStartTLS, TLSImplicit)
	}
	if cfg.Password != "" && cfg.Username == "" {
		return nil, errors.New("mail: SMTP password is set without a username")
	}
	if cfg.Username != "" && cfg.TLS == TLSNone && !isLocalhost(cfg.Host) {
		return nil, fmt.Errorf("mail: SMTP authentication to %s needs TLS mode %q or %q: net/smtp sends no password in clear text except to localhost", cfg.Host, TLSStartTLS, TLSImplicit)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("mail: SMTP timeout %s is negative", cfg.Timeout)
	}
	s := &SMTP{cfg: cfg, addr: net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)), clock: cfg.Clock}
	if s.clock == nil {
		s.clock = clock.System{}
	}
	return s, nil
}

// isLocalhost mirrors the exception in net/smtp's PlainAuth.
func isLocalhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// Send delivers m to every recipient in one SMTP transaction. If the server
// refuses any recipient for good, nothing is sent and the error wraps
// ErrRejected: a partly delivered message could not be retried cleanly.
func (s *SMTP) Send(ctx context.Context, from string, m Message, idempotencyKey string) error {
	e, err := prepare(from, m, idempotencyKey)
	if err != nil {
		return err
	}
	msg, err := build(e, m, s.clock.Now())
	if err != nil {
		return fmt.Errorf("mail: build message: %w", err)
	}
	to := make([]string, len(e.to))
	for i, a := range e.to {
		to[i] = a.Address
	}
	return s.deliver(ctx, e.from.Address, to, msg)
}

func (s *SMTP) deliver(ctx context.Context, from string, to []string, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()

	dialer := &net.Dialer{}
	var conn net.Conn
	var err error
	if s.cfg.TLS == TLSImplicit {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: s.tlsConfig()}).DialContext(ctx, "tcp", s.addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", s.addr)
	}
	if err != nil {
		return s.fail(ctx, "connect", err)
	}
	// net/smtp knows no context: the deadline bounds each read and write, and
	// a cancelled context moves it to now, which wakes a blocked read at once.
	deadline, _ := ctx.Deadline() // always set: WithTimeout above
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()

	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		conn.Close()
		return s.fail(ctx, "greeting", err)
	}
	// Close after a successful Quit only reports the connection is closed.
	defer c.Close()

	if s.cfg.TLS == TLSStartTLS {
		// Never fall back to plain text when the server does not offer STARTTLS:
		// that is what a downgrade attack looks like.
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return s.fail(ctx, "STARTTLS", errors.New("the server does not offer STARTTLS"))
		}
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			return s.fail(ctx, "STARTTLS", err)
		}
	}
	if s.cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return s.fail(ctx, "AUTH", errors.New("the server does not offer authentication"))
		}
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)); err != nil {
			return s.fail(ctx, "AUTH", err)
		}
	}
	// A 5xx to MAIL FROM or AUTH is about our configuration, not this message:
	// it stays retryable, so mail waits for the fix instead of being dropped.
	if err := c.Mail(from); err != nil {
		return s.fail(ctx, "MAIL FROM", err)
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt); err != nil {
			if permanent(err) {
				return fmt.Errorf("mail: recipient %s: %w: %w", rcpt, ErrRejected, err)
			}
			return s.fail(ctx, "RCPT TO "+rcpt, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return s.fail(ctx, "DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return s.fail(ctx, "DATA", err)
	}
	if err := w.Close(); err != nil {
		// The reply to the message itself: a 5xx is a refusal of its content
		// or size, which the same message will meet again.
		if permanent(err) {
			return fmt.Errorf("mail: message: %w: %w", ErrRejected, err)
		}
		return s.fail(ctx, "DATA", err)
	}
	// The server has taken the message; a failed QUIT changes nothing.
	_ = c.Quit()
	return nil
}

func (s *SMTP) tlsConfig() *tls.Config {
	var c *tls.Config
	if s.cfg.TLSConfig != nil {
		c = s.cfg.TLSConfig.Clone()
	} else {
		c = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if c.ServerName == "" {
		c.ServerName = s.cfg.Host
	}
	return c
}

// fail names the step that failed and, when the context ended, wraps its error
// too, so callers can tell a timeout from a refusal.
func (s *SMTP) fail(ctx context.Context, step string, err error) error {
	ctxErr := ctx.Err()
	if ctxErr == nil && errors.Is(err, os.ErrDeadlineExceeded) {
		// The connection's deadline is the context's, and can pass a moment
		// before the context's own timer fires.
		ctxErr = context.DeadlineExceeded
	}
	if ctxErr != nil {
		return fmt.Errorf("mail: smtp %s %s: %w: %w", s.addr, step, ctxErr, err)
	}
	return fmt.Errorf("mail: smtp %s %s: %w", s.addr, step, err)
}

// permanent reports whether err is a 5xx reply from the server.
func permanent(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code >= 500 && te.Code <= 599
}
