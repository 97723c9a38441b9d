import { defineConfig } from '@playwright/test'
import { binary, demo, provider, serverEnvironment, signIn } from './e2e/servers'

// The browser tests drive Debian's chromium (Playwright's own browser download is not
// available) against real `maatwerk serve` processes on fresh SQLite databases.
const listen = (origin: string) => origin.replace('http://', '')

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
    baseURL: demo.origin,
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox'],
    },
    trace: 'retain-on-failure',
  },
  webServer: [
    {
      command: `rm -f ${demo.database}* && ${binary} serve --demo --listen ${listen(demo.origin)}`,
      url: `${demo.origin}/readyz`,
      env: serverEnvironment(demo.database),
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: 'node e2e/oidc/provider.mjs',
      url: `${provider.origin}/.well-known/openid-configuration`,
      env: { PROVIDER_PORT: String(provider.port), APP_ORIGIN: signIn.origin },
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // Without --demo: the app offers only the organisation's provider.
      command: `rm -f ${signIn.database}* && ${binary} demo && ${binary} serve --listen ${listen(signIn.origin)}`,
      url: `${signIn.origin}/readyz`,
      env: {
        ...serverEnvironment(signIn.database),
        MAATWERK_BROWSER__SIGN_IN__AUTHORITY: provider.origin,
        MAATWERK_BROWSER__SIGN_IN__CLIENT_ID: 'maatwerk-web',
        MAATWERK_BROWSER__SIGN_IN__SCOPE: 'openid profile maatwerk',
      },
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
})
