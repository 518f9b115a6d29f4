import { vi } from 'vitest'

/** A JSON (or problem+json) response, as the Go API would send it. */
export function json(status: number, body: unknown, contentType = 'application/json'): Response {
  return new Response(JSON.stringify(body), {
    status,
    statusText: status === 503 ? 'Service Unavailable' : '',
    headers: { 'Content-Type': contentType },
  })
}

export function problem(status: number, body: { title?: string; detail?: string }): Response {
  return json(status, { type: 'about:blank', status, ...body }, 'application/problem+json')
}

/**
 * A fetch stand-in that answers by exact request path. A path it was not
 * given fails the test loudly instead of hanging.
 */
export function fakeFetch(routes: Record<string, () => Response | Promise<Response>>) {
  return vi.fn(async (input: string, _init?: RequestInit): Promise<Response> => {
    const route = routes[input]
    if (!route) throw new Error(`unexpected fetch of ${input}`)
    return route()
  })
}
