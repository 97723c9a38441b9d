import { useEffect, type ReactNode } from 'react'
import { Link as RouterLink, useParams } from 'react-router-dom'
import { useQuery, useSubscription } from 'urql'
import {
  Alert,
  Badge,
  DescriptionList,
  Grid,
  Heading,
  OrderedList,
  Paragraph,
  Table,
  UnorderedList,
} from '@amsterdam/design-system-react'
import { AddAgreement, AddFact, AddProblem, AgreementStatusSelect } from './caseForms'
import { graphql } from '../gql'
import type { CaseFileQuery } from '../gql/graphql'
import { errorCode } from '../client'
import { useTexts } from '../texts'

const CaseFileQueryDocument = graphql(`
  query CaseFile($id: ID!) {
    case(id: $id) {
      id
      reference
      step
      status
      myRole
      resident {
        name
        bsn
        dateOfBirth
      }
      perspective {
        id
        text
        writtenByResident
      }
      perspectives(first: 20) {
        totalCount
        nodes {
          id
          text
          recordedAt
          writtenByResident
        }
      }
      team(first: 50) {
        nodes {
          id
          role
          professional {
            id
            name
          }
          organisation {
            name
          }
        }
      }
      facts(first: 100) {
        totalCount
        nodes {
          id
          lifeDomain
          text
          withheldReason
          organisation {
            name
          }
        }
      }
      problems(first: 100) {
        totalCount
        nodes {
          id
          kind
          lifeDomain
          text
          organisation {
            name
          }
        }
      }
      firstSteps(first: 50) {
        nodes {
          id
          text
          motivation
          capability
          opportunity
          status
        }
      }
      agreements(first: 100) {
        totalCount
        nodes {
          id
          version
          what
          status
          dueOn
          overdue
          assigneeName
          assigneeOrganisation {
            name
          }
        }
      }
      evaluations(first: 20) {
        nodes {
          id
          recordedAt
          achieved
          whatWorked
          stillNeeded
          perspectiveReached
          nextEvaluationOn
        }
      }
      decisions(first: 50) {
        nodes {
          id
          kind
          status
          description
          amountCents
          decidedAt
          organisation {
            name
          }
        }
      }
      ruleExceptions(first: 20) {
        nodes {
          id
          status
          rule
          customSolution
        }
      }
      consents(first: 100) {
        nodes {
          id
          lifeDomain
          organisation {
            name
          }
        }
      }
      timeline(first: 15) {
        nodes {
          at
          kind
          organisation {
            name
          }
        }
      }
    }
  }
`)

const CaseEventsSubscription = graphql(`
  subscription CaseFileEvents($caseId: ID!) {
    caseEvents(caseId: $caseId) {
      kind
      at
    }
  }
`)

export type CaseData = NonNullable<CaseFileQuery['case']>

export function CaseFile() {
  const t = useTexts()
  const { id = '' } = useParams()
  const [{ data, fetching, error }, refetch] = useQuery({ query: CaseFileQueryDocument, variables: { id } })
  // Every event means the slice may have changed (a fact added, a consent revoked): read the
  // case again as the server slices it now.
  const [events] = useSubscription({ query: CaseEventsSubscription, variables: { caseId: id } })
  useEffect(() => {
    if (events.data) refetch({ requestPolicy: 'network-only' })
  }, [events.data, refetch])

  const code = errorCode(error)
  return (
    <Grid paddingVertical="x-large">
      <Grid.Cell span="all" className="mw-stack">
        <Paragraph>
          <RouterLink className="ams-link" to="/">
            {t.backToCaseload}
          </RouterLink>
        </Paragraph>
        {(code === 'NOT_FOUND' || (data && !data.case)) && (
          <Alert heading={t.notFound} headingLevel={1} severity="warning" />
        )}
        {code && code !== 'NOT_FOUND' && (
          <Alert heading={t.error(code)} headingLevel={1} severity="error" />
        )}
        {!data && fetching && <Paragraph>{t.loading}</Paragraph>}
        {data?.case && <CaseView data={data.case} live={Boolean(events.data)} />}
      </Grid.Cell>
    </Grid>
  )
}

/** A part of the case page, named by its heading for screen readers and the browser tests. */
function Section({ id, title, children, ...rest }: { id: string; title: string; children: ReactNode; 'data-testid'?: string }) {
  return (
    <section aria-labelledby={id} className="mw-stack" {...rest}>
      <Heading level={2} id={id}>
        {title}
      </Heading>
      {children}
    </section>
  )
}

function Hidden() {
  const t = useTexts()
  return <span className="mw-slice-hidden">{t.processOnly}</span>
}

function CaseView({ data, live }: { data: CaseData; live: boolean }) {
  const t = useTexts()
  // The policy decides on the server; the forms are only offered where they can succeed.
  const mayWrite = Boolean(data.myRole && data.myRole !== 'PROCESS_FACILITATOR')
  const factsByDomain = new Map<string, CaseData['facts']['nodes']>()
  for (const fact of data.facts.nodes) {
    factsByDomain.set(fact.lifeDomain, [...(factsByDomain.get(fact.lifeDomain) ?? []), fact])
  }
  return (
    <>
      <Heading level={1}>{t.caseTitle(data.reference)}</Heading>
      <DescriptionList>
        <DescriptionList.Term>{t.step}</DescriptionList.Term>
        <DescriptionList.Description>{t.caseStep[data.step]}</DescriptionList.Description>
        <DescriptionList.Term>{t.myRole}</DescriptionList.Term>
        <DescriptionList.Description>{data.myRole ? t.teamRole[data.myRole] : '–'}</DescriptionList.Description>
        <DescriptionList.Term>{t.resident}</DescriptionList.Term>
        <DescriptionList.Description>
          {data.resident ? data.resident.name : <span className="mw-slice-hidden">{t.residentHidden}</span>}
        </DescriptionList.Description>
        {data.resident?.bsn && (
          <>
            <DescriptionList.Term>{t.bsn}</DescriptionList.Term>
            <DescriptionList.Description>{data.resident.bsn}</DescriptionList.Description>
          </>
        )}
      </DescriptionList>
      {live && <Badge label={t.live} color="lime" />}

      <Section id="team" title={t.team}>
        <UnorderedList>
          {data.team.nodes.map((member) => (
            <UnorderedList.Item key={member.id}>
              {member.professional?.name ?? '–'} ({t.teamRole[member.role]}, {member.organisation?.name ?? '–'})
            </UnorderedList.Item>
          ))}
        </UnorderedList>
      </Section>

      <Section id="perspective" title={t.perspective}>
        {data.perspective ? (
          <Paragraph>{data.perspective.text ?? <Hidden />}</Paragraph>
        ) : (
          <Paragraph>{t.perspectiveNone}</Paragraph>
        )}
        {data.perspectives.totalCount > 1 && (
          <details>
            <summary>{t.perspectiveVersions(data.perspectives.totalCount)}</summary>
            <OrderedList>
              {data.perspectives.nodes.map((version) => (
                <OrderedList.Item key={version.id}>
                  <time dateTime={version.recordedAt}>{new Date(version.recordedAt).toLocaleDateString(t.locale)}</time>
                  {version.writtenByResident && ` (${t.byResident})`}: {version.text ?? <Hidden />}
                </OrderedList.Item>
              ))}
            </OrderedList>
          </details>
        )}
      </Section>

      <Section id="facts" title={t.facts} data-testid="facts">
        {data.facts.nodes.length === 0 && <Paragraph>{t.factsNone}</Paragraph>}
        {[...factsByDomain].map(([domain, facts]) => (
          <div key={domain}>
            <Heading level={3} size="level-4">
              {t.lifeDomain[domain]}
            </Heading>
            <UnorderedList>
              {facts.map((fact) => (
                <UnorderedList.Item key={fact.id} data-fact={fact.id}>
                  {fact.text ?? <Hidden />} <small>({fact.organisation?.name ?? '–'})</small>
                </UnorderedList.Item>
              ))}
            </UnorderedList>
          </div>
        ))}
      </Section>

      {mayWrite && <AddFact caseId={data.id} />}

      <Section id="problems" title={t.problems} data-testid="problems">
        {data.problems.nodes.length === 0 && <Paragraph>{t.problemsNone}</Paragraph>}
        {(['PERSONAL', 'PROFESSIONAL', 'SYSTEM'] as const).map((kind) => {
          const problems = data.problems.nodes.filter((problem) => problem.kind === kind)
          if (problems.length === 0) return null
          return (
            <div key={kind}>
              <Heading level={3} size="level-4">
                {t.problemKind[kind]}
              </Heading>
              <UnorderedList>
                {problems.map((problem) => (
                  <UnorderedList.Item key={problem.id}>
                    {t.lifeDomain[problem.lifeDomain]}: {problem.text ?? <Hidden />}{' '}
                    <small>({problem.organisation?.name ?? '–'})</small>
                  </UnorderedList.Item>
                ))}
              </UnorderedList>
            </div>
          )
        })}
        {mayWrite && <AddProblem caseId={data.id} />}
      </Section>

      <Section id="first-steps" title={t.firstSteps}>
        {data.firstSteps.nodes.length === 0 && <Paragraph>{t.firstStepsNone}</Paragraph>}
        {data.firstSteps.nodes.map((step) => (
          <DescriptionList key={step.id}>
            <DescriptionList.Term>{t.firstStep}</DescriptionList.Term>
            <DescriptionList.Description>
              {step.text ?? <Hidden />} ({t.firstStepStatus[step.status]})
            </DescriptionList.Description>
            <DescriptionList.Term>{t.motivation}</DescriptionList.Term>
            <DescriptionList.Description>{step.motivation ?? '–'}</DescriptionList.Description>
            <DescriptionList.Term>{t.capability}</DescriptionList.Term>
            <DescriptionList.Description>{step.capability ?? '–'}</DescriptionList.Description>
            <DescriptionList.Term>{t.opportunity}</DescriptionList.Term>
            <DescriptionList.Description>{step.opportunity ?? '–'}</DescriptionList.Description>
          </DescriptionList>
        ))}
      </Section>

      <Section id="agreements" title={t.agreements} data-testid="agreements">
        {data.agreements.nodes.length === 0 ? (
          <Paragraph>{t.agreementsNone}</Paragraph>
        ) : (
          <Table>
            <Table.Header>
              <Table.Row>
                <Table.HeaderCell scope="col">{t.what}</Table.HeaderCell>
                <Table.HeaderCell scope="col">{t.assignee}</Table.HeaderCell>
                <Table.HeaderCell scope="col">{t.due}</Table.HeaderCell>
                <Table.HeaderCell scope="col">{t.status}</Table.HeaderCell>
              </Table.Row>
            </Table.Header>
            <Table.Body>
              {data.agreements.nodes.map((agreement) => (
                <Table.Row key={agreement.id}>
                  <Table.Cell>{agreement.what ?? <Hidden />}</Table.Cell>
                  <Table.Cell>{agreement.assigneeName ?? agreement.assigneeOrganisation?.name ?? '–'}</Table.Cell>
                  <Table.Cell>
                    {agreement.dueOn ?? '–'} {agreement.overdue && <Badge label={t.overdue} color="red" />}
                  </Table.Cell>
                  <Table.Cell>
                    {mayWrite ? <AgreementStatusSelect agreement={agreement} /> : t.agreementStatus[agreement.status]}
                  </Table.Cell>
                </Table.Row>
              ))}
            </Table.Body>
          </Table>
        )}
      </Section>

      {mayWrite && <AddAgreement caseId={data.id} team={data.team.nodes} />}

      <Section id="evaluations" title={t.evaluations}>
        {data.evaluations.nodes.length === 0 && <Paragraph>{t.evaluationsNone}</Paragraph>}
        {data.evaluations.nodes.map((evaluation) => (
          <DescriptionList key={evaluation.id}>
            <DescriptionList.Term>{t.recordedAt}</DescriptionList.Term>
            <DescriptionList.Description>{new Date(evaluation.recordedAt).toLocaleDateString(t.locale)}</DescriptionList.Description>
            <DescriptionList.Term>{t.achieved}</DescriptionList.Term>
            <DescriptionList.Description>{evaluation.achieved ?? <Hidden />}</DescriptionList.Description>
            <DescriptionList.Term>{t.whatWorked}</DescriptionList.Term>
            <DescriptionList.Description>{evaluation.whatWorked ?? <Hidden />}</DescriptionList.Description>
            <DescriptionList.Term>{t.stillNeeded}</DescriptionList.Term>
            <DescriptionList.Description>{evaluation.stillNeeded ?? <Hidden />}</DescriptionList.Description>
          </DescriptionList>
        ))}
      </Section>

      <Section id="decisions" title={t.decisions}>
        {data.decisions.nodes.length === 0 && data.ruleExceptions.nodes.length === 0 && <Paragraph>{t.decisionsNone}</Paragraph>}
        <UnorderedList>
          {data.decisions.nodes.map((decision) => (
            <UnorderedList.Item key={decision.id}>
              {t.decisionKind[decision.kind]} ({t.decisionStatus[decision.status]}, {decision.organisation?.name ?? '–'}):{' '}
              {decision.description ?? <Hidden />}
              {decision.amountCents != null && ` · € ${(decision.amountCents / 100).toLocaleString(t.locale)}`}
            </UnorderedList.Item>
          ))}
          {data.ruleExceptions.nodes.map((exception) => (
            <UnorderedList.Item key={exception.id}>
              {t.ruleException} ({t.exceptionStatus[exception.status]}): {exception.rule ?? <Hidden />}
              {exception.customSolution && ` → ${exception.customSolution}`}
            </UnorderedList.Item>
          ))}
        </UnorderedList>
      </Section>

      <Section id="consents" title={t.consents}>
        {data.consents.nodes.length === 0 ? (
          <Paragraph>{t.consentsNone}</Paragraph>
        ) : (
          <UnorderedList>
            {data.consents.nodes.map((consent) => (
              <UnorderedList.Item key={consent.id}>
                {consent.organisation?.name ?? '–'}: {t.lifeDomain[consent.lifeDomain]}
              </UnorderedList.Item>
            ))}
          </UnorderedList>
        )}
      </Section>

      <Section id="timeline" title={t.timeline}>
        <OrderedList>
          {data.timeline.nodes.map((event, index) => (
            <OrderedList.Item key={`${event.at}-${index}`}>
              <time dateTime={event.at}>{new Date(event.at).toLocaleString(t.locale)}</time>: {t.event[event.kind] ?? event.kind}
              {event.organisation && ` (${event.organisation.name})`}
            </OrderedList.Item>
          ))}
        </OrderedList>
      </Section>
    </>
  )
}

