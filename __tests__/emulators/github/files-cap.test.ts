/**
 * The GitHub emulator with a pull request of 3050 files: GitHub's caps — the files list stops at
 * 3000, `per_page` at 100, compare's `files` at 300, the diff media type at 300 files (406) — while
 * the pull request's `changed_files` still counts every file.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { GitHubEmulator } from '../../../emulators/github/index.js'
import { GitRepo } from '../../../emulators/github/git-repo.js'
import {
  DIFF_MEDIA,
  NAME,
  OWNER,
  REPO_PATH,
  TOKEN,
  errorBody,
  links,
  repoCall,
  walk
} from '../../fixtures/github-http.js'

const FILES = 3050

let repo: GitRepo
let gh: GitHubEmulator
let names: string[]
let range: string

beforeAll(async () => {
  repo = GitRepo.create()
  repo.write('README.md', '# many files\n')
  const base = repo.commit('base')
  // Two directory levels, so git's order (by path) differs from the order of writing.
  for (let i = 0; i < FILES; i++) repo.write(`d${i % 7}/f${i}.txt`, `file ${i}\n`)
  const head = repo.commit('many files')
  range = `${base}...${head}`
  names = repo
    .git('diff', '--name-only', '-z', range)
    .split('\0')
    .filter(name => name !== '')
  gh = await GitHubEmulator.start({ repo, owner: OWNER, name: NAME, token: TOKEN })
  gh.addPullRequest({ number: 1, base, head })
}, 60_000)

afterAll(async () => {
  await gh?.close()
  repo?.destroy()
})

describe('a pull request of 3050 files', () => {
  it('counts every file in the pull request JSON', async () => {
    const pull = (await repoCall(gh, '/pulls/1')).json as { changed_files: number; additions: number }
    expect(names).toHaveLength(FILES)
    expect(pull.changed_files).toBe(FILES)
    expect(pull.additions).toBe(FILES)
  })

  it('answers the diff media type with 406 too_large at GitHub’s default of 300 files', async () => {
    const answer = await repoCall(gh, '/pulls/1', { accept: DIFF_MEDIA })
    expect(answer.status).toBe(406)
    expect(errorBody(answer).message).toMatch(
      /^Sorry, the diff exceeded the maximum number of files \(300\)\./
    )
    expect(errorBody(answer).errors).toEqual([{ resource: 'PullRequest', field: 'diff', code: 'too_large' }])
  })

  it('caps per_page at 100', async () => {
    const answer = await repoCall(gh, '/pulls/1/files?per_page=500')
    expect(answer.json as unknown[]).toHaveLength(100)
    expect(links(answer)).toEqual({
      next: `${gh.url}${REPO_PATH}/pulls/1/files?per_page=100&page=2`,
      last: `${gh.url}${REPO_PATH}/pulls/1/files?per_page=100&page=30`
    })
  })

  it('lists the first 3000 files, in git’s order, each once; by 30 that is 100 pages', async () => {
    const { items, pages, last } = await walk<{ filename: string }>(
      gh,
      `${REPO_PATH}/pulls/1/files?per_page=100`
    )
    expect(pages).toBe(30)
    expect(items.map(f => f.filename)).toEqual(names.slice(0, 3000))
    expect(links(last).next).toBeUndefined()
    const first = await repoCall(gh, '/pulls/1/files')
    expect(links(first).last).toBe(`${gh.url}${REPO_PATH}/pulls/1/files?per_page=30&page=100`)
  })

  it('has nothing past file 3000', async () => {
    const answer = await repoCall(gh, '/pulls/1/files?per_page=100&page=31')
    expect(answer.status).toBe(200)
    expect(answer.json).toEqual([])
  })

  it('caps compare’s files at 300', async () => {
    const compare = (await repoCall(gh, `/compare/${range}`)).json as {
      files: { filename: string }[]
      ahead_by: number
    }
    expect(compare.ahead_by).toBe(1)
    expect(compare.files.map(f => f.filename)).toEqual(names.slice(0, 300))
  })
})
