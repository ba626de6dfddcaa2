/**
 * The GitHub emulator on its own, with plain fetch: the token check, rate-limit headers, issues and
 * their comments, reactions, collaborator permissions, injected faults, error answers and the
 * request log. Pull requests, diffs and compare are in pulls.test.ts and files-cap.test.ts.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { ACTIONS_BOT, GitHubEmulator, type Comment, type Role } from '../../../emulators/github/index.js'
import { GitRepo } from '../../../emulators/github/git-repo.js'
import {
  NAME,
  OWNER,
  REPO_PATH,
  TOKEN,
  call,
  errorBody,
  links,
  repoCall,
  walk,
  type Answer
} from '../../fixtures/github-http.js'

const PR = 7
const ISSUE = 8
const REST_DOCS = 'https://docs.github.com/rest'

let repo: GitRepo
let gh: GitHubEmulator

beforeAll(() => {
  repo = GitRepo.create()
  repo.write('a.txt', 'one\n')
  repo.commit('base')
  repo.branch('feature').checkout('feature')
  repo.write('a.txt', 'two\n')
  repo.commit('head')
})
afterAll(() => {
  repo.destroy()
})

beforeEach(async () => {
  gh = await GitHubEmulator.start({ repo, owner: OWNER, name: NAME, token: TOKEN })
  gh.addPullRequest({ number: PR, base: 'main', head: 'feature', title: 'A change' })
  gh.addIssue({ number: ISSUE, title: 'A bug', user: { login: 'bob', type: 'User' } })
})
afterEach(async () => {
  await gh.close()
})

function expectNotFound(answer: Answer): void {
  expect(answer.status).toBe(404)
  expect(errorBody(answer)).toEqual({ message: 'Not Found', documentation_url: REST_DOCS, status: '404' })
}

describe('the token', () => {
  it('no Authorization header: 401 Bad credentials (a deliberate choice: the action always sends one)', async () => {
    const answer = await repoCall(gh, `/pulls/${PR}`, { token: null })
    expect(answer.status).toBe(401)
    expect(errorBody(answer)).toEqual({
      message: 'Bad credentials',
      documentation_url: REST_DOCS,
      status: '401'
    })
  })

  it('a wrong token: 401 Bad credentials', async () => {
    const answer = await repoCall(gh, `/pulls/${PR}`, { token: 'ghs_wrong' })
    expect(answer.status).toBe(401)
    expect(errorBody(answer).message).toBe('Bad credentials')
  })

  it.each(['token', 'Bearer'] as const)('accepts `%s X`', async scheme => {
    const answer = await repoCall(gh, `/pulls/${PR}`, { scheme })
    expect(answer.status).toBe(200)
    expect((answer.json as { number: number }).number).toBe(PR)
  })
})

describe('rate-limit headers', () => {
  it('come with every answer (200, 401, 404), remaining going down as used goes up', async () => {
    const before = Math.floor(Date.now() / 1000)
    const answers = [
      await repoCall(gh, `/pulls/${PR}`),
      await repoCall(gh, `/pulls/${PR}`, { token: 'ghs_wrong' }),
      await repoCall(gh, '/nothing-here')
    ]
    expect(answers.map(a => a.status)).toEqual([200, 401, 404])
    answers.forEach((answer, i) => {
      expect(answer.headers.get('x-ratelimit-limit')).toBe('5000')
      expect(answer.headers.get('x-ratelimit-remaining')).toBe(String(4999 - i))
      expect(answer.headers.get('x-ratelimit-used')).toBe(String(i + 1))
      expect(answer.headers.get('x-ratelimit-resource')).toBe('core')
      const reset = Number(answer.headers.get('x-ratelimit-reset'))
      expect(reset).toBeGreaterThanOrEqual(before + 3600)
      expect(reset).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 3600)
      expect(answer.headers.get('x-github-request-id')).toMatch(/^[0-9A-F]{16}$/)
    })
  })
})

describe('errors every endpoint shares', () => {
  it('a body that is not JSON: 400 Problems parsing JSON', async () => {
    const answer = await repoCall(gh, `/issues/${PR}/comments`, { raw: '{"body": ' })
    expect(answer.status).toBe(400)
    expect(errorBody(answer)).toEqual({
      message: 'Problems parsing JSON',
      documentation_url: REST_DOCS,
      status: '400'
    })
    expect(gh.comments(PR)).toEqual([])
  })

  it('an unknown path, another repository or a wrong method: 404 with documentation_url', async () => {
    expectNotFound(await repoCall(gh, '/nothing-here'))
    expectNotFound(await call(gh, '/repos/octo-org/other/pulls/7'))
    expectNotFound(await call(gh, '/users/octocat/repos'))
    expectNotFound(await repoCall(gh, `/pulls/${PR}`, { method: 'DELETE' }))
  })
})

describe('token kinds', () => {
  it('GET /user answers 403 for the workflow token (an installation token), as GitHub does', async () => {
    const answer = await call(gh, '/user')
    expect(answer.status).toBe(403)
    expect(errorBody(answer)).toMatchObject({
      message: 'Resource not accessible by integration',
      status: '403'
    })
  })
})

describe('issues', () => {
  it('a pull request read as an issue carries pull_request; a plain issue does not', async () => {
    const pull = (await repoCall(gh, `/issues/${PR}`)).json as Record<string, unknown>
    expect(pull).toEqual({
      number: PR,
      title: 'A change',
      user: { login: 'octocat', type: 'User', id: 5007 },
      state: 'open',
      html_url: 'https://github.com/octo-org/demo/pull/7',
      pull_request: { url: `${gh.url}${REPO_PATH}/pulls/7` }
    })
    const issue = (await repoCall(gh, `/issues/${ISSUE}`)).json as Record<string, unknown>
    expect(issue).toMatchObject({ number: ISSUE, title: 'A bug', user: { login: 'bob', type: 'User' } })
    expect(issue.html_url).toBe('https://github.com/octo-org/demo/issues/8')
    expect('pull_request' in issue).toBe(false)
    expectNotFound(await repoCall(gh, '/issues/9'))
  })
})

describe('issue comments', () => {
  function seed(count: number): Comment[] {
    return Array.from({ length: count }, (_, i) =>
      gh.addComment(PR, {
        body: `comment ${i}`,
        user: { login: i % 2 === 0 ? 'alice' : 'bob', type: 'User' }
      })
    )
  }

  it('lists page by page with a Link header; following it gives every comment once, oldest first', async () => {
    const seeded = seed(5)
    const url = (p: number) => `${gh.url}${REPO_PATH}/issues/7/comments?per_page=2&page=${p}`
    const second = await repoCall(gh, '/issues/7/comments?per_page=2&page=2')
    expect(second.status).toBe(200)
    expect((second.json as Comment[]).map(c => c.body)).toEqual(['comment 2', 'comment 3'])
    expect(second.headers.get('link')).toBe(
      `<${url(1)}>; rel="prev", <${url(3)}>; rel="next", <${url(3)}>; rel="last", <${url(1)}>; rel="first"`
    )
    const all = await walk<Comment>(gh, `${REPO_PATH}/issues/7/comments?per_page=2`)
    expect(all.pages).toBe(3)
    // The answers carry GitHub's full user and the comment's API `url` besides (openapi.test.ts).
    expect(all.items).toMatchObject(seeded)
    expect(all.items).toHaveLength(seeded.length)
    expect(links(all.last)).toEqual({ prev: url(2), first: url(1) })
  })

  it('one page when everything fits: no Link header; an issue without comments: []', async () => {
    seed(3)
    const answer = await repoCall(gh, '/issues/7/comments')
    expect((answer.json as Comment[]).map(c => c.user.login)).toEqual(['alice', 'bob', 'alice'])
    expect(answer.headers.get('link')).toBeNull()
    const none = await repoCall(gh, `/issues/${ISSUE}/comments`)
    expect(none.status).toBe(200)
    expect(none.json).toEqual([])
  })

  it('creates: 201, written by github-actions[bot] (a Bot), with GitHub’s URLs', async () => {
    const answer = await repoCall(gh, '/issues/7/comments', { body: { body: 'Review: looks good' } })
    expect(answer.status).toBe(201)
    const comment = answer.json as Comment
    expect(comment.user).toMatchObject({ login: 'github-actions[bot]', id: 41898282, type: 'Bot' })
    expect(comment.user).toMatchObject(ACTIONS_BOT)
    expect(comment).toMatchObject({
      body: 'Review: looks good',
      html_url: `https://github.com/octo-org/demo/pull/7#issuecomment-${comment.id}`,
      issue_url: `${gh.url}${REPO_PATH}/issues/7`,
      author_association: 'NONE'
    })
    expect(comment.created_at).toBe(comment.updated_at)
    expect(Number.isNaN(Date.parse(comment.created_at))).toBe(false)
    expect([comment]).toMatchObject(gh.comments(PR))
    const onIssue = (await repoCall(gh, '/issues/8/comments', { body: { body: 'hi' } })).json as Comment
    expect(onIssue.html_url).toBe(`https://github.com/octo-org/demo/issues/8#issuecomment-${onIssue.id}`)
    expect(onIssue.id).not.toBe(comment.id)
  })

  it('updates with PATCH, and GET of one comment sees the new body', async () => {
    const [comment] = seed(1) as [Comment]
    await new Promise(resolve => setTimeout(resolve, 5))
    const patched = await repoCall(gh, `/issues/comments/${comment.id}`, {
      method: 'PATCH',
      body: { body: 'edited' }
    })
    expect(patched.status).toBe(200)
    expect(patched.json).toMatchObject({ id: comment.id, body: 'edited', created_at: comment.created_at })
    expect(Date.parse((patched.json as Comment).updated_at)).toBeGreaterThan(Date.parse(comment.created_at))
    const read = await repoCall(gh, `/issues/comments/${comment.id}`)
    expect(read.status).toBe(200)
    expect(read.json).toEqual(patched.json)
  })

  describe('a body over 65536 characters: 422 Validation Failed', () => {
    function expectTooLong(answer: Answer, doc: string): void {
      expect(answer.status).toBe(422)
      // GitHub's answer since 2021; before, the error read code `custom`, field `body`.
      expect(errorBody(answer)).toEqual({
        message: 'Validation Failed',
        errors: [
          {
            resource: 'IssueComment',
            code: 'unprocessable',
            field: 'data',
            message: 'Body is too long (maximum is 65536 characters)'
          }
        ],
        documentation_url: `https://docs.github.com/rest/issues/comments#${doc}`,
        status: '422'
      })
    }

    it('on create; exactly 65536 is accepted', async () => {
      expectTooLong(
        await repoCall(gh, '/issues/7/comments', { body: { body: 'x'.repeat(65537) } }),
        'create-an-issue-comment'
      )
      expect(gh.comments(PR)).toEqual([])
      const exact = await repoCall(gh, '/issues/7/comments', { body: { body: 'x'.repeat(65536) } })
      expect(exact.status).toBe(201)
      expect((exact.json as Comment).body).toHaveLength(65536)
    })

    it('on update; the comment keeps its body', async () => {
      const [comment] = seed(1) as [Comment]
      const path = `/issues/comments/${comment.id}`
      expectTooLong(
        await repoCall(gh, path, { method: 'PATCH', body: { body: 'y'.repeat(65537) } }),
        'update-an-issue-comment'
      )
      expect(gh.comments(PR)[0]?.body).toBe('comment 0')
      expect((await repoCall(gh, path, { method: 'PATCH', body: { body: 'y'.repeat(65536) } })).status).toBe(
        200
      )
    })
  })

  it('a missing body: 422 Invalid request, on create and on update', async () => {
    const [comment] = seed(1) as [Comment]
    for (const [path, method, doc] of [
      ['/issues/7/comments', 'POST', 'create-an-issue-comment'],
      [`/issues/comments/${comment.id}`, 'PATCH', 'update-an-issue-comment']
    ] as const) {
      const answer = await repoCall(gh, path, { method, body: { text: 'not the body field' } })
      expect(answer.status).toBe(422)
      expect(errorBody(answer)).toEqual({
        message: 'Invalid request.\n\n"body" wasn\'t supplied.',
        documentation_url: `https://docs.github.com/rest/issues/comments#${doc}`,
        status: '422'
      })
    }
    expect(gh.comments(PR).map(c => c.body)).toEqual(['comment 0'])
  })

  it('an unknown issue or comment: 404', async () => {
    expectNotFound(await repoCall(gh, '/issues/999/comments', { body: { body: 'hi' } }))
    expectNotFound(await repoCall(gh, '/issues/999/comments'))
    expectNotFound(await repoCall(gh, '/issues/comments/123'))
    expectNotFound(await repoCall(gh, '/issues/comments/123', { method: 'PATCH', body: { body: 'x' } }))
    expect(gh.comments(999)).toEqual([])
  })
})

describe('reactions on an issue comment', () => {
  let commentId: number
  beforeEach(() => {
    commentId = gh.addComment(PR, { body: '/codex review', user: { login: 'alice', type: 'User' } }).id
  })
  const react = (content: unknown, id = commentId) =>
    repoCall(gh, `/issues/comments/${id}/reactions`, { body: { content } })

  it('201 the first time, 200 with the same reaction the second time', async () => {
    const first = await react('eyes')
    expect(first.status).toBe(201)
    const reaction = first.json as { id: number; content: string; user: unknown }
    expect(reaction).toMatchObject({ id: expect.any(Number), content: 'eyes', user: ACTIONS_BOT })
    const again = await react('eyes')
    expect(again.status).toBe(200)
    expect(again.json).toEqual(reaction)
    const other = await react('+1')
    expect(other.status).toBe(201)
    expect((other.json as { id: number }).id).not.toBe(reaction.id)
    expect(gh.reactions(commentId).map(r => r.content)).toEqual(['eyes', '+1'])
  })

  it('accepts each of GitHub’s eight contents', async () => {
    for (const content of ['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes']) {
      expect((await react(content)).status).toBe(201)
    }
    expect(gh.reactions(commentId)).toHaveLength(8)
  })

  it('an invalid or missing content: 422 Invalid request, nothing added', async () => {
    const invalid = await react('eye')
    expect(invalid.status).toBe(422)
    expect(errorBody(invalid)).toEqual({
      message:
        'Invalid request.\n\neye is not a member of ["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"].',
      documentation_url:
        'https://docs.github.com/rest/reactions/reactions#create-reaction-for-an-issue-comment',
      status: '422'
    })
    const missing = await repoCall(gh, `/issues/comments/${commentId}/reactions`, { body: {} })
    expect(missing.status).toBe(422)
    expect(errorBody(missing).message).toBe('Invalid request.\n\n"content" wasn\'t supplied.')
    expect(gh.reactions(commentId)).toEqual([])
  })

  it('an unknown comment: 404', async () => {
    expectNotFound(await react('eyes', 123))
  })
})

describe('collaborator permission', () => {
  // GitHub's legacy `permission` maps maintain to write and triage to read; `role_name` is the role.
  it.each<[Role, string]>([
    ['admin', 'admin'],
    ['maintain', 'write'],
    ['write', 'write'],
    ['triage', 'read'],
    ['read', 'read'],
    ['none', 'none']
  ])('%s → permission %s', async (role, permission) => {
    gh.setPermission('carol', role)
    const answer = await repoCall(gh, '/collaborators/carol/permission')
    expect(answer.status).toBe(200)
    expect(answer.json).toMatchObject({ permission, role_name: role, user: { login: 'carol', type: 'User' } })
  })

  it('a valid login never set: none (a deliberate choice); a login that cannot exist: 404', async () => {
    const unset = await repoCall(gh, '/collaborators/some-stranger/permission')
    expect(unset.status).toBe(200)
    expect(unset.json).toMatchObject({
      permission: 'none',
      role_name: 'none',
      user: { login: 'some-stranger' }
    })
    expectNotFound(await repoCall(gh, '/collaborators/not_a_login/permission'))
  })

  it('a bot login set explicitly is answered', async () => {
    gh.setPermission('renovate[bot]', 'write')
    const answer = await repoCall(gh, `/collaborators/${encodeURIComponent('renovate[bot]')}/permission`)
    expect(answer.json).toMatchObject({
      permission: 'write',
      role_name: 'write',
      user: { login: 'renovate[bot]' }
    })
  })
})

describe('injected faults', () => {
  const SECONDARY = /^You have exceeded a secondary rate limit\./
  const RATE_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api'

  it.each([403, 429] as const)('a secondary limit as %i, with retry-after', async status => {
    gh.injectFault({ status, secondary: true, retryAfter: 60 })
    const answer = await repoCall(gh, `/pulls/${PR}`)
    expect(answer.status).toBe(status)
    expect(answer.headers.get('retry-after')).toBe('60')
    expect(errorBody(answer).message).toMatch(SECONDARY)
    expect(errorBody(answer)).toMatchObject({ documentation_url: RATE_DOCS, status: String(status) })
    // A secondary limit leaves the primary budget alone.
    expect(answer.headers.get('x-ratelimit-remaining')).toBe('4999')
  })

  it.each([403, 429] as const)('a secondary limit as %i, without retry-after', async status => {
    gh.injectFault({ status, secondary: true })
    const answer = await repoCall(gh, `/pulls/${PR}`)
    expect(answer.status).toBe(status)
    expect(answer.headers.get('retry-after')).toBeNull()
    expect(errorBody(answer).message).toMatch(SECONDARY)
  })

  it('a primary limit: 403, x-ratelimit-remaining 0 and a reset', async () => {
    gh.injectFault({ status: 403 })
    const now = Math.floor(Date.now() / 1000)
    const answer = await repoCall(gh, `/pulls/${PR}`)
    expect(answer.status).toBe(403)
    expect(answer.headers.get('x-ratelimit-remaining')).toBe('0')
    const reset = Number(answer.headers.get('x-ratelimit-reset'))
    expect(reset).toBeGreaterThan(now)
    expect(reset).toBeLessThanOrEqual(now + 2)
    expect(answer.headers.get('retry-after')).toBeNull()
    expect(errorBody(answer)).toEqual({
      message: 'API rate limit exceeded for installation ID 1.',
      documentation_url: RATE_DOCS,
      status: '403'
    })
  })

  it.each([500, 502] as const)('a %i server error', async status => {
    gh.injectFault({ status })
    const answer = await repoCall(gh, `/pulls/${PR}`)
    expect(answer.status).toBe(status)
    expect(errorBody(answer)).toEqual({ message: 'Server Error', status: String(status) })
  })

  it('`times` answers are faulty, then normal ones', async () => {
    gh.injectFault({ status: 502, times: 2 })
    const statuses: number[] = []
    for (let i = 0; i < 3; i++) statuses.push((await repoCall(gh, `/pulls/${PR}`)).status)
    expect(statuses).toEqual([502, 502, 200])
  })

  it('`method` and `pathPattern` choose the requests hit; others pass', async () => {
    gh.injectFault({ status: 500, method: 'POST' })
    gh.injectFault({ status: 502, pathPattern: /\/collaborators\// })
    expect((await repoCall(gh, `/pulls/${PR}`)).status).toBe(200)
    expect((await repoCall(gh, '/collaborators/carol/permission')).status).toBe(502)
    expect((await repoCall(gh, '/collaborators/carol/permission')).status).toBe(200)
    expect((await repoCall(gh, '/issues/7/comments', { body: { body: 'x' } })).status).toBe(500)
    expect((await repoCall(gh, '/issues/7/comments', { body: { body: 'x' } })).status).toBe(201)
  })

  it('come after the token check: a bad token is 401 and leaves the fault for the next request', async () => {
    gh.injectFault({ status: 500 })
    expect((await repoCall(gh, `/pulls/${PR}`, { token: 'ghs_wrong' })).status).toBe(401)
    expect((await repoCall(gh, `/pulls/${PR}`)).status).toBe(500)
    expect((await repoCall(gh, `/pulls/${PR}`)).status).toBe(200)
  })
})

describe('the request log', () => {
  it('records method, path, query, accept and the status sent', async () => {
    await repoCall(gh, '/issues/7/comments?per_page=2&page=1')
    await repoCall(gh, '/issues/7/comments', { body: { body: 'hi' } })
    await repoCall(gh, `/pulls/${PR}`, { accept: 'application/vnd.github.diff' })
    await repoCall(gh, `/pulls/${PR}`, { token: 'ghs_wrong' })
    await repoCall(gh, '/nothing-here')
    expect(
      gh.requests.map(({ method, path, query, accept, status }) => ({ method, path, query, accept, status }))
    ).toEqual([
      {
        method: 'GET',
        path: `${REPO_PATH}/issues/7/comments`,
        query: '?per_page=2&page=1',
        accept: 'application/vnd.github+json',
        status: 200
      },
      {
        method: 'POST',
        path: `${REPO_PATH}/issues/7/comments`,
        query: '',
        accept: 'application/vnd.github+json',
        status: 201
      },
      {
        method: 'GET',
        path: `${REPO_PATH}/pulls/7`,
        query: '',
        accept: 'application/vnd.github.diff',
        status: 200
      },
      {
        method: 'GET',
        path: `${REPO_PATH}/pulls/7`,
        query: '',
        accept: 'application/vnd.github+json',
        status: 401
      },
      {
        method: 'GET',
        path: `${REPO_PATH}/nothing-here`,
        query: '',
        accept: 'application/vnd.github+json',
        status: 404
      }
    ])
    expect(gh.requests.every(r => typeof r.at === 'number' && r.at > 0)).toBe(true)
    expect(JSON.stringify(gh.requests)).not.toContain(TOKEN)
  })
})
