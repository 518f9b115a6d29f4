// The typed client of the REST API: openapi-fetch over the types generated
// from the contract (schema.gen.ts, from api/openapi.yaml). A path, its
// parameters, its body and its answer are checked against the contract when
// the apps compile, so an app cannot ask for a field the API does not send.
//
// What every call shares lives here: JSON answers, and an error answer (RFC
// 9457 problem+json) thrown as an ApiError. Each app adds what is its own
// (the storefront's X-Cart-Token, the vendor admin's cookies and CSRF header).

import createClient, { type Client, type Middleware } from 'openapi-fetch'

export type { Middleware }
import { ApiError, problemFromResponse } from '../problem.ts'
import type { paths } from './schema.gen.ts'

/** The fetch the client sends its requests with (openapi-fetch passes a Request). */
export type ApiFetch = (request: Request) => Promise<Response>

/** A client of every path of the contract, answering its JSON bodies. */
export type ApiClient = Client<paths, 'application/json'>

export interface ApiClientOptions {
  /**
   * Sends the requests; defaults to the global fetch, looked up at each call
   * so that tests can stub it after the client is made.
   */
  readonly fetch?: ApiFetch
  /**
   * Where the API is. Defaults to the page's origin: the Go server serves the
   * apps and the API from one origin (in `npm run dev`, Vite forwards /api).
   */
  readonly baseUrl?: string
  /** Whether cookies go with the requests; the Fetch default is 'same-origin'. */
  readonly credentials?: RequestCredentials
  /** The app's own steps, run before the shared ones see the answer. */
  readonly middleware?: readonly Middleware[]
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const client = createClient<paths, 'application/json'>({
    baseUrl: options.baseUrl ?? pageOrigin(),
    fetch: options.fetch ?? ((request) => globalThis.fetch(request)),
    headers: { Accept: 'application/json, application/problem+json' },
    ...(options.credentials ? { credentials: options.credentials } : {}),
  })
  // Answers pass through the middleware last to first: registered first,
  // answers() sees each answer after the app's own middleware has.
  client.use(answers, ...(options.middleware ?? []))
  return client
}

/**
 * Turns every answer but a 2xx JSON one (or a 204) into a thrown ApiError, so
 * a call either resolves with the body the contract describes or rejects.
 */
const answers: Middleware = {
  async onResponse({ request, response }) {
    if (!response.ok) throw await problemFromResponse(response)
    if (response.status === 204) return undefined
    if (!/[/+]json\b/i.test(response.headers.get('Content-Type') ?? '')) {
      throw new ApiError({ status: response.status, detail: `unexpected response from ${new URL(request.url).pathname}` })
    }
    return undefined
  },
}

/**
 * The body of a call's answer. The client has already thrown for every
 * answer but a 2xx JSON one, so there is one; openapi-fetch still types it as
 * possibly missing (its error branch).
 */
export async function dataOf<T>(call: Promise<{ data?: T; response: Response }>): Promise<T> {
  const { data, response } = await call
  if (data === undefined) throw new ApiError({ status: response.status, detail: 'the API answered with no body' })
  return data
}

/** The page's origin (http://host:port), or '' outside a browser. */
function pageOrigin(): string {
  return typeof location === 'undefined' ? '' : location.origin
}
