import { afterEach, describe, expect, it, vi } from 'vitest'
import { csrfToken } from './api.ts'

describe('csrfToken', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  function cookies(value: string): void {
    vi.spyOn(Document.prototype, 'cookie', 'get').mockReturnValue(value)
  }

  it('reads the __Host- cookie the server sets over https, before a bare one', () => {
    cookies('trove_csrf=planted; __Host-trove_csrf=tls%2Dtoken; other=1')
    expect(csrfToken()).toBe('tls-token')
  })

  it('reads the bare cookie of plain-http development', () => {
    cookies('a=1; trove_csrf=dev-token')
    expect(csrfToken()).toBe('dev-token')
  })

  it('does not take a cookie whose name only ends like it', () => {
    cookies('xtrove_csrf=nope')
    expect(csrfToken()).toBe('')
  })
})
