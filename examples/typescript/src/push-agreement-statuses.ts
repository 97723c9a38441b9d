// Push agreement statuses from a back office, so that a retried row is never applied twice.
//
// Reads a CSV file with a header line and the columns `agreement` (its ID, as
// `agreementChanges` gives it), `status` (OPEN, IN_PROGRESS, DONE or CANCELLED) and `version`
// (the agreement's version the status is set at), the same columns
// `maatwerk import agreement-statuses` reads, and calls
// `setAgreementStatus(id:, status:, version:)` for each row.
//
// Who may call it: `setAgreementStatus` is work on the case, for the professionals on its team
// (the action policy in tests/output/action-table.txt allows it to a case lead or member with
// the `professional` role, and to a coach on the case). A service token gets `NOT_FOUND` for
// every agreement, whatever its scopes. So the script acts as one professional of the
// organisation, with their token from the organisation's identity provider (in the demo:
// `maatwerk token --org buurtteam-amsterdam-west --person anna`), and the change is recorded
// under their name, as with the bulk import.
//
// Every request carries an `Idempotency-Key` derived from the row. A retry of the same row
// (after a timeout, a lost connection, or a run of the whole file again) gets the first
// response back, marked with the response header `Idempotent-Replayed: true`, and writes
// nothing new. The server compares the request's body too: keep the mutation text below
// unchanged between a run and its retry, or the key is refused as "already used for a
// different request".
//
// A row at a version that is no longer current is refused with `CONFLICT` and changes nothing:
// read the agreement again (or pull its change) and decide anew. The script exits 1 when a row
// was refused.
//
//   GRAPHQL_URL=http://127.0.0.1:8080/graphql GRAPHQL_TOKEN=... \
//     npm run -s push-agreement-statuses -- statuses.csv

import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { print } from 'graphql'
import { ClientError, GraphQLClient } from 'graphql-request'
import { graphql } from './gql'
import type {
  AgreementStatus,
  SetAgreementStatusMutation,
  SetAgreementStatusMutationVariables,
} from './gql/graphql'

// Typed from ../../schema.graphql by `npm run codegen`.
const SetAgreementStatus = graphql(`
  mutation SetAgreementStatus($id: ID!, $status: AgreementStatus!, $version: Int!) {
    setAgreementStatus(id: $id, status: $status, version: $version) {
      id
      status
      version
      statusChangedAt
    }
  }
`)

const ATTEMPTS = 4

interface Row {
  agreement: string
  status: string
  version: string
}

type Outcome = 'applied' | 'replayed' | 'refused'

/** The same row gives the same key; a corrected row (another status or version) a new one.
 * Keys are kept per signed-in actor, so two professionals never share one. */
function idempotencyKey(row: Row): string {
  const content = [row.agreement, row.status, row.version].join('\n')
  return 'agreement-status-' + createHash('sha256').update(content).digest('hex')
}

/** A CSV file with a header line; the values here hold no commas or quotes. */
function readRows(file: string): Row[] {
  const [header, ...lines] = readFileSync(file, 'utf8').split(/\r?\n/).filter((line) => line.trim())
  const names = header.split(',').map((name) => name.trim())
  return lines.map((line) => {
    const values = line.split(',').map((value) => value.trim())
    return Object.fromEntries(names.map((name, i) => [name, values[i] ?? ''])) as unknown as Row
  })
}

/** The answer to one request, whether it succeeded or not. */
interface Answer {
  status: number
  headers: Headers
  data?: SetAgreementStatusMutation
  errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>
}

async function send(client: GraphQLClient, variables: SetAgreementStatusMutationVariables, key: string): Promise<Answer> {
  try {
    // `rawRequest` gives the response's headers along with its data.
    return await client.rawRequest<SetAgreementStatusMutation, SetAgreementStatusMutationVariables>(
      print(SetAgreementStatus),
      variables,
      { 'Idempotency-Key': key },
    )
  } catch (error) {
    // An answer with a status other than 2xx (a 409 or 422 on the key, a 429, a 500).
    if (error instanceof ClientError) return error.response as unknown as Answer
    throw error
  }
}

/** Sends one row, retrying with the same key where a retry is safe. */
async function push(client: GraphQLClient, row: Row): Promise<[Outcome, string]> {
  const key = idempotencyKey(row)
  const variables = { id: row.agreement, status: row.status as AgreementStatus, version: Number(row.version) }
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    let answer: Answer
    try {
      answer = await send(client, variables, key)
    } catch (error) {
      // No answer: whether the write happened is unknown, and the key makes asking again safe.
      if (attempt === ATTEMPTS) return ['refused', `no answer after ${ATTEMPTS} attempts: ${error}`]
      await sleep(attempt * 1000)
      continue
    }
    const replayed = answer.headers.get('idempotent-replayed') === 'true'
    const [firstError] = answer.errors ?? []
    if (!firstError && answer.data) {
      const agreement = answer.data.setAgreementStatus
      const note = replayed ? ' (the kept response; nothing written)' : ''
      return [
        replayed ? 'replayed' : 'applied',
        `status=${agreement.status} version=${agreement.version}${note}`,
      ]
    }
    const code = String(firstError?.extensions?.code ?? answer.status)
    const message = firstError?.message ?? `HTTP ${answer.status}`
    const retryAfter = Number(answer.headers.get('retry-after') ?? '1')
    if (
      attempt < ATTEMPTS &&
      !replayed &&
      (code === 'INTERNAL' || // failed inside the server: nothing was kept under the key
        (code === 'CONFLICT' && message.includes('still running')) || // an earlier try still runs
        (code === 'RATE_LIMITED' && retryAfter <= 10))
    ) {
      await sleep(Math.max(retryAfter, attempt) * 1000)
      continue
    }
    if (replayed && message.startsWith('this request was carried out')) {
      // Carried out by an earlier try, but its response is not sent again (the case changed
      // since, or the answer was lost): read the agreement to see where it is.
      return ['replayed', `(carried out before: ${message})`]
    }
    return ['refused', `${replayed ? 'replayed, ' : ''}code=${code}: ${message}`]
  }
  throw new Error('unreachable')
}

async function main(): Promise<number> {
  const { positionals } = parseArgs({ allowPositionals: true })
  const file = positionals[0]
  if (!file) throw new Error('usage: push-agreement-statuses FILE.csv')

  const url = process.env.GRAPHQL_URL ?? 'http://127.0.0.1:8080/graphql'
  const token = process.env.GRAPHQL_TOKEN
  if (!token) throw new Error('set GRAPHQL_TOKEN')
  // errorPolicy 'all': a 200 answer with errors (a CONFLICT) comes back instead of throwing.
  const client = new GraphQLClient(url, { headers: { Authorization: `Bearer ${token}` }, errorPolicy: 'all' })

  const rows = readRows(file)
  const counts: Record<Outcome, number> = { applied: 0, replayed: 0, refused: 0 }
  for (const row of rows) {
    const [outcome, detail] = await push(client, row)
    counts[outcome] += 1
    console.log(`${outcome} agreement=${row.agreement} ${detail}`)
  }
  console.log(
    `rows: ${rows.length}, applied: ${counts.applied}, replayed: ${counts.replayed}, refused: ${counts.refused}`,
  )
  return counts.refused > 0 ? 1 : 0
}

process.exitCode = await main()
