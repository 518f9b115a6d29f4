import { describe, expect, it } from 'vitest'
import { formatMoney, minorUnitExponent } from './money.ts'

// Intl may put a narrow no-break space between the number and a code.
const norm = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ')

describe('minorUnitExponent', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['JPY', 0],
    ['KWD', 3],
    ['BHD', 3],
    ['JOD', 3],
    ['OMR', 3],
    ['TND', 3],
    ['IQD', 3],
    ['LYD', 3],
    ['jpy', 0],
  ])('%s has %i decimals', (currency, exponent) => {
    expect(minorUnitExponent(currency)).toBe(exponent)
  })
})

describe('formatMoney', () => {
  it('formats cents for two-decimal currencies', () => {
    expect(formatMoney({ amount: 123456, currency: 'USD' }, 'en-US')).toBe('$1,234.56')
    expect(formatMoney({ amount: 5, currency: 'USD' }, 'en-US')).toBe('$0.05')
    expect(formatMoney({ amount: 0, currency: 'USD' }, 'en-US')).toBe('$0.00')
  })

  it('formats yen without decimals (exponent 0)', () => {
    expect(formatMoney({ amount: 1500, currency: 'JPY' }, 'en-US')).toBe('¥1,500')
  })

  it('formats three-decimal currencies (exponent 3)', () => {
    expect(norm(formatMoney({ amount: 1234, currency: 'KWD' }, 'en-US'))).toBe('KWD 1.234')
    expect(norm(formatMoney({ amount: 5, currency: 'BHD' }, 'en-US'))).toBe('BHD 0.005')
    // IQD is 3 in ISO 4217 even where Intl's data says otherwise.
    expect(norm(formatMoney({ amount: 1000, currency: 'IQD' }, 'en-US'))).toBe('IQD 1.000')
  })

  it('formats negative amounts', () => {
    expect(formatMoney({ amount: -1999, currency: 'USD' }, 'en-US')).toBe('-$19.99')
    expect(formatMoney({ amount: -300, currency: 'JPY' }, 'en-US')).toBe('-¥300')
    expect(norm(formatMoney({ amount: -1, currency: 'OMR' }, 'en-US'))).toBe('-OMR 0.001')
  })

  it('uses the locale', () => {
    expect(norm(formatMoney({ amount: 123456, currency: 'EUR' }, 'de-DE'))).toBe('1.234,56 €')
  })

  it('falls back to the number and the code for a code Intl rejects', () => {
    expect(formatMoney({ amount: 1234, currency: 'X1' }, 'en-US')).toBe('12.34 X1')
  })
})

describe('formatMoney without a locale', () => {
  it('uses the browser language', () => {
    // jsdom's navigator.language is en-US.
    expect(navigator.language).toBe('en-US')
    expect(formatMoney({ amount: 123456, currency: 'USD' })).toBe('$1,234.56')
  })
})
