/**
 * An attacker's read of the findings path (issue 12): a model answer, steered by the pull request
 * it reads or merely sloppy, must not turn a severe finding into a `pass`, nor make GitHub offer a
 * suggestion that rewrites code other than the code the finding is about.
 */
import { describe, expect, it } from '@jest/globals'
import { anchorFinding } from '../../src/review/anchor.js'
import { parseUnifiedDiff } from '../../src/review/diff.js'
import type { Finding } from '../../src/review/findings.js'
import { verdictLine } from '../../src/review/findings-table.js'
import { findingsOutcome, type OutcomeInput } from '../../src/review/outcome.js'

const DIFF = [
  'diff --git a/a.ts b/a.ts',
  '--- a/a.ts',
  '+++ b/a.ts',
  '@@ -1,4 +1,4 @@',
  ' const one = 1',
  '-const two = 2',
  '+const two = 22',
  ' const three = 3',
  ' export { one, two, three }',
  ''
].join('\n')

const files = parseUnifiedDiff(DIFF)

function answer(findings: unknown[]): string {
  return `Review.\n\n\`\`\`json\n${JSON.stringify({ findings })}\n\`\`\``
}

function input(over: Partial<OutcomeInput>): OutcomeInput {
  return {
    answer: answer([]),
    files,
    skipped: new Map(),
    incomplete: false,
    failOn: 'major',
    maxInline: 10,
    minSeverity: 'nit',
    alreadyPosted: new Set(),
    previous: [],
    ...over
  }
}

describe('the verdict counts every severe finding the model reported', () => {
  it.each([
    ['no line (a finding about the whole file)', { path: 'a.ts' }],
    ['a line range as text', { path: 'a.ts', line: '2-3' }],
    ['no path', { line: 2 }]
  ])('a critical finding with %s fails the gate', (_name, where) => {
    const finding = { ...where, severity: 'critical', title: 'Secrets written to the log' }
    const out = findingsOutcome(input({ answer: answer([finding]) }))
    expect(out.notes.join('\n')).toMatch(/finding 1 was not read/)
    expect(out.verdict.verdict).toBe('fail')
    expect(out.verdict.blocking.map(f => f.title)).toEqual(['Secrets written to the log'])
    // The comment's verdict line counts it too.
    const line = verdictLine({
      verdict: out.verdict.verdict,
      failOn: 'major',
      rows: [],
      unplaced: out.unplaced
    })
    expect(line).toContain('1 finding is `major` or more severe')
  })

  it('an entry it could not place keeps its own severity: a minor one does not fail major', () => {
    const minor = { path: 'a.ts', severity: 'minor', title: 'Naming' }
    expect(findingsOutcome(input({ answer: answer([minor]) })).verdict.verdict).toBe('pass')
  })
})

describe('suggestions', () => {
  const finding: Finding = {
    path: 'a.ts',
    line: 3,
    side: 'RIGHT',
    severity: 'major',
    title: 'Wrong constant',
    body: 'Use 2.',
    // The model meant line 2; nothing near line 3 holds this code.
    snippet: 'const two = 222',
    suggestion: 'const two = 2\n'
  }

  it('a suggestion whose snippet is not on its line is not offered (applying it would rewrite that line)', () => {
    const anchored = anchorFinding(finding, files)
    expect(anchored.commentable).toBe(true)
    expect(anchored.finding.line).toBe(3)
    expect(anchored.finding.suggestion).toBeUndefined()
    expect(anchored.notes.join('\n')).toMatch(/suggestion dropped/)
  })

  it('a suggestion whose snippet is on its line is kept', () => {
    const anchored = anchorFinding({ ...finding, line: 2, snippet: 'const two = 22' }, files)
    expect(anchored.finding.suggestion).toBe('const two = 2\n')
  })
})
