import { render, screen } from '@testing-library/react'
import { fakeFetch, json } from '@trove/shared/test/fetch'
import { describe, expect, it, vi } from 'vitest'
import { App } from './App.tsx'

// The system status itself (every probe outcome) is tested once, in
// @trove/shared (HealthStatus.test.tsx); these tests cover the app around it:
// its name, its links and routes under /vendor/.
describe('App', () => {
  it('shows the app name as the page heading', () => {
    vi.stubGlobal('fetch', fakeFetch({}))
    render(<App pathname="/vendor/" />)

    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Trove vendor admin')
  })

  it('links the overview under /vendor/ and marks it current', () => {
    vi.stubGlobal('fetch', fakeFetch({}))
    render(<App pathname="/vendor/" />)

    const link = screen.getByRole('link', { name: 'Overview' })
    expect(link).toHaveAttribute('href', '/vendor/')
    expect(link).toHaveAttribute('aria-current', 'page')
  })

  it('shows the system status on the overview, fetched from the site root', async () => {
    const fetchFn = fakeFetch({
      '/healthz': () => json(200, { status: 'ok' }),
      '/readyz': () => json(200, { status: 'ready' }),
    })
    vi.stubGlobal('fetch', fetchFn)
    render(<App pathname="/vendor/" />)

    expect(await screen.findByText('API: ok')).toHaveAttribute('data-state', 'up')
    expect(screen.getByText('Database: ready')).toHaveAttribute('data-state', 'up')
    // Not /vendor/healthz: the health endpoints live at the root.
    expect(fetchFn).toHaveBeenCalledWith('/healthz', expect.anything())
    expect(fetchFn).toHaveBeenCalledWith('/readyz', expect.anything())
  })

  it('answers an unknown deep link with a not-found page linking back', () => {
    const fetchFn = fakeFetch({})
    vi.stubGlobal('fetch', fetchFn)
    render(<App pathname="/vendor/orders/42" />)

    expect(screen.getByRole('heading', { name: 'Page not found' })).toBeInTheDocument()
    expect(screen.getByText('/vendor/orders/42')).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'Back to the overview' })).toHaveAttribute(
      'href',
      '/vendor/',
    )
    expect(screen.getByRole('link', { name: 'Overview' })).not.toHaveAttribute('aria-current')
    expect(fetchFn).not.toHaveBeenCalled()
  })
})
