/**
 * The emulator's findings block, read by the action's own parser and anchorer: derived findings
 * land on lines GitHub accepts, whatever the parts and their order; the sloppy modes fail the way
 * their names say.
 */
import { describe, expect, it } from '@jest/globals'
import { anchorFinding } from '../../../src/review/anchor.js'
import { parseUnifiedDiff, type DiffFile } from '../../../src/review/diff.js'
import { parseFindings, type Finding } from '../../../src/review/findings.js'
import { planReview } from '../../../src/review/plan.js'
import { derivedFindings, findingsBlock, reply, type FindingsMode } from '../../../emulators/rivya/replies.js'

function gitFile(path: string, hunks: string): string {
  return `diff --git a/${path} b/${path}\nindex 1111111..2222222 100644\n--- a/${path}\n+++ b/${path}\n${hunks}`
}

const numbered = (from: number, to: number, mark: string) =>
  Array.from({ length: to - from + 1 }, (_, i) => `${mark}line ${from + i} of the file`).join('\n')

/** Three files: additions far down a long hunk, a file that only loses lines, a long added line. */
const DIFF =
  gitFile(
    'src/a.ts',
    `@@ -10,40 +10,41 @@ f()\n${numbered(10, 30, ' ')}\n+added in a\n${numbered(31, 49, ' ')}\n`
  ) +
  gitFile('src/gone.ts', '@@ -5,3 +4,0 @@\n-const x = 1\n-const y = 2\n-const z = 3\n') +
  gitFile('z/long.js', `@@ -0,0 +1,2 @@\n+${'var q = 1; '.repeat(400)}\n+short line\n`)

const files = parseUnifiedDiff(DIFF)
const options = { include: ['**'], exclude: [], pullNumber: 3, title: 'T' }

function read(answer: string): Finding[] {
  const parsed = parseFindings(answer)
  if ('unreadable' in parsed) throw new Error(parsed.unreadable)
  return parsed.findings
}

function anchored(findings: Finding[], diff: readonly DiffFile[] = files) {
  return findings.map(f => anchorFinding(f, diff))
}

describe('derivedFindings', () => {
  const messages = planReview(files, { ...options, limit: 3000 }).messages.map(m => m.text)

  it('one finding per file, on a line GitHub accepts, from every part of the session', () => {
    expect(messages.length).toBeGreaterThan(1)
    const findings = read(findingsBlock(messages))
    expect(findings.map(f => [f.path, f.side, f.line])).toEqual([
      ['src/a.ts', 'RIGHT', 31],
      ['src/gone.ts', 'LEFT', 5],
      ['z/long.js', 'RIGHT', 2]
    ])
    expect(findings.map(f => f.severity)).toEqual(['minor', 'major', 'nit'])
    for (const a of anchored(findings)) {
      expect(a.commentable).toBe(true)
      if (a.commentable) expect(a.movedFrom).toBeUndefined()
    }
    // The snippet is the line's code; the long line cut between parts is never one.
    expect(findings[0]?.snippet).toBe('added in a')
    expect(findings[2]?.snippet).toBe('short line')
  })

  it('is the same whatever order the parts come in', () => {
    expect(derivedFindings([...messages].reverse())).toEqual(derivedFindings(messages))
  })

  it('finds nothing in messages without a diff', () => {
    expect(derivedFindings(['hello', '<diff>\n</diff>'])).toEqual([])
    expect(read(findingsBlock(['hello']))).toEqual([])
  })
})

describe('the sloppy modes', () => {
  const messages = planReview(files, { ...options, limit: 20000 }).messages.map(m => m.text)
  const block = (mode: FindingsMode) => findingsBlock(messages, mode)

  it('wrong-lines: lines off, snippets right, so the anchorer moves them back', () => {
    const moved = anchored(read(block('wrong-lines')))
    expect(moved.every(a => a.commentable && a.movedFrom !== undefined)).toBe(true)
    expect(moved.map(a => a.finding.line)).toEqual(derivedFindings(messages).map(f => f.line))
  })

  it('unknown-paths: no finding is commentable', () => {
    const refused = anchored(read(block('unknown-paths')))
    expect(refused.length).toBe(4)
    expect(refused.every(a => !a.commentable)).toBe(true)
  })

  it('inflated: everything critical', () => {
    expect(read(block('inflated')).map(f => f.severity)).toEqual(['critical', 'critical', 'critical'])
  })

  it('untagged: a fence without json, `file` for `path`, severity in caps, still read', () => {
    const text = block('untagged')
    expect(text.startsWith('```\n')).toBe(true)
    expect(text).toContain('"file": "src/a.ts"')
    expect(text).toContain('"MINOR"')
    expect(read(text)).toEqual(read(block('derived')))
  })

  it('broken-json, none and empty', () => {
    expect(parseFindings(block('broken-json'))).toEqual({
      unreadable: expect.stringMatching(/not valid JSON/) as unknown as string
    })
    expect(block('none')).toBe('')
    expect(read(block('empty'))).toEqual([])
  })
})

describe('reply', () => {
  const [last] = planReview(files, { ...options, limit: 20000 }).messages.map(m => m.text)

  it('ends the review answer with the findings block, after the summary', () => {
    const text = reply(last as string)
    expect(text.startsWith('### Summary\nEmulated review:')).toBe(true)
    expect(text.trimEnd().endsWith('```')).toBe(true)
    expect(read(text)).toHaveLength(3)
    expect(reply(last as string, { findings: 'none' })).not.toContain('```')
    expect(reply(last as string, { findingsBlock: 'BLOCK' }).endsWith('\n\nBLOCK')).toBe(true)
  })

  it('pads a huge reply before the block, so the block stays last', () => {
    const text = reply(last as string, { hugeChars: 50_000 })
    expect(text.length).toBe(50_000)
    expect(read(text)).toHaveLength(3)
    expect(text.trimEnd().endsWith('```')).toBe(true)
  })

  it('writes no block in notes and answers to questions', () => {
    expect(
      reply(
        'Part 1 of 2. Reply with one line of notes, under 200 characters.\n<diff>\n=== a.ts\n@@ -1 +1 @@\n+x\n</diff>'
      )
    ).not.toContain('```')
    expect(reply('<question>\nwhy?\n</question>')).not.toContain('```')
  })
})
