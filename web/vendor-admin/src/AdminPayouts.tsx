// Operators: payout cycles (with the vendors each skipped and why), running
// one now, and every payout with a retry for what it still lacks.
import { errorMessage, type Payout, type PayoutCycle } from '@trove/shared'
import { useState } from 'react'
import { listPayoutCycles, listPayouts, retryPayout, runPayoutCycle } from './api.ts'
import { ErrorAlert, formatDateTime, Loaded, money, Notice, StatusBadge, useLoad } from './ui.tsx'

export function AdminPayouts() {
  const cycles = useLoad(() => listPayoutCycles())
  const payouts = useLoad(() => listPayouts())
  const reloadAll = () => {
    cycles.reload()
    payouts.reload()
  }
  return (
    <section aria-labelledby="admin-payouts-heading" className="stack">
      <div className="section-head">
        <h2 id="admin-payouts-heading" className="section-title">
          Payouts
        </h2>
        <RunCycleButton onRan={reloadAll} />
      </div>
      <section className="card" aria-labelledby="cycles-heading">
        <h3 id="cycles-heading">Payout cycles</h3>
        <Loaded load={cycles} what="the payout cycles">
          {(list) => (list.length === 0 ? <p className="muted">No cycle has run yet.</p> : <CycleList cycles={list} />)}
        </Loaded>
      </section>
      <section className="card" aria-labelledby="payout-list-heading">
        <h3 id="payout-list-heading">All payouts</h3>
        <Loaded load={payouts} what="the payouts">
          {(list) => (list.length === 0 ? <p className="muted">No payouts yet.</p> : <PayoutTable payouts={list} />)}
        </Loaded>
      </section>
    </section>
  )
}

function RunCycleButton({ onRan }: { onRan: () => void }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  const [result, setResult] = useState('')
  const run = async () => {
    setBusy(true)
    setError('')
    setResult('')
    try {
      const c = await runPayoutCycle()
      setResult(`Cycle run: ${c.payouts} ${c.payouts === 1 ? 'payout' : 'payouts'}, ${c.skipped} skipped.`)
      onRan()
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <div className="actions">
      <button type="button" className="primary" onClick={run} disabled={busy}>
        {busy ? 'Running…' : 'Run payout cycle now'}
      </button>
      {result && <Notice>{result}</Notice>}
      {error && <ErrorAlert>Could not run the cycle: {error}</ErrorAlert>}
    </div>
  )
}

function CycleList({ cycles }: { cycles: readonly PayoutCycle[] }) {
  return (
    <ul className="cycles">
      {cycles.map((c) => (
        <li key={c.id}>
          <p>
            <strong>{formatDateTime(c.started_at)}</strong> · {c.trigger === 'manual' ? `manual, by ${c.started_by}` : 'scheduled'}{' '}
            · {c.payouts} {c.payouts === 1 ? 'payout' : 'payouts'}, {c.skipped} skipped
            {!c.finished_at && <span className="warn"> · not finished</span>}
          </p>
          <p className="muted">
            Cut-off {formatDateTime(c.cutoff)} · <code>{c.id}</code>
          </p>
          {c.skips.length > 0 && (
            <ul className="skips" aria-label={`Vendors skipped in cycle ${c.id}`}>
              {c.skips.map((s) => (
                <li key={s.vendor_id}>
                  <code>{s.vendor_id}</code> ({money(s.balance)}): {s.reason}
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ul>
  )
}

function PayoutTable({ payouts }: { payouts: readonly Payout[] }) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Payout</th>
            <th scope="col">Vendor</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col">Status</th>
            <th scope="col">Xero bill</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {payouts.map((p) => (
            <PayoutRow key={p.id} payout={p} />
          ))}
        </tbody>
      </table>
    </div>
  )
}

function PayoutRow({ payout: p }: { payout: Payout }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  const [started, setStarted] = useState('')
  const retry = async () => {
    setBusy(true)
    setError('')
    setStarted('')
    try {
      const r = await retryPayout(p.id)
      setStarted(`Started: ${r.started}`)
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <tr>
      <td>
        <code>{p.id}</code>
        <div className="muted">{formatDateTime(p.created_at)}</div>
      </td>
      <td>
        <code>{p.vendor_id}</code>
      </td>
      <td className="num">
        {money(p.amount)}
        {p.reversed.amount !== 0 && <div className="muted">{money(p.reversed)} reversed</div>}
      </td>
      <td>
        <StatusBadge status={p.status} />
        {p.failure_reason && <div className="error">{p.failure_reason}</div>}
      </td>
      <td>
        {p.xero_bill_number || '—'}
        {p.xero_bill_status && <div className="muted">{p.xero_bill_status}</div>}
      </td>
      <td>
        <button type="button" onClick={retry} disabled={busy} aria-label={`Retry payout ${p.id}`}>
          {busy ? 'Retrying…' : 'Retry'}
        </button>
        {started && <div className="success" role="status">{started}</div>}
        {error && <ErrorAlert>{error}</ErrorAlert>}
      </td>
    </tr>
  )
}
