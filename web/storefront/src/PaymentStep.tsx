import { errorMessage, formatMoney, type CheckoutResult, type Order } from '@trove/shared'
import { useEffect, useRef, useState } from 'react'
import { confirmSandboxPayment, getOrder, STRIPE_PUBLISHABLE_KEY, type TestPaymentMethod } from './api.ts'

type Phase = 'ready' | 'confirming' | 'polling' | 'done'

/** How many times the order is polled after a confirmation before giving up. */
const MAX_POLLS = 60

/**
 * The order and its payment with the sandbox card form: a test card that
 * succeeds or one that is declined. After a confirmation it polls the order
 * until it is paid or its payment failed.
 */
export function PaymentStep(props: {
  result: CheckoutResult
  cartToken: string
  /** Checks the cart out again (after a failed payment), for a new hold and payment. */
  onRetryCheckout: () => Promise<CheckoutResult>
  onPaid?: (order: Order) => void
  onContinue: () => void
  publishableKey?: string
  pollIntervalMs?: number
}) {
  const {
    result,
    cartToken,
    onRetryCheckout,
    onPaid,
    onContinue,
    publishableKey = STRIPE_PUBLISHABLE_KEY,
    pollIntervalMs = 1500,
  } = props
  const [order, setOrder] = useState<Order>(result.order)
  const [payment, setPayment] = useState(result.payment)
  const [phase, setPhase] = useState<Phase>(result.order.status === 'pending_payment' ? 'ready' : 'done')
  const [error, setError] = useState('')
  const [declined, setDeclined] = useState(false)
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const alive = useRef(true)
  const paidReported = useRef(false)

  useEffect(() => {
    alive.current = true
    return () => {
      alive.current = false
      clearTimeout(timer.current)
    }
  }, [])

  useEffect(() => {
    if (order.status === 'paid' && !paidReported.current) {
      paidReported.current = true
      onPaid?.(order)
    }
  }, [order, onPaid])

  function poll(attempt: number) {
    timer.current = setTimeout(async () => {
      try {
        const next = await getOrder(order.id, cartToken)
        if (!alive.current) return
        setOrder(next)
        if (next.status === 'pending_payment') {
          if (attempt + 1 < MAX_POLLS) poll(attempt + 1)
          else {
            setError('The payment is still being confirmed. Check back in a moment.')
            setPhase('ready')
          }
        } else {
          setPhase(next.status === 'payment_failed' ? 'ready' : 'done')
        }
      } catch (err) {
        if (!alive.current) return
        setError(errorMessage(err))
        setPhase('ready')
      }
    }, pollIntervalMs)
  }

  async function pay(method: TestPaymentMethod) {
    setPhase('confirming')
    setError('')
    try {
      let current = payment
      let status = order.status
      // After a decline the order may have given its stock back: check it,
      // and if its payment failed check the cart out again to hold it anew.
      if (declined || status === 'payment_failed') {
        const fresh = await getOrder(order.id, cartToken)
        setOrder(fresh)
        status = fresh.status
      }
      if (status === 'payment_failed' || !current) {
        const again = await onRetryCheckout()
        setOrder(again.order)
        setPayment(again.payment)
        current = again.payment
        if (!current) {
          setPhase(again.order.status === 'pending_payment' ? 'ready' : 'done')
          return
        }
      }
      await confirmSandboxPayment(current, method, publishableKey)
      if (!alive.current) return
      setDeclined(false)
      setPhase('polling')
      poll(0)
    } catch (err) {
      if (!alive.current) return
      setDeclined(true)
      setError(errorMessage(err))
      setPhase('ready')
    }
  }

  const canPay = (order.status === 'pending_payment' || order.status === 'payment_failed') && phase === 'ready'

  return (
    <section className="card" aria-labelledby="payment-heading">
      <h2 id="payment-heading">Order {order.id}</h2>
      <ul className="lines">
        {order.lines.map((l) => (
          <li key={l.line_no} className="line">
            <span>
              {l.quantity} × {l.title}
              {l.variant_title && <span className="muted"> — {l.variant_title}</span>}
            </span>
            <span>{formatMoney(l.amount)}</span>
          </li>
        ))}
      </ul>
      <p className="totals">
        Total <strong>{formatMoney(order.total)}</strong>
      </p>

      {order.status === 'paid' ? (
        <div role="status" className="success">
          <p>{`Thank you — order ${order.id} is paid.`}</p>
          <button type="button" onClick={onContinue}>
            Continue shopping
          </button>
        </div>
      ) : order.status === 'expired' || order.status === 'canceled' ? (
        <div role="status">
          <p>{`Order ${order.id} is ${order.status}: it was not paid in time and its items went back.`}</p>
          <button type="button" onClick={onContinue}>
            Back to gifts
          </button>
        </div>
      ) : (
        <div className="pay">
          <h3>Payment (sandbox test card)</h3>
          {order.status === 'payment_failed' && <p className="error">The payment failed. You can try again.</p>}
          {order.reserved_until && order.status === 'pending_payment' && (
            <p className="muted">Your items are held until {new Date(order.reserved_until).toLocaleTimeString()}.</p>
          )}
          <div className="pay-buttons">
            <button type="button" className="primary" disabled={!canPay} onClick={() => void pay('pm_card_visa')}>
              Pay with test card (succeeds)
            </button>
            <button type="button" disabled={!canPay} onClick={() => void pay('pm_card_chargeDeclined')}>
              Pay with test card (declined)
            </button>
          </div>
          {phase === 'confirming' && <p className="muted">Paying…</p>}
          {phase === 'polling' && <p role="status">Waiting for the payment to be confirmed…</p>}
        </div>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  )
}
