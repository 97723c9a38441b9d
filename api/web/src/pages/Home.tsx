import { useQuery } from 'urql'
import { Grid, Paragraph } from '@amsterdam/design-system-react'
import { graphql } from '../gql'
import { useTexts } from '../texts'
import { Caseload } from './Caseload'
import { ResidentFile } from './ResidentFile'
import { Directory } from './Directory'

const MeQuery = graphql(`
  query Me {
    me {
      kind
      scopes
    }
  }
`)

/** The first page depends on who signed in: a caseload, the resident's own file, or the directory. */
export function Home() {
  const t = useTexts()
  const [{ data }] = useQuery({ query: MeQuery })
  if (!data) {
    return (
      <Grid paddingVertical="x-large">
        <Grid.Cell span="all">
          <Paragraph>{t.loading}</Paragraph>
        </Grid.Cell>
      </Grid>
    )
  }
  switch (data.me.kind) {
    case 'RESIDENT':
      return <ResidentFile />
    case 'SERVICE':
      return data.me.scopes.includes('DIRECTORY_READ') ? (
        <Directory />
      ) : (
        <Grid paddingVertical="x-large">
          <Grid.Cell span="all">
            <Paragraph>{t.integrationOnly}</Paragraph>
          </Grid.Cell>
        </Grid>
      )
    default:
      return <Caseload />
  }
}
