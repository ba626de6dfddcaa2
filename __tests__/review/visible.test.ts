import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { SHORTENED_EXTRA, displayPath, visibleContent } from '../../src/review/visible.js'
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
