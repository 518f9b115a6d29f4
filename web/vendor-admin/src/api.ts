// The vendor admin's calls of the REST API (api/openapi.yaml), through the
// typed client of @trove/shared: /api/v1/auth/*, /api/v1/vendor/* and
// /api/v1/admin/*. Browsers sign in in
// cookie mode: the session lives in HttpOnly cookies sent with every request
// (credentials 'same-origin'), and every state-changing request sends the
// session's CSRF token in X-CSRF-Token: the csrf_token the sign-in answered,
// also kept in the CSRF cookie (docs/access.md). The server checks it against
// the session, so it must be the one the server issued.
//
// Every function takes an optional fetch (the default is the global one, read
// at call time so tests can stub it) and rejects with an ApiError (the
// problem's detail and field errors) when the API says no.

import {
  ApiError,
  createApiClient,
  dataOf,
  type ApiFetch,
  type Balance,
  type FulfilmentUpdate,
  type Link,
  type ManifestBatch,
  type Middleware,
  type operations,
  type OrderEarnings,
  type Payout,
  type PayoutAccountStatus,
  type PayoutCycle,
  type PayoutRetry,
  type ReconciliationCheck,
  type ReconciliationReport,
  type Session,
  type User,
  type VendorOrder,
  type VendorOrderPage,
  type XeroConnection,
} from '@trove/shared'

const API = '/api/v1'
/**
 * The CSRF cookie's names: served over https the server sets the __Host-
 * one (a cookie no other site or subdomain can plant); over plain http, in
 * development, the bare one.
 */
const CSRF_COOKIES = ['__Host-trove_csrf', 'trove_csrf']
const CSRF_HEADER = 'X-CSRF-Token'

/** The vendor orders' filters (status: comma-separated, empty for all) and page, as the API takes them. */
export type VendorOrderQuery = NonNullable<operations['listVendorOrders']['parameters']['query']>

// ------------------------------------------------------------------ plumbing

/** The CSRF token the sign-in (or the last refresh) answered, for when the cookie cannot be read. */
let csrfFromBody = ''

/**
 * The value to send in X-CSRF-Token: the CSRF cookie (the __Host- one first),
 * which follows the session across tabs and refreshes, else the last token
 * the API sent.
 */
export function csrfToken(): string {
  const cookie = typeof document === 'undefined' ? '' : document.cookie
  const values = new Map<string, string>()
  for (const part of cookie.split(';')) {
    const c = part.trim()
    const eq = c.indexOf('=')
    if (eq > 0 && !values.has(c.slice(0, eq))) values.set(c.slice(0, eq), c.slice(eq + 1))
  }
  for (const name of CSRF_COOKIES) {
    const v = values.get(name)
    if (v) return decodeURIComponent(v)
  }
  return csrfFromBody
}

function rememberSession(s: Session): void {
  if (s.csrf_token) csrfFromBody = s.csrf_token
}

/** Every state-changing request carries the session's CSRF token. */
const csrf: Middleware = {
  onRequest({ request }) {
    if (request.method === 'GET') return undefined
    const token = csrfToken()
    if (token) request.headers.set(CSRF_HEADER, token)
    return undefined
  },
}

/** The API in cookie mode: the session's cookies go with every request. */
const api = createApiClient({ credentials: 'same-origin', middleware: [csrf] })

type SessionEndedListener = () => void
const sessionEndedListeners = new Set<SessionEndedListener>()

/** Calls `fn` when a request finds the session over (401 even after a refresh); returns the unsubscribe. */
export function onSessionEnded(fn: SessionEndedListener): () => void {
  sessionEndedListeners.add(fn)
  return () => sessionEndedListeners.delete(fn)
}

function isUnauthorized(err: unknown): boolean {
  return err instanceof ApiError && err.status === 401
}

/**
 * A call to a guarded endpoint. A 401 (the 15-minute access token ran out)
 * is answered by one refresh and the call again; when that fails too, the
 * session-ended listeners hear of it.
 */
async function guarded<T>(call: () => Promise<T>, fetchFn?: ApiFetch): Promise<T> {
  try {
    return await call()
  } catch (err) {
    if (!isUnauthorized(err)) throw err
    if (!(await tryRefresh(fetchFn))) {
      sessionEndedListeners.forEach((fn) => fn())
      throw err
    }
  }
  try {
    return await call()
  } catch (err) {
    if (isUnauthorized(err)) sessionEndedListeners.forEach((fn) => fn())
    throw err
  }
}

/**
 * The refresh under way. Requests that fail together share one refresh: the
 * refresh token is rotated on use, and presenting the spent one again (a
 * second, parallel refresh) would end the whole session.
 */
let refreshing: Promise<boolean> | null = null

function tryRefresh(fetchFn?: ApiFetch): Promise<boolean> {
  if (!csrfToken()) return Promise.resolve(false)
  refreshing ??= refresh(fetchFn).then(
    () => true,
    () => false,
  )
  const shared = refreshing
  void shared.finally(() => {
    if (refreshing === shared) refreshing = null
  })
  return shared
}

// ---------------------------------------------------------------------- auth

export async function login(email: string, password: string, fetchFn?: ApiFetch): Promise<User> {
  const s = await dataOf(api.POST('/api/v1/auth/login', { body: { email, password }, fetch: fetchFn }))
  rememberSession(s)
  return s.user
}

export async function refresh(fetchFn?: ApiFetch): Promise<Session> {
  const s = await dataOf(api.POST('/api/v1/auth/refresh', { fetch: fetchFn }))
  rememberSession(s)
  return s
}

/**
 * Who is signed in, or null when nobody is (401). An expired access token is
 * renewed once with the refresh cookie first.
 */
export async function getMe(fetchFn?: ApiFetch): Promise<User | null> {
  const me = () => dataOf(api.GET('/api/v1/auth/me', { fetch: fetchFn }))
  try {
    return await me()
  } catch (err) {
    if (!isUnauthorized(err)) throw err
  }
  if (!(await tryRefresh(fetchFn))) return null
  try {
    return await me()
  } catch (err) {
    if (isUnauthorized(err)) return null
    throw err
  }
}

export async function logout(fetchFn?: ApiFetch): Promise<void> {
  try {
    await api.POST('/api/v1/auth/logout', { fetch: fetchFn })
  } catch (err) {
    // 401: the session had already ended, which is what was asked.
    if (!isUnauthorized(err)) throw err
  } finally {
    csrfFromBody = ''
  }
}

// -------------------------------------------------------------------- orders

export function listVendorOrders(q: VendorOrderQuery = {}, fetchFn?: ApiFetch): Promise<VendorOrderPage> {
  // An empty filter is no filter: it is left out of the query string.
  const query = { status: q.status || undefined, cursor: q.cursor || undefined, limit: q.limit }
  return guarded(() => dataOf(api.GET('/api/v1/vendor/orders', { params: { query }, fetch: fetchFn })), fetchFn)
}

export function getVendorOrder(id: string, fetchFn?: ApiFetch): Promise<VendorOrder> {
  const params = { path: { vendorOrderID: id } }
  return guarded(() => dataOf(api.GET('/api/v1/vendor/orders/{vendorOrderID}', { params, fetch: fetchFn })), fetchFn)
}

export function updateFulfilment(id: string, update: FulfilmentUpdate, fetchFn?: ApiFetch): Promise<VendorOrder> {
  const params = { path: { vendorOrderID: id } }
  return guarded(
    () => dataOf(api.POST('/api/v1/vendor/orders/{vendorOrderID}/fulfilment', { params, body: update, fetch: fetchFn })),
    fetchFn,
  )
}

export function getManifest(id: string, fetchFn?: ApiFetch): Promise<Link> {
  const params = { path: { vendorOrderID: id } }
  return guarded(() => dataOf(api.GET('/api/v1/vendor/orders/{vendorOrderID}/manifest', { params, fetch: fetchFn })), fetchFn)
}

/** The manifests of the day's open orders (date: YYYY-MM-DD, UTC). 404 when there is none. */
export function createManifestBatch(date: string, fetchFn?: ApiFetch): Promise<ManifestBatch> {
  return guarded(() => dataOf(api.POST('/api/v1/vendor/manifests/batch', { body: { date }, fetch: fetchFn })), fetchFn)
}

// ------------------------------------------------------------------- finance

/** Where the ledger downloads as CSV (a plain link: the cookies go along). */
export const LEDGER_CSV_URL = `${API}/vendor/finance/entries?format=csv`

export async function getBalances(fetchFn?: ApiFetch): Promise<readonly Balance[]> {
  const body = await guarded(() => dataOf(api.GET('/api/v1/vendor/finance/balance', { fetch: fetchFn })), fetchFn)
  return body.balances
}

export async function listVendorPayouts(fetchFn?: ApiFetch): Promise<readonly Payout[]> {
  const body = await guarded(() => dataOf(api.GET('/api/v1/vendor/finance/payouts', { fetch: fetchFn })), fetchFn)
  return body.payouts
}

export async function listOrderEarnings(fetchFn?: ApiFetch): Promise<readonly OrderEarnings[]> {
  const body = await guarded(() => dataOf(api.GET('/api/v1/vendor/finance/orders', { fetch: fetchFn })), fetchFn)
  return body.orders
}

export function getPayoutAccount(fetchFn?: ApiFetch): Promise<PayoutAccountStatus> {
  return guarded(() => dataOf(api.GET('/api/v1/vendor/finance/account', { fetch: fetchFn })), fetchFn)
}

export function startPayoutOnboarding(fetchFn?: ApiFetch): Promise<Link> {
  return guarded(() => dataOf(api.POST('/api/v1/vendor/finance/account/onboarding', { fetch: fetchFn })), fetchFn)
}

// ------------------------------------------------------------------ operator

/** Where the reconciliation report downloads as CSV. */
export const RECONCILIATION_CSV_URL = `${API}/admin/reconciliation?format=csv`

export async function listPayoutCycles(fetchFn?: ApiFetch): Promise<readonly PayoutCycle[]> {
  const body = await guarded(() => dataOf(api.GET('/api/v1/admin/payouts/cycles', { fetch: fetchFn })), fetchFn)
  return body.cycles
}

export function runPayoutCycle(fetchFn?: ApiFetch): Promise<PayoutCycle> {
  return guarded(() => dataOf(api.POST('/api/v1/admin/payouts/cycles', { fetch: fetchFn })), fetchFn)
}

export async function listPayouts(fetchFn?: ApiFetch): Promise<readonly Payout[]> {
  const body = await guarded(() => dataOf(api.GET('/api/v1/admin/payouts', { fetch: fetchFn })), fetchFn)
  return body.payouts
}

export function retryPayout(id: string, fetchFn?: ApiFetch): Promise<PayoutRetry> {
  const params = { path: { payoutID: id } }
  return guarded(() => dataOf(api.POST('/api/v1/admin/payouts/{payoutID}/retry', { params, fetch: fetchFn })), fetchFn)
}

export function getReconciliation(fetchFn?: ApiFetch): Promise<ReconciliationReport> {
  return guarded(() => dataOf(api.GET('/api/v1/admin/reconciliation', { fetch: fetchFn })), fetchFn)
}

/** Re-checks every payout not reconciled yet. */
export function checkReconciliation(fetchFn?: ApiFetch): Promise<ReconciliationCheck> {
  return guarded(() => dataOf(api.POST('/api/v1/admin/reconciliation/check', { body: {}, fetch: fetchFn })), fetchFn)
}

export function getXero(fetchFn?: ApiFetch): Promise<XeroConnection> {
  return guarded(() => dataOf(api.GET('/api/v1/admin/xero', { fetch: fetchFn })), fetchFn)
}

/** Where to send the operator: Xero's consent page (authorize_url). */
export function connectXero(fetchFn?: ApiFetch) {
  return guarded(() => dataOf(api.POST('/api/v1/admin/xero/connect', { fetch: fetchFn })), fetchFn)
}

export function chooseXeroTenant(tenantId: string, fetchFn?: ApiFetch): Promise<XeroConnection> {
  return guarded(
    () => dataOf(api.POST('/api/v1/admin/xero/tenant', { body: { tenant_id: tenantId }, fetch: fetchFn })),
    fetchFn,
  )
}
