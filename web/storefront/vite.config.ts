import { defineConfig } from 'vite'
import { appConfig } from '../vite.base.ts'

// https://vite.dev/config/ (the settings both apps share are in web/vite.base.ts)
// The storefront is served by the Go binary at the site root.
const config = appConfig({ base: '/', port: 5173 })

export default defineConfig({
  ...config,
  server: {
    ...config.server,
    proxy: {
      ...config.server?.proxy,
      // The sandbox card form confirms payments with the sandbox Stripe that
      // `trove --sandbox` serves (the same local server as vite.base.ts's API_TARGET).
      '/sandbox': { target: 'http://127.0.0.1:8080' },
    },
  },
})
