import { fireEvent, render, screen, within } from '@testing-library/react'
import { json, routeFetch } from '@trove/shared/test/fetch'
import { describe, expect, it, vi } from 'vitest'
import { Catalog } from './Catalog.tsx'
import { product } from './test/fixtures.ts'

const categories = () =>
  json(200, {
    categories: [
      { slug: 'home', name: 'Home' },
      { slug: 'food', name: 'Food & drink' },
    ],
  })

describe('Catalog', () => {
  it('renders the products with their prices and loads the next page', async () => {
    const fetchFn = routeFetch({
      'GET /api/v1/store/categories': categories,
      'GET /api/v1/store/products?sort=newest': () =>
        json(200, {
          products: [
            product('prd_1', 'Beeswax candle', 1250),
            product('prd_2', 'Matcha set', 4800, { price_max: { amount: 6400, currency: 'USD' }, in_stock: false }),
          ],
          next_cursor: 'cur_2',
        }),
      'GET /api/v1/store/products?sort=newest&cursor=cur_2': () =>
        json(200, { products: [product('prd_3', 'Yuzu tea', 3000, { price_min: { amount: 3000, currency: 'JPY' }, price_max: { amount: 3000, currency: 'JPY' } })], next_cursor: '' }),
    })
    vi.stubGlobal('fetch', fetchFn)
    const onOpen = vi.fn()
    render(<Catalog onOpenProduct={onOpen} />)

    const grid = await screen.findByRole('list', { busy: false })
    expect(await within(grid).findByText('Beeswax candle')).toBeInTheDocument()
    expect(within(grid).getByText('$12.50')).toBeInTheDocument()
    expect(within(grid).getByText('$48.00 – $64.00')).toBeInTheDocument()
    expect(within(grid).getByText('Out of stock')).toBeInTheDocument()
    expect(within(grid).getAllByRole('listitem')).toHaveLength(2)

    fireEvent.click(screen.getByRole('button', { name: 'Load more' }))

    expect(await within(grid).findByText('Yuzu tea')).toBeInTheDocument()
    expect(within(grid).getByText('¥3,000')).toBeInTheDocument()
    expect(within(grid).getAllByRole('listitem')).toHaveLength(3)
    // The last page: no more "Load more".
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument()
    expect(fetchFn.requests.map((r) => r.key)).toContain('GET /api/v1/store/products?sort=newest&cursor=cur_2')

    fireEvent.click(within(grid).getByRole('button', { name: /Matcha set/ }))
    expect(onOpen).toHaveBeenCalledWith('prd_2')
  })

  it('searches with the category, in-stock and sort filters', async () => {
    const fetchFn = routeFetch({
      'GET /api/v1/store/categories': categories,
      'GET /api/v1/store/products?sort=newest': () => json(200, { products: [], next_cursor: '' }),
      'GET /api/v1/store/products?category=food&sort=newest': () => json(200, { products: [], next_cursor: '' }),
      'GET /api/v1/store/products?category=food&in_stock=true&sort=newest': () =>
        json(200, { products: [], next_cursor: '' }),
      'GET /api/v1/store/products?category=food&in_stock=true&sort=price_asc': () =>
        json(200, { products: [], next_cursor: '' }),
      'GET /api/v1/store/products?q=tea&category=food&in_stock=true&sort=price_asc': () =>
        json(200, { products: [product('prd_9', 'Green tea', 900)], next_cursor: '' }),
    })
    vi.stubGlobal('fetch', fetchFn)
    render(<Catalog onOpenProduct={() => {}} />)

    expect(await screen.findByText('No products match.')).toBeInTheDocument()
    await screen.findByRole('option', { name: 'Food & drink' })
    fireEvent.change(screen.getByLabelText('Category'), { target: { value: 'food' } })
    fireEvent.click(screen.getByLabelText('In stock only'))
    fireEvent.change(screen.getByLabelText('Sort'), { target: { value: 'price_asc' } })
    fireEvent.change(screen.getByRole('searchbox'), { target: { value: 'tea' } })
    fireEvent.click(screen.getByRole('button', { name: 'Search' }))

    expect(await screen.findByText('Green tea')).toBeInTheDocument()
    expect(fetchFn.requests.at(-1)?.key).toBe('GET /api/v1/store/products?q=tea&category=food&in_stock=true&sort=price_asc')
  })

  it('shows the problem detail when the search fails', async () => {
    vi.stubGlobal(
      'fetch',
      routeFetch({
        'GET /api/v1/store/categories': categories,
        'GET /api/v1/store/products?sort=newest': () =>
          json(400, { title: 'Bad Request', status: 400, detail: 'category: unknown' }, 'application/problem+json'),
      }),
    )
    render(<Catalog onOpenProduct={() => {}} />)

    expect(await screen.findByRole('alert')).toHaveTextContent('category: unknown')
  })
})
