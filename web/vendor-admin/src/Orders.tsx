// The vendor's orders: a status filter, a page at a time ("Load more"), and
// the day's packing manifests in one PDF.
import { ApiError, errorMessage, type VendorOrder, type VendorOrderStatus } from '@trove/shared'
import { useEffect, useState } from 'react'
import { createManifestBatch, listVendorOrders } from './api.ts'
import { browser } from './browser.ts'
import { Link } from './router.tsx'
import { ErrorAlert, formatDate, Loading, Notice, StatusBadge, todayUTC } from './ui.tsx'

/** The statuses a paid vendor order can have: the list's filter. */
export const ORDER_STATUSES = ['accepted', 'packed', 'shipped', 'delivered', 'cancelled'] as const satisfies readonly VendorOrderStatus[]

interface Listing {
  readonly items: readonly VendorOrder[]
  readonly next: string | null
}

export function Orders() {
  const [status, setStatus] = useState('')
  const [listing, setListing] = useState<Listing | null>(null)
  const [error, setError] = useState('')
  const [loadingMore, setLoadingMore] = useState(false)

  useEffect(() => {
    let live = true
    setListing(null)
    setError('')
    listVendorOrders({ status }).then(
      (page) => live && setListing({ items: page.items, next: page.next_cursor || null }),
      (err: unknown) => live && setError(errorMessage(err)),
    )
    return () => {
      live = false
    }
  }, [status])

  const loadMore = async () => {
    if (!listing?.next) return
    setLoadingMore(true)
    setError('')
    try {
      const page = await listVendorOrders({ status, cursor: listing.next })
      setListing({ items: [...listing.items, ...page.items], next: page.next_cursor || null })
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setLoadingMore(false)
    }
  }

  return (
    <section aria-labelledby="orders-heading">
      <div className="section-head">
        <h2 id="orders-heading" className="section-title">
          Orders
        </h2>
        <TodaysManifests />
      </div>
      <div className="filters">
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">All</option>
            {ORDER_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && <ErrorAlert>Could not load the orders: {error}</ErrorAlert>}
      {!listing && !error && <Loading what="orders" />}
      {listing && <OrderTable orders={listing.items} />}
      {listing?.next && (
        <p>
          <button type="button" onClick={loadMore} disabled={loadingMore}>
            {loadingMore ? 'Loading…' : 'Load more'}
          </button>
        </p>
      )}
    </section>
  )
}

function OrderTable({ orders }: { orders: readonly VendorOrder[] }) {
  if (orders.length === 0) return <p className="muted">No orders.</p>
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Reference</th>
            <th scope="col">Order</th>
            <th scope="col">Recipient</th>
            <th scope="col">Status</th>
            <th scope="col">Accepted</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((o) => (
            <tr key={o.id}>
              <td>
                <Link to={`orders/${encodeURIComponent(o.id)}`}>{o.id}</Link>
              </td>
              <td>
                <code>{o.order_id}</code>
              </td>
              <td>
                {o.recipient.name}
                <span className="muted">
                  {' '}
                  · {[o.recipient.city, o.recipient.country].filter(Boolean).join(', ')}
                </span>
              </td>
              <td>
                <StatusBadge status={o.status} />
              </td>
              <td>{formatDate(o.accepted_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** "Today's manifests": one PDF of the open orders accepted today (UTC). */
function TodaysManifests() {
  const [busy, setBusy] = useState(false)
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string; url?: string } | null>(null)

  const run = async () => {
    setBusy(true)
    setMessage(null)
    try {
      const batch = await createManifestBatch(todayUTC())
      const opened = browser.open(batch.url)
      setMessage({
        kind: 'ok',
        text: `Manifests of ${batch.orders} ${batch.orders === 1 ? 'order' : 'orders'} for ${batch.date}.`,
        url: opened ? undefined : batch.url,
      })
    } catch (err) {
      const text = err instanceof ApiError && err.status === 404 ? 'No open orders today.' : errorMessage(err)
      setMessage({ kind: err instanceof ApiError && err.status === 404 ? 'ok' : 'error', text })
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="actions">
      <button type="button" onClick={run} disabled={busy}>
        {busy ? 'Preparing…' : "Today's manifests"}
      </button>
      {message?.kind === 'error' && <ErrorAlert>{message.text}</ErrorAlert>}
      {message?.kind === 'ok' && (
        <Notice>
          {message.text}{' '}
          {message.url && (
            <a href={message.url} target="_blank" rel="noopener noreferrer">
              Open the manifests
            </a>
          )}
        </Notice>
      )}
    </div>
  )
}
