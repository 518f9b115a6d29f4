// Objects shaped as the API answers them (api/openapi.yaml), for tests.
import { vi } from 'vitest'
import type { Cart, CartLine, Order, StoreProduct } from '../api.ts'

export const usd = (amount: number) => ({ amount, currency: 'USD' })

export function product(id: string, title: string, price: number, extra: Partial<StoreProduct> = {}): StoreProduct {
  return {
    id,
    title,
    description: `${title}, made by hand.`,
    image_url: '',
    category: 'home',
    tags: [],
    gift_ready: true,
    vendor: { slug: 'acme', name: 'Acme Goods' },
    price_min: usd(price),
    price_max: usd(price),
    in_stock: true,
    ...extra,
  }
}

export function line(extra: Partial<CartLine> = {}): CartLine {
  return {
    id: 'cl_1',
    kind: 'variant',
    variant_id: 'var_1',
    bundle_id: null,
    product_id: 'prd_1',
    title: 'Beeswax candle',
    variant_title: 'Large',
    image_url: '',
    vendor: { slug: 'acme', name: 'Acme Goods' },
    quantity: 2,
    unit_price: usd(1250),
    line_total: usd(2500),
    price_when_added: usd(1250),
    available: 5,
    gift_message: '',
    recipient: null,
    problems: [],
    ...extra,
  }
}

export function cart(extra: Partial<Cart> = {}): Cart {
  return {
    id: 'crt_1',
    status: 'open',
    currency: 'USD',
    email: 'buyer@example.com',
    gift_message: '',
    recipient: {
      name: 'Ada Lovelace',
      address_lines: ['1 Main St'],
      city: 'Springfield',
      region: 'IL',
      postal_code: '62701',
      country: 'US',
    },
    lines: [line()],
    item_count: 2,
    subtotal: usd(2500),
    problems: [],
    ready_for_checkout: true,
    order_id: null,
    ...extra,
  }
}

export function order(extra: Partial<Order> = {}): Order {
  return {
    id: 'ord_1',
    status: 'pending_payment',
    currency: 'USD',
    subtotal: usd(2500),
    total: usd(2500),
    email: 'buyer@example.com',
    item_count: 2,
    reserved_until: null,
    placed_at: '2026-11-24T15:00:00Z',
    paid_at: null,
    lines: [
      { line_no: 1, title: 'Beeswax candle', variant_title: 'Large', quantity: 2, unit_price: usd(1250), amount: usd(2500) },
    ],
    ...extra,
  }
}

/** The headers a fetch call was made with, as a Headers object. */
export function headersOf(init: RequestInit | undefined): Headers {
  return new Headers(init?.headers)
}

/**
 * A fetch stand-in answering by "METHOD path" (the path with its query
 * string). An unexpected request fails loudly.
 */
export function routeFetch(routes: Record<string, (init?: RequestInit) => Response | Promise<Response>>) {
  return vi.fn(async (input: string, init?: RequestInit): Promise<Response> => {
    const key = `${init?.method ?? 'GET'} ${input}`
    const route = routes[key]
    if (!route) throw new Error(`unexpected fetch of ${key}`)
    return route(init)
  })
}
