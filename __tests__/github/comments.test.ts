/**
 * The review comment, reactions and permission checks through the real Octokit client against the
 * GitHub emulator. @octokit/plugin-throttling spaces requests that notify (comment POSTs) 3 s
 * apart and other writes 1 s apart, so this file makes as few of them as it can.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js'
import {
  collaboratorPermission,
  createComment,
  findReviewComment,
  react,
  tokenIdentity,
  upsertReviewComment,
  WORKFLOW_BOT,
  type UpsertOptions
} from '../../src/github/comments.js'
import { ACTIONS_BOT, GitHubEmulator, type User } from '../../emulators/github/index.js'
import { GitRepo } from '../../emulators/github/git-repo.js'
import { COMMENT_MARKER, readCommentState } from '../../src/review/comment-state.js'

// Each comment POST waits for the throttling plugin's 3 s spacing of notifying requests.
const POST_SPACING = 10_000

const TOKEN = 'ghs_comments_test_token_0123456789'
const REPO = { owner: 'octo-org', repo: 'demo' }
const HUMAN: User = { login: 'alice', type: 'User' }
const OTHER_BOT: User = { login: 'renovate[bot]', type: 'Bot' }

let repo: GitRepo
let gh: GitHubEmulator
let octokit: GitHubClient
let pull = 0

beforeAll(async () => {
  repo = GitRepo.create()
  repo.write('README.md', '# demo\n')
  const base = repo.commit('base')
  repo.write('README.md', '# demo\n\nMore.\n')
  const head = repo.commit('head')
  gh = await GitHubEmulator.start({ repo, owner: REPO.owner, name: REPO.repo, token: TOKEN })
  octokit = createGitHubClient({ token: TOKEN, baseUrl: gh.url, log: () => {}, maxRateLimitWait: 3 })
  for (let n = 1; n <= 12; n++) gh.addPullRequest({ number: n, base, head })
})

afterAll(async () => {
  await gh.close()
  repo.destroy()
})

/** A fresh pull request per test, so each one sees only its own comments. */
function nextPull(): number {
  pull += 1
  return pull
}

function calls(method: string, path: RegExp) {
  return gh.requests.filter(r => r.method === method && path.test(r.path))
}

const review = (text: string) => `${COMMENT_MARKER}\n${text}`

/** Upsert options for the workflow token; every recorded head is "older" unless said otherwise. */
function options(over: Partial<UpsertOptions> = {}): UpsertOptions {
  return {
    identity: WORKFLOW_BOT,
    headSha: 'a'.repeat(40),
    isNewer: () => Promise.resolve(false),
    recordedHead: body => readCommentState(body)?.headSha,
    ...over
  }
}

describe('upsertReviewComment', () => {
  it(
    'creates the comment once, then updates it in place; a person quoting the marker is left alone',
    async () => {
      const n = nextPull()
      const quoted = gh.addComment(n, { body: review('I pasted the bot comment here'), user: HUMAN })
      gh.addComment(n, { body: `A bot mentioning\n${COMMENT_MARKER}`, user: OTHER_BOT })

      const first = await upsertReviewComment(octokit, REPO, n, review('first run'), options())
      expect(first).toMatchObject({ created: true })
      expect(first.id).not.toBe(quoted.id)
      expect(first.url).toBe(`https://github.com/octo-org/demo/pull/${n}#issuecomment-${first.id}`)

      const second = await upsertReviewComment(octokit, REPO, n, review('second run'), options())
      expect(second).toEqual({ id: first.id, url: first.url, created: false })

      const bodies = gh.comments(n).map(c => [c.id, c.user.login, c.body])
      expect(bodies).toEqual([
        [quoted.id, 'alice', review('I pasted the bot comment here')],
        [expect.any(Number), 'renovate[bot]', `A bot mentioning\n${COMMENT_MARKER}`],
        [first.id, ACTIONS_BOT.login, review('second run')]
      ])
      const comments = new RegExp(`/issues/${n}/comments$`)
      expect(calls('POST', comments)).toHaveLength(1)
      expect(calls('PATCH', /\/issues\/comments\/\d+$/).map(r => r.path)).toEqual([
        `/repos/octo-org/demo/issues/comments/${first.id}`
      ])
    },
    POST_SPACING
  )

  it('finds the bot comment past the first page of comments and updates it', async () => {
    const n = nextPull()
    for (let i = 0; i < 150; i++) {
      gh.addComment(n, { body: i === 3 ? review('quoted early') : `comment ${i}`, user: HUMAN })
    }
    const ours = gh.addComment(n, { body: review('earlier run'), user: ACTIONS_BOT })
    for (let i = 0; i < 60; i++) gh.addComment(n, { body: `later ${i}`, user: HUMAN })

    expect((await findReviewComment(octokit, REPO, n, WORKFLOW_BOT))?.id).toBe(ours.id)
    const posted = await upsertReviewComment(octokit, REPO, n, review('this run'), options())
    expect(posted).toMatchObject({ id: ours.id, created: false })
    expect(gh.comments(n).find(c => c.id === ours.id)?.body).toBe(review('this run'))

    const lists = calls('GET', new RegExp(`/issues/${n}/comments$`))
    // Twice (find, then upsert), every page: a duplicate from a racing run may be on any of them.
    expect(lists.map(r => new URLSearchParams(r.query).get('page') ?? '1')).toEqual([
      '1',
      '2',
      '3',
      '1',
      '2',
      '3'
    ])
    expect(lists.every(r => new URLSearchParams(r.query).get('per_page') === '100')).toBe(true)
    expect(calls('POST', new RegExp(`/issues/${n}/comments$`))).toHaveLength(0)
  })
})

describe('createComment after a failed POST', () => {
  it(
    'does not retry the POST, and reports the failure of a reply',
    async () => {
      const n = nextPull()
      // Even with a review comment there, a reply's failure is a failure: only reviews look.
      gh.addComment(n, { body: review('from a lost answer'), user: ACTIONS_BOT })
      gh.injectFault({ status: 500, method: 'POST', pathPattern: new RegExp(`/issues/${n}/comments$`) })
      await expect(createComment(octokit, REPO, n, 'an answer')).rejects.toMatchObject({ status: 500 })
      expect(calls('POST', new RegExp(`/issues/${n}/comments$`))).toHaveLength(1)
      expect(gh.comments(n)).toHaveLength(1)
    },
    POST_SPACING
  )

  it(
    'for the review comment, takes the marker comment the lost answer may have created',
    async () => {
      const n = nextPull()
      gh.addComment(n, { body: review('quoted'), user: HUMAN })
      // As if GitHub had created the comment and the answer had been lost on the way back.
      const created = gh.addComment(n, { body: review('this run'), user: ACTIONS_BOT })
      gh.injectFault({ status: 500, method: 'POST', pathPattern: new RegExp(`/issues/${n}/comments$`) })
      const found = await createComment(octokit, REPO, n, review('this run'), true)
      expect(found).toEqual({ id: created.id, url: created.html_url })
      expect(calls('POST', new RegExp(`/issues/${n}/comments$`))).toHaveLength(1)
      expect(gh.comments(n)).toHaveLength(2)
    },
    POST_SPACING
  )

  it(
    'for the review comment, reports the failure when no marker comment exists',
    async () => {
      const n = nextPull()
      gh.addComment(n, { body: review('quoted'), user: HUMAN })
      gh.injectFault({ status: 500, method: 'POST', pathPattern: new RegExp(`/issues/${n}/comments$`) })
      await expect(createComment(octokit, REPO, n, review('this run'), true)).rejects.toMatchObject({
        status: 500
      })
      expect(calls('POST', new RegExp(`/issues/${n}/comments$`))).toHaveLength(1)
      expect(calls('GET', new RegExp(`/issues/${n}/comments$`))).toHaveLength(1)
    },
    POST_SPACING
  )
})

describe('whose comment is ours', () => {
  const PAT = 'ghp_comments_test_pat_0123456789'
  const APP = 'ghs_comments_test_app_0123456789'
  const APP_BOT: User = { login: 'my-reviewer[bot]', type: 'Bot' }

  beforeAll(() => {
    gh.addToken(PAT, { kind: 'pat', user: { login: 'carol', type: 'User' } })
    gh.addToken(APP, { kind: 'app', bot: APP_BOT })
  })

  it('learns the identity of each kind of token', async () => {
    const as = (token: string) =>
      createGitHubClient({ token, baseUrl: gh.url, log: () => {}, maxRateLimitWait: 3 })
    expect(await tokenIdentity(octokit)).toEqual({ login: 'github-actions', bot: true })
    expect(await tokenIdentity(as(APP))).toEqual({ login: 'my-reviewer', bot: true })
    expect(await tokenIdentity(as(PAT))).toEqual({ login: 'carol', bot: false })
  })

  it(
    'with a personal access token, the user’s own marker comment is found and updated; another bot’s is not',
    async () => {
      const n = nextPull()
      const pat = createGitHubClient({ token: PAT, baseUrl: gh.url, log: () => {}, maxRateLimitWait: 3 })
      const identity = await tokenIdentity(pat)
      const otherBot = gh.addComment(n, { body: review('another app’s comment'), user: ACTIONS_BOT })
      const mine = gh.addComment(n, { body: review('earlier run'), user: { login: 'carol', type: 'User' } })
      const posted = await upsertReviewComment(pat, REPO, n, review('this run'), options({ identity }))
      expect(posted).toMatchObject({ id: mine.id, created: false })
      expect(gh.comments(n).find(c => c.id === otherBot.id)?.body).toBe(review('another app’s comment'))
      // And the workflow token does not take the user's comment for its own.
      expect((await findReviewComment(octokit, REPO, n, WORKFLOW_BOT))?.id).toBe(otherBot.id)
      expect(await findReviewComment(octokit, REPO, n, { login: 'my-reviewer', bot: true })).toBeUndefined()
    },
    POST_SPACING
  )
})

describe('concurrent and stale runs', () => {
  it('keeps the oldest of the action’s duplicate comments and deletes the others', async () => {
    const n = nextPull()
    const oldest = gh.addComment(n, { body: review('run A'), user: ACTIONS_BOT })
    gh.addComment(n, { body: review('run B'), user: ACTIONS_BOT })
    const human = gh.addComment(n, { body: review('quoted'), user: HUMAN })
    const posted = await upsertReviewComment(octokit, REPO, n, review('run C'), options())
    expect(posted).toMatchObject({ id: oldest.id, created: false })
    expect(gh.comments(n).map(c => [c.id, c.body])).toEqual([
      [oldest.id, review('run C')],
      [human.id, review('quoted')]
    ])
  })

  it(
    'two runs racing to create the comment leave one, the oldest, holding a review',
    async () => {
      const n = nextPull()
      const other = createGitHubClient({ token: TOKEN, baseUrl: gh.url, log: () => {}, maxRateLimitWait: 3 })
      const [a, b] = await Promise.all([
        upsertReviewComment(octokit, REPO, n, review('run A'), options()),
        upsertReviewComment(other, REPO, n, review('run B'), options())
      ])
      // Both looked before either posted: the race happened.
      expect(calls('POST', new RegExp(`/issues/${n}/comments$`))).toHaveLength(2)
      const left = gh.comments(n)
      expect(left).toHaveLength(1)
      expect([review('run A'), review('run B')]).toContain(left[0]!.body)
      expect([a.id, b.id]).toEqual([left[0]!.id, left[0]!.id])
    },
    POST_SPACING
  )

  it('does not overwrite a comment that records a newer head', async () => {
    const n = nextPull()
    const newer = 'b'.repeat(40)
    const state = `<!-- rivya-codex-review:state {"headSha":"${newer}"} -->`
    const existing = gh.addComment(n, { body: review(`${state}\nnewer review`), user: ACTIONS_BOT })
    const seen: string[] = []
    const posted = await upsertReviewComment(
      octokit,
      REPO,
      n,
      review('older review'),
      options({
        isNewer: recorded => {
          seen.push(recorded)
          return Promise.resolve(recorded === newer)
        }
      })
    )
    expect(posted).toEqual({ id: existing.id, url: existing.html_url, newerHead: newer })
    expect(seen).toEqual([newer])
    expect(gh.comments(n).find(c => c.id === existing.id)?.body).toBe(review(`${state}\nnewer review`))
    expect(calls('PATCH', new RegExp(`/issues/comments/${existing.id}$`))).toHaveLength(0)
  })
})

describe('react', () => {
  it('adds a reaction once: 201, then 200 on a repeat, without an error', async () => {
    const n = nextPull()
    const command = gh.addComment(n, { body: '/codex review', user: HUMAN })
    await react(octokit, REPO, command.id, 'eyes')
    await react(octokit, REPO, command.id, 'eyes')
    const path = `/repos/octo-org/demo/issues/comments/${command.id}/reactions`
    expect(gh.requests.filter(r => r.path === path).map(r => [r.method, r.status])).toEqual([
      ['POST', 201],
      ['POST', 200]
    ])
    expect(gh.reactions(command.id).map(r => [r.content, r.user.login])).toEqual([
      ['eyes', ACTIONS_BOT.login]
    ])
  })

  it('fails on a comment that does not exist', async () => {
    await expect(react(octokit, REPO, 1, 'confused')).rejects.toMatchObject({ status: 404 })
  })
})

describe('collaboratorPermission', () => {
  it('returns the coarse permission and the role name', async () => {
    gh.setPermission('maintainer-1', 'maintain')
    gh.setPermission('triager', 'triage')
    expect(await collaboratorPermission(octokit, REPO, 'maintainer-1')).toEqual({
      permission: 'write',
      role_name: 'maintain'
    })
    expect(await collaboratorPermission(octokit, REPO, 'triager')).toEqual({
      permission: 'read',
      role_name: 'triage'
    })
    expect(await collaboratorPermission(octokit, REPO, 'stranger')).toEqual({
      permission: 'none',
      role_name: 'none'
    })
  })
})
