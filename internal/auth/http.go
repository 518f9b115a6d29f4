package auth

import (
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

// userView is a user as the API shows it.
type userView struct {
	ID       string  `json:"id"`
	Email    string  `json:"email"`
	Name     string  `json:"name"`
	Role     Role    `json:"role"`
	VendorID *string `json:"vendor_id,omitempty"`
}

func viewOf(u User) userView {
	return userView{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, VendorID: u.VendorID}
}

// sessionBody answers a sign-in or refresh. Browsers ("cookie" mode, the
// default) get the tokens as HttpOnly cookies and only the CSRF token in the
// body; API clients ("bearer" mode) get the tokens in the body and no cookies.
func (s *Service) sessionBody(w http.ResponseWriter, t Tokens, bearer bool) map[string]any {
	out := map[string]any{"expires_at": t.AccessExpiresAt.UTC().Format(time.RFC3339)}
	if bearer {
		out["access_token"], out["refresh_token"], out["token_type"] = t.AccessToken, t.RefreshToken, "Bearer"
	} else {
		s.setCookies(w, t)
		out["csrf_token"] = t.CSRFToken
	}
	return out
}

// HandleLogin signs in: POST {"email","password","mode":"cookie"|"bearer"}.
func HandleLogin(s *Service, proxies Proxies) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Email    string `json:"email"`
			Password string `json:"password"`
			Mode     string `json:"mode"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		if in.Mode != "" && in.Mode != "cookie" && in.Mode != "bearer" {
			httpx.Error(w, r, fault.Invalid(`mode must be "cookie" or "bearer"`))
			return
		}
		t, u, err := s.Login(r.Context(), in.Email, in.Password, proxies.Client(r))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		out := s.sessionBody(w, t, in.Mode == "bearer")
		out["user"] = viewOf(u)
		httpx.JSON(w, http.StatusOK, out)
	})
}

// HandleRefresh rotates the refresh token: from the body (bearer clients) or
// the refresh cookie (browsers, with the session's CSRF token in the header).
func HandleRefresh(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			RefreshToken string `json:"refresh_token"`
		}
		if _, err := httpx.DecodeOptional(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		bearer := in.RefreshToken != ""
		var t Tokens
		var err error
		if bearer {
			t, err = s.Refresh(r.Context(), in.RefreshToken)
		} else {
			c, cerr := r.Cookie(s.cookies.refresh)
			if cerr != nil {
				httpx.Error(w, r, fault.Unauthorized("no refresh token: sign in"))
				return
			}
			t, err = s.RefreshCookie(r.Context(), c.Value, r.Header.Get(CSRFHeader))
		}
		if err != nil {
			// A refused CSRF check leaves the cookies alone: another site
			// must not be able to sign the user out.
			if !bearer && !errors.Is(err, errCSRF) {
				s.clearCookies(w)
			}
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, s.sessionBody(w, t, bearer))
	})
}

// HandleLogout ends the caller's session; HandleLogoutEverywhere all of the
// caller's sessions.
func HandleLogout(s *Service, everywhere bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := MustPrincipal(r.Context())
		var err error
		if everywhere {
			err = s.LogoutEverywhere(r.Context(), p.UserID)
		} else {
			err = s.Logout(r.Context(), p.SessionID)
		}
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		s.clearCookies(w)
		w.WriteHeader(http.StatusNoContent)
	})
}

// HandleMe answers who the caller is.
func HandleMe(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := s.users.ByID(r.Context(), MustPrincipal(r.Context()).UserID)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, viewOf(u))
	})
}

// HandleSignup creates a buyer account: POST {"email","password","name"}.
func HandleSignup(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Email    string `json:"email"`
			Password string `json:"password"`
			Name     string `json:"name"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		u, err := s.users.Create(r.Context(), NewUser{Email: in.Email, Password: in.Password, Name: in.Name, Role: RoleBuyer})
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusCreated, viewOf(u))
	})
}

// HandleRequestReset mails a reset link: POST {"email"}. Always 202, so the
// answer does not tell whether an account exists.
func HandleRequestReset(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Email string `json:"email"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		if err := s.RequestPasswordReset(r.Context(), in.Email); err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusAccepted, map[string]string{"status": "if the address has an account, a reset link is on its way"})
	})
}

// HandleConfirmReset sets a new password: POST {"token","password"}.
func HandleConfirmReset(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Token    string `json:"token"`
			Password string `json:"password"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		if err := s.ResetPassword(r.Context(), in.Token, in.Password); err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// HandleAcceptInvite creates the invited account: POST {"token","name","password"}.
func HandleAcceptInvite(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Token    string `json:"token"`
			Name     string `json:"name"`
			Password string `json:"password"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		u, err := s.AcceptInvite(r.Context(), in.Token, in.Name, in.Password)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusCreated, viewOf(u))
	})
}

// HandleTeam lists the caller's vendor team and pending invites.
func HandleTeam(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		members, invites, err := s.Team(r.Context(), MustPrincipal(r.Context()).VendorID)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, map[string]any{"members": members, "invites": invites})
	})
}

// HandleInvite invites someone to a vendor's team: POST {"email","role"}. For
// vendor owners the vendor is their own; for operators it is {vendorID}.
func HandleInvite(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := MustPrincipal(r.Context())
		var in struct {
			Email string `json:"email"`
			Role  Role   `json:"role"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		vendorID := p.VendorID
		if p.Role == RolePlatformAdmin {
			vendorID = chi.URLParam(r, "vendorID")
		}
		inv, err := s.Invite(r.Context(), vendorID, in.Email, in.Role, p)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusCreated, inv)
	})
}

// HandleRevokeInvite withdraws a pending invite of the caller's vendor.
func HandleRevokeInvite(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.RevokeInvite(r.Context(), MustPrincipal(r.Context()), chi.URLParam(r, "inviteID")); err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// HandleSetMemberRole changes a member's role: PATCH {"role"}.
func HandleSetMemberRole(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Role Role `json:"role"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		if err := s.SetMemberRole(r.Context(), MustPrincipal(r.Context()), chi.URLParam(r, "userID"), in.Role); err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// HandleRemoveMember takes a member off the caller's team.
func HandleRemoveMember(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.RemoveMember(r.Context(), MustPrincipal(r.Context()), chi.URLParam(r, "userID")); err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// HandleListUsers lists accounts for operators: ?role=…&vendor_id=….
func HandleListUsers(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		users, err := s.ListUsers(r.Context(), r.URL.Query().Get("role"), r.URL.Query().Get("vendor_id"))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		views := make([]userView, len(users))
		for i, u := range users {
			views[i] = viewOf(u)
		}
		httpx.JSON(w, http.StatusOK, map[string]any{"users": views})
	})
}

// HandleSetDisabled disables (or enables) an account.
func HandleSetDisabled(s *Service, disabled bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.SetDisabled(r.Context(), MustPrincipal(r.Context()), chi.URLParam(r, "userID"), disabled); err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// Proxies are the reverse proxies whose X-Forwarded-For is believed when
// telling a client's address (for the sign-in throttle and session records).
// Empty: the TCP peer is the client.
type Proxies []netip.Prefix

// Client describes the caller of r.
func (p Proxies) Client(r *http.Request) Client {
	c := clientOf(r)
	if !p.trusted(c.IP) {
		return c
	}
	// Walk X-Forwarded-For from the right: the first hop that is not one of
	// our proxies is the client.
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		if h != "" && !p.trusted(h) {
			c.IP = h
			break
		}
	}
	return c
}

func (p Proxies) trusted(ip string) bool {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	for _, prefix := range p {
		if prefix.Contains(addr.Unmap()) {
			return true
		}
	}
	return false
}
