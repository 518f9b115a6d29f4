import { fireEvent, screen, within } from '@testing-library/react'
import { json, problem, requestTo } from '@trove/shared/test/fetch'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { browser } from './browser.ts'
import { clearCookies, cycle, operator, payout, renderAs, report, setCsrfCookie, xero } from './test/fixtures.ts'

afterEach(clearCookies)

describe('Operator: payouts', () => {
  it('lists cycles with their skips and runs a cycle now', async () => {
    setCsrfCookie('csrf-op')
    let cycles = [cycle()]
    const fetchFn = renderAs(operator, '/vendor/payouts', {
      'GET /api/v1/admin/payouts/cycles': () => json(200, { cycles }),
      'GET /api/v1/admin/payouts': () => json(200, { payouts: [payout()] }),
      'POST /api/v1/admin/payouts/cycles': () => {
        const c = cycle({ id: 'cyc_2', trigger: 'manual', started_by: 'usr_a', payouts: 2, skipped: 0, skips: [] })
        cycles = [c, ...cycles]
        return json(201, c)
      },
    })

    expect(await screen.findByText(/no payout account/)).toBeInTheDocument()
    expect(screen.getByText('ven_9')).toBeInTheDocument()

    fireEvent.click(screen.getByRole('button', { name: 'Run payout cycle now' }))

    expect(await screen.findByText('Cycle run: 2 payouts, 0 skipped.')).toBeInTheDocument()
    expect(await screen.findByText('cyc_2')).toBeInTheDocument()
    expect(requestTo(fetchFn, 'POST /api/v1/admin/payouts/cycles').headers.get('X-CSRF-Token')).toBe('csrf-op')
  })

  it('retries a payout and shows a refusal', async () => {
    renderAs(operator, '/vendor/payouts', {
      'GET /api/v1/admin/payouts/cycles': () => json(200, { cycles: [] }),
      'GET /api/v1/admin/payouts': () =>
        json(200, { payouts: [payout(), payout({ id: 'po_2', status: 'failed', failure_reason: 'account closed' })] }),
      'POST /api/v1/admin/payouts/po_1/retry': () => json(202, { payout_id: 'po_1', started: 'bookkeeping' }),
      'POST /api/v1/admin/payouts/po_2/retry': () => problem(409, { detail: 'a failed payout cannot be retried' }),
    })

    fireEvent.click(await screen.findByRole('button', { name: 'Retry payout po_1' }))
    expect(await screen.findByText('Started: bookkeeping')).toBeInTheDocument()

    fireEvent.click(screen.getByRole('button', { name: 'Retry payout po_2' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('a failed payout cannot be retried')
  })
})

describe('Operator: reconciliation', () => {
  it('shows the summary and the five figures, and checks again', async () => {
    const fetchFn = renderAs(operator, '/vendor/reconciliation', {
      'GET /api/v1/admin/reconciliation': () => json(200, report()),
      'POST /api/v1/admin/reconciliation/check': () => json(200, { checked: 4, report: report({ mismatched: 0, reconciled: 7 }) }),
    })

    const dl = await screen.findByLabelText('Reconciliation summary')
    expect(within(dl).getByText('Reconciled').nextSibling).toHaveTextContent('5')
    expect(within(dl).getByText('Mismatched').nextSibling).toHaveTextContent('2')
    expect(within(dl).getByText('Incomplete').nextSibling).toHaveTextContent('1')
    expect(within(dl).getByText('Unchecked').nextSibling).toHaveTextContent('1')

    const row = screen.getByText('po_1').closest('tr')!
    expect(within(row).getAllByText('$85.00')).toHaveLength(3)
    expect(within(row).getByText('$80.00')).toBeInTheDocument()
    expect(within(row).getByText('—')).toBeInTheDocument()
    expect(within(row).getByText('Xero bill is $5.00 short')).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'Download report (CSV)' })).toHaveAttribute(
      'href',
      '/api/v1/admin/reconciliation?format=csv',
    )

    fireEvent.click(screen.getByRole('button', { name: 'Check now' }))

    expect(await screen.findByText('Checked 4 payouts.')).toBeInTheDocument()
    expect(within(dl).getByText('Reconciled').nextSibling).toHaveTextContent('7')
    expect(JSON.parse(requestTo(fetchFn, 'POST /api/v1/admin/reconciliation/check').body)).toEqual({})
  })
})

describe('Operator: Xero', () => {
  it('sends the operator to Xero to connect', async () => {
    const redirect = vi.spyOn(browser, 'redirect').mockImplementation(() => {})
    renderAs(operator, '/vendor/xero', {
      'GET /api/v1/admin/xero': () => json(200, xero()),
      'POST /api/v1/admin/xero/connect': () => json(200, { authorize_url: 'https://login.xero.test/authorize?x=1' }),
    })

    fireEvent.click(await screen.findByRole('button', { name: 'Connect Xero' }))

    await vi.waitFor(() => expect(redirect).toHaveBeenCalledWith('https://login.xero.test/authorize?x=1'))
  })

  it('shows the return from Xero and lets the operator choose the organisation', async () => {
    const fetchFn = renderAs(
      operator,
      '/vendor/',
      {
        'GET /api/v1/admin/xero': () =>
          json(
            200,
            xero({
              status: 'choose_tenant',
              tenants: [
                { id: 'ten_1', name: 'Trove Ltd' },
                { id: 'ten_2', name: 'Trove Demo' },
              ],
              connected_at: '2025-03-01T00:00:00Z',
            }),
          ),
        'POST /api/v1/admin/xero/tenant': () =>
          json(200, xero({ status: 'connected', tenant_id: 'ten_2', tenant_name: 'Trove Demo' })),
      },
      '?xero=connected',
    )

    expect(await screen.findByText('Xero connected.')).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'Xero' })).toHaveAttribute('aria-current', 'page')
    fireEvent.change(await screen.findByLabelText('Organisation'), { target: { value: 'ten_2' } })
    fireEvent.click(screen.getByRole('button', { name: 'Use this organisation' }))

    await vi.waitFor(() => expect(screen.queryByLabelText('Organisation')).not.toBeInTheDocument())
    expect(screen.getByText('Trove Demo')).toBeInTheDocument()
    expect(screen.getByText('connected')).toBeInTheDocument()
    expect(JSON.parse(requestTo(fetchFn, 'POST /api/v1/admin/xero/tenant').body)).toEqual({ tenant_id: 'ten_2' })
  })

  it('shows the last error of a broken connection', async () => {
    renderAs(operator, '/vendor/xero', {
      'GET /api/v1/admin/xero': () => json(200, xero({ status: 'broken', tenant_name: 'Trove Ltd', last_error: 'token revoked' })),
    })

    expect(await screen.findByRole('alert')).toHaveTextContent('token revoked')
    expect(screen.getByRole('button', { name: 'Reconnect Xero' })).toBeInTheDocument()
  })
})
