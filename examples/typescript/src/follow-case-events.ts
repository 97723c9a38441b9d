// Follow one case's events live, over `/graphql/ws`.
//
// Subscribes to `caseEvents(caseId:)` with the graphql-transport-ws protocol, as a professional
// on the case team (in the demo, for example, `maatwerk token --org wpi-amsterdam --person ilse`
// on Samira Bakker's case). The token goes in the `connection_init` payload, as
// `{"Authorization": "Bearer ..."}`; the connection ends when the token expires.
//
// Each event says what happened (`kind`, as on the case's timeline), the case's header after it,
// and the item it is about as the subscriber may see it at that moment. An `EVENTS_MISSED` event
// means events may have been lost on the way: read the case again with a query.
//
// Prints every event and stops after `--events` events, or fails after `--timeout` seconds.
//
//   GRAPHQL_URL=http://127.0.0.1:8080/graphql GRAPHQL_TOKEN=... \
//     npm run -s follow-case-events -- --case-id Q2FzZTo... --events 2 --timeout 60

import { parseArgs } from 'node:util'
import { print } from 'graphql'
import { createClient } from 'graphql-ws'
import WebSocket from 'ws'
import { graphql } from './gql'
import type { CaseEventsSubscription } from './gql/graphql'

// Typed from ../../schema.graphql by `npm run codegen`.
const CaseEvents = graphql(`
  subscription CaseEvents($caseId: ID!) {
    caseEvents(caseId: $caseId) {
      kind
      at
      case { reference step }
      item {
        __typename
        ... on Node { id }
        ... on Agreement { what status version }
        ... on Fact { lifeDomain text }
        ... on Problem { lifeDomain text }
      }
    }
  }
`)

type CaseEvent = CaseEventsSubscription['caseEvents']

function describe(event: CaseEvent): string {
  const item = event.item
  let line = `event kind=${event.kind} at=${event.at} case=${event.case.reference}`
  if (!item) return line
  line += ` item=${item.__typename}:${'id' in item ? item.id : '-'}`
  if (item.__typename === 'Agreement') {
    line += ` status=${item.status} version=${item.version} what=${item.what ?? '-'}`
  } else if (item.__typename === 'Fact' || item.__typename === 'Problem') {
    // `text` is null for a process facilitator, who sees the process only.
    line += ` lifeDomain=${item.lifeDomain} text=${item.text ?? '-'}`
  }
  return line
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'case-id': { type: 'string' },
      events: { type: 'string', default: '0' },
      timeout: { type: 'string' },
    },
  })
  const caseId = values['case-id']
  if (!caseId) throw new Error('usage: follow-case-events --case-id ID [--events N] [--timeout SECONDS]')
  const events = Number(values.events)

  const httpUrl = process.env.GRAPHQL_URL ?? 'http://127.0.0.1:8080/graphql'
  // The same path with `/ws`: http becomes ws, https becomes wss.
  const url = httpUrl.replace(/^http/, 'ws') + '/ws'
  const token = process.env.GRAPHQL_TOKEN
  if (!token) throw new Error('set GRAPHQL_TOKEN')

  const client = createClient({
    url,
    webSocketImpl: WebSocket, // Node 20 has no WebSocket of its own
    connectionParams: { Authorization: `Bearer ${token}` },
    // After the server's `connection_ack`; the subscription is sent right after it.
    on: { connected: () => console.log('connected') },
    // A refused `connection_init` (an invalid or expired token) closes the socket: no retries.
    retryAttempts: 0,
  })

  const timer = values.timeout
    ? setTimeout(() => {
        console.error(`timed out after ${values.timeout} s`)
        process.exit(1)
      }, Number(values.timeout) * 1000)
    : undefined

  let received = 0
  try {
    const subscription = client.iterate<CaseEventsSubscription>({
      query: print(CaseEvents),
      variables: { caseId },
    })
    for await (const result of subscription) {
      if (result.errors?.length) {
        // NOT_FOUND: the case does not exist, or the subscriber is not on its team.
        const [first] = result.errors
        console.error(`caseEvents failed: ${first.extensions?.code ?? ''}: ${first.message}`)
        return 1
      }
      const event = result.data!.caseEvents
      console.log(describe(event))
      if (event.kind === 'EVENTS_MISSED') console.log('events may have been missed: read the case again')
      received += 1
      if (events > 0 && received >= events) break
    }
  } catch (error) {
    // graphql-ws rejects with the close event of a socket that ended, or with the errors of a
    // subscription the server refused.
    const detail =
      Array.isArray(error)
        ? error.map((e) => `${e.extensions?.code ?? ''}: ${e.message}`).join('; ')
        : error instanceof Error
          ? error.message
          : `closed ${(error as { code?: number }).code ?? ''} ${(error as { reason?: string }).reason ?? ''}`
    console.error(`caseEvents failed: ${detail}`)
    return 1
  } finally {
    clearTimeout(timer)
    await client.dispose()
  }
  console.log(`received ${received} events`)
  return 0
}

process.exitCode = await main()
