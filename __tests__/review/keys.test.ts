import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { turnKeys, type TurnIdentity } from '../../src/review/keys.js'

const SECRET = 'rvya_sk_test_secret'

const turn: TurnIdentity = {
  repository: 'octo-org/demo',
  pullNumber: 7,
  headSha: 'f'.repeat(40),
  commentId: undefined,
  turnIndex: 2,
  message: 'part 2 of 3',
  model: 'gpt-5.4-codex-chat',
  reasoningEffort: 'default',
  enableWebSearch: false,
  sessionId: 'chat_session_1'
}

describe('turnKeys', () => {
  it('is stable for the same turn, whichever run sends it', () => {
    expect(turnKeys(SECRET, { ...turn })).toEqual(turnKeys(SECRET, turn))
    expect(turnKeys(SECRET, turn).idempotencyKey).toMatch(/^rcr-[0-9a-f]{48}$/)
    expect(turnKeys(SECRET, turn).clientRequestId).toMatch(/^rcr-7-2-[0-9a-f]{16}$/)
  })

  it.each([
    ['repository', 'octo-org/other'],
    ['pullNumber', 8],
    ['headSha', 'e'.repeat(40)],
    ['commentId', 99],
    ['turnIndex', 3],
    ['message', 'part 2 of 3 '], // one more character
    ['model', 'gpt-5.4-mini-chat'],
    ['reasoningEffort', 'high'],
    ['enableWebSearch', true],
    ['sessionId', 'chat_session_2'],
    ['sessionId', undefined],
    ['attachments', ['file_1']]
  ] as const)('changes when %s changes', (field, value) => {
    const other = turnKeys(SECRET, { ...turn, [field]: value })
    expect(other.idempotencyKey).not.toBe(turnKeys(SECRET, turn).idempotencyKey)
    expect(other.clientRequestId).not.toBe(turnKeys(SECRET, turn).clientRequestId)
  })

  it('keeps the keys a turn without images always had, and tells images apart by id and order', () => {
    expect(turnKeys(SECRET, { ...turn, attachments: [] })).toEqual(turnKeys(SECRET, turn))
    const ab = turnKeys(SECRET, { ...turn, attachments: ['file_a', 'file_b'] })
    expect(turnKeys(SECRET, { ...turn, attachments: ['file_b', 'file_a'] })).not.toEqual(ab)
    expect(turnKeys(SECRET, { ...turn, attachments: ['file_a'] })).not.toEqual(ab)
  })

  it('cannot be computed from public data: another key gives other keys, and no plain hash matches', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 8 }), fc.string({ minLength: 8 }), (a, b) => {
        fc.pre(a !== b)
        expect(turnKeys(a, turn).idempotencyKey).not.toBe(turnKeys(b, turn).idempotencyKey)
      })
    )
    // What the keys were before: a SHA-256 of the identity alone, which anyone could compute.
    const material = JSON.stringify([
      'rivya-codex-review/v2',
      turn.repository,
      turn.pullNumber,
      turn.headSha,
      null,
      turn.turnIndex,
      createHash('sha256').update(turn.message).digest('hex'),
      turn.model,
      turn.reasoningEffort,
      turn.enableWebSearch,
      turn.sessionId
    ])
    const plain = createHash('sha256').update(material).digest('hex')
    expect(turnKeys(SECRET, turn).idempotencyKey).not.toContain(plain.slice(0, 48))
  })
})
