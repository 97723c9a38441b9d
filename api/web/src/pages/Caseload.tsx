import { useState } from 'react'
import { Link as RouterLink } from 'react-router-dom'
import { useQuery } from 'urql'
import { Alert, Badge, Button, Grid, Heading, Paragraph, Table } from '@amsterdam/design-system-react'
import { graphql } from '../gql'
import { errorCode } from '../client'
import { useTexts } from '../texts'

const PAGE = 20

const CaseloadQuery = graphql(`
  query Caseload($first: Int!, $after: String) {
    cases(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          reference
          step
          status
          myRole
          resident {
            name
          }
          openAgreementCount
          lastActivityAt
          team(first: 10) {
            totalCount
            nodes {
              id
              role
              organisation {
                name
              }
            }
          }
        }
      }
    }
  }
`)

// The cases among the viewer's with an agreement past its due date.
const OverdueQuery = graphql(`
  query CaseloadOverdue {
    cases(first: 100, hasOverdueAgreements: true) {
      nodes {
        id
      }
    }
  }
`)

export function Caseload() {
  const t = useTexts()
  // Relay-style paging: each "more" asks for the page after the last cursor seen.
  const [cursors, setCursors] = useState<(string | null)[]>([null])
  return (
    <Grid paddingVertical="x-large">
      <Grid.Cell span="all" className="mw-stack">
        <Heading level={1}>{t.caseloadTitle}</Heading>
        {cursors.map((after, index) => (
          <CaseloadPage
            key={after ?? 'first'}
            after={after}
            last={index === cursors.length - 1}
            onMore={(cursor) => setCursors([...cursors, cursor])}
          />
        ))}
      </Grid.Cell>
    </Grid>
  )
}

function CaseloadPage({ after, last, onMore }: { after: string | null; last: boolean; onMore: (cursor: string) => void }) {
  const t = useTexts()
  const [{ data, fetching, error }] = useQuery({ query: CaseloadQuery, variables: { first: PAGE, after } })
  const [overdue] = useQuery({ query: OverdueQuery })
  const overdueIds = new Set(overdue.data?.cases.nodes.map((node) => node.id))
  if (error) {
    return (
      <Alert heading={t.error(errorCode(error) ?? '')} headingLevel={2} severity="error">
        <Paragraph>{error.message}</Paragraph>
      </Alert>
    )
  }
  if (!data) return fetching ? <Paragraph>{t.loading}</Paragraph> : null
  const cases = data.cases
  if (cases.totalCount === 0) return <Paragraph>{t.caseloadEmpty}</Paragraph>
  return (
    <>
      {after === null && <Paragraph>{t.caseloadCount(cases.totalCount)}</Paragraph>}
      <Table>
        {after === null && <Table.Caption className="ams-visually-hidden">{t.caseloadTitle}</Table.Caption>}
        <Table.Header>
          <Table.Row>
            <Table.HeaderCell scope="col">{t.reference}</Table.HeaderCell>
            <Table.HeaderCell scope="col">{t.resident}</Table.HeaderCell>
            <Table.HeaderCell scope="col">{t.step}</Table.HeaderCell>
            <Table.HeaderCell scope="col">{t.myRole}</Table.HeaderCell>
            <Table.HeaderCell scope="col">{t.team}</Table.HeaderCell>
            <Table.HeaderCell scope="col">{t.openAgreements}</Table.HeaderCell>
          </Table.Row>
        </Table.Header>
        <Table.Body>
          {cases.edges.map(({ node }) => (
            <Table.Row key={node.id}>
              <Table.Cell>
                <RouterLink className="ams-link" to={`/casussen/${encodeURIComponent(node.id)}`}>
                  {node.reference}
                </RouterLink>
              </Table.Cell>
              <Table.Cell>{node.resident?.name ?? <span className="mw-slice-hidden">{t.residentHidden}</span>}</Table.Cell>
              <Table.Cell>{t.caseStep[node.step]}</Table.Cell>
              <Table.Cell>{node.myRole ? t.teamRole[node.myRole] : '–'}</Table.Cell>
              <Table.Cell>{[...new Set(node.team.nodes.map((member) => member.organisation?.name ?? '–'))].join(', ')}</Table.Cell>
              <Table.Cell>
                {node.openAgreementCount}{' '}
                {overdueIds.has(node.id) && <Badge label={t.overdue} color="red" />}
              </Table.Cell>
            </Table.Row>
          ))}
        </Table.Body>
      </Table>
      {last && cases.pageInfo.hasNextPage && cases.pageInfo.endCursor && (
        <Button variant="secondary" onClick={() => onMore(cases.pageInfo.endCursor!)}>
          {t.morePages}
        </Button>
      )}
    </>
  )
}
