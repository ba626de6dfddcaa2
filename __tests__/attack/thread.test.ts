/**
 * An attacker's read of `/codex` in review threads (issue 14): only a thread on one of the action's
 * inline comments is the action's. The same token writes other comments (another workflow's
 * linter, or the PAT's human), and those can quote a line of the pull request that holds the
 * finding marker: the marker counts only where the action writes it, as the body's last line.
 */
import { describe, expect, it } from '@jest/globals'
import { WORKFLOW_BOT } from '../../src/github/comments.js'
import { isActionInlineComment, type ThreadComment } from '../../src/github/review-comments.js'
import { findingMarker, inlineCommentBody } from '../../src/review/inline.js'

const FP = '0123456789abcdef0123456789abcdef'

function comment(body: string): ThreadComment {
  return {
    id: 1,
    body,
    user: { login: 'github-actions[bot]', type: 'Bot' },
    path: 'src/a.ts',
    line: 3,
    originalLine: 3,
    side: 'RIGHT',
    diffHunk: '@@ -1,3 +1,3 @@',
    inReplyToId: undefined
  }
}

describe('the root of a thread the action answers in', () => {
  it('is one of its inline comments, whose last line is the marker', () => {
    const body = inlineCommentBody(
      { path: 'src/a.ts', line: 3, side: 'RIGHT', severity: 'major', title: 'T', body: 'B' },
      FP
    )
    expect(isActionInlineComment(comment(body), WORKFLOW_BOT)).toBe(true)
  })

  it('is not another comment of the same bot that quotes a line holding the marker', () => {
    // A linter run by another workflow with the same token quotes the offending line of the PR.
    const quoted = [
      '**eslint**: unexpected comment',
      '```ts',
      findingMarker(FP),
      '```',
      'Fix it or disable the rule.'
    ].join('\n')
    expect(isActionInlineComment(comment(quoted), WORKFLOW_BOT)).toBe(false)
  })
})
