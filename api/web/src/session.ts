// Who is signed in, and how they got there: the demo sign-in (`maatwerk serve --demo` only) or
// the organisation's OpenID Connect provider (authorization code with PKCE). The token lives in
// this tab's session storage and travels in the Authorization header, never in a cookie.
import { UserManager, WebStorageStateStore } from 'oidc-client-ts'

export interface Session {
  token: string
  name: string
  expiresAt: number
}

export interface AppConfig {
  demo: boolean
  signIn: { authority: string; clientId: string; scope: string } | null
}

export interface DemoIdentity {
  id: string
  kind: 'PROFESSIONAL' | 'RESIDENT' | 'SERVICE' | 'PLATFORM_ADMIN'
  name: string
  organisation: { name: string; kind: string } | null
  roles: string[]
}

const KEY = 'maatwerk.session'

export function currentSession(): Session | null {
  const stored = sessionStorage.getItem(KEY)
  if (!stored) return null
  const session = JSON.parse(stored) as Session
  if (session.expiresAt <= Date.now()) {
    sessionStorage.removeItem(KEY)
    return null
  }
  return session
}

function keep(session: Session): Session {
  sessionStorage.setItem(KEY, JSON.stringify(session))
  return session
}

export function signOut(): void {
  sessionStorage.removeItem(KEY)
}

export async function appConfig(): Promise<AppConfig> {
  const response = await fetch('/app/config.json')
  return (await response.json()) as AppConfig
}

export async function demoIdentities(): Promise<DemoIdentity[]> {
  const response = await fetch('/demo/identities')
  if (!response.ok) return []
  return (await response.json()) as DemoIdentity[]
}

export async function demoSignIn(identity: DemoIdentity): Promise<Session> {
  const response = await fetch('/demo/sign-in', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ identity: identity.id }),
  })
  if (!response.ok) throw new Error(`demo sign-in refused: ${response.status}`)
  const { token, expiresIn } = (await response.json()) as { token: string; expiresIn: number }
  return keep({ token, name: identity.name, expiresAt: Date.now() + expiresIn * 1000 })
}

const CALLBACK = '/aangemeld'

function userManager(signIn: NonNullable<AppConfig['signIn']>): UserManager {
  return new UserManager({
    authority: signIn.authority,
    client_id: signIn.clientId,
    scope: signIn.scope,
    redirect_uri: `${location.origin}${CALLBACK}`,
    response_type: 'code',
    userStore: new WebStorageStateStore({ store: sessionStorage }),
  })
}

export function providerSignIn(signIn: NonNullable<AppConfig['signIn']>): Promise<void> {
  return userManager(signIn).signinRedirect()
}

export function isProviderCallback(): boolean {
  return location.pathname === CALLBACK
}

export async function completeProviderSignIn(signIn: NonNullable<AppConfig['signIn']>): Promise<Session> {
  const user = await userManager(signIn).signinRedirectCallback()
  // The API takes the provider's access token (a JWT access token, RFC 9068, for the API's
  // audience); the ID token is for this app only. The server verifies the access token against
  // the provider registered for the organisation.
  return keep({
    token: user.access_token,
    name: user.profile.name ?? user.profile.sub,
    expiresAt: (user.expires_at ?? 0) * 1000,
  })
}
