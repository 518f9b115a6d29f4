// Typed client for the vendor admin's part of the REST API (api/openapi.yaml):
// /api/v1/auth/*, /api/v1/vendor/* and /api/v1/admin/*. Browsers sign in in
// cookie mode: the session lives in HttpOnly cookies sent with every request
// (credentials 'same-origin'), and every state-changing request sends the
// session's CSRF token in X-CSRF-Token: the csrf_token the sign-in answered,
// also kept in the CSRF cookie (docs/access.md). The server checks it against
// the session, so it must be the one the server issued.
//
// Every function takes an optional fetch (the default is the global one, read
// at call time so tests can stub it) and rejects with an ApiError (the
// problem's detail and field errors) when the API says no.

import { ApiError, problemFromResponse, readJsonBody, type FetchFn, type Money } from '@trove/shared'

export type { Money }

const API = '/api/v1'
/**
 * The CSRF cookie's names: served over https the server sets the __Host-
 * one (a cookie no other site or subdomain can plant); over plain http, in
 * development, the bare one.
 */
const CSRF_COOKIES = ['__Host-trove_csrf', 'trove_csrf']
const CSRF_HEADER = 'X-CSRF-Token'

// ---------------------------------------------------------------- auth types

export type Role = 'platform_admin' | 'vendor_owner' | 'vendor_staff' | 'buyer'

export interface User {
  readonly id: string
  readonly email: string
  readonly name: string
  readonly role: Role
  /** Present only for vendor_owner and vendor_staff. */
  readonly vendor_id?: string
}

export interface Session {
  readonly expires_at: string
  readonly csrf_token?: string
  readonly user?: User
}

// -------------------------------------------------------------- order types

export type VendorOrderStatus = 'pending' | 'accepted' | 'packed' | 'shipped' | 'delivered' | 'cancelled'

export interface Recipient {
  readonly name: string
  readonly address_lines: readonly string[]
  readonly city: string
  readonly region: string
  readonly postal_code: string
  readonly country: string
  readonly delivery_date?: string
}

export interface VendorOrderLine {
  readonly id: string
  readonly variant_id: string
  readonly sku: string
  readonly title: string
  readonly variant_title: string
  readonly quantity: number
  readonly refunded_quantity: number
  readonly unit_price: Money
  readonly amount: Money
}

export interface Tracking {
  readonly carrier: string
  readonly number: string
  readonly url: string
}

export interface VendorOrder {
  readonly id: string
  readonly order_id: string
  readonly vendor_id: string
  readonly vendor_name: string
  readonly status: VendorOrderStatus
  readonly subtotal: Money
  readonly refunded: Money
  readonly commission_bps: number
  readonly recipient: Recipient
  readonly gift_message: string
  readonly delivery_date: string | null
  readonly lines: readonly VendorOrderLine[]
  readonly tracking: Tracking
  readonly shopify_order: { readonly id: string; readonly name: string } | null
  readonly placed_at: string
  readonly accepted_at: string | null
  readonly handed_off_at: string | null
  readonly packed_at: string | null
  readonly shipped_at: string | null
  readonly delivered_at: string | null
  readonly cancelled_at: string | null
  readonly updated_at: string
}

export interface VendorOrderPage {
  readonly items: readonly VendorOrder[]
  readonly next_cursor: string | null
}

export interface VendorOrderQuery {
  /** Comma-separated statuses; empty for all. */
  readonly status?: string
  readonly cursor?: string
  readonly limit?: number
}

export interface FulfilmentUpdate {
  readonly status: Exclude<VendorOrderStatus, 'pending'>
  readonly tracking?: Partial<Tracking>
}

/** A short-lived download link. */
export interface Link {
  readonly url: string
  readonly expires_at: string
}

export interface ManifestBatch extends Link {
  readonly orders: number
  readonly date: string
}

// ------------------------------------------------------------ finance types

export interface Balance {
  readonly currency: string
  readonly open: Money
  readonly due: Money
  readonly on_hold: Money
  readonly paid_out: Money
  readonly next_date: string
  readonly estimate: Money
}

export type PayoutStatus = 'pending' | 'transferred' | 'failed'

export interface Payout {
  readonly id: string
  readonly cycle_id: string
  readonly vendor_id: string
  readonly amount: Money
  readonly reversed: Money
  readonly status: PayoutStatus
  readonly stripe_account_id: string
  readonly transfer_group: string
  readonly source_transaction: string | null
  readonly stripe_transfer_id: string | null
  readonly failure_reason: string
  readonly transferred_at: string | null
  readonly xero_bill_number: string
  readonly xero_bill_status: string
  readonly created_at: string
}

export interface OrderEarnings {
  readonly vendor_order_id: string
  readonly order_id: string
  readonly sale: Money
  readonly commission: Money
  readonly refunds: Money
  readonly net: Money
  readonly first_posted_at: string
  readonly payout_ids: readonly string[]
}

export interface PayoutAccount {
  readonly vendor_id: string
  readonly stripe_account_id: string
  readonly details_submitted: boolean
  readonly payouts_enabled: boolean
  readonly transfers_active: boolean
  readonly updated_at: string
}

export interface PayoutAccountStatus {
  readonly ready: boolean
  readonly account: PayoutAccount | null
}

// ----------------------------------------------------------- operator types

export interface PayoutCycleSkip {
  readonly vendor_id: string
  readonly balance: Money
  readonly reason: string
}

export interface PayoutCycle {
  readonly id: string
  readonly trigger: 'schedule' | 'manual'
  readonly occurrence: string | null
  readonly cutoff: string
  readonly started_by: string
  readonly payouts: number
  readonly skipped: number
  readonly started_at: string
  readonly finished_at: string | null
  readonly skips: readonly PayoutCycleSkip[] | null
}

export interface PayoutRetry {
  readonly payout_id: string
  readonly started: 'transfer' | 'bookkeeping'
}

export type ReconciliationStatus = 'reconciled' | 'mismatch' | 'incomplete' | 'unchecked'

export interface Reconciliation {
  readonly payout_id: string
  readonly cycle_id: string
  readonly vendor_id: string
  readonly currency: string
  /** Minor units of `currency`, like every figure here. */
  readonly ledger_total: number
  readonly payout_net: number
  readonly stripe_net: number | null
  readonly xero_bill_net: number | null
  readonly xero_paid_net: number | null
  readonly status: ReconciliationStatus
  readonly problems: string
  readonly checked_at: string
}

export interface ReconciliationRow extends Reconciliation {
  readonly amount: Money
  readonly stripe_transfer_id: string | null
  readonly xero_bill_number: string
}

export interface ReconciliationReport {
  readonly payouts: number
  readonly reconciled: number
  readonly mismatched: number
  readonly incomplete: number
  readonly unchecked: number
  readonly rows: readonly ReconciliationRow[] | null
}

export interface ReconciliationCheck {
  readonly checked: number
  readonly reconciliations?: readonly Reconciliation[]
  readonly report?: ReconciliationReport
}

export type XeroStatus = 'none' | 'connected' | 'choose_tenant' | 'broken'

export interface XeroConnection {
  readonly status: XeroStatus
  readonly tenant_id: string
  readonly tenant_name: string
  readonly tenants: readonly { readonly id: string; readonly name: string }[] | null
  readonly last_error: string
  readonly connected_at: string | null
  readonly refreshed_at: string | null
}

// ------------------------------------------------------------------ plumbing

const defaultFetch: FetchFn = (input, init) => fetch(input, init)

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

type SessionEndedListener = () => void
const sessionEndedListeners = new Set<SessionEndedListener>()

/** Calls `fn` when a request finds the session over (401 even after a refresh); returns the unsubscribe. */
export function onSessionEnded(fn: SessionEndedListener): () => void {
  sessionEndedListeners.add(fn)
  return () => sessionEndedListeners.delete(fn)
}

interface RequestInit2 {
  readonly method?: 'GET' | 'POST'
  readonly json?: unknown
}

function send(path: string, init: RequestInit2, fetchFn: FetchFn): Promise<Response> {
  const method = init.method ?? 'GET'
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' }
  if (init.json !== undefined) headers['Content-Type'] = 'application/json'
  if (method !== 'GET') {
    const token = csrfToken()
    if (token) headers[CSRF_HEADER] = token
  }
  return fetchFn(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
  })
}

async function bodyOf<T>(res: Response, path: string): Promise<T> {
  if (!res.ok) throw await problemFromResponse(res)
  if (res.status === 204) return undefined as T
  const body = await readJsonBody(res)
  if (body === undefined) throw new ApiError({ status: res.status, detail: `unexpected response from ${path}` })
  return body as T
}

/**
 * A request to a guarded endpoint. A 401 (the 15-minute access token ran
 * out) is answered by one refresh and a retry; when that fails too, the
 * session-ended listeners hear of it.
 */
async function request<T>(path: string, init: RequestInit2 = {}, fetchFn: FetchFn = defaultFetch): Promise<T> {
  let res = await send(path, init, fetchFn)
  if (res.status === 401 && (await tryRefresh(fetchFn))) res = await send(path, init, fetchFn)
  if (res.status === 401) sessionEndedListeners.forEach((fn) => fn())
  return bodyOf<T>(res, path)
}

/**
 * The refresh under way. Requests that fail together share one refresh: the
 * refresh token is rotated on use, and presenting the spent one again (a
 * second, parallel refresh) would end the whole session.
 */
let refreshing: Promise<boolean> | null = null

function tryRefresh(fetchFn: FetchFn): Promise<boolean> {
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

function seg(s: string): string {
  return encodeURIComponent(s)
}

function query(params: Record<string, string | number | undefined>): string {
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') qs.set(k, String(v))
  const s = qs.toString()
  return s ? `?${s}` : ''
}

// ---------------------------------------------------------------------- auth

export async function login(email: string, password: string, fetchFn: FetchFn = defaultFetch): Promise<User> {
  const path = `${API}/auth/login`
  const s = await bodyOf<Session>(await send(path, { method: 'POST', json: { email, password } }, fetchFn), path)
  rememberSession(s)
  if (!s.user) throw new ApiError({ status: 200, detail: 'the sign-in answered no user' })
  return s.user
}

export async function refresh(fetchFn: FetchFn = defaultFetch): Promise<Session> {
  const path = `${API}/auth/refresh`
  const s = await bodyOf<Session>(await send(path, { method: 'POST' }, fetchFn), path)
  rememberSession(s)
  return s
}

/**
 * Who is signed in, or null when nobody is (401). An expired access token is
 * renewed once with the refresh cookie first.
 */
export async function getMe(fetchFn: FetchFn = defaultFetch): Promise<User | null> {
  const path = `${API}/auth/me`
  let res = await send(path, {}, fetchFn)
  if (res.status === 401 && (await tryRefresh(fetchFn))) res = await send(path, {}, fetchFn)
  if (res.status === 401) return null
  return bodyOf<User>(res, path)
}

export async function logout(fetchFn: FetchFn = defaultFetch): Promise<void> {
  const path = `${API}/auth/logout`
  try {
    const res = await send(path, { method: 'POST' }, fetchFn)
    // 401: the session had already ended, which is what was asked.
    if (res.status !== 401) await bodyOf<void>(res, path)
  } finally {
    csrfFromBody = ''
  }
}

// -------------------------------------------------------------------- orders

const VENDOR = `${API}/vendor`

export function listVendorOrders(q: VendorOrderQuery = {}, fetchFn?: FetchFn): Promise<VendorOrderPage> {
  return request(`${VENDOR}/orders${query({ status: q.status, cursor: q.cursor, limit: q.limit })}`, {}, fetchFn)
}

export function getVendorOrder(id: string, fetchFn?: FetchFn): Promise<VendorOrder> {
  return request(`${VENDOR}/orders/${seg(id)}`, {}, fetchFn)
}

export function updateFulfilment(id: string, update: FulfilmentUpdate, fetchFn?: FetchFn): Promise<VendorOrder> {
  return request(`${VENDOR}/orders/${seg(id)}/fulfilment`, { method: 'POST', json: update }, fetchFn)
}

export function getManifest(id: string, fetchFn?: FetchFn): Promise<Link> {
  return request(`${VENDOR}/orders/${seg(id)}/manifest`, {}, fetchFn)
}

/** The manifests of the day's open orders (date: YYYY-MM-DD, UTC). 404 when there is none. */
export function createManifestBatch(date: string, fetchFn?: FetchFn): Promise<ManifestBatch> {
  return request(`${VENDOR}/manifests/batch`, { method: 'POST', json: { date } }, fetchFn)
}

// ------------------------------------------------------------------- finance

const FINANCE = `${VENDOR}/finance`

/** Where the ledger downloads as CSV (a plain link: the cookies go along). */
export const LEDGER_CSV_URL = `${FINANCE}/entries?format=csv`

export async function getBalances(fetchFn?: FetchFn): Promise<Balance[]> {
  const body = await request<{ balances: Balance[] | null }>(`${FINANCE}/balance`, {}, fetchFn)
  return body.balances ?? []
}

export async function listVendorPayouts(fetchFn?: FetchFn): Promise<Payout[]> {
  const body = await request<{ payouts: Payout[] | null }>(`${FINANCE}/payouts`, {}, fetchFn)
  return body.payouts ?? []
}

export async function listOrderEarnings(fetchFn?: FetchFn): Promise<OrderEarnings[]> {
  const body = await request<{ orders: OrderEarnings[] | null }>(`${FINANCE}/orders`, {}, fetchFn)
  return body.orders ?? []
}

export function getPayoutAccount(fetchFn?: FetchFn): Promise<PayoutAccountStatus> {
  return request(`${FINANCE}/account`, {}, fetchFn)
}

export function startPayoutOnboarding(fetchFn?: FetchFn): Promise<Link> {
  return request(`${FINANCE}/account/onboarding`, { method: 'POST' }, fetchFn)
}

// ------------------------------------------------------------------ operator

const ADMIN = `${API}/admin`

/** Where the reconciliation report downloads as CSV. */
export const RECONCILIATION_CSV_URL = `${ADMIN}/reconciliation?format=csv`

export async function listPayoutCycles(fetchFn?: FetchFn): Promise<PayoutCycle[]> {
  const body = await request<{ cycles: PayoutCycle[] | null }>(`${ADMIN}/payouts/cycles`, {}, fetchFn)
  return body.cycles ?? []
}

export function runPayoutCycle(fetchFn?: FetchFn): Promise<PayoutCycle> {
  return request(`${ADMIN}/payouts/cycles`, { method: 'POST' }, fetchFn)
}

export async function listPayouts(fetchFn?: FetchFn): Promise<Payout[]> {
  const body = await request<{ payouts: Payout[] | null }>(`${ADMIN}/payouts`, {}, fetchFn)
  return body.payouts ?? []
}

export function retryPayout(id: string, fetchFn?: FetchFn): Promise<PayoutRetry> {
  return request(`${ADMIN}/payouts/${seg(id)}/retry`, { method: 'POST' }, fetchFn)
}

export function getReconciliation(fetchFn?: FetchFn): Promise<ReconciliationReport> {
  return request(`${ADMIN}/reconciliation`, {}, fetchFn)
}

/** Re-checks every payout not reconciled yet. */
export function checkReconciliation(fetchFn?: FetchFn): Promise<ReconciliationCheck> {
  return request(`${ADMIN}/reconciliation/check`, { method: 'POST', json: {} }, fetchFn)
}

export function getXero(fetchFn?: FetchFn): Promise<XeroConnection> {
  return request(`${ADMIN}/xero`, {}, fetchFn)
}

export function connectXero(fetchFn?: FetchFn): Promise<{ authorize_url: string }> {
  return request(`${ADMIN}/xero/connect`, { method: 'POST' }, fetchFn)
}

export function chooseXeroTenant(tenantId: string, fetchFn?: FetchFn): Promise<XeroConnection> {
  return request(`${ADMIN}/xero/tenant`, { method: 'POST', json: { tenant_id: tenantId } }, fetchFn)
}
