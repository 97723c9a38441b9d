import { execFileSync } from 'node:child_process'
import { test, expect, expectAccessible } from './fixtures'
import { binary, provider, serverEnvironment, signIn } from './servers'

// Without --demo, a professional signs in through their organisation's OpenID Connect provider
// (authorization code with PKCE), and the API takes the provider's JWT access token once the
// platform operator has registered the provider for the organisation.
test.use({ baseURL: signIn.origin, otherHosts: [new URL(provider.origin).host] })

async function graphql(
  request: import('@playwright/test').APIRequestContext,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
) {
  const response = await request.post(`${signIn.origin}/graphql`, {
    headers: { Authorization: `Bearer ${token}` },
    data: { query, variables },
  })
  const body = await response.json()
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined()
  return body.data
}

test('a professional signs in through their organisation’s OpenID Connect provider', async ({
  page,
  request,
  foreignRequests,
}) => {
  void foreignRequests
  const operator = execFileSync(binary, ['token', '--platform-admin'], {
    env: { ...process.env, ...serverEnvironment(signIn.database) },
  })
    .toString()
    .trim()
  const { organisation } = await graphql(
    request,
    operator,
    'query($slug: String!) { organisation(slug: $slug) { id } }',
    { slug: 'buurtteam-amsterdam-west' },
  )
  await graphql(
    request,
    operator,
    `mutation($input: RegisterIdentityProviderInput!) { registerIdentityProvider(input: $input) { id } }`,
    {
      input: {
        kind: 'PROFESSIONAL',
        name: 'Buurtteam Amsterdam West staff sign-in',
        organisationId: organisation.id,
        issuer: provider.origin,
        audience: 'urn:maatwerk:api',
        algorithms: ['ES256'],
        jwksUrl: `${provider.origin}/jwks`,
      },
    },
  )

  await page.goto('/')
  await expect(page.locator('[data-identity]')).toHaveCount(0)
  await expectAccessible(page)
  await page.getByRole('button', { name: 'Aanmelden bij uw organisatie' }).click()

  // The provider's own pages: its development login form, then its consent.
  await expect(page).toHaveURL(new RegExp(`^${provider.origin}/`))
  await page.locator('input[name="login"]').fill('eva')
  await page.locator('input[name="password"]').fill('any password')
  await page.getByRole('button', { name: 'Sign-in' }).click()
  await page.getByRole('button', { name: 'Continue' }).click()

  // Back in the app, signed in with the provider's access token: the API answered the caseload.
  await expect(page.getByRole('heading', { level: 1, name: 'Mijn casussen' })).toBeVisible()
  await expect(page).toHaveURL(`${signIn.origin}/`)
  await expect(page.getByText('Aangemeld als Eva')).toBeVisible()
  await expect(page.getByText('U staat in geen enkel casusteam.')).toBeVisible()
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('maatwerk.session')!).token as string)
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())
  expect(claims).toMatchObject({ iss: provider.origin, aud: 'urn:maatwerk:api', sub: 'eva' })
})
