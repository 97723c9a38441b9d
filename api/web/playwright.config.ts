import { defineConfig } from '@playwright/test'

// The browser tests drive Debian's chromium (Playwright's own browser download is not
// available) against a real `maatwerk serve --demo` on a fresh SQLite database.
const port = Number(process.env.MAATWERK_E2E_PORT ?? 8091)
const binary = process.env.MAATWERK_BINARY ?? '../../target/debug/maatwerk'
const database = `/tmp/maatwerk-e2e-${port}.db`

export default defineConfig({
  testDir: './e2e',
  // One server, one database: the tests change the demo case, so they run one after another.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox'],
    },
    trace: 'retain-on-failure',
  },
  webServer: {
    command: `rm -f ${database}* && ${binary} serve --demo --listen 127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/readyz`,
    env: {
      DATABASE_URL: `sqlite://${database}?mode=rwc`,
      MAATWERK_LOG_FORMAT: 'text',
      RUST_LOG: 'warn',
    },
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
})
