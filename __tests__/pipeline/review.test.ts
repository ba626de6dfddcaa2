/** The review pipeline in-process, against the emulators: what a run posts, outputs and throws. */
import { afterAll, afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { reviewPullRequest } from '../../src/pipeline/review.js'
import { Harness, PR, TOKEN, removeRunnerFiles } from './harness.js'

// Each case builds a git repository and talks HTTP to two servers on a shared machine.
jest.setTimeout(30_000)

let h: Harness

beforeEach(async () => {
  h = await Harness.start()
})
afterEach(async () => {
  await h.close()
})
afterAll(removeRunnerFiles)

const dispatch = { kind: 'dispatch', pullNumber: PR, reason: 'workflow_dispatch' } as const

/** A `/codex review` comment trigger, by comment id. */
const command = (commentId: number) =>
  ({
    kind: 'comment',
    pullNumber: PR,
    reason: '/codex review',
    command: { kind: 'review' },
    commentId,
    commenter: 'maintainer'
  }) as const

describe('reviewPullRequest', () => {
  it('posts one comment whose usage is what Rivya returned, and sets the outputs and the job summary', async () => {
    await h.within(dispatch, reviewPullRequest)
    const [comment, ...others] = h.reviewComments()
    expect(others).toHaveLength(0)
    const session = h.rivya.sessions[0]!
    const credits = session.turns.reduce((n, t) => n + t.credits.final, 0)
    expect(comment!.body).toContain(`| Session | \`${session.id}\` |`)
    expect(comment!.body).toContain(`| Credits final | ${credits} |`)
    expect(comment!.body).toContain(`| Reviewed head | \`${h.head.slice(0, 12)}\` |`)
    expect(h.outputs()).toMatchObject({
      'session-id': session.id,
      'comment-id': String(comment!.id),
      'comment-url': expect.stringContaining(`/pull/${PR}#issuecomment-${comment!.id}`),
      turns: String(session.turns.length),
      'credits-final': String(credits),
      'reviewed-files': '2',
      'skipped-files': '1'
    })
    expect(h.summary()).toContain('Reviewed 2 of 2 files; 1 skipped.')
    expect(h.lines).toContain(`Review comment: ${h.outputs()['comment-url']}`)
    expect(h.lines.join('\n')).toMatch(/^#7 at [0-9a-f]{12}: 2 file\(s\) to review, 1 skipped, 1 turn\(s\)/m)
  })

  it('on a /codex review keys the turns by the command comment, so asking again reviews again', async () => {
    await h.within(command(1), reviewPullRequest)
    await h.within(command(2), reviewPullRequest)
    const keys = h.chatTurns().map(t => t.idempotencyKey)
    expect(keys).toHaveLength(2)
    expect(new Set(keys).size).toBe(2)
    expect(h.reviewComments()).toHaveLength(1)
  })

  it('stops before paying when the pull request moved on from the head its event names', async () => {
    const event = {
      kind: 'pull-request',
      pullNumber: PR,
      reason: 'pull_request.synchronize',
      headSha: h.base
    } as const
    await h.within(event, reviewPullRequest)
    expect(h.rivya.requests).toHaveLength(0)
    expect(h.gh.comments(PR)).toHaveLength(0)
    expect(h.summary()).toContain('has moved on from')
  })

  it('a rejected key fails with the code and the request id, and the comment says what failed', async () => {
    const wrong = 'rvya_sk_wrong_key_0123456789'
    const failure = h.within(dispatch, reviewPullRequest, { inputs: { 'rivya-api-key': wrong } })
    await expect(failure).rejects.toThrow(/api_key_invalid/)
    const body = h.reviewComments()[0]!.body
    expect(body).toMatch(/The review failed \(api_key_invalid, request req_\w+\)/)
    expect(body).not.toContain(wrong)
    expect(h.summary()).toMatch(/\*\*Failed\*\* \(api_key_invalid, request req_\w+\)/)
  })

  it('a comment GitHub refuses still leaves the paid review in the outputs and the job summary', async () => {
    h.gh.injectFault({ status: 502, method: 'POST', pathPattern: /\/comments$/ })
    const failure = h.within(dispatch, reviewPullRequest)
    await expect(failure).rejects.toThrow(
      /the review comment could not be posted .*the job summary holds the review/
    )
    expect(h.reviewComments()).toHaveLength(0)
    expect(h.outputs().turns).toBe(String(h.rivya.sessions[0]!.turns.length))
    expect(h.summary()).toContain('Emulated review')
    expect(h.summary()).not.toContain(TOKEN)
  })

  it('with post-comment false posts nothing and puts the review in the job summary', async () => {
    await h.within(dispatch, reviewPullRequest, { inputs: { 'post-comment': 'false' } })
    expect(h.gh.comments(PR)).toHaveLength(0)
    expect(h.summary()).toContain('No comment was posted: post-comment is false.')
    expect(h.outputs()['comment-id']).toBe('')
  })

  it('max-turns leaves files out, says so, and warns of a partial review', async () => {
    await h.within(dispatch, reviewPullRequest, { inputs: { 'max-message-chars': '2000', 'max-turns': '1' } })
    expect(h.chatTurns()).toHaveLength(1)
    expect(h.reviewComments()[0]!.body).toMatch(/stopped by max-turns \(1\)/)
    expect(h.warnings.join('\n')).toMatch(
      /^Partial review: reviewed \d of 2 files; stopped by max-turns \(1\)\.$/
    )
  })

  it('a run cancelled before it starts sends no turn and says so', async () => {
    const controller = new AbortController()
    controller.abort(new Error('SIGINT'))
    const failure = h.within(dispatch, reviewPullRequest, { signal: controller.signal })
    await expect(failure).rejects.toThrow('Cancelled (SIGINT) before any turn was sent.')
    expect(h.chatTurns()).toHaveLength(0)
  })

  it('a review stopped early keeps the earlier findings on the files it never reached open, not "no longer seen"', async () => {
    await h.within(command(11), reviewPullRequest, { inputs: { 'max-message-chars': '2000' } })
    const first = h.reviewComments()[0]!.body
    expect(first).toContain('Emulated finding in app.ts')
    expect(first).toContain('Emulated finding in new.ts')
    // Only the first part fits in one turn now: one of the two files is not reached.
    await h.within(command(12), reviewPullRequest, {
      inputs: { 'max-message-chars': '2000', 'max-turns': '1' }
    })
    const second = h.reviewComments()[0]!.body
    expect(second).toContain('**Partial review**')
    expect(second).not.toContain('Earlier findings no longer seen')
    expect(second).toContain('carried over from an earlier review')
  })
})
