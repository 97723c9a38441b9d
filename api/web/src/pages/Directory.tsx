import { useState, type FormEvent } from 'react'
import { useQuery } from 'urql'
import { Alert, Button, Field, Grid, Heading, Label, Paragraph, Select, Table, TextInput } from '@amsterdam/design-system-react'
import { graphql } from '../gql'
import type { DirectoryQueryVariables } from '../gql/graphql'
import { errorCode } from '../client'
import { useTexts } from '../texts'

const MunicipalitiesQuery = graphql(`
  query DirectoryMunicipalities {
    municipalities {
      id
      name
    }
  }
`)

const DirectoryQuery = graphql(`
  query Directory($first: Int!, $after: String, $municipalityId: ID, $organisationKind: OrganisationKind, $expertise: String) {
    directory(first: $first, after: $after, municipalityId: $municipalityId, organisationKind: $organisationKind, expertise: $expertise) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        professionalId
        name
        email
        phone
        availability
        expertise
        organisation {
          name
        }
        municipalities {
          name
        }
      }
    }
  }
`)

type Filters = Omit<DirectoryQueryVariables, 'first' | 'after'>

/** The maatwerkcommunity's coaches: the page the community website would embed. */
export function Directory() {
  const t = useTexts()
  const [draft, setDraft] = useState<Filters>({})
  const [filters, setFilters] = useState<Filters>({})
  const [municipalities] = useQuery({ query: MunicipalitiesQuery })
  const search = (event: FormEvent) => {
    event.preventDefault()
    setFilters({ ...draft, expertise: draft.expertise?.trim() || undefined })
  }
  return (
    <Grid paddingVertical="x-large">
      <Grid.Cell span="all" className="mw-stack">
        <Heading level={1}>{t.directoryTitle}</Heading>
        <Paragraph>{t.directoryIntro}</Paragraph>
        <form onSubmit={search} className="mw-filters" role="search" aria-label={t.directorySearch}>
          <Field>
            <Label htmlFor="directory-municipality">{t.municipality}</Label>
            <Select
              id="directory-municipality"
              value={draft.municipalityId ?? ''}
              onChange={(event) => setDraft({ ...draft, municipalityId: event.target.value || undefined })}
            >
              <Select.Option value="">{t.all}</Select.Option>
              {municipalities.data?.municipalities.map((municipality) => (
                <Select.Option key={municipality.id} value={municipality.id}>
                  {municipality.name}
                </Select.Option>
              ))}
            </Select>
          </Field>
          <Field>
            <Label htmlFor="directory-kind">{t.organisationKindLabel}</Label>
            <Select
              id="directory-kind"
              value={draft.organisationKind ?? ''}
              onChange={(event) =>
                setDraft({ ...draft, organisationKind: (event.target.value || undefined) as Filters['organisationKind'] })
              }
            >
              <Select.Option value="">{t.all}</Select.Option>
              {Object.entries(t.organisationKind).map(([value, label]) => (
                <Select.Option key={value} value={value}>
                  {label}
                </Select.Option>
              ))}
            </Select>
          </Field>
          <Field>
            <Label htmlFor="directory-expertise">{t.expertise}</Label>
            <TextInput
              id="directory-expertise"
              value={draft.expertise ?? ''}
              onChange={(event) => setDraft({ ...draft, expertise: event.target.value })}
            />
          </Field>
          <Button type="submit">{t.directorySearch}</Button>
        </form>
        <DirectoryResults key={JSON.stringify(filters)} filters={filters} />
      </Grid.Cell>
    </Grid>
  )
}

function DirectoryResults({ filters }: { filters: Filters }) {
  const t = useTexts()
  const [pages, setPages] = useState<(string | null)[]>([null])
  return (
    <>
      {pages.map((after, index) => (
        <DirectoryPage
          key={after ?? 'first'}
          filters={filters}
          after={after}
          last={index === pages.length - 1}
          onMore={(cursor) => setPages([...pages, cursor])}
          caption={index === 0 ? t.directoryTitle : undefined}
        />
      ))}
    </>
  )
}

function DirectoryPage({
  filters,
  after,
  last,
  onMore,
  caption,
}: {
  filters: Filters
  after: string | null
  last: boolean
  onMore: (cursor: string) => void
  caption?: string
}) {
  const t = useTexts()
  const [{ data, error }] = useQuery({ query: DirectoryQuery, variables: { ...filters, first: 20, after } })
  if (error) return <Alert heading={t.error(errorCode(error) ?? '')} headingLevel={2} severity="error" />
  if (!data) return <Paragraph>{t.loading}</Paragraph>
  const directory = data.directory
  return (
    <>
      {after === null && directory.nodes.length === 0 && <Paragraph aria-live="polite">{t.noCoaches}</Paragraph>}
      {directory.nodes.length > 0 && (
        <Table>
          {caption && <Table.Caption className="ams-visually-hidden">{caption}</Table.Caption>}
          <Table.Header>
            <Table.Row>
              <Table.HeaderCell scope="col">{t.name}</Table.HeaderCell>
              <Table.HeaderCell scope="col">{t.organisation}</Table.HeaderCell>
              <Table.HeaderCell scope="col">{t.municipality}</Table.HeaderCell>
              <Table.HeaderCell scope="col">{t.expertise}</Table.HeaderCell>
              <Table.HeaderCell scope="col">{t.contact}</Table.HeaderCell>
            </Table.Row>
          </Table.Header>
          <Table.Body>
            {directory.nodes.map((coach) => (
              <Table.Row key={coach.professionalId}>
                <Table.Cell>{coach.name}</Table.Cell>
                <Table.Cell>{coach.organisation.name}</Table.Cell>
                <Table.Cell>{coach.municipalities.map((municipality) => municipality.name).join(', ')}</Table.Cell>
                <Table.Cell>{coach.expertise.join(', ') || '–'}</Table.Cell>
                <Table.Cell>
                  {[coach.email, coach.phone, coach.availability].filter(Boolean).join(' · ') || '–'}
                </Table.Cell>
              </Table.Row>
            ))}
          </Table.Body>
        </Table>
      )}
      {last && directory.pageInfo.hasNextPage && directory.pageInfo.endCursor && (
        <Button variant="secondary" onClick={() => onMore(directory.pageInfo.endCursor!)}>
          {t.more}
        </Button>
      )}
    </>
  )
}
