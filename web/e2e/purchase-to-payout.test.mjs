// One gift from purchase to payout, through both apps in a real browser:
//   1. a guest buys a Fern & Finch product on the storefront and pays with the
//      sandbox test card;
//   2. the vendor's owner finds the order in the vendor admin, reads the gift
//      message, ships it and gets its packing manifest;
//   3. the operator runs a payout cycle and sees the payout reconciled
//      (Stripe transfer, Xero bill and payment) with Xero connected.
// The tests run in order and share what they made (deploy/local/e2e.sh).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { BASE, eventually, launch, openAs, signIn } from './browser.mjs'

const VENDOR_OWNER = 'owner@fern-and-finch.example'
const OPERATOR = 'admin@trove.local'
const PRODUCT = 'Letterpress Thank-You Cards'
const VENDOR_NAME = 'Fern & Finch Stationery'

const run = Date.now().toString(36)
const gift = {
  email: `buyer-${run}@example.com`,
  recipient: `Ada Recipient ${run}`,
  line1: '1 Test Street',
  city: 'Springfield',
  postal: '12345',
  country: 'US',
  message: `Thank you for everything! (${run})`,
}
const tracking = { carrier: 'UPS', number: `1Z${run.toUpperCase()}` }

/** What the earlier steps made: the order's id, when it shipped. */
const made = { orderId: '', shippedAt: 0 }

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

test('storefront: a guest buys a gift and pays with the sandbox test card', async () => {
  const { context, page, errors } = await openAs(browser)
  try {
    // The sandbox imports the demo catalog at start: reload until it lists the product.
    const product = page.getByRole('button', { name: PRODUCT })
    await page.goto('/')
    await eventually(
      async () => {
        await page.getByRole('heading', { name: 'Gifts', level: 2 }).waitFor()
        await page.getByRole('region', { name: 'Gifts', exact: true }).locator('ul[aria-busy="false"]').waitFor()
        if (await product.isVisible()) return true
        await page.reload()
        return false
      },
      { interval: 500, what: `${PRODUCT} in the catalog` },
    )
    await product.click()

    await page.getByRole('heading', { name: PRODUCT, level: 2 }).waitFor()
    await page.getByText(`by ${VENDOR_NAME}`).waitFor()
    await page.getByRole('button', { name: 'Add to cart' }).click()
    await page.getByRole('status').filter({ hasText: 'Added to your cart.' }).waitFor()

    await page.getByRole('button', { name: 'Cart (1)' }).click()
    await page.getByRole('heading', { name: 'Your cart' }).waitFor()
    await page.getByLabel('Email (for the receipt)').fill(gift.email)
    await page.getByLabel('Gift message').fill(gift.message)
    await page.getByLabel('Name', { exact: true }).fill(gift.recipient)
    await page.getByLabel('Address line 1').fill(gift.line1)
    await page.getByLabel('City').fill(gift.city)
    await page.getByLabel('Postal code').fill(gift.postal)
    await page.getByLabel('Country (2 letters)').fill(gift.country)
    await page.getByRole('button', { name: 'Checkout' }).click()

    const heading = page.getByRole('heading', { name: /^Order \S+$/, level: 2 })
    await heading.waitFor()
    made.orderId = (await heading.textContent()).replace(/^Order /, '').trim()
    assert.ok(made.orderId, 'the payment step names the order')

    await page.getByRole('button', { name: 'Pay with test card (succeeds)' }).click()
    await page
      .getByRole('status')
      .filter({ hasText: `order ${made.orderId} is paid.` })
      .waitFor({ timeout: 30_000 })

    assert.deepEqual(errors, [], 'no console or page errors on the storefront')
  } finally {
    await context.close()
  }
})

test('vendor admin: the owner finds the order, ships it and gets its manifest', async (t) => {
  assert.ok(made.orderId, 'needs the order of the storefront test')
  const { context, page, errors } = await openAs(browser)
  try {
    await signIn(page, VENDOR_OWNER)
    await page.getByRole('heading', { name: 'Orders', level: 2 }).waitFor()

    // The vendor order is made from the paid order by a job: reload until the
    // list shows it.
    const row = page.getByRole('row').filter({ hasText: gift.recipient })
    await eventually(
      async () => {
        if (await row.isVisible()) return true
        await page.reload()
        await page.getByRole('table').or(page.getByText('No orders.')).first().waitFor()
        return row.isVisible()
      },
      { timeout: 20_000, interval: 500, what: `the order of ${gift.recipient} in the Orders list` },
    )
    assert.match(await row.textContent(), new RegExp(made.orderId))
    await row.getByRole('link').click()

    await page.getByRole('heading', { name: /^Order /, level: 2 }).waitFor()
    await page.getByRole('heading', { name: 'Recipient' }).waitFor()
    await page.getByText(gift.message).waitFor()
    await page.getByRole('cell', { name: PRODUCT }).waitFor()

    await page.getByLabel('New status').selectOption('shipped')
    await page.getByLabel('Carrier').fill(tracking.carrier)
    await page.getByLabel('Tracking number').fill(tracking.number)
    await page.getByRole('button', { name: 'Update status' }).click()
    await page.getByRole('status').filter({ hasText: 'Marked shipped.' }).waitFor()
    made.shippedAt = Date.now()
    const statusBadge = page.locator('dt:text-is("Status") + dd')
    assert.equal((await statusBadge.textContent()).trim(), 'shipped')
    await page.getByText(tracking.number, { exact: true }).waitFor()

    // The manifest opens in a new tab (a download: the file is an
    // attachment), or as a link when the tab was blocked; either way its URL
    // serves the PDF. The tab's request is seen on the context, whether it
    // ends as a page or a download.
    const fileURLs = []
    context.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/files/')) fileURLs.push(r.url())
    })
    await page.getByRole('button', { name: 'Download packing manifest' }).click()
    const link = page.getByRole('link', { name: 'Open the manifest' })
    await eventually(async () => fileURLs.length > 0 || (await link.isVisible()), {
      what: 'the manifest tab or an "Open the manifest" link',
    })
    const url = fileURLs[0] ?? (await link.getAttribute('href'))
    t.diagnostic(`manifest: ${fileURLs.length ? 'opened in a new tab' : 'link shown (tab blocked)'}`)
    const pdf = await page.request.get(new URL(url, BASE).href)
    assert.equal(pdf.status(), 200, `GET ${url}`)
    assert.match(pdf.headers()['content-disposition'] ?? '', /attachment/)
    assert.equal((await pdf.body()).subarray(0, 4).toString('latin1'), '%PDF')

    assert.deepEqual(errors, [], 'no console or page errors in the vendor admin')
  } finally {
    await context.close()
  }
})

test('operator: a payout cycle pays the vendor and the payout reconciles', async () => {
  assert.ok(made.shippedAt, 'needs the order shipped by the vendor admin test')
  const { context, page, errors } = await openAs(browser)
  try {
    await signIn(page, OPERATOR)
    await page.getByRole('heading', { name: 'Payouts', level: 2 }).waitFor()

    // The payout hold is 1 s (TROVE_PAYOUT_HOLD): the order is due a moment
    // after it shipped. Run the cycle until it makes a payout.
    const wait = made.shippedAt + 1_200 - Date.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    const result = page.getByRole('status').filter({ hasText: /^Cycle run: / })
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Run payout cycle now' }).click()
        await result.waitFor()
        const text = await result.textContent()
        const n = Number(/Cycle run: (\d+)/.exec(text)?.[1] ?? 0)
        return n >= 1
      },
      { timeout: 10_000, interval: 1_000, what: 'a payout cycle with a payout' },
    )
    await page.getByRole('heading', { name: 'All payouts' }).waitFor()
    await page.getByRole('button', { name: /^Retry payout / }).first().waitFor()

    // The Stripe transfer and the Xero bill and payment are jobs: check until
    // the payout reconciles.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reconciliation' }).click()
    await page.getByRole('heading', { name: 'Reconciliation', level: 2 }).waitFor()
    const summary = page.getByRole('definition').and(page.locator('dt:text-is("Reconciled") + dd'))
    const checked = page.getByRole('status').filter({ hasText: /^Checked \d+ payouts?\.$/ })
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Check now' }).click()
        await checked.waitFor()
        await page.getByRole('button', { name: 'Check now' }).and(page.locator(':enabled')).waitFor()
        return Number((await summary.textContent()).trim()) >= 1
      },
      { timeout: 30_000, interval: 1_000, what: 'Reconciled ≥ 1 on the Reconciliation screen' },
    )

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Xero' }).click()
    await page.getByRole('heading', { name: 'Xero', level: 2 }).waitFor()
    const xeroStatus = page.locator('dt:text-is("Status") + dd')
    await xeroStatus.waitFor()
    assert.equal((await xeroStatus.textContent()).trim(), 'connected')

    assert.deepEqual(errors, [], 'no console or page errors in the operator screens')
  } finally {
    await context.close()
  }
})
