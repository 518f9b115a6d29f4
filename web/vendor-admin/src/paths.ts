// In-app paths. The vendor admin is served under a base path ('/vendor/',
// set by `base` in vite.config.ts and exposed as import.meta.env.BASE_URL),
// and the Go server answers every unknown /vendor/* path with index.html, so
// links and routes are always built from the base, never hard-coded.

/** The path the app is served under, with a trailing slash: '/vendor/'. */
export const BASE_PATH: string = import.meta.env.BASE_URL

/** A link to an in-app route: appHref('orders/42') === '/vendor/orders/42'. */
export function appHref(route = '', base = BASE_PATH): string {
  return base + route.replace(/^\/+/, '')
}

/**
 * The in-app route of a location pathname, without surrounding slashes:
 * '/vendor/' and '/vendor' give '', '/vendor/orders/42/' gives 'orders/42'.
 * Null when the pathname lies outside the base path.
 */
export function routeOf(pathname: string, base = BASE_PATH): string | null {
  const root = base.replace(/\/+$/, '')
  if (pathname === root) return ''
  if (!pathname.startsWith(root + '/')) return null
  return pathname.slice(root.length).replace(/^\/+|\/+$/g, '')
}
