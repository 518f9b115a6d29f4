import { HealthStatus } from '@trove/shared'
import { appHref, routeOf } from './paths.ts'

export interface AppProps {
  /** The location pathname to render; defaults to the browser's. */
  pathname?: string
}

export function App({ pathname = window.location.pathname }: AppProps) {
  const route = routeOf(pathname)
  return (
    <div className="shell">
      <header className="masthead">
        <h1>Trove vendor admin</h1>
        <p className="tagline">Catalogue, orders and payouts for vendors and operators.</p>
        <nav className="nav" aria-label="Main">
          <a href={appHref()} aria-current={route === '' ? 'page' : undefined}>
            Overview
          </a>
        </nav>
      </header>
      <main>{route === '' ? <HealthStatus /> : <NotFound pathname={pathname} />}</main>
    </div>
  )
}

function NotFound({ pathname }: { pathname: string }) {
  return (
    <section className="card" aria-labelledby="not-found-heading">
      <h2 id="not-found-heading">Page not found</h2>
      <p>
        There is no page at <code>{pathname}</code>.{' '}
        <a href={appHref()}>Back to the overview</a>
      </p>
    </section>
  )
}
