import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { SHORTENED_EXTRA, displayPath, displayText, visibleContent } from '../../src/review/visible.js'
import { hasLoneSurrogate } from '../fixtures/reassemble.js'

const UNITS = [
  'a',
  '/',
  ' ',
  '(',
  ')',
  '"',
  '\\',
  '…',
  '\u200b',
  '\u202e',
  '\n',
  '\r',
  '\u2028',
  '\ud800',
  '𝄞',
  '\x9b',
  'é'
]
const pathArb = fc.array(fc.constantFrom(...UNITS), { minLength: 1, maxLength: 80 }).map(cs => cs.join(''))

describe('displayPath', () => {
  it('shows two different paths differently, within the room, on one line, without lone surrogates', () => {
    fc.assert(
      fc.property(pathArb, pathArb, fc.integer({ min: SHORTENED_EXTRA + 2, max: 90 }), (a, b, max) => {
        fc.pre(a !== b)
        const [shownA, shownB] = [displayPath(a, max), displayPath(b, max)]
        expect(shownA).not.toBe(shownB)
        for (const shown of [shownA, shownB]) {
          expect(shown.length).toBeLessThanOrEqual(max)
          expect(shown).not.toMatch(/[\n\r\u2028\u200b\u202e\x9b]/)
          expect(hasLoneSurrogate(shown)).toBe(false)
        }
      }),
      { numRuns: 3000 }
    )
  })

  it('leaves a plain path as it is and quotes anything a reader could misread', () => {
    expect(displayPath('src/a b/ü.ts', 100)).toBe('src/a b/ü.ts')
    expect(displayPath('a.ts (continued)', 100)).toBe('"a.ts (continued)"')
    expect(displayPath('a\u200b"\\.ts', 100)).toBe('"a\\u200b\\"\\\\.ts"')
    expect(displayPath(' lead', 100)).toBe('" lead"')
    expect(displayPath('ü"q".ts', 100)).toBe('"ü\\"q\\".ts"')
    expect(displayPath('ü.ts (continued)', 100)).toBe('"ü.ts (continued)"')
    expect(displayPath('tag\u{e0041}', 100)).toBe('"tag\\u{e0041}"')
  })
})

describe('visibleContent', () => {
  it('escapes every character but LF a reader may break a line at, keeping the CR of CRLF', () => {
    expect(visibleContent('+a\rb\u2028c\u2029d\x85e\vf\fg\x1ch\r\n+i\r')).toBe(
      '+a\\rb\\u2028c\\u2029d\\u0085e\\u000bf\\u000cg\\u001ch\r\n+i\r'
    )
    const plain = '+nothing to do\n'
    expect(visibleContent(plain)).toBe(plain)
  })
})

describe('displayText', () => {
  it('never splits a surrogate pair when shortening', () => {
    for (let max = 1; max < 12; max++) {
      const shown = displayText('𝄞'.repeat(10), max)
      expect(hasLoneSurrogate(shown)).toBe(false)
      expect(shown.length).toBeLessThanOrEqual(max)
    }
  })

  it('escapes controls, line breaks and bidirectional overrides, and passes other text through', () => {
    expect(displayText('a\tb\nc\rd', 50)).toBe('a\\tb\\nc\\rd')
    expect(displayText('x\u0085\u2028\u202e\u2066\x7f\x00', 50)).toBe(
      'x\\u0085\\u2028\\u202e\\u2066\\u007f\\u0000'
    )
    expect(displayText(' function café() { // 𝄞 \u202f', 50)).toBe(' function café() { // 𝄞 \u202f')
  })

  it('is one line of at most `max` characters, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60, unit: 'binary' }), fc.integer({ min: 1, max: 50 }), (t, max) => {
        const shown = displayText(t, max)
        expect(shown.length).toBeLessThanOrEqual(max)
        // eslint-disable-next-line no-control-regex -- finding control characters is the point
        expect(shown).not.toMatch(/[\u0000-\u001f\u007f\u0085\u2028\u2029\u202a-\u202e\u2066-\u2069]/)
      })
    )
  })
})
