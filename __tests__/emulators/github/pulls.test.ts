/**
 * The GitHub emulator's pull-request and compare endpoints against git itself: the PR as JSON and
 * as a diff, the 406 "diff too large", the files list (pagination, statuses, patches) and compare.
 * Every expected value is computed here by running git on the same repository.
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
  walk,
  type Answer
} from '../../fixtures/github-http.js'

const PATCH_LIMIT = 4096
const GENERATED = 40

interface FileItem {
  sha: string
  filename: string
  previous_filename?: string
  status: string
  additions: number
  deletions: number
  changes: number
  patch?: string
  blob_url: string
  raw_url: string
  contents_url: string
}

interface PullJson {
  url: string
  html_url: string
  diff_url: string
  number: number
  state: string
  draft: boolean
  title: string
  body: string | null
  user: { login: string; type: string }
  head: { sha: string; ref: string; repo: { full_name: string; fork: boolean } }
  base: { sha: string; ref: string; repo: { full_name: string; fork: boolean } }
  changed_files: number
  additions: number
  deletions: number
}

let repo: GitRepo
let gh: GitHubEmulator
let mergeBase: string
let featureSha: string
let mainSha: string

/**
 * main: a base commit, then one more commit (README) after the feature branch left it.
 * feature: two commits with every kind of change the files list distinguishes.
 */
function buildRepo(): void {
  repo = GitRepo.create()
  repo.write('README.md', '# demo\n')
  repo.write(
    'src/app.ts',
    lines(20, i => `export const v${i} = ${i}`)
  )
  repo.write('src/old.ts', 'export const old = 1\nexport const older = 2\n')
  repo.write(
    'src/moved.ts',
    lines(12, i => `export const moved${i} = '${'m'.repeat(20)}'`)
  )
  repo.write(
    'docs/guide.md',
    lines(8, i => `Guide line ${i}`)
  )
  repo.write('bin/run.sh', '#!/bin/sh\necho run\n')
  repo.chmod('bin/run.sh', 0o644)
  repo.write(
    'big.txt',
    lines(3000, i => `line ${i}`)
  )
  mergeBase = repo.commit('base')

  repo.branch('feature').checkout('feature')
  repo.write(
    'src/app.ts',
    lines(20, i => `export const v${i} = ${i % 5 === 1 ? i * 2 : i}`)
  )
  repo.remove('src/old.ts')
  repo.rename('src/moved.ts', 'lib/moved.ts')
  repo.write(
    'lib/moved.ts',
    lines(12, i => `export const moved${i} = '${i === 3 ? 'changed' : 'm'.repeat(20)}'`)
  )
  repo.rename('docs/guide.md', 'docs/manual.md')
  repo.chmod('bin/run.sh', 0o755)
  repo.commit('feature one')
  repo.write(
    'big.txt',
    lines(3000, i => `LINE ${i}`)
  )
  repo.write('logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 0, 0, 255]))
  repo.write('src/new.ts', 'export function add(a: number, b: number) {\n  return a + b\n}\n')
  repo.write('docs/ünïcode.md', 'hallo\n')
  for (let i = 0; i < GENERATED; i++)
    repo.write(`gen/file${String(i).padStart(2, '0')}.ts`, `export const g${i} = ${i}\n`)
  featureSha = repo.commit('feature two')

  repo.checkout('main')
  repo.write('README.md', '# demo, moved on\n')
  mainSha = repo.commit('main moves on')
}

function lines(n: number, line: (i: number) => string): string {
  return Array.from({ length: n }, (_, i) => `${line(i)}\n`).join('')
}

/** What git itself says about `base...head`. */
function gitView(range: string) {
  const names = repo
    .git('diff', '--name-only', '-z', '-M', range)
    .split('\0')
    .filter(name => name !== '')
  const numstat = repo
    .git('diff', '--numstat', '-M', range)
    .split('\n')
    .filter(line => line !== '')
    .map(line => line.split('\t'))
  const count = (column: 0 | 1) =>
    numstat.reduce((n, c) => n + (c[column] === '-' ? 0 : Number(c[column])), 0)
  return { names, additions: count(0), deletions: count(1), diff: repo.git('diff', '-M', range) }
}

/** The hunks of git's diff for some paths, as GitHub's `patch` holds them (no headers, no final newline). */
function hunks(range: string, ...paths: string[]): string {
  const text = repo.git('diff', '-M', range, '--', ...paths)
  const start = text.search(/^@@ /m)
  if (start < 0) throw new Error(`no hunks for ${paths.join(' ')}`)
  return text.slice(start).replace(/\n$/, '')
}

function blob(rev: string, path: string): string {
  return repo.git('rev-parse', `${rev}:${path}`).trim()
}

beforeAll(async () => {
  buildRepo()
  gh = await GitHubEmulator.start({
    repo,
    owner: OWNER,
    name: NAME,
    token: TOKEN,
    patchLimitBytes: PATCH_LIMIT
  })
  gh.addPullRequest({ number: 1, base: 'main', head: 'feature', title: 'Feature', body: 'Adds things' })
  gh.addPullRequest({
    number: 2,
    base: mergeBase,
    head: featureSha,
    draft: true,
    state: 'closed',
    user: { login: 'alice', type: 'User' },
    headRepoFullName: 'alice/demo'
  })
})

afterAll(async () => {
  await gh?.close()
  repo?.destroy()
})

describe('GET /pulls/{n} as JSON', () => {
  it('gives the numbers, the SHAs and git’s totals', async () => {
    const answer = await repoCall(gh, '/pulls/1')
    expect(answer.status).toBe(200)
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8')
    const pull = answer.json as PullJson
    const git = gitView('main...feature')
    expect(pull).toMatchObject({
      url: `${gh.url}${REPO_PATH}/pulls/1`,
      html_url: 'https://github.com/octo-org/demo/pull/1',
      diff_url: 'https://github.com/octo-org/demo/pull/1.diff',
      number: 1,
      state: 'open',
      draft: false,
      title: 'Feature',
      body: 'Adds things',
      user: { login: 'octocat', type: 'User' }
    })
    expect(pull.head).toMatchObject({
      sha: featureSha,
      ref: 'feature',
      repo: { full_name: 'octo-org/demo', fork: false }
    })
    expect(pull.base).toMatchObject({
      sha: mainSha,
      ref: 'main',
      repo: { full_name: 'octo-org/demo', fork: false }
    })
    expect(pull.head.sha).toBe(repo.git('rev-parse', 'feature').trim())
    expect(pull.base.sha).toBe(repo.git('rev-parse', 'main').trim())
    // app.ts, old.ts, moved.ts, guide.md, run.sh, big.txt, logo.png, new.ts, ünïcode.md and the generated files.
    expect(pull.changed_files).toBe(9 + GENERATED)
    expect(pull.changed_files).toBe(git.names.length)
    expect(pull.additions).toBe(git.additions)
    expect(pull.deletions).toBe(git.deletions)
    // README.md changed on main after the branch point: not part of the pull request.
    expect(git.names).not.toContain('README.md')
  })

  it('carries draft, state, author and a fork head; a SHA head gets a branch-like ref', async () => {
    const pull = (await repoCall(gh, '/pulls/2')).json as PullJson
    expect(pull).toMatchObject({
      number: 2,
      draft: true,
      state: 'closed',
      user: { login: 'alice', type: 'User' }
    })
    expect(pull.head).toMatchObject({
      sha: featureSha,
      ref: 'feature-2',
      repo: { full_name: 'alice/demo', fork: true }
    })
    expect(pull.base.sha).toBe(mergeBase)
  })

  it('addPullRequest returns the same JSON the endpoint serves', async () => {
    const seeded = gh.addPullRequest({ number: 3, base: 'main', head: 'feature' })
    expect((await repoCall(gh, '/pulls/3')).json).toEqual(seeded)
  })

  it('answers 404 for an unknown pull request, in both media types', async () => {
    for (const accept of [undefined, DIFF_MEDIA]) {
      const answer = await repoCall(gh, '/pulls/999', { accept })
      expect(answer.status).toBe(404)
      expect(errorBody(answer)).toEqual({
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest',
        status: '404'
      })
    }
  })
})

describe('GET /pulls/{n} with the diff media type', () => {
  it('is exactly `git diff base...head -M`', async () => {
    const answer = await repoCall(gh, '/pulls/1', { accept: DIFF_MEDIA })
    expect(answer.status).toBe(200)
    expect(answer.headers.get('content-type')).toBe('application/vnd.github.diff; charset=utf-8')
    expect(answer.text).toBe(gitView('main...feature').diff)
    expect(answer.text).toContain('rename from src/moved.ts')
    expect(answer.headers.get('content-length')).toBe(String(Buffer.byteLength(answer.text)))
  })

  it('accepts the v3 spelling of the media type', async () => {
    const answer = await repoCall(gh, '/pulls/1', { accept: 'application/vnd.github.v3.diff' })
    expect(answer.status).toBe(200)
    expect(answer.text).toBe(gitView('main...feature').diff)
  })
})

describe('406 too_large past the diff limits', () => {
  async function withLimits(
    maxFiles: number,
    maxLines: number,
    check: (limited: GitHubEmulator) => Promise<void>
  ) {
    const limited = await GitHubEmulator.start({
      repo,
      owner: OWNER,
      name: NAME,
      token: TOKEN,
      diffLimits: { maxFiles, maxLines }
    })
    try {
      limited.addPullRequest({ number: 1, base: 'main', head: 'feature' })
      await check(limited)
    } finally {
      await limited.close()
    }
  }

  function expectTooLarge(answer: Answer, what: string): void {
    expect(answer.status).toBe(406)
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(errorBody(answer)).toEqual({
      message: `Sorry, the diff exceeded the maximum number of ${what}. Consider using 'List pull requests files' API or locally cloning the repository instead.`,
      errors: [{ resource: 'PullRequest', field: 'diff', code: 'too_large' }],
      documentation_url: 'https://docs.github.com/rest/pulls/pulls#list-pull-requests-files',
      status: '406'
    })
  }

  it('one file over maxFiles: 406 files; exactly maxFiles: 200', async () => {
    const git = gitView('main...feature')
    const files = git.names.length
    await withLimits(files - 1, 1_000_000, async limited => {
      const answer = await repoCall(limited, '/pulls/1', { accept: DIFF_MEDIA })
      expectTooLarge(answer, `files (${files - 1})`)
      expect(errorBody(answer).errors?.[0]?.code).toBe('too_large')
      // The JSON form of the same pull request is not limited.
      const json = await repoCall(limited, '/pulls/1')
      expect(json.status).toBe(200)
      expect((json.json as PullJson).changed_files).toBe(files)
    })
    await withLimits(files, 1_000_000, async limited => {
      expect((await repoCall(limited, '/pulls/1', { accept: DIFF_MEDIA })).status).toBe(200)
    })
  })

  it('one line of the diff over maxLines: 406 lines; exactly maxLines: 200', async () => {
    const git = gitView('main...feature')
    // The diff's own lines (headers and context too), not additions + deletions: GitHub answered
    // 406 for 16,559 changed lines (pascalgn/size-label-action#53).
    const total = git.diff.split('\n').length - 1
    expect(total).toBeGreaterThan(git.additions + git.deletions)
    await withLimits(1000, total - 1, async limited => {
      expectTooLarge(await repoCall(limited, '/pulls/1', { accept: DIFF_MEDIA }), `lines (${total - 1})`)
      expect((await repoCall(limited, '/pulls/1')).status).toBe(200)
    })
    await withLimits(1000, total, async limited => {
      const answer = await repoCall(limited, '/pulls/1', { accept: DIFF_MEDIA })
      expect(answer.status).toBe(200)
      expect(answer.text).toBe(git.diff)
    })
  })
})

describe('GET /pulls/{n}/files', () => {
  it('pages by 30 by default with a Link header whose URLs work', async () => {
    const total = 9 + GENERATED
    const first = await repoCall(gh, '/pulls/1/files')
    expect(first.status).toBe(200)
    expect(first.json as FileItem[]).toHaveLength(30)
    const url = (page: number) => `${gh.url}${REPO_PATH}/pulls/1/files?per_page=30&page=${page}`
    expect(first.headers.get('link')).toBe(`<${url(2)}>; rel="next", <${url(2)}>; rel="last"`)

    const second = await repoCall(gh, '/pulls/1/files?page=2')
    expect(second.json as FileItem[]).toHaveLength(total - 30)
    expect(second.headers.get('link')).toBe(`<${url(1)}>; rel="prev", <${url(1)}>; rel="first"`)

    const followed = await walk<FileItem>(gh, links(first).next as string)
    expect(followed.items).toEqual(second.json)
    const back = await walk<FileItem>(gh, links(second).first as string)
    expect(back.items.map(f => f.filename)).toEqual(gitView('main...feature').names)
  })

  it('a middle page links to all four: prev, next, last, first', async () => {
    const page = await repoCall(gh, '/pulls/1/files?per_page=10&page=3')
    const url = (p: number) => `${gh.url}${REPO_PATH}/pulls/1/files?per_page=10&page=${p}`
    expect(page.headers.get('link')).toBe(
      `<${url(2)}>; rel="prev", <${url(4)}>; rel="next", <${url(5)}>; rel="last", <${url(1)}>; rel="first"`
    )
    const names = gitView('main...feature').names
    expect((page.json as FileItem[]).map(f => f.filename)).toEqual(names.slice(20, 30))
  })

  it('walking every page gives each file exactly once, in git’s order', async () => {
    const { items, pages } = await walk<FileItem>(gh, `${REPO_PATH}/pulls/1/files?per_page=7`)
    expect(pages).toBe(Math.ceil((9 + GENERATED) / 7))
    const names = items.map(f => f.filename)
    expect(names).toEqual(gitView('main...feature').names)
    expect(new Set(names).size).toBe(names.length)
  })

  it('a page past the end is an empty list', async () => {
    const answer = await repoCall(gh, '/pulls/1/files?per_page=100&page=2')
    expect(answer.status).toBe(200)
    expect(answer.json).toEqual([])
  })

  describe('each file as git sees it', () => {
    let files: Map<string, FileItem>

    beforeAll(async () => {
      const { items } = await walk<FileItem>(gh, `${REPO_PATH}/pulls/1/files?per_page=100`)
      files = new Map(items.map(f => [f.filename, f]))
    })

    function file(name: string): FileItem {
      const found = files.get(name)
      if (found === undefined) throw new Error(`${name} is not in the files list`)
      return found
    }

    it('a modified file: counts, blob SHA, URLs and the patch equal to git’s hunks', () => {
      const app = file('src/app.ts')
      expect(app).toMatchObject({
        status: 'modified',
        additions: 4,
        deletions: 4,
        changes: 8,
        sha: blob('feature', 'src/app.ts'),
        blob_url: `https://github.com/octo-org/demo/blob/${featureSha}/src/app.ts`,
        raw_url: `https://github.com/octo-org/demo/raw/${featureSha}/src/app.ts`,
        contents_url: `${gh.url}${REPO_PATH}/contents/src/app.ts?ref=${featureSha}`
      })
      expect(app.patch).toBe(hunks('main...feature', 'src/app.ts'))
      expect(app.patch).toMatch(
        /^@@ -1,20 \+1,20 @@\n export const v0 = 0\n-export const v1 = 1\n\+export const v1 = 2\n/
      )
      expect(app.previous_filename).toBeUndefined()
    })

    it('a removed file: status removed, the old blob, its lines deleted', () => {
      const old = file('src/old.ts')
      expect(old).toMatchObject({
        status: 'removed',
        additions: 0,
        deletions: 2,
        sha: blob(mergeBase, 'src/old.ts')
      })
      expect(old.patch).toBe('@@ -1,2 +0,0 @@\n-export const old = 1\n-export const older = 2')
    })

    it('a renamed and edited file: previous_filename and the patch of the edit', () => {
      const moved = file('lib/moved.ts')
      expect(moved).toMatchObject({
        status: 'renamed',
        previous_filename: 'src/moved.ts',
        additions: 1,
        deletions: 1,
        sha: blob('feature', 'lib/moved.ts')
      })
      expect(moved.patch).toBe(hunks('main...feature', 'src/moved.ts', 'lib/moved.ts'))
      expect(files.has('src/moved.ts')).toBe(false)
    })

    it('a pure rename: status renamed, no changes, no patch', () => {
      const manual = file('docs/manual.md')
      expect(manual).toMatchObject({ status: 'renamed', previous_filename: 'docs/guide.md', changes: 0 })
      expect('patch' in manual).toBe(false)
    })

    it('a mode-only change: status changed, no patch', () => {
      const run = file('bin/run.sh')
      expect(run).toMatchObject({ status: 'changed', additions: 0, deletions: 0, changes: 0 })
      expect('patch' in run).toBe(false)
      expect(repo.git('diff', '--raw', '--no-abbrev', 'main...feature', '--', 'bin/run.sh')).toMatch(
        /^:100644 100755 /
      )
    })

    it('a binary file: added, zero counts, no patch', () => {
      const logo = file('logo.png')
      expect(logo).toMatchObject({
        status: 'added',
        additions: 0,
        deletions: 0,
        sha: blob('feature', 'logo.png')
      })
      expect('patch' in logo).toBe(false)
    })

    it('a patch over patchLimitBytes is left out; the counts stay', () => {
      const big = file('big.txt')
      expect(Buffer.byteLength(hunks('main...feature', 'big.txt'))).toBeGreaterThan(PATCH_LIMIT)
      expect(big).toMatchObject({ status: 'modified', additions: 3000, deletions: 3000, changes: 6000 })
      expect('patch' in big).toBe(false)
    })

    it('added files, one with a non-ASCII name given unquoted', () => {
      expect(file('src/new.ts')).toMatchObject({ status: 'added', additions: 3, deletions: 0 })
      expect(file('src/new.ts').patch).toBe(hunks('main...feature', 'src/new.ts'))
      const unicode = file('docs/ünïcode.md')
      expect(unicode).toMatchObject({ status: 'added', additions: 1, patch: '@@ -0,0 +1 @@\n+hallo' })
      expect(unicode.blob_url).toBe(
        `https://github.com/octo-org/demo/blob/${featureSha}/docs/%C3%BCn%C3%AFcode.md`
      )
    })
  })
})

describe('GET /compare/{base}...{head}', () => {
  interface CompareJson {
    status: string
    ahead_by: number
    behind_by: number
    total_commits: number
    merge_base_commit: { sha: string }
    commits: { sha: string }[]
    files: FileItem[]
  }

  it('diverged: ahead and behind counts, merge base, commits oldest first, files', async () => {
    const answer = await repoCall(gh, '/compare/main...feature')
    expect(answer.status).toBe(200)
    const compare = answer.json as CompareJson
    expect(compare).toMatchObject({
      status: 'diverged',
      ahead_by: 2,
      behind_by: 1,
      total_commits: 2,
      merge_base_commit: { sha: mergeBase }
    })
    const commits = repo.git('rev-list', '--reverse', `${mergeBase}..feature`).trim().split('\n')
    expect(compare.commits.map(c => c.sha)).toEqual(commits)
    expect(compare.commits.at(-1)?.sha).toBe(featureSha)
    const pullFiles = await walk<FileItem>(gh, `${REPO_PATH}/pulls/1/files?per_page=100`)
    expect(compare.files).toEqual(pullFiles.items)
  })

  it.each([
    ['ahead', (): string => `${mergeBase}...feature`, { ahead_by: 2, behind_by: 0 }],
    ['behind', (): string => `feature...${mergeBase}`, { ahead_by: 0, behind_by: 2 }],
    ['identical', (): string => 'main...main', { ahead_by: 0, behind_by: 0 }]
  ] as const)('%s', async (status, range, counts) => {
    const compare = (await repoCall(gh, `/compare/${range()}`)).json as CompareJson
    expect(compare).toMatchObject({ status, ...counts })
    expect(compare.files).toHaveLength(status === 'ahead' ? 9 + GENERATED : 0)
  })

  it('the diff media type gives git’s three-dot diff', async () => {
    const answer = await repoCall(gh, '/compare/main...feature', { accept: DIFF_MEDIA })
    expect(answer.status).toBe(200)
    expect(answer.headers.get('content-type')).toBe('application/vnd.github.diff; charset=utf-8')
    expect(answer.text).toBe(gitView('main...feature').diff)
  })

  it('an unknown ref on either side is 404', async () => {
    for (const range of ['main...no-such-branch', 'no-such-branch...feature']) {
      for (const accept of [undefined, DIFF_MEDIA]) {
        const answer = await repoCall(gh, `/compare/${range}`, { accept })
        expect(answer.status).toBe(404)
        expect(errorBody(answer).message).toBe('Not Found')
      }
    }
  })
})
