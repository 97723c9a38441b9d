import { expect, openCase, showcaseReference, signIn, test } from './fixtures'

// A fact the housing corporation adds reaches the income department's open page live (it has
// consent for housing), and never the health service's (it has none).
test('a fact appears live for an organisation that may see it, and not for one that may not', async ({
  browser,
  page,
  foreignRequests,
}) => {
  void foreignRequests
  const reference = await showcaseReference(page)
  const text = `The landlord agreed to repair the boiler before ${Date.now()}.`

  const income = await browser.newPage()
  await signIn(income, 'professional/wpi-amsterdam/ilse')
  await openCase(income, reference)
  const health = await browser.newPage()
  await signIn(health, 'professional/ggd-amsterdam/nadia')
  await openCase(health, reference)

  await signIn(page, 'professional/woonstad-wonen/lars')
  await openCase(page, reference)
  const form = page.getByRole('form', { name: 'Feit toevoegen' })
  await form.getByLabel('Wat is er feitelijk aan de hand?').fill(text)
  await form.getByLabel('Leefgebied').selectOption('HOUSING')
  await form.getByRole('button', { name: 'Feit vastleggen' }).click()
  await expect(page.getByTestId('facts')).toContainText(text)

  // No reload: the open pages follow caseEvents.
  await expect(income.getByTestId('facts')).toContainText(text)
  await expect(income.getByText('Live bijgewerkt')).toBeVisible()
  // The health service's page heard nothing it may see: give it the time the income
  // department's page needed, then check again.
  await health.waitForTimeout(1000)
  await expect(health.getByTestId('facts')).not.toContainText(text)
  await health.reload()
  await expect(health.getByRole('heading', { level: 1, name: `Casus ${reference}` })).toBeVisible()
  await expect(health.getByTestId('facts')).not.toContainText(text)
})

// The plan is shared: an agreement one member makes and another's status change reach every
// member's open page.
test('an agreement made and moved on shows on another organisation’s open page', async ({ browser, page, foreignRequests }) => {
  void foreignRequests
  const reference = await showcaseReference(page)
  const what = `Call the landlord about the boiler, ${Date.now()}.`

  const lead = await browser.newPage()
  await signIn(lead, 'professional/buurtteam-amsterdam-west/anna')
  await openCase(lead, reference)

  await signIn(page, 'professional/woonstad-wonen/lars')
  await openCase(page, reference)
  const form = page.getByRole('form', { name: 'Afspraak maken' })
  await form.getByLabel('Wat is er afgesproken?').fill(what)
  await form.getByRole('button', { name: 'Afspraak vastleggen' }).click()
  const row = (on: typeof page) => on.getByTestId('agreements').getByRole('row').filter({ hasText: what })
  await expect(row(page)).toBeVisible()
  await expect(row(lead)).toBeVisible()

  await row(page).getByRole('combobox').selectOption('IN_PROGRESS')
  await expect(row(lead).getByRole('combobox')).toHaveValue('IN_PROGRESS')

  // An empty agreement is refused with the server's reason next to the field, and nothing is added.
  const before = await page.getByTestId('agreements').getByRole('row').count()
  await form.getByRole('button', { name: 'Afspraak vastleggen' }).click()
  await expect(form.locator('#agreement-what-error')).toBeVisible()
  await expect(page.getByTestId('agreements').getByRole('row')).toHaveCount(before)
})
