import { errorMessage, formatMoney, type StoreProduct } from '@trove/shared'
import { useEffect, useState } from 'react'
import { getProduct } from './api.ts'

/** One product: its variants to choose from, a quantity and "Add to cart". */
export function ProductDetail(props: {
  productId: string
  onBack: () => void
  onAdd: (variantId: string, quantity: number) => Promise<void>
}) {
  const { productId, onBack, onAdd } = props
  const [product, setProduct] = useState<StoreProduct | null>(null)
  const [variantId, setVariantId] = useState('')
  const [quantity, setQuantity] = useState(1)
  const [error, setError] = useState('')
  const [status, setStatus] = useState('')
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    const controller = new AbortController()
    getProduct(productId, undefined, controller.signal).then(
      (p) => {
        if (controller.signal.aborted) return
        setProduct(p)
        const first = p.variants?.find((v) => v.available > 0) ?? p.variants?.[0]
        setVariantId(first?.id ?? '')
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setError(errorMessage(err))
      },
    )
    return () => controller.abort()
  }, [productId])

  const variant = product?.variants?.find((v) => v.id === variantId)

  async function add() {
    if (!variant) return
    setBusy(true)
    setError('')
    setStatus('')
    try {
      await onAdd(variant.id, quantity)
      setStatus('Added to your cart.')
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="card detail" aria-labelledby="product-heading">
      <button type="button" className="link" onClick={onBack}>
        ← Back to gifts
      </button>
      {!product && !error && <p className="muted">Loading…</p>}
      {product && (
        <>
          <h2 id="product-heading">{product.title}</h2>
          <p className="muted">by {product.vendor.name}</p>
          {product.image_url && <img className="detail-image" src={product.image_url} alt="" />}
          <p>{product.description}</p>
          <fieldset>
            <legend>Choose an option</legend>
            {(product.variants ?? []).map((v) => (
              <label key={v.id} className="check">
                <input
                  type="radio"
                  name="variant"
                  value={v.id}
                  checked={v.id === variantId}
                  onChange={() => setVariantId(v.id)}
                />
                {`${v.title} — ${formatMoney(v.price)}`}
                {v.available === 0 ? ' (out of stock)' : ''}
              </label>
            ))}
          </fieldset>
          <label>
            Quantity
            <input
              type="number"
              min={1}
              max={Math.max(1, variant?.available ?? 1)}
              value={quantity}
              onChange={(e) => setQuantity(Math.max(1, Math.floor(Number(e.target.value)) || 1))}
            />
          </label>
          <button type="button" onClick={add} disabled={busy || !variant || variant.available === 0}>
            Add to cart
          </button>
        </>
      )}
      {status && <p role="status">{status}</p>}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  )
}
