import { SCREENSHOTS, expect, expectAccessible, test } from './fixtures'

// The page the community website would embed: signed in with its service token, which reads
// the directory and nothing else.
test('the directory lists coaches and narrows by municipality', async ({ page, foreignRequests }) => {
  void foreignRequests
  await page.goto('/')
  await page.locator('[data-identity="service/doorbraakteam-amsterdam/directory"]').click()
  await expect(page.getByRole('heading', { level: 1, name: 'Maatwerkcommunity: coaches' })).toBeVisible()
  const rows = page.getByRole('row').filter({ has: page.getByRole('cell') })
  await expect(rows.first()).toBeVisible()
  const everyone = await rows.count()
  await expectAccessible(page)
  await page.screenshot({ path: `${SCREENSHOTS}/directory.png`, fullPage: true })

  await page.getByLabel('Gemeente').selectOption({ label: 'Zaanstad' })
  await page.getByRole('button', { name: 'Zoeken' }).click()
  await expect(async () => {
    const count = await rows.count()
    expect(count).toBeGreaterThan(0)
    expect(count).toBeLessThan(everyone)
  }).toPass()
  for (const row of await rows.all()) await expect(row).toContainText('Zaanstad')
})
