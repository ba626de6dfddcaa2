/** The comment's state line: what a later run or question reads back, and what it refuses to read. */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { COMMENT_MARKER, readCommentState, stateLine } from '../../src/review/comment-state.js'

const HEAD = 'b'.repeat(40)

describe('stateLine / readCommentState', () => {
  it('records the model the session was made with, so a question knows whether it may continue it', () => {
    const body = `${COMMENT_MARKER}\n${stateLine({ sessionId: 'chat_session_1', headSha: HEAD, model: 'gpt-5.4-codex-chat' })}\n## Review`
    expect(readCommentState(body)).toEqual({
      sessionId: 'chat_session_1',
      headSha: HEAD,
      model: 'gpt-5.4-codex-chat'
    })
  })

  it('still reads a state line written before the model was recorded, with the model unknown', () => {
    const old = `${COMMENT_MARKER}\n<!-- rivya-codex-review:state {"sessionId":"chat_session_1","headSha":"${HEAD}","historyTokens":12} -->\n`
    expect(readCommentState(old)).toEqual({ sessionId: 'chat_session_1', headSha: HEAD, historyTokens: 12 })
  })

  it('reads back any recorded model only in the plain shape a model id has', () => {
    fc.assert(
      fc.property(fc.string(), model => {
        const body = `${COMMENT_MARKER}\n<!-- rivya-codex-review:state ${JSON.stringify({ sessionId: 'chat_session_1', model })} -->`
        const read = readCommentState(body)?.model
        if (/^[A-Za-z0-9._:-]{1,200}$/.test(model)) expect(read).toBe(model)
        else expect(read).toBeUndefined()
      })
    )
  })
})
