import { defineConfig } from 'vite'
import { appConfig } from '../vite.base.ts'

// https://vite.dev/config/ (the settings both apps share are in web/vite.base.ts)
export default defineConfig(
  // The vendor admin is served by the Go binary under /vendor/; every asset URL
  // and in-app link is prefixed with it (import.meta.env.BASE_URL), in the
  // tests too.
  appConfig({ base: '/vendor/', port: 5174 }),
)
