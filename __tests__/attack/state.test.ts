/**
 * An attacker's read of the state line the next run trusts (issues 12-13): a hostile model answer
 * or PR (many findings, long escaped titles and paths) must neither push an open critical finding
 * out of what the next incremental review carries over, nor make the comment too long to post.
 */
import { describe, expect, it } from '@jest/globals'
import {
  COMMENT_MARKER,
  STATE_LIMITS,
  readCommentState,
  stateLine,
  type StoredFinding
} from '../../src/review/comment-state.js'
import { COMMENT_LIMIT, renderComment, type ReviewReport } from '../../src/review/render.js'
import { utf8Length } from '../../src/review/truncate.js'

function stored(i: number, over: Partial<StoredFinding> = {}): StoredFinding {
  return {
    fp: i.toString(16).padStart(32, '0'),
    path: `src/f${i}.ts`,
    line: i + 1,
    side: 'RIGHT',
    severity: 'nit',
    title: `nit ${i}`,
    ...over
  }
}

const read = (line: string) => readCommentState(`${COMMENT_MARKER}\n${line}\n## Codex review`)

describe('the open findings the state line keeps', () => {
  it('keeps an open critical finding when more findings than it keeps come before it', () => {
    // What storedFindings hands over: this review's findings first, then those carried over.
    const current = Array.from({ length: STATE_LIMITS.findings }, (_, i) => stored(i))
    const carried = stored(999, { path: 'src/untouched.ts', severity: 'critical', title: 'eval of input' })
    const state = read(stateLine({ headSha: 'a'.repeat(40), findings: [...current, carried] }))
    expect(state?.findings?.map(f => f.fp)).toContain(carried.fp)
  })

  it('says when it could not keep every open finding, so the next push is reviewed in full', () => {
    const many = Array.from({ length: STATE_LIMITS.findings + 1 }, (_, i) => stored(i))
    expect(read(stateLine({ headSha: 'a'.repeat(40), findings: many }))?.incomplete).toBe('findings')
    const few = many.slice(0, 3)
    expect(read(stateLine({ headSha: 'a'.repeat(40), findings: few }))?.incomplete).toBeUndefined()
  })

  it('a path longer than the state keeps is not silently lost either', () => {
    const long = stored(1, { path: `src/${'d/'.repeat(200)}x.ts`, severity: 'critical' })
    const state = read(stateLine({ headSha: 'a'.repeat(40), findings: [long] }))
    expect(state?.incomplete).toBe('findings')
  })
})

function report(findings: StoredFinding[]): ReviewReport {
  return {
    pullNumber: 12,
    headSha: 'a'.repeat(40),
    model: 'gpt-5.4-codex-chat',
    reasoningEffort: 'default',
    sessionId: 'chat_session_abc',
    summary: 'Looks good.',
    notes: [],
    usage: {
      turns: 1,
      inputTokens: 10,
      outputTokens: 5,
      totalTokens: 15,
      creditsReserved: 4,
      creditsFinal: 4
    },
    reviewedFiles: 1,
    totalFiles: 1,
    unreviewed: [],
    skipped: [],
    stateFindings: findings,
    carry: { summary: '<'.repeat(STATE_LIMITS.summaryChars) }
  }
}

describe('the comment with a full state line', () => {
  it('stays within GitHub’s limit whatever titles and paths the findings have (each <, > and & is 6 characters escaped)', () => {
    const hostile = Array.from({ length: STATE_LIMITS.findings }, (_, i) =>
      stored(i, {
        path: `${'<'.repeat(STATE_LIMITS.pathChars - 12)}${i}.ts`,
        title: '>'.repeat(STATE_LIMITS.titleChars),
        severity: 'critical'
      })
    )
    const body = renderComment(report(hostile))
    expect(utf8Length(body)).toBeLessThanOrEqual(COMMENT_LIMIT)
    // The state line is still whole and read back, saying what it left out.
    expect(read(body.split('\n')[1]!)?.incomplete).toBe('findings')
  })
})
