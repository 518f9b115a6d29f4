// Typed client for the storefront's part of the REST API (/api/v1/store, see
// api/openapi.yaml) and for the sandbox Stripe's card confirmation. Every
// function takes an optional fetch (tests pass a stand-in) and rejects with
// an ApiError (the problem's detail and field errors) when the API says no.

import { ApiError, problemFromResponse, readJsonBody, type FetchFn, type Money } from '@trove/shared'

export type { Money }

const STORE = '/api/v1/store'

export interface Category {
  readonly slug: string
  readonly name: string
}

export interface StoreVendor {
  readonly slug: string
  readonly name: string
}

export interface StoreVariant {
  readonly id: string
  readonly title: string
  readonly sku: string
  readonly price: Money
  readonly available: number
}

export interface StoreProduct {
  readonly id: string
  readonly title: string
  readonly description: string
  readonly image_url: string
  readonly category: string
  readonly tags: readonly string[]
  readonly gift_ready: boolean
  readonly vendor: StoreVendor
  readonly price_min: Money
  readonly price_max: Money
  readonly in_stock: boolean
  readonly variants?: readonly StoreVariant[]
}

export interface ProductPage {
  readonly products: readonly StoreProduct[]
  /** Empty on the last page. */
  readonly next_cursor: string
}

export type ProductSort = 'newest' | 'price_asc' | 'price_desc' | 'title'

export interface ProductQuery {
  readonly q?: string
  readonly category?: string
  readonly inStock?: boolean
  readonly sort?: ProductSort
  readonly cursor?: string
  readonly limit?: number
}

export interface Recipient {
  readonly name: string
  readonly address_lines: readonly string[]
  readonly city: string
  readonly region: string
  readonly postal_code: string
  readonly country: string
  readonly delivery_date?: string
}

export type RecipientInput = Partial<Recipient>

export type CartProblemCode =
  | 'not_available'
  | 'out_of_stock'
  | 'insufficient_stock'
  | 'currency_mismatch'
  | 'price_changed'
  | 'empty'
  | 'email_required'
  | 'recipient_incomplete'
  | 'delivery_date_past'
  | 'total_too_large'

export interface CartProblem {
  readonly code: CartProblemCode
  readonly message: string
  readonly field?: string
}

export interface CartLine {
  readonly id: string
  readonly kind: 'variant' | 'bundle'
  readonly variant_id: string | null
  readonly bundle_id: string | null
  readonly product_id: string | null
  readonly title: string
  readonly variant_title: string
  readonly image_url: string
  readonly vendor: StoreVendor | null
  readonly quantity: number
  readonly unit_price: Money | null
  readonly line_total: Money | null
  readonly price_when_added: Money
  readonly available: number
  readonly gift_message: string
  readonly recipient: Recipient | null
  readonly problems: readonly CartProblem[]
}

export interface Cart {
  readonly id: string
  readonly status: 'open' | 'checked_out' | 'abandoned'
  readonly currency: string | null
  readonly email: string
  readonly gift_message: string
  readonly recipient: Recipient | null
  readonly lines: readonly CartLine[]
  readonly item_count: number
  readonly subtotal: Money | null
  readonly problems: readonly CartProblem[]
  readonly ready_for_checkout: boolean
  readonly order_id: string | null
}

export interface CartPatch {
  readonly email?: string
  readonly gift_message?: string
  readonly recipient?: RecipientInput | null
}

export type OrderStatus = 'pending_payment' | 'payment_failed' | 'paid' | 'canceled' | 'expired'

export interface OrderLine {
  readonly line_no: number
  readonly title: string
  readonly variant_title: string
  readonly quantity: number
  readonly unit_price: Money
  readonly amount: Money
}

export interface Order {
  readonly id: string
  readonly status: OrderStatus
  readonly currency: string
  readonly subtotal: Money
  readonly total: Money
  readonly email: string
  readonly item_count: number
  readonly reserved_until: string | null
  readonly placed_at: string
  readonly paid_at: string | null
  readonly lines: readonly OrderLine[]
}

export interface Payment {
  readonly payment_intent_id: string
  readonly client_secret: string
}

export interface CheckoutResult {
  readonly order: Order
  /** Null unless the order awaits payment. */
  readonly payment: Payment | null
}

/** A guest cart as this browser knows it: its id and the token that proves it is ours. */
export interface CartRef {
  readonly id: string
  readonly token: string
}

const defaultFetch: FetchFn = (input, init) => fetch(input, init)

async function request<T>(
  path: string,
  init: RequestInit & { token?: string; json?: unknown } = {},
  fetchFn: FetchFn = defaultFetch,
): Promise<T> {
  const { token, json, headers, ...rest } = init
  const h: Record<string, string> = {
    Accept: 'application/json, application/problem+json',
    ...(headers as Record<string, string> | undefined),
  }
  if (token) h['X-Cart-Token'] = token
  if (json !== undefined) h['Content-Type'] = 'application/json'
  const res = await fetchFn(path, {
    ...rest,
    headers: h,
    body: json !== undefined ? JSON.stringify(json) : rest.body,
  })
  if (!res.ok) throw await problemFromResponse(res)
  const body = await readJsonBody(res)
  if (body === undefined) {
    throw new ApiError({ status: res.status, detail: `unexpected response from ${path}` })
  }
  return body as T
}

const seg = encodeURIComponent

// ---- catalog ---------------------------------------------------------------

export async function listCategories(fetchFn?: FetchFn): Promise<Category[]> {
  const body = await request<{ categories: Category[] }>(`${STORE}/categories`, {}, fetchFn)
  return body.categories
}

/** The query string of a product search; only the filters that are set. */
export function productSearchParams(query: ProductQuery): URLSearchParams {
  const p = new URLSearchParams()
  if (query.q?.trim()) p.set('q', query.q.trim())
  if (query.category) p.set('category', query.category)
  if (query.inStock) p.set('in_stock', 'true')
  if (query.sort) p.set('sort', query.sort)
  if (query.cursor) p.set('cursor', query.cursor)
  if (query.limit) p.set('limit', String(query.limit))
  return p
}

export function listProducts(
  query: ProductQuery = {},
  fetchFn?: FetchFn,
  signal?: AbortSignal,
): Promise<ProductPage> {
  const qs = productSearchParams(query).toString()
  return request<ProductPage>(`${STORE}/products${qs ? `?${qs}` : ''}`, { signal }, fetchFn)
}

export function getProduct(id: string, fetchFn?: FetchFn, signal?: AbortSignal): Promise<StoreProduct> {
  return request<StoreProduct>(`${STORE}/products/${seg(id)}`, { signal }, fetchFn)
}

// ---- cart and checkout (every call sends the cart's X-Cart-Token) ----------

export function createCart(fetchFn?: FetchFn): Promise<{ cart: Cart; cart_token?: string }> {
  return request(`${STORE}/carts`, { method: 'POST' }, fetchFn)
}

export function getCart(ref: CartRef, fetchFn?: FetchFn): Promise<Cart> {
  return request(`${STORE}/carts/${seg(ref.id)}`, { token: ref.token }, fetchFn)
}

export function updateCart(ref: CartRef, patch: CartPatch, fetchFn?: FetchFn): Promise<Cart> {
  return request(`${STORE}/carts/${seg(ref.id)}`, { method: 'PATCH', token: ref.token, json: patch }, fetchFn)
}

export function addCartLine(
  ref: CartRef,
  line: { variant_id?: string; bundle_id?: string; quantity: number },
  fetchFn?: FetchFn,
): Promise<Cart> {
  return request(`${STORE}/carts/${seg(ref.id)}/lines`, { method: 'POST', token: ref.token, json: line }, fetchFn)
}

export function updateCartLine(
  ref: CartRef,
  lineId: string,
  patch: { quantity?: number },
  fetchFn?: FetchFn,
): Promise<Cart> {
  return request(
    `${STORE}/carts/${seg(ref.id)}/lines/${seg(lineId)}`,
    { method: 'PATCH', token: ref.token, json: patch },
    fetchFn,
  )
}

export function removeCartLine(ref: CartRef, lineId: string, fetchFn?: FetchFn): Promise<Cart> {
  return request(
    `${STORE}/carts/${seg(ref.id)}/lines/${seg(lineId)}`,
    { method: 'DELETE', token: ref.token },
    fetchFn,
  )
}

/**
 * Checks the cart out. expectedTotal is the total the buyer was shown: the
 * API answers 409 if prices now make another.
 */
export function checkout(ref: CartRef, expectedTotal?: Money | null, fetchFn?: FetchFn): Promise<CheckoutResult> {
  return request(
    `${STORE}/carts/${seg(ref.id)}/checkout`,
    { method: 'POST', token: ref.token, json: expectedTotal ? { expected_total: expectedTotal } : {} },
    fetchFn,
  )
}

export function getOrder(orderId: string, token: string, fetchFn?: FetchFn): Promise<Order> {
  return request(`${STORE}/orders/${seg(orderId)}`, { token }, fetchFn)
}

// ---- the guest cart kept in localStorage -----------------------------------

export const CART_STORAGE_KEY = 'trove.cart'

export function loadCartRef(storage: Storage = localStorage): CartRef | null {
  try {
    const v: unknown = JSON.parse(storage.getItem(CART_STORAGE_KEY) ?? 'null')
    if (typeof v === 'object' && v !== null) {
      const { id, token } = v as Record<string, unknown>
      if (typeof id === 'string' && typeof token === 'string' && id && token) return { id, token }
    }
  } catch {
    // A corrupt entry is as good as none.
  }
  return null
}

export function saveCartRef(ref: CartRef | null, storage: Storage = localStorage): void {
  if (ref) storage.setItem(CART_STORAGE_KEY, JSON.stringify(ref))
  else storage.removeItem(CART_STORAGE_KEY)
}

// ---- the sandbox Stripe (stands in for Stripe.js with --sandbox) -----------

/**
 * The publishable key the card form sends. For now from the build's
 * VITE_STRIPE_PUBLISHABLE_KEY, else the sandbox's default pk_test_sandbox;
 * it should come from a GET-able config endpoint of the server later.
 */
export const STRIPE_PUBLISHABLE_KEY: string =
  import.meta.env.VITE_STRIPE_PUBLISHABLE_KEY || 'pk_test_sandbox'

/** The sandbox's test payment methods. */
export type TestPaymentMethod = 'pm_card_visa' | 'pm_card_chargeDeclined'

/** A Stripe error ({error:{message}}), such as a declined card (402). */
export class PaymentError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.name = 'PaymentError'
    this.status = status
  }
}

/**
 * Confirms the payment intent with a test card, as Stripe.js would: a
 * form-encoded POST with the publishable key and the client secret.
 * Resolves with the intent's status; rejects with a PaymentError.
 */
export async function confirmSandboxPayment(
  payment: Payment,
  paymentMethod: TestPaymentMethod,
  publishableKey: string = STRIPE_PUBLISHABLE_KEY,
  fetchFn: FetchFn = defaultFetch,
): Promise<string> {
  const body = new URLSearchParams({
    key: publishableKey,
    client_secret: payment.client_secret,
    payment_method: paymentMethod,
  })
  const res = await fetchFn(`/sandbox/stripe/v1/payment_intents/${seg(payment.payment_intent_id)}/confirm`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: body.toString(),
  })
  const json = await readJsonBody(res)
  const rec = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>
  if (!res.ok) {
    const err = rec.error as Record<string, unknown> | undefined
    const msg = typeof err?.message === 'string' && err.message ? err.message : `payment failed (HTTP ${res.status})`
    throw new PaymentError(res.status, msg)
  }
  return typeof rec.status === 'string' ? rec.status : 'unknown'
}
