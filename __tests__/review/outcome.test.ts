import { describe, expect, it } from '@jest/globals'
import type { StoredFinding } from '../../src/review/comment-state.js'
import { parseUnifiedDiff } from '../../src/review/diff.js'
import { fingerprint } from '../../src/review/findings.js'
import { findingsOutcome, storedFindings, type OutcomeInput } from '../../src/review/outcome.js'

/** A diff with one hunk of a.ts (line 2 changed) and one of b.ts (line 1 removed, one added). */
const DIFF = [
  'diff --git a/a.ts b/a.ts',
  '--- a/a.ts',
  '+++ b/a.ts',
  '@@ -1,3 +1,3 @@',
  ' const one = 1',
  '-const two = 2',
  '+const two = 22',
  ' const three = 3',
  'diff --git a/b.ts b/b.ts',
  '--- a/b.ts',
  '+++ b/b.ts',
  '@@ -1,2 +1,2 @@',
  '-let old = 0',
  '+let fresh = 0',
  ' export {}',
  ''
].join('\n')

const files = parseUnifiedDiff(DIFF)

function answer(findings: unknown[]): string {
  return `### Summary\nFine.\n\n\`\`\`json\n${JSON.stringify({ findings })}\n\`\`\``
}

function input(over: Partial<OutcomeInput>): OutcomeInput {
  return {
    answer: answer([]),
    files,
    skipped: new Map(),
    incomplete: false,
    failOn: 'none',
    maxInline: 10,
    minSeverity: 'minor',
    alreadyPosted: new Set(),
    previous: [],
    ...over
  }
}

const onTwo = {
  path: 'a.ts',
  line: 2,
  severity: 'major',
  title: 'Two changed',
  body: 'why',
  snippet: 'const two = 22'
}
const stored = (over: Partial<StoredFinding>): StoredFinding => ({
  fp: 'a'.repeat(32),
  path: 'b.ts',
  line: 1,
  side: 'RIGHT',
  severity: 'minor',
  title: 'old one',
  ...over
})

describe('findingsOutcome', () => {
  it('places a finding on its line inline, and one off the diff in the summary with the reason', () => {
    const out = findingsOutcome(
      input({ answer: answer([onTwo, { path: 'a.ts', line: 40, severity: 'critical', title: 'Far away' }]) })
    )
    expect(out.findings.map(f => [f.finding.title, f.placement, f.reason])).toEqual([
      [
        'Far away',
        'summary',
        'not on a changed line: line 40 is not in the diff: not an added or unchanged line of a hunk (RIGHT)'
      ],
      ['Two changed', 'inline', undefined]
    ])
    expect(out.verdict.verdict).toBe('pass')
  })

  it('moves a finding to the line its snippet names, and fingerprints it on that code', () => {
    const out = findingsOutcome(input({ answer: answer([{ ...onTwo, line: 3 }]) }))
    const [f] = out.findings
    expect(f!.finding.line).toBe(2)
    expect(f!.fingerprint).toBe(
      fingerprint({ path: 'a.ts', title: 'Two changed', snippet: 'const two = 22' })
    )
  })

  it('says unknown when the block cannot be read, and partial when coverage was not complete', () => {
    expect(findingsOutcome(input({ answer: 'no block at all' })).verdict.verdict).toBe('unknown')
    const broken = findingsOutcome(input({ answer: '```json\n{"findings": [\n```' }))
    expect(broken.unreadable).toContain('not valid JSON')
    expect(findingsOutcome(input({ incomplete: true })).verdict.verdict).toBe('partial')
    expect(findingsOutcome(input({ answer: undefined, incomplete: true })).verdict.verdict).toBe('partial')
  })

  it('fails at fail-on, counting findings carried over from files the review did not look at again', () => {
    expect(findingsOutcome(input({ answer: answer([onTwo]), failOn: 'major' })).verdict.verdict).toBe('fail')
    expect(findingsOutcome(input({ answer: answer([onTwo]), failOn: 'critical' })).verdict.verdict).toBe(
      'pass'
    )
    const carried = findingsOutcome(
      input({ failOn: 'major', previous: [stored({ severity: 'major' })], reviewedPaths: new Set(['a.ts']) })
    )
    expect(carried.carried).toHaveLength(1)
    expect(carried.verdict.verdict).toBe('fail')
  })

  it('does not post again what an earlier run posted, and names the earlier findings it no longer sees', () => {
    const fp = fingerprint({ path: 'a.ts', title: 'Two changed', snippet: 'const two = 22' })
    const out = findingsOutcome(
      input({
        answer: answer([onTwo]),
        alreadyPosted: new Set([fp]),
        previous: [stored({}), stored({ fp, path: 'a.ts', inline: true })]
      })
    )
    expect(out.findings[0]).toMatchObject({
      placement: 'earlier',
      reason: 'already posted inline by an earlier review'
    })
    expect(out.noLongerSeen.map(f => f.title)).toEqual(['old one'])
    expect(storedFindings(out, new Set([fp]))).toEqual([
      { fp, path: 'a.ts', line: 2, side: 'RIGHT', severity: 'major', title: 'Two changed', inline: true }
    ])
  })

  it('keeps below min-inline-severity and past max-inline-comments in the summary, most severe inline', () => {
    const nit = { path: 'b.ts', line: 1, severity: 'nit', title: 'Naming', snippet: 'let fresh = 0' }
    const minor = {
      path: 'b.ts',
      line: 1,
      side: 'LEFT',
      severity: 'minor',
      title: 'Old name',
      snippet: 'let old = 0'
    }
    const out = findingsOutcome(input({ answer: answer([nit, minor, onTwo]), maxInline: 1 }))
    expect(out.findings.map(f => [f.finding.title, f.placement, f.reason ?? ''])).toEqual([
      ['Two changed', 'inline', ''],
      ['Old name', 'summary', 'over max-inline-comments'],
      ['Naming', 'summary', 'below min-inline-severity']
    ])
  })

  it('in an incremental review keeps open an earlier finding it did not repeat while its line is still in the diff', () => {
    const onLine = stored({ fp: 'b'.repeat(32), path: 'a.ts', line: 2, title: 'still there' })
    const gone = stored({ fp: 'c'.repeat(32), path: 'a.ts', line: 40, title: 'code gone' })
    const out = findingsOutcome(input({ previous: [onLine, gone], reviewedPaths: new Set(['a.ts']) }))
    expect(out.carried.map(f => f.title)).toEqual(['still there'])
    expect(out.noLongerSeen.map(f => f.title)).toEqual(['code gone'])
    const full = findingsOutcome(input({ previous: [onLine, gone] }))
    expect(full.noLongerSeen.map(f => f.title)).toEqual(['still there', 'code gone'])
  })

  it('reads the severity words models write, and gives no verdict when one cannot be read at all', () => {
    const high = { ...onTwo, severity: 'High' }
    expect(findingsOutcome(input({ answer: answer([high]), failOn: 'major' })).verdict.verdict).toBe('fail')
    const blind = findingsOutcome(input({ answer: answer([onTwo, { ...onTwo, severity: 'whatever' }]) }))
    expect(blind.verdict.verdict).toBe('unknown')
    expect(blind.unreadable).toBe('finding 2 of the block has no severity the action can read')
    expect(blind.findings).toHaveLength(1)
  })
})
