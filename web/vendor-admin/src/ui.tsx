// Small pieces every screen uses: loading and error states, a data loader,
// dates and money.
import { errorMessage, formatMoney, type Money } from '@trove/shared'
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react'

export type Load<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'error'; readonly error: string }
  | { readonly state: 'ok'; readonly data: T }

/**
 * Runs `fn` on mount and whenever `key` changes; `reload` runs it again
 * (keeping the shown data until the answer comes).
 */
export function useLoad<T>(fn: () => Promise<T>, key = ''): Load<T> & { reload: () => void; set: (data: T) => void } {
  const [load, setLoad] = useState<Load<T>>({ state: 'loading' })
  const [tick, setTick] = useState(0)
  const fnRef = useRef(fn)
  fnRef.current = fn

  useEffect(() => {
    let live = true
    fnRef.current().then(
      (data) => live && setLoad({ state: 'ok', data }),
      (err: unknown) => live && setLoad({ state: 'error', error: errorMessage(err) }),
    )
    return () => {
      live = false
    }
  }, [key, tick])

  const reload = useCallback(() => setTick((t) => t + 1), [])
  const set = useCallback((data: T) => setLoad({ state: 'ok', data }), [])
  return { ...load, reload, set }
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  )
}

export function ErrorAlert({ children, onRetry }: { children: ReactNode; onRetry?: () => void }) {
  return (
    <div className="error" role="alert">
      {children}
      {onRetry && (
        <>
          {' '}
          <button type="button" className="link" onClick={onRetry}>
            Try again
          </button>
        </>
      )}
    </div>
  )
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <p className="notice success" role="status">
      {children}
    </p>
  )
}

/** Shows a load's loading and error states, or its data through `children`. */
export function Loaded<T>({
  load,
  what,
  children,
}: {
  load: Load<T> & { reload: () => void }
  what: string
  children: (data: T) => ReactNode
}) {
  if (load.state === 'loading') return <Loading what={what} />
  if (load.state === 'error')
    return (
      <ErrorAlert onRetry={load.reload}>
        Could not load {what}: {load.error}
      </ErrorAlert>
    )
  return <>{children(load.data)}</>
}

export function money(m: Money): string {
  return formatMoney(m)
}

/** Minor units of a currency, as the reconciliation figures come; null shows a dash. */
export function minor(amount: number | null, currency: string): string {
  return amount === null ? '—' : formatMoney({ amount, currency })
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' })
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

/** Today as the API's UTC date: YYYY-MM-DD. */
export function todayUTC(now = new Date()): string {
  return now.toISOString().slice(0, 10)
}

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className="badge" data-status={status}>
      {status.replace(/_/g, ' ')}
    </span>
  )
}
