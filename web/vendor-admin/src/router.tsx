// Client-side routing without a router library: the location's pathname
// (under the base path, see paths.ts) picks the screen, and in-app links
// change it with history.pushState.
import { createContext, useCallback, useContext, useEffect, useState, type MouseEvent, type ReactNode } from 'react'
import { appHref } from './paths.ts'

export interface Location {
  readonly pathname: string
  readonly search: string
}

interface Router {
  readonly location: Location
  /** Goes to an in-app route ('orders/42'), adding a history entry. */
  readonly navigate: (route: string) => void
}

const RouterContext = createContext<Router>({
  location: { pathname: '/', search: '' },
  navigate: () => {},
})

export function RouterProvider({ initial, children }: { initial: Location; children: ReactNode }) {
  const [location, setLocation] = useState(initial)

  useEffect(() => {
    const onPop = () => setLocation({ pathname: window.location.pathname, search: window.location.search })
    window.addEventListener('popstate', onPop)
    return () => window.removeEventListener('popstate', onPop)
  }, [])

  const navigate = useCallback((route: string) => {
    const href = appHref(route)
    const [pathname, search = ''] = href.split('?')
    window.history.pushState(null, '', href)
    setLocation({ pathname, search: search ? `?${search}` : '' })
  }, [])

  return <RouterContext.Provider value={{ location, navigate }}>{children}</RouterContext.Provider>
}

export function useRouter(): Router {
  return useContext(RouterContext)
}

/** A query parameter of the current location. */
export function useSearchParam(name: string): string | null {
  return new URLSearchParams(useRouter().location.search).get(name)
}

interface LinkProps {
  /** The in-app route, such as 'orders/42'. */
  readonly to: string
  readonly current?: boolean
  readonly children: ReactNode
  readonly className?: string
}

/** An in-app link: a real href (open in a new tab works), followed without a page load. */
export function Link({ to, current, children, className }: LinkProps) {
  const { navigate } = useRouter()
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
    e.preventDefault()
    navigate(to)
  }
  return (
    <a href={appHref(to)} onClick={onClick} aria-current={current ? 'page' : undefined} className={className}>
      {children}
    </a>
  )
}
