// Where the browser tests' servers listen. The demo server (`maatwerk serve --demo`) serves
// most tests; the sign-in test has its own server without --demo, signing in through a real
// OpenID Connect provider (e2e/oidc/provider.mjs).
import { fileURLToPath } from 'node:url'

const port = Number(process.env.MAATWERK_E2E_PORT ?? 8091)

export const binary =
  process.env.MAATWERK_BINARY ?? fileURLToPath(new URL('../../../target/debug/maatwerk', import.meta.url))

export const demo = { origin: `http://127.0.0.1:${port}`, database: `/tmp/maatwerk-e2e-${port}.db` }
export const signIn = { origin: `http://127.0.0.1:${port + 1}`, database: `/tmp/maatwerk-e2e-${port + 1}.db` }
export const provider = { origin: `http://127.0.0.1:${port + 2}`, port: port + 2 }

/** The environment a server of the tests runs with, on its own SQLite database. */
export function serverEnvironment(database: string): Record<string, string> {
  return { DATABASE_URL: `sqlite://${database}?mode=rwc`, MAATWERK_LOG_FORMAT: 'text', RUST_LOG: 'warn' }
}
