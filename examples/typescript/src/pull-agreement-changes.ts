// Pull the agreement changes of an organisation's caseload, continuing where the last run ended.
//
// An organisation's back office runs this on a schedule, as the organisation's integration: a
// service token with the `caseload:export` scope (in the demo:
// `maatwerk token --service buurtteam-amsterdam-west --scopes caseload:export`).
//
// Each run pages through `agreementChanges(first:, after:)`, oldest change first, starting after
// the cursor that the previous run saved. It prints every change (hand it to your own system
// there) and saves the page's `endCursor` after each page, so the next run continues after the
// last change handled. An agreement comes back once when it is made and again whenever its
// status changes, each time at a newer `version`: a run never prints a change that an earlier
// run printed.
//
// A change is listed once it is `limits.change_settle_seconds` old (5 by default), so that a
// change committed late is never passed by a cursor: a change made a moment ago shows up in the
// next run.
//
//   GRAPHQL_URL=http://127.0.0.1:8080/graphql GRAPHQL_TOKEN=... \
//     npm run -s pull-agreement-changes -- --state agreement-changes.cursor.json

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { ClientError, GraphQLClient } from 'graphql-request'
import { graphql } from './gql'
import type { AgreementChangesQuery } from './gql/graphql'

// Typed from ../../schema.graphql by `npm run codegen`.
const AgreementChanges = graphql(`
  query AgreementChanges($first: Int!, $after: String) {
    agreementChanges(first: $first, after: $after) {
      edges {
        node {
          id
          caseId
          version
          status
          statusChangedAt
          what
          dueOn
          organisation { slug }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

type Agreement = AgreementChangesQuery['agreementChanges']['edges'][number]['node']

/** The cursor the previous run saved, or null on the first run. */
function readCursor(state: string): string | null {
  if (!existsSync(state)) return null
  return (JSON.parse(readFileSync(state, 'utf8')) as { endCursor: string }).endCursor
}

/** Saves the cursor atomically: a run stopped halfway leaves the previous file whole. */
function saveCursor(state: string, cursor: string): void {
  const partial = `${state}.partial`
  writeFileSync(partial, JSON.stringify({ endCursor: cursor }) + '\n')
  renameSync(partial, state)
}

/** Where your back office takes the change in; here it is printed. */
function handle(agreement: Agreement): void {
  console.log(
    `change agreement=${agreement.id} version=${agreement.version}` +
      ` status=${agreement.status} case=${agreement.caseId}` +
      ` organisation=${agreement.organisation?.slug ?? '-'} what=${agreement.what ?? '-'}`,
  )
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      state: { type: 'string', default: 'agreement-changes.cursor.json' },
      'page-size': { type: 'string', default: '50' },
    },
  })
  const state = values.state
  const first = Number(values['page-size'])

  const url = process.env.GRAPHQL_URL ?? 'http://127.0.0.1:8080/graphql'
  const token = process.env.GRAPHQL_TOKEN
  if (!token) throw new Error('set GRAPHQL_TOKEN')
  const client = new GraphQLClient(url, { headers: { Authorization: `Bearer ${token}` } })

  let after = readCursor(state)
  let pulled = 0
  for (;;) {
    let page: AgreementChangesQuery['agreementChanges']
    try {
      page = (await client.request(AgreementChanges, { first, after })).agreementChanges
    } catch (error) {
      // FORBIDDEN: the token is not an integration's with `caseload:export`.
      // BAD_USER_INPUT on `after`: the state file holds no cursor of this connection.
      if (!(error instanceof ClientError)) throw error
      const [firstError] = error.response.errors ?? []
      console.error(
        `agreementChanges failed: ${firstError?.extensions?.code ?? error.response.status}: ${firstError?.message ?? error.message}`,
      )
      return 1
    }
    for (const edge of page.edges) {
      handle(edge.node)
      pulled += 1
    }
    // Save after handling the page: a run that stops midway repeats at most one page.
    if (page.pageInfo.endCursor) {
      after = page.pageInfo.endCursor
      saveCursor(state, after)
    }
    if (!page.pageInfo.hasNextPage || page.edges.length === 0) break
  }

  const noun = pulled === 1 ? 'change' : 'changes'
  console.log(pulled > 0 ? `pulled ${pulled} ${noun}; the next run continues after them (${state})` : 'no new changes')
  return 0
}

process.exitCode = await main()
