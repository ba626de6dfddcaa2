import { describe, expect, it } from '@jest/globals'
import { helpText, parseCommand } from '../../src/review/command.js'

describe('parseCommand', () => {
  it.each([
    ['/codex', { kind: 'review' }],
    ['  /codex  \n', { kind: 'review' }],
    ['/codex review', { kind: 'review' }],
    ['/CODEX Review', { kind: 'review' }],
    ['/codex help', { kind: 'help' }],
    [
      '/codex why is the retry loop unbounded?',
      { kind: 'question', question: 'why is the retry loop unbounded?' }
    ],
    ['/codex review the tests only', { kind: 'question', question: 'review the tests only' }],
    ['/codex help me understand this', { kind: 'question', question: 'help me understand this' }],
    ['/codex\nmultiline\nquestion', { kind: 'question', question: 'multiline\nquestion' }]
  ])('%j', (body, command) => {
    expect(parseCommand(body, '/codex')).toEqual(command)
  })

  it.each(['/codexfoo', 'please /codex', '> /codex\nquoted', '', 'codex', '/code'])('ignores %j', body => {
    expect(parseCommand(body, '/codex')).toBeUndefined()
  })

  it('honours another trigger phrase', () => {
    expect(parseCommand('@review-bot help', '@review-bot')).toEqual({ kind: 'help' })
    expect(parseCommand('/codex', '@review-bot')).toBeUndefined()
  })

  it('names the phrase in the help text', () => {
    expect(helpText('/ai')).toContain('`/ai help`')
  })
})
