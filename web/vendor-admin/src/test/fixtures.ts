// Objects shaped as the API answers them, typed with the types generated
// from api/openapi.yaml (a fixture missing a field the API always sends does
// not compile), and the app rendered against a fetch stand-in, for tests.
import type {
  Balance,
  Money,
  Payout,
  PayoutCycle,
  ReconciliationReport,
  User,
  VendorOrder,
  XeroConnection,
} from '@trove/shared'
import { json, routeFetch as sharedRouteFetch, type RecordingFetch, type Route } from '@trove/shared/test/fetch'
import { render } from '@testing-library/react'
import { createElement } from 'react'
import { vi } from 'vitest'
import { App } from '../App.tsx'

export const usd = (amount: number): Money => ({ amount, currency: 'USD' })

export const owner: User = { id: 'usr_o', email: 'olive@acme.test', name: 'Olive', role: 'vendor_owner', vendor_id: 'ven_1' }
export const staff: User = { id: 'usr_s', email: 'sam@acme.test', name: 'Sam', role: 'vendor_staff', vendor_id: 'ven_1' }
export const operator: User = { id: 'usr_a', email: 'ada@trove.test', name: 'Ada', role: 'platform_admin' }

export const health: Record<string, Route> = {
  'GET /healthz': () => json(200, { status: 'ok' }),
  'GET /readyz': () => json(200, { status: 'ready' }),
}

/**
 * A fetch stand-in answering by "METHOD path" (the path with its query
 * string), with the health probes answered. An unexpected request fails loudly.
 */
export function routeFetch(routes: Record<string, Route>): RecordingFetch {
  return sharedRouteFetch({ ...health, ...routes })
}

/** Renders the app at `pathname` for a signed-in `user`, with `routes` answered. */
export function renderAs(user: User, pathname: string, routes: Record<string, Route>, search = '') {
  const fetchFn = routeFetch({ 'GET /api/v1/auth/me': () => json(200, user), ...routes })
  vi.stubGlobal('fetch', fetchFn)
  render(createElement(App, { pathname, search }))
  return fetchFn
}

export function setCsrfCookie(value: string): void {
  document.cookie = `trove_csrf=${value}; path=/`
}

export function clearCookies(): void {
  for (const c of document.cookie.split(';')) {
    const name = c.split('=')[0].trim()
    if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`
  }
}

export function vendorOrder(extra: Partial<VendorOrder> = {}): VendorOrder {
  return {
    id: 'vo_1',
    order_id: 'ord_1',
    vendor_id: 'ven_1',
    vendor_name: 'Acme Goods',
    status: 'accepted',
    subtotal: usd(2500),
    refunded: usd(0),
    commission_bps: 1500,
    recipient: {
      name: 'Rita Recipient',
      address_lines: ['1 Main St', 'Apt 2'],
      city: 'Portland',
      region: 'OR',
      postal_code: '97201',
      country: 'US',
    },
    gift_message: 'Happy birthday!',
    delivery_date: null,
    lines: [
      {
        id: 'vol_1',
        variant_id: 'var_1',
        sku: 'CANDLE-L',
        title: 'Beeswax candle',
        variant_title: 'Large',
        quantity: 2,
        refunded_quantity: 1,
        unit_price: usd(1250),
        amount: usd(2500),
      },
    ],
    tracking: { carrier: '', number: '', url: '' },
    shopify_order: { id: 'gid://shopify/Order/1', name: '#1001' },
    placed_at: '2025-03-01T10:00:00Z',
    accepted_at: '2025-03-01T10:05:00Z',
    handed_off_at: '2025-03-01T10:06:00Z',
    packed_at: null,
    shipped_at: null,
    delivered_at: null,
    cancelled_at: null,
    updated_at: '2025-03-01T10:06:00Z',
    ...extra,
  }
}

export function balance(extra: Partial<Balance> = {}): Balance {
  return {
    currency: 'USD',
    open: usd(12345),
    due: usd(10000),
    on_hold: usd(2345),
    paid_out: usd(50000),
    next_date: '2025-03-14T00:00:00Z',
    estimate: usd(10000),
    ...extra,
  }
}

export function payout(extra: Partial<Payout> = {}): Payout {
  return {
    id: 'po_1',
    cycle_id: 'cyc_1',
    vendor_id: 'ven_1',
    amount: usd(8500),
    reversed: usd(0),
    status: 'transferred',
    stripe_account_id: 'acct_1',
    transfer_group: 'tg_1',
    source_transaction: null,
    stripe_transfer_id: 'tr_1',
    failure_reason: '',
    transferred_at: '2025-03-07T00:00:00Z',
    xero_bill_number: 'BILL-0042',
    xero_bill_status: 'PAID',
    created_at: '2025-03-07T00:00:00Z',
    ...extra,
  }
}

export function cycle(extra: Partial<PayoutCycle> = {}): PayoutCycle {
  return {
    id: 'cyc_1',
    trigger: 'schedule',
    occurrence: '2025-03-07',
    cutoff: '2025-03-07T00:00:00Z',
    started_by: 'scheduler',
    payouts: 3,
    skipped: 1,
    started_at: '2025-03-07T00:00:00Z',
    finished_at: '2025-03-07T00:01:00Z',
    skips: [{ vendor_id: 'ven_9', balance: usd(1200), reason: 'no payout account' }],
    ...extra,
  }
}

export function report(extra: Partial<ReconciliationReport> = {}): ReconciliationReport {
  return {
    payouts: 9,
    reconciled: 5,
    mismatched: 2,
    incomplete: 1,
    unchecked: 1,
    rows: [
      {
        payout_id: 'po_1',
        cycle_id: 'cyc_1',
        vendor_id: 'ven_1',
        currency: 'USD',
        ledger_total: 8500,
        payout_net: 8500,
        stripe_net: 8500,
        xero_bill_net: 8000,
        xero_paid_net: null,
        status: 'mismatch',
        problems: 'Xero bill is $5.00 short',
        checked_at: '2025-03-08T00:00:00Z',
        amount: usd(8500),
        stripe_transfer_id: 'tr_1',
        xero_bill_number: 'BILL-0042',
      },
    ],
    ...extra,
  }
}

export function xero(extra: Partial<XeroConnection> = {}): XeroConnection {
  return {
    status: 'none',
    tenant_id: '',
    tenant_name: '',
    tenants: [],
    last_error: '',
    connected_at: null,
    refreshed_at: null,
    ...extra,
  }
}
