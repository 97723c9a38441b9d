// GraphiQL from the app's own build: nothing is loaded from another host. It takes the token
// of the tab's signed-in session, so the schema loads and queries run as that identity.
import { createRoot } from 'react-dom/client'
import { GraphiQL } from 'graphiql'
import { createGraphiQLFetcher } from '@graphiql/toolkit'
import { createClient } from 'graphql-ws'
import 'graphiql/graphiql.css'
import './graphiql.css'
import { currentSession } from './session'
import { socketUrl } from './endpoints'

const session = currentSession()
const headers: Record<string, string> = session ? { Authorization: `Bearer ${session.token}` } : {}
const fetcher = createGraphiQLFetcher({
  url: '/graphql',
  headers,
  wsClient: createClient({
    url: socketUrl(),
    connectionParams: headers,
    lazy: true,
  }),
})

createRoot(document.getElementById('graphiql')!).render(
  <GraphiQL
    fetcher={fetcher}
    defaultHeaders={session ? JSON.stringify(headers, null, 2) : undefined}
    defaultQuery={'# Sign in at / first: GraphiQL takes the signed-in identity\'s token.\n{\n  me {\n    kind\n    professional {\n      name\n    }\n  }\n}\n'}
  />,
)
