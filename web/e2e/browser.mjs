// Helpers for the browser end-to-end tests: Debian's chromium through
// playwright-core (no browser download), one fresh context per user, the
// console and page errors a page logs, and signing in to the vendor admin.
import { chromium } from 'playwright-core'

export const BASE = (process.env.TROVE_E2E_URL ?? '').replace(/\/+$/, '')
export const PASSWORD = process.env.TROVE_E2E_PASSWORD ?? ''
if (!BASE || !PASSWORD) throw new Error('set TROVE_E2E_URL and TROVE_E2E_PASSWORD (deploy/local/e2e.sh does)')

/** How long one wait for the UI (an element, a text) may take. */
export const TIMEOUT = 15_000

export function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/**
 * A fresh context (cookies, storage) for one user and its first page, with a
 * fixed locale and time zone so nothing depends on the machine's. `errors`
 * collects the console errors and uncaught exceptions of every page of the
 * context, but not the 401 of /api/v1/auth/me (how the apps learn that nobody
 * is signed in).
 */
export async function openAs(browser) {
  const context = await browser.newContext({ baseURL: BASE, locale: 'en-US', timezoneId: 'UTC' })
  context.setDefaultTimeout(TIMEOUT)
  const errors = []
  const watch = (page) => {
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return
      const url = msg.location()?.url ?? ''
      if (/\/api\/v1\/auth\/me(\?|$)/.test(url) && /\b401\b/.test(msg.text())) return
      errors.push(`console: ${msg.text()}${url ? ` (${url})` : ''}`)
    })
    page.on('pageerror', (err) => errors.push(`page error: ${err.message}`))
  }
  context.on('page', watch)
  const page = await context.newPage()
  return { context, page, errors }
}

/** Signs in at /vendor/ and waits for the signed-in shell (its "Sign out"). */
export async function signIn(page, email) {
  await page.goto('/vendor/')
  await page.getByRole('heading', { name: 'Sign in' }).waitFor()
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('button', { name: 'Sign out' }).waitFor()
}

/** Polls `fn` until it returns a truthy value, or throws after `timeout` ms. */
export async function eventually(fn, { timeout = TIMEOUT, interval = 250, what = 'the condition' } = {}) {
  const deadline = Date.now() + timeout
  let last
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ''}`)
    }
    await new Promise((r) => setTimeout(r, interval))
  }
}
