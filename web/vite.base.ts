/// <reference types="vitest/config" />
// The Vite (and Vitest) settings of the web apps and of the shared package's
// tests. Each app's vite.config.ts only says where it is served.
//
// Imported by relative path ('../vite.base.ts'), not as a package: Vite
// bundles a config file together with its relative imports, but loads bare
// imports (packages) with Node itself, which cannot run TypeScript.
import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import type { UserConfig } from 'vite'

// Paths the Go server (cmd/trove) answers; in `npm run dev` they are forwarded
// to a locally running server so the app talks to the real API.
const API_TARGET = 'http://127.0.0.1:8080'
const proxiedPaths = ['/api', '/healthz', '/readyz', '/webhooks', '/oauth', '/metrics']

export interface AppOptions {
  /**
   * The path the Go binary serves the app under, with a trailing slash. Every
   * asset URL and in-app link is prefixed with it (import.meta.env.BASE_URL).
   */
  base: string
  /** The `npm run dev` port; each app has its own so both can run at once. */
  port: number
}

/** The config of an app served by the Go binary at `base`. */
export function appConfig({ base, port }: AppOptions): UserConfig {
  return {
    base,
    plugins: [react()],
    server: {
      port,
      strictPort: true,
      proxy: Object.fromEntries(proxiedPaths.map((path) => [path, { target: API_TARGET }])),
    },
    build: {
      outDir: 'dist',
      // Vite empties dist/ on every build; the `postbuild` npm script puts
      // dist/.gitkeep back so the embedded directory exists in a clean clone.
      emptyOutDir: true,
    },
    test: testConfig(base),
  }
}

/**
 * The Vitest settings: jsdom, the shared setup file (jest-dom matchers,
 * cleanup after each test) and the *.test.ts(x) files under the package's src.
 */
export function testConfig(base = '/'): UserConfig['test'] {
  return {
    environment: 'jsdom',
    setupFiles: [fileURLToPath(new URL('./shared/src/test/setup.ts', import.meta.url))],
    include: ['src/**/*.test.{ts,tsx}'],
    // Vitest serves tests from '/', which would make import.meta.env.BASE_URL
    // '/' too; give the tests the base the app really runs under.
    env: { BASE_URL: base },
  }
}
