// The GraphQL client: urql over HTTP for queries and mutations, graphql-ws on /graphql/ws for
// `caseEvents`. Both carry the session's token.
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql'
import { createClient as createSocket } from 'graphql-ws'

export function graphqlClient(token: string): Client {
  const socket = createSocket({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql/ws`,
    connectionParams: { Authorization: `Bearer ${token}` },
    lazy: true,
  })
  return new Client({
    url: '/graphql',
    // The API takes operations by POST (GET /graphql is GraphiQL).
    preferGetMethod: false,
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || '' }
          return {
            subscribe(sink) {
              const unsubscribe = socket.subscribe(input, sink)
              return { unsubscribe }
            },
          }
        },
      }),
    ],
    fetchOptions: () => ({
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/graphql-response+json' },
    }),
    // Every page shows what the server says now: the slice can change under a page.
    requestPolicy: 'cache-and-network',
  })
}

/** The `extensions.code` of a GraphQL error, as the API documents them. */
export function errorCode(error: { graphQLErrors: { extensions?: Record<string, unknown> }[] } | undefined): string | null {
  const code = error?.graphQLErrors[0]?.extensions?.code
  return typeof code === 'string' ? code : error ? 'NETWORK' : null
}
