import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { pairSafeCut, splitsSurrogatePair } from '../../src/review/unicode.js'

describe('pairSafeCut', () => {
  it('moves a cut between the halves of a pair back before the pair', () => {
    expect(splitsSurrogatePair('a😀b', 2)).toBe(true)
    expect(pairSafeCut('a😀b', 2)).toBe(1)
    expect(pairSafeCut('a😀b', 3)).toBe(3)
  })

  it('leaves a lone surrogate, and the ends of the text, where they are', () => {
    expect(pairSafeCut('a\ud83db', 2)).toBe(2)
    expect(pairSafeCut('😀', 0)).toBe(0)
    expect(pairSafeCut('😀', 2)).toBe(2)
  })

  it('keeps every code point whole in the prefix, for any text and cut', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.nat(), (text, n) => {
        const at = pairSafeCut(text, n % (text.length + 1))
        expect(text.slice(0, at) + text.slice(at)).toBe(text)
        const split = /[\ud800-\udbff]$/.test(text.slice(0, at)) && /^[\udc00-\udfff]/.test(text.slice(at))
        expect(split).toBe(false)
        expect(at).toBeLessThanOrEqual(n % (text.length + 1))
      })
    )
  })
})
