// The vendor's money: balances, the payout account (Stripe Connect), payouts
// and what each order earned, and the whole ledger as CSV.
import { errorMessage, type Balance, type PayoutAccountStatus } from '@trove/shared'
import { useState } from 'react'
import {
  getBalances,
  getPayoutAccount,
  LEDGER_CSV_URL,
  listOrderEarnings,
  listVendorPayouts,
  startPayoutOnboarding,
} from './api.ts'
import { browser } from './browser.ts'
import { Link, useSearchParam } from './router.tsx'
import { ErrorAlert, formatDate, Loaded, money, Notice, StatusBadge, useLoad } from './ui.tsx'

export function Finance({ isOwner }: { isOwner: boolean }) {
  const stripe = useSearchParam('stripe')
  return (
    <section aria-labelledby="finance-heading" className="stack">
      <div className="section-head">
        <h2 id="finance-heading" className="section-title">
          Finance
        </h2>
        <a href={LEDGER_CSV_URL} download>
          Download ledger (CSV)
        </a>
      </div>
      {stripe === 'return' && <Notice>Back from Stripe. Your payout account is checked again below.</Notice>}
      {stripe === 'refresh' && <Notice>The Stripe link expired. Start the set-up again below.</Notice>}
      <Balances />
      <PayoutAccountCard isOwner={isOwner} />
      <VendorPayouts />
      <Earnings />
    </section>
  )
}

function Balances() {
  const load = useLoad(() => getBalances())
  return (
    <section className="card" aria-labelledby="balances-heading">
      <h3 id="balances-heading">Balances</h3>
      <Loaded load={load} what="the balances">
        {(balances) =>
          balances.length === 0 ? (
            <p className="muted">Nothing earned yet.</p>
          ) : (
            balances.map((b) => <BalanceView key={b.currency} balance={b} />)
          )
        }
      </Loaded>
    </section>
  )
}

function BalanceView({ balance: b }: { balance: Balance }) {
  return (
    <div className="balance" aria-label={`Balance in ${b.currency}`} role="group">
      <dl className="figures">
        <div>
          <dt>Open</dt>
          <dd>{money(b.open)}</dd>
        </div>
        <div>
          <dt>Due</dt>
          <dd>{money(b.due)}</dd>
        </div>
        <div>
          <dt>On hold</dt>
          <dd>{money(b.on_hold)}</dd>
        </div>
        <div>
          <dt>Paid out</dt>
          <dd>{money(b.paid_out)}</dd>
        </div>
      </dl>
      <p>
        Next payout on <strong>{formatDate(b.next_date)}</strong>, estimated at <strong>{money(b.estimate)}</strong>.
      </p>
    </div>
  )
}

function PayoutAccountCard({ isOwner }: { isOwner: boolean }) {
  const load = useLoad(() => getPayoutAccount())
  return (
    <section className="card" aria-labelledby="account-heading">
      <h3 id="account-heading">Payout account</h3>
      <Loaded load={load} what="the payout account">
        {(status) => <AccountView status={status} isOwner={isOwner} />}
      </Loaded>
    </section>
  )
}

function AccountView({ status, isOwner }: { status: PayoutAccountStatus; isOwner: boolean }) {
  const a = status.account
  if (status.ready && a) {
    return (
      <p className="success">
        Payouts are set up: Stripe account <code>{a.stripe_account_id}</code>.
      </p>
    )
  }
  return (
    <div>
      <p>
        {a
          ? `Stripe still needs ${a.details_submitted ? 'to enable payouts on the account' : 'your details'}.`
          : 'Payouts are not set up yet.'}{' '}
        Earnings wait in your balance until they are.
      </p>
      {isOwner ? <OnboardingButton resume={a !== null} /> : <p className="muted">Ask an owner of your team to set up payouts.</p>}
    </div>
  )
}

/** Gets a Stripe onboarding link and sends the browser there. */
function OnboardingButton({ resume }: { resume: boolean }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  const start = async () => {
    setBusy(true)
    setError('')
    try {
      const link = await startPayoutOnboarding()
      browser.redirect(link.url)
    } catch (err) {
      setError(errorMessage(err))
      setBusy(false)
    }
  }
  return (
    <>
      <button type="button" className="primary" onClick={start} disabled={busy}>
        {busy ? 'Opening Stripe…' : resume ? 'Continue payout set-up with Stripe' : 'Set up payouts with Stripe'}
      </button>
      {error && <ErrorAlert>Could not start the set-up: {error}</ErrorAlert>}
    </>
  )
}

function VendorPayouts() {
  const load = useLoad(() => listVendorPayouts())
  return (
    <section className="card" aria-labelledby="payouts-heading">
      <h3 id="payouts-heading">Payouts</h3>
      <Loaded load={load} what="the payouts">
        {(payouts) =>
          payouts.length === 0 ? (
            <p className="muted">No payouts yet.</p>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Date</th>
                    <th scope="col" className="num">
                      Amount
                    </th>
                    <th scope="col">Status</th>
                    <th scope="col">Xero bill</th>
                    <th scope="col">Bill status</th>
                  </tr>
                </thead>
                <tbody>
                  {payouts.map((p) => (
                    <tr key={p.id}>
                      <td>{formatDate(p.created_at)}</td>
                      <td className="num">
                        {money(p.amount)}
                        {p.reversed.amount !== 0 && <span className="muted"> ({money(p.reversed)} reversed)</span>}
                      </td>
                      <td>
                        <StatusBadge status={p.status} />
                        {p.failure_reason && <span className="error"> {p.failure_reason}</span>}
                      </td>
                      <td>{p.xero_bill_number || '—'}</td>
                      <td>{p.xero_bill_status || '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
    </section>
  )
}

function Earnings() {
  const load = useLoad(() => listOrderEarnings())
  return (
    <section className="card" aria-labelledby="earnings-heading">
      <h3 id="earnings-heading">Earnings per order</h3>
      <Loaded load={load} what="the earnings">
        {(orders) =>
          orders.length === 0 ? (
            <p className="muted">No earnings yet.</p>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Order</th>
                    <th scope="col">Posted</th>
                    <th scope="col" className="num">
                      Sale
                    </th>
                    <th scope="col" className="num">
                      Commission
                    </th>
                    <th scope="col" className="num">
                      Refunds
                    </th>
                    <th scope="col" className="num">
                      Net
                    </th>
                    <th scope="col">Paid</th>
                  </tr>
                </thead>
                <tbody>
                  {orders.map((o) => (
                    <tr key={o.vendor_order_id}>
                      <td>
                        <Link to={`orders/${encodeURIComponent(o.vendor_order_id)}`}>{o.vendor_order_id}</Link>
                      </td>
                      <td>{formatDate(o.first_posted_at)}</td>
                      <td className="num">{money(o.sale)}</td>
                      <td className="num">{money(o.commission)}</td>
                      <td className="num">{money(o.refunds)}</td>
                      <td className="num">
                        <strong>{money(o.net)}</strong>
                      </td>
                      <td>{o.payout_ids.length > 0 ? 'Paid out' : <span className="muted">Open</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
    </section>
  )
}
