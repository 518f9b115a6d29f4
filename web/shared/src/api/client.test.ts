import { describe, expect, it, vi } from 'vitest'
import { ApiError } from '../problem.ts'
import { json, problem, recordingFetch, routeFetch } from '../test/fetch.ts'
import { createApiClient, dataOf, type Middleware } from './client.ts'

const categories = { categories: [{ slug: 'home', name: 'Home' }] }

describe('createApiClient', () => {
  it('asks the page origin for JSON and answers the body', async () => {
    const fetchFn = routeFetch({ 'GET /api/v1/store/categories': () => json(200, categories) })
    const api = createApiClient({ fetch: fetchFn })

    await expect(dataOf(api.GET('/api/v1/store/categories'))).resolves.toEqual(categories)

    const [req] = fetchFn.requests
    expect(req.headers.get('Accept')).toBe('application/json, application/problem+json')
    const sent = fetchFn.mock.calls[0][0] as Request
    expect(new URL(sent.url).origin).toBe(location.origin)
  })

  it('fills in path parameters (escaped), the query and the JSON body', async () => {
    const fetchFn = recordingFetch(() => json(200, {}))
    const api = createApiClient({ fetch: fetchFn })

    await api.GET('/api/v1/store/products', { params: { query: { q: 'tea set', in_stock: true, limit: 5 } } })
    await api.PATCH('/api/v1/store/carts/{cartID}/lines/{lineID}', {
      params: { path: { cartID: 'crt 1', lineID: 'cl/2' }, header: { 'X-Cart-Token': 'tok' } },
      body: { quantity: 2 },
    })

    const [search, patch] = fetchFn.requests
    expect(search.key).toBe('GET /api/v1/store/products?q=tea%20set&in_stock=true&limit=5')
    expect(search.headers.has('Content-Type')).toBe(false)
    expect(patch.key).toBe('PATCH /api/v1/store/carts/crt%201/lines/cl%2F2')
    expect(patch.headers.get('X-Cart-Token')).toBe('tok')
    expect(patch.headers.get('Content-Type')).toBe('application/json')
    expect(JSON.parse(patch.body)).toEqual({ quantity: 2 })
  })

  it('rejects a problem+json answer with an ApiError naming the fields', async () => {
    const api = createApiClient({
      fetch: routeFetch({
        'POST /api/v1/store/carts/crt_1/checkout': () =>
          json(
            400,
            { type: 'about:blank', title: 'Bad Request', status: 400, detail: 'the cart is not ready', errors: [{ field: 'email', message: 'is required' }] },
            'application/problem+json',
          ),
      }),
    })

    const err = await api.POST('/api/v1/store/carts/{cartID}/checkout', { params: { path: { cartID: 'crt_1' } }, body: {} }).catch((e: unknown) => e)

    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).status).toBe(400)
    expect((err as ApiError).message).toBe('the cart is not ready')
    expect((err as ApiError).fieldError('email')).toBe('is required')
  })

  it('rejects an error answer that is not JSON with its status', async () => {
    const api = createApiClient({
      fetch: routeFetch({ 'GET /api/v1/store/categories': () => new Response('<html>bad gateway', { status: 502, headers: { 'Content-Type': 'text/html' } }) }),
    })

    await expect(api.GET('/api/v1/store/categories')).rejects.toThrow('HTTP 502')
  })

  it('rejects a 2xx answer that is not JSON (an HTML fallback page) instead of misreading it', async () => {
    const api = createApiClient({
      fetch: routeFetch({ 'GET /api/v1/store/categories': () => new Response('<!doctype html>', { status: 200, headers: { 'Content-Type': 'text/html' } }) }),
    })

    const err = await api.GET('/api/v1/store/categories').catch((e: unknown) => e)

    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).message).toBe('unexpected response from /api/v1/store/categories')
  })

  it('resolves a 204 with no data', async () => {
    const api = createApiClient({ fetch: routeFetch({ 'POST /api/v1/auth/logout': () => new Response(null, { status: 204 }) }) })

    const { data, response } = await api.POST('/api/v1/auth/logout')

    expect(response.status).toBe(204)
    expect(data).toBeUndefined()
  })

  it('uses the global fetch of the moment of each call', async () => {
    const api = createApiClient()
    const fetchFn = routeFetch({ 'GET /api/v1/store/categories': () => json(200, categories) })
    vi.stubGlobal('fetch', fetchFn)

    await expect(dataOf(api.GET('/api/v1/store/categories'))).resolves.toEqual(categories)
    expect(fetchFn).toHaveBeenCalledOnce()
  })

  it('sends credentials as asked and runs the app middleware before the error check', async () => {
    const seen: number[] = []
    const mark: Middleware = {
      onRequest({ request }) {
        request.headers.set('X-Test', 'yes')
        return undefined
      },
      onResponse({ response }) {
        seen.push(response.status)
        return undefined
      },
    }
    const fetchFn = routeFetch({ 'GET /api/v1/auth/me': () => problem(401, { title: 'Unauthorized' }) })
    const api = createApiClient({ fetch: fetchFn, credentials: 'include', middleware: [mark] })

    await expect(api.GET('/api/v1/auth/me')).rejects.toBeInstanceOf(ApiError)

    expect(seen).toEqual([401])
    expect(fetchFn.requests[0].headers.get('X-Test')).toBe('yes')
    expect(fetchFn.requests[0].credentials).toBe('include')
  })
})

describe('dataOf', () => {
  it('rejects an answer without a body', async () => {
    await expect(dataOf(Promise.resolve({ data: undefined, response: new Response(null, { status: 200 }) }))).rejects.toThrow(
      'the API answered with no body',
    )
  })
})
