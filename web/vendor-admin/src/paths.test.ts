import { describe, expect, it } from 'vitest'
import { appHref, BASE_PATH, routeOf } from './paths.ts'

describe('paths', () => {
  it('takes the base path from the Vite config', () => {
    expect(BASE_PATH).toBe('/vendor/')
  })

  it('keeps every link under /vendor/', () => {
    expect(appHref()).toBe('/vendor/')
    expect(appHref('orders/42')).toBe('/vendor/orders/42')
    expect(appHref('/orders')).toBe('/vendor/orders')
  })

  it('maps location pathnames to in-app routes', () => {
    expect(routeOf('/vendor/')).toBe('')
    expect(routeOf('/vendor')).toBe('')
    expect(routeOf('/vendor/orders/42/')).toBe('orders/42')
  })

  it('does not claim pathnames outside the base', () => {
    expect(routeOf('/')).toBeNull()
    expect(routeOf('/vendors')).toBeNull()
    expect(routeOf('/healthz')).toBeNull()
  })
})
