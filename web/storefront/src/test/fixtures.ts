// Objects shaped as the API answers them, for tests: typed with the types
// generated from api/openapi.yaml, so a fixture that leaves out a field the
// API always sends does not compile.
import type { Cart, CartLine, Money, Order, Recipient, StoreProduct } from '@trove/shared'

export const usd = (amount: number): Money => ({ amount, currency: 'USD' })

const recipient: Recipient = {
  name: 'Ada Lovelace',
  address_lines: ['1 Main St'],
  city: 'Springfield',
  region: 'IL',
  postal_code: '62701',
  country: 'US',
}

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
    parts: [],
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
    recipient,
    lines: [line()],
    item_count: 2,
    subtotal: usd(2500),
    problems: [],
    ready_for_checkout: true,
    order_id: null,
    created_at: '2026-11-24T14:50:00Z',
    updated_at: '2026-11-24T14:55:00Z',
    ...extra,
  }
}

export function order(extra: Partial<Order> = {}): Order {
  return {
    id: 'ord_1',
    status: 'pending_payment',
    fulfilment_status: 'unfulfilled',
    currency: 'USD',
    subtotal: usd(2500),
    total: usd(2500),
    email: 'buyer@example.com',
    gift_message: '',
    recipient,
    item_count: 2,
    reserved_until: null,
    placed_at: '2026-11-24T15:00:00Z',
    paid_at: null,
    lines: [
      {
        line_no: 1,
        vendor_order_id: 'vo_1',
        product_id: 'prd_1',
        variant_id: 'var_1',
        bundle_id: null,
        title: 'Beeswax candle',
        variant_title: 'Large',
        sku: 'CANDLE-L',
        quantity: 2,
        unit_price: usd(1250),
        amount: usd(2500),
      },
    ],
    vendor_orders: [
      {
        id: 'vo_1',
        vendor: { slug: 'acme', name: 'Acme Goods' },
        status: 'pending',
        subtotal: usd(2500),
        recipient,
        gift_message: '',
        delivery_date: null,
        tracking: null,
        shipped_at: null,
        delivered_at: null,
      },
    ],
    ...extra,
  }
}
