import { describe, expect, it } from '@jest/globals'
import { truncateText, utf8Length } from '../../src/review/truncate.js'

describe('truncateText', () => {
  it('never splits a surrogate pair and closes an open fence', () => {
    const text = '```js\n' + '😀'.repeat(100)
    const cut = truncateText(text, 120, '(cut)')
    expect(utf8Length(cut)).toBeLessThanOrEqual(120)
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/)
    expect(cut.match(/```/g)?.length).toBe(2)
    expect(cut.endsWith('(cut)')).toBe(true)
  })

  it('closes a fence with its own character, length and indentation', () => {
    expect(truncateText('~~~\n' + 'x\n'.repeat(100), 60, '(cut)')).toMatch(/\nx\n~~~\n\n\(cut\)$/)
    expect(truncateText('`````\n' + 'x\n'.repeat(100), 60, '(cut)')).toMatch(/\nx\n`````\n\n\(cut\)$/)
    expect(truncateText('- a\n  ```\n' + '  x\n'.repeat(100), 60, '(cut)')).toMatch(
      /\n {2}x\n {2}```\n\n\(cut\)$/
    )
  })
})
