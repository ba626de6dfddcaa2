import { describe, expect, it } from '@jest/globals'
import { gitNames, unquoteCString } from '../../src/review/git-path.js'

describe('unquoteCString', () => {
  it('decodes quoted names with C escapes and UTF-8 octets', () => {
    expect(unquoteCString('"caf\\303\\251 \\"q\\" \\\\ \\t"').value).toBe('café "q" \\ \t')
    expect(unquoteCString('"\\360\\235\\204\\236.txt" rest')).toEqual({ value: '𝄞.txt', end: 22 })
  })
})

describe('gitNames', () => {
  it('splits unquoted names with spaces where both sides agree, and reads quoted ones', () => {
    expect(gitNames('a/my file.ts b/my file.ts')).toEqual(['my file.ts', 'my file.ts'])
    expect(gitNames('"a/caf\\303\\251" "b/caf\\303\\251"')).toEqual(['café', 'café'])
    expect(gitNames('a/old name b/new name')).toEqual(['old name', 'new name'])
  })
})
