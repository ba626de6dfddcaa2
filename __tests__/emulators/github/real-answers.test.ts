/**
 * The GitHub emulator giving the answers real GitHub gives and its docs do not show: the diff
 * media type's limits on the diff text itself, its 422 `not_available`, files listed without
 * `patch`, and the blob and contents endpoints a patchless file is read from.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { GitHubEmulator, type GitHubEmulatorOptions } from '../../../emulators/github/index.js'
import { GitRepo } from '../../../emulators/github/git-repo.js'
import { DIFF_MEDIA, NAME, OWNER, TOKEN, errorBody, repoCall } from '../../fixtures/github-http.js'

interface FileItem {
  filename: string
  sha: string
  patch?: string
}

let repo: GitRepo
let baseSha: string
let diffText: string
const running: GitHubEmulator[] = []

const rows = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `row ${i} ${tag}\n`).join('')

beforeAll(() => {
  repo = GitRepo.create()
  // Every other line changed: few changed lines, many lines of diff (context around each).
  repo
    .write('sparse.txt', rows(400, 'same'))
    .write('small.txt', 'a\n')
    .write('logo.bin', Uint8Array.from([0, 1, 2]))
  for (let i = 0; i < 4; i++) repo.write(`many/${i}.txt`, `file ${i}\n`)
  baseSha = repo.commit('base')
  repo.branch('feature').checkout('feature')
  repo.write('sparse.txt', rows(400, 'same').replace(/^row (\d*0) same$/gm, 'row $1 changed'))
  repo.write('small.txt', 'b\n').write('logo.bin', Uint8Array.from([0, 1, 3]))
  for (let i = 0; i < 4; i++) repo.write(`many/${i}.txt`, `file ${i} changed\n`)
  repo.commit('head')
  diffText = repo.diff('main', 'feature')
})

afterAll(async () => {
  for (const gh of running.splice(0)) await gh.close()
  repo.destroy()
})

async function emulator(options: Partial<GitHubEmulatorOptions> = {}): Promise<GitHubEmulator> {
  const gh = await GitHubEmulator.start({ repo, owner: OWNER, name: NAME, token: TOKEN, ...options })
  running.push(gh)
  gh.addPullRequest({ number: 1, base: 'main', head: 'feature' })
  return gh
}

describe('the diff media type', () => {
  it("counts the diff's own lines against maxLines, not additions + deletions", async () => {
    const lines = diffText.split('\n').length - 1
    const pull = (await repoCall(await emulator(), '/pulls/1')).json as {
      additions: number
      deletions: number
    }
    expect(pull.additions + pull.deletions).toBeLessThan(lines / 2)
    const over = await emulator({ diffLimits: { maxFiles: 300, maxLines: lines - 1 } })
    const answer = await repoCall(over, '/pulls/1', { accept: DIFF_MEDIA })
    expect(answer.status).toBe(406)
    expect(errorBody(answer).message).toMatch(/maximum number of lines/)
    const at = await emulator({ diffLimits: { maxFiles: 300, maxLines: lines } })
    expect((await repoCall(at, '/pulls/1', { accept: DIFF_MEDIA })).status).toBe(200)
  })

  it('answers 406 past maxBytes of diff text (1 MB by default)', async () => {
    const bytes = Buffer.byteLength(diffText)
    const over = await emulator({ diffLimits: { maxFiles: 300, maxLines: 20_000, maxBytes: bytes - 1 } })
    const answer = await repoCall(over, '/pulls/1', { accept: DIFF_MEDIA })
    expect(answer.status).toBe(406)
    expect(errorBody(answer)).toMatchObject({
      message: expect.stringContaining(`maximum number of bytes (${bytes - 1})`),
      errors: [{ resource: 'PullRequest', field: 'diff', code: 'too_large' }]
    })
    const at = await emulator({ diffLimits: { maxFiles: 300, maxLines: 20_000, maxBytes: bytes } })
    expect((await repoCall(at, '/pulls/1', { accept: DIFF_MEDIA })).text).toBe(diffText)
  })

  it("with diffNotAvailable: GitHub's 422 not_available, whatever the size; the JSON form still answers", async () => {
    const gh = await emulator({ diffNotAvailable: true })
    const answer = await repoCall(gh, '/pulls/1', { accept: DIFF_MEDIA })
    expect(answer.status).toBe(422)
    expect(answer.json).toEqual({
      message: 'Server Error: Sorry, this diff is taking too long to generate.',
      errors: [{ resource: 'PullRequest', field: 'diff', code: 'not_available' }],
      status: '422'
    })
    expect((await repoCall(gh, '/pulls/1')).status).toBe(200)
  })
})

describe('files without a patch', () => {
  it('leaves patch out past patchLimitLines (3000 by default), keeping the counts', async () => {
    const files = (await repoCall(await emulator({ patchLimitLines: 10 }), '/pulls/1/files'))
      .json as FileItem[]
    const byName = new Map(files.map(f => [f.filename, f]))
    expect(byName.get('sparse.txt')).not.toHaveProperty('patch')
    expect(byName.get('sparse.txt')).toMatchObject({ additions: 40, deletions: 40 })
    expect(byName.get('small.txt')?.patch).toBe('@@ -1 +1 @@\n-a\n+b')
    const all = (await repoCall(await emulator(), '/pulls/1/files')).json as FileItem[]
    expect(all.find(f => f.filename === 'sparse.txt')?.patch).toMatch(/^@@ /)
  })

  it('with patchlessPastPageIndex: no patch past that index of a page asking for more files', async () => {
    const gh = await emulator({ patchlessPastPageIndex: 2 })
    // git's order: logo.bin (binary, never a patch), many/0.txt … many/3.txt, small.txt, sparse.txt.
    const big = (await repoCall(gh, '/pulls/1/files?per_page=3')).json as FileItem[]
    expect(big.map(f => [f.filename, 'patch' in f])).toEqual([
      ['logo.bin', false],
      ['many/0.txt', true],
      ['many/1.txt', false]
    ])
    const page2 = (await repoCall(gh, '/pulls/1/files?per_page=3&page=2')).json as FileItem[]
    expect(page2.map(f => 'patch' in f)).toEqual([true, true, false])
    const small = (await repoCall(gh, '/pulls/1/files?per_page=2&page=2')).json as FileItem[]
    expect(small.map(f => [f.filename, 'patch' in f])).toEqual([
      ['many/1.txt', true],
      ['many/2.txt', true]
    ])
  })
})

describe('blobs and contents', () => {
  it("serves a blob base64 in 60-character lines, as GitHub's git data API does", async () => {
    const gh = await emulator()
    const sha = repo.git('rev-parse', 'feature:sparse.txt').trim()
    const answer = await repoCall(gh, `/git/blobs/${sha}`)
    const blob = answer.json as { content: string; encoding: string; size: number; sha: string }
    expect(blob).toMatchObject({
      sha,
      encoding: 'base64',
      size: Buffer.byteLength(repo.git('show', 'feature:sparse.txt'))
    })
    expect(
      blob.content
        .split('\n')
        .slice(0, -1)
        .every(l => l.length <= 60)
    ).toBe(true)
    expect(blob.content.endsWith('\n')).toBe(true)
    expect(Buffer.from(blob.content, 'base64').toString()).toBe(repo.git('show', 'feature:sparse.txt'))
    const binary = repo.git('rev-parse', 'feature:logo.bin').trim()
    const bin = (await repoCall(gh, `/git/blobs/${binary}`)).json as { content: string }
    expect([...Buffer.from(bin.content, 'base64')]).toEqual([0, 1, 3])
    // A commit is no blob.
    expect((await repoCall(gh, `/git/blobs/${baseSha}`)).status).toBe(404)
  })

  it('serves a file at a ref (JSON, or raw), 404 for a directory, a missing file or an unknown ref', async () => {
    const gh = await emulator()
    const file = (await repoCall(gh, `/contents/small.txt?ref=${baseSha}`)).json as Record<string, unknown>
    expect(file).toMatchObject({
      type: 'file',
      path: 'small.txt',
      name: 'small.txt',
      encoding: 'base64',
      content: 'YQo=\n',
      size: 2,
      sha: repo.git('rev-parse', `${baseSha}:small.txt`).trim()
    })
    const raw = await repoCall(gh, '/contents/many%2F1.txt?ref=feature', {
      accept: 'application/vnd.github.raw'
    })
    expect([raw.status, raw.headers.get('content-type'), raw.text]).toEqual([
      200,
      'application/vnd.github.raw',
      'file 1 changed\n'
    ])
    expect((await repoCall(gh, '/contents/many?ref=feature')).status).toBe(404)
    expect((await repoCall(gh, '/contents/nope.txt?ref=feature')).status).toBe(404)
    const unknown = await repoCall(gh, '/contents/small.txt?ref=no-such-ref')
    expect([unknown.status, errorBody(unknown).message]).toEqual([
      404,
      'No commit found for the ref no-such-ref'
    ])
  })
})
