import { defineConfig } from 'vitest/config'

// `npm test` here runs the tests of every package in one Vitest run, each with
// its own config (shared/vitest.config.ts, <app>/vite.config.ts). `npm test`
// inside a package runs only that package's tests.
export default defineConfig({
  test: {
    projects: ['shared', 'storefront', 'vendor-admin'],
  },
})
