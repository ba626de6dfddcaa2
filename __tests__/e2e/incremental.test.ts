/**
 * Paying for what changed (issue 13), end to end through dist/index.js: a push after a review is
 * reviewed incrementally (only the files it changed are sent, the earlier findings on the others
 * carried over, the range in the comment), a force-push gets a full review that says why, a re-run
 * of the incremental review pays nothing again, and the parts go out shortest first.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { GitHubEmulator } from '../../emulators/github/index.js'
import { GitRepo } from '../../emulators/github/git-repo.js'
import { RivyaEmulator } from '../../emulators/rivya/index.js'
import { chatMessages, chatTurns, pullRequestEvent, reviewComments } from './events.js'
import { runAction } from '../../scripts/runner.js'

jest.setTimeout(90_000)

const TOKEN = 'ghs_e2e_incremental_token_0123456789'
const PR = 13
const ACCOUNT = 'acct_test'

let repo: GitRepo
let gh: GitHubEmulator
let rivya: RivyaEmulator
let base: string

const file = (name: string, n: number, tag = '') =>
  Array.from({ length: n }, (_, i) => `export const ${name}${i} = '${tag}${'v'.repeat(30)}'`).join('\n') +
  '\n'

beforeEach(async () => {
  repo = GitRepo.create()
  repo.write('src/a.ts', file('a', 40))
  repo.write('src/b.ts', file('b', 40))
  base = repo.commit('base')
  gh = await GitHubEmulator.start({ repo, owner: 'octo-org', name: 'demo', token: TOKEN })
  rivya = await RivyaEmulator.start()
})

afterEach(async () => {
  await gh?.close()
  await rivya?.close()
  repo?.destroy()
})

function moveTo(head: string): void {
  gh.addPullRequest({ number: PR, base, head, title: 'Grow a and b', user: { login: 'alice', type: 'User' } })
}

function run(action: string, head: string, inputs: Record<string, string> = {}) {
  const payload = pullRequestEvent({ number: PR, head, base, action })
  return runAction({
    eventName: 'pull_request',
    payload,
    githubUrl: gh.url,
    githubToken: TOKEN,
    inputs: { 'rivya-api-key': rivya.validKey, 'api-base-url': rivya.url, ...inputs }
  })
}

const messagesSince = (count: number) => chatMessages(rivya, count)

function commentBody(): string {
  const found = reviewComments(gh, PR)
  expect(found).toHaveLength(1)
  return found[0]!.body
}

/** The PR's first head: both files changed. */
function firstHead(): string {
  repo.write('src/a.ts', file('a', 40, 'first '))
  repo.write('src/b.ts', file('b', 40, 'first '))
  return repo.commit('first')
}

describe('incremental reviews', () => {
  it('after a push reviews only the files it changed, carries the other findings over and shows the range', async () => {
    const one = firstHead()
    moveTo(one)
    expect((await run('opened', one)).code).toBe(0)
    expect(commentBody()).toContain('src/b.ts')
    const before = rivya.requests.length

    repo.write('src/a.ts', file('a', 41, 'first '))
    const two = repo.commit('push')
    moveTo(two)
    const sent = chatTurns(rivya).length
    const result = await run('synchronize', two)
    expect(result.code).toBe(0)
    const messages = messagesSince(sent)
    expect(messages.join('\n')).toContain('=== src/a.ts')
    expect(messages.join('\n')).not.toContain('=== src/b.ts')
    expect(messages[0]).toContain(`Incremental review: changes since ${one.slice(0, 7)} in 1 file(s)`)
    expect(rivya.requests.length).toBeGreaterThan(before)
    const body = commentBody()
    expect(body).toContain(
      `Incremental review: changes since ${one.slice(0, 7)}: 1 file(s); 1 file(s) unchanged`
    )
    expect(body).toMatch(/src\/b\.ts[^\n]*carried over/)
    expect(body).toMatch(/\| This PR so far \| 2 reviews, \d+ credits \|/)

    // A re-run of the incremental review sends the same turns: Rivya replays them.
    const charged = rivya.chargedTurns(ACCOUNT).length
    const again = await run('synchronize', two)
    expect(again.code).toBe(0)
    expect(rivya.chargedTurns(ACCOUNT)).toHaveLength(charged)
  })

  it('after a force-push reviews in full, and says why', async () => {
    const one = firstHead()
    moveTo(one)
    expect((await run('opened', one)).code).toBe(0)
    repo.checkout(base)
    repo.write('src/a.ts', file('a', 40, 'rewritten '))
    repo.write('src/b.ts', file('b', 40, 'rewritten '))
    const rewritten = repo.commit('rewritten')
    moveTo(rewritten)
    const sent = chatTurns(rivya).length
    expect((await run('synchronize', rewritten)).code).toBe(0)
    const all = messagesSince(sent).join('\n')
    expect(all).toContain('=== src/a.ts')
    expect(all).toContain('=== src/b.ts')
    expect(commentBody()).toMatch(/Full review: history was rewritten since [0-9a-f]{7}/)
  })

  it('with incremental: false reviews every push in full', async () => {
    const one = firstHead()
    moveTo(one)
    expect((await run('opened', one, { incremental: 'false' })).code).toBe(0)
    repo.write('src/a.ts', file('a', 41, 'first '))
    const two = repo.commit('push')
    moveTo(two)
    const sent = chatTurns(rivya).length
    expect((await run('synchronize', two, { incremental: 'false' })).code).toBe(0)
    expect(messagesSince(sent).join('\n')).toContain('=== src/b.ts')
  })

  it('sends the shortest part first: the instructions lead it, the last asks for the review', async () => {
    repo.write('src/a.ts', file('a', 120, 'long '))
    repo.write('src/b.ts', file('b', 12, 'short '))
    const head = repo.commit('sizes')
    moveTo(head)
    expect((await run('opened', head, { 'max-message-chars': '3000' })).code).toBe(0)
    const messages = messagesSince(0)
    expect(messages.length).toBeGreaterThan(2)
    const diffLength = (m: string) => m.slice(m.indexOf('<diff>'), m.lastIndexOf('</diff>')).length
    const lengths = messages.map(diffLength)
    expect(lengths).toEqual([...lengths].sort((x, y) => x - y))
    expect(messages[0]).toContain('Review pull request #13')
    expect(messages.at(-1)).toMatch(/findings/i)
  })
})
