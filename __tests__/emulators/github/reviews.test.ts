/**
 * The GitHub emulator's review endpoints over real HTTP, on a real git repository: which lines a
 * review comment may sit on (checked against git's own diff), GitHub's 422 bodies, the shapes of
 * reviews and review comments, pagination and thread replies.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { GitHubEmulator } from '../../../emulators/github/index.js'
import { GitRepo } from '../../../emulators/github/git-repo.js'
import { anchorFinding } from '../../../src/review/anchor.js'
import { parseUnifiedDiff } from '../../../src/review/diff.js'
import type { Finding } from '../../../src/review/findings.js'
import {
  DIFF_MEDIA,
  NAME,
  OWNER,
  REPO_PATH,
  TOKEN,
  errorBody,
  repoCall,
  walk
} from '../../fixtures/github-http.js'

let repo: GitRepo
let gh: GitHubEmulator
let base: string
let firstSha: string
let headSha: string
let mainSha: string

function lines(n: number, line: (i: number) => string): string {
  return Array.from({ length: n }, (_, i) => `${line(i + 1)}\n`).join('')
}

/** Commit two's src/app.ts: line 5 as commit one left it, line 30 replaced by two lines. */
const CHANGED_LINES: Record<number, string> = {
  5: 'export const v5 = 50',
  30: 'export const v30a = 30\nexport const v30b = 30'
}

/**
 * main: src/app.ts (40 lines), src/gone.ts. feature, commit one: line 5 changed; commit two:
 * line 30 replaced by two lines, src/gone.ts removed, docs/new.md (40 lines) and a binary added.
 */
beforeAll(async () => {
  repo = GitRepo.create()
  repo.write(
    'src/app.ts',
    lines(40, i => `export const v${i} = ${i}`)
  )
  repo.write('src/gone.ts', 'export const gone = 1\n')
  base = repo.commit('base')
  repo.branch('feature').checkout('feature')
  repo.write(
    'src/app.ts',
    lines(40, i => (i === 5 ? 'export const v5 = 50' : `export const v${i} = ${i}`))
  )
  firstSha = repo.commit('one')
  repo.write(
    'src/app.ts',
    lines(40, i => CHANGED_LINES[i] ?? `export const v${i} = ${i}`)
  )
  repo.remove('src/gone.ts')
  repo.write(
    'docs/new.md',
    lines(40, i => `Line ${i}`)
  )
  repo.write('logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 0]))
  headSha = repo.commit('two')
  repo.checkout('main')
  repo.write('README.md', 'moved on\n')
  mainSha = repo.commit('main moves on')
  gh = await GitHubEmulator.start({ repo, owner: OWNER, name: NAME, token: TOKEN })
  gh.addPullRequest({ number: 1, base: 'main', head: 'feature' })
})

afterAll(async () => {
  await gh.close()
  repo.destroy()
})

/**
 * The lines of `path` each side accepts, read from `git diff` itself: RIGHT = added and context
 * lines in new numbers, LEFT = removed lines in old numbers; each with its hunk.
 */
function gitAccepted(range: string, path: string): { RIGHT: Map<number, number>; LEFT: Map<number, number> } {
  const text = repo.git('diff', '--no-color', '-M', range, '--', path)
  const out = { RIGHT: new Map<number, number>(), LEFT: new Map<number, number>() }
  let hunk = -1
  let o = 0
  let n = 0
  for (const line of text.split('\n')) {
    const h = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line)
    if (h !== null) {
      hunk++
      o = Number(h[1])
      n = Number(h[2])
    } else if (hunk >= 0 && line.startsWith('+')) out.RIGHT.set(n++, hunk)
    else if (hunk >= 0 && line.startsWith('-')) out.LEFT.set(o++, hunk)
    else if (hunk >= 0 && line.startsWith(' ')) {
      out.RIGHT.set(n++, hunk)
      o++
    }
  }
  return out
}

interface ReviewJson {
  id: number
  node_id: string
  state: string
  body: string
  commit_id: string
  user: { login: string; type: string }
  html_url: string
  submitted_at?: string
}

interface CommentJson {
  id: number
  node_id: string
  pull_request_review_id: number
  path: string
  line: number
  original_line: number
  side: string
  start_line: number | null
  start_side: string | null
  commit_id: string
  diff_hunk: string
  position: number
  in_reply_to_id?: number
  html_url: string
  user: { login: string }
  body: string
  created_at: string
}

function postReview(body: Record<string, unknown>) {
  return repoCall(gh, '/pulls/1/reviews', { body: { event: 'COMMENT', body: 'Review', ...body } })
}

async function reviewCount(): Promise<number> {
  return (await walk<ReviewJson>(gh, `${REPO_PATH}/pulls/1/reviews`)).items.length
}

describe('POST /pulls/{n}/reviews', () => {
  it('accepts exactly the lines of the diff on each side, as git shows them', async () => {
    const accepted = gitAccepted(`main...feature`, 'src/app.ts')
    expect(accepted.RIGHT.has(5) && accepted.LEFT.has(30) && accepted.RIGHT.has(31)).toBe(true)
    for (const side of ['RIGHT', 'LEFT'] as const) {
      // Each hunk, the lines just outside it, and past the end of the file.
      for (const line of [1, 2, 5, 8, 9, 10, 25, 26, 27, 30, 31, 32, 34, 35, 36, 41, 42]) {
        const answer = await postReview({ comments: [{ path: 'src/app.ts', line, side, body: 'x' }] })
        const want = accepted[side].has(line) ? 200 : 422
        expect({ side, line, status: answer.status }).toEqual({ side, line, status: want })
      }
    }
  }, 30_000)

  it('creates one COMMENTED review with its comments, in GitHub shapes', async () => {
    const answer = await postReview({
      commit_id: headSha,
      body: 'Summary',
      comments: [
        { path: 'src/app.ts', line: 5, side: 'RIGHT', body: 'added line' },
        { path: 'src/app.ts', line: 30, side: 'LEFT', body: 'removed line' },
        { path: 'src/app.ts', start_line: 28, line: 31, side: 'RIGHT', body: 'range' },
        { path: 'src/gone.ts', line: 1, side: 'LEFT', body: 'removed file' }
      ]
    })
    expect(answer.status).toBe(200)
    const review = answer.json as ReviewJson
    expect(review).toMatchObject({
      state: 'COMMENTED',
      body: 'Summary',
      commit_id: headSha,
      user: { login: 'github-actions[bot]', type: 'Bot' },
      html_url: `https://github.com/${OWNER}/${NAME}/pull/1#pullrequestreview-${review.id}`
    })
    expect(review.node_id).toMatch(/^PRR_/)
    expect(typeof review.submitted_at).toBe('string')
    const { items } = await walk<CommentJson>(gh, `${REPO_PATH}/pulls/1/comments?per_page=100`)
    const mine = items.filter(c => c.pull_request_review_id === review.id)
    expect(mine.map(c => [c.path, c.line, c.side, c.start_line, c.start_side])).toEqual([
      ['src/app.ts', 5, 'RIGHT', null, null],
      ['src/app.ts', 30, 'LEFT', null, null],
      ['src/app.ts', 31, 'RIGHT', 28, 'RIGHT'],
      ['src/gone.ts', 1, 'LEFT', null, null]
    ])
    for (const c of mine) {
      expect(c.commit_id).toBe(headSha)
      expect(c.original_line).toBe(c.line)
      expect(c.node_id).toMatch(/^PRRC_/)
      expect(c.html_url).toBe(`https://github.com/${OWNER}/${NAME}/pull/1#discussion_r${c.id}`)
      expect(c.diff_hunk.startsWith('@@ ')).toBe(true)
      expect(c.position).toBeGreaterThan(0)
    }
    expect(mine[0]?.diff_hunk.split('\n').at(-1)).toBe('+export const v5 = 50')
    expect(mine[1]?.diff_hunk.split('\n').at(-1)).toBe('-export const v30 = 30')
    expect(gh.reviews.comments(1).length).toBe(items.length)
  })

  it.each([
    ['a path the diff does not touch', { path: 'src/none.ts', line: 1 }, 'Path could not be resolved'],
    ['an unchanged file of the repository', { path: 'README.md', line: 1 }, 'Path could not be resolved'],
    ['a line outside the hunks', { path: 'src/app.ts', line: 20 }, 'Line could not be resolved'],
    ['LEFT on an added line', { path: 'src/app.ts', line: 31, side: 'LEFT' }, 'Line could not be resolved'],
    ['a binary file', { path: 'logo.png', line: 1 }, 'Line could not be resolved'],
    [
      'start_line equal to line',
      { path: 'src/app.ts', start_line: 5, line: 5 },
      'Pull request review thread start line must precede the end line.'
    ],
    [
      'start_line after line',
      { path: 'src/app.ts', start_line: 7, line: 5 },
      'Pull request review thread start line must precede the end line.'
    ],
    [
      'a range across hunks',
      { path: 'src/app.ts', start_line: 5, line: 30 },
      'Pull request review thread start line must be part of the same hunk as the line.'
    ],
    [
      'a start line outside the diff',
      { path: 'src/app.ts', start_line: 15, line: 30 },
      'Pull request review thread start line must be part of the same hunk as the line.'
    ]
  ])('refuses %s with GitHub 422 body and stores nothing', async (_, comment, message) => {
    const before = await reviewCount()
    const answer = await postReview({
      comments: [
        { path: 'src/app.ts', line: 5, body: 'fine' },
        { body: 'bad', ...comment }
      ]
    })
    expect(answer.status).toBe(422)
    expect(errorBody(answer)).toEqual({
      message: 'Unprocessable Entity',
      errors: [message],
      documentation_url: 'https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request',
      status: '422'
    })
    expect(await reviewCount()).toBe(before)
  })

  it('checks lines against the diff at commit_id, an earlier commit of the pull request', async () => {
    // Line 31 exists in the diff only from the second commit on.
    expect(
      (await postReview({ commit_id: firstSha, comments: [{ path: 'src/app.ts', line: 31, body: 'x' }] }))
        .status
    ).toBe(422)
    const ok = await postReview({
      commit_id: firstSha,
      comments: [{ path: 'src/app.ts', line: 5, body: 'x' }]
    })
    expect(ok.status).toBe(200)
    expect((ok.json as ReviewJson).commit_id).toBe(firstSha)
  })

  it.each([
    ['a commit of the base branch', () => mainSha],
    ['the merge base', () => base],
    ['an unknown commit', () => '0'.repeat(40)]
  ])('refuses %s as commit_id', async (_, sha) => {
    const answer = await postReview({ commit_id: sha() })
    expect(answer.status).toBe(422)
    expect(errorBody(answer).errors).toEqual(['Commit is not part of the pull request'])
  })

  it('refuses APPROVE from the workflow token, and REQUEST_CHANGES without a body', async () => {
    const approve = await postReview({ event: 'APPROVE' })
    expect(approve.status).toBe(422)
    expect(errorBody(approve).errors).toEqual(['GitHub Actions is not permitted to approve pull requests.'])
    const changes = await postReview({ event: 'REQUEST_CHANGES', body: '' })
    expect(errorBody(changes).errors).toEqual([
      'You need to leave a comment indicating the requested changes.'
    ])
  })

  it('refuses an unknown event as a schema error', async () => {
    const answer = await postReview({ event: 'LGTM' })
    expect(answer.status).toBe(422)
    expect(errorBody(answer).message).toBe(
      'Invalid request.\n\nLGTM is not a member of ["APPROVE", "REQUEST_CHANGES", "COMMENT"].'
    )
    expect(errorBody(answer).errors).toBeUndefined()
  })

  it('without an event the review is PENDING and its comments are not listed', async () => {
    const answer = await repoCall(gh, '/pulls/1/reviews', {
      body: { body: 'draft', comments: [{ path: 'docs/new.md', line: 40, body: 'pending' }] }
    })
    expect(answer.status).toBe(200)
    expect((answer.json as ReviewJson).state).toBe('PENDING')
    expect((answer.json as ReviewJson).submitted_at).toBeUndefined()
    const { items } = await walk<CommentJson>(gh, `${REPO_PATH}/pulls/1/comments`)
    expect(items.some(c => c.body === 'pending')).toBe(false)
  })

  it('an unknown pull request is 404', async () => {
    const answer = await repoCall(gh, '/pulls/99/reviews', { body: { event: 'COMMENT', body: 'x' } })
    expect(answer.status).toBe(404)
  })
})

describe('GET /pulls/{n}/comments and /reviews', () => {
  it('pages review comments with Link headers, oldest first', async () => {
    const comments = Array.from({ length: 40 }, (_, i) => ({
      path: 'docs/new.md',
      line: i + 1,
      body: `c${i + 1}`
    }))
    expect((await postReview({ comments })).status).toBe(200)
    const { items, pages } = await walk<CommentJson>(gh, `${REPO_PATH}/pulls/1/comments`)
    expect(pages).toBeGreaterThan(1)
    const ids = items.map(c => c.id)
    expect(ids).toEqual([...ids].sort((a, b) => a - b))
    expect(items.filter(c => c.path === 'docs/new.md' && c.body.startsWith('c')).map(c => c.line)).toEqual(
      comments.map(c => c.line)
    )
  })

  it('lists every review created', async () => {
    const { items } = await walk<ReviewJson>(gh, `${REPO_PATH}/pulls/1/reviews`)
    expect(items.length).toBe(gh.reviews.reviews(1).length)
    expect(items.length).toBeGreaterThan(10)
  })
})

describe('POST /pulls/{n}/comments/{id}/replies', () => {
  it('replies in the thread, on the same file and line', async () => {
    const review = await postReview({ comments: [{ path: 'src/app.ts', line: 6, body: 'root' }] })
    const root = gh.reviews.comments(1).find(c => c.pull_request_review_id === (review.json as ReviewJson).id)
    expect(root).toBeDefined()
    const reply = await repoCall(gh, `/pulls/1/comments/${root?.id}/replies`, { body: { body: 'answer' } })
    expect(reply.status).toBe(201)
    const r = reply.json as CommentJson
    expect(r).toMatchObject({
      in_reply_to_id: root?.id,
      path: 'src/app.ts',
      line: 6,
      side: 'RIGHT',
      body: 'answer'
    })
    expect(r.id).not.toBe(root?.id)
    expect(r.pull_request_review_id).not.toBe(root?.pull_request_review_id)
    const again = await repoCall(gh, `/pulls/1/comments/${r.id}/replies`, { body: { body: 'more' } })
    expect((again.json as CommentJson).in_reply_to_id).toBe(root?.id)
  })

  it('an unknown comment is 404; a missing body is 422', async () => {
    expect((await repoCall(gh, '/pulls/1/comments/12345/replies', { body: { body: 'x' } })).status).toBe(404)
    const root = gh.reviews.comments(1)[0]
    const answer = await repoCall(gh, `/pulls/1/comments/${root?.id}/replies`, { body: {} })
    expect(answer.status).toBe(422)
    expect(errorBody(answer).message).toBe('Invalid request.\n\n"body" wasn\'t supplied.')
  })
})

describe('the anchorer and the emulator agree', () => {
  it('every range the anchorer calls commentable is accepted in one review; a sample of the rest is refused', async () => {
    const diff = await repoCall(gh, '/pulls/1', { accept: DIFF_MEDIA })
    const files = parseUnifiedDiff(diff.text)
    const accepted: Record<string, unknown>[] = []
    const refused: Record<string, unknown>[] = []
    for (const path of ['src/app.ts', 'src/gone.ts', 'docs/new.md', 'logo.png', 'README.md']) {
      for (const side of ['RIGHT', 'LEFT'] as const) {
        for (let line = 1; line <= 42; line++) {
          for (const start of [undefined, line - 1, line - 3]) {
            const finding: Finding = { path, line, side, severity: 'major', title: 't', body: 'b' }
            if (start !== undefined && start >= 1) finding.startLine = start
            const a = anchorFinding(finding, files)
            const comment = {
              path,
              line,
              side,
              ...(finding.startLine !== undefined ? { start_line: finding.startLine, start_side: side } : {}),
              body: 'x'
            }
            ;(a.commentable ? accepted : refused).push(comment)
          }
        }
      }
    }
    expect(accepted.length).toBeGreaterThan(50)
    expect((await postReview({ comments: accepted })).status).toBe(200)
    for (let i = 0; i < refused.length; i += Math.ceil(refused.length / 25)) {
      const answer = await postReview({ comments: [refused[i]] })
      expect({ comment: refused[i], status: answer.status }).toEqual({ comment: refused[i], status: 422 })
    }
  }, 30_000)
})
