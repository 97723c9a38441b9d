import { test as base, expect, type Page } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'

export const SCREENSHOTS = '../../tests/output/screenshots'

// The showcase case's facts (api/src/demo/cases.rs), by the organisation that recorded them.
export const PROFILE =
  'Samira (38) lives with her son Rayan (14) in a three-room flat in Amsterdam West; she raises him on her own.'
export const RENT = 'Rent is €987 per month, including €45 service costs.'
export const DEBTS =
  'Registered debts total €9,500 with seven creditors; the largest is €3,200 to her health insurer.'
export const SLEEP =
  'Sleeping problems and panic attacks since the eviction letter; her GP referred her to mental health care, with a waiting list of 14 weeks.'
export const SCHOOL_ABSENCE =
  "Rayan missed 38 school hours this term; the school's attendance officer has been informed."

/**
 * Every page fails its test if it asks any host but the server for anything. A test that signs
 * in through an OpenID Connect provider names the provider's host in `otherHosts`: the app may
 * go there, and what the provider's own pages load is the provider's business.
 */
export const test = base.extend<{ otherHosts: string[]; foreignRequests: string[] }>({
  otherHosts: [[], { option: true }],
  foreignRequests: async ({ page, baseURL, otherHosts }, use) => {
    const own = new URL(baseURL!).host
    const allowed = [own, ...otherHosts]
    const foreign: string[] = []
    page.on('request', (request) => {
      const url = new URL(request.url())
      const fromApp = !otherHosts.includes(new URL(request.frame().url()).host)
      if (fromApp && !['data:', 'blob:'].includes(url.protocol) && !allowed.includes(url.host)) {
        foreign.push(request.url())
      }
    })
    await use(foreign)
    expect(foreign, 'requests to other hosts').toEqual([])
  },
})

export { expect }

/** Signs in on the sign-in page by clicking the identity's button. */
export async function signIn(page: Page, identity: string): Promise<void> {
  await page.goto('/')
  await page.locator(`[data-identity="${identity}"]`).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Mijn casussen' })).toBeVisible()
}

/** Opens the showcase case (Samira Bakker's) from the caseload, found by its reference. */
export async function openCase(page: Page, reference: string): Promise<void> {
  await page.getByRole('link', { name: reference, exact: true }).click()
  await expect(page.getByRole('heading', { level: 1, name: `Casus ${reference}` })).toBeVisible()
}

/** The showcase case's reference, from its case lead's caseload. */
export async function showcaseReference(page: Page): Promise<string> {
  await signIn(page, 'professional/buurtteam-amsterdam-west/anna')
  const row = page.getByRole('row').filter({ hasText: 'Samira Bakker' })
  const reference = (await row.getByRole('link').textContent())!.trim()
  await page.getByRole('button', { name: 'Afmelden' }).click()
  return reference
}

/** axe-core's WCAG 2.1 A and AA rules report nothing on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  expect(results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target).join(' ')}`)).toEqual([])
}
