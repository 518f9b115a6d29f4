// Leaving the app for another site (Stripe, Xero) and opening downloads in a
// new tab. One object, so tests can spy on it (jsdom cannot navigate).
export const browser = {
  /** Sends the whole page to `url`. */
  redirect(url: string): void {
    window.location.assign(url)
  },
  /** Opens `url` in a new tab; false when the browser blocked it. */
  open(url: string): boolean {
    return window.open(url, '_blank', 'noopener') !== null
  },
}
