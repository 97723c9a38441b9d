import { useEffect, useState, type FormEvent } from 'react'
import { useMutation, useQuery } from 'urql'
import {
  Alert,
  Button,
  DescriptionList,
  Field,
  Grid,
  Heading,
  Label,
  Paragraph,
  Select,
  Table,
  UnorderedList,
} from '@amsterdam/design-system-react'
import { graphql } from '../gql'
import type { ResidentFileQuery } from '../gql/graphql'
import { errorCode } from '../client'
import { currentSession } from '../session'
import { useTexts } from '../texts'

const ResidentFileQueryDocument = graphql(`
  query ResidentFile {
    me {
      resident {
        name
      }
    }
    cases(first: 10) {
      nodes {
        id
        reference
        step
        contactPerson {
          name
          email
          organisation {
            name
          }
        }
        perspective {
          text
        }
        team(first: 50) {
          nodes {
            id
            organisation {
              id
              name
            }
          }
        }
        consents(first: 100) {
          nodes {
            id
            lifeDomain
            method
            recordedAt
            organisation {
              id
              name
            }
          }
        }
        facts(first: 100) {
          nodes {
            id
            lifeDomain
            text
            organisation {
              name
            }
          }
        }
        agreements(first: 100) {
          nodes {
            id
            what
            status
            dueOn
          }
        }
      }
    }
    accessLog(first: 20) {
      nodes {
        recordedAt
        action
        byResident
        role
        processingActivityId
        organisation {
          name
        }
        dataKinds {
          kind
          count
        }
      }
    }
  }
`)

const RevokeConsentMutation = graphql(`
  mutation RevokeConsent($input: ConsentInput!) {
    revokeConsent(input: $input) {
      id
    }
  }
`)

const RecordConsentMutation = graphql(`
  mutation RecordConsent($input: ConsentInput!) {
    recordConsent(input: $input) {
      id
    }
  }
`)

type ResidentCase = ResidentFileQuery['cases']['nodes'][number]

export function ResidentFile() {
  const t = useTexts()
  const [{ data, error }, refetch] = useQuery({ query: ResidentFileQueryDocument })
  const code = errorCode(error)
  return (
    <Grid paddingVertical="x-large">
      <Grid.Cell span="all" className="mw-stack">
        <Heading level={1}>{t.residentTitle}</Heading>
        {code && <Alert heading={t.error(code)} headingLevel={2} severity="error" />}
        {!data && !code && <Paragraph>{t.loading}</Paragraph>}
        {data?.me.resident && <Paragraph>{t.residentIntro(data.me.resident.name)}</Paragraph>}
        {data?.cases.nodes.map((node) => (
          <ResidentCaseView key={node.id} node={node} onChanged={() => refetch({ requestPolicy: 'network-only' })} />
        ))}
        {data && <Export />}
        {data && (
          <section aria-labelledby="access-log" className="mw-stack">
            <Heading level={2} id="access-log">
              {t.accessLog}
            </Heading>
            <Paragraph>{t.accessLogIntro}</Paragraph>
            <Table>
              <Table.Header>
                <Table.Row>
                  <Table.HeaderCell scope="col">{t.when}</Table.HeaderCell>
                  <Table.HeaderCell scope="col">{t.who}</Table.HeaderCell>
                  <Table.HeaderCell scope="col">{t.action}</Table.HeaderCell>
                  <Table.HeaderCell scope="col">{t.which}</Table.HeaderCell>
                </Table.Row>
              </Table.Header>
              <Table.Body>
                {data.accessLog.nodes.map((entry, index) => (
                  <Table.Row key={`${entry.recordedAt}-${index}`}>
                    <Table.Cell>{new Date(entry.recordedAt).toLocaleString(t.locale)}</Table.Cell>
                    <Table.Cell>{entry.byResident ? t.you : (entry.organisation?.name ?? '–')}</Table.Cell>
                    <Table.Cell>{t.logAction[entry.action]}</Table.Cell>
                    <Table.Cell>{entry.dataKinds.map((kind) => `${kind.kind} (${kind.count})`).join(', ')}</Table.Cell>
                  </Table.Row>
                ))}
              </Table.Body>
            </Table>
          </section>
        )}
      </Grid.Cell>
    </Grid>
  )
}

function ResidentCaseView({ node, onChanged }: { node: ResidentCase; onChanged: () => void }) {
  const t = useTexts()
  const [revoked, revoke] = useMutation(RevokeConsentMutation)
  const organisations = [...new Map(node.team.nodes.flatMap((member) => (member.organisation ? [[member.organisation.id, member.organisation.name] as const] : []))).entries()]
  const revokeOne = async (organisationId: string, lifeDomain: string) => {
    const outcome = await revoke({ input: { caseId: node.id, organisationId, lifeDomains: [lifeDomain as never] } })
    if (!outcome.error) onChanged()
  }
  return (
    <section aria-labelledby={`case-${node.id}`} className="mw-stack">
      <Heading level={2} id={`case-${node.id}`}>
        {t.caseTitle(node.reference)}
      </Heading>
      <DescriptionList>
        <DescriptionList.Term>{t.step}</DescriptionList.Term>
        <DescriptionList.Description>{t.caseStep[node.step]}</DescriptionList.Description>
        <DescriptionList.Term>{t.contactPerson}</DescriptionList.Term>
        <DescriptionList.Description>
          {node.contactPerson
            ? `${node.contactPerson.name}, ${node.contactPerson.organisation?.name ?? ''}${node.contactPerson.email ? ` (${node.contactPerson.email})` : ''}`
            : '–'}
        </DescriptionList.Description>
        <DescriptionList.Term>{t.perspective}</DescriptionList.Term>
        <DescriptionList.Description>{node.perspective?.text ?? t.perspectiveNone}</DescriptionList.Description>
      </DescriptionList>

      <Heading level={3}>{t.consents}</Heading>
      <Paragraph>{t.consentsIntro}</Paragraph>
      {revoked.error && <Alert heading={t.error(errorCode(revoked.error) ?? '')} headingLevel={4} severity="error" />}
      <Table data-testid="consents">
        <Table.Header>
          <Table.Row>
            <Table.HeaderCell scope="col">{t.organisation}</Table.HeaderCell>
            <Table.HeaderCell scope="col">{t.lifeDomainLabel}</Table.HeaderCell>
            <Table.HeaderCell scope="col">
              <span className="ams-visually-hidden">{t.revoke}</span>
            </Table.HeaderCell>
          </Table.Row>
        </Table.Header>
        <Table.Body>
          {node.consents.nodes.map((consent) => (
            <Table.Row key={consent.id}>
              <Table.Cell>{consent.organisation?.name ?? '–'}</Table.Cell>
              <Table.Cell>{t.lifeDomain[consent.lifeDomain]}</Table.Cell>
              <Table.Cell>
                {consent.organisation && (
                  <Button
                    variant="secondary"
                    aria-label={t.revokeFor(consent.organisation.name, t.lifeDomain[consent.lifeDomain])}
                    onClick={() => revokeOne(consent.organisation!.id, consent.lifeDomain)}
                  >
                    {t.revoke}
                  </Button>
                )}
              </Table.Cell>
            </Table.Row>
          ))}
        </Table.Body>
      </Table>
      <GrantConsent caseId={node.id} organisations={organisations} onGranted={onChanged} />

      <Heading level={3}>{t.facts}</Heading>
      <UnorderedList>
        {node.facts.nodes.map((fact) => (
          <UnorderedList.Item key={fact.id}>
            {t.lifeDomain[fact.lifeDomain]}: {fact.text} <small>({fact.organisation?.name ?? '–'})</small>
          </UnorderedList.Item>
        ))}
      </UnorderedList>
      <Heading level={3}>{t.agreements}</Heading>
      <UnorderedList>
        {node.agreements.nodes.map((agreement) => (
          <UnorderedList.Item key={agreement.id}>
            {agreement.what} ({t.agreementStatus[agreement.status]}
            {agreement.dueOn ? `, ${t.due.toLowerCase()} ${agreement.dueOn}` : ''})
          </UnorderedList.Item>
        ))}
      </UnorderedList>
    </section>
  )
}

function GrantConsent({
  caseId,
  organisations,
  onGranted,
}: {
  caseId: string
  organisations: (readonly [string, string])[]
  onGranted: () => void
}) {
  const t = useTexts()
  const [result, record] = useMutation(RecordConsentMutation)
  const [organisationId, setOrganisationId] = useState(organisations[0]?.[0] ?? '')
  const [lifeDomain, setLifeDomain] = useState('HOUSING')
  useEffect(() => {
    if (!organisationId && organisations[0]) setOrganisationId(organisations[0][0])
  }, [organisationId, organisations])
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const outcome = await record({ input: { caseId, organisationId, lifeDomains: [lifeDomain as never], method: 'DIGITAL' } })
    if (!outcome.error) onGranted()
  }
  return (
    <form onSubmit={submit} className="mw-stack" aria-labelledby={`grant-${caseId}`}>
      <Heading level={4} id={`grant-${caseId}`}>
        {t.grantConsent}
      </Heading>
      {result.error && <Alert heading={t.error(errorCode(result.error) ?? '')} headingLevel={4} severity="error" />}
      <Field>
        <Label htmlFor={`grant-organisation-${caseId}`}>{t.organisation}</Label>
        <Select id={`grant-organisation-${caseId}`} value={organisationId} onChange={(event) => setOrganisationId(event.target.value)}>
          {organisations.map(([id, name]) => (
            <Select.Option key={id} value={id}>
              {name}
            </Select.Option>
          ))}
        </Select>
      </Field>
      <Field>
        <Label htmlFor={`grant-domain-${caseId}`}>{t.lifeDomainLabel}</Label>
        <Select id={`grant-domain-${caseId}`} value={lifeDomain} onChange={(event) => setLifeDomain(event.target.value)}>
          {Object.entries(t.lifeDomain).map(([value, label]) => (
            <Select.Option key={value} value={value}>
              {label}
            </Select.Option>
          ))}
        </Select>
      </Field>
      <Button type="submit" disabled={result.fetching}>
        {t.grant}
      </Button>
    </form>
  )
}

/** The resident's whole file as one JSON document, fetched with the token and saved. */
function Export() {
  const t = useTexts()
  const [failure, setFailure] = useState<string | null>(null)
  const download = async () => {
    const session = currentSession()
    const response = await fetch('/export/resident', { headers: { Authorization: `Bearer ${session?.token ?? ''}` } })
    if (!response.ok) {
      setFailure(String(response.status))
      return
    }
    const url = URL.createObjectURL(await response.blob())
    const link = document.createElement('a')
    link.href = url
    link.download = 'mijn-dossier.json'
    link.click()
    URL.revokeObjectURL(url)
  }
  return (
    <section aria-labelledby="export" className="mw-stack">
      <Heading level={2} id="export">
        {t.exportTitle}
      </Heading>
      <Paragraph>{t.exportIntro}</Paragraph>
      {failure && <Alert heading={t.error(failure)} headingLevel={3} severity="error" />}
      <Button variant="secondary" onClick={download}>
        {t.exportDownload}
      </Button>
    </section>
  )
}
