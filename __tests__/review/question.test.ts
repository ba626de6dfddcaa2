import { describe, expect, it } from '@jest/globals'
import { sessionQuestion } from '../../src/review/question.js'

const pr = { number: 7, title: 'A change' }

function asked(question: string, limit: number): string {
  const block = /<question>\n([\s\S]*)\n<\/question>/.exec(
    sessionQuestion({ pr, question, asker: 'alice', limit })
  )
  return block?.[1] ?? ''
}

describe('sessionQuestion', () => {
  it('keeps a question that fits in a quarter of the message whole', () => {
    expect(asked('  is add() safe for NaN?  ', 4000)).toBe('is add() safe for NaN?')
  })

  it('cuts a long question to a quarter of the message, never inside a surrogate pair', () => {
    // A quarter of 400 is 100: the cut keeps 99 units and the ellipsis.
    expect(asked('x'.repeat(300), 400)).toBe(`${'x'.repeat(99)}…`)
    // An emoji across the cut at 99 is dropped whole rather than halved.
    const text = `${'x'.repeat(98)}😀${'y'.repeat(200)}`
    expect(asked(text, 400)).toBe(`${'x'.repeat(98)}…`)
  })
})
