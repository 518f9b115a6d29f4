package auth

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"

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
	hasher    *Hasher
	queue     *queue.Queue
	box       *secrets.Box
	publicURL *url.URL
	dummyHash string
	csrfKey   []byte
	cookies   cookieNames
}

// Config is what the Service needs beyond its stores.
type Config struct {
	SecretKey []byte   // derives the access-token and CSRF keys
	PublicURL *url.URL // the issuer of tokens, links in emails, and whether cookies are Secure
	Throttle  ThrottleLimits
	// Hasher computes every password hash of the Service; nil: one with the
	// default bound (NewHasher(0, 0)).
	Hasher *Hasher
	// Metrics, when set, gets the Hasher's figures.
	Metrics prometheus.Registerer
}

// Deps are the Service's collaborators.
type Deps struct {
	DB    *sqlx.DB
	Clock clock.Clock
	Log   *slog.Logger
	// Queue carries invite and reset emails; Box seals the tokens inside
	// those jobs.
	Queue *queue.Queue
	Box   *secrets.Box
}

// NewService returns a Service.
func NewService(d Deps, cfg Config) (*Service, error) {
	conn, c := d.DB, d.Clock
	signer, err := NewSigner(cfg.SecretKey, cfg.PublicURL.String())
	if err != nil {
		return nil, err
	}
	// A key of its own for CSRF tokens, so that nothing signed for one
	// purpose passes for the other.
	csrfKey, err := hkdf.Key(sha256.New, cfg.SecretKey, nil, "trove csrf token v1", 32)
	if err != nil {
		return nil, err
	}
	if cfg.Hasher == nil {
		cfg.Hasher = NewHasher(0, 0)
	}
	if cfg.Metrics != nil {
		if err := cfg.Hasher.Register(cfg.Metrics); err != nil {
			return nil, err
		}
	}
	dummy, err := cfg.Hasher.Hash(context.Background(), "trove-timing-equaliser")
	if err != nil {
		return nil, err
	}
	if cfg.Throttle == (ThrottleLimits{}) {
		cfg.Throttle = DefaultThrottle
	}
	return &Service{db: conn, clock: c, log: d.Log, users: &Users{db: conn, clock: c, hasher: cfg.Hasher}, signer: signer,
		throttle: &throttle{db: conn, clock: c, limits: cfg.Throttle}, hasher: cfg.Hasher, queue: d.Queue, box: d.Box,
		publicURL: cfg.PublicURL, dummyHash: dummy, csrfKey: csrfKey, cookies: cookieNamesFor(cfg.PublicURL)}, nil
}

// Users returns the user store.
func (s *Service) Users() *Users { return s.users }

// Hasher returns the Service's password hasher.
func (s *Service) Hasher() *Hasher { return s.hasher }

// Cookie names, as sent over plain HTTP (local development). Over TLS they
// get a prefix: see cookieNamesFor. The refresh cookie is sent only to the
// auth endpoints.
const (
	AccessCookie  = "trove_access"
	RefreshCookie = "trove_refresh"
	CSRFCookie    = "trove_csrf"
	CSRFHeader    = "X-CSRF-Token"
	refreshPath   = "/api/v1/auth"
)

// cookieNames are the names the session cookies go by.
type cookieNames struct {
	access, refresh, csrf string
	secure                bool
	// legacy are names used before, cleared on sign-out so browsers drop them.
	legacy []string
}

// cookieNamesFor names the cookies for the public URL. Served over TLS, the
// access and CSRF cookies are "__Host-" cookies: browsers accept them only
// Secure, with Path=/ and no Domain, so a sibling subdomain (or a network
// attacker on plain http) cannot plant or overwrite them. The refresh cookie
// keeps its narrow path, which "__Host-" forbids, and so gets "__Secure-".
func cookieNamesFor(public *url.URL) cookieNames {
	if public.Scheme != "https" {
		return cookieNames{access: AccessCookie, refresh: RefreshCookie, csrf: CSRFCookie}
	}
	return cookieNames{access: "__Host-" + AccessCookie, refresh: "__Secure-" + RefreshCookie, csrf: "__Host-" + CSRFCookie,
		secure: true, legacy: []string{AccessCookie, RefreshCookie, CSRFCookie}}
}

func (s *Service) setCookies(w http.ResponseWriter, t Tokens) {
	n := s.cookies
	http.SetCookie(w, &http.Cookie{Name: n.access, Value: t.AccessToken, Path: "/", HttpOnly: true, Secure: n.secure,
		SameSite: http.SameSiteLaxMode, Expires: t.AccessExpiresAt})
	http.SetCookie(w, &http.Cookie{Name: n.refresh, Value: t.RefreshToken, Path: refreshPath, HttpOnly: true, Secure: n.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(SessionTTL / time.Second)})
	// Readable by the app's own scripts, which echo it in the X-CSRF-Token
	// header; another site can neither read it nor set the header, and the
	// value is bound to the session, so a planted cookie is worth nothing.
	http.SetCookie(w, &http.Cookie{Name: n.csrf, Value: t.CSRFToken, Path: "/", Secure: n.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(SessionTTL / time.Second)})
}

func (s *Service) clearCookies(w http.ResponseWriter) {
	n := s.cookies
	list := [][2]string{{n.access, "/"}, {n.refresh, refreshPath}, {n.csrf, "/"}}
	for _, name := range n.legacy {
		path := "/"
		if name == RefreshCookie {
			path = refreshPath
		}
		list = append(list, [2]string{name, path})
	}
	for _, c := range list {
		http.SetCookie(w, &http.Cookie{Name: c[0], Value: "", Path: c[1], MaxAge: -1, HttpOnly: !strings.HasSuffix(c[0], CSRFCookie),
			Secure: n.secure, SameSite: http.SameSiteLaxMode})
	}
}

// csrfToken is the CSRF token of a session: an HMAC of its id under a server
// key. Only the server can make one, and one session's token is worth nothing
// for another, so a cookie planted by someone else (plain double submit's
// weakness) does not help them. The session id stays the same across
// refreshes, so a refresh answers the same token.
func (s *Service) csrfToken(sessionID string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(sessionID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfOK reports whether header is the CSRF token of sessionID.
func (s *Service) csrfOK(sessionID, header string) bool {
	return sessionID != "" && csrfMatches(s.csrfToken(sessionID), header)
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
		} else if c, err := r.Cookie(s.cookies.access); err == nil {
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
		if viaCookie {
			p.ViaCookie, p.CSRFToken = true, s.csrfToken(p.SessionID)
		}
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
