/**
 * The GitHub emulator held to GitHub's published OpenAPI description (the operations the action
 * uses, extracted from @octokit/openapi by scripts/extract-openapi.mjs into
 * __tests__/fixtures/github-openapi.json): for every endpoint the emulator serves, success and
 * error answers are checked for a status the operation documents, the headers that matter and a
 * body that validates against the operation's schema.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { GitHubEmulator } from '../../../emulators/github/index.js'
import { GitRepo } from '../../../emulators/github/git-repo.js'
import {
  DIFF_MEDIA,
  NAME,
  OWNER,
  TOKEN,
  call,
  links,
  repoCall,
  type Answer,
  type CallOptions
} from '../../fixtures/github-http.js'

interface Operation {
  method: string
  path: string
  responses: Record<
    string,
    { headers?: Record<string, unknown>; content?: Record<string, { schema?: unknown }> }
  >
}
interface Description {
  source: string
  operations: Record<string, Operation>
  components: unknown
}

const DESCRIPTION = JSON.parse(
  readFileSync(new URL('../../fixtures/github-openapi.json', import.meta.url), 'utf8')
) as Description

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv
) => Ajv
// OpenAPI 3.0 keywords (`nullable`, which ajv knows, `discriminator`, `x-github`...) need strict off.
const ajv = addFormats(new Ajv({ strict: false, allErrors: true, logger: false }))

/**
 * GitHub writes `nullable: true` beside an `enum` without `null` (a single-line review comment's
 * `start_side`), and its real answers carry that `null`; ajv, like OpenAPI 3.0.3's wording, admits
 * `null` there only when the enum lists it, so it is added where the description means it.
 */
function nullableEnums(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) nullableEnums(item)
    return
  }
  if (typeof node !== 'object' || node === null) return
  const schema = node as Record<string, unknown>
  if (schema.nullable === true && Array.isArray(schema.enum) && !schema.enum.includes(null)) {
    schema.enum = [...(schema.enum as unknown[]), null]
  }
  for (const value of Object.values(schema)) nullableEnums(value)
}
nullableEnums(DESCRIPTION)
ajv.addSchema(DESCRIPTION, 'github')

const validators = new Map<string, ValidateFunction>()

function validator(operationId: string, status: string): ValidateFunction | undefined {
  const key = `${operationId} ${status}`
  if (!validators.has(key)) {
    const schema =
      DESCRIPTION.operations[operationId]?.responses[status]?.content?.['application/json']?.schema
    if (schema === undefined) return undefined
    const pointer = ['operations', operationId, 'responses', status, 'content', 'application/json', 'schema']
      .map(p => p.replace(/~/g, '~0').replace(/\//g, '~1'))
      .join('/')
    validators.set(key, ajv.compile({ $ref: `github#/${pointer}` }))
  }
  return validators.get(key)
}

/** The answer is one the operation documents, with GitHub's headers and a body its schema accepts. */
function expectDocumented(operationId: string, answer: Answer, status: number): void {
  const operation = DESCRIPTION.operations[operationId]
  expect(operation).toBeDefined()
  expect(answer.status).toBe(status)
  expect(Object.keys(operation?.responses ?? {})).toContain(String(status))
  for (const header of [
    'x-ratelimit-limit',
    'x-ratelimit-remaining',
    'x-ratelimit-reset',
    'x-ratelimit-used'
  ]) {
    expect([header, /^\d+$/.test(answer.headers.get(header) ?? '')]).toEqual([header, true])
  }
  expect(answer.headers.get('x-ratelimit-resource')).toBe('core')
  const response = operation?.responses[String(status)]
  if (response?.content === undefined) {
    expect(answer.text).toBe('')
    return
  }
  if ('application/json' in response.content) {
    expect(answer.headers.get('content-type')).toMatch(/^application\/json; charset=utf-8$/)
    const validate = validator(operationId, String(status))
    if (validate !== undefined && !validate(answer.json)) {
      throw new Error(
        `${operationId} ${status} does not match ${DESCRIPTION.source}:\n${ajv.errorsText(validate.errors, { separator: '\n' })}`
      )
    }
  }
}

let repo: GitRepo
let gh: GitHubEmulator
let baseSha: string
let headSha: string

beforeAll(async () => {
  repo = GitRepo.create()
  repo
    .write('src/app.ts', 'export const a = 1\n')
    .write('old.txt', 'one\ntwo\nthree\n')
    .write('gone.txt', 'bye\n')
  baseSha = repo.commit('base')
  repo.branch('feature').checkout('feature')
  repo.write('src/app.ts', 'export const a = 2\n').write('src/new.ts', 'export const b = 1\n')
  repo.rename('old.txt', 'new.txt').remove('gone.txt')
  headSha = repo.commit('head')
  gh = await GitHubEmulator.start({ repo, owner: OWNER, name: NAME, token: TOKEN })
  gh.addPullRequest({ number: 1, base: 'main', head: 'feature', body: 'A change' })
  gh.addPullRequest({ number: 2, base: baseSha, head: headSha, headRepoFullName: 'alice/demo' })
  gh.addComment(1, { body: '/codex', user: { login: 'alice', type: 'User' } })
  gh.setPermission('alice', 'write')
})

afterAll(async () => {
  await gh?.close()
  repo?.destroy()
})

/** Calls the emulator and holds the answer to the description; returns it for the checks that follow. */
async function expectAnswer(operationId: string, path: string, status: number, options: CallOptions = {}) {
  const answer = await repoCall(gh, path, options)
  expectDocumented(operationId, answer, status)
  return answer
}

describe(`the GitHub emulator against ${DESCRIPTION.source}`, () => {
  it('pulls/get: the JSON form, of a same-repository and of a fork pull request; 404', async () => {
    await expectAnswer('pulls/get', '/pulls/1', 200)
    await expectAnswer('pulls/get', '/pulls/2', 200)
    await expectAnswer('pulls/get', '/pulls/99', 404)
  })

  it('pulls/get with the diff media type: the diff; 406 past the limits', async () => {
    const diff = await repoCall(gh, '/pulls/1', { accept: DIFF_MEDIA })
    expect(diff.status).toBe(200)
    expect(diff.headers.get('content-type')).toBe('application/vnd.github.diff; charset=utf-8')
    const limited = await GitHubEmulator.start({
      repo,
      owner: OWNER,
      name: NAME,
      token: TOKEN,
      diffLimits: { maxFiles: 1, maxLines: 20_000 }
    })
    try {
      limited.addPullRequest({ number: 1, base: 'main', head: 'feature' })
      expectDocumented('pulls/get', await repoCall(limited, '/pulls/1', { accept: DIFF_MEDIA }), 406)
    } finally {
      await limited.close()
    }
  })

  it('pulls/list-files: a page with its Link header', async () => {
    const page = await expectAnswer('pulls/list-files', '/pulls/1/files?per_page=2', 200)
    expect(Object.keys(links(page)).sort()).toEqual(['last', 'next'])
    expect(
      Object.keys(DESCRIPTION.operations['pulls/list-files']?.responses['200']?.headers ?? {})
    ).toContain('Link')
  })

  it('repos/compare-commits: a comparison; 404 for an unknown ref', async () => {
    await expectAnswer('repos/compare-commits', `/compare/${baseSha}...${headSha}`, 200)
    await expectAnswer('repos/compare-commits', '/compare/main...no-such-ref', 404)
  })

  it('repos/compare-commits: files with patches and a rename’s old name; behind; 404 for a commit gone', async () => {
    const ahead = await expectAnswer('repos/compare-commits', `/compare/${baseSha}...${headSha}`, 200)
    const files = (
      ahead.json as { files: { filename: string; previous_filename?: string; patch?: string }[] }
    ).files
    expect(files.find(f => f.filename === 'new.txt')?.previous_filename).toBe('old.txt')
    expect(files.find(f => f.filename === 'src/app.ts')?.patch).toContain('+export const a = 2')
    const behind = await expectAnswer('repos/compare-commits', `/compare/${headSha}...${baseSha}`, 200)
    expect(behind.json).toMatchObject({ status: 'behind', files: [] })
    // A full SHA no branch leads to (a head force-pushed away and collected).
    await expectAnswer('repos/compare-commits', `/compare/${'0'.repeat(40)}...${headSha}`, 404)
  })

  it('git/get-blob: a blob; 404', async () => {
    const files = (await repoCall(gh, '/pulls/1/files')).json as { sha: string }[]
    await expectAnswer('git/get-blob', `/git/blobs/${files[0]?.sha}`, 200)
    await expectAnswer('git/get-blob', `/git/blobs/${'0'.repeat(40)}`, 404)
  })

  it('repos/get-content: a file at a commit; 404', async () => {
    await expectAnswer('repos/get-content', `/contents/old.txt?ref=${baseSha}`, 200)
    await expectAnswer('repos/get-content', `/contents/old.txt?ref=${headSha}`, 404)
  })

  it('issues/list-comments, create-comment, get-comment, update-comment; their errors', async () => {
    const list = await expectAnswer('issues/list-comments', '/issues/1/comments', 200)
    const id = (list.json as { id: number }[])[0]?.id
    await expectAnswer('issues/list-comments', '/issues/99/comments', 404)
    const created = await expectAnswer('issues/create-comment', '/issues/1/comments', 201, {
      body: { body: 'hello' }
    })
    await expectAnswer('issues/create-comment', '/issues/1/comments', 422, { body: { text: 'no body' } })
    await expectAnswer('issues/get-comment', `/issues/comments/${id}`, 200)
    await expectAnswer('issues/get-comment', '/issues/comments/1', 404)
    const own = (created.json as { id: number }).id
    await expectAnswer('issues/update-comment', `/issues/comments/${own}`, 200, {
      method: 'PATCH',
      body: { body: 'edited' }
    })
    await expectAnswer('issues/update-comment', `/issues/comments/${own}`, 422, {
      method: 'PATCH',
      body: { body: 'x'.repeat(65537) }
    })
  })

  it('reactions/create-for-issue-comment: created, already there, invalid content', async () => {
    const id = gh.comments(1)[0]?.id
    await expectAnswer('reactions/create-for-issue-comment', `/issues/comments/${id}/reactions`, 201, {
      body: { content: 'eyes' }
    })
    await expectAnswer('reactions/create-for-issue-comment', `/issues/comments/${id}/reactions`, 200, {
      body: { content: 'eyes' }
    })
    await expectAnswer('reactions/create-for-issue-comment', `/issues/comments/${id}/reactions`, 422, {
      body: { content: 'eye' }
    })
  })

  it('repos/get-collaborator-permission-level: a collaborator, someone without access; 404', async () => {
    await expectAnswer('repos/get-collaborator-permission-level', '/collaborators/alice/permission', 200)
    await expectAnswer('repos/get-collaborator-permission-level', '/collaborators/stranger/permission', 200)
    await expectAnswer(
      'repos/get-collaborator-permission-level',
      '/collaborators/not_a_login/permission',
      404
    )
  })

  it('issues/delete-comment: deleted (and 404 after)', async () => {
    const created = await expectAnswer('issues/create-comment', '/issues/1/comments', 201, {
      body: { body: 'to delete' }
    })
    const id = (created.json as { id: number }).id
    await expectAnswer('issues/delete-comment', `/issues/comments/${id}`, 204, { method: 'DELETE' })
    // GitHub's description lists only 204 for this operation; a second delete answers 404.
    expect((await repoCall(gh, `/issues/comments/${id}`, { method: 'DELETE' })).status).toBe(404)
  })

  it('users/get-authenticated: a personal access token; 403 for an installation token', async () => {
    gh.addToken('ghp_openapi_user_token', { kind: 'pat', user: { login: 'carol', type: 'User' } })
    const user = await call(gh, '/user', { token: 'ghp_openapi_user_token' })
    expectDocumented('users/get-authenticated', user, 200)
    expectDocumented('users/get-authenticated', await call(gh, '/user'), 403)
  })

  it('pulls/create-review, list-reviews, list-review-comments, create-reply-for-review-comment', async () => {
    const review = await expectAnswer('pulls/create-review', '/pulls/1/reviews', 200, {
      body: {
        commit_id: headSha,
        event: 'COMMENT',
        body: 'A review',
        comments: [{ path: 'src/app.ts', line: 1, side: 'RIGHT', body: 'here' }]
      }
    })
    expect((review.json as { state: string }).state).toBe('COMMENTED')
    await expectAnswer('pulls/create-review', '/pulls/1/reviews', 422, {
      body: {
        commit_id: headSha,
        event: 'COMMENT',
        body: 'A review',
        comments: [{ path: 'src/app.ts', line: 99, side: 'RIGHT', body: 'not in the diff' }]
      }
    })
    await expectAnswer('pulls/list-reviews', '/pulls/1/reviews', 200)
    const comments = await expectAnswer('pulls/list-review-comments', '/pulls/1/comments', 200)
    const first = (comments.json as { id: number }[])[0]?.id
    await expectAnswer('pulls/create-reply-for-review-comment', `/pulls/1/comments/${first}/replies`, 201, {
      body: { body: 'a reply' }
    })
  })

  it('pulls/get-review-comment: a thread’s root and a reply by someone else; 404', async () => {
    const { comments } = gh.reviews.addReview(
      1,
      { comments: [{ path: 'src/new.ts', line: 1, body: 'a root' }] },
      { login: 'alice', type: 'User' }
    )
    const root = comments[0]!
    const reply = gh.reviews.addReply(1, root.id, {
      body: '/codex why?',
      user: { login: 'bob', type: 'User' }
    })
    const got = await expectAnswer('pulls/get-review-comment', `/pulls/comments/${root.id}`, 200)
    expect(got.json).toMatchObject({ id: root.id, path: 'src/new.ts', line: 1, user: { login: 'alice' } })
    const replied = await expectAnswer('pulls/get-review-comment', `/pulls/comments/${reply.id}`, 200)
    expect(replied.json).toMatchObject({
      in_reply_to_id: root.id,
      user: { login: 'bob' },
      path: 'src/new.ts'
    })
    await expectAnswer('pulls/get-review-comment', '/pulls/comments/1', 404)
  })

  it('reactions/create-for-pull-request-review-comment: created, already there, invalid content; 404', async () => {
    const root = gh.reviews.comments(1)[0]!
    const path = `/pulls/comments/${root.id}/reactions`
    const op = 'reactions/create-for-pull-request-review-comment'
    await expectAnswer(op, path, 201, { body: { content: 'eyes' } })
    await expectAnswer(op, path, 200, { body: { content: 'eyes' } })
    await expectAnswer(op, path, 422, { body: { content: 'eye' } })
    expect(gh.reactions(root.id).map(r => r.content)).toEqual(['eyes'])
    // The description lists no 404 here; GitHub answers one for an unknown comment.
    expect((await repoCall(gh, '/pulls/comments/1/reactions', { body: { content: 'eyes' } })).status).toBe(
      404
    )
  })
})
