// @trove/shared: code both web apps use. The package ships its TypeScript
// sources as they are (no build step): each app's Vite build and `tsc -b`
// compile what they import from here along with the app's own code.
//
// Other entry points: '@trove/shared/index.css' (the base styles) and, for
// tests only, '@trove/shared/test/fetch' (fetch stand-ins). Every package's
// Vitest setup file is src/test/setup.ts here (see web/vite.base.ts).

// The API: its types, generated from api/openapi.yaml (Cart, VendorOrder, …,
// and paths/components/operations for what has no name of its own), and the
// typed client of its paths.
export type * from './api/schema.gen.ts'
export {
  createApiClient,
  dataOf,
  type ApiClient,
  type ApiClientOptions,
  type ApiFetch,
  type Middleware,
} from './api/client.ts'
export { HealthStatus } from './HealthStatus.tsx'
export {
  fetchHealth,
  HEALTH_PATH,
  probe,
  READY_PATH,
  type FetchFn,
  type Health,
  type ProbeResult,
} from './health.ts'
export { formatMoney, minorUnitExponent } from './money.ts'
export {
  ApiError,
  errorMessage,
  problemFromResponse,
  readJsonBody,
  type FieldError,
} from './problem.ts'
