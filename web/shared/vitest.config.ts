import react from '@vitejs/plugin-react'
import { defineConfig } from 'vitest/config'
import { testConfig } from '../vite.base.ts'

// The shared package is not an app (nothing to build or serve): only its tests.
export default defineConfig({
  plugins: [react()],
  test: testConfig(),
})
