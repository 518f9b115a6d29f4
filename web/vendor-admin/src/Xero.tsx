// Operators: the platform's Xero connection: its state, connecting (Xero's
// consent page), and choosing the organisation when several were granted.
import { errorMessage, type XeroConnection } from '@trove/shared'
import { useState, type FormEvent } from 'react'
import { chooseXeroTenant, connectXero, getXero } from './api.ts'
import { browser } from './browser.ts'
import { useSearchParam } from './router.tsx'
import { ErrorAlert, formatDateTime, Loaded, Notice, StatusBadge, useLoad } from './ui.tsx'

export function Xero() {
  const connected = useSearchParam('xero') === 'connected'
  const load = useLoad(() => getXero())
  return (
    <section aria-labelledby="xero-heading" className="stack">
      <h2 id="xero-heading" className="section-title">
        Xero
      </h2>
      {connected && <Notice>Xero connected.</Notice>}
      <div className="card">
        <Loaded load={load} what="the Xero connection">
          {(conn) => <ConnectionView conn={conn} onChange={load.set} />}
        </Loaded>
      </div>
    </section>
  )
}

function ConnectionView({ conn, onChange }: { conn: XeroConnection; onChange: (c: XeroConnection) => void }) {
  return (
    <>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={conn.status} />
        </dd>
        <dt>Organisation</dt>
        <dd>{conn.tenant_name || <span className="muted">None chosen</span>}</dd>
        <dt>Connected</dt>
        <dd>{formatDateTime(conn.connected_at)}</dd>
        <dt>Tokens refreshed</dt>
        <dd>{formatDateTime(conn.refreshed_at)}</dd>
      </dl>
      {conn.last_error && <ErrorAlert>Last error: {conn.last_error}</ErrorAlert>}
      {conn.status === 'choose_tenant' && <TenantForm conn={conn} onChosen={onChange} />}
      <ConnectButton again={conn.status !== 'none'} />
    </>
  )
}

function ConnectButton({ again }: { again: boolean }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  const connect = async () => {
    setBusy(true)
    setError('')
    try {
      const { authorize_url } = await connectXero()
      browser.redirect(authorize_url)
    } catch (err) {
      setError(errorMessage(err))
      setBusy(false)
    }
  }
  return (
    <div className="actions">
      <button type="button" className={again ? '' : 'primary'} onClick={connect} disabled={busy}>
        {busy ? 'Opening Xero…' : again ? 'Reconnect Xero' : 'Connect Xero'}
      </button>
      {error && <ErrorAlert>Could not start connecting: {error}</ErrorAlert>}
    </div>
  )
}

function TenantForm({ conn, onChosen }: { conn: XeroConnection; onChosen: (c: XeroConnection) => void }) {
  const tenants = conn.tenants
  const [tenant, setTenant] = useState(tenants[0]?.id ?? '')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError('')
    try {
      onChosen(await chooseXeroTenant(tenant))
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <form onSubmit={submit} className="tenant-form">
      <p>Xero granted more than one organisation. Choose the one Trove books into.</p>
      <label>
        Organisation
        <select value={tenant} onChange={(e) => setTenant(e.target.value)} required>
          {tenants.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      </label>
      {error && <ErrorAlert>{error}</ErrorAlert>}
      <button type="submit" className="primary" disabled={busy || !tenant}>
        {busy ? 'Saving…' : 'Use this organisation'}
      </button>
    </form>
  )
}
