// The GraphQL client: urql over HTTP for queries and mutations, graphql-ws on /graphql/ws for
// `caseEvents`. Both carry the session's token.
import { Client, cacheExchange, fetchExchange, subscriptionExchange, type CombinedError } from 'urql'
import { createClient as createSocket } from 'graphql-ws'
import { socketUrl } from './endpoints'

export function graphqlClient(token: string): Client {
  const socket = createSocket({
    url: socketUrl(),
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

/** The first error as the API reports it: its `extensions.code`, message and `extensions.field`. */
export function firstError(error: CombinedError | undefined): { code: string; message: string; field: string | null } | null {
  if (!error) return null
  const first = error.graphQLErrors[0]
  if (!first) return { code: 'NETWORK', message: error.message, field: null }
  const { code, field } = first.extensions ?? {}
  return {
    code: typeof code === 'string' ? code : 'INTERNAL',
    message: first.message,
    field: typeof field === 'string' ? field : null,
  }
}

/** The `extensions.code` of a GraphQL error, as the API documents them. */
export function errorCode(error: CombinedError | undefined): string | null {
  return firstError(error)?.code ?? null
}
