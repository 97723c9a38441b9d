// What a team member adds to the case: a fact, a problem, an agreement, and an agreement's
// status. Each form shows the server's error for the field it names and changes nothing else.
import { useState, type FormEvent, type ReactNode } from 'react'
import { useMutation } from 'urql'
import { Button, DateInput, ErrorMessage, Field, Heading, Label, Select, TextArea, TextInput } from '@amsterdam/design-system-react'
import { graphql } from '../gql'
import type { AgreementStatus, AssigneeKind, CaseFileQuery, LifeDomain, ProblemKind } from '../gql/graphql'
import { firstError } from '../client'
import { useTexts } from '../texts'

const AddFactMutation = graphql(`
  mutation AddFact($caseId: ID!, $input: FactInput!) {
    addFact(caseId: $caseId, input: $input) {
      id
    }
  }
`)

const AddProblemMutation = graphql(`
  mutation AddProblem($caseId: ID!, $input: ProblemInput!) {
    addProblem(caseId: $caseId, input: $input) {
      id
    }
  }
`)

const AddAgreementMutation = graphql(`
  mutation AddAgreement($caseId: ID!, $input: AgreementInput!) {
    addAgreement(caseId: $caseId, input: $input) {
      id
    }
  }
`)

const SetAgreementStatusMutation = graphql(`
  mutation SetAgreementStatus($id: ID!, $status: AgreementStatus!, $version: Int!) {
    setAgreementStatus(id: $id, status: $status, version: $version) {
      id
      status
      version
    }
  }
`)

function Form({ id, title, onSubmit, children }: { id: string; title: string; onSubmit: () => Promise<boolean>; children: ReactNode }) {
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    await onSubmit()
  }
  return (
    <form onSubmit={submit} className="mw-stack mw-form" aria-labelledby={id}>
      <Heading level={3} size="level-4" id={id}>
        {title}
      </Heading>
      {children}
    </form>
  )
}

function TextField({
  id,
  label,
  value,
  onChange,
  error,
}: {
  id: string
  label: string
  value: string
  onChange: (value: string) => void
  error: string | null
}) {
  return (
    <Field invalid={Boolean(error)}>
      <Label htmlFor={id}>{label}</Label>
      {error && <ErrorMessage id={`${id}-error`}>{error}</ErrorMessage>}
      <TextArea
        id={id}
        value={value}
        rows={3}
        invalid={Boolean(error)}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(event) => onChange(event.target.value)}
      />
    </Field>
  )
}

function Choice<T extends string>({
  id,
  label,
  value,
  options,
  onChange,
}: {
  id: string
  label: string
  value: T
  options: Record<string, string>
  onChange: (value: T) => void
}) {
  return (
    <Field>
      <Label htmlFor={id}>{label}</Label>
      <Select id={id} value={value} onChange={(event) => onChange(event.target.value as T)}>
        {Object.entries(options).map(([option, text]) => (
          <Select.Option key={option} value={option}>
            {text}
          </Select.Option>
        ))}
      </Select>
    </Field>
  )
}

export function AddFact({ caseId }: { caseId: string }) {
  const t = useTexts()
  const [result, addFact] = useMutation(AddFactMutation)
  const [text, setText] = useState('')
  const [lifeDomain, setLifeDomain] = useState<LifeDomain>('HOUSING')
  const [need, setNeed] = useState<'NEED_TO_KNOW' | 'NICE_TO_KNOW'>('NEED_TO_KNOW')
  const [sharing, setSharing] = useState<'TEAM' | 'ORGANISATION'>('TEAM')
  const failure = firstError(result.error)
  return (
    <Form
      id="add-fact"
      title={t.addFact}
      onSubmit={async () => {
        const outcome = await addFact({ caseId, input: { text, lifeDomain, need, sharing } })
        if (!outcome.error) setText('')
        return !outcome.error
      }}
    >
      <TextField id="fact-text" label={t.factText} value={text} onChange={setText} error={failure?.message ?? null} />
      <Choice id="fact-domain" label={t.lifeDomainLabel} value={lifeDomain} options={t.lifeDomain} onChange={setLifeDomain} />
      <Choice id="fact-need" label={t.need} value={need} options={{ NEED_TO_KNOW: t.needToKnow, NICE_TO_KNOW: t.niceToKnow }} onChange={setNeed} />
      <Choice
        id="fact-sharing"
        label={t.sharing}
        value={sharing}
        options={{ TEAM: t.sharingTeam, ORGANISATION: t.sharingOrganisation }}
        onChange={setSharing}
      />
      <Button type="submit" disabled={result.fetching}>
        {t.addFactSubmit}
      </Button>
    </Form>
  )
}

export function AddProblem({ caseId }: { caseId: string }) {
  const t = useTexts()
  const [result, addProblem] = useMutation(AddProblemMutation)
  const [text, setText] = useState('')
  const [kind, setKind] = useState<ProblemKind>('PERSONAL')
  const [lifeDomain, setLifeDomain] = useState<LifeDomain>('FINANCES')
  const failure = firstError(result.error)
  return (
    <Form
      id="add-problem"
      title={t.addProblem}
      onSubmit={async () => {
        const outcome = await addProblem({ caseId, input: { text, kind, lifeDomain, residentSharesPicture: false, sharing: 'TEAM' } })
        if (!outcome.error) setText('')
        return !outcome.error
      }}
    >
      <TextField id="problem-text" label={t.problemText} value={text} onChange={setText} error={failure?.message ?? null} />
      <Choice id="problem-kind" label={t.problemKindLabel} value={kind} options={t.problemKind} onChange={setKind} />
      <Choice id="problem-domain" label={t.lifeDomainLabel} value={lifeDomain} options={t.lifeDomain} onChange={setLifeDomain} />
      <Button type="submit" disabled={result.fetching}>
        {t.addProblemSubmit}
      </Button>
    </Form>
  )
}

export function AddAgreement({
  caseId,
  team,
}: {
  caseId: string
  team: NonNullable<CaseFileQuery['case']>['team']['nodes']
}) {
  const t = useTexts()
  const [result, addAgreement] = useMutation(AddAgreementMutation)
  const [what, setWhat] = useState('')
  const [kind, setKind] = useState<AssigneeKind>('RESIDENT')
  const [name, setName] = useState('')
  const members = team.filter((member) => member.professional)
  const [professionalId, setProfessionalId] = useState(members[0]?.professional?.id ?? '')
  const [dueOn, setDueOn] = useState('')
  const failure = firstError(result.error)
  const named = kind === 'NETWORK' || kind === 'SOCIAL_BASE' || kind === 'SPECIALIST'
  return (
    <Form
      id="add-agreement"
      title={t.addAgreement}
      onSubmit={async () => {
        const assignee =
          kind === 'TEAM_MEMBER' ? { kind, professionalId } : named ? { kind, name: name || undefined } : { kind }
        const outcome = await addAgreement({ caseId, input: { what, assignee, dueOn: dueOn || undefined } })
        if (!outcome.error) {
          setWhat('')
          setName('')
          setDueOn('')
        }
        return !outcome.error
      }}
    >
      <TextField
        id="agreement-what"
        label={t.agreementWhat}
        value={what}
        onChange={setWhat}
        error={failure && failure.field !== 'dueOn' ? failure.message : null}
      />
      <Choice
        id="agreement-assignee"
        label={t.assignee}
        value={kind}
        options={{ RESIDENT: t.assigneeKind.RESIDENT, TEAM_MEMBER: t.assigneeKind.TEAM_MEMBER, NETWORK: t.assigneeKind.NETWORK, SOCIAL_BASE: t.assigneeKind.SOCIAL_BASE, SPECIALIST: t.assigneeKind.SPECIALIST }}
        onChange={setKind}
      />
      {kind === 'TEAM_MEMBER' && (
        <Choice
          id="agreement-member"
          label={t.teamMember}
          value={professionalId}
          options={Object.fromEntries(members.map((member) => [member.professional!.id, `${member.professional!.name} (${member.organisation?.name ?? ''})`]))}
          onChange={setProfessionalId}
        />
      )}
      {named && (
        <Field>
          <Label htmlFor="agreement-name">{t.assigneeName}</Label>
          <TextInput id="agreement-name" value={name} onChange={(event) => setName(event.target.value)} />
        </Field>
      )}
      <Field invalid={failure?.field === 'dueOn'}>
        <Label htmlFor="agreement-due">{t.due}</Label>
        {failure?.field === 'dueOn' && <ErrorMessage id="agreement-due-error">{failure.message}</ErrorMessage>}
        <DateInput id="agreement-due" value={dueOn} onChange={(event) => setDueOn(event.target.value)} />
      </Field>
      <Button type="submit" disabled={result.fetching}>
        {t.addAgreementSubmit}
      </Button>
    </Form>
  )
}

/** Changes an agreement's status, naming the version it read, so a concurrent change is refused. */
export function AgreementStatusSelect({ agreement }: { agreement: { id: string; status: AgreementStatus; version: number; what?: string | null } }) {
  const t = useTexts()
  const [result, setStatus] = useMutation(SetAgreementStatusMutation)
  const failure = firstError(result.error)
  const id = `agreement-status-${agreement.id}`
  return (
    <Field invalid={Boolean(failure)}>
      <Label htmlFor={id} className="ams-visually-hidden">
        {t.statusOf(agreement.what ?? '')}
      </Label>
      {failure && <ErrorMessage id={`${id}-error`}>{failure.message}</ErrorMessage>}
      <Select
        id={id}
        value={agreement.status}
        disabled={result.fetching}
        onChange={(event) => setStatus({ id: agreement.id, status: event.target.value as AgreementStatus, version: agreement.version })}
      >
        {Object.entries(t.agreementStatus).map(([value, label]) => (
          <Select.Option key={value} value={value}>
            {label}
          </Select.Option>
        ))}
      </Select>
    </Field>
  )
}
