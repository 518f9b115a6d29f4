// One vendor order: what to pack, where it goes, and its fulfilment.
import { errorMessage, type VendorOrder } from '@trove/shared'
import { useState } from 'react'
import { getManifest, getVendorOrder } from './api.ts'
import { browser } from './browser.ts'
import { FulfilmentForm } from './FulfilmentForm.tsx'
import { Link } from './router.tsx'
import { ErrorAlert, formatDate, formatDateTime, Loaded, StatusBadge, useLoad } from './ui.tsx'

export function OrderDetail({ id }: { id: string }) {
  const load = useLoad(() => getVendorOrder(id), id)
  return (
    <section aria-labelledby="order-heading">
      <p>
        <Link to="orders">← All orders</Link>
      </p>
      <h2 id="order-heading" className="section-title">
        Order {id}
      </h2>
      <Loaded load={load} what="the order">
        {(order) => <OrderView order={order} onChange={load.set} />}
      </Loaded>
    </section>
  )
}

function OrderView({ order, onChange }: { order: VendorOrder; onChange: (o: VendorOrder) => void }) {
  return (
    <div className="stack">
      <div className="card">
        <dl className="facts">
          <dt>Status</dt>
          <dd>
            <StatusBadge status={order.status} />
          </dd>
          <dt>Order</dt>
          <dd>
            <code>{order.order_id}</code>
          </dd>
          <dt>Accepted</dt>
          <dd>{formatDateTime(order.accepted_at)}</dd>
          <dt>Shopify order</dt>
          <dd>{order.shopify_order ? order.shopify_order.name : <span className="muted">Not handed off yet</span>}</dd>
          {order.delivery_date && (
            <>
              <dt>Deliver by</dt>
              <dd>{formatDate(order.delivery_date)}</dd>
            </>
          )}
        </dl>
        <ManifestButton id={order.id} />
      </div>
      <Lines order={order} />
      <div className="columns">
        <Recipient order={order} />
        <TrackingView order={order} />
      </div>
      <FulfilmentForm order={order} onUpdated={onChange} />
    </div>
  )
}

function Lines({ order }: { order: VendorOrder }) {
  return (
    <section className="card" aria-labelledby="lines-heading">
      <h3 id="lines-heading">Items to pack</h3>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">SKU</th>
              <th scope="col">Item</th>
              <th scope="col">Variant</th>
              <th scope="col" className="num">
                Quantity
              </th>
              <th scope="col" className="num">
                Refunded
              </th>
            </tr>
          </thead>
          <tbody>
            {order.lines.map((l) => (
              <tr key={l.id}>
                <td>
                  <code>{l.sku || '—'}</code>
                </td>
                <td>{l.title}</td>
                <td>{l.variant_title || '—'}</td>
                <td className="num">{l.quantity}</td>
                <td className="num">{l.refunded_quantity > 0 ? <strong>{l.refunded_quantity}</strong> : 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}

function Recipient({ order }: { order: VendorOrder }) {
  const r = order.recipient
  return (
    <section className="card" aria-labelledby="recipient-heading">
      <h3 id="recipient-heading">Recipient</h3>
      <address>
        {r.name}
        {r.address_lines.map((l, i) => (
          <span key={i}>
            <br />
            {l}
          </span>
        ))}
        <br />
        {[r.city, r.region, r.postal_code].filter(Boolean).join(', ')}
        <br />
        {r.country}
      </address>
      <h3>Gift message</h3>
      {order.gift_message ? <blockquote className="gift">{order.gift_message}</blockquote> : <p className="muted">None.</p>}
    </section>
  )
}

function TrackingView({ order }: { order: VendorOrder }) {
  const t = order.tracking
  const any = t.carrier || t.number || t.url
  return (
    <section className="card" aria-labelledby="tracking-heading">
      <h3 id="tracking-heading">Tracking</h3>
      {any ? (
        <dl className="facts">
          <dt>Carrier</dt>
          <dd>{t.carrier || '—'}</dd>
          <dt>Number</dt>
          <dd>{t.number || '—'}</dd>
          {t.url && (
            <>
              <dt>Link</dt>
              <dd>
                <a href={t.url} target="_blank" rel="noopener noreferrer">
                  Track the parcel
                </a>
              </dd>
            </>
          )}
        </dl>
      ) : (
        <p className="muted">No tracking yet.</p>
      )}
      <p className="muted">
        Shipped {formatDateTime(order.shipped_at)} · Delivered {formatDateTime(order.delivered_at)}
      </p>
    </section>
  )
}

/** Fetches a fresh short-lived link to the packing manifest and opens it. */
function ManifestButton({ id }: { id: string }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  const [blockedUrl, setBlockedUrl] = useState('')

  const open = async () => {
    setBusy(true)
    setError('')
    setBlockedUrl('')
    try {
      const link = await getManifest(id)
      if (!browser.open(link.url)) setBlockedUrl(link.url)
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="actions">
      <button type="button" onClick={open} disabled={busy}>
        {busy ? 'Preparing…' : 'Download packing manifest'}
      </button>
      {blockedUrl && (
        <a href={blockedUrl} target="_blank" rel="noopener noreferrer">
          Open the manifest
        </a>
      )}
      {error && <ErrorAlert>Could not get the manifest: {error}</ErrorAlert>}
    </div>
  )
}
