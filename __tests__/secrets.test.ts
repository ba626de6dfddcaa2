import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { scrub, secretParts } from '../src/secrets.js'

const secretText = fc
  .array(fc.string({ unit: fc.constantFrom(...'abcdefXYZ0123456789_-\n'), minLength: 8, maxLength: 40 }), {
    minLength: 1,
    maxLength: 2
  })
  .filter(values => values.every(v => v.trim().length >= 8))

describe('secretParts', () => {
  it('holds each value and each of its lines, longest first, none shorter than 8 characters', () => {
    const parts = secretParts(['rvya_sk_first_line\r\nsecond_line_1', 'short', 'ghs_token_12345'])
    expect([...new Set(parts)]).toEqual([
      'rvya_sk_first_line\r\nsecond_line_1',
      'rvya_sk_first_line',
      'ghs_token_12345',
      'second_line_1'
    ])
  })
})

describe('scrub', () => {
  it('leaves no secret and no line of one in any text', () => {
    fc.assert(
      fc.property(secretText, fc.string(), fc.string(), (values, before, after) => {
        const parts = secretParts(values)
        const text = `${before}${values.join(' and ')}${after}`
        const clean = scrub(text, parts)
        for (const part of parts) expect(clean).not.toContain(part)
      })
    )
  })

  it('writes *** where a secret was and leaves other text as it is', () => {
    const parts = secretParts(['rvya_sk_0123456789'])
    expect(scrub('key rvya_sk_0123456789 rejected', parts)).toBe('key *** rejected')
    expect(scrub('nothing secret', parts)).toBe('nothing secret')
  })
})
