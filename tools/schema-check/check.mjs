// Compares schema.graphql in every commit that changed it with the commit before, from the
// commit that added this check on. A breaking change (a type, field or enum value removed, an
// argument made required, a type changed, …) fails the check unless its commit's message
// carries the trailer `Schema-Change: breaking`, which says the break is deliberate and that
// partners were told. Run from anywhere in the repository: `npm run check`.
import { execFileSync } from 'node:child_process'
import { buildSchema } from 'graphql'
import { CriticalityLevel, diff } from '@graphql-inspector/core'

const SCHEMA = 'schema.graphql'
const MARK = /^Schema-Change:\s*breaking\s*$/im

const git = (...args) =>
  execFileSync('git', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim()
const schemaAt = (commit) => {
  try {
    return git('show', `${commit}:${SCHEMA}`)
  } catch {
    return null
  }
}

process.chdir(git('rev-parse', '--show-toplevel'))
if (git('rev-parse', '--is-shallow-repository') === 'true') {
  try {
    git('fetch', '--quiet', '--unshallow')
  } catch {
    // A clone without its history cannot be compared; say so rather than pass in silence.
    console.log('schema check skipped: this clone has no history to compare with')
    process.exit(0)
  }
}
const added = git('log', '--diff-filter=A', '--format=%H', '--', 'tools/schema-check/check.mjs')
  .split('\n')
  .filter(Boolean)
  .pop()
// SCHEMA_CHECK_SINCE=COMMIT checks from there instead; before this file is committed, the
// check looks at the last commit only.
const since = process.env.SCHEMA_CHECK_SINCE ?? (added ? `${added}~1` : 'HEAD~1')
const range = `${since}..HEAD`
const commits = git('rev-list', '--reverse', range, '--', SCHEMA).split('\n').filter(Boolean)

let failed = 0
for (const commit of commits) {
  const before = schemaAt(`${commit}~1`)
  const after = schemaAt(commit)
  if (before === null || after === null) continue
  const changes = await diff(buildSchema(before), buildSchema(after))
  const breaking = changes.filter((change) => change.criticality.level === CriticalityLevel.Breaking)
  const subject = git('log', '-1', '--format=%h %s', commit)
  if (breaking.length === 0) {
    console.log(`ok        ${subject}: ${changes.length} compatible change(s)`)
    continue
  }
  const deliberate = MARK.test(git('log', '-1', '--format=%B', commit))
  console.log(`${deliberate ? 'marked   ' : 'BREAKING '} ${subject}`)
  for (const change of breaking) console.log(`            ${change.message}`)
  if (!deliberate) failed += 1
}
if (git('status', '--porcelain', '--', SCHEMA) !== '') {
  console.log(`note: ${SCHEMA} has uncommitted changes; they are checked once committed`)
}
if (failed > 0) {
  console.error(
    `\n${failed} commit(s) break the schema without saying so. If the break is deliberate, ` +
      'add the trailer "Schema-Change: breaking" to the commit message (git commit --amend); ' +
      'otherwise keep the old field or argument beside the new one, deprecated.',
  )
  process.exit(1)
}
console.log(`schema check: ${commits.length} commit(s) compared, no unmarked breaking change`)
