// Money as the API sends it: an integer amount in the currency's minor units
// (cents for USD) and its ISO 4217 code.

import type { Money } from './api/schema.gen.ts'

export type { Money }

/** Currencies whose minor unit is not the hundredth (ISO 4217). */
const EXPONENTS: Readonly<Record<string, number>> = {
  JPY: 0,
  KWD: 3,
  BHD: 3,
  JOD: 3,
  OMR: 3,
  TND: 3,
  IQD: 3,
  LYD: 3,
}

/** How many decimal places the currency's minor unit is: JPY 0, KWD 3, others 2. */
export function minorUnitExponent(currency: string): number {
  return EXPONENTS[currency.toUpperCase()] ?? 2
}

/**
 * Formats an amount in minor units for display, such as
 * formatMoney({ amount: 123456, currency: 'USD' }, 'en-US') === '$1,234.56'.
 * Always shows exactly the currency's minor-unit digits. `locale` defaults to
 * the browser's (navigator.language; under jsdom that is en-US, which keeps
 * tests independent of the machine's locale).
 */
export function formatMoney(money: Money, locale: string | undefined = defaultLocale()): string {
  const currency = money.currency.toUpperCase()
  const exponent = minorUnitExponent(currency)
  const value = money.amount / 10 ** exponent
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    }).format(value)
  } catch {
    // Not a currency Intl knows (or a malformed code): the number and the code.
    return `${value.toFixed(exponent)} ${currency}`
  }
}

function defaultLocale(): string | undefined {
  return typeof navigator !== 'undefined' && navigator.language ? navigator.language : undefined
}
