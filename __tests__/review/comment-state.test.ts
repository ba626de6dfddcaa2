/** The comment's state line: what a later run or question reads back, and what it refuses to read. */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { COMMENT_MARKER, STATE_LIMITS, readCommentState, stateLine } from '../../src/review/comment-state.js'

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

describe('the findings and the running total in the state line', () => {
  const finding = {
    fp: '0123456789abcdef0123456789abcdef',
    path: 'src/a.ts',
    line: 3,
    side: 'RIGHT' as const,
    severity: 'major' as const,
    title: 'Ends the comment --> <img src=x> & more\u2028here',
    inline: true
  }

  it('round-trips, and no title can end the hidden comment or break its line', () => {
    const line = stateLine({ headSha: 'abc', findings: [finding], total: { reviews: 2, credits: 7.5 } })
    expect(line.split('\n')).toHaveLength(1)
    expect(line.indexOf('-->')).toBe(line.length - 3)
    const json = line.slice('<!-- rivya-codex-review:state '.length, -' -->'.length)
    expect(json).not.toMatch(/[<>&\u2028]/u)
    const read = readCommentState(`${COMMENT_MARKER}\n${line}\nbody`)
    expect(read?.findings).toEqual([finding])
    expect(read?.total).toEqual({ reviews: 2, credits: 7.5 })
  })

  it('keeps at most the limit, cuts long titles, and drops entries that are not findings it wrote', () => {
    const many = Array.from({ length: STATE_LIMITS.findings + 5 }, (_, i) => ({
      ...finding,
      title: 't'.repeat(500),
      line: i + 1
    }))
    const read = readCommentState(`${COMMENT_MARKER}\n${stateLine({ findings: many })}`)
    expect(read?.findings).toHaveLength(STATE_LIMITS.findings)
    expect(read?.findings?.[0]?.title).toHaveLength(STATE_LIMITS.titleChars)
    const forged = JSON.stringify({
      findings: [
        { ...finding, fp: 'not-hex' },
        { ...finding, severity: 'blocker' },
        { ...finding, line: -1 },
        finding
      ]
    })
    const hostile = readCommentState(`${COMMENT_MARKER}\n<!-- rivya-codex-review:state ${forged} -->`)
    expect(hostile?.findings).toEqual([finding])
  })
})
