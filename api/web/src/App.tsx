import { useEffect, useMemo, useState } from 'react'
import { BrowserRouter, Navigate, Route, Routes, useNavigate } from 'react-router-dom'
import { Provider } from 'urql'
import { Page, PageFooter, PageHeader, SkipLink, Button } from '@amsterdam/design-system-react'
import { LanguageContext, texts, useTexts, type Language } from './texts'
import { currentSession, signOut, type Session } from './session'
import { graphqlClient } from './client'
import { MaatwerkMark } from './Logo'
import { SignIn } from './pages/SignIn'
import { Home } from './pages/Home'
import { Directory } from './pages/Directory'
import { CaseFile } from './pages/CaseFile'

function storedLanguage(): Language {
  return localStorage.getItem('maatwerk.language') === 'en' ? 'en' : 'nl'
}

export function App() {
  const [language, setLanguage] = useState<Language>(storedLanguage)
  const [session, setSession] = useState<Session | null>(currentSession)
  useEffect(() => {
    document.documentElement.lang = language
    localStorage.setItem('maatwerk.language', language)
  }, [language])
  const languageContext = useMemo(() => ({ language, setLanguage }), [language])
  return (
    <LanguageContext.Provider value={languageContext}>
      <BrowserRouter>
        <Shell session={session} onSession={setSession} />
      </BrowserRouter>
    </LanguageContext.Provider>
  )
}

function Shell({ session, onSession }: { session: Session | null; onSession: (session: Session | null) => void }) {
  const t = useTexts()
  const navigate = useNavigate()
  const client = useMemo(() => (session ? graphqlClient(session.token) : null), [session])
  return (
    <Page>
      <SkipLink href="#inhoud">{t.skipToContent}</SkipLink>
      <PageHeader
        brandName={t.appName}
        logoBrand={{ label: t.appName, svg: MaatwerkMark }}
        logoLink="/"
        logoLinkTitle={t.appName}
        noMenuButtonOnWideWindow
        menuItems={<HeaderMenu session={session} onSignOut={() => { signOut(); onSession(null); navigate('/') }} />}
      />
      <main id="inhoud" className="ams-page__area--body">
        {session && client ? (
          <Provider value={client}>
            <Routes>
              <Route path="/" element={<Home />} />
              <Route path="/coaches" element={<Directory />} />
              <Route path="/casussen/:id" element={<CaseFile />} />
              <Route path="*" element={<Navigate to="/" replace />} />
            </Routes>
          </Provider>
        ) : (
          <SignIn onSignedIn={(signedIn) => { onSession(signedIn); navigate('/') }} />
        )}
      </main>
      <PageFooter>
        <PageFooter.Menu>
          {session && <PageFooter.MenuLink href="/coaches">{t.directoryTitle}</PageFooter.MenuLink>}
          <PageFooter.MenuLink href="/graphql">GraphiQL</PageFooter.MenuLink>
        </PageFooter.Menu>
      </PageFooter>
    </Page>
  )
}

function HeaderMenu({ session, onSignOut }: { session: Session | null; onSignOut: () => void }) {
  const t = useTexts()
  return (
    <LanguageContext.Consumer>
      {({ language, setLanguage }) => (
        <>
          {session && <PageHeader.MenuLink href="/">{t.signedInAs(session.name)}</PageHeader.MenuLink>}
          <li className="ams-page-header__menu-item">
            <Button
              variant="tertiary"
              lang={language === 'nl' ? 'en' : 'nl'}
              aria-label={t.languageSwitch}
              onClick={() => setLanguage(language === 'nl' ? 'en' : 'nl')}
            >
              {texts[language].language}
            </Button>
          </li>
          {session && (
            <li className="ams-page-header__menu-item">
              <Button variant="tertiary" onClick={onSignOut}>
                {t.signOut}
              </Button>
            </li>
          )}
        </>
      )}
    </LanguageContext.Consumer>
  )
}
