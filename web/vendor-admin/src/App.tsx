import { errorMessage, HealthStatus, type User } from '@trove/shared'
import { useEffect, useState } from 'react'
import { AdminPayouts } from './AdminPayouts.tsx'
import { getMe, logout, onSessionEnded } from './api.ts'
import { Finance } from './Finance.tsx'
import { OrderDetail } from './OrderDetail.tsx'
import { Orders } from './Orders.tsx'
import { routeOf } from './paths.ts'
import { Reconciliation } from './Reconciliation.tsx'
import { Link, RouterProvider, useRouter } from './router.tsx'
import { SignIn } from './SignIn.tsx'
import { ErrorAlert, Loading } from './ui.tsx'
import { Xero } from './Xero.tsx'

export interface AppProps {
  /** The location pathname to render; defaults to the browser's. */
  pathname?: string
  /** The location's query string ('?stripe=return'); defaults to the browser's. */
  search?: string
}

export function App({ pathname = window.location.pathname, search = window.location.search }: AppProps) {
  return (
    <RouterProvider initial={{ pathname, search }}>
      <Shell />
    </RouterProvider>
  )
}

type SessionState =
  | { readonly state: 'loading' }
  | { readonly state: 'error'; readonly error: string }
  | { readonly state: 'signed-out' }
  | { readonly state: 'signed-in'; readonly user: User }

function Shell() {
  const [session, setSession] = useState<SessionState>({ state: 'loading' })
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    let live = true
    getMe().then(
      (user) => live && setSession(user ? { state: 'signed-in', user } : { state: 'signed-out' }),
      (err: unknown) => live && setSession({ state: 'error', error: errorMessage(err) }),
    )
    return () => {
      live = false
    }
  }, [attempt])

  useEffect(() => onSessionEnded(() => setSession({ state: 'signed-out' })), [])

  const user = session.state === 'signed-in' ? session.user : null
  const signOut = async () => {
    try {
      await logout()
    } catch {
      // Signed out here either way; the server ends the session when it can.
    }
    setSession({ state: 'signed-out' })
  }

  return (
    <div className="shell">
      <header className="masthead">
        <div className="masthead-row">
          <h1>Trove vendor admin</h1>
          {user && <UserBadge user={user} onSignOut={signOut} />}
        </div>
        <p className="tagline">Catalogue, orders and payouts for vendors and operators.</p>
        {user && <MainNav user={user} />}
      </header>
      <main>
        {session.state === 'loading' && <Loading what="your account" />}
        {session.state === 'error' && (
          <ErrorAlert onRetry={() => setAttempt((a) => a + 1)}>Could not reach Trove: {session.error}</ErrorAlert>
        )}
        {session.state === 'signed-out' && <SignIn onSignedIn={(u) => setSession({ state: 'signed-in', user: u })} />}
        {user && <Screen user={user} />}
      </main>
      <footer className="site-footer">
        <HealthStatus />
      </footer>
    </div>
  )
}

function UserBadge({ user, onSignOut }: { user: User; onSignOut: () => void }) {
  return (
    <div className="user">
      <span>
        {user.name || user.email} <span className="muted">({ROLE_NAMES[user.role]})</span>
      </span>
      <button type="button" onClick={onSignOut}>
        Sign out
      </button>
    </div>
  )
}

const ROLE_NAMES: Record<User['role'], string> = {
  platform_admin: 'operator',
  vendor_owner: 'owner',
  vendor_staff: 'staff',
  buyer: 'buyer',
}

type Section = 'orders' | 'finance' | 'payouts' | 'reconciliation' | 'xero'

const NAV: Record<'vendor' | 'operator', readonly (readonly [Section, string])[]> = {
  vendor: [
    ['orders', 'Orders'],
    ['finance', 'Finance'],
  ],
  operator: [
    ['payouts', 'Payouts'],
    ['reconciliation', 'Reconciliation'],
    ['xero', 'Xero'],
  ],
}

function isVendor(user: User): boolean {
  return user.role === 'vendor_owner' || user.role === 'vendor_staff'
}

/** The section a route belongs to for this user; null for none (not found). */
function sectionOf(route: string | null, user: User, search: string): Section | null {
  if (route === null) return null
  const first = route.split('/')[0]
  if (isVendor(user)) {
    if (route === '' || (first === 'orders' && route.split('/').length <= 2)) return 'orders'
    if (route === 'finance') return 'finance'
  } else if (user.role === 'platform_admin') {
    // Xero sends the operator back to the root with ?xero=connected.
    if (route === '') return new URLSearchParams(search).has('xero') ? 'xero' : 'payouts'
    if (route === 'payouts' || route === 'reconciliation' || route === 'xero') return route
  }
  return null
}

function MainNav({ user }: { user: User }) {
  const { location } = useRouter()
  const current = sectionOf(routeOf(location.pathname), user, location.search)
  const items = isVendor(user) ? NAV.vendor : user.role === 'platform_admin' ? NAV.operator : []
  if (items.length === 0) return null
  return (
    <nav className="nav" aria-label="Main">
      {items.map(([section, label]) => (
        <Link key={section} to={section} current={current === section}>
          {label}
        </Link>
      ))}
    </nav>
  )
}

function Screen({ user }: { user: User }) {
  const { location } = useRouter()
  if (!isVendor(user) && user.role !== 'platform_admin') {
    return (
      <section className="card" aria-labelledby="no-access-heading">
        <h2 id="no-access-heading">Not for buyers</h2>
        <p>This app is for vendors and Trove operators. Sign out and sign in with a vendor or operator account.</p>
      </section>
    )
  }
  const route = routeOf(location.pathname)
  switch (sectionOf(route, user, location.search)) {
    case 'orders': {
      const id = route?.split('/')[1]
      return id ? <OrderDetail id={decodeURIComponent(id)} /> : <Orders />
    }
    case 'finance':
      return <Finance isOwner={user.role === 'vendor_owner'} />
    case 'payouts':
      return <AdminPayouts />
    case 'reconciliation':
      return <Reconciliation />
    case 'xero':
      return <Xero />
    default:
      return <NotFound pathname={location.pathname} />
  }
}

function NotFound({ pathname }: { pathname: string }) {
  return (
    <section className="card" aria-labelledby="not-found-heading">
      <h2 id="not-found-heading">Page not found</h2>
      <p>
        There is no page at <code>{pathname}</code>. <Link to="">Back to the start</Link>
      </p>
    </section>
  )
}
