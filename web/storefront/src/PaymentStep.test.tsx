import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import type { CheckoutResult } from '@trove/shared'
import { json, routeFetch } from '@trove/shared/test/fetch'
import { describe, expect, it, vi } from 'vitest'
import { PaymentStep } from './PaymentStep.tsx'
import { order } from './test/fixtures.ts'

const result: CheckoutResult = {
  order: order(),
  payment: { payment_intent_id: 'pi_123', client_secret: 'pi_123_secret_abc' },
}
const CONFIRM = 'POST /sandbox/stripe/v1/payment_intents/pi_123/confirm'
const ORDER = 'GET /api/v1/store/orders/ord_1'

function renderStep(extra: Partial<Parameters<typeof PaymentStep>[0]> = {}) {
  return render(
    <PaymentStep
      result={result}
      cartToken="tok_secret"
      onRetryCheckout={async () => result}
      onContinue={() => {}}
      pollIntervalMs={5}
      {...extra}
    />,
  )
}

describe('PaymentStep', () => {
  it('confirms with the test card, polls the order and shows it paid', async () => {
    const statuses = ['pending_payment', 'pending_payment', 'paid'] as const
    let polls = 0
    const fetchFn = routeFetch({
      [CONFIRM]: () => json(200, { id: 'pi_123', status: 'succeeded' }),
      [ORDER]: () => json(200, order({ status: statuses[Math.min(polls++, statuses.length - 1)] })),
    })
    vi.stubGlobal('fetch', fetchFn)
    const onPaid = vi.fn()
    const { container } = renderStep({ onPaid })

    expect(container.querySelector('.totals')).toHaveTextContent('Total $25.00')
    fireEvent.click(screen.getByRole('button', { name: 'Pay with test card (succeeds)' }))

    expect(await screen.findByText('Thank you — order ord_1 is paid.')).toBeInTheDocument()
    expect(polls).toBe(3)
    // onPaid runs in an effect after the render that shows "paid".
    await waitFor(() => expect(onPaid).toHaveBeenCalledOnce())

    const [confirm, ...orderPolls] = fetchFn.requests
    expect(confirm.key).toBe(CONFIRM)
    expect(confirm.headers.get('Content-Type')).toBe('application/x-www-form-urlencoded')
    expect(Object.fromEntries(new URLSearchParams(confirm.body))).toEqual({
      key: 'pk_test_sandbox',
      client_secret: 'pi_123_secret_abc',
      payment_method: 'pm_card_visa',
    })
    // Every order poll carries the cart token.
    for (const poll of orderPolls) {
      expect(poll.key).toBe(ORDER)
      expect(poll.headers.get('X-Cart-Token')).toBe('tok_secret')
    }
  })

  it('shows a decline and lets the buyer pay again', async () => {
    let confirms = 0
    let orderStatus: 'pending_payment' | 'payment_failed' | 'paid' = 'pending_payment'
    const retry = vi.fn(async (): Promise<CheckoutResult> => {
      orderStatus = 'pending_payment'
      return result
    })
    const fetchFn = routeFetch({
      [CONFIRM]: (req) => {
        confirms++
        const method = new URLSearchParams(req.body).get('payment_method')
        if (method === 'pm_card_chargeDeclined') {
          orderStatus = 'payment_failed'
          return json(402, { error: { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' } })
        }
        orderStatus = 'paid'
        return json(200, { id: 'pi_123', status: 'succeeded' })
      },
      [ORDER]: () => json(200, order({ status: orderStatus })),
    })
    vi.stubGlobal('fetch', fetchFn)
    renderStep({ onRetryCheckout: retry })

    fireEvent.click(screen.getByRole('button', { name: 'Pay with test card (declined)' }))

    expect(await screen.findByRole('alert')).toHaveTextContent('Your card was declined.')
    const succeed = screen.getByRole('button', { name: 'Pay with test card (succeeds)' })
    expect(succeed).toBeEnabled()

    fireEvent.click(succeed)

    expect(await screen.findByText('Thank you — order ord_1 is paid.')).toBeInTheDocument()
    expect(confirms).toBe(2)
    // The failed order was checked out again (its stock held anew) before paying.
    expect(retry).toHaveBeenCalledOnce()
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
  })

  it('lets the buyer retry when the order ends payment_failed', async () => {
    vi.stubGlobal(
      'fetch',
      routeFetch({
        [CONFIRM]: () => json(200, { id: 'pi_123', status: 'succeeded' }),
        [ORDER]: () => json(200, order({ status: 'payment_failed' })),
      }),
    )
    renderStep()

    fireEvent.click(screen.getByRole('button', { name: 'Pay with test card (succeeds)' }))

    expect(await screen.findByText('The payment failed. You can try again.')).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Pay with test card (succeeds)' })).toBeEnabled()
  })

  it('shows a paid order without the card form', () => {
    vi.stubGlobal('fetch', routeFetch({}))
    renderStep({ result: { order: order({ status: 'paid' }), payment: null } })

    expect(screen.getByText('Thank you — order ord_1 is paid.')).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: /Pay with test card/ })).not.toBeInTheDocument()
  })
})
