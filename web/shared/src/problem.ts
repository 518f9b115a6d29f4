// Errors of the API, which it sends as RFC 9457 problem details
// (application/problem+json), turned into Error objects the UI can show.

import type { Problem } from './api/schema.gen.ts'

/** One bad input field, as the problem's `errors` lists them. */
export type FieldError = NonNullable<Problem['errors']>[number]

/**
 * A failed API request. `message` is what to show: the problem's detail, else
 * its title, else the HTTP status.
 */
export class ApiError extends Error {
  readonly status: number
  readonly title: string
  readonly detail: string
  readonly errors: readonly FieldError[]

  constructor(init: { status: number; title?: string; detail?: string; errors?: readonly FieldError[] }) {
    const title = init.title ?? ''
    const detail = init.detail ?? ''
    super(detail || title || `HTTP ${init.status}`)
    this.name = 'ApiError'
    this.status = init.status
    this.title = title
    this.detail = detail
    this.errors = init.errors ?? []
  }

  /** The message for `field` (such as "email" or "recipient.city"), if any. */
  fieldError(field: string): string | undefined {
    return this.errors.find((e) => e.field === field)?.message
  }
}

/** Reads a failed response's problem+json body (or not JSON at all) into an ApiError. */
export async function problemFromResponse(res: Response): Promise<ApiError> {
  const body = await readJsonBody(res)
  const rec = isRecord(body) ? body : {}
  const errors = Array.isArray(rec.errors)
    ? rec.errors.filter(isRecord).flatMap((e) =>
        typeof e.field === 'string' && typeof e.message === 'string'
          ? [{ field: e.field, message: e.message }]
          : [],
      )
    : []
  return new ApiError({
    status: res.status,
    title: str(rec.title) || res.statusText,
    detail: str(rec.detail),
    errors,
  })
}

/** The body as JSON when the response says it is JSON; otherwise undefined. */
export async function readJsonBody(res: Response): Promise<unknown> {
  const type = res.headers.get('Content-Type') ?? ''
  if (!/[/+]json\b/i.test(type)) return undefined
  try {
    return await res.json()
  } catch {
    return undefined
  }
}

/** What to show for any thrown value. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

function str(v: unknown): string {
  return typeof v === 'string' ? v.trim() : ''
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
