import { DEBTS, PROFILE, RENT, SCHOOL_ABSENCE, SCREENSHOTS, SLEEP, expect, expectAccessible, openCase, showcaseReference, signIn, test } from './fixtures'

// Three organisations and the process facilitator open the same case; each sees the slice
// DOMAIN.md §5 gives it (the same slices tests/tests/demo_slices.rs checks over the API).
test('the sign-in page lists the demo identities and passes axe', async ({ page, foreignRequests }) => {
  void foreignRequests
  await page.goto('/')
  await expect(page.getByRole('heading', { level: 1, name: 'Aanmelden' })).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Demo-identiteiten' })).toBeVisible()
  await expect(page.locator('[data-identity^="professional/"]').first()).toBeVisible()
  await expect(page.locator('[data-identity^="resident/"]').first()).toBeVisible()
  await expectAccessible(page)
  await page.screenshot({ path: `${SCREENSHOTS}/sign-in.png`, fullPage: true })
})

test('the same case shows each organisation a different slice', async ({ page, foreignRequests }) => {
  void foreignRequests
  const reference = await showcaseReference(page)

  await signIn(page, 'professional/buurtteam-amsterdam-west/anna')
  await expectAccessible(page)
  await page.screenshot({ path: `${SCREENSHOTS}/caseload.png`, fullPage: true })
  await openCase(page, reference)
  const facts = page.getByTestId('facts')
  for (const text of [PROFILE, RENT, DEBTS, SLEEP, SCHOOL_ABSENCE]) await expect(facts).toContainText(text)
  await expectAccessible(page)
  await page.screenshot({ path: `${SCREENSHOTS}/case-neighbourhood-team.png`, fullPage: true })
  await page.getByRole('button', { name: 'Afmelden' }).click()

  // The income department: finances and housing, no health, no school, and the BSN.
  await signIn(page, 'professional/wpi-amsterdam/ilse')
  await openCase(page, reference)
  for (const text of [PROFILE, RENT, DEBTS]) await expect(facts).toContainText(text)
  for (const text of [SLEEP, SCHOOL_ABSENCE]) await expect(facts).not.toContainText(text)
  await expect(page.getByText('171973069')).toBeVisible()
  await page.getByRole('button', { name: 'Afmelden' }).click()

  // The housing corporation: housing and the profile; no finances, no health, no BSN.
  await signIn(page, 'professional/woonstad-wonen/lars')
  await openCase(page, reference)
  for (const text of [PROFILE, RENT]) await expect(facts).toContainText(text)
  for (const text of [DEBTS, SLEEP, SCHOOL_ABSENCE]) await expect(facts).not.toContainText(text)
  await expect(page.getByText('171973069')).toHaveCount(0)
  await page.screenshot({ path: `${SCREENSHOTS}/case-housing-corporation.png`, fullPage: true })
  await page.getByRole('button', { name: 'Afmelden' }).click()

  // The process facilitator: the process, and no content at all.
  await signIn(page, 'professional/buurtteam-amsterdam-west/chantal')
  await openCase(page, reference)
  await expect(page.getByText('Alleen het proces is zichtbaar').first()).toBeVisible()
  for (const text of [PROFILE, RENT, DEBTS, SLEEP, SCHOOL_ABSENCE, 'Samira']) {
    await expect(page.getByRole('main')).not.toContainText(text)
  }
  await expect(page.getByRole('heading', { name: 'Feit toevoegen' })).toHaveCount(0)
  await expectAccessible(page)
  await page.screenshot({ path: `${SCREENSHOTS}/case-process-facilitator.png`, fullPage: true })
})

test('the interface switches to English and back', async ({ page, foreignRequests }) => {
  void foreignRequests
  await page.goto('/')
  await page.getByRole('button', { name: 'Switch to English' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible()
  await expect(page.locator('html')).toHaveAttribute('lang', 'en')
  await page.getByRole('button', { name: 'Naar het Nederlands' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Aanmelden' })).toBeVisible()
})
