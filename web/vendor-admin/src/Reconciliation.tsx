// Operators: each payout's five figures (ledger, payout, Stripe, Xero bill,
// Xero paid) and its verdict, a re-check, and the report as CSV.
import { errorMessage, type ReconciliationReport, type ReconciliationRow } from '@trove/shared'
import { useState } from 'react'
import { checkReconciliation, getReconciliation, RECONCILIATION_CSV_URL } from './api.ts'
import { ErrorAlert, formatDateTime, Loaded, minor, Notice, StatusBadge, useLoad } from './ui.tsx'

export function Reconciliation() {
  const load = useLoad(() => getReconciliation())
  return (
    <section aria-labelledby="recon-heading" className="stack">
      <div className="section-head">
        <h2 id="recon-heading" className="section-title">
          Reconciliation
        </h2>
        <CheckButton onChecked={(report) => (report ? load.set(report) : load.reload())} />
        <a href={RECONCILIATION_CSV_URL} download>
          Download report (CSV)
        </a>
      </div>
      <Loaded load={load} what="the reconciliation report">
        {(report) => <ReportView report={report} />}
      </Loaded>
    </section>
  )
}

function CheckButton({ onChecked }: { onChecked: (report?: ReconciliationReport) => void }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  const [result, setResult] = useState('')
  const check = async () => {
    setBusy(true)
    setError('')
    setResult('')
    try {
      const r = await checkReconciliation()
      setResult(`Checked ${r.checked} ${r.checked === 1 ? 'payout' : 'payouts'}.`)
      onChecked(r.report)
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <div className="actions">
      <button type="button" className="primary" onClick={check} disabled={busy}>
        {busy ? 'Checking…' : 'Check now'}
      </button>
      {result && <Notice>{result}</Notice>}
      {error && <ErrorAlert>Could not check: {error}</ErrorAlert>}
    </div>
  )
}

function ReportView({ report }: { report: ReconciliationReport }) {
  const rows = report.rows
  return (
    <>
      <dl className="summary" aria-label="Reconciliation summary">
        <Count label="Reconciled" n={report.reconciled} state="up" />
        <Count label="Mismatched" n={report.mismatched} state={report.mismatched > 0 ? 'down' : ''} />
        <Count label="Incomplete" n={report.incomplete} state={report.incomplete > 0 ? 'warn' : ''} />
        <Count label="Unchecked" n={report.unchecked} state="" />
      </dl>
      <p className="muted">
        {report.payouts} {report.payouts === 1 ? 'payout' : 'payouts'} in the report. Every figure is net of what came back.
      </p>
      {rows.length === 0 ? <p className="muted">No payouts to reconcile.</p> : <RowTable rows={rows} />}
    </>
  )
}

function Count({ label, n, state }: { label: string; n: number; state: string }) {
  return (
    <div className="summary-item" data-state={state || undefined}>
      <dt>{label}</dt>
      <dd>{n}</dd>
    </div>
  )
}

function RowTable({ rows }: { rows: readonly ReconciliationRow[] }) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Payout</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Ledger
            </th>
            <th scope="col" className="num">
              Payout
            </th>
            <th scope="col" className="num">
              Stripe
            </th>
            <th scope="col" className="num">
              Xero bill
            </th>
            <th scope="col" className="num">
              Xero paid
            </th>
            <th scope="col">Problems</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.payout_id}>
              <td>
                <code>{r.payout_id}</code>
                <div className="muted">
                  <code>{r.vendor_id}</code>
                  {r.xero_bill_number && ` · ${r.xero_bill_number}`}
                </div>
              </td>
              <td>
                <StatusBadge status={r.status} />
              </td>
              <td className="num">{minor(r.ledger_total, r.currency)}</td>
              <td className="num">{minor(r.payout_net, r.currency)}</td>
              <td className="num">{minor(r.stripe_net, r.currency)}</td>
              <td className="num">{minor(r.xero_bill_net, r.currency)}</td>
              <td className="num">{minor(r.xero_paid_net, r.currency)}</td>
              <td>
                {r.problems ? <span className="error">{r.problems}</span> : <span className="muted">None</span>}
                <div className="muted">Checked {formatDateTime(r.checked_at)}</div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
