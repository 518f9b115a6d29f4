import { ApiError, errorMessage, HealthStatus, type Cart, type CheckoutResult } from '@trove/shared'
import { useCallback, useEffect, useState } from 'react'
import { addCartLine, checkout, createCart, getCart, loadCartRef, saveCartRef, type CartRef } from './api.ts'
import { CartView } from './CartView.tsx'
import { Catalog } from './Catalog.tsx'
import { PaymentStep } from './PaymentStep.tsx'
import { ProductDetail } from './ProductDetail.tsx'

/** The screens, as a small state machine (no router). */
type View =
  | { readonly name: 'catalog' }
  | { readonly name: 'product'; readonly id: string }
  | { readonly name: 'cart' }
  | { readonly name: 'payment'; readonly result: CheckoutResult; readonly ref: CartRef }

export function App() {
  const [view, setView] = useState<View>({ name: 'catalog' })
  const { ref, cart, setCart, ensureOpenCart, forget, loadError } = useGuestCart()

  async function addToCart(variantId: string, quantity: number) {
    const r = await ensureOpenCart()
    setCart(await addCartLine(r, { variant_id: variantId, quantity }))
  }

  const onPaid = useCallback(() => forget(), [forget])

  return (
    <div className="shell">
      <header className="masthead">
        <h1>Trove storefront</h1>
        <p className="tagline">Gifts for your team, clients and partners.</p>
        <nav className="nav" aria-label="Store">
          <button type="button" className="link" onClick={() => setView({ name: 'catalog' })}>
            Gifts
          </button>
          <button type="button" className="link" onClick={() => setView({ name: 'cart' })}>
            {`Cart (${cart?.status === 'open' ? cart.item_count : 0})`}
          </button>
        </nav>
      </header>

      <main>
        {loadError && (
          <p role="alert" className="error">
            {`Your cart could not be loaded: ${loadError}`}
          </p>
        )}
        {view.name === 'catalog' && <Catalog onOpenProduct={(id) => setView({ name: 'product', id })} />}
        {view.name === 'product' && (
          <ProductDetail
            key={view.id}
            productId={view.id}
            onBack={() => setView({ name: 'catalog' })}
            onAdd={addToCart}
          />
        )}
        {view.name === 'cart' && (
          <CartView
            cartRef={ref}
            cart={cart}
            onCart={setCart}
            onBrowse={() => setView({ name: 'catalog' })}
            onCheckedOut={(result) => {
              if (!ref) return
              // The cart is checked out now: refresh it (the nav's count).
              void getCart(ref).then(setCart, () => {})
              setView({ name: 'payment', result, ref })
            }}
          />
        )}
        {view.name === 'payment' && (
          <PaymentStep
            key={view.result.order.id}
            result={view.result}
            cartToken={view.ref.token}
            onRetryCheckout={() => checkout(view.ref)}
            onPaid={onPaid}
            onContinue={() => setView({ name: 'catalog' })}
          />
        )}
      </main>

      <footer className="site-footer">
        <HealthStatus />
      </footer>
    </div>
  )
}

/** The guest cart whose id and token this browser keeps in localStorage. */
function useGuestCart() {
  const [ref, setRef] = useState<CartRef | null>(() => loadCartRef())
  const [cart, setCart] = useState<Cart | null>(null)
  const [loadError, setLoadError] = useState('')

  const forget = useCallback(() => {
    saveCartRef(null)
    setRef(null)
    setCart(null)
  }, [])

  useEffect(() => {
    if (!ref) return
    let live = true
    getCart(ref).then(
      (c) => {
        if (live) setCart(c)
      },
      (err: unknown) => {
        if (!live) return
        // 404: the cart is gone or the token is no longer good; start afresh.
        if (err instanceof ApiError && err.status === 404) forget()
        else setLoadError(errorMessage(err))
      },
    )
    return () => {
      live = false
    }
    // Only the stored cart, once: later changes come with each answer.
  }, [])

  /** The open cart to add to: the stored one, or a new one if it is checked out or there is none. */
  async function ensureOpenCart(): Promise<CartRef> {
    if (ref && (cart === null || cart.status === 'open')) return ref
    const made = await createCart()
    if (!made.cart_token) throw new Error('the API did not give a cart token')
    const next = { id: made.cart.id, token: made.cart_token }
    saveCartRef(next)
    setRef(next)
    setCart(made.cart)
    setLoadError('')
    return next
  }

  return { ref, cart, setCart, ensureOpenCart, forget, loadError }
}
