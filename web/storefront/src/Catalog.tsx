import { errorMessage, formatMoney, type Category, type StoreProduct } from '@trove/shared'
import { useEffect, useState, type FormEvent } from 'react'
import { listCategories, listProducts, type ProductQuery, type ProductSort } from './api.ts'

const SORTS: ReadonlyArray<[ProductSort, string]> = [
  ['newest', 'Newest'],
  ['price_asc', 'Price: low to high'],
  ['price_desc', 'Price: high to low'],
  ['title', 'Title (A–Z)'],
]

/** The product grid: search, category, in-stock and sort, and "Load more". */
export function Catalog(props: { onOpenProduct: (id: string) => void; pageSize?: number }) {
  const { onOpenProduct, pageSize } = props
  const [categories, setCategories] = useState<readonly Category[]>([])
  const [text, setText] = useState('')
  const [filters, setFilters] = useState<ProductQuery>({ sort: 'newest' })
  const [products, setProducts] = useState<StoreProduct[]>([])
  const [cursor, setCursor] = useState('')
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState('')

  useEffect(() => {
    listCategories().then(setCategories, () => setCategories([]))
  }, [])

  // A new first page whenever the filters change.
  useEffect(() => {
    const controller = new AbortController()
    setLoading(true)
    setError('')
    listProducts({ ...filters, limit: pageSize }, undefined, controller.signal).then(
      (page) => {
        if (controller.signal.aborted) return
        setProducts([...page.products])
        setCursor(page.next_cursor)
        setLoading(false)
      },
      (err: unknown) => {
        if (controller.signal.aborted) return
        setProducts([])
        setCursor('')
        setError(errorMessage(err))
        setLoading(false)
      },
    )
    return () => controller.abort()
  }, [filters, pageSize])

  async function loadMore() {
    setLoading(true)
    setError('')
    try {
      const page = await listProducts({ ...filters, cursor, limit: pageSize })
      setProducts((prev) => [...prev, ...page.products.filter((p) => !prev.some((q) => q.id === p.id))])
      setCursor(page.next_cursor)
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setLoading(false)
    }
  }

  function search(e: FormEvent) {
    e.preventDefault()
    setFilters((f) => ({ ...f, q: text }))
  }

  return (
    <section aria-labelledby="catalog-heading">
      <h2 id="catalog-heading" className="section-title">
        Gifts
      </h2>
      <form className="filters" role="search" onSubmit={search}>
        <label>
          Search
          <input type="search" name="q" value={text} onChange={(e) => setText(e.target.value)} maxLength={200} />
        </label>
        <button type="submit">Search</button>
        <label>
          Category
          <select
            value={filters.category ?? ''}
            onChange={(e) => setFilters((f) => ({ ...f, category: e.target.value || undefined }))}
          >
            <option value="">All categories</option>
            {categories.map((c) => (
              <option key={c.slug} value={c.slug}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={filters.in_stock ?? false}
            onChange={(e) => setFilters((f) => ({ ...f, in_stock: e.target.checked }))}
          />
          In stock only
        </label>
        <label>
          Sort
          <select
            value={filters.sort ?? 'newest'}
            onChange={(e) => setFilters((f) => ({ ...f, sort: e.target.value as ProductSort }))}
          >
            {SORTS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </form>

      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {!loading && !error && products.length === 0 && <p className="muted">No products match.</p>}

      <ul className="grid" aria-busy={loading}>
        {products.map((p) => (
          <li key={p.id} className="card product">
            <button type="button" className="product-link" onClick={() => onOpenProduct(p.id)}>
              {p.image_url ? <img src={p.image_url} alt="" loading="lazy" /> : <div className="noimg" />}
              <span className="product-title">{p.title}</span>
            </button>
            <span className="muted">{p.vendor.name}</span>
            <span className="price">{priceRange(p)}</span>
            {!p.in_stock && <span className="badge">Out of stock</span>}
          </li>
        ))}
      </ul>

      {loading && <p className="muted">Loading…</p>}
      {cursor && !loading && (
        <button type="button" onClick={loadMore}>
          Load more
        </button>
      )}
    </section>
  )
}

export function priceRange(p: Pick<StoreProduct, 'price_min' | 'price_max'>): string {
  const min = formatMoney(p.price_min)
  return p.price_min.amount === p.price_max.amount && p.price_min.currency === p.price_max.currency
    ? min
    : `${min} – ${formatMoney(p.price_max)}`
}
