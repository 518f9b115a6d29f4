import { fireEvent, render, screen, within } from '@testing-library/react'
import { json, problem, requestTo } from '@trove/shared/test/fetch'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { App } from './App.tsx'
import { clearCookies, operator, owner, renderAs, routeFetch, setCsrfCookie, vendorOrder } from './test/fixtures.ts'

const signedOut = { 'GET /api/v1/auth/me': () => problem(401, { title: 'Unauthorized', detail: 'sign in' }) }
const orders = {
  'GET /api/v1/vendor/orders': () => json(200, { items: [vendorOrder()], next_cursor: null }),
}
const adminPayouts = {
  'GET /api/v1/admin/payouts/cycles': () => json(200, { cycles: [] }),
  'GET /api/v1/admin/payouts': () => json(200, { payouts: [] }),
}

afterEach(clearCookies)

function signIn(email: string, password: string) {
  fireEvent.change(screen.getByLabelText('Email'), { target: { value: email } })
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: password } })
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
}

describe('App', () => {
  it('shows the app name as the page heading', async () => {
    vi.stubGlobal('fetch', routeFetch(signedOut))
    render(<App pathname="/vendor/" />)

    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Trove vendor admin')
    await screen.findByRole('heading', { name: 'Sign in' })
  })

  it('shows the sign-in form when /auth/me answers 401', async () => {
    vi.stubGlobal('fetch', routeFetch(signedOut))
    render(<App pathname="/vendor/" />)

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument()
    expect(screen.getByLabelText('Email')).toBeInTheDocument()
    expect(screen.queryByRole('navigation', { name: 'Main' })).not.toBeInTheDocument()
  })

  it('signs a vendor owner in and shows the vendor screens', async () => {
    const fetchFn = routeFetch({
      ...signedOut,
      ...orders,
      'POST /api/v1/auth/login': () =>
        json(200, { expires_at: '2025-03-01T10:15:00Z', csrf_token: 'csrf-1', user: owner }),
    })
    vi.stubGlobal('fetch', fetchFn)
    render(<App pathname="/vendor/" />)

    await screen.findByRole('heading', { name: 'Sign in' })
    signIn(' olive@acme.test ', 'correct horse battery')

    expect(await screen.findByRole('heading', { name: 'Orders' })).toBeInTheDocument()
    const nav = screen.getByRole('navigation', { name: 'Main' })
    expect(within(nav).getByRole('link', { name: 'Orders' })).toHaveAttribute('aria-current', 'page')
    expect(within(nav).getByRole('link', { name: 'Finance' })).toHaveAttribute('href', '/vendor/finance')
    expect(within(nav).queryByRole('link', { name: 'Reconciliation' })).not.toBeInTheDocument()

    const req = requestTo(fetchFn, 'POST /api/v1/auth/login')
    expect(JSON.parse(req.body)).toEqual({ email: 'olive@acme.test', password: 'correct horse battery' })
    expect(req.headers.get('Content-Type')).toBe('application/json')
    expect(req.credentials).toBe('same-origin')
  })

  it('signs an operator in and shows the operator screens', async () => {
    vi.stubGlobal(
      'fetch',
      routeFetch({
        ...signedOut,
        ...adminPayouts,
        'POST /api/v1/auth/login': () =>
          json(200, { expires_at: '2025-03-01T10:15:00Z', csrf_token: 'csrf-1', user: operator }),
      }),
    )
    render(<App pathname="/vendor/" />)

    await screen.findByRole('heading', { name: 'Sign in' })
    signIn('ada@trove.test', 'correct horse battery')

    expect(await screen.findByRole('heading', { name: 'Payouts' })).toBeInTheDocument()
    const nav = screen.getByRole('navigation', { name: 'Main' })
    expect(within(nav).getByRole('link', { name: 'Payouts' })).toHaveAttribute('aria-current', 'page')
    expect(within(nav).getByRole('link', { name: 'Reconciliation' })).toBeInTheDocument()
    expect(within(nav).getByRole('link', { name: 'Xero' })).toBeInTheDocument()
    expect(within(nav).queryByRole('link', { name: 'Orders' })).not.toBeInTheDocument()
  })

  it('shows why a sign-in failed', async () => {
    vi.stubGlobal(
      'fetch',
      routeFetch({
        ...signedOut,
        'POST /api/v1/auth/login': () => problem(401, { title: 'Unauthorized', detail: 'wrong email or password' }),
      }),
    )
    render(<App pathname="/vendor/" />)

    await screen.findByRole('heading', { name: 'Sign in' })
    signIn('olive@acme.test', 'nope')

    expect(await screen.findByRole('alert')).toHaveTextContent('wrong email or password')
  })

  it('signs out with the CSRF header and shows the sign-in form again', async () => {
    setCsrfCookie('csrf-xyz')
    const fetchFn = renderAs(owner, '/vendor/', { ...orders, 'POST /api/v1/auth/logout': () => new Response(null, { status: 204 }) })

    fireEvent.click(await screen.findByRole('button', { name: 'Sign out' }))

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument()
    expect(requestTo(fetchFn, 'POST /api/v1/auth/logout').headers.get('X-CSRF-Token')).toBe('csrf-xyz')
  })

  it('renews an expired access token with the refresh cookie', async () => {
    setCsrfCookie('csrf-old')
    let me = 0
    const fetchFn = routeFetch({
      ...orders,
      'GET /api/v1/auth/me': () => (me++ === 0 ? problem(401, { detail: 'token expired' }) : json(200, owner)),
      'POST /api/v1/auth/refresh': () => json(200, { expires_at: '2025-03-01T10:30:00Z', csrf_token: 'csrf-new' }),
    })
    vi.stubGlobal('fetch', fetchFn)
    render(<App pathname="/vendor/" />)

    expect(await screen.findByRole('heading', { name: 'Orders' })).toBeInTheDocument()
    expect(requestTo(fetchFn, 'POST /api/v1/auth/refresh').headers.get('X-CSRF-Token')).toBe('csrf-old')
  })

  it('shows the system status in the footer', async () => {
    renderAs(owner, '/vendor/', orders)

    const status = await screen.findByText('API: ok')
    expect(status).toHaveAttribute('data-state', 'up')
    expect(status.closest('footer')).not.toBeNull()
    expect(screen.getByText('Database: ready')).toHaveAttribute('data-state', 'up')
  })

  it('answers an unknown deep link with a not-found page linking back', async () => {
    renderAs(owner, '/vendor/nowhere/42', {})

    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument()
    expect(screen.getByText('/vendor/nowhere/42')).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'Back to the start' })).toHaveAttribute('href', '/vendor/')
    expect(screen.getByRole('link', { name: 'Orders' })).not.toHaveAttribute('aria-current')
  })

  it('does not show operator screens to vendors', async () => {
    renderAs(owner, '/vendor/reconciliation', {})

    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument()
  })
})

describe('session renewal', () => {
  it('refreshes once for requests that fail together', async () => {
    setCsrfCookie('csrf-old')
    let expired = true
    const gate = (body: () => Response) => () =>
      expired ? problem(401, { detail: 'token expired' }) : body()
    let refreshes = 0
    const fetchFn = routeFetch({
      'GET /api/v1/auth/me': () => json(200, owner),
      'GET /api/v1/vendor/finance/balance': gate(() => json(200, { balances: [] })),
      'GET /api/v1/vendor/finance/payouts': gate(() => json(200, { payouts: [] })),
      'GET /api/v1/vendor/finance/orders': gate(() => json(200, { orders: [] })),
      'GET /api/v1/vendor/finance/account': gate(() => json(200, { ready: false, account: null })),
      'POST /api/v1/auth/refresh': async () => {
        refreshes++
        await new Promise((r) => setTimeout(r, 10))
        expired = false
        return json(200, { expires_at: '2025-03-01T10:30:00Z', csrf_token: 'csrf-new' })
      },
    })
    vi.stubGlobal('fetch', fetchFn)
    render(<App pathname="/vendor/finance" />)

    expect(await screen.findByText('Nothing earned yet.')).toBeInTheDocument()
    expect(await screen.findByText('No earnings yet.')).toBeInTheDocument()
    expect(refreshes).toBe(1)
  })
})
