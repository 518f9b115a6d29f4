// Leaving the app for another site (Stripe, Xero) and opening downloads in a
// new tab. One object, so tests can spy on it (jsdom cannot navigate).
export const browser = {
  /** Sends the whole page to `url`. */
  redirect(url: string): void {
    window.location.assign(url)
  },
  /**
   * Opens `url` in a new tab; false when the browser blocked it. Not with the
   * 'noopener' feature: with it window.open always answers null, which would
   * read as blocked. The opener is cut by hand instead.
   */
  open(url: string): boolean {
    const w = window.open(url, '_blank')
    if (w === null) return false
    w.opener = null
    return true
  },
}
