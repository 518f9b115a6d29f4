import { describe, expect, it, vi } from 'vitest'
import { fetchHealth, probe } from './health.ts'
import { fakeFetch, json, problem } from './test/fetch.ts'

describe('fetchHealth', () => {
  it('reports ok and ready when both endpoints answer 200', async () => {
    const fetchFn = fakeFetch({
      '/healthz': () => json(200, { status: 'ok' }),
      '/readyz': () => json(200, { status: 'ready' }),
    })

    const health = await fetchHealth(fetchFn)

    expect(health).toEqual({
      api: { state: 'up', status: 'ok' },
      database: { state: 'up', status: 'ready' },
    })
    // Absolute paths from the site root, never under the app's base path.
    expect(fetchFn.mock.calls.map(([path]) => path).sort()).toEqual(['/healthz', '/readyz'])
  })

  it('reports the problem detail when /readyz answers 503 problem+json', async () => {
    const fetchFn = fakeFetch({
      '/healthz': () => json(200, { status: 'ok' }),
      '/readyz': () =>
        problem(503, { title: 'Not ready', detail: 'database: connection refused' }),
    })

    const health = await fetchHealth(fetchFn)

    expect(health.api).toEqual({ state: 'up', status: 'ok' })
    expect(health.database).toEqual({ state: 'down', reason: 'database: connection refused' })
  })

  it('passes the abort signal to every request', async () => {
    const fetchFn = fakeFetch({
      '/healthz': () => json(200, { status: 'ok' }),
      '/readyz': () => json(200, { status: 'ready' }),
    })
    const controller = new AbortController()

    await fetchHealth(fetchFn, controller.signal)

    for (const [, init] of fetchFn.mock.calls) {
      expect(init?.signal).toBe(controller.signal)
    }
  })
})

describe('probe', () => {
  it('falls back to the problem title when there is no detail', async () => {
    const fetchFn = fakeFetch({ '/readyz': () => problem(503, { title: 'Not ready' }) })

    await expect(probe('/readyz', 'ready', fetchFn)).resolves.toEqual({
      state: 'down',
      reason: 'Not ready',
    })
  })

  it('falls back to the HTTP status when the body is not JSON', async () => {
    const fetchFn = fakeFetch({
      '/readyz': () =>
        new Response('<html>bad gateway</html>', {
          status: 503,
          statusText: 'Service Unavailable',
          headers: { 'Content-Type': 'text/html' },
        }),
    })

    await expect(probe('/readyz', 'ready', fetchFn)).resolves.toEqual({
      state: 'down',
      reason: 'HTTP 503 Service Unavailable',
    })
  })

  it('is down when a 200 answer carries an unexpected status', async () => {
    const fetchFn = fakeFetch({ '/readyz': () => json(200, { status: 'starting' }) })

    await expect(probe('/readyz', 'ready', fetchFn)).resolves.toEqual({
      state: 'down',
      reason: 'unexpected response from /readyz',
    })
  })

  it('is down when a 200 answer is not JSON (e.g. an HTML fallback page)', async () => {
    const fetchFn = fakeFetch({
      '/healthz': () =>
        new Response('<!doctype html>', { status: 200, headers: { 'Content-Type': 'text/html' } }),
    })

    await expect(probe('/healthz', 'ok', fetchFn)).resolves.toEqual({
      state: 'down',
      reason: 'unexpected response from /healthz',
    })
  })

  it('reports a network failure instead of rejecting', async () => {
    const fetchFn = vi.fn(async () => {
      throw new TypeError('Failed to fetch')
    })

    await expect(probe('/healthz', 'ok', fetchFn)).resolves.toEqual({
      state: 'down',
      reason: 'request failed: Failed to fetch',
    })
  })

  it('uses the global fetch by default', async () => {
    const fetchFn = fakeFetch({ '/healthz': () => json(200, { status: 'ok' }) })
    vi.stubGlobal('fetch', fetchFn)

    await expect(probe('/healthz', 'ok')).resolves.toEqual({ state: 'up', status: 'ok' })
    expect(fetchFn).toHaveBeenCalledOnce()
  })
})
