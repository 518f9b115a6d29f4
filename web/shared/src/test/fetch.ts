import { vi, type Mock } from 'vitest'

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

/**
 * One request a fetch stand-in received, read the same way whether fetch was
 * called with a Request (the API client) or with a path and an init.
 */
export interface SeenRequest {
  readonly method: string
  /** The path and the query string: '/api/v1/vendor/orders?status=shipped'. */
  readonly path: string
  /** 'METHOD path', as routes are keyed. */
  readonly key: string
  readonly headers: Headers
  readonly credentials: RequestCredentials | undefined
  readonly signal: AbortSignal | undefined
  /** The body as text; '' without one. */
  readonly body: string
}

/** Reads a fetch call (a Request, or a URL and an init) into a SeenRequest. */
export async function seeRequest(input: RequestInfo | URL, init?: RequestInit): Promise<SeenRequest> {
  if (input instanceof Request) {
    const url = new URL(input.url)
    const path = url.pathname + url.search
    return {
      method: input.method,
      path,
      key: `${input.method} ${path}`,
      headers: new Headers(input.headers),
      credentials: input.credentials,
      signal: input.signal,
      body: input.body ? await input.clone().text() : '',
    }
  }
  const url = new URL(String(input), location.href)
  const path = url.pathname + url.search
  const method = init?.method ?? 'GET'
  return {
    method,
    path,
    key: `${method} ${path}`,
    headers: new Headers(init?.headers),
    credentials: init?.credentials,
    signal: init?.signal ?? undefined,
    body: init?.body == null ? '' : String(init.body),
  }
}

export type Route = (request: SeenRequest) => Response | Promise<Response>

/** A fetch stand-in that keeps every request it saw, in order. */
export type RecordingFetch = Mock<(input: RequestInfo | URL, init?: RequestInit) => Promise<Response>> & {
  readonly requests: SeenRequest[]
}

/** A stand-in for fetch that records each request and answers it with `answer`. */
export function recordingFetch(answer: Route): RecordingFetch {
  const requests: SeenRequest[] = []
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = await seeRequest(input, init)
    requests.push(req)
    return answer(req)
  })
  return Object.assign(fn, { requests })
}

/**
 * A fetch stand-in answering by "METHOD path" (the path with its query
 * string). An unexpected request fails loudly.
 */
export function routeFetch(routes: Record<string, Route>): RecordingFetch {
  return recordingFetch((req) => {
    const route = routes[req.key]
    if (!route) throw new Error(`unexpected fetch of ${req.key}`)
    return route(req)
  })
}

/** The one request to `key` ("POST /api/…") a stand-in saw; fails unless there was exactly one. */
export function requestTo(fetchFn: RecordingFetch, key: string): SeenRequest {
  const seen = fetchFn.requests.filter((r) => r.key === key)
  if (seen.length !== 1) throw new Error(`${seen.length} requests to ${key}`)
  return seen[0]
}
