import {
  ApiError,
  errorMessage,
  formatMoney,
  type Cart,
  type CartPatch,
  type CheckoutResult,
  type RecipientInput,
} from '@trove/shared'
import { useState, type FormEvent } from 'react'
import { checkout, removeCartLine, updateCart, updateCartLine, type CartRef } from './api.ts'

interface DetailsForm {
  email: string
  gift_message: string
  name: string
  line1: string
  line2: string
  city: string
  region: string
  postal_code: string
  country: string
  delivery_date: string
}

function formFromCart(cart: Cart): DetailsForm {
  const r = cart.recipient
  return {
    email: cart.email,
    gift_message: cart.gift_message,
    name: r?.name ?? '',
    line1: r?.address_lines[0] ?? '',
    line2: r?.address_lines[1] ?? '',
    city: r?.city ?? '',
    region: r?.region ?? '',
    postal_code: r?.postal_code ?? '',
    country: r?.country ?? '',
    delivery_date: r?.delivery_date ?? '',
  }
}

/** The PATCH body of the form: an empty recipient is none; empty optional fields are left out. */
export function patchFromForm(f: DetailsForm): CartPatch {
  const t = (s: string) => s.trim()
  const lines = [t(f.line1), t(f.line2)].filter((l) => l !== '')
  const recipientFields = [f.name, f.line1, f.line2, f.city, f.region, f.postal_code, f.country, f.delivery_date]
  let recipient: RecipientInput | null = null
  if (recipientFields.some((v) => t(v) !== '')) {
    recipient = {
      name: t(f.name),
      address_lines: lines,
      city: t(f.city),
      region: t(f.region),
      postal_code: t(f.postal_code),
      ...(t(f.country) ? { country: t(f.country).toUpperCase() } : {}),
      ...(f.delivery_date ? { delivery_date: f.delivery_date } : {}),
    }
  }
  return { email: t(f.email), gift_message: f.gift_message, recipient }
}

/**
 * The cart: its lines (quantity, remove, each line's problems), the gift
 * details (email, message, recipient), the totals and "Checkout".
 */
export function CartView(props: {
  cartRef: CartRef | null
  cart: Cart | null
  onCart: (cart: Cart) => void
  onCheckedOut: (result: CheckoutResult) => void
  onBrowse: () => void
}) {
  const { cartRef, cart, onCart, onCheckedOut, onBrowse } = props
  const [form, setForm] = useState<DetailsForm | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError | Error | null>(null)
  const [saved, setSaved] = useState('')

  if (!cart || !cartRef || (cart.lines.length === 0 && cart.status === 'open')) {
    return (
      <section className="card" aria-labelledby="cart-heading">
        <h2 id="cart-heading">Your cart</h2>
        <p>Your cart is empty.</p>
        <button type="button" onClick={onBrowse}>
          Browse gifts
        </button>
      </section>
    )
  }
  const ref = cartRef
  const open = cart.status === 'open'
  const details = form ?? formFromCart(cart)
  const dirty = form !== null

  async function run<T>(action: () => Promise<T>): Promise<T | undefined> {
    setBusy(true)
    setError(null)
    setSaved('')
    try {
      return await action()
    } catch (err) {
      setError(err instanceof Error ? err : new Error(errorMessage(err)))
      return undefined
    } finally {
      setBusy(false)
    }
  }

  const setQuantity = (lineId: string, quantity: number) =>
    run(async () => onCart(await updateCartLine(ref, lineId, { quantity })))
  const remove = (lineId: string) => run(async () => onCart(await removeCartLine(ref, lineId)))

  async function saveDetails(): Promise<Cart> {
    const next = await updateCart(ref, patchFromForm(details))
    onCart(next)
    setForm(null)
    return next
  }

  async function save(e: FormEvent) {
    e.preventDefault()
    if (await run(saveDetails)) setSaved('Details saved.')
  }

  async function startCheckout() {
    const result = await run(async () => {
      const current = dirty ? await saveDetails() : cart
      return checkout(ref, current?.subtotal)
    })
    if (result) onCheckedOut(result)
  }

  const update = (field: keyof DetailsForm) => (e: { target: { value: string } }) =>
    setForm({ ...details, [field]: e.target.value })

  // Field messages: the checkout's 400 errors first, then the cart's own problems.
  const fieldMessage = (field: string): string | undefined =>
    (error instanceof ApiError ? error.fieldError(field) : undefined) ??
    cart.problems.find((p) => p.field === field)?.message

  const field = (label: string, name: keyof DetailsForm, apiField: string, extra: Record<string, unknown> = {}) => {
    const msg = fieldMessage(apiField)
    const id = `cart-${name}`
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <input
          id={id}
          name={name}
          value={details[name]}
          onChange={update(name)}
          disabled={!open}
          aria-invalid={msg ? true : undefined}
          aria-describedby={msg ? `${id}-error` : undefined}
          {...extra}
        />
        {msg && (
          <span id={`${id}-error`} className="field-error">
            {msg}
          </span>
        )}
      </div>
    )
  }

  // The cart's problems not shown beside a form field: those without a field,
  // and a total too large for one payment (its field, lines, has no input).
  const cartProblems = cart.problems.filter((p) => !p.field || p.code === 'total_too_large')

  return (
    <section className="card" aria-labelledby="cart-heading">
      <h2 id="cart-heading">Your cart</h2>
      {!open && (
        <p role="status">
          This cart was checked out{cart.order_id ? ` (order ${cart.order_id})` : ''}.
        </p>
      )}

      <ul className="lines">
        {cart.lines.map((line) => (
          <li key={line.id} className="line" data-testid={`line-${line.id}`}>
            <div className="line-main">
              <strong>{line.title}</strong>
              {line.variant_title && <span className="muted"> — {line.variant_title}</span>}
              {line.vendor && <div className="muted">{line.vendor.name}</div>}
              <div>
                {line.unit_price ? formatMoney(line.unit_price) : 'Not for sale'} each
                {line.line_total && <strong className="line-total">{formatMoney(line.line_total)}</strong>}
              </div>
              {line.problems.length > 0 && (
                <ul className="problems" aria-label={`Problems with ${line.title}`}>
                  {line.problems.map((p) => (
                    <li key={p.code} data-code={p.code} className={p.code === 'price_changed' ? 'warn' : 'error'}>
                      {p.message}
                    </li>
                  ))}
                </ul>
              )}
            </div>
            <div className="line-actions">
              <label>
                Quantity
                <input
                  type="number"
                  min={1}
                  max={1000}
                  defaultValue={line.quantity}
                  key={`${line.id}-${line.quantity}`}
                  disabled={!open || busy}
                  aria-label={`Quantity of ${line.title}`}
                  onBlur={(e) => {
                    const q = Math.floor(Number(e.target.value))
                    if (q >= 1 && q !== line.quantity) void setQuantity(line.id, q)
                  }}
                />
              </label>
              <button type="button" disabled={!open || busy} onClick={() => void remove(line.id)}>
                Remove
              </button>
            </div>
          </li>
        ))}
      </ul>

      <p className="totals">
        {cart.item_count} {cart.item_count === 1 ? 'item' : 'items'} · Subtotal{' '}
        <strong>{cart.subtotal ? formatMoney(cart.subtotal) : '—'}</strong>
      </p>

      {cartProblems.length > 0 && (
        <ul className="problems" aria-label="Cart problems">
          {cartProblems.map((p) => (
            <li key={p.code} className="error">
              {p.message}
            </li>
          ))}
        </ul>
      )}

      <form className="details" onSubmit={save} aria-label="Gift details">
        <h3>Gift details</h3>
        {field('Email (for the receipt)', 'email', 'email', { type: 'email', autoComplete: 'email' })}
        <label htmlFor="cart-gift_message">
          Gift message
          <textarea
            id="cart-gift_message"
            name="gift_message"
            maxLength={1000}
            value={details.gift_message}
            onChange={update('gift_message')}
            disabled={!open}
          />
        </label>
        <fieldset>
          <legend>Recipient</legend>
          {field('Name', 'name', 'recipient.name')}
          {field('Address line 1', 'line1', 'recipient.address_lines')}
          {field('Address line 2', 'line2', 'recipient.address_lines.1')}
          {field('City', 'city', 'recipient.city')}
          {field('Region', 'region', 'recipient.region')}
          {field('Postal code', 'postal_code', 'recipient.postal_code')}
          {field('Country (2 letters)', 'country', 'recipient.country', { maxLength: 2 })}
          {field('Delivery date (optional)', 'delivery_date', 'recipient.delivery_date', { type: 'date' })}
        </fieldset>
        {open && (
          <button type="submit" disabled={busy || !dirty}>
            Save details
          </button>
        )}
      </form>

      {saved && <p role="status">{saved}</p>}
      {error && (
        <div role="alert" className="error">
          <p>{error.message}</p>
          {error instanceof ApiError && error.errors.length > 0 && (
            <ul>
              {error.errors.map((e) => (
                <li key={e.field}>{`${e.field}: ${e.message}`}</li>
              ))}
            </ul>
          )}
        </div>
      )}

      <button type="button" className="primary" disabled={busy} onClick={() => void startCheckout()}>
        {open ? 'Checkout' : 'Continue to payment'}
      </button>
    </section>
  )
}
