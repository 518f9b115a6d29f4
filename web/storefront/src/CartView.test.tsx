import { fireEvent, render, screen, within } from '@testing-library/react'
import type { Cart } from '@trove/shared'
import { json, routeFetch } from '@trove/shared/test/fetch'
import { describe, expect, it, vi } from 'vitest'
import { CartView } from './CartView.tsx'
import { cart, line, order } from './test/fixtures.ts'

const ref = { id: 'crt_1', token: 'tok_secret' }

function renderCart(c: Cart, handlers: { onCart?: (c: Cart) => void; onCheckedOut?: () => void } = {}) {
  return render(
    <CartView
      cartRef={ref}
      cart={c}
      onCart={handlers.onCart ?? (() => {})}
      onCheckedOut={handlers.onCheckedOut ?? (() => {})}
      onBrowse={() => {}}
    />,
  )
}

describe('CartView', () => {
  it('shows each line with its problems and the totals', () => {
    vi.stubGlobal('fetch', routeFetch({}))
    renderCart(
      cart({
        lines: [
          line({
            id: 'cl_1',
            problems: [{ code: 'insufficient_stock', message: 'Only 1 left: lower the quantity.' }],
          }),
          line({ id: 'cl_2', title: 'Tea towel', variant_title: '', problems: [] }),
        ],
        item_count: 4,
        subtotal: { amount: 5000, currency: 'USD' },
        ready_for_checkout: false,
      }),
    )

    const problems = screen.getByRole('list', { name: 'Problems with Beeswax candle' })
    expect(within(problems).getByText('Only 1 left: lower the quantity.')).toHaveAttribute(
      'data-code',
      'insufficient_stock',
    )
    expect(screen.queryByRole('list', { name: 'Problems with Tea towel' })).not.toBeInTheDocument()
    expect(screen.getByText('$50.00')).toBeInTheDocument()
    expect(screen.getByLabelText('Email (for the receipt)')).toHaveValue('buyer@example.com')
    expect(screen.getByLabelText('City')).toHaveValue('Springfield')
  })

  it('shows a cart problem next to its field', () => {
    vi.stubGlobal('fetch', routeFetch({}))
    renderCart(
      cart({
        email: '',
        problems: [{ code: 'email_required', message: 'Give an email for the receipt.', field: 'email' }],
      }),
    )

    expect(screen.getByLabelText('Email (for the receipt)')).toHaveAccessibleDescription(
      'Give an email for the receipt.',
    )
  })

  it('shows a total too large for one payment among the cart problems', () => {
    vi.stubGlobal('fetch', routeFetch({}))
    const message = "the cart's total would be USD 1000000.00, more than one payment can be (at most USD 999999.99): lower a quantity or remove a line"
    renderCart(cart({ ready_for_checkout: false, problems: [{ code: 'total_too_large', message, field: 'lines' }] }))

    expect(within(screen.getByRole('list', { name: 'Cart problems' })).getByText(message)).toBeInTheDocument()
  })

  it('changes a quantity and removes a line with the cart token', async () => {
    const onCart = vi.fn()
    const fetchFn = routeFetch({
      'PATCH /api/v1/store/carts/crt_1/lines/cl_1': () => json(200, cart({ lines: [line({ quantity: 3 })] })),
      'DELETE /api/v1/store/carts/crt_1/lines/cl_1': () => json(200, cart({ lines: [] })),
    })
    vi.stubGlobal('fetch', fetchFn)
    renderCart(cart(), { onCart })

    const qty = screen.getByLabelText('Quantity of Beeswax candle')
    fireEvent.change(qty, { target: { value: '3' } })
    fireEvent.blur(qty)
    await vi.waitFor(() => expect(onCart).toHaveBeenCalledTimes(1))
    expect(JSON.parse(fetchFn.requests[0].body)).toEqual({ quantity: 3 })

    fireEvent.click(screen.getByRole('button', { name: 'Remove' }))
    await vi.waitFor(() => expect(onCart).toHaveBeenCalledTimes(2))
    expect(onCart.mock.lastCall?.[0].lines).toEqual([])
    for (const req of fetchFn.requests) expect(req.headers.get('X-Cart-Token')).toBe('tok_secret')
  })

  it('saves changed details, then checks out with the total shown', async () => {
    const onCheckedOut = vi.fn()
    const result = { order: order(), payment: { payment_intent_id: 'pi_1', client_secret: 'pi_1_secret' } }
    const fetchFn = routeFetch({
      'PATCH /api/v1/store/carts/crt_1': () => json(200, cart({ gift_message: 'Happy birthday!' })),
      'POST /api/v1/store/carts/crt_1/checkout': () => json(201, result),
    })
    vi.stubGlobal('fetch', fetchFn)
    renderCart(cart(), { onCheckedOut })

    fireEvent.change(screen.getByLabelText('Gift message'), { target: { value: 'Happy birthday!' } })
    fireEvent.change(screen.getByLabelText('Country (2 letters)'), { target: { value: 'gb' } })
    fireEvent.click(screen.getByRole('button', { name: 'Checkout' }))

    await vi.waitFor(() => expect(onCheckedOut).toHaveBeenCalledWith(result))
    expect(JSON.parse(fetchFn.requests[0].body)).toEqual({
      email: 'buyer@example.com',
      gift_message: 'Happy birthday!',
      recipient: {
        name: 'Ada Lovelace',
        address_lines: ['1 Main St'],
        city: 'Springfield',
        region: 'IL',
        postal_code: '62701',
        country: 'GB',
      },
    })
    expect(JSON.parse(fetchFn.requests[1].body)).toEqual({
      expected_total: { amount: 2500, currency: 'USD' },
    })
  })

  it('shows the problem detail of a 409 (out of stock)', async () => {
    const onCheckedOut = vi.fn()
    vi.stubGlobal(
      'fetch',
      routeFetch({
        'POST /api/v1/store/carts/crt_1/checkout': () =>
          json(
            409,
            { title: 'Conflict', status: 409, detail: 'Beeswax candle (Large) is out of stock' },
            'application/problem+json',
          ),
      }),
    )
    renderCart(cart(), { onCheckedOut })

    fireEvent.click(screen.getByRole('button', { name: 'Checkout' }))

    expect(await screen.findByRole('alert')).toHaveTextContent('Beeswax candle (Large) is out of stock')
    expect(onCheckedOut).not.toHaveBeenCalled()
    expect(screen.getByRole('button', { name: 'Checkout' })).toBeEnabled()
  })

  it('shows the field errors of a 400 next to their fields', async () => {
    vi.stubGlobal(
      'fetch',
      routeFetch({
        'POST /api/v1/store/carts/crt_1/checkout': () =>
          json(
            400,
            {
              title: 'Bad Request',
              status: 400,
              detail: 'the cart cannot be checked out yet',
              errors: [{ field: 'recipient.postal_code', message: 'is required' }],
            },
            'application/problem+json',
          ),
      }),
    )
    renderCart(cart())

    fireEvent.click(screen.getByRole('button', { name: 'Checkout' }))

    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('the cart cannot be checked out yet')
    expect(alert).toHaveTextContent('recipient.postal_code: is required')
    expect(screen.getByLabelText('Postal code')).toHaveAccessibleDescription('is required')
    expect(screen.getByLabelText('Postal code')).toHaveAttribute('aria-invalid', 'true')
  })
})
