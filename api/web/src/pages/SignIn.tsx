import { useEffect, useState } from 'react'
import { Alert, Button, Grid, Heading, Paragraph } from '@amsterdam/design-system-react'
import { useTexts } from '../texts'
import {
  appConfig,
  completeProviderSignIn,
  demoIdentities,
  demoSignIn,
  isProviderCallback,
  providerSignIn,
  type AppConfig,
  type DemoIdentity,
  type Session,
} from '../session'

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const t = useTexts()
  const [config, setConfig] = useState<AppConfig | null>(null)
  const [identities, setIdentities] = useState<DemoIdentity[]>([])
  const [failure, setFailure] = useState<string | null>(null)

  useEffect(() => {
    appConfig()
      .then(async (loaded) => {
        setConfig(loaded)
        if (loaded.signIn && isProviderCallback()) onSignedIn(await completeProviderSignIn(loaded.signIn))
        if (loaded.demo) setIdentities(await demoIdentities())
      })
      .catch((error: unknown) => setFailure(String(error)))
  }, [onSignedIn])

  const group = (kind: DemoIdentity['kind']) => identities.filter((identity) => identity.kind === kind)
  const signInAs = (identity: DemoIdentity) =>
    demoSignIn(identity)
      .then(onSignedIn)
      .catch((error: unknown) => setFailure(String(error)))

  return (
    <Grid paddingVertical="x-large">
      <Grid.Cell span="all" className="mw-stack">
        <Heading level={1}>{t.signInTitle}</Heading>
        <Paragraph>{t.signInIntro}</Paragraph>
        {failure && (
          <Alert heading={t.error('SIGN_IN')} headingLevel={2} severity="error">
            <Paragraph>{failure}</Paragraph>
          </Alert>
        )}
        {config === null && <Paragraph>{t.loading}</Paragraph>}
        {config?.signIn && (
          <Button onClick={() => providerSignIn(config.signIn!)}>{t.signInWithProvider}</Button>
        )}
        {config && !config.signIn && !config.demo && <Paragraph>{t.noSignIn}</Paragraph>}
        {config?.demo && (
          <section aria-labelledby="demo-identities" className="mw-stack">
            <Heading level={2} id="demo-identities">
              {t.demoTitle}
            </Heading>
            <Paragraph>{t.demoIntro}</Paragraph>
            <IdentityList title={t.demoProfessionals} identities={group('PROFESSIONAL')} onChoose={signInAs} />
            <IdentityList title={t.demoResidents} identities={group('RESIDENT')} onChoose={signInAs} />
            <IdentityList title={t.demoServices} identities={group('SERVICE')} onChoose={signInAs} />
            <IdentityList title={t.demoPlatform} identities={group('PLATFORM_ADMIN')} onChoose={signInAs} />
          </section>
        )}
      </Grid.Cell>
    </Grid>
  )
}

function IdentityList({
  title,
  identities,
  onChoose,
}: {
  title: string
  identities: DemoIdentity[]
  onChoose: (identity: DemoIdentity) => void
}) {
  const t = useTexts()
  if (identities.length === 0) return null
  // Professionals by organisation, in the order the server lists them.
  const byOrganisation = new Map<string, DemoIdentity[]>()
  for (const identity of identities) {
    const key = identity.organisation?.name ?? ''
    byOrganisation.set(key, [...(byOrganisation.get(key) ?? []), identity])
  }
  return (
    <section className="mw-stack">
      <Heading level={3}>{title}</Heading>
      {[...byOrganisation].map(([organisation, people]) => (
        <div key={organisation || title}>
          {organisation && (
            <Heading level={4} size="level-5">
              {organisation}
            </Heading>
          )}
          <ul className="mw-identities">
            {people.map((identity) => (
              <li key={identity.id}>
                <Button
                  variant="secondary"
                  aria-label={t.signInAs(identity.organisation ? `${identity.name}, ${identity.organisation.name}` : identity.name)}
                  data-identity={identity.id}
                  onClick={() => onChoose(identity)}
                >
                  {identity.name}
                  {identity.roles.length > 0 && ` (${identity.roles.join(', ')})`}
                </Button>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  )
}
