import { describe, expect, it } from '@jest/globals'
import { decideTrigger, secretsWithheld, TriggerError } from '../../src/github/event.js'
import { example, examples } from '../fixtures/webhooks.js'

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
})
