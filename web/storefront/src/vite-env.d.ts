/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The Stripe publishable key for the card form (default pk_test_sandbox, the --sandbox one). */
  readonly VITE_STRIPE_PUBLISHABLE_KEY?: string
}

interface ImportMeta {
  readonly env: ImportMetaEnv
}
