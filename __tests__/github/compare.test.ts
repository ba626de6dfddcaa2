/**
 * compareCommits through the real Octokit client against the GitHub emulator, on a repository
 * whose pull request is pushed to, force-pushed and given more files than the compare API lists.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js'
import { COMPARE_FILES_CAP, compareCommits } from '../../src/github/compare.js'
import { GitHubEmulator } from '../../emulators/github/index.js'
import { GitRepo } from '../../emulators/github/git-repo.js'

const TOKEN = 'ghs_compare_test_token_0123456789'
const REPO = { owner: 'octo-org', repo: 'demo' }

let repo: GitRepo
let gh: GitHubEmulator
let octokit: GitHubClient
const sha: Record<string, string> = {}

beforeAll(async () => {
  repo = GitRepo.create()
  repo.write('README.md', '# demo\n').write('src/a.ts', 'export const a = 1\n').write('src/old.ts', 'old\n')
  sha.base = repo.commit('base')
  repo.branch('feature').checkout('feature')
  repo.write('src/a.ts', 'export const a = 2\n')
  sha.first = repo.commit('first push')
  repo.write('src/b.ts', 'export const b = 1\n').rename('src/old.ts', 'src/new.ts')
  sha.second = repo.commit('second push')
  // A force-push: the branch rewritten from the base, the first push no longer under it.
  repo.checkout(sha.base).branch('rewritten').checkout('rewritten')
  repo.write('src/a.ts', 'export const a = 3\n')
  sha.rewritten = repo.commit('rewritten')
  for (let i = 0; i <= COMPARE_FILES_CAP; i++) repo.write(`many/f${i}.txt`, `${i}\n`)
  sha.many = repo.commit('many files')
  gh = await GitHubEmulator.start({ repo, owner: REPO.owner, name: REPO.repo, token: TOKEN })
  octokit = createGitHubClient({ token: TOKEN, baseUrl: gh.url, log: () => {}, maxRateLimitWait: 3 })
})

afterAll(async () => {
  await gh.close()
  repo.destroy()
})

const compare = (base: string, head: string) => compareCommits(octokit, REPO, base, head)

describe('compareCommits', () => {
  it('lists the files a push changed, both names of a rename', async () => {
    const answer = await compare(sha.first as string, sha.second as string)
    expect(answer).toEqual({ status: 'ahead', files: expect.any(Array), diff: expect.any(Array) })
    const files = 'files' in answer ? [...answer.files].sort() : []
    expect(files).toEqual(['src/b.ts', 'src/new.ts', 'src/old.ts'])
    // The changes themselves, as git made them.
    const diff = 'diff' in answer ? answer.diff : []
    expect(diff.map(f => [f.path, f.status, f.previousPath])).toEqual([
      ['src/b.ts', 'added', undefined],
      ['src/new.ts', 'renamed', 'src/old.ts']
    ])
    // GitHub's patches end without a line break.
    expect(diff[0]?.hunks[0]?.body).toBe('+export const b = 1')
    // The request named exactly the range asked for.
    const request = gh.requests.filter(r => r.path.includes('/compare/')).at(-1)
    expect(request?.path).toBe(`/repos/octo-org/demo/compare/${sha.first}...${sha.second}`)
  })

  it('says how the heads relate after a force-push, a step back and no move', async () => {
    expect(await compare(sha.second as string, sha.rewritten as string)).toMatchObject({ status: 'diverged' })
    expect(await compare(sha.second as string, sha.first as string)).toMatchObject({
      status: 'behind',
      files: []
    })
    expect(await compare(sha.first as string, sha.first as string)).toEqual({
      status: 'identical',
      files: [],
      diff: []
    })
  })

  it('answers missing for a commit GitHub does not know', async () => {
    expect(await compare('0123456789abcdef0123456789abcdef01234567', sha.second as string)).toEqual({
      missing: true
    })
  })

  it('marks a list at the cap as truncated', async () => {
    const answer = await compare(sha.rewritten as string, sha.many as string)
    expect(answer).toMatchObject({ status: 'ahead', truncated: true })
    expect('files' in answer ? answer.files : []).toHaveLength(COMPARE_FILES_CAP)
    const small = await compare(sha.base as string, sha.rewritten as string)
    expect(small).toMatchObject({ status: 'ahead', files: ['src/a.ts'] })
    expect('truncated' in small).toBe(false)
  })
})
