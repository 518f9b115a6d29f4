// Probes of the API's liveness and readiness endpoints.
//
// The paths are absolute from the site root on purpose: the Go server answers
// /healthz and /readyz at the root whatever base path an app is served under.
//
// Not through the API client (api/client.ts): a probe never rejects and
// reports any answer, an HTML error page or a refused connection included,
// in its own words.

import type { Status } from './api/schema.gen.ts'

export const HEALTH_PATH = '/healthz'
export const READY_PATH = '/readyz'

/** The status each endpoint answers when all is well (Status in api/openapi.yaml). */
type Expected = Status['status']

/** The outcome of one probe: the endpoint answered as expected, or why not. */
export type ProbeResult =
  | { readonly state: 'up'; readonly status: string }
  | { readonly state: 'down'; readonly reason: string }

export interface Health {
  /** GET /healthz: the API process is up (expects {"status":"ok"}). */
  readonly api: ProbeResult
  /** GET /readyz: the API can serve, database included (expects {"status":"ready"}). */
  readonly database: ProbeResult
}

/** The fetch a probe calls with a path and an init, as the global fetch is. */
export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>

/**
 * Requests `path` and reports "up" when it answers 2xx with a JSON body whose
 * `status` equals `expected`. Any other answer is "down" with a reason taken,
 * in order, from the problem body's `detail`, its `title`, or the HTTP status.
 * It never rejects: network failures are reported as "down" too.
 */
export async function probe(
  path: string,
  expected: Expected,
  fetchFn: FetchFn = (input, init) => fetch(input, init),
  signal?: AbortSignal,
): Promise<ProbeResult> {
  let res: Response
  try {
    res = await fetchFn(path, {
      headers: { Accept: 'application/json, application/problem+json' },
      signal,
    })
  } catch (err) {
    return { state: 'down', reason: `request failed: ${errorMessage(err)}` }
  }

  const body = await readJson(res)
  if (res.ok) {
    if (isRecord(body) && body.status === expected) {
      return { state: 'up', status: expected }
    }
    return { state: 'down', reason: `unexpected response from ${path}` }
  }
  return { state: 'down', reason: problemReason(body) ?? httpReason(res) }
}

/** Probes both endpoints concurrently. Never rejects. */
export async function fetchHealth(
  fetchFn?: FetchFn,
  signal?: AbortSignal,
): Promise<Health> {
  const [api, database] = await Promise.all([
    probe(HEALTH_PATH, 'ok', fetchFn, signal),
    probe(READY_PATH, 'ready', fetchFn, signal),
  ])
  return { api, database }
}

async function readJson(res: Response): Promise<unknown> {
  const type = res.headers.get('Content-Type') ?? ''
  if (!/[/+]json\b/i.test(type)) return undefined
  try {
    return await res.json()
  } catch {
    return undefined
  }
}

/** The detail, else the title, of a problem+json body (Problem in api/openapi.yaml), read warily. */
function problemReason(body: unknown): string | undefined {
  if (!isRecord(body)) return undefined
  const { detail, title } = body
  if (typeof detail === 'string' && detail.trim() !== '') return detail
  if (typeof title === 'string' && title.trim() !== '') return title
  return undefined
}

function httpReason(res: Response): string {
  return res.statusText ? `HTTP ${res.status} ${res.statusText}` : `HTTP ${res.status}`
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
