import { createHash } from 'node:crypto'
import { describe, expect, it } from '@jest/globals'
import type { Finding } from '../../src/review/findings.js'
import {
  findingsSection,
  lineLink,
  verdictLine,
  type FindingRow,
  type FindingsSection
} from '../../src/review/findings-table.js'
import { utf8Length } from '../../src/review/truncate.js'
import { liveMentions, rawHtml } from './rendered.js'

const PR = 'https://github.com/octo/repo/pull/7'

function finding(over: Partial<Finding> = {}): Finding {
  return {
    path: 'src/a.ts',
    line: 12,
    side: 'RIGHT',
    severity: 'major',
    title: 'Unchecked null',
    body: 'The result can be null here.',
    ...over
  }
}

function section(over: Partial<FindingsSection> = {}): FindingsSection {
  return {
    verdict: 'fail',
    failOn: 'major',
    rows: [
      { finding: finding(), placement: 'inline', commentUrl: `${PR}#discussion_r1` },
      {
        finding: finding({ path: 'old.ts', line: 3, side: 'LEFT', severity: 'minor', title: 'Lost check' }),
        placement: 'earlier'
      },
      {
        finding: finding({
          path: 'README.md',
          line: 99,
          severity: 'nit',
          title: 'Typo',
          suggestion: 'fixed\n'
        }),
        placement: 'summary',
        reason: 'not on a changed line: line 99 is not in the diff'
      }
    ],
    noLongerSeen: [],
    parserNotes: [],
    prUrl: PR,
    ...over
  }
}

const sha = (path: string) => createHash('sha256').update(path).digest('hex')

describe('lineLink', () => {
  it('is GitHub’s anchor of the line in the files tab: R for the new file, L for the old, ranges', () => {
    expect(lineLink(PR, finding())).toBe(`${PR}/files#diff-${sha('src/a.ts')}R12`)
    expect(lineLink(PR, finding({ side: 'LEFT', line: 3 }))).toBe(`${PR}/files#diff-${sha('src/a.ts')}L3`)
    expect(lineLink(PR, finding({ startLine: 10 }))).toBe(`${PR}/files#diff-${sha('src/a.ts')}R10-R12`)
  })

  it('links nothing for a pull request URL that could break out of the link', () => {
    for (const url of ['javascript:x', `${PR})`, `${PR} x`, 'https://github.com/o/r/issues/7', '']) {
      expect(lineLink(url, finding())).toBeUndefined()
    }
  })
})

describe('findingsSection', () => {
  it('lists every finding with its severity, a link to its line, its title and where it is shown', () => {
    const out = findingsSection(section(), 60000)
    expect(out.startsWith('### Findings (3)\n')).toBe(true)
    const rows = out.split('\n').filter(l => l.startsWith('| ') && !l.startsWith('| Severity'))
    expect(rows).toHaveLength(3)
    expect(rows[0]).toContain(`[\`src/a.ts:12\`](${PR}/files#diff-${sha('src/a.ts')}R12)`)
    expect(rows[0]).toContain('Major')
    expect(rows[0]).toContain(`[inline](${PR}#discussion_r1)`)
    expect(rows[1]).toContain(`(${PR}/files#diff-${sha('old.ts')}L3)`)
    expect(rows[1]).toContain('old.ts:3 (removed)')
    expect(rows[1]).toContain('inline, by an earlier run')
    expect(rows[2]).toContain('here only: not on a changed line: line 99 is not in the diff')
  })

  it('shows the body and suggestion of a finding not inline, as plain code', () => {
    const out = findingsSection(section(), 60000)
    expect(out).toMatch(
      /<details><summary>Findings not posted inline \(1\)<\/summary>[\s\S]*Typo[\s\S]*<\/details>/
    )
    expect(out).toContain('```\nfixed\n```')
    expect(out).not.toContain('```suggestion')
    // Inline findings are read in their comment; their bodies are not repeated.
    expect(out.match(/The result can be null here\./g)).toHaveLength(1)
  })

  it('shows hostile paths and titles as data: escaped, inert, inside their cell', () => {
    const rows: FindingRow[] = [
      {
        finding: finding({
          path: 'a\u202Eb|`x`.ts',
          title: '@alice | <details> [!NOTE] `x`',
          body: '@bob <!-- x'
        }),
        placement: 'summary',
        reason: 'the file is not part of this diff | @carol'
      }
    ]
    const out = findingsSection(section({ rows }), 60000)
    expect(out).not.toContain('\u202E')
    expect(out).toContain('"a\\u202eb\\|')
    expect(liveMentions(out)).toEqual([])
    expect(rawHtml(out.replace(/<\/?details>|<\/?summary>/g, ''))).toEqual([])
    const row = out.split('\n').find(l => l.includes('alice')) as string
    // Five cell borders: no `|` of the data splits a cell.
    expect(row.replace(/\\\|/g, '').match(/\|/g)).toHaveLength(5)
  })

  it('says when the findings block could not be read, and lists none', () => {
    const out = findingsSection(
      section({ verdict: 'unknown', rows: [], unreadable: 'the findings block is not valid JSON (x)' }),
      60000
    )
    expect(out).toContain('> [!WARNING]')
    expect(out).toContain('could not be read (the findings block is not valid JSON (x))')
    expect(out).not.toContain('no findings')
    expect(findingsSection(section({ verdict: 'pass', rows: [] }), 60000)).toContain(
      'The model reported no findings.'
    )
  })

  it('lists earlier findings no longer seen and the parser’s notes', () => {
    const out = findingsSection(
      section({
        noLongerSeen: [{ path: 'src/gone.ts', title: 'Race in init' }],
        parserNotes: ['finding 3: body cut to 4000 characters']
      }),
      60000
    )
    expect(out).toMatch(/Earlier findings no longer seen \(1\)[\s\S]*\| `src\/gone.ts` \| Race in init \|/)
    expect(out).toMatch(/Notes on the findings block \(1\)[\s\S]*- finding 3: body cut to 4000 characters/)
    const rejected = findingsSection(
      section({
        rejected: [
          { index: 4, reason: 'severity: Invalid option', path: 'src/x.ts', line: 7, title: 'Bad @bob' }
        ],
        parserNotes: []
      }),
      60000
    )
    expect(rejected).toContain(
      '- entry 5 (`src/x.ts:7`) “Bad @\u200Bbob” could not be read: severity: Invalid option'
    )
  })

  it('stays within its budget and counts the rows it leaves out', () => {
    const rows: FindingRow[] = Array.from({ length: 3000 }, (_, i) => ({
      finding: finding({ line: i + 1, title: `Finding ${i} ${'é'.repeat(40)}`, body: 'x'.repeat(300) }),
      placement: i % 2 === 0 ? 'inline' : 'summary',
      reason: 'over max-inline-comments'
    }))
    for (const budget of [3000, 20000, 60000]) {
      const out = findingsSection(section({ rows }), budget)
      expect(utf8Length(out)).toBeLessThanOrEqual(budget)
      const shown = out.split('\n').filter(l => /^\| 🟠/.test(l)).length
      expect(shown).toBeGreaterThan(0)
      expect(out).toContain(`…and ${3000 - shown} more findings, not listed`)
    }
    expect(findingsSection(section({ rows }), 40)).toBe('')
  })
})

describe('verdictLine', () => {
  it('names the verdict and why, in the action’s words', () => {
    expect(verdictLine(section())).toBe(
      '**Verdict: fail** — 1 finding is `major` or more severe (`fail-on: major`).'
    )
    expect(verdictLine(section({ verdict: 'pass', failOn: 'critical' }))).toBe(
      '**Verdict: pass** — no finding is `critical` or more severe (`fail-on: critical`); 3 findings in all.'
    )
    expect(verdictLine(section({ verdict: 'pass', failOn: 'none' }))).toBe(
      '**Verdict: pass** — 3 findings; no gate is set (`fail-on: none`).'
    )
    expect(verdictLine(section({ verdict: 'partial' }))).toMatch(
      /^\*\*Verdict: partial\*\* — not everything was reviewed/
    )
    expect(verdictLine(section({ verdict: 'unknown', rows: [], unreadable: 'no block' }))).toBe(
      "**Verdict: unknown** — the model's findings block could not be read (no block), so nothing can be said."
    )
  })
})
