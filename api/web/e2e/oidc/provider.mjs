// A real OpenID Connect provider for the sign-in test: panva's `oidc-provider`, certified by
// the OpenID Foundation, standing in for a partner organisation's own. It signs in anyone
// with any password (its development login form) and issues JWT access tokens (RFC 9068) for
// the Maatwerk API, with the roles and organisation claims the API reads.
import { generateKeyPairSync } from 'node:crypto'
import Provider from 'oidc-provider'

const port = Number(process.env.PROVIDER_PORT ?? 8093)
const issuer = `http://127.0.0.1:${port}`
const app = process.env.APP_ORIGIN ?? 'http://127.0.0.1:8092'
const audience = 'urn:maatwerk:api'
const organisation = process.env.PROVIDER_ORGANISATION ?? 'buurtteam-amsterdam-west'

// A fresh key for every run: the API fetches it from the provider's key set URL.
const signingKey = {
  ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
  kid: 'sign-in-test',
  alg: 'ES256',
  use: 'sig',
}

// Everyone who signs in here is a professional of the organisation, named after their login.
const account = (login) => ({
  name: login.charAt(0).toUpperCase() + login.slice(1),
  roles: ['professional'],
  organisation,
})

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'maatwerk-web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [`${app}/aangemeld`],
      id_token_signed_response_alg: 'ES256',
    },
  ],
  jwks: { keys: [signingKey] },
  claims: { openid: ['sub'], profile: ['name'] },
  findAccount: (_context, login) => ({
    accountId: login,
    claims: () => ({ sub: login, name: account(login).name }),
  }),
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'maatwerk',
        audience,
        accessTokenFormat: 'jwt',
        accessTokenTTL: 15 * 60,
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
  extraTokenClaims: (_context, token) => {
    if (token.kind !== 'AccessToken') return undefined
    return account(token.accountId)
  },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, AuthorizationCode: 60, IdToken: 900 },
})

provider.listen(port, '127.0.0.1', () => {
  console.log(`OpenID Connect provider for the sign-in test at ${issuer}`)
})
