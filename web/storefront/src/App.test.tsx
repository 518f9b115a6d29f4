import { fireEvent, render, screen } from '@testing-library/react'
import { fakeFetch, json, requestTo, routeFetch } from '@trove/shared/test/fetch'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { loadCartRef, saveCartRef } from './api.ts'
import { App } from './App.tsx'
import { cart, line, product } from './test/fixtures.ts'

const health = {
  'GET /healthz': () => json(200, { status: 'ok' }),
  'GET /readyz': () => json(200, { status: 'ready' }),
}
const catalog = {
  'GET /api/v1/store/categories': () => json(200, { categories: [] }),
  'GET /api/v1/store/products?sort=newest': () =>
    json(200, { products: [product('prd_1', 'Beeswax candle', 1250)], next_cursor: '' }),
}

afterEach(() => localStorage.clear())

// The system status itself (every probe outcome) is tested once, in
// @trove/shared (HealthStatus.test.tsx); these tests cover the app around it.
describe('App', () => {
  it('shows the app name as the page heading', () => {
    vi.stubGlobal('fetch', fakeFetch({}))
    render(<App />)

    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Trove storefront')
  })

  it('shows the system status in the footer', async () => {
    vi.stubGlobal('fetch', routeFetch({ ...health, ...catalog }))
    render(<App />)

    const status = screen.getByRole('heading', { name: 'System status' })
    expect(status.closest('footer')).not.toBeNull()
    expect(await screen.findByText('API: ok')).toHaveAttribute('data-state', 'up')
    expect(screen.getByText('Database: ready')).toHaveAttribute('data-state', 'up')
  })

  it('adds a product to a new guest cart and keeps its token', async () => {
    const added = cart({ lines: [line({ quantity: 1 })], item_count: 1, subtotal: { amount: 1250, currency: 'USD' } })
    const fetchFn = routeFetch({
      ...health,
      ...catalog,
      'GET /api/v1/store/products/prd_1': () =>
        json(
          200,
          product('prd_1', 'Beeswax candle', 1250, {
            variants: [
              { id: 'var_s', title: 'Small', sku: 'C-S', price: { amount: 1250, currency: 'USD' }, available: 0 },
              { id: 'var_1', title: 'Large', sku: 'C-L', price: { amount: 1250, currency: 'USD' }, available: 5 },
            ],
          }),
        ),
      'POST /api/v1/store/carts': () => json(201, { cart: cart({ lines: [], item_count: 0 }), cart_token: 'tok_new' }),
      'POST /api/v1/store/carts/crt_1/lines': () => json(200, added),
    })
    vi.stubGlobal('fetch', fetchFn)
    render(<App />)

    fireEvent.click(await screen.findByRole('button', { name: /Beeswax candle/ }))
    // The first variant in stock is chosen.
    expect(await screen.findByRole('radio', { name: /Large/ })).toBeChecked()
    fireEvent.click(screen.getByRole('button', { name: 'Add to cart' }))

    expect(await screen.findByText('Added to your cart.')).toBeInTheDocument()
    expect(loadCartRef()).toEqual({ id: 'crt_1', token: 'tok_new' })
    const add = requestTo(fetchFn, 'POST /api/v1/store/carts/crt_1/lines')
    expect(add.headers.get('X-Cart-Token')).toBe('tok_new')
    expect(JSON.parse(add.body)).toEqual({ variant_id: 'var_1', quantity: 1 })

    fireEvent.click(screen.getByRole('button', { name: 'Cart (1)' }))
    expect(await screen.findByRole('heading', { name: 'Your cart' })).toBeInTheDocument()
    expect(screen.getByText('Beeswax candle')).toBeInTheDocument()
  })

  it('loads the stored cart with its token', async () => {
    saveCartRef({ id: 'crt_1', token: 'tok_kept' })
    const fetchFn = routeFetch({
      ...health,
      ...catalog,
      'GET /api/v1/store/carts/crt_1': () => json(200, cart({ item_count: 2 })),
    })
    vi.stubGlobal('fetch', fetchFn)
    render(<App />)

    expect(await screen.findByRole('button', { name: 'Cart (2)' })).toBeInTheDocument()
    expect(requestTo(fetchFn, 'GET /api/v1/store/carts/crt_1').headers.get('X-Cart-Token')).toBe('tok_kept')
  })

  it('forgets a stored cart the API no longer knows', async () => {
    saveCartRef({ id: 'crt_gone', token: 'tok_old' })
    vi.stubGlobal(
      'fetch',
      routeFetch({
        ...health,
        ...catalog,
        'GET /api/v1/store/carts/crt_gone': () =>
          json(404, { title: 'Not Found', status: 404, detail: 'no such cart' }, 'application/problem+json'),
      }),
    )
    render(<App />)

    await vi.waitFor(() => expect(loadCartRef()).toBeNull())
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
  })
})
