import { SCREENSHOTS, expect, expectAccessible, openCase, showcaseReference, signIn, test } from './fixtures'

const HOUSING_ALLOWANCE =
  'The housing allowance of €312 per month stopped in March after a missed income check; it can be restarted with retroactive effect.'
const RENT = 'Rent is €987 per month, including €45 service costs.'

// The resident revokes the housing corporation's consent for housing; the corporation's open
// page drops the income department's housing fact without a reload, and keeps its own.
test('a consent the resident revokes takes the facts off an open page at once', async ({ browser, page, foreignRequests }) => {
  void foreignRequests
  const reference = await showcaseReference(page)

  const housing = await browser.newPage()
  await signIn(housing, 'professional/woonstad-wonen/lars')
  await openCase(housing, reference)
  await expect(housing.getByTestId('facts')).toContainText(HOUSING_ALLOWANCE)

  await page.goto('/')
  await page.locator('[data-identity="resident/samira"]').click()
  await expect(page.getByRole('heading', { level: 1, name: 'Mijn dossier' })).toBeVisible()
  await expect(page.getByText('Anna de Boer, Buurtteam Amsterdam West')).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Wie heeft mijn gegevens ingezien?' })).toBeVisible()
  await expect(page.getByRole('cell', { name: 'Woonstad Wonen' }).first()).toBeVisible()
  await expectAccessible(page)
  await page.screenshot({ path: `${SCREENSHOTS}/resident.png`, fullPage: true })

  await page.getByRole('button', { name: 'Toestemming voor Woonstad Wonen, Wonen intrekken' }).click()
  await expect(page.getByRole('button', { name: 'Toestemming voor Woonstad Wonen, Wonen intrekken' })).toHaveCount(0)

  await expect(housing.getByTestId('facts')).not.toContainText(HOUSING_ALLOWANCE)
  await expect(housing.getByTestId('facts')).toContainText(RENT)

  // The resident gives it again, and the fact comes back.
  await page.getByLabel('Organisatie', { exact: true }).selectOption({ label: 'Woonstad Wonen' })
  await page.getByLabel('Leefgebied', { exact: true }).selectOption('HOUSING')
  await page.getByRole('button', { name: 'Toestemming geven' }).click()
  await expect(housing.getByTestId('facts')).toContainText(HOUSING_ALLOWANCE)

  // The download is the resident's whole file.
  const download = page.waitForEvent('download')
  await page.getByRole('button', { name: 'Download mijn dossier' }).click()
  expect((await download).suggestedFilename()).toBe('mijn-dossier.json')
})
