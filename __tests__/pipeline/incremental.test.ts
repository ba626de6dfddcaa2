/**
 * decideScope on a pull request pushed to, force-pushed and rebased, with the real compare API
 * client against the GitHub emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js'
import { compareCommits } from '../../src/github/compare.js'
import type { EventContext } from '../../src/github/event.js'
import type { ActiveTrigger } from '../../src/pipeline/context.js'
import { decideScope, type ScopeInput } from '../../src/pipeline/incremental.js'
import { GitHubEmulator } from '../../emulators/github/index.js'
import { GitRepo } from '../../emulators/github/git-repo.js'

const TOKEN = 'ghs_scope_test_token_0123456789'
const REPO = { owner: 'octo-org', repo: 'demo' }

let repo: GitRepo
let gh: GitHubEmulator
let octokit: GitHubClient
const sha: Record<string, string> = {}

beforeAll(async () => {
  repo = GitRepo.create()
  repo.write('src/a.ts', 'a\n').write('src/b.ts', 'b\n')
  sha.base = repo.commit('base')
  repo.branch('feature').checkout('feature')
  repo.write('src/a.ts', 'a2\n')
  sha.reviewed = repo.commit('reviewed')
  repo.write('src/b.ts', 'b2\n').write('src/c.ts', 'c\n')
  sha.pushed = repo.commit('pushed')
  repo.checkout(sha.base).branch('rebased').checkout('rebased')
  repo.write('src/a.ts', 'a3\n')
  sha.rebased = repo.commit('rebased')
  gh = await GitHubEmulator.start({ repo, owner: REPO.owner, name: REPO.repo, token: TOKEN })
  octokit = createGitHubClient({ token: TOKEN, baseUrl: gh.url, log: () => {}, maxRateLimitWait: 3 })
})

afterAll(async () => {
  await gh.close()
  repo.destroy()
})

const push: ActiveTrigger = {
  kind: 'pull-request',
  pullNumber: 7,
  reason: 'pull_request.synchronize',
  headSha: ''
}
const event = (action: string): EventContext => ({ eventName: 'pull_request', payload: { action } })

function input(overrides: Partial<ScopeInput> = {}): ScopeInput {
  return {
    trigger: push,
    event: event('synchronize'),
    incremental: true,
    recordedHead: sha.reviewed,
    head: sha.pushed as string,
    compare: (base, head) => compareCommits(octokit, REPO, base, head),
    ...overrides
  }
}

describe('decideScope', () => {
  it('reviews only the files changed since the reviewed head after a push', async () => {
    const scope = await decideScope(input())
    expect(scope).toMatchObject({
      kind: 'incremental',
      since: sha.reviewed,
      files: new Set(['src/b.ts', 'src/c.ts'])
    })
    // With the push's own changes, read from the comparison's patches.
    const pushDiff = scope.kind === 'incremental' ? scope.pushDiff : []
    expect(pushDiff.map(f => [f.path, f.additions, f.deletions])).toEqual([
      ['src/b.ts', 1, 1],
      ['src/c.ts', 1, 0]
    ])
  })

  it('reviews in full after a force-push or rebase, or when the old head is gone, saying why', async () => {
    const rebased = await decideScope(input({ head: sha.rebased as string }))
    expect(rebased).toEqual({
      kind: 'full',
      why: expect.stringMatching(/^history was rewritten since [0-9a-f]{7} \(force-push or rebase/)
    })
    const back = await decideScope(input({ recordedHead: sha.pushed, head: sha.reviewed as string }))
    expect(back).toMatchObject({ kind: 'full', why: expect.stringContaining('behind it') })
    const gone = await decideScope(input({ recordedHead: 'f'.repeat(40) }))
    expect(gone).toEqual({
      kind: 'full',
      why: 'fffffff, the head reviewed before, is gone (history rewritten by a force-push)'
    })
  })

  it.each([
    ['incremental: false', { incremental: false }, 'incremental is off'],
    ['a PR opened', { event: event('opened') }, 'pull_request.opened reviews in full'],
    ['a PR reopened', { event: event('reopened') }, 'pull_request.reopened reviews in full'],
    [
      'a PR marked ready',
      { event: event('ready_for_review') },
      'pull_request.ready_for_review reviews in full'
    ],
    [
      '/codex review',
      {
        trigger: {
          kind: 'comment',
          pullNumber: 7,
          reason: '/codex review by @alice',
          command: { kind: 'review' },
          commentId: 1,
          commenter: 'alice'
        } as ActiveTrigger
      },
      '/codex review by @alice asks for a full review'
    ],
    [
      'workflow_dispatch',
      { trigger: { kind: 'dispatch', pullNumber: 7, reason: 'workflow_dispatch' } as ActiveTrigger },
      'a workflow_dispatch run reviews in full'
    ]
  ])('reviews in full on %s, without comparing', async (_name, overrides, why) => {
    const before = gh.requests.length
    expect(await decideScope(input(overrides))).toEqual({ kind: 'full', why })
    expect(gh.requests.length).toBe(before)
  })

  it('reviews in full with no earlier review, and says nothing of it', async () => {
    expect(await decideScope(input({ recordedHead: undefined }))).toEqual({ kind: 'full' })
  })

  it('reviews the head already reviewed in full again (its turns replay)', async () => {
    const same = await decideScope(input({ recordedHead: sha.pushed }))
    expect(same).toEqual({ kind: 'full', why: expect.stringContaining('already shows a review of') })
  })

  it('reviews in full when the comparison lists too many files or cannot be read', async () => {
    const truncated = await decideScope(
      input({ compare: () => Promise.resolve({ status: 'ahead', files: ['x'], diff: [], truncated: true }) })
    )
    expect(truncated).toMatchObject({ kind: 'full', why: expect.stringContaining('than GitHub') })
    const failed = await decideScope(input({ compare: () => Promise.reject(new Error('Server Error')) }))
    expect(failed).toMatchObject({ kind: 'full', why: expect.stringContaining('(Server Error)') })
  })
})
