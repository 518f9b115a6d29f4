// Moves a vendor order forward (packed, shipped, delivered, or cancelled)
// and records its tracking. The API refuses backward moves with a 409, whose
// detail is shown as it comes.
import {
  errorMessage,
  type FulfilmentUpdate,
  type Tracking,
  type VendorOrder,
  type VendorOrderStatus,
} from '@trove/shared'
import { useState, type FormEvent } from 'react'
import { updateFulfilment } from './api.ts'
import { ErrorAlert, Notice } from './ui.tsx'

type Target = FulfilmentUpdate['status']

/** The moves that make sense from each status (forward only; cancelling before shipping). */
export function nextStatuses(status: VendorOrderStatus): Target[] {
  switch (status) {
    case 'accepted':
      return ['packed', 'shipped', 'delivered', 'cancelled']
    case 'packed':
      return ['shipped', 'delivered', 'cancelled']
    case 'shipped':
      // Repeating "shipped" keeps the status and corrects the tracking.
      return ['shipped', 'delivered']
    default:
      return []
  }
}

const LABELS: Record<Target, string> = {
  accepted: 'Accepted',
  packed: 'Packed',
  shipped: 'Shipped',
  delivered: 'Delivered',
  cancelled: 'Cancelled',
}

export function FulfilmentForm({ order, onUpdated }: { order: VendorOrder; onUpdated: (o: VendorOrder) => void }) {
  const moves = nextStatuses(order.status)
  const [target, setTarget] = useState<Target | ''>(moves[0] ?? '')
  const [tracking, setTracking] = useState<Tracking>({ carrier: '', number: '', url: '' })
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  const [done, setDone] = useState('')

  if (moves.length === 0) {
    return (
      <section className="card" aria-labelledby="fulfil-heading">
        <h3 id="fulfil-heading">Fulfilment</h3>
        <p className="muted">This order is {order.status}; there is nothing more to do.</p>
      </section>
    )
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (!target) return
    setBusy(true)
    setError('')
    setDone('')
    const t = Object.fromEntries(
      Object.entries(tracking)
        .map(([k, v]) => [k, v.trim()])
        .filter(([, v]) => v !== ''),
    ) as Partial<Tracking>
    const update: FulfilmentUpdate =
      target !== 'cancelled' && Object.keys(t).length > 0 ? { status: target, tracking: t } : { status: target }
    try {
      const updated = await updateFulfilment(order.id, update)
      setDone(`Marked ${updated.status}.`)
      const next = nextStatuses(updated.status)
      setTarget(next[0] ?? '')
      setTracking({ carrier: '', number: '', url: '' })
      onUpdated(updated)
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  const field = (key: keyof Tracking, label: string, type = 'text') => (
    <label>
      {label}
      <input
        type={type}
        value={tracking[key]}
        maxLength={key === 'url' ? 1000 : 100}
        onChange={(e) => setTracking({ ...tracking, [key]: e.target.value })}
      />
    </label>
  )

  return (
    <section className="card" aria-labelledby="fulfil-heading">
      <h3 id="fulfil-heading">Fulfilment</h3>
      <form onSubmit={submit}>
        <label>
          New status
          <select value={target} onChange={(e) => setTarget(e.target.value as Target)}>
            {moves.map((s) => (
              <option key={s} value={s}>
                {s === order.status ? `${LABELS[s]} (update tracking)` : LABELS[s]}
              </option>
            ))}
          </select>
        </label>
        {target !== 'cancelled' && (
          <fieldset>
            <legend>Tracking (optional)</legend>
            {field('carrier', 'Carrier')}
            {field('number', 'Tracking number')}
            {field('url', 'Tracking URL', 'url')}
          </fieldset>
        )}
        {error && <ErrorAlert>{error}</ErrorAlert>}
        {done && <Notice>{done}</Notice>}
        <button type="submit" className={target === 'cancelled' ? '' : 'primary'} disabled={busy || !target}>
          {busy ? 'Saving…' : target === 'cancelled' ? 'Cancel the order' : 'Update status'}
        </button>
      </form>
    </section>
  )
}
