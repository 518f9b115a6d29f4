import { fireEvent, screen, within } from '@testing-library/react'
import { json, problem, requestTo } from '@trove/shared/test/fetch'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { clearCookies, owner, renderAs, setCsrfCookie, vendorOrder } from './test/fixtures.ts'

afterEach(() => {
  clearCookies()
  window.history.replaceState(null, '', '/')
})

const list = {
  'GET /api/v1/vendor/orders': () =>
    json(200, { items: [vendorOrder(), vendorOrder({ id: 'vo_2', order_id: 'ord_2', status: 'shipped' })], next_cursor: 'c2' }),
}

describe('Orders', () => {
  it('lists orders, filters by status and loads more', async () => {
    const fetchFn = renderAs(owner, '/vendor/orders', {
      ...list,
      'GET /api/v1/vendor/orders?status=shipped': () =>
        json(200, { items: [vendorOrder({ id: 'vo_2', status: 'shipped' })], next_cursor: null }),
      'GET /api/v1/vendor/orders?cursor=c2': () =>
        json(200, { items: [vendorOrder({ id: 'vo_3', order_id: 'ord_3' })], next_cursor: null }),
    })

    const row = (await screen.findByRole('link', { name: 'vo_1' })).closest('tr')!
    expect(within(row).getByText('ord_1')).toBeInTheDocument()
    expect(within(row).getByText('Rita Recipient')).toBeInTheDocument()
    expect(row).toHaveTextContent('Portland, US')
    expect(row).toHaveTextContent('accepted')
    expect(row).toHaveTextContent('Mar 1, 2025')

    fireEvent.click(screen.getByRole('button', { name: 'Load more' }))
    expect(await screen.findByRole('link', { name: 'vo_3' })).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'vo_1' })).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument()

    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'shipped' } })
    expect(await screen.findByRole('link', { name: 'vo_2' })).toBeInTheDocument()
    expect(screen.queryByRole('link', { name: 'vo_1' })).not.toBeInTheDocument()
    expect(requestTo(fetchFn, 'GET /api/v1/vendor/orders?status=shipped').credentials).toBe('same-origin')
  })

  it('opens an order and ships it with tracking, sending the CSRF header', async () => {
    setCsrfCookie('csrf-abc')
    const shipped = vendorOrder({
      status: 'shipped',
      tracking: { carrier: 'UPS', number: '1Z999', url: 'https://ups.test/1Z999' },
      shipped_at: '2025-03-02T09:00:00Z',
    })
    const fetchFn = renderAs(owner, '/vendor/orders', {
      ...list,
      'GET /api/v1/vendor/orders/vo_1': () => json(200, vendorOrder()),
      'POST /api/v1/vendor/orders/vo_1/fulfilment': () => json(200, shipped),
    })

    fireEvent.click(await screen.findByRole('link', { name: 'vo_1' }))

    expect(await screen.findByRole('heading', { name: 'Order vo_1' })).toBeInTheDocument()
    expect(window.location.pathname).toBe('/vendor/orders/vo_1')
    const lines = screen.getByRole('table')
    expect(within(lines).getByText('CANDLE-L')).toBeInTheDocument()
    expect(within(lines).getByText('Beeswax candle')).toBeInTheDocument()
    expect(within(lines).getByText('Large')).toBeInTheDocument()
    expect(screen.getByText('Happy birthday!')).toBeInTheDocument()
    expect(screen.getByText('#1001')).toBeInTheDocument()
    expect(screen.getByText('1 Main St')).toBeInTheDocument()

    const select = screen.getByLabelText('New status')
    expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'Packed',
      'Shipped',
      'Delivered',
      'Cancelled',
    ])
    fireEvent.change(select, { target: { value: 'shipped' } })
    fireEvent.change(screen.getByLabelText('Carrier'), { target: { value: 'UPS' } })
    fireEvent.change(screen.getByLabelText('Tracking number'), { target: { value: ' 1Z999 ' } })
    fireEvent.change(screen.getByLabelText('Tracking URL'), { target: { value: 'https://ups.test/1Z999' } })
    fireEvent.click(screen.getByRole('button', { name: 'Update status' }))

    expect(await screen.findByText('Marked shipped.')).toBeInTheDocument()
    const req = requestTo(fetchFn, 'POST /api/v1/vendor/orders/vo_1/fulfilment')
    expect(JSON.parse(req.body)).toEqual({
      status: 'shipped',
      tracking: { carrier: 'UPS', number: '1Z999', url: 'https://ups.test/1Z999' },
    })
    expect(req.headers.get('X-CSRF-Token')).toBe('csrf-abc')
    expect(req.headers.get('Content-Type')).toBe('application/json')
    expect(req.credentials).toBe('same-origin')
    expect(screen.getByRole('link', { name: 'Track the parcel' })).toHaveAttribute('href', 'https://ups.test/1Z999')
  })

  it("shows a refused move's problem detail", async () => {
    renderAs(owner, '/vendor/orders/vo_1', {
      'GET /api/v1/vendor/orders/vo_1': () => json(200, vendorOrder({ status: 'packed' })),
      'POST /api/v1/vendor/orders/vo_1/fulfilment': () =>
        problem(409, { title: 'Conflict', detail: 'the order was shipped in Shopify meanwhile' }),
    })

    fireEvent.change(await screen.findByLabelText('New status'), { target: { value: 'cancelled' } })
    expect(screen.queryByLabelText('Carrier')).not.toBeInTheDocument()
    fireEvent.click(screen.getByRole('button', { name: 'Cancel the order' }))

    expect(await screen.findByRole('alert')).toHaveTextContent('the order was shipped in Shopify meanwhile')
  })

  it('offers no moves for a delivered order', async () => {
    renderAs(owner, '/vendor/orders/vo_1', {
      'GET /api/v1/vendor/orders/vo_1': () => json(200, vendorOrder({ status: 'delivered' })),
    })

    expect(await screen.findByText(/nothing more to do/)).toBeInTheDocument()
    expect(screen.queryByLabelText('New status')).not.toBeInTheDocument()
  })

  it('opens the packing manifest the API links to', async () => {
    const open = vi.fn(() => ({}) as Window)
    vi.stubGlobal('open', open)
    renderAs(owner, '/vendor/orders/vo_1', {
      'GET /api/v1/vendor/orders/vo_1': () => json(200, vendorOrder()),
      'GET /api/v1/vendor/orders/vo_1/manifest': () =>
        json(200, { url: 'https://files.test/manifest.pdf?sig=1', expires_at: '2025-03-01T11:00:00Z' }),
    })

    fireEvent.click(await screen.findByRole('button', { name: 'Download packing manifest' }))

    await vi.waitFor(() => expect(open).toHaveBeenCalledWith('https://files.test/manifest.pdf?sig=1', '_blank'))
  })

  it("says so when today's manifests find no open order", async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2025-03-05T12:00:00Z'))
    try {
      const fetchFn = renderAs(owner, '/vendor/orders', {
        ...list,
        'POST /api/v1/vendor/manifests/batch': () => problem(404, { detail: 'no open orders on 2025-03-05' }),
      })

      fireEvent.click(await screen.findByRole('button', { name: "Today's manifests" }))

      expect(await screen.findByText('No open orders today.')).toBeInTheDocument()
      expect(JSON.parse(requestTo(fetchFn, 'POST /api/v1/vendor/manifests/batch').body)).toEqual({ date: '2025-03-05' })
    } finally {
      vi.useRealTimers()
    }
  })

  it("opens today's manifests", async () => {
    const open = vi.fn(() => ({}) as Window)
    vi.stubGlobal('open', open)
    renderAs(owner, '/vendor/orders', {
      ...list,
      'POST /api/v1/vendor/manifests/batch': () =>
        json(200, { url: 'https://files.test/batch.pdf', expires_at: '2025-03-05T13:00:00Z', orders: 2, date: '2025-03-05' }),
    })

    fireEvent.click(await screen.findByRole('button', { name: "Today's manifests" }))

    expect(await screen.findByText(/Manifests of 2 orders/)).toBeInTheDocument()
    expect(open).toHaveBeenCalledWith('https://files.test/batch.pdf', '_blank')
  })
})
