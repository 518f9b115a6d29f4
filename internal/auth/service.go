package auth

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/platform/secrets"
)

// Service signs people in and out and manages accounts, invites and resets.
type Service struct {
	db        *sqlx.DB
	clock     clock.Clock
	log       *slog.Logger
	users     *Users
	signer    *Signer
	throttle  *throttle
	queue     *queue.Queue
	box       *secrets.Box
	publicURL *url.URL
	dummyHash string
}

// Config is what the Service needs beyond its stores.
type Config struct {
	SecretKey []byte   // derives the access-token signing key
	PublicURL *url.URL // the issuer of tokens, links in emails, and whether cookies are Secure
	Throttle  ThrottleLimits
}

// NewService returns a Service. The queue carries invite and reset emails;
// the box seals the tokens inside those jobs.
func NewService(conn *sqlx.DB, c clock.Clock, log *slog.Logger, q *queue.Queue, box *secrets.Box, cfg Config) (*Service, error) {
	signer, err := NewSigner(cfg.SecretKey, cfg.PublicURL.String())
	if err != nil {
		return nil, err
	}
	dummy, err := HashPassword("trove-timing-equaliser")
	if err != nil {
		return nil, err
	}
	if cfg.Throttle == (ThrottleLimits{}) {
		cfg.Throttle = DefaultThrottle
	}
	return &Service{db: conn, clock: c, log: log, users: NewUsers(conn, c), signer: signer,
		throttle: &throttle{db: conn, clock: c, limits: cfg.Throttle}, queue: q, box: box,
		publicURL: cfg.PublicURL, dummyHash: dummy}, nil
}

// Users returns the user store.
func (s *Service) Users() *Users { return s.users }

// Cookie names. The refresh cookie is sent only to the auth endpoints.
const (
	AccessCookie  = "trove_access"
	RefreshCookie = "trove_refresh"
	CSRFCookie    = "trove_csrf"
	CSRFHeader    = "X-CSRF-Token"
	refreshPath   = "/api/v1/auth"
)

func (s *Service) secureCookies() bool { return s.publicURL.Scheme == "https" }

func (s *Service) setCookies(w http.ResponseWriter, t Tokens) {
	secure := s.secureCookies()
	http.SetCookie(w, &http.Cookie{Name: AccessCookie, Value: t.AccessToken, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode, Expires: t.AccessExpiresAt})
	http.SetCookie(w, &http.Cookie{Name: RefreshCookie, Value: t.RefreshToken, Path: refreshPath, HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(SessionTTL / time.Second)})
	// Readable by the app's own scripts, which echo it in the X-CSRF-Token
	// header; another site can neither read it nor set the header.
	http.SetCookie(w, &http.Cookie{Name: CSRFCookie, Value: t.CSRFToken, Path: "/", Secure: secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(SessionTTL / time.Second)})
}

func (s *Service) clearCookies(w http.ResponseWriter) {
	for _, c := range []struct{ name, path string }{{AccessCookie, "/"}, {RefreshCookie, refreshPath}, {CSRFCookie, "/"}} {
		http.SetCookie(w, &http.Cookie{Name: c.name, Value: "", Path: c.path, MaxAge: -1, HttpOnly: c.name != CSRFCookie,
			Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode})
	}
}

// csrfOK reports whether a cookie-authenticated request carries the CSRF
// token of its cookie in the header (double submit).
func csrfOK(r *http.Request) bool {
	c, err := r.Cookie(CSRFCookie)
	h := r.Header.Get(CSRFHeader)
	return err == nil && c.Value != "" && h != "" && subtle.ConstantTimeCompare([]byte(c.Value), []byte(h)) == 1
}

// Authenticate puts the request's principal in its context when it carries a
// valid access token, as "Authorization: Bearer …" (API clients) or as the
// access cookie (browsers). A missing or bad token leaves the request signed
// out, so public endpoints (sign-in itself) still work with a stale cookie;
// RequireRole answers 401 for guarded ones, saying what was wrong.
func (s *Service) Authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, viaCookie := "", false
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, rest, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(rest) == "" {
				next.ServeHTTP(w, r.WithContext(withAuthProblem(r.Context(), `the Authorization header must be "Bearer <access token>"`)))
				return
			}
			token = strings.TrimSpace(rest)
		} else if c, err := r.Cookie(AccessCookie); err == nil {
			token, viaCookie = c.Value, true
		}
		if token == "" {
			next.ServeHTTP(w, r)
			return
		}
		claims, err := s.signer.Parse(token, s.clock.Now())
		if err != nil {
			next.ServeHTTP(w, r.WithContext(withAuthProblem(r.Context(), "your access token is not valid or has expired: refresh it or sign in again")))
			return
		}
		p, err := s.principal(r.Context(), claims.Subject, claims.SessionID)
		if errors.Is(err, sql.ErrNoRows) {
			next.ServeHTTP(w, r.WithContext(withAuthProblem(r.Context(), "your session has ended: sign in again")))
			return
		}
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		p.ViaCookie = viaCookie
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

// clientOf describes the caller for the sessions table and the throttle. The
// address is the TCP peer: behind a proxy, the proxy must be trusted to set
// it (see deploy/nginx.conf); X-Forwarded-For is not believed by default.
func clientOf(r *http.Request) Client {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return Client{IP: host, UserAgent: r.UserAgent()}
}

type authProblemKey struct{}

func withAuthProblem(ctx context.Context, msg string) context.Context {
	return context.WithValue(ctx, authProblemKey{}, msg)
}

func authProblem(ctx context.Context) string {
	msg, _ := ctx.Value(authProblemKey{}).(string)
	return msg
}
