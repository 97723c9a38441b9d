import { SCREENSHOTS, expect, signIn, test } from './fixtures'

// GraphiQL is the app's own build: it loads nothing from elsewhere, breaks no rule of the
// Content-Security-Policy, and runs as the identity signed in to the app.
test('GraphiQL opens with the signed-in identity and runs a query', async ({ page, foreignRequests }) => {
  void foreignRequests
  const refused: string[] = []
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) refused.push(message.text())
  })
  await signIn(page, 'professional/woonstad-wonen/lars')
  await page.getByRole('link', { name: 'GraphiQL' }).click()
  await expect(page.locator('.graphiql-container')).toBeVisible()
  await page.locator('.graphiql-execute-button').click()
  await expect(page.locator('.result-window')).toContainText('"kind": "PROFESSIONAL"')
  await expect(page.locator('.result-window')).toContainText('Lars Dekker')
  await page.screenshot({ path: `${SCREENSHOTS}/graphiql.png` })
  expect(refused).toEqual([])
})
