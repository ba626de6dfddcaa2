/**
 * The PR review with inline comments, through the real Octokit client against the GitHub
 * emulator, which checks lines as GitHub does and refuses a review all or nothing.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js'
import { WORKFLOW_BOT } from '../../src/github/comments.js'
import { postedFindings, postReview, type InlineComment } from '../../src/github/reviews.js'
import { GitHubEmulator } from '../../emulators/github/index.js'
import { GitRepo } from '../../emulators/github/git-repo.js'

// Review POSTs notify: the throttling plugin spaces them 3 s apart.
jest.setTimeout(40_000)

const TOKEN = 'ghs_reviews_test_token_0123456789'
const PAT = 'ghp_reviews_other_user_0123456789'
const REPO = { owner: 'octo-org', repo: 'demo' }
const FP = (n: number) => n.toString(16).padStart(32, '0')
const marker = (body: string) => /^<!-- finding ([0-9a-f]{32}) -->$/m.exec(body)?.[1]

let repo: GitRepo
let gh: GitHubEmulator
let octokit: GitHubClient
let head: string
let pull = 0

beforeAll(async () => {
  repo = GitRepo.create()
  repo.write('src/a.ts', Array.from({ length: 40 }, (_, i) => `line ${i + 1}\n`).join(''))
  const base = repo.commit('base')
  const lines = Array.from({ length: 40 }, (_, i) => `line ${i + 1}\n`)
  lines[4] = 'changed 5\n'
  lines.splice(30, 1)
  repo.write('src/a.ts', lines.join(''))
  head = repo.commit('head')
  gh = await GitHubEmulator.start({ repo, owner: REPO.owner, name: REPO.repo, token: TOKEN })
  gh.addToken(PAT, { kind: 'pat', user: { login: 'mallory', type: 'User' } })
  octokit = createGitHubClient({ token: TOKEN, baseUrl: gh.url, log: () => {}, maxRateLimitWait: 3 })
  for (let n = 1; n <= 8; n++) gh.addPullRequest({ number: n, base, head })
})

afterAll(async () => {
  await gh.close()
  repo.destroy()
})

function nextPull(): number {
  pull += 1
  return pull
}

const onAdded: InlineComment = {
  path: 'src/a.ts',
  line: 5,
  side: 'RIGHT',
  body: `added\n<!-- finding ${FP(1)} -->`
}
const onRemoved: InlineComment = {
  path: 'src/a.ts',
  line: 31,
  side: 'LEFT',
  body: `removed\n<!-- finding ${FP(2)} -->`
}
const range: InlineComment = { path: 'src/a.ts', line: 6, startLine: 3, side: 'RIGHT', body: 'a range' }

describe('postReview', () => {
  it('posts one COMMENT review on the head with every comment, on both sides and as a range', async () => {
    const n = nextPull()
    const posted = await postReview(octokit, REPO, n, {
      headSha: head,
      body: 'Codex review',
      comments: [onAdded, onRemoved, range],
      identity: WORKFLOW_BOT
    })
    expect('id' in posted && posted.posted).toHaveLength(3)
    const [review, ...others] = gh.reviews.reviews(n)
    expect(others).toHaveLength(0)
    expect(review).toMatchObject({ state: 'COMMENTED', commit_id: head })
    expect(review!.body).toBe(`<!-- rivya-codex-review:review ${head} -->\nCodex review`)
    const stored = gh.reviews.comments(n).map(c => [c.side, c.line, c.start_line])
    expect(stored).toEqual([
      ['RIGHT', 5, null],
      ['LEFT', 31, null],
      ['RIGHT', 6, 3]
    ])
  })

  it('posts the review once more without its comments when GitHub refuses them, and names every one refused', async () => {
    const n = nextPull()
    const offDiff: InlineComment = { path: 'src/a.ts', line: 20, side: 'RIGHT', body: 'not in a hunk' }
    const posted = await postReview(octokit, REPO, n, {
      headSha: head,
      body: 'Codex review',
      comments: [onAdded, offDiff],
      identity: WORKFLOW_BOT
    })
    if (!('id' in posted)) throw new Error(`not posted: ${posted.notPosted}`)
    expect(posted.posted).toEqual([])
    expect(posted.refused.map(r => r.comment)).toEqual([onAdded, offDiff])
    expect(posted.refused[0]!.reason).toContain('Line could not be resolved')
    const creates = gh.requests.filter(r => r.method === 'POST' && r.path.endsWith(`/pulls/${n}/reviews`))
    expect(creates.map(r => r.status)).toEqual([422, 200])
    expect(gh.reviews.comments(n)).toHaveLength(0)
    expect(gh.reviews.reviews(n)[0]!.body).toContain('2 inline comment(s) could not be placed on the diff')
  })

  it('posts no review when there is nothing to post inline', async () => {
    const n = nextPull()
    const posted = await postReview(octokit, REPO, n, {
      headSha: head,
      body: 'x',
      comments: [],
      identity: WORKFLOW_BOT
    })
    expect(posted).toEqual({ notPosted: 'no inline comment to post', refused: [] })
    expect(gh.reviews.reviews(n)).toHaveLength(0)
  })

  it('keeps the comments when GitHub refuses the whole review for another reason, and says why', async () => {
    const n = nextPull()
    const posted = await postReview(octokit, REPO, n, {
      headSha: 'f'.repeat(40),
      body: 'x',
      comments: [onAdded],
      identity: WORKFLOW_BOT
    })
    expect('notPosted' in posted && posted.notPosted).toContain('Commit is not part of the pull request')
    expect(posted.refused.map(r => r.comment)).toEqual([onAdded])
  })
})

describe('postReview when an answer is lost', () => {
  it('takes the review GitHub created although its answer was a 502, and posts no second one', async () => {
    const n = nextPull()
    gh.injectFault({ status: 502, method: 'POST', pathPattern: /\/reviews$/, afterProcessing: true })
    const posted = await postReview(octokit, REPO, n, {
      headSha: head,
      body: 'Codex review',
      comments: [onAdded],
      identity: WORKFLOW_BOT
    })
    const [review, ...more] = gh.reviews.reviews(n)
    expect(more).toHaveLength(0)
    expect(posted).toMatchObject({ id: review!.id, posted: [onAdded], refused: [] })
  })

  it('says why when GitHub failed before creating it, and keeps every comment for the summary', async () => {
    const n = nextPull()
    gh.injectFault({ status: 502, method: 'POST', pathPattern: /\/reviews$/ })
    const posted = await postReview(octokit, REPO, n, {
      headSha: head,
      body: 'Codex review',
      comments: [onAdded],
      identity: WORKFLOW_BOT
    })
    expect(gh.reviews.reviews(n)).toHaveLength(0)
    expect('notPosted' in posted && posted.notPosted).toContain('Server Error')
    expect(posted.refused.map(r => r.comment)).toEqual([onAdded])
  })
})

describe('postedFindings', () => {
  it('reads the finding ids of the token identity’s own marked comments, never another user’s', async () => {
    const n = nextPull()
    await postReview(octokit, REPO, n, {
      headSha: head,
      body: 'ours',
      comments: [onAdded],
      identity: WORKFLOW_BOT
    })
    const other = createGitHubClient({ token: PAT, baseUrl: gh.url, log: () => {}, maxRateLimitWait: 3 })
    const forged: InlineComment = { ...onRemoved, body: `quoting\n<!-- finding ${FP(9)} -->` }
    await postReview(other, REPO, n, {
      headSha: head,
      body: 'theirs',
      comments: [forged],
      identity: { login: 'mallory', bot: false }
    })
    expect(gh.reviews.comments(n)).toHaveLength(2)
    const ids = await postedFindings(octokit, REPO, n, WORKFLOW_BOT, marker)
    expect([...ids]).toEqual([FP(1)])
  })
})
