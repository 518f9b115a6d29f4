import { fireEvent, screen, within } from '@testing-library/react'
import { json, requestTo } from '@trove/shared/test/fetch'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { browser } from './browser.ts'
import { balance, clearCookies, owner, payout, renderAs, setCsrfCookie, staff, usd } from './test/fixtures.ts'

afterEach(clearCookies)

const notReady = { ready: false, account: null }

function finance(account: unknown) {
  return {
    'GET /api/v1/vendor/finance/balance': () => json(200, { balances: [balance()] }),
    'GET /api/v1/vendor/finance/payouts': () => json(200, { payouts: [payout()] }),
    'GET /api/v1/vendor/finance/orders': () =>
      json(200, {
        orders: [
          {
            vendor_order_id: 'vo_1',
            order_id: 'ord_1',
            sale: usd(2500),
            commission: usd(-375),
            refunds: usd(0),
            net: usd(2125),
            first_posted_at: '2025-03-01T10:05:00Z',
            payout_ids: ['po_1'],
          },
        ],
      }),
    'GET /api/v1/vendor/finance/account': () => json(200, account),
  }
}

describe('Finance', () => {
  it('shows the balances, payouts, earnings and the ledger download', async () => {
    renderAs(owner, '/vendor/finance', finance(notReady))

    const bal = await screen.findByRole('group', { name: 'Balance in USD' })
    expect(within(bal).getByText('Open').nextSibling).toHaveTextContent('$123.45')
    expect(within(bal).getByText('Due').nextSibling).toHaveTextContent('$100.00')
    expect(within(bal).getByText('On hold').nextSibling).toHaveTextContent('$23.45')
    expect(within(bal).getByText('Paid out').nextSibling).toHaveTextContent('$500.00')
    expect(bal).toHaveTextContent('Next payout on Mar 14, 2025, estimated at $100.00.')

    expect(await screen.findByText('BILL-0042')).toBeInTheDocument()
    expect(screen.getByText('PAID')).toBeInTheDocument()
    expect(await screen.findByText('$21.25')).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'Download ledger (CSV)' })).toHaveAttribute(
      'href',
      '/api/v1/vendor/finance/entries?format=csv',
    )
  })

  it('lets an owner start Stripe onboarding when payouts are not ready', async () => {
    setCsrfCookie('csrf-f')
    const redirect = vi.spyOn(browser, 'redirect').mockImplementation(() => {})
    const fetchFn = renderAs(owner, '/vendor/finance', {
      ...finance(notReady),
      'POST /api/v1/vendor/finance/account/onboarding': () =>
        json(200, { url: 'https://connect.stripe.test/setup/abc', expires_at: '2025-03-01T11:00:00Z' }),
    })

    fireEvent.click(await screen.findByRole('button', { name: 'Set up payouts with Stripe' }))

    await vi.waitFor(() => expect(redirect).toHaveBeenCalledWith('https://connect.stripe.test/setup/abc'))
    expect(requestTo(fetchFn, 'POST /api/v1/vendor/finance/account/onboarding').headers.get('X-CSRF-Token')).toBe('csrf-f')
  })

  it('does not offer staff the onboarding button', async () => {
    renderAs(staff, '/vendor/finance', finance(notReady))

    expect(await screen.findByText('Ask an owner of your team to set up payouts.')).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: /Stripe/ })).not.toBeInTheDocument()
  })

  it('does not offer onboarding once payouts are ready', async () => {
    renderAs(
      owner,
      '/vendor/finance',
      finance({
        ready: true,
        account: {
          vendor_id: 'ven_1',
          stripe_account_id: 'acct_123',
          details_submitted: true,
          payouts_enabled: true,
          transfers_active: true,
          updated_at: '2025-03-01T00:00:00Z',
        },
      }),
    )

    expect(await screen.findByText('acct_123')).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: /Stripe/ })).not.toBeInTheDocument()
  })

  it('welcomes the owner back from Stripe and reads the account again', async () => {
    const fetchFn = renderAs(owner, '/vendor/finance', finance(notReady), '?stripe=return')

    expect(await screen.findByText(/Back from Stripe/)).toBeInTheDocument()
    await screen.findByRole('button', { name: 'Set up payouts with Stripe' })
    expect(fetchFn.requests.map((r) => r.key)).toContain('GET /api/v1/vendor/finance/account')
  })
})
