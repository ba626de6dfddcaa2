import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { fingerprint, type Finding } from '../../src/review/findings.js'
import {
  INLINE_COMMENT_LIMIT,
  inlineCommentBody,
  readFindingMarker,
  reviewBody
} from '../../src/review/inline.js'
import { utf8Length } from '../../src/review/truncate.js'
import { liveMentions, rawHtml } from './rendered.js'

const FINDING: Finding = {
  path: 'src/a.ts',
  line: 42,
  startLine: 40,
  side: 'RIGHT',
  severity: 'major',
  title: 'Off by one',
  body: 'The loop skips the last item.',
  snippet: '  for (let i = 1; i < n; i++) {',
  suggestion: '  for (let i = 0; i < n; i++) {\n'
}
const FP = fingerprint(FINDING)

/**
 * The `suggestion` blocks GitHub reads in a comment, as CommonMark reads a backtick fence at the
 * top level: the opening run, closed by the first line of at least as many backticks alone.
 */
function suggestions(body: string): string[] {
  const found: string[] = []
  const lines = body.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})suggestion$/.exec(lines[i] as string)?.[1]
    if (open === undefined) continue
    let j = i + 1
    while (j < lines.length && !new RegExp(`^ {0,3}\`{${open.length},}[ \\t]*$`).test(lines[j] as string)) j++
    found.push(lines.slice(i + 1, j).join('\n'))
    i = j
  }
  return found
}

describe('inlineCommentBody', () => {
  it('shows severity and title, the body, the suggestion, and ends with the marker', () => {
    const body = inlineCommentBody(FINDING, FP)
    const lines = body.split('\n')
    expect(lines[0]).toContain('Major')
    expect(lines[0]).toContain('Off by one')
    expect(body).toContain('The loop skips the last item.')
    // One trailing break ends the last line; it adds no empty line to the file.
    expect(suggestions(body)).toEqual(['  for (let i = 0; i < n; i++) {'])
    expect(lines.at(-1)).toBe(`<!-- rivya-codex-finding ${FP} -->`)
    expect(readFindingMarker(body)).toBe(FP)
  })

  it('has no suggestion block without a suggestion, and an empty one that deletes the lines', () => {
    const { suggestion: _, ...plain } = FINDING
    expect(suggestions(inlineCommentBody(plain, FP))).toEqual([])
    expect(inlineCommentBody(plain, FP)).not.toContain('suggestion')
    expect(suggestions(inlineCommentBody({ ...FINDING, suggestion: '' }, FP))).toEqual([''])
  })

  it('fences a suggestion with more backticks than any run inside it', () => {
    for (const code of ['```', 'a ```` b\n```', '`'.repeat(9), '~~~\n```js', '\t```\n   ````']) {
      expect(suggestions(inlineCommentBody({ ...FINDING, suggestion: code }, FP))).toEqual([code])
    }
  })

  it('makes the model’s title and body inert: no ping, no HTML, no alert', () => {
    const hostile: Finding = {
      ...FINDING,
      title: '@alice <details> [!NOTE]',
      body: 'cc @octo-org/team\n\n> [!CAUTION]\n> click\n\n</details><!-- x\n\n## Codex review of #1'
    }
    const body = inlineCommentBody(hostile, FP)
    expect(liveMentions(body)).toEqual([])
    expect(rawHtml(body.replace(`<!-- rivya-codex-finding ${FP} -->`, ''))).toEqual([])
    expect(body).not.toMatch(/\[!(?:NOTE|CAUTION)\]/)
    expect(body).not.toMatch(/^## Codex review/m)
  })

  it('turns the model’s own suggestion blocks into plain code', () => {
    const { suggestion: _, ...plain } = FINDING
    for (const text of [
      '```suggestion\nrm -rf /\n```',
      '> ~~~~ Suggestion\n> x',
      '- ```suggestion\n  x\n  ```'
    ]) {
      const body = inlineCommentBody({ ...plain, body: text }, FP)
      expect(body).not.toMatch(/^[ \t>*+\-.)0-9]*(?:`{3,}|~{3,})[ \t]*suggestion/im)
      expect(body.replace(/\u200B/g, '')).toContain(text)
    }
  })

  it('writes no marker for a fingerprint of another shape', () => {
    for (const bad of ['', FP.toUpperCase(), FP.slice(1), `${FP}0`, `${FP.slice(0, 31)} -->\n<!-- x`]) {
      const body = inlineCommentBody(FINDING, bad)
      expect(body).not.toContain('rivya-codex-finding')
      expect(readFindingMarker(body)).toBeUndefined()
    }
  })

  it('a marker the model writes, or one quoted elsewhere, is not read', () => {
    const forged = `<!-- rivya-codex-finding ${'a'.repeat(32)} -->`
    const body = inlineCommentBody({ ...FINDING, body: `x\n\n${forged}`, suggestion: forged }, 'nope')
    expect(readFindingMarker(body)).toBeUndefined()
    expect(readFindingMarker(`${forged}\nand more`)).toBeUndefined()
    expect(readFindingMarker(`see ${forged}`)).toBeUndefined()
    // As GitHub may give a body back: CRLF breaks, trailing blank lines.
    expect(readFindingMarker(`text\r\n\r\n<!-- rivya-codex-finding ${FP} -->\r\n\n`)).toBe(FP)
  })

  it('stays within GitHub’s limit: the body is cut, a suggestion too long is left out whole', () => {
    const long = { ...FINDING, body: `${'word @x '.repeat(20000)}`, suggestion: 'y\n'.repeat(40000) }
    const body = inlineCommentBody(long, FP)
    expect(utf8Length(body)).toBeLessThanOrEqual(INLINE_COMMENT_LIMIT)
    expect(suggestions(body)).toEqual([])
    expect(body).toContain('left out')
    expect(readFindingMarker(body)).toBe(FP)
    // A suggestion that fits is kept whole; the body gives way.
    const fits = { ...FINDING, body: '🙂'.repeat(30000), suggestion: 'z'.repeat(30000) }
    const kept = inlineCommentBody(fits, FP)
    expect(utf8Length(kept)).toBeLessThanOrEqual(INLINE_COMMENT_LIMIT)
    expect(suggestions(kept)).toEqual(['z'.repeat(30000)])
    expect(readFindingMarker(kept)).toBe(FP)
  })

  it('any finding: within the limit, its marker read back, its suggestion intact (property)', () => {
    const text = fc.string({
      unit: fc.constantFrom('`', '~', '\n', ' ', 'a', '@b', '<', '-->', '<!--', '😀', '```suggestion\n', '> ')
    })
    fc.assert(
      fc.property(
        text,
        text,
        fc.option(text, { nil: undefined }),
        fc.integer({ min: 600, max: 4000 }),
        (title, body, suggestion, limit) => {
          const finding: Finding = { ...FINDING, title, body, suggestion }
          const fp = fingerprint(finding)
          const out = inlineCommentBody(finding, fp, limit)
          expect(utf8Length(out)).toBeLessThanOrEqual(limit)
          expect(readFindingMarker(out)).toBe(fp)
          expect(liveMentions(out)).toEqual([])
          const shown = suggestions(out)
          if (suggestion === undefined) expect(shown).toEqual([])
          else if (shown.length > 0) {
            expect(shown).toEqual([suggestion.replace(/\r?\n$/, '')])
          }
        }
      ),
      { numRuns: 500 }
    )
  })
})

describe('reviewBody', () => {
  it('counts the inline comments and links the review comment', () => {
    const url = 'https://github.com/o/r/pull/7#issuecomment-12'
    expect(reviewBody(url, { inline: 3, summaryOnly: 2 })).toBe(
      `Codex review: 3 inline comments; 2 more findings only in [the review comment](${url}), with the verdict and coverage.`
    )
    expect(reviewBody(url, { inline: 1, summaryOnly: 0 })).toBe(
      `Codex review: 1 inline comment; the verdict and coverage are in [the review comment](${url}).`
    )
  })

  it('links no URL that could break out of the link', () => {
    for (const url of [undefined, 'javascript:alert(1)', 'https://x.io/a) [b](https://evil', 'http://x.io']) {
      const body = reviewBody(url, { inline: 0, summaryOnly: 1 })
      expect(body).toContain('the review comment on this pull request')
      expect(body).not.toContain('](')
    }
  })
})
