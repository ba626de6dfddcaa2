import { describe, expect, it } from '@jest/globals'
import { decideTrigger, secretsWithheld, TriggerError } from '../../src/github/event.js'
import { example, examples, threadReply } from '../fixtures/webhooks.js'

const options = { triggerPhrase: '/codex', reviewDrafts: false, pullRequest: undefined }

function pr(payload: Record<string, unknown>): Record<string, unknown> {
  return payload.pull_request as Record<string, unknown>
}

describe('decideTrigger: pull_request', () => {
  it.each(['opened', 'synchronize', 'reopened', 'ready_for_review'])('reviews on %s', action => {
    for (const payload of examples('pull_request', action)) {
      pr(payload).draft = false
      for (const eventName of ['pull_request', 'pull_request_target']) {
        const trigger = decideTrigger({ eventName, payload }, options)
        expect(trigger).toEqual({
          kind: 'pull-request',
          pullNumber: pr(payload).number,
          reason: `${eventName}.${action}`,
          headSha: (pr(payload).head as { sha: string }).sha
        })
      }
    }
  })

  it.each(['closed', 'labeled', 'assigned', 'converted_to_draft', 'review_requested', 'edited'])(
    'skips %s',
    action => {
      const payload = { ...example('pull_request', 'opened'), action }
      const trigger = decideTrigger({ eventName: 'pull_request', payload }, options)
      expect(trigger.kind).toBe('skip')
      expect(trigger.reason).toContain(`pull_request.${action} does not start a review`)
    }
  )

  it('skips drafts unless review-drafts is set', () => {
    const payload = example('pull_request', 'opened')
    pr(payload).draft = true
    expect(decideTrigger({ eventName: 'pull_request', payload }, options)).toMatchObject({
      kind: 'skip',
      reason: expect.stringContaining('is a draft')
    })
    expect(
      decideTrigger({ eventName: 'pull_request', payload }, { ...options, reviewDrafts: true }).kind
    ).toBe('pull-request')
  })
})

describe('decideTrigger: issue_comment', () => {
  function commentOnPr(body: string, user = { login: 'alice', type: 'User' }): Record<string, unknown> {
    const payload = example('issue_comment', 'created')
    const issue = payload.issue as Record<string, unknown>
    issue.pull_request = { url: 'https://api.github.com/repos/o/r/pulls/1' }
    const comment = payload.comment as Record<string, unknown>
    comment.body = body
    comment.user = { ...(comment.user as object), ...user }
    return payload
  }

  it('runs a command on a pull request', () => {
    const payload = commentOnPr('/codex review')
    const trigger = decideTrigger({ eventName: 'issue_comment', payload }, options)
    expect(trigger).toEqual({
      kind: 'comment',
      pullNumber: (payload.issue as { number: number }).number,
      reason: '/codex review by @alice',
      command: { kind: 'review' },
      commentId: (payload.comment as { id: number }).id,
      commenter: 'alice'
    })
  })

  it('ignores comments on plain issues', () => {
    const payload = commentOnPr('/codex')
    delete (payload.issue as Record<string, unknown>).pull_request
    expect(decideTrigger({ eventName: 'issue_comment', payload }, options)).toMatchObject({
      kind: 'skip',
      reason: expect.stringContaining('is an issue, not a pull request')
    })
  })

  it.each([
    { login: 'github-actions[bot]', type: 'Bot' },
    { login: 'renovate[bot]', type: 'User' }
  ])('never lets a bot trigger (%j)', user => {
    const trigger = decideTrigger(
      { eventName: 'issue_comment', payload: commentOnPr('/codex', user) },
      options
    )
    expect(trigger).toMatchObject({ kind: 'skip', reason: expect.stringContaining('bots never trigger') })
  })

  it('ignores comments that are not commands, and edits and deletions', () => {
    expect(decideTrigger({ eventName: 'issue_comment', payload: commentOnPr('LGTM') }, options).kind).toBe(
      'skip'
    )
    for (const action of ['edited', 'deleted']) {
      const payload = { ...commentOnPr('/codex'), action }
      expect(decideTrigger({ eventName: 'issue_comment', payload }, options).kind).toBe('skip')
    }
  })
})

describe('decideTrigger: pull_request_review_comment', () => {
  function reply(body: string, user = { login: 'alice', type: 'User' }, inReplyTo: number | undefined = 500) {
    return threadReply({ pullNumber: 9, commentId: 501, inReplyTo, body, user })
  }

  it('runs a command written as a reply in a review thread, naming the thread’s root', () => {
    const trigger = decideTrigger(
      { eventName: 'pull_request_review_comment', payload: reply('/codex why is this unsafe?') },
      options
    )
    expect(trigger).toEqual({
      kind: 'comment',
      pullNumber: 9,
      reason: '/codex question by @alice in a review thread',
      command: { kind: 'question', question: 'why is this unsafe?' },
      commentId: 501,
      commenter: 'alice',
      thread: { rootId: 500 }
    })
  })

  it('takes help and review too, and the trigger phrase the workflow sets', () => {
    const help = decideTrigger(
      { eventName: 'pull_request_review_comment', payload: reply('/ai help') },
      {
        ...options,
        triggerPhrase: '/ai'
      }
    )
    expect(help).toMatchObject({ kind: 'comment', command: { kind: 'help' }, thread: { rootId: 500 } })
    const review = decideTrigger(
      { eventName: 'pull_request_review_comment', payload: reply('/codex review') },
      options
    )
    expect(review).toMatchObject({ kind: 'comment', command: { kind: 'review' } })
  })

  it('names the comment itself as the root of a thread it starts (the pipeline then checks its author)', () => {
    // GitHub's own example is a comment that starts a thread: no in_reply_to_id.
    const payload = example('pull_request_review_comment', 'created')
    const comment = payload.comment as { id: number; body: string; in_reply_to_id?: number }
    expect(comment.in_reply_to_id).toBeUndefined()
    comment.body = '/codex'
    const trigger = decideTrigger({ eventName: 'pull_request_review_comment', payload }, options)
    expect(trigger).toMatchObject({ kind: 'comment', commentId: comment.id, thread: { rootId: comment.id } })
  })

  it('skips replies that are not commands, edits, deletions and bots, with the reason', () => {
    const skip = (payload: Record<string, unknown>) =>
      decideTrigger({ eventName: 'pull_request_review_comment', payload }, options)
    expect(skip(reply('Thanks, fixed.'))).toEqual({
      kind: 'skip',
      reason: 'The review comment does not start with /codex; nothing to do.'
    })
    expect(skip(reply('please /codex'))).toMatchObject({ kind: 'skip' })
    for (const action of ['edited', 'deleted']) {
      expect(skip({ ...reply('/codex'), action })).toEqual({
        kind: 'skip',
        reason: `pull_request_review_comment.${action} is ignored; only new replies in a review thread are commands.`
      })
    }
    expect(skip(reply('/codex', { login: 'github-actions[bot]', type: 'Bot' }))).toMatchObject({
      kind: 'skip',
      reason: expect.stringContaining('bots never trigger')
    })
    expect(skip(reply('/codex', { login: 'renovate[bot]', type: 'User' })).kind).toBe('skip')
    const noComment = reply('/codex')
    delete noComment.comment
    expect(skip(noComment)).toMatchObject({ kind: 'skip', reason: expect.stringContaining('carries no') })
  })

  it('is a command for every created example of the event once its body is one', () => {
    for (const payload of examples('pull_request_review_comment', 'created')) {
      ;(payload.comment as { body: string }).body = '/codex help'
      expect(decideTrigger({ eventName: 'pull_request_review_comment', payload }, options).kind).toBe(
        'comment'
      )
    }
  })
})

describe('decideTrigger: other events', () => {
  it('reviews the pull request given to workflow_dispatch', () => {
    const payload = example('workflow_dispatch')
    expect(
      decideTrigger({ eventName: 'workflow_dispatch', payload }, { ...options, pullRequest: 7 })
    ).toEqual({
      kind: 'dispatch',
      pullNumber: 7,
      reason: 'workflow_dispatch'
    })
    expect(() => decideTrigger({ eventName: 'workflow_dispatch', payload }, options)).toThrow(TriggerError)
  })

  it.each(['push', 'schedule', 'release', ''])('skips %j', eventName => {
    const trigger = decideTrigger(
      { eventName, payload: eventName === 'push' ? example('push') : {} },
      options
    )
    expect(trigger).toMatchObject({
      kind: 'skip',
      reason: expect.stringContaining('does not start a review')
    })
  })
})

describe('secretsWithheld', () => {
  it('is true for a fork pull request and for Dependabot, false for a branch of the repository', () => {
    const payload = example('pull_request', 'opened')
    const p = pr(payload) as { head: { repo: { full_name: string } }; base: { repo: { full_name: string } } }
    p.head.repo.full_name = p.base.repo.full_name
    expect(secretsWithheld({ eventName: 'pull_request', payload }, 'alice')).toBe(false)
    expect(secretsWithheld({ eventName: 'pull_request', payload }, 'dependabot[bot]')).toBe(true)
    expect(secretsWithheld({ eventName: 'pull_request_target', payload }, 'dependabot[bot]')).toBe(false)
    p.head.repo.full_name = 'someone/fork'
    expect(secretsWithheld({ eventName: 'pull_request', payload }, 'alice')).toBe(true)
  })

  it('is true for a review comment on a fork’s pull request, false on a branch of the repository', () => {
    const payload = example('pull_request_review_comment', 'created')
    const p = pr(payload) as { head: { repo: { full_name: string } }; base: { repo: { full_name: string } } }
    const eventName = 'pull_request_review_comment'
    p.head.repo.full_name = p.base.repo.full_name
    expect(secretsWithheld({ eventName, payload }, 'alice')).toBe(false)
    p.head.repo.full_name = 'someone/fork'
    expect(secretsWithheld({ eventName, payload }, 'alice')).toBe(true)
    expect(secretsWithheld({ eventName: 'issue_comment', payload }, 'alice')).toBe(false)
  })
})
