// The storefront's calls of the REST API (/api/v1/store, see
// api/openapi.yaml) through the typed client of @trove/shared, and the
// sandbox Stripe's card confirmation. Every function takes an optional fetch
// (tests pass a stand-in) and rejects with an ApiError (the problem's detail
// and field errors) when the API says no.

import {
  createApiClient,
  dataOf,
  readJsonBody,
  type ApiFetch,
  type Cart,
  type CartCreated,
  type CartLineInput,
  type CartLinePatch,
  type CartPatch,
  type Category,
  type CheckoutPayment,
  type CheckoutResult,
  type FetchFn,
  type Money,
  type operations,
  type Order,
  type StoreProduct,
  type StoreProductPage,
} from '@trove/shared'

/** The product search's parameters, as GET /api/v1/store/products takes them. */
export type ProductQuery = NonNullable<operations['listStoreProducts']['parameters']['query']>
export type ProductSort = NonNullable<ProductQuery['sort']>

/** A guest cart as this browser knows it: its id and the token that proves it is ours. */
export interface CartRef {
  readonly id: string
  readonly token: string
}

const api = createApiClient()

// ---- catalog ---------------------------------------------------------------

export async function listCategories(fetchFn?: ApiFetch): Promise<readonly Category[]> {
  const body = await dataOf(api.GET('/api/v1/store/categories', { fetch: fetchFn }))
  return body.categories
}

/**
 * Where each search parameter goes in the query string: always the same
 * order, whatever order the filters were set in. Every parameter the API
 * takes must be here (the type says so), so none is dropped unseen.
 */
const SEARCH_ORDER: { readonly [K in keyof Required<ProductQuery>]: number } = {
  q: 0,
  category: 1,
  vendor: 2,
  currency: 3,
  min_price: 4,
  max_price: 5,
  in_stock: 6,
  sort: 7,
  cursor: 8,
  limit: 9,
}

/** The query of a product search: only the filters that are set (in_stock only when true), the words trimmed. */
export function productSearchQuery(query: ProductQuery): ProductQuery {
  const set = Object.entries({ ...query, q: query.q?.trim() }).filter(
    ([, v]) => v !== undefined && v !== '' && v !== false,
  )
  set.sort(([a], [b]) => SEARCH_ORDER[a as keyof ProductQuery] - SEARCH_ORDER[b as keyof ProductQuery])
  return Object.fromEntries(set)
}

export function listProducts(query: ProductQuery = {}, fetchFn?: ApiFetch, signal?: AbortSignal): Promise<StoreProductPage> {
  return dataOf(
    api.GET('/api/v1/store/products', { params: { query: productSearchQuery(query) }, fetch: fetchFn, signal }),
  )
}

export function getProduct(id: string, fetchFn?: ApiFetch, signal?: AbortSignal): Promise<StoreProduct> {
  return dataOf(api.GET('/api/v1/store/products/{productID}', { params: { path: { productID: id } }, fetch: fetchFn, signal }))
}

// ---- cart and checkout (every call sends the cart's X-Cart-Token) ----------

/** The path and header parameters of a call about the cart `ref`. */
function cartParams(ref: CartRef) {
  return { path: { cartID: ref.id }, header: { 'X-Cart-Token': ref.token } }
}

export function createCart(fetchFn?: ApiFetch): Promise<CartCreated> {
  return dataOf(api.POST('/api/v1/store/carts', { fetch: fetchFn }))
}

export function getCart(ref: CartRef, fetchFn?: ApiFetch): Promise<Cart> {
  return dataOf(api.GET('/api/v1/store/carts/{cartID}', { params: cartParams(ref), fetch: fetchFn }))
}

export function updateCart(ref: CartRef, patch: CartPatch, fetchFn?: ApiFetch): Promise<Cart> {
  return dataOf(api.PATCH('/api/v1/store/carts/{cartID}', { params: cartParams(ref), body: patch, fetch: fetchFn }))
}

export function addCartLine(ref: CartRef, line: CartLineInput, fetchFn?: ApiFetch): Promise<Cart> {
  return dataOf(api.POST('/api/v1/store/carts/{cartID}/lines', { params: cartParams(ref), body: line, fetch: fetchFn }))
}

export function updateCartLine(ref: CartRef, lineId: string, patch: CartLinePatch, fetchFn?: ApiFetch): Promise<Cart> {
  return dataOf(
    api.PATCH('/api/v1/store/carts/{cartID}/lines/{lineID}', {
      params: { ...cartParams(ref), path: { cartID: ref.id, lineID: lineId } },
      body: patch,
      fetch: fetchFn,
    }),
  )
}

export function removeCartLine(ref: CartRef, lineId: string, fetchFn?: ApiFetch): Promise<Cart> {
  return dataOf(
    api.DELETE('/api/v1/store/carts/{cartID}/lines/{lineID}', {
      params: { ...cartParams(ref), path: { cartID: ref.id, lineID: lineId } },
      fetch: fetchFn,
    }),
  )
}

/**
 * Checks the cart out. expectedTotal is the total the buyer was shown: the
 * API answers 409 if prices now make another.
 */
export function checkout(ref: CartRef, expectedTotal?: Money | null, fetchFn?: ApiFetch): Promise<CheckoutResult> {
  return dataOf(
    api.POST('/api/v1/store/carts/{cartID}/checkout', {
      params: cartParams(ref),
      body: expectedTotal ? { expected_total: expectedTotal } : {},
      fetch: fetchFn,
    }),
  )
}

export function getOrder(orderId: string, token: string, fetchFn?: ApiFetch): Promise<Order> {
  return dataOf(
    api.GET('/api/v1/store/orders/{orderID}', {
      params: { path: { orderID: orderId }, header: { 'X-Cart-Token': token } },
      fetch: fetchFn,
    }),
  )
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

// Stripe's wire format, not Trove's API: nothing in api/openapi.yaml
// describes it, so its few shapes are written here.

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
  payment: CheckoutPayment,
  paymentMethod: TestPaymentMethod,
  publishableKey: string = STRIPE_PUBLISHABLE_KEY,
  fetchFn: FetchFn = (input, init) => fetch(input, init),
): Promise<string> {
  const body = new URLSearchParams({
    key: publishableKey,
    client_secret: payment.client_secret,
    payment_method: paymentMethod,
  })
  const res = await fetchFn(`/sandbox/stripe/v1/payment_intents/${encodeURIComponent(payment.payment_intent_id)}/confirm`, {
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
