package auth

import (
	"context"
	"crypto/hmac"
	"net/http"
	"slices"

	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

// Principal is who makes a request: the signed-in user and their session.
type Principal struct {
	UserID    string
	SessionID string
	Email     string
	Role      Role
	// VendorID is the vendor a vendor user belongs to; "" for other roles.
	// Vendor-scoped handlers take it from here, never from the request.
	VendorID string
	// VendorSuspended makes a vendor user read-only.
	VendorSuspended bool
	// ViaCookie says the credentials came from cookies, so CSRF applies.
	ViaCookie bool
	// CSRFToken is what a cookie-authenticated request that changes state
	// must send in X-CSRF-Token: the token bound to its session, set by
	// Authenticate. Empty refuses every such request.
	CSRFToken string
}

// IsVendor reports whether the principal acts for a vendor.
func (p *Principal) IsVendor() bool { return p.Role == RoleVendorOwner || p.Role == RoleVendorStaff }

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the request's principal, or nil when signed out.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// AllRoles is every role, for routes any signed-in user may use.
var AllRoles = []Role{RolePlatformAdmin, RoleVendorOwner, RoleVendorStaff, RoleBuyer}

// MustPrincipal returns the principal of a route guarded by RequireRole; it
// panics on an unguarded route, which is a programming error.
func MustPrincipal(ctx context.Context) *Principal {
	p := PrincipalFrom(ctx)
	if p == nil {
		panic("auth: route is not guarded by RequireRole")
	}
	return p
}

// RequireRole lets a request through only when it is signed in with one of
// roles: 401 when signed out, 403 when signed in with another role. A request
// that acts with a cookie's authority and changes state must carry its
// session's CSRF token in the header. A suspended vendor's users may read but
// not change anything.
func RequireRole(roles ...Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := PrincipalFrom(r.Context())
			if p == nil {
				msg := authProblem(r.Context())
				if msg == "" {
					msg = "sign in first"
				}
				httpx.Error(w, r, fault.Unauthorized("%s", msg))
				return
			}
			if p.ViaCookie && !safeMethod(r.Method) && !csrfMatches(p.CSRFToken, r.Header.Get(CSRFHeader)) {
				httpx.Error(w, r, errCSRF)
				return
			}
			if !slices.Contains(roles, p.Role) {
				httpx.Error(w, r, fault.Forbidden("your role (%s) may not use this", p.Role))
				return
			}
			if p.VendorSuspended && !safeMethod(r.Method) {
				httpx.Error(w, r, fault.Forbidden("your vendor account is suspended: you can look, not change anything"))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// errCSRF refuses a cookie-authenticated change without its session's token.
var errCSRF = fault.Forbidden("missing or wrong %s header: send the csrf_token of your sign-in (also in the %s cookie)", CSRFHeader, CSRFCookie)

// csrfMatches compares a CSRF header with the expected token in constant time.
func csrfMatches(want, got string) bool {
	return want != "" && got != "" && hmac.Equal([]byte(want), []byte(got))
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}
