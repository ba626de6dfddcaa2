/** The pull request's facts and "is that head newer than ours?", against the GitHub emulator. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js'
import { getPullRequest, isNewerHead } from '../../src/github/pull-request.js'
import { GitHubEmulator } from '../../emulators/github/index.js'
import { GitRepo } from '../../emulators/github/git-repo.js'

const TOKEN = 'ghs_pull_request_test_token_0123456789'
const REPO = { owner: 'octo-org', repo: 'demo' }

let repo: GitRepo
let gh: GitHubEmulator
let octokit: GitHubClient
let base: string
let one: string
let two: string
let elsewhere: string

beforeAll(async () => {
  repo = GitRepo.create()
  repo.write('a.txt', 'a\n')
  base = repo.commit('base')
  repo.write('a.txt', 'one\n')
  one = repo.commit('one')
  repo.write('a.txt', 'two\n')
  two = repo.commit('two')
  repo.checkout(base)
  repo.write('a.txt', 'rewritten\n')
  elsewhere = repo.commit('rewritten')
  gh = await GitHubEmulator.start({ repo, owner: REPO.owner, name: REPO.repo, token: TOKEN })
  octokit = createGitHubClient({ token: TOKEN, baseUrl: gh.url, log: () => {}, maxRateLimitWait: 3 })
  gh.addPullRequest({ number: 1, base, head: two, title: 'Two', user: { login: 'alice', type: 'User' } })
})

afterAll(async () => {
  await gh.close()
  repo.destroy()
})

describe('getPullRequest', () => {
  it('reads the head, the base and GitHub’s counts', async () => {
    const pr = await getPullRequest(octokit, REPO, 1)
    expect(pr).toMatchObject({
      number: 1,
      headSha: two,
      baseSha: base,
      title: 'Two',
      author: 'alice',
      draft: false
    })
    expect(pr.additions).toBe(1)
    expect(pr.deletions).toBe(1)
    expect(pr.htmlUrl).toMatch(/\/pull\/1$/)
  })
})

describe('isNewerHead', () => {
  it('the pull request’s head now is newer than an older head, never than itself', async () => {
    expect(await isNewerHead(octokit, REPO, 1, one, two)).toBe(true)
    expect(await isNewerHead(octokit, REPO, 1, two, two)).toBe(false)
    expect(await isNewerHead(octokit, REPO, 1, two, one)).toBe(false)
  })

  it('asks the compare API for a head that is not the live one: a descendant is newer, another line or a gone commit is not', async () => {
    gh.addPullRequest({
      number: 2,
      base,
      head: elsewhere,
      title: 'moved',
      user: { login: 'alice', type: 'User' }
    })
    expect(await isNewerHead(octokit, REPO, 2, one, two)).toBe(true)
    expect(await isNewerHead(octokit, REPO, 2, two, one)).toBe(false)
    expect(await isNewerHead(octokit, REPO, 2, one, 'f'.repeat(40))).toBe(false)
  })
})
