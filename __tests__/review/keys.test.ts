import { describe, expect, it } from '@jest/globals'
import { turnKeys, type TurnIdentity } from '../../src/review/keys.js'

const turn: TurnIdentity = {
  repository: 'octo-org/demo',
  pullNumber: 7,
  headSha: 'f'.repeat(40),
  trigger: 'run-123',
  turnIndex: 2,
  message: 'part 2 of 3',
  model: 'gpt-5.4-codex-chat',
  reasoningEffort: 'default',
  enableWebSearch: false,
  sessionId: 'chat_session_1'
}

describe('turnKeys', () => {
  it('is stable for the same turn', () => {
    expect(turnKeys({ ...turn })).toEqual(turnKeys(turn))
    expect(turnKeys(turn).idempotencyKey).toMatch(/^rcr-[0-9a-f]{48}$/)
    expect(turnKeys(turn).clientRequestId).toMatch(/^rcr-7-2-[0-9a-f]{16}$/)
  })

  it.each([
    ['repository', 'octo-org/other'],
    ['pullNumber', 8],
    ['headSha', 'e'.repeat(40)],
    ['trigger', 'comment-99'],
    ['turnIndex', 3],
    ['message', 'part 2 of 3 '], // one more character
    ['model', 'gpt-5.4-mini-chat'],
    ['reasoningEffort', 'high'],
    ['enableWebSearch', true],
    ['sessionId', 'chat_session_2'],
    ['sessionId', undefined]
  ] as const)('changes when %s changes', (field, value) => {
    const other = turnKeys({ ...turn, [field]: value })
    expect(other.idempotencyKey).not.toBe(turnKeys(turn).idempotencyKey)
    expect(other.clientRequestId).not.toBe(turnKeys(turn).clientRequestId)
  })
})
