import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  FINDING_LIMITS,
  fingerprint,
  parseFindings,
  proseWithoutFindings,
  type Finding,
  type ParsedFindings
} from '../../src/review/findings.js'
import { FINDINGS_INSTRUCTIONS, INTERMEDIATE_NOTES } from '../../src/review/findings-prompt.js'

const FENCE = '```'

function answer(block: string, info = 'json'): string {
  return `## Review\n\nLooks mostly fine.\n\n${FENCE}${info}\n${block}\n${FENCE}\n`
}

function read(result: ParsedFindings): Extract<ParsedFindings, { findings: Finding[] }> {
  if ('unreadable' in result) throw new Error(`unreadable: ${result.unreadable}`)
  return result
}

const ONE = {
  path: 'src/a.ts',
  line: 42,
  start_line: 40,
  side: 'RIGHT',
  severity: 'major',
  title: 'Off by one',
  body: 'The loop skips the last item.',
  snippet: '  for (let i = 1; i < n; i++) {',
  suggestion: '  for (let i = 0; i < n; i++) {'
}

describe('parseFindings', () => {
  it('reads the contract shape', () => {
    const r = read(parseFindings(answer(JSON.stringify({ findings: [ONE] }))))
    expect(r.findings).toEqual([
      {
        path: 'src/a.ts',
        line: 42,
        startLine: 40,
        side: 'RIGHT',
        severity: 'major',
        title: 'Off by one',
        body: 'The loop skips the last item.',
        snippet: '  for (let i = 1; i < n; i++) {',
        suggestion: '  for (let i = 0; i < n; i++) {'
      }
    ])
    expect(r.rejected).toEqual([])
    expect(r.notes).toEqual([])
  })

  it('is tolerant: untagged fence, bare array, file/end_line aliases, any case, numbers as strings, unknown fields', () => {
    const block = JSON.stringify([
      {
        file: 'b.py',
        end_line: '7',
        side: 'left',
        severity: 'CRITICAL',
        title: 't',
        body: 'b',
        confidence: 0.9
      },
      { path: 'c.go', line: 3, severity: ' Nit ', title: 'u', body: 'v', start_line: null, snippet: null }
    ])
    const r = read(parseFindings(answer(block, '')))
    expect(r.findings).toEqual([
      { path: 'b.py', line: 7, side: 'LEFT', severity: 'critical', title: 't', body: 'b' },
      { path: 'c.go', line: 3, side: 'RIGHT', severity: 'nit', title: 'u', body: 'v' }
    ])
  })

  it('takes the last findings block, not an earlier example or code block', () => {
    const text =
      `${FENCE}json\n{"findings":[{"path":"old.ts","line":1,"severity":"nit","title":"x","body":""}]}\n${FENCE}\n` +
      `${FENCE}ts\nconst x = [1]\n${FENCE}\n` +
      `${FENCE}json\n{"findings":[{"path":"new.ts","line":2,"severity":"minor","title":"y","body":""}]}\n${FENCE}\n` +
      `${FENCE}json\n{"name":"package.json example"}\n${FENCE}\n`
    expect(read(parseFindings(text)).findings.map(f => f.path)).toEqual(['new.ts'])
  })

  it('an empty findings list is readable (a clean review)', () => {
    expect(read(parseFindings(answer('{"findings": []}'))).findings).toEqual([])
  })

  it.each([
    ['no block at all', 'Just prose, no JSON.'],
    ['broken JSON', answer('{"findings": [{"path": "a.ts", "line": 1,')],
    ['an object without findings', answer('{"findings": {"path": "a.ts"}}')],
    ['an unclosed fence with broken JSON', `prose\n${FENCE}json\n{"findings": [`]
  ])('%s leaves the block unreadable', (_, text) => {
    const r = parseFindings(text)
    expect('unreadable' in r).toBe(true)
  })

  it('lists a bad entry individually and keeps the good ones', () => {
    const good = { path: 'a.ts', line: 1, severity: 'minor', title: 'ok', body: '' }
    const block = JSON.stringify({
      findings: [
        good,
        { path: 'a.ts', line: '40-42', severity: 'minor', title: 'range as text', body: '' },
        { path: 'a.ts', line: 3, severity: 'urgent', title: 'bad severity', body: '' },
        { line: 3, severity: 'nit', title: 'no path', body: '' },
        'not an object',
        { path: 'a.ts', line: 0, severity: 'nit', title: 'line zero', body: '' },
        { path: 'a.ts', line: 2.5, severity: 'nit', title: 'fraction', body: '' }
      ]
    })
    const r = read(parseFindings(answer(block)))
    expect(r.findings.map(f => f.title)).toEqual(['ok'])
    expect(r.rejected.map(x => x.index)).toEqual([1, 2, 3, 4, 5, 6])
    expect(r.rejected[1]).toMatchObject({ path: 'a.ts', line: 3, title: 'bad severity' })
    for (const x of r.rejected) expect(x.reason).not.toBe('')
  })

  it('caps a hostile number of findings and says so', () => {
    const entry = { path: 'a.ts', line: 1, severity: 'nit', title: 't', body: '' }
    const block = JSON.stringify({ findings: Array.from({ length: 100_000 }, () => entry) })
    const r = read(parseFindings(answer(block)))
    expect(r.findings).toHaveLength(FINDING_LIMITS.findings)
    expect(r.notes.join('\n')).toContain('100000 findings')
  })

  it('cuts a 1 MB title and body, drops an over-long snippet and suggestion, and says so', () => {
    const huge = 'x'.repeat(1024 * 1024)
    const block = JSON.stringify({
      findings: [
        { path: 'a.ts', line: 1, severity: 'nit', title: huge, body: huge, snippet: huge, suggestion: huge }
      ]
    })
    const r = read(parseFindings(answer(block)))
    const f = r.findings[0] as Finding
    expect(f.title.length).toBeLessThanOrEqual(FINDING_LIMITS.titleChars)
    expect(f.body.length).toBeLessThanOrEqual(FINDING_LIMITS.bodyChars)
    expect(f.snippet).toBeUndefined()
    expect(f.suggestion).toBeUndefined()
    expect(r.notes).toHaveLength(4)
  })

  it('a block over the size cap is unreadable, not parsed', () => {
    const r = parseFindings(answer(`{"findings": ["${'x'.repeat(FINDING_LIMITS.blockChars)}"]}`))
    expect(r).toEqual({ unreadable: expect.stringContaining('over') })
  })

  it('a title is one line', () => {
    const block = JSON.stringify([
      { path: 'a', line: 1, severity: 'nit', title: 'one\n## Usage\ttwo', body: '' }
    ])
    expect(read(parseFindings(answer(block))).findings[0]?.title).toBe('one ## Usage two')
  })

  it('a one-line range is a single line; a range ending before it starts loses range and suggestion', () => {
    const block = JSON.stringify([
      { path: 'a', line: 5, start_line: 5, severity: 'nit', title: 't', body: '', suggestion: 'x' },
      { path: 'a', line: 5, start_line: 9, severity: 'nit', title: 't', body: '', suggestion: 'x' }
    ])
    const r = read(parseFindings(answer(block)))
    expect(r.findings[0]).toMatchObject({ line: 5, suggestion: 'x' })
    expect(r.findings[0]?.startLine).toBeUndefined()
    expect(r.findings[1]?.startLine).toBeUndefined()
    expect(r.findings[1]?.suggestion).toBeUndefined()
    expect(r.notes.join('\n')).toContain('start_line 9')
  })

  it('never throws, whatever the answer', () => {
    const piece = fc.oneof(
      fc.string(),
      fc.constantFrom(FENCE, `${FENCE}json`, '\n', '{"findings":[', ']}', '{', '"line":"7"', ',', '~~~'),
      fc.json()
    )
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), parts => {
        const text = parts.join('')
        const r = parseFindings(text)
        if (!('unreadable' in r)) expect(r.findings.length).toBeLessThanOrEqual(FINDING_LIMITS.findings)
        expect(typeof proseWithoutFindings(text)).toBe('string')
      })
    )
  })

  it('every finding read has a valid shape, whatever the entries', () => {
    const entry = fc.record(
      {
        path: fc.oneof(fc.string(), fc.integer()),
        file: fc.string(),
        line: fc.oneof(fc.integer({ min: -5, max: 50 }), fc.string(), fc.double()),
        start_line: fc.oneof(fc.integer({ min: -5, max: 50 }), fc.constant(null)),
        side: fc.constantFrom('left', 'RIGHT', 'Right', 'up', 3),
        severity: fc.constantFrom('critical', 'MAJOR', 'Minor', 'nit', 'high', ''),
        title: fc.string(),
        body: fc.string()
      },
      { requiredKeys: [] }
    )
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 10 }), entries => {
        const r = read(parseFindings(answer(JSON.stringify({ findings: entries }))))
        expect(r.findings.length + r.rejected.length).toBe(entries.length)
        for (const f of r.findings) {
          expect(f.path.trim()).not.toBe('')
          expect(Number.isInteger(f.line) && f.line >= 1).toBe(true)
          if (f.startLine !== undefined) expect(f.startLine).toBeLessThan(f.line)
          expect(['LEFT', 'RIGHT']).toContain(f.side)
          expect(['critical', 'major', 'minor', 'nit']).toContain(f.severity)
          expect(f.title).not.toMatch(/\n/)
        }
      })
    )
  })
})

describe('proseWithoutFindings', () => {
  it('removes the findings block and keeps the prose around it', () => {
    const text = `## Review\n\nLooks fine.\n\n${FENCE}json\n{"findings": []}\n${FENCE}\n\nThanks.`
    expect(proseWithoutFindings(text)).toBe('## Review\n\nLooks fine.\n\nThanks.')
  })

  it('keeps other code blocks and an answer without a block', () => {
    const text = `Use:\n${FENCE}ts\nconst a = 1\n${FENCE}\n`
    expect(proseWithoutFindings(text)).toBe(text)
  })
})

describe('fingerprint', () => {
  const base = { path: 'src/a.ts', title: 'Off by one', snippet: '  for (i = 1; i < n; i++) {' }

  it('ignores white space and the title case, never the file or the code', () => {
    expect(fingerprint({ ...base, title: ' off  BY one ' })).toBe(fingerprint(base))
    expect(fingerprint({ ...base, snippet: 'for (i = 1;  i < n; i++) {' })).toBe(fingerprint(base))
    expect(fingerprint({ ...base, path: 'src/b.ts' })).not.toBe(fingerprint(base))
    expect(fingerprint({ ...base, path: './src/a.ts' })).toBe(fingerprint(base))
    expect(fingerprint({ ...base, path: 'SRC/a.ts' })).not.toBe(fingerprint(base))
    expect(fingerprint({ ...base, snippet: 'for (i = 0; i < n; i++) {' })).not.toBe(fingerprint(base))
  })

  it('uses the anchored line text when there is no snippet', () => {
    const noSnippet = { path: base.path, title: base.title }
    expect(fingerprint(noSnippet, base.snippet)).toBe(fingerprint(base))
    expect(fingerprint(noSnippet, 'other')).not.toBe(fingerprint(base))
  })

  it('is the same for equal findings whatever their line numbers (a pure function of path, code, title)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (path, title, snippet) => {
        expect(fingerprint({ path, title, snippet })).toBe(
          fingerprint({ path, title: ` ${title} `, snippet })
        )
      })
    )
  })
})

describe('FINDINGS_INSTRUCTIONS', () => {
  it('its example is a block the parser reads, with every field of the contract', () => {
    const example = FINDINGS_INSTRUCTIONS.split('\n').find(l => l.startsWith('{"findings"')) as string
    const r = read(parseFindings(`Review.\n\n${FENCE}json\n${example}\n${FENCE}\n`))
    expect(r.rejected).toEqual([])
    expect(r.findings).toEqual([
      {
        path: 'src/a.ts',
        line: 42,
        startLine: 40,
        side: 'RIGHT',
        severity: 'major',
        title: 'one line',
        body: 'markdown',
        snippet: 'exact code of line 42',
        suggestion: 'replacement for lines 40-42'
      }
    ])
  })

  it('defines every severity, says what GitHub replaces, and stays short (it is billed)', () => {
    for (const s of ['critical =', 'major =', 'minor =', 'nit =']) expect(FINDINGS_INSTRUCTIONS).toContain(s)
    expect(FINDINGS_INSTRUCTIONS).toContain('replaces exactly lines start_line..line')
    expect(FINDINGS_INSTRUCTIONS.length).toBeLessThan(1500)
    expect(INTERMEDIATE_NOTES).toMatch(/one line of notes, under 200 characters/)
  })
})
