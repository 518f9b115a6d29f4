import { describe, expect, it } from 'vitest'
import { ApiError, problemFromResponse } from './problem.ts'
import { json } from './test/fetch.ts'

describe('problemFromResponse', () => {
  it('keeps the detail and the field errors', async () => {
    const res = json(
      400,
      {
        type: 'about:blank',
        title: 'Bad Request',
        status: 400,
        detail: 'the cart cannot be checked out',
        errors: [
          { field: 'email', message: 'is required' },
          { field: 'recipient.city', message: 'is required' },
          { nope: true },
        ],
      },
      'application/problem+json',
    )

    const err = await problemFromResponse(res)

    expect(err).toBeInstanceOf(ApiError)
    expect(err).toBeInstanceOf(Error)
    expect(err.status).toBe(400)
    expect(err.message).toBe('the cart cannot be checked out')
    expect(err.errors).toEqual([
      { field: 'email', message: 'is required' },
      { field: 'recipient.city', message: 'is required' },
    ])
    expect(err.fieldError('recipient.city')).toBe('is required')
    expect(err.fieldError('name')).toBeUndefined()
  })

  it('falls back to the title, then the HTTP status', async () => {
    const titled = await problemFromResponse(
      json(409, { title: 'Conflict', status: 409 }, 'application/problem+json'),
    )
    expect(titled.message).toBe('Conflict')

    const bare = await problemFromResponse(
      new Response('<html>', { status: 502, headers: { 'Content-Type': 'text/html' } }),
    )
    expect(bare.message).toBe('HTTP 502')
    expect(bare.errors).toEqual([])
  })
})
