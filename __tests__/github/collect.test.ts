/**
 * Collecting a pull request's changes through the real Octokit client (retry and throttling
 * plugins included) from the GitHub emulator over real git repositories: both of GitHub's forms,
 * the fallback from one to the other, and the retries around them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js'
import {
  collectCompareDiff,
  collectPullRequestDiff,
  FILES_LIST_CAP,
  type CollectedDiff
} from '../../src/github/diff-source.js'
import { GitHubEmulator, type GitHubEmulatorOptions } from '../../emulators/github/index.js'
import { GitRepo } from '../../emulators/github/git-repo.js'
import { getPullRequest } from '../../src/github/pull-request.js'
import { DEFAULT_PROMPT_LIMIT, MIN_MESSAGE_CHARS, parseInputs } from '../../src/inputs.js'
import { planWithinTurns } from '../../src/review/budget.js'
import { REASONS } from '../../src/review/filter.js'

const TOKEN = 'ghs_collect_test_token_0123456789'
const OWNER = 'octo-org'
const NAME = 'demo'
const REPO = { owner: OWNER, repo: NAME }
/** Forces the files list: every diff is "too large" for the diff media type. */
const NO_DIFF = { maxFiles: 0, maxLines: 0 }

const running: GitHubEmulator[] = []

async function emulator(options: Omit<GitHubEmulatorOptions, 'owner' | 'name' | 'token'>) {
  const gh = await GitHubEmulator.start({ owner: OWNER, name: NAME, token: TOKEN, ...options })
  running.push(gh)
  return gh
}

afterAll(async () => {
  for (const gh of running.splice(0)) await gh.close()
})

function client(url: string, log: string[] = []): GitHubClient {
  // A short rate-limit ceiling: a wait longer than a test should sit through fails instead.
  return createGitHubClient({ token: TOKEN, baseUrl: url, log: line => log.push(line), maxRateLimitWait: 3 })
}

/** What main.ts does after fetching the pull request: collect the diff with its `changed_files`. */
async function collectPull(url: string, pullNumber: number, log: string[] = []): Promise<CollectedDiff> {
  const gh = client(url, log)
  const pr = await getPullRequest(gh, REPO, pullNumber)
  return collectPullRequestDiff(gh, REPO, pr.number, pr.changedFiles, line => log.push(line))
}

/** The action's own inputs with every default applied, as a workflow without `with:` gives them. */
const inputs = parseInputs(name => (name === 'rivya-api-key' ? 'rk_test' : ''))

/** What the review sends and reports, planned as main.ts plans it. */
function reviewOf(diff: CollectedDiff, limit: number) {
  const plan = planWithinTurns(
    diff.files,
    {
      include: inputs.include,
      exclude: inputs.exclude,
      limit,
      pullNumber: 1,
      title: 'Awkward changes',
      extraInstructions: inputs.extraInstructions
    },
    inputs.maxTurns
  )
  return { messages: plan.messages.map(m => m.text), files: plan.full.files, skipped: plan.full.skipped }
}

function lines(count: number, text: (i: number) => string): string {
  return Array.from({ length: count }, (_, i) => `${text(i)}\n`).join('')
}

describe('collectPullRequestDiff, from the diff media type and from the files list', () => {
  let repo: GitRepo
  let base: string
  let head: string

  beforeAll(() => {
    repo = GitRepo.create()
    repo
      .write('old name.txt', 'same\ncontent\nfor\na\nrename\n')
      .write('moved.ts', 'export const a = 1\nexport const b = 2\nexport const c = 3\nexport const d = 4\n')
      .write('crlf.txt', 'a\r\nb\r\nc\r\n')
      .write('nonl.txt', 'x\ny')
      .write('gone.txt', 'bye\nnow\n')
      .write('run.sh', '#!/bin/sh\necho hi\n')
      .write('fixture.raw', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]))
      .write(
        'src/long.ts',
        lines(120, i => `export const value${i} = compute(${i}) // line ${i}`)
      )
    base = repo.commit('base')
    repo.branch('feature').checkout('feature')
    repo
      .rename('old name.txt', 'dir/new näme.txt')
      .rename('moved.ts', 'src/moved.ts')
      .write(
        'src/moved.ts',
        'export const a = 1\nexport const b = 2\nexport const c = 3\nexport const d = 5\n'
      )
      .write('crlf.txt', 'a\r\nB\r\nc\r\n')
      .write('nonl.txt', 'x\nz')
      .remove('gone.txt')
      .chmod('run.sh', 0o755)
      .write('fixture.raw', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 9, 9, 9, 0]))
      .write('a b/ünï "quoted".ts', 'export const greeting = "grüß dich"\n')
      .write('empty.txt', '')
      .write(
        'src/long.ts',
        lines(120, i => `export const value${i} = compute(${i}) // line ${i}${i % 3 === 0 ? ' changed' : ''}`)
      )
    head = repo.commit('awkward changes')
  })

  afterAll(() => repo.destroy())

  it('leads to the same review whichever form GitHub gives', async () => {
    const viaDiff = await emulator({ repo })
    viaDiff.addPullRequest({ number: 1, base, head })
    const viaList = await emulator({ repo, diffLimits: NO_DIFF })
    viaList.addPullRequest({ number: 1, base, head })

    const fromDiff = await collectPull(viaDiff.url, 1)
    const fromList = await collectPull(viaList.url, 1)
    expect([fromDiff.source, fromList.source]).toEqual(['diff', 'files'])
    expect(fromList.unlisted).toBeUndefined()

    const entries = (d: CollectedDiff) => d.files.map(f => [f.path, f.status, f.previousPath])
    expect(entries(fromDiff)).toEqual([
      ['a b/ünï "quoted".ts', 'added', undefined],
      ['crlf.txt', 'modified', undefined],
      ['dir/new näme.txt', 'renamed', 'old name.txt'],
      ['empty.txt', 'added', undefined],
      ['fixture.raw', 'modified', undefined],
      ['gone.txt', 'removed', undefined],
      ['nonl.txt', 'modified', undefined],
      ['run.sh', 'changed', undefined],
      ['src/long.ts', 'modified', undefined],
      ['src/moved.ts', 'renamed', 'moved.ts']
    ])
    expect(entries(fromList)).toEqual(entries(fromDiff))

    // The files list has no header lines (`index`, modes, similarity) and no `\n` after a
    // patch's last line, and it cannot tell a binary file from one too large to diff; none of
    // that reaches the review, so the comparison is of what the review sends and reports.
    // Nor can it tell a pure move from a binary file moved and changed (both come without a patch
    // and with 0 lines), nor say what a mode change was: those two are compared apart.
    const [move, mode] = ['dir/new näme.txt', 'run.sh']
    const others = (d: CollectedDiff) => ({
      ...d,
      files: d.files.filter(f => f.path !== move && f.path !== mode)
    })
    for (const limit of [DEFAULT_PROMPT_LIMIT, MIN_MESSAGE_CHARS]) {
      const a = reviewOf(others(fromDiff), limit)
      const b = reviewOf(others(fromList), limit)
      expect(b.messages).toEqual(a.messages)
      expect(b.files).toEqual(a.files)
      // A binary file has no patch in the list; its blobs show it is binary.
      expect(b.skipped).toEqual(a.skipped)
    }

    // GitHub leaves `patch` out of large files; with every patch left out, the blob diffs must
    // give the review git's own diff: the same messages, the same files, the same reasons.
    const noPatches = await emulator({ repo, diffLimits: NO_DIFF, patchLimitLines: 0 })
    noPatches.addPullRequest({ number: 1, base, head })
    const fromBlobs = await collectPull(noPatches.url, 1)
    expect(noPatches.requests.some(r => r.path.includes('/git/blobs/'))).toBe(true)
    expect(entries(fromBlobs)).toEqual(entries(fromDiff))
    // The files list cannot say what a mode change was, blobs or not: compared apart, below.
    const withoutMode = (d: CollectedDiff) => ({ ...d, files: d.files.filter(f => f.path !== mode) })
    for (const limit of [DEFAULT_PROMPT_LIMIT, MIN_MESSAGE_CHARS]) {
      expect(reviewOf(withoutMode(fromBlobs), limit)).toEqual(reviewOf(withoutMode(fromDiff), limit))
    }
    // Equal blobs show the move is pure: reviewed as a rename, not skipped as a possible binary.
    const blobReview = reviewOf(fromBlobs, DEFAULT_PROMPT_LIMIT)
    expect(blobReview.skipped.find(s => s.path === move)).toBeUndefined()
    expect(blobReview.messages[0]).toContain(
      '=== dir/new näme.txt (renamed from old name.txt, no content change)\n'
    )
    expect(blobReview.messages[0]).toContain('=== run.sh (mode or type changed, no content change)\n')
    const listed = reviewOf(fromList, DEFAULT_PROMPT_LIMIT)
    // The list's patchless move goes through the same blob check.
    expect(listed.skipped.find(s => s.path === move)).toBeUndefined()
    expect(listed.messages[0]).toContain(
      '=== dir/new näme.txt (renamed from old name.txt, no content change)\n'
    )
    expect(listed.messages[0]).toContain('=== run.sh (mode or type changed, no content change)\n')

    const whole = reviewOf(fromDiff, DEFAULT_PROMPT_LIMIT)
    expect(whole.messages).toHaveLength(1)
    expect(whole.skipped).toEqual([
      { path: 'fixture.raw', reason: REASONS.binary },
      { path: 'gone.txt', reason: REASONS.deleted }
    ])
    const text = whole.messages[0] as string
    for (const header of [
      '=== "a b/ünï \\"quoted\\".ts" (new file)\n',
      '=== dir/new näme.txt (renamed from old name.txt, no content change)\n',
      '=== empty.txt (new file, empty)\n',
      '=== gone.txt (deleted: 2 lines removed, not shown)\n',
      '=== run.sh (mode 100644 → 100755, now executable, no content change)\n',
      '=== src/moved.ts (renamed from moved.ts)\n'
    ]) {
      expect(text).toContain(header)
    }
    expect(text).toContain('\n a\r\n-b\r\n+B\r\n c\r\n')
    expect(text).toContain('\n-y\n\\ No newline at end of file\n+z\n\\ No newline at end of file\n')
    // The small limit splits src/long.ts between messages, which both forms must do alike.
    expect(reviewOf(fromDiff, MIN_MESSAGE_CHARS).messages.length).toBeGreaterThan(2)
  }, 30_000)
})

describe('the files-list fallback', () => {
  const TINY = 3018
  let repo: GitRepo
  let gh: GitHubEmulator
  let diff: CollectedDiff
  const log: string[] = []

  beforeAll(async () => {
    repo = GitRepo.create()
    repo
      .write('README.md', '# many files\n')
      .write(
        'a/big.txt',
        lines(400, i => `row ${i}`)
      )
      .write('a/logo.raw', Uint8Array.from([0, 1, 2, 3, 255]))
    const base = repo.commit('base')
    repo.branch('feature').checkout('feature')
    repo.write(
      'a/big.txt',
      lines(400, i => `row ${i} changed`)
    )
    repo.write('a/logo.raw', Uint8Array.from([0, 1, 2, 3, 254]))
    for (let i = 0; i < TINY; i++) repo.write(`f/${String(i).padStart(4, '0')}.txt`, `file ${i}\n`)
    const head = repo.commit('3020 files')
    // Default diff limits: 3020 files are over GitHub's 300, so the diff media type answers 406.
    gh = await emulator({ repo, patchLimitBytes: 4000 })
    gh.addPullRequest({ number: 9, base, head })
    diff = await collectPull(gh.url, 9, log)
  }, 60_000)

  afterAll(() => repo.destroy())

  it(`reads 100 files a page up to GitHub's ${FILES_LIST_CAP}-file cap and says how many are missing`, () => {
    expect(diff.source).toBe('files')
    expect(diff.files).toHaveLength(FILES_LIST_CAP)
    expect(diff.unlisted).toBe(
      `GitHub lists at most ${FILES_LIST_CAP} files of a pull request; 20 more files were not reviewed.`
    )
    expect(log).toEqual([
      'GitHub says the diff of #9 is too large for one answer; reading the files list instead.'
    ])

    const diffRequests = gh.requests.filter(r => r.path.endsWith('/pulls/9') && r.accept.includes('diff'))
    expect(diffRequests.map(r => r.status)).toEqual([406])
    const pages = gh.requests.filter(r => r.path.endsWith('/pulls/9/files'))
    const query = (q: string) => new URLSearchParams(q)
    expect(pages.map(r => query(r.query).get('per_page'))).toEqual(Array(30).fill('100'))
    expect(pages.map(r => Number(query(r.query).get('page') ?? '1'))).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 1)
    )
    expect(pages.every(r => r.status === 200)).toBe(true)
  })

  it('diffs a text file over the patch limit from its blobs and lists a binary one as binary', () => {
    const [big, logo] = diff.files
    expect(big).toMatchObject({ path: 'a/big.txt', patchMissing: false, additions: 400, deletions: 400 })
    expect(big?.hunks.map(h => [h.oldStart, h.oldLines, h.newStart, h.newLines])).toEqual([[1, 400, 1, 400]])
    expect(logo).toMatchObject({ path: 'a/logo.raw', binary: true, patchMissing: false, hunks: [] })
    const review = reviewOf(diff, DEFAULT_PROMPT_LIMIT)
    expect(review.skipped).toEqual([{ path: 'a/logo.raw', reason: REASONS.binary }])
    expect(review.files).toHaveLength(FILES_LIST_CAP - 1)
    expect(review.files.slice(0, 2)).toEqual(['a/big.txt', 'f/0000.txt'])
  })
})

describe('requests that fail', () => {
  let repo: GitRepo
  let base: string
  let head: string

  beforeAll(() => {
    repo = GitRepo.create()
    repo.write('src/app.ts', 'export const a = 1\n')
    base = repo.commit('base')
    repo.branch('feature').checkout('feature')
    repo.write('src/app.ts', 'export const a = 2\n').write('src/new.ts', 'export const b = 1\n')
    head = repo.commit('change')
  })

  afterAll(() => repo.destroy())

  const diffGets = (gh: GitHubEmulator) =>
    gh.requests.filter(r => r.method === 'GET' && r.path.endsWith('/pulls/3') && r.accept.includes('diff'))

  it('asks for the diff once when GitHub says it is too large (406 is final)', async () => {
    const gh = await emulator({ repo, diffLimits: NO_DIFF })
    gh.addPullRequest({ number: 3, base, head })
    const diff = await collectPull(gh.url, 3)
    expect(diff.files.map(f => f.path)).toEqual(['src/app.ts', 'src/new.ts'])
    expect(diffGets(gh).map(r => r.status)).toEqual([406])
  })

  it("falls back to the files list on GitHub's 422 not_available, asking for the diff once", async () => {
    const gh = await emulator({ repo, diffNotAvailable: true })
    gh.addPullRequest({ number: 3, base, head })
    const log: string[] = []
    const diff = await collectPull(gh.url, 3, log)
    expect(diff.source).toBe('files')
    expect(diff.files.map(f => [f.path, f.additions, f.deletions])).toEqual([
      ['src/app.ts', 1, 1],
      ['src/new.ts', 1, 0]
    ])
    expect(diffGets(gh).map(r => r.status)).toEqual([422])
    expect(log).toEqual([
      'GitHub says the diff of #3 is taking too long to generate; reading the files list instead.'
    ])
  })

  it('retries a 500 on a GET and then succeeds', async () => {
    const gh = await emulator({ repo })
    gh.addPullRequest({ number: 3, base, head })
    const octokit = client(gh.url)
    gh.injectFault({ status: 500, method: 'GET', pathPattern: /\/pulls\/3$/ })
    const diff = await collectPullRequestDiff(octokit, REPO, 3, 2, () => {})
    expect(diff.source).toBe('diff')
    expect(diff.files.map(f => f.path)).toEqual(['src/app.ts', 'src/new.ts'])
    expect(diffGets(gh).map(r => r.status)).toEqual([500, 200])
  })

  it.each([403, 429] as const)(
    'waits out a secondary rate limit (%i) for as long as retry-after says, then succeeds',
    async status => {
      const gh = await emulator({ repo })
      gh.addPullRequest({ number: 3, base, head })
      const log: string[] = []
      gh.injectFault({ status, secondary: true, retryAfter: 1, method: 'GET', pathPattern: /\/pulls\/3$/ })
      const diff = await collectPullRequestDiff(client(gh.url, log), REPO, 3, 2, () => {})
      expect(diff.files).toHaveLength(2)
      const [first, second] = diffGets(gh)
      expect([first?.status, second?.status, diffGets(gh).length]).toEqual([status, 200, 2])
      expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(900)
      // The throttling plugin, not a blind retry, handled it: it is the one that reports.
      expect(log).toEqual([expect.stringMatching(/^GitHub secondary rate limit on GET .*: retrying in 1 s$/)])
    }
  )

  it('gives up on a rate limit that asks for a longer wait than maxRateLimitWait', async () => {
    const gh = await emulator({ repo })
    gh.addPullRequest({ number: 3, base, head })
    const log: string[] = []
    gh.injectFault({
      status: 403,
      secondary: true,
      retryAfter: 60,
      method: 'GET',
      pathPattern: /\/pulls\/3$/
    })
    await expect(collectPullRequestDiff(client(gh.url, log), REPO, 3, 2, () => {})).rejects.toMatchObject({
      status: 403
    })
    expect(diffGets(gh)).toHaveLength(1)
    expect(log).toEqual([expect.stringMatching(/secondary rate limit on GET .*: giving up$/)])
  })
})

describe('collectCompareDiff', () => {
  let repo: GitRepo
  let base: string
  let first: string
  let second: string

  beforeAll(() => {
    repo = GitRepo.create()
    repo.write(
      'src/app.ts',
      lines(10, i => `export const v${i} = ${i}`)
    )
    base = repo.commit('base')
    repo.branch('feature').checkout('feature')
    repo.write('src/first.ts', 'export const first = 1\n')
    repo.write(
      'src/app.ts',
      lines(10, i => `export const v${i} = ${i === 2 ? 'two' : i}`)
    )
    first = repo.commit('first review')
    repo.write('src/second.ts', 'export const second = 2\n')
    repo.write(
      'src/app.ts',
      lines(10, i => `export const v${i} = ${({ 2: 'two', 8: 'eight' } as Record<number, string>)[i] ?? i}`)
    )
    repo.rename('src/first.ts', 'src/renamed.ts')
    second = repo.commit('since the first review')
  })

  afterAll(() => repo.destroy())

  const shape = (d: CollectedDiff) =>
    d.files.map(f => ({
      path: f.path,
      status: f.status,
      previousPath: f.previousPath,
      additions: f.additions,
      deletions: f.deletions
    }))

  const SINCE_FIRST = [
    { path: 'src/app.ts', status: 'modified', previousPath: undefined, additions: 1, deletions: 1 },
    { path: 'src/renamed.ts', status: 'renamed', previousPath: 'src/first.ts', additions: 0, deletions: 0 },
    { path: 'src/second.ts', status: 'added', previousPath: undefined, additions: 1, deletions: 0 }
  ]

  it('returns only the changes newer than the base commit', async () => {
    const gh = await emulator({ repo })
    const octokit = client(gh.url)
    const newer = await collectCompareDiff(octokit, REPO, first, second, () => {})
    expect(newer.source).toBe('diff')
    expect(shape(newer)).toEqual(SINCE_FIRST)
    const hunk = newer.files[0]?.hunks[0]?.body ?? ''
    expect(hunk).toContain('-export const v8 = 8\n+export const v8 = eight\n')
    expect(hunk).not.toContain('+export const v2 = two')

    // From the branch's start, the first commit's changes are there too.
    const all = await collectCompareDiff(octokit, REPO, base, second, () => {})
    expect(all.files.map(f => f.path)).toEqual(['src/app.ts', 'src/renamed.ts', 'src/second.ts'])
    expect(all.files[2]?.status).toBe('added')
    expect(all.files[1]?.status).toBe('added')
  })

  it('falls back to the compare files list when the diff is too large', async () => {
    const gh = await emulator({ repo, diffLimits: NO_DIFF })
    const log: string[] = []
    const diff = await collectCompareDiff(client(gh.url), REPO, first, second, line => log.push(line))
    expect(diff.source).toBe('files')
    expect(diff.unlisted).toBeUndefined()
    expect(shape(diff)).toEqual(SINCE_FIRST)
    expect(diff.files[0]?.hunks[0]?.body).toContain('-export const v8 = 8\n+export const v8 = eight')
    expect(log).toEqual([
      `GitHub says the diff ${first}...${second} is too large for one answer; reading the compare files list instead.`
    ])
    const compares = gh.requests.filter(r => r.path.includes('/compare/'))
    expect(compares.map(r => [r.accept.includes('diff'), r.status])).toEqual([
      [true, 406],
      [false, 200]
    ])
  })

  it("falls back to the compare files list on GitHub's 422 not_available, diffing patchless files from blobs", async () => {
    const gh = await emulator({ repo, diffNotAvailable: true, patchLimitLines: 0 })
    const log: string[] = []
    const diff = await collectCompareDiff(client(gh.url), REPO, first, second, line => log.push(line))
    expect(diff.source).toBe('files')
    expect(shape(diff)).toEqual(SINCE_FIRST)
    expect(diff.files[0]?.hunks[0]?.body).toContain('-export const v8 = 8\n+export const v8 = eight')
    expect(log).toEqual([
      `GitHub says the diff ${first}...${second} is taking too long to generate; reading the compare files list instead.`
    ])
  })
})
