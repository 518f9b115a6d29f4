import { ApiError } from '@trove/shared'
import { json, recordingFetch } from '@trove/shared/test/fetch'
import { describe, expect, it } from 'vitest'
import {
  addCartLine,
  checkout,
  confirmSandboxPayment,
  createCart,
  getCart,
  getOrder,
  listProducts,
  loadCartRef,
  PaymentError,
  removeCartLine,
  saveCartRef,
  updateCart,
  updateCartLine,
} from './api.ts'
import { cart, order, usd } from './test/fixtures.ts'

const ref = { id: 'crt_1', token: 'tok_secret' }

/** A fetch stand-in answering every request with `res()`, keeping the requests. */
const answering = (res: () => Response) => recordingFetch(res)

describe('listProducts', () => {
  it('sends only the filters that are set', async () => {
    const fetchFn = answering(() => json(200, { products: [], next_cursor: '' }))

    await listProducts({ q: ' candle ', category: 'home', in_stock: true, sort: 'price_asc', cursor: 'c2' }, fetchFn)
    await listProducts({ q: ' ', in_stock: false }, fetchFn)

    expect(fetchFn.requests[0].path).toBe(
      '/api/v1/store/products?q=candle&category=home&in_stock=true&sort=price_asc&cursor=c2',
    )
    expect(fetchFn.requests[1].path).toBe('/api/v1/store/products')
  })

  it('lists the filters in one order, whatever order they were set in', async () => {
    const fetchFn = answering(() => json(200, { products: [], next_cursor: '' }))

    await listProducts({ sort: 'title', in_stock: true, vendor: 'acme', q: 'tea', min_price: 0 }, fetchFn)

    expect(fetchFn.requests[0].path).toBe('/api/v1/store/products?q=tea&vendor=acme&min_price=0&in_stock=true&sort=title')
  })
})

describe('cart calls', () => {
  it('send X-Cart-Token on every cart and order call', async () => {
    const fetchFn = answering(() => json(200, cart()))
    await getCart(ref, fetchFn)
    await updateCart(ref, { email: 'a@b.c' }, fetchFn)
    await addCartLine(ref, { variant_id: 'var_1', quantity: 1 }, fetchFn)
    await updateCartLine(ref, 'cl_1', { quantity: 3 }, fetchFn)
    await removeCartLine(ref, 'cl_1', fetchFn)
    await checkout(ref, usd(2500), fetchFn)
    await getOrder('ord_1', ref.token, fetchFn)

    expect(fetchFn.requests.map((r) => [r.method, r.path])).toEqual([
      ['GET', '/api/v1/store/carts/crt_1'],
      ['PATCH', '/api/v1/store/carts/crt_1'],
      ['POST', '/api/v1/store/carts/crt_1/lines'],
      ['PATCH', '/api/v1/store/carts/crt_1/lines/cl_1'],
      ['DELETE', '/api/v1/store/carts/crt_1/lines/cl_1'],
      ['POST', '/api/v1/store/carts/crt_1/checkout'],
      ['GET', '/api/v1/store/orders/ord_1'],
    ])
    for (const req of fetchFn.requests) {
      expect(req.headers.get('X-Cart-Token')).toBe('tok_secret')
    }
  })

  it('send JSON bodies', async () => {
    const fetchFn = answering(() => json(200, cart()))
    await addCartLine(ref, { variant_id: 'var_1', quantity: 2 }, fetchFn)
    await checkout(ref, usd(2500), fetchFn)

    const [add, check] = fetchFn.requests
    expect(add.headers.get('Content-Type')).toBe('application/json')
    expect(JSON.parse(add.body)).toEqual({ variant_id: 'var_1', quantity: 2 })
    expect(JSON.parse(check.body)).toEqual({
      expected_total: { amount: 2500, currency: 'USD' },
    })
  })

  it('createCart sends no token and answers the new cart and its token', async () => {
    const fetchFn = answering(() => json(201, { cart: cart(), cart_token: 'tok_new' }))

    const made = await createCart(fetchFn)

    expect(made.cart_token).toBe('tok_new')
    expect(fetchFn.requests[0].key).toBe('POST /api/v1/store/carts')
    expect(fetchFn.requests[0].headers.has('X-Cart-Token')).toBe(false)
  })

  it('reject with the problem detail and field errors', async () => {
    const fetchFn = answering(() =>
      json(
        400,
        {
          type: 'about:blank',
          title: 'Bad Request',
          status: 400,
          detail: 'the cart is not ready for checkout',
          errors: [{ field: 'recipient.city', message: 'is required' }],
        },
        'application/problem+json',
      ),
    )

    const err = await checkout(ref, null, fetchFn).catch((e: unknown) => e)

    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).status).toBe(400)
    expect((err as ApiError).message).toBe('the cart is not ready for checkout')
    expect((err as ApiError).errors).toEqual([{ field: 'recipient.city', message: 'is required' }])
  })

  it('reject a 409 out of stock with its detail', async () => {
    const fetchFn = answering(() =>
      json(409, { title: 'Conflict', status: 409, detail: 'Beeswax candle is out of stock' }, 'application/problem+json'),
    )

    await expect(addCartLine(ref, { variant_id: 'var_1', quantity: 9 }, fetchFn)).rejects.toThrow(
      'Beeswax candle is out of stock',
    )
  })

  it('getOrder answers the order', async () => {
    const fetchFn = answering(() => json(200, order({ status: 'paid' })))
    await expect(getOrder('ord_1', 'tok', fetchFn)).resolves.toMatchObject({ id: 'ord_1', status: 'paid' })
  })
})

describe('cart storage', () => {
  it('keeps the cart id and token', () => {
    localStorage.clear()
    expect(loadCartRef()).toBeNull()
    saveCartRef(ref)
    expect(loadCartRef()).toEqual(ref)
    saveCartRef(null)
    expect(loadCartRef()).toBeNull()
  })

  it('ignores a corrupt entry', () => {
    localStorage.setItem('trove.cart', '{nope')
    expect(loadCartRef()).toBeNull()
    localStorage.clear()
  })
})

describe('confirmSandboxPayment', () => {
  const payment = { payment_intent_id: 'pi_123', client_secret: 'pi_123_secret_abc' }

  it('posts the form Stripe.js would', async () => {
    const fetchFn = answering(() => json(200, { id: 'pi_123', status: 'succeeded' }))

    await expect(confirmSandboxPayment(payment, 'pm_card_visa', 'pk_test_x', fetchFn)).resolves.toBe('succeeded')

    const [confirm] = fetchFn.requests
    expect(confirm.key).toBe('POST /sandbox/stripe/v1/payment_intents/pi_123/confirm')
    expect(confirm.headers.get('Content-Type')).toBe('application/x-www-form-urlencoded')
    expect(Object.fromEntries(new URLSearchParams(confirm.body))).toEqual({
      key: 'pk_test_x',
      client_secret: 'pi_123_secret_abc',
      payment_method: 'pm_card_visa',
    })
  })

  it('defaults to the sandbox publishable key', async () => {
    const fetchFn = answering(() => json(200, { status: 'succeeded' }))
    await confirmSandboxPayment(payment, 'pm_card_visa', undefined, fetchFn)
    expect(new URLSearchParams(fetchFn.requests[0].body).get('key')).toBe('pk_test_sandbox')
  })

  it('rejects a decline with Stripe’s message', async () => {
    const fetchFn = answering(() =>
      json(402, { error: { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' } }),
    )

    const err = await confirmSandboxPayment(payment, 'pm_card_chargeDeclined', 'pk', fetchFn).catch((e: unknown) => e)

    expect(err).toBeInstanceOf(PaymentError)
    expect((err as PaymentError).status).toBe(402)
    expect((err as PaymentError).message).toBe('Your card was declined.')
  })
})
