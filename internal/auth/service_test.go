package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/mail"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/platform/secrets"
	"github.com/trove-platform/trove/internal/vendors"
)

type fixture struct {
	svc    *auth.Service
	db     *sqlx.DB
	clock  *clock.Fake
	vendor vendors.Vendor
	owner  auth.User
	q      *queue.Queue
}

const password = "correct horse battery"

func setup(t *testing.T) *fixture {
	t.Helper()
	return setupWith(t, nil)
}

// setupWith is setup with changes to the Service's configuration.
func setupWith(t *testing.T, change func(*auth.Config)) *fixture {
	t.Helper()
	conn := dbtest.New(t)
	clk := clock.NewFake(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := queue.NewRegistry()
	queue.Handle(reg, "auth.email", func(context.Context, queue.Meta, auth.EmailJob) error { return nil })
	q, err := queue.New(conn, reg, clk, queue.Config{}, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	box, _ := secrets.New(key)
	pub, _ := url.Parse("https://trove.example")
	cfg := auth.Config{SecretKey: key, PublicURL: pub,
		Throttle: auth.ThrottleLimits{Window: 15 * time.Minute, LockFor: 15 * time.Minute, AccountFailures: 3, IPFailures: 6}}
	if change != nil {
		change(&cfg)
	}
	svc, err := auth.NewService(auth.Deps{DB: conn, Clock: clk, Log: log, Queue: q, Box: box}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := vendors.NewStore(vendors.Deps{DB: conn, Clock: clk}).Ensure(context.Background(),
		vendors.Vendor{Slug: "acme", Name: "Acme", ContactEmail: "a@acme.example", Status: vendors.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	owner, _, err := svc.Users().Ensure(context.Background(), auth.NewUser{Email: "Owner@Acme.example", Password: password, Role: auth.RoleVendorOwner, VendorID: v.ID})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, db: conn, clock: clk, vendor: v, owner: owner, q: q}
}

var client = auth.Client{IP: "192.0.2.1", UserAgent: "test"}

// lastEmail returns the newest auth.email job and its unsealed token.
func (f *fixture) lastEmail(t *testing.T) (auth.EmailJob, string) {
	t.Helper()
	var payload string
	if err := f.db.Get(&payload, `SELECT payload FROM jobs WHERE kind = 'auth.email' ORDER BY enqueued_at DESC, id DESC LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	var j auth.EmailJob
	if err := json.Unmarshal([]byte(payload), &j); err != nil {
		t.Fatal(err)
	}
	token, err := f.svc.OpenEmailToken(j)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(payload, token) {
		t.Fatal("the emailed token is readable in the job payload")
	}
	return j, token
}

func TestLogin(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	tok, u, err := f.svc.Login(ctx, "  OWNER@acme.EXAMPLE ", password, client)
	if err != nil || u.ID != f.owner.ID || tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("login: %+v %v", u, err)
	}
	_, _, wrongPw := f.svc.Login(ctx, "owner@acme.example", "wrong password!", auth.Client{IP: "192.0.2.50"})
	_, _, unknown := f.svc.Login(ctx, "nobody@acme.example", "wrong password!", auth.Client{IP: "192.0.2.51"})
	if !fault.Is(wrongPw, fault.KindUnauthorized) || wrongPw.Error() != unknown.Error() {
		t.Fatalf("wrong password %q and unknown email %q must read the same", wrongPw, unknown)
	}
	// Refresh tokens are stored hashed only.
	var n int
	f.db.Get(&n, `SELECT COUNT(*) FROM refresh_tokens WHERE token_hash = ?`, tok.RefreshToken)
	if n != 0 {
		t.Fatal("a refresh token is stored in clear")
	}
}

func TestRefreshRotationAndReuse(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	first, _, err := f.svc.Login(ctx, "owner@acme.example", password, client)
	if err != nil {
		t.Fatal(err)
	}
	second, err := f.svc.Refresh(ctx, first.RefreshToken)
	if err != nil || second.RefreshToken == first.RefreshToken || second.SessionID != first.SessionID {
		t.Fatalf("rotation: %+v %v", second, err)
	}
	third, err := f.svc.Refresh(ctx, second.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	// Someone replays the first token: the whole session is revoked...
	if _, err := f.svc.Refresh(ctx, first.RefreshToken); !fault.Is(err, fault.KindUnauthorized) {
		t.Fatalf("reuse: %v", err)
	}
	// ...so the current token is dead too.
	if _, err := f.svc.Refresh(ctx, third.RefreshToken); !fault.Is(err, fault.KindUnauthorized) {
		t.Fatalf("the newest token must die with its session: %v", err)
	}
	var reason string
	f.db.Get(&reason, `SELECT revoke_reason FROM sessions WHERE id = ?`, first.SessionID)
	if reason != "refresh token reused" {
		t.Fatalf("session revoke reason %q", reason)
	}
	// Other sessions of the user are untouched.
	other, _, _ := f.svc.Login(ctx, "owner@acme.example", password, client)
	if _, err := f.svc.Refresh(ctx, other.RefreshToken); err != nil {
		t.Fatalf("another session: %v", err)
	}
	if _, err := f.svc.Refresh(ctx, "made-up"); !fault.Is(err, fault.KindUnauthorized) {
		t.Fatalf("unknown token: %v", err)
	}
}

func TestLogoutAndDisable(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	a, _, _ := f.svc.Login(ctx, "owner@acme.example", password, client)
	b, _, _ := f.svc.Login(ctx, "owner@acme.example", password, client)
	if err := f.svc.Logout(ctx, a.SessionID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Refresh(ctx, a.RefreshToken); err == nil {
		t.Fatal("refresh after logout")
	}
	if _, err := f.svc.Refresh(ctx, b.RefreshToken); err != nil {
		t.Fatalf("logout ended another session: %v", err)
	}
	c, _, _ := f.svc.Login(ctx, "owner@acme.example", password, client)
	if err := f.svc.LogoutEverywhere(ctx, f.owner.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Refresh(ctx, c.RefreshToken); err == nil {
		t.Fatal("refresh after logout everywhere")
	}

	admin, _, _ := f.svc.Users().Ensure(ctx, auth.NewUser{Email: "ops@trove.example", Password: password, Role: auth.RolePlatformAdmin})
	d, _, _ := f.svc.Login(ctx, "owner@acme.example", password, client)
	if err := f.svc.SetDisabled(ctx, &auth.Principal{UserID: admin.ID, Role: auth.RolePlatformAdmin}, f.owner.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Refresh(ctx, d.RefreshToken); err == nil {
		t.Fatal("refresh of a disabled user")
	}
	if _, _, err := f.svc.Login(ctx, "owner@acme.example", password, auth.Client{IP: "192.0.2.9"}); !fault.Is(err, fault.KindUnauthorized) {
		t.Fatalf("a disabled user signed in: %v", err)
	}
}

func TestLockout(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	for range 3 {
		if _, _, err := f.svc.Login(ctx, "owner@acme.example", "bad password!!", client); !fault.Is(err, fault.KindUnauthorized) {
			t.Fatal(err)
		}
	}
	// Locked now, even with the right password.
	_, _, err := f.svc.Login(ctx, "owner@acme.example", password, auth.Client{IP: "198.51.100.7"})
	var locked *auth.LockedError
	if !fault.Is(err, fault.KindRateLimited) || !errors.As(err, &locked) || locked.RetryAfter <= 0 {
		t.Fatalf("want a lockout, got %v", err)
	}
	f.clock.Advance(16 * time.Minute)
	if _, _, err := f.svc.Login(ctx, "owner@acme.example", password, auth.Client{IP: "198.51.100.7"}); err != nil {
		t.Fatalf("after the lock: %v", err)
	}

	t.Run("per address, across accounts", func(t *testing.T) {
		ip := auth.Client{IP: "203.0.113.5"}
		for i := range 6 {
			f.svc.Login(ctx, "guess"+string(rune('a'+i))+"@acme.example", "nope nope nope", ip)
		}
		_, _, err := f.svc.Login(ctx, "owner@acme.example", password, ip)
		if !fault.Is(err, fault.KindRateLimited) {
			t.Fatalf("the address must be locked: %v", err)
		}
	})
}

func TestInvites(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	by := &auth.Principal{UserID: f.owner.ID, Role: auth.RoleVendorOwner, VendorID: f.vendor.ID}
	inv, err := f.svc.Invite(ctx, f.vendor.ID, "staff@acme.example", auth.RoleVendorStaff, by)
	if err != nil {
		t.Fatal(err)
	}
	j, token := f.lastEmail(t)
	if j.Template != "invite" || j.To != "staff@acme.example" || j.RefID != inv.ID {
		t.Fatalf("email job %+v", j)
	}
	u, err := f.svc.AcceptInvite(ctx, token, "Sam Staff", "a long enough password")
	if err != nil || u.Role != auth.RoleVendorStaff || *u.VendorID != f.vendor.ID {
		t.Fatalf("accept: %+v %v", u, err)
	}
	if _, err := f.svc.AcceptInvite(ctx, token, "Again", "a long enough password"); !fault.Is(err, fault.KindInvalid) {
		t.Fatalf("a second use: %v", err)
	}
	if _, err := f.svc.Invite(ctx, f.vendor.ID, "STAFF@acme.example", auth.RoleVendorStaff, by); !fault.Is(err, fault.KindConflict) {
		t.Fatalf("inviting an existing account: %v", err)
	}

	t.Run("expired", func(t *testing.T) {
		f.svc.Invite(ctx, f.vendor.ID, "late@acme.example", auth.RoleVendorStaff, by)
		_, token := f.lastEmail(t)
		f.clock.Advance(auth.InviteTTL + time.Minute)
		if _, err := f.svc.AcceptInvite(ctx, token, "Late", "a long enough password"); !fault.Is(err, fault.KindInvalid) {
			t.Fatalf("an expired invite: %v", err)
		}
	})
	t.Run("revoked", func(t *testing.T) {
		inv, _ := f.svc.Invite(ctx, f.vendor.ID, "gone@acme.example", auth.RoleVendorStaff, by)
		_, token := f.lastEmail(t)
		if err := f.svc.RevokeInvite(ctx, by, inv.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AcceptInvite(ctx, token, "Gone", "a long enough password"); !fault.Is(err, fault.KindInvalid) {
			t.Fatalf("a revoked invite: %v", err)
		}
	})
	t.Run("bad input is refused", func(t *testing.T) {
		if _, err := f.svc.Invite(ctx, f.vendor.ID, "not-an-email", auth.RolePlatformAdmin, by); !fault.Is(err, fault.KindInvalid) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	jobs := func() int {
		var n int
		f.db.Get(&n, `SELECT COUNT(*) FROM jobs WHERE kind = 'auth.email'`)
		return n
	}
	if err := f.svc.RequestPasswordReset(ctx, "nobody@acme.example"); err != nil || jobs() != 0 {
		t.Fatalf("unknown email: %v, %d jobs", err, jobs())
	}
	session, _, _ := f.svc.Login(ctx, "owner@acme.example", password, client)
	if err := f.svc.RequestPasswordReset(ctx, "owner@acme.example"); err != nil || jobs() != 1 {
		t.Fatalf("known email: %v, %d jobs", err, jobs())
	}
	_, token := f.lastEmail(t)
	if err := f.svc.ResetPassword(ctx, token, "short"); !fault.Is(err, fault.KindInvalid) {
		t.Fatalf("short password: %v", err)
	}
	if err := f.svc.ResetPassword(ctx, token, "a brand new password"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Refresh(ctx, session.RefreshToken); err == nil {
		t.Fatal("a reset must end every session")
	}
	if _, _, err := f.svc.Login(ctx, "owner@acme.example", "a brand new password", client); err != nil {
		t.Fatalf("new password: %v", err)
	}
	if err := f.svc.ResetPassword(ctx, token, "yet another password"); !fault.Is(err, fault.KindInvalid) {
		t.Fatalf("a second use: %v", err)
	}
	f.svc.RequestPasswordReset(ctx, "owner@acme.example")
	_, token = f.lastEmail(t)
	f.clock.Advance(auth.ResetTTL + time.Second)
	if err := f.svc.ResetPassword(ctx, token, "yet another password"); !fault.Is(err, fault.KindInvalid) {
		t.Fatalf("an expired token: %v", err)
	}
}

func TestTeamRules(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	by := &auth.Principal{UserID: f.owner.ID, Role: auth.RoleVendorOwner, VendorID: f.vendor.ID}
	if err := f.svc.SetMemberRole(ctx, by, f.owner.ID, auth.RoleVendorStaff); !fault.Is(err, fault.KindConflict) {
		t.Fatalf("demoting the last owner: %v", err)
	}
	if err := f.svc.RemoveMember(ctx, by, f.owner.ID); !fault.Is(err, fault.KindConflict) {
		t.Fatalf("removing the last owner: %v", err)
	}
	staff, _, _ := f.svc.Users().Ensure(ctx, auth.NewUser{Email: "s@acme.example", Password: password, Role: auth.RoleVendorStaff, VendorID: f.vendor.ID})
	if err := f.svc.SetMemberRole(ctx, by, staff.ID, auth.RoleVendorOwner); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetMemberRole(ctx, by, f.owner.ID, auth.RoleVendorStaff); err != nil {
		t.Fatalf("with a second owner, demotion is fine: %v", err)
	}
	var before, after string
	f.db.QueryRow(`SELECT before_json, after_json FROM audit_log WHERE action = 'user.role_changed' AND object_id = ?`, f.owner.ID).Scan(&before, &after)
	if !strings.Contains(before, "vendor_owner") || !strings.Contains(after, "vendor_staff") {
		t.Fatalf("audit before %s after %s", before, after)
	}

	other, _, _ := vendors.NewStore(vendors.Deps{DB: f.db, Clock: f.clock}).Ensure(ctx, vendors.Vendor{Slug: "other", Name: "Other", ContactEmail: "o@o.example"})
	stranger, _, _ := f.svc.Users().Ensure(ctx, auth.NewUser{Email: "x@o.example", Password: password, Role: auth.RoleVendorStaff, VendorID: other.ID})
	if err := f.svc.RemoveMember(ctx, by, stranger.ID); !fault.Is(err, fault.KindNotFound) {
		t.Fatalf("another vendor's member must be not found: %v", err)
	}
}

func TestEmailJobSendsTheLink(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	f.svc.RequestPasswordReset(ctx, "owner@acme.example")
	j, token := f.lastEmail(t)
	box := mail.NewLocal()
	send := auth.EmailHandler(f.svc, mail.Postman{Sender: box, From: "Trove <no-reply@trove.example>", Brand: mail.Brand{Name: "Trove"}})
	meta := queue.Meta{ID: "job_1", Kind: "auth.email", Attempt: 1}
	if err := send(ctx, meta, j); err != nil {
		t.Fatal(err)
	}
	if err := send(ctx, meta, j); err != nil { // a retry of the same job
		t.Fatal(err)
	}
	msgs := box.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages; a retried job must not send twice", len(msgs))
	}
	m := msgs[0]
	link := "https://trove.example/reset-password?token=" + token
	if m.To[0] != "Owner@Acme.example" || !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, "reset-password?token=") {
		t.Fatalf("message %+v", m)
	}
	j.SealedToken = j.SealedToken[:len(j.SealedToken)-4] + "AAAA"
	if err := send(ctx, queue.Meta{ID: "job_2"}, j); !queue.IsPermanent(err) {
		t.Fatalf("a token that does not open is permanent: %v", err)
	}
}
