import { render, screen } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { HealthStatus } from './HealthStatus.tsx'
import { fakeFetch, json, problem } from './test/fetch.ts'

describe('HealthStatus', () => {
  it('shows checking while the health requests are in flight', () => {
    vi.stubGlobal('fetch', vi.fn(() => new Promise<Response>(() => {})))
    render(<HealthStatus />)

    expect(screen.getByText('API: checking…')).toBeInTheDocument()
    expect(screen.getByText('Database: checking…')).toBeInTheDocument()
  })

  it('shows a healthy API and a ready database', async () => {
    const fetchFn = fakeFetch({
      '/healthz': () => json(200, { status: 'ok' }),
      '/readyz': () => json(200, { status: 'ready' }),
    })
    vi.stubGlobal('fetch', fetchFn)
    render(<HealthStatus />)

    expect(await screen.findByText('API: ok')).toHaveAttribute('data-state', 'up')
    expect(screen.getByText('Database: ready')).toHaveAttribute('data-state', 'up')
    expect(fetchFn).toHaveBeenCalledWith('/healthz', expect.anything())
    expect(fetchFn).toHaveBeenCalledWith('/readyz', expect.anything())
  })

  it('shows the problem detail when the database is not ready', async () => {
    vi.stubGlobal(
      'fetch',
      fakeFetch({
        '/healthz': () => json(200, { status: 'ok' }),
        '/readyz': () =>
          problem(503, { title: 'Not ready', detail: 'database: connection refused' }),
      }),
    )
    render(<HealthStatus />)

    const line = await screen.findByText('Database: not ready — database: connection refused')
    expect(line).toHaveAttribute('data-state', 'down')
    expect(screen.getByText('API: ok')).toBeInTheDocument()
  })

  it('shows the API as unavailable when it cannot be reached', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new TypeError('Failed to fetch')
      }),
    )
    render(<HealthStatus />)

    expect(
      await screen.findByText('API: unavailable — request failed: Failed to fetch'),
    ).toBeInTheDocument()
    expect(
      screen.getByText('Database: not ready — request failed: Failed to fetch'),
    ).toBeInTheDocument()
  })
})
