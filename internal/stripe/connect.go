package stripe

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/trove-platform/trove/internal/platform/money"
)

// Connect: vendors' Express accounts, their hosted onboarding, and the
// platform's transfers to them ("separate charges and transfers": the buyer
// pays the platform, with transfer_group = the order id; each vendor is paid
// by a transfer with the same transfer_group and, where one charge funds it,
// source_transaction = that charge).

// Stripe error codes a Connect caller looks at (as *Error.Code).
const (
	// CodeInsufficientCapabilities: the destination account's transfers
	// capability is not active (onboarding not finished, or disabled).
	// CreateTransfer's error also matches ErrAccountNotReady.
	CodeInsufficientCapabilities = "insufficient_capabilities_for_transfer"
	// CodeBalanceInsufficient: the platform's available balance (or, with a
	// source_transaction, what is left of that charge) cannot cover the transfer.
	CodeBalanceInsufficient = "balance_insufficient"
	// CodeResourceMissing: no such account, charge or transfer.
	CodeResourceMissing = "resource_missing"
)

// ErrAccountNotReady: a transfer was refused because the destination account
// cannot receive transfers yet (its transfers capability is not active).
// Retrying will not help until the vendor finishes onboarding (an
// account.updated event with TransfersActive). Test with errors.Is; the
// error is also a *Error (errors.As) with Stripe's code and message.
var ErrAccountNotReady = errors.New("stripe: destination account cannot receive transfers yet")

// Account is a vendor's connected (Express) account.
type Account struct {
	ID               string
	PayoutsEnabled   bool // Stripe can pay the account's balance out to its bank
	ChargesEnabled   bool
	DetailsSubmitted bool // onboarding was completed
	TransfersActive  bool // capabilities.transfers == "active": transfers to it succeed
	Email            string
	Metadata         map[string]string
}

// CreateExpressAccount creates an Express account in country (ISO 3166-1
// alpha-2, e.g. "US") requesting the transfers capability, and card_payments
// too outside the US, where Stripe's full service agreement does not offer
// transfers alone. email may be empty (the vendor gives it during
// onboarding). The account cannot receive transfers until onboarding is done
// (AccountLink).
func (c *Client) CreateExpressAccount(ctx context.Context, email, country string, metadata map[string]string, idempotencyKey string) (Account, error) {
	const op = "create express account"
	if err := needKey(op, idempotencyKey); err != nil {
		return Account{}, err
	}
	country = strings.ToUpper(strings.TrimSpace(country))
	if len(country) != 2 || strings.Trim(country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return Account{}, fmt.Errorf("stripe: %s: country %q is not an ISO 3166-1 alpha-2 code", op, country)
	}
	p := &stripego.AccountParams{
		Type:    stripego.String(string(stripego.AccountTypeExpress)),
		Country: stripego.String(country),
		Capabilities: &stripego.AccountCapabilitiesParams{
			Transfers: &stripego.AccountCapabilitiesTransfersParams{Requested: stripego.Bool(true)},
		},
	}
	if country != "US" {
		p.Capabilities.CardPayments = &stripego.AccountCapabilitiesCardPaymentsParams{Requested: stripego.Bool(true)}
	}
	if email != "" {
		p.Email = stripego.String(email)
	}
	if len(metadata) > 0 {
		p.Metadata = copyMetadata(metadata)
	}
	withContext(ctx, &p.Params, idempotencyKey)
	a, err := c.api.Accounts.New(p)
	if err != nil {
		return Account{}, wrap(op, err)
	}
	return accountFrom(a), nil
}

// AccountLink returns a single-use URL of Stripe's hosted onboarding for the
// account (type account_onboarding), and when it expires (minutes). Send the
// vendor there; Stripe sends them to returnURL when they leave the flow (not
// necessarily finished: read the account, or wait for account.updated), and
// to refreshURL when the link has expired or was used, where Trove makes a
// new link.
func (c *Client) AccountLink(ctx context.Context, accountID, refreshURL, returnURL string) (string, time.Time, error) {
	const op = "create account link"
	if accountID == "" || refreshURL == "" || returnURL == "" {
		return "", time.Time{}, fmt.Errorf("stripe: %s: account id, refresh URL and return URL are required", op)
	}
	p := &stripego.AccountLinkParams{
		Account:    stripego.String(accountID),
		RefreshURL: stripego.String(refreshURL),
		ReturnURL:  stripego.String(returnURL),
		Type:       stripego.String("account_onboarding"),
	}
	withContext(ctx, &p.Params, "")
	l, err := c.api.AccountLinks.New(p)
	if err != nil {
		return "", time.Time{}, wrap(op, err)
	}
	return l.URL, unixTime(l.ExpiresAt), nil
}

// GetAccount reads the account as Stripe holds it now.
func (c *Client) GetAccount(ctx context.Context, accountID string) (Account, error) {
	const op = "get account"
	if accountID == "" {
		return Account{}, fmt.Errorf("stripe: %s: id is required", op)
	}
	p := &stripego.AccountParams{}
	withContext(ctx, &p.Params, "")
	a, err := c.api.Accounts.GetByID(accountID, p)
	if err != nil {
		return Account{}, wrap(op, err)
	}
	return accountFrom(a), nil
}

func accountFrom(a *stripego.Account) Account {
	out := Account{ID: a.ID, PayoutsEnabled: a.PayoutsEnabled, ChargesEnabled: a.ChargesEnabled,
		DetailsSubmitted: a.DetailsSubmitted, Email: a.Email, Metadata: copyMetadata(a.Metadata)}
	if a.Capabilities != nil {
		out.TransfersActive = a.Capabilities.Transfers == stripego.AccountCapabilityStatusActive
	}
	return out
}

// Transfer is money sent from the platform's balance to a connected account.
type Transfer struct {
	ID             string
	Amount         money.Money
	AmountReversed int64 // in Amount's currency, minor units
	Destination    string
	TransferGroup  string
	// SourceTransaction is the charge (ch_…) that funds the transfer, if any.
	SourceTransaction string
	Reversed          bool // fully reversed
	Metadata          map[string]string
	Created           time.Time
	// Reversals are the reversals the transfer object lists, newest first:
	// at 2023-10-16 the first ten (ListTransferReversals reads them all).
	Reversals []Reversal
}

// TransferInput is what CreateTransfer sends.
type TransferInput struct {
	Amount        money.Money // positive
	Destination   string      // acct_…
	TransferGroup string      // the order id, as on the payment intent
	// SourceTransaction is optional: the charge (ch_…, a payment intent's
	// LatestChargeID) that funds the transfer. With it, Stripe accepts the
	// transfer while the charge's funds are still pending and holds it until
	// they are available; without it, the platform's available balance must
	// cover the amount (else CodeBalanceInsufficient).
	SourceTransaction string
	Description       string
	Metadata          map[string]string
}

// CreateTransfer sends in.Amount to in.Destination. Refusals come back as
// *Error: CodeInsufficientCapabilities (also errors.Is ErrAccountNotReady)
// when the account has not finished onboarding, CodeBalanceInsufficient when
// the money is not there, CodeResourceMissing for an unknown account or
// charge. Stripe keeps the answer (refusals included) against the
// idempotency key for 24 hours: after a refusal that the vendor or the
// balance may fix, retry with a new key.
func (c *Client) CreateTransfer(ctx context.Context, in TransferInput, idempotencyKey string) (Transfer, error) {
	const op = "create transfer"
	if err := needKey(op, idempotencyKey); err != nil {
		return Transfer{}, err
	}
	if err := positive(op, in.Amount); err != nil {
		return Transfer{}, err
	}
	if in.Destination == "" {
		return Transfer{}, fmt.Errorf("stripe: %s: destination account id is required", op)
	}
	a, cur, err := toStripeAmount(in.Amount)
	if err != nil {
		return Transfer{}, err
	}
	p := &stripego.TransferParams{
		Amount:      stripego.Int64(a),
		Currency:    stripego.String(cur),
		Destination: stripego.String(in.Destination),
	}
	if in.TransferGroup != "" {
		p.TransferGroup = stripego.String(in.TransferGroup)
	}
	if in.SourceTransaction != "" {
		p.SourceTransaction = stripego.String(in.SourceTransaction)
	}
	if in.Description != "" {
		p.Description = stripego.String(in.Description)
	}
	if len(in.Metadata) > 0 {
		p.Metadata = copyMetadata(in.Metadata)
	}
	withContext(ctx, &p.Params, idempotencyKey)
	t, err := c.api.Transfers.New(p)
	if err != nil {
		err = wrap(op, err)
		var se *Error
		if errors.As(err, &se) && (se.Code == CodeInsufficientCapabilities ||
			(se.Param == "destination" && strings.Contains(se.Message, "capabilities enabled"))) {
			return Transfer{}, fmt.Errorf("%w: %w", ErrAccountNotReady, se)
		}
		return Transfer{}, err
	}
	return transferFrom(t)
}

// GetTransfer reads a transfer as Stripe holds it now.
func (c *Client) GetTransfer(ctx context.Context, id string) (Transfer, error) {
	const op = "get transfer"
	if id == "" {
		return Transfer{}, fmt.Errorf("stripe: %s: id is required", op)
	}
	p := &stripego.TransferParams{}
	withContext(ctx, &p.Params, "")
	t, err := c.api.Transfers.Get(id, p)
	if err != nil {
		return Transfer{}, wrap(op, err)
	}
	return transferFrom(t)
}

// ListTransfers returns every transfer of transferGroup (an order id),
// newest first, reading every page: for reconciliation.
func (c *Client) ListTransfers(ctx context.Context, transferGroup string) ([]Transfer, error) {
	const op = "list transfers"
	if transferGroup == "" {
		return nil, fmt.Errorf("stripe: %s: transfer group is required", op)
	}
	p := &stripego.TransferListParams{TransferGroup: stripego.String(transferGroup)}
	p.Limit = stripego.Int64(100)
	p.Context = ctx
	it := c.api.Transfers.List(p)
	var out []Transfer
	for it.Next() {
		t, err := transferFrom(it.Transfer())
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := it.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

func transferFrom(t *stripego.Transfer) (Transfer, error) {
	var a amounts
	out := Transfer{
		ID: t.ID, Amount: a.sum(t.Amount, t.Currency),
		AmountReversed: a.sum(t.AmountReversed, t.Currency).Amount,
		TransferGroup:  t.TransferGroup, Reversed: t.Reversed, Metadata: copyMetadata(t.Metadata), Created: unixTime(t.Created),
	}
	if t.Destination != nil {
		out.Destination = t.Destination.ID
	}
	if t.SourceTransaction != nil {
		out.SourceTransaction = t.SourceTransaction.ID
	}
	if a.err != nil {
		return Transfer{}, fmt.Errorf("stripe: transfer %s: %w", t.ID, a.err)
	}
	if t.Reversals != nil {
		for _, r := range t.Reversals.Data {
			rev, err := reversalFrom(r, t.ID)
			if err != nil {
				return Transfer{}, fmt.Errorf("stripe: transfer %s: %w", t.ID, err)
			}
			out.Reversals = append(out.Reversals, rev)
		}
	}
	return out, nil
}

// ListTransferReversals returns every reversal of the transfer, newest
// first, reading every page.
func (c *Client) ListTransferReversals(ctx context.Context, transferID string) ([]Reversal, error) {
	const op = "list transfer reversals"
	if transferID == "" {
		return nil, fmt.Errorf("stripe: %s: transfer id is required", op)
	}
	p := &stripego.TransferReversalListParams{ID: stripego.String(transferID)}
	p.Limit = stripego.Int64(100)
	p.Context = ctx
	it := c.api.TransferReversals.List(p)
	var out []Reversal
	for it.Next() {
		r, err := reversalFrom(it.TransferReversal(), transferID)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := it.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

func reversalFrom(r *stripego.TransferReversal, transferID string) (Reversal, error) {
	amount, err := fromStripeSum(r.Amount, r.Currency)
	if err != nil {
		return Reversal{}, fmt.Errorf("stripe: reversal %s: %w", r.ID, err)
	}
	out := Reversal{ID: r.ID, TransferID: transferID, Amount: amount, Metadata: copyMetadata(r.Metadata), Created: unixTime(r.Created)}
	if r.Transfer != nil && r.Transfer.ID != "" {
		out.TransferID = r.Transfer.ID
	}
	return out, nil
}

// Reversal is money taken back from a connected account on a transfer.
type Reversal struct {
	ID         string // trr_…
	TransferID string
	Amount     money.Money
	Metadata   map[string]string // Trove's reversals carry reversal_id
	Created    time.Time
}

// ReverseTransfer takes amount (positive, at most what is not yet reversed)
// back from the transfer's destination into the platform's balance: a
// refund after payout. More than is left is refused with an *Error (the
// sandbox answers amount_too_large).
func (c *Client) ReverseTransfer(ctx context.Context, transferID string, amount money.Money, metadata map[string]string, idempotencyKey string) (Reversal, error) {
	const op = "reverse transfer"
	if err := needKey(op, idempotencyKey); err != nil {
		return Reversal{}, err
	}
	if transferID == "" {
		return Reversal{}, fmt.Errorf("stripe: %s: transfer id is required", op)
	}
	if err := positive(op, amount); err != nil {
		return Reversal{}, err
	}
	a, _, err := toStripeAmount(amount)
	if err != nil {
		return Reversal{}, err
	}
	p := &stripego.TransferReversalParams{ID: stripego.String(transferID), Amount: stripego.Int64(a)}
	if len(metadata) > 0 {
		p.Metadata = copyMetadata(metadata)
	}
	withContext(ctx, &p.Params, idempotencyKey)
	r, err := c.api.TransferReversals.New(p)
	if err != nil {
		return Reversal{}, wrap(op, err)
	}
	return reversalFrom(r, transferID)
}
