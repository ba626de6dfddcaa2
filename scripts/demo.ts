/**
 * The whole pipeline on the embedded emulators, for a real diff of this repository's own history:
 * no account, no network. Prints the comment the action would post.
 *   npm run demo                       # the last commit
 *   npm run demo -- --base HEAD~3 --head HEAD
 * A checkout with no history to review (a shallow clone, a downloaded archive) gets a small sample
 * repository instead, so `npm ci && npm run demo` works on any copy.
 */
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { GitHubEmulator } from '../emulators/github/index.js'
import { GitRepo } from '../emulators/github/git-repo.js'
import { RivyaEmulator } from '../emulators/rivya/index.js'
import { ROOT, runAction } from './runner.js'

const TOKEN = 'ghs_demo_token'

/** What the demo reviews: a repository (throwaway, destroyed by the caller) and a range in it. */
export interface DemoChange {
  repo: GitRepo
  base: string
  head: string
  subject: string
  /** Why the sample repository stands in for the source's history, when it does. */
  sample?: string
}

/**
 * A small change to review when there is no history: a retry helper gains jitter and a caller,
 * the README says so. Git's own diff of it, like every diff the emulator serves.
 */
function sampleChange(why: string): DemoChange {
  const repo = GitRepo.create('rivya-review-demo-')
  repo.write('README.md', '# retry\n\nBackoff for flaky calls.\n')
  repo.write(
    'src/backoff.ts',
    [
      '/** Milliseconds to wait before attempt `attempt` (0-based): doubling from 100 ms, at most 10 s. */',
      'export function backoff(attempt: number): number {',
      '  return Math.min(100 * 2 ** attempt, 10_000)',
      '}',
      ''
    ].join('\n')
  )
  const base = repo.commit('Backoff helper')
  repo.write('README.md', '# retry\n\nBackoff (with full jitter) and a retry loop for flaky calls.\n')
  repo.write(
    'src/backoff.ts',
    [
      '/** Milliseconds to wait before attempt `attempt` (0-based): full jitter under a doubling cap of 10 s. */',
      'export function backoff(attempt: number, random: () => number = Math.random): number {',
      '  return Math.floor(random() * Math.min(100 * 2 ** attempt, 10_000))',
      '}',
      '',
      '/** Calls `fn` until it resolves, at most `attempts` times, waiting `backoff` between tries. */',
      'export async function retry<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {',
      '  for (let attempt = 0; ; attempt++) {',
      '    try {',
      '      return await fn()',
      '    } catch (error) {',
      '      if (attempt >= attempts) throw error',
      '      await new Promise(resolve => setTimeout(resolve, backoff(attempt)))',
      '    }',
      '  }',
      '}',
      ''
    ].join('\n')
  )
  const head = repo.commit('Full jitter and a retry loop')
  return { repo, base, head, subject: 'Full jitter and a retry loop', sample: why }
}

/**
 * The change to review: `base..head` when given (an error if they do not resolve), else the
 * source's last commit, else — no second commit, or no repository at all — the sample change.
 */
export function changeToReview(source: string, range: { base?: string; head?: string } = {}): DemoChange {
  const explicit = range.base !== undefined || range.head !== undefined
  let repo: GitRepo
  try {
    repo = GitRepo.cloneOf(source)
  } catch (error) {
    if (explicit)
      throw new Error(`${source} is not a git repository: --base/--head need one`, { cause: error })
    return sampleChange(`${source} is not a git repository`)
  }
  try {
    const head = repo.git('rev-parse', '--verify', `${range.head ?? 'HEAD'}^{commit}`).trim()
    let base: string
    try {
      base = repo.git('rev-parse', '--verify', `${range.base ?? `${head}~1`}^{commit}`).trim()
    } catch (error) {
      if (explicit)
        throw new Error(`--base ${range.base ?? `${head}~1`} is not a commit of ${source}`, { cause: error })
      repo.destroy()
      return sampleChange('this checkout has a single commit, as a shallow clone does')
    }
    const subject = repo.git('log', '-1', '--format=%s', head).trim()
    return { repo, base, head, subject }
  } catch (error) {
    repo.destroy()
    throw error
  }
}

export interface DemoResult {
  code: number | null
  /** The comment the action posted on the emulated pull request. */
  comment: string | undefined
  outputs: Record<string, string>
}

/** Reviews `change` with dist/index.js on the two emulators, printing what a user would see. */
export async function demo(change: DemoChange, print: (line: string) => void): Promise<DemoResult> {
  const { repo, base, head, subject } = change
  let gh: GitHubEmulator | undefined
  let rivya: RivyaEmulator | undefined
  try {
    gh = await GitHubEmulator.start({ repo, owner: 'octo-org', name: 'rivya-codex-review', token: TOKEN })
    gh.addPullRequest({ number: 1, base, head, title: subject, user: { login: 'demo-author', type: 'User' } })
    rivya = await RivyaEmulator.start()
    if (change.sample !== undefined)
      print(`No history to review here (${change.sample}): reviewing a sample change.`)
    print(`Reviewing ${base.slice(0, 7)}..${head.slice(0, 7)} ("${subject}") with the emulators…\n`)
    const result = await runAction({
      eventName: 'workflow_dispatch',
      payload: { inputs: { pr: '1' } },
      githubUrl: gh.url,
      githubToken: TOKEN,
      repository: 'octo-org/rivya-codex-review',
      inputs: { 'rivya-api-key': rivya.validKey, 'api-base-url': rivya.url, 'pull-request': '1' }
    })
    for (const line of result.stdout.split('\n')) {
      if (line !== '' && !line.startsWith('::add-mask::')) print(`  | ${line}`)
    }
    const comment = gh.comments(1).at(-1)?.body
    print('\n========== the comment ==========\n')
    print(comment ?? '(no comment was posted)')
    print('\n========== outputs ==========\n')
    print(JSON.stringify(result.outputs, null, 2))
    return { code: result.code, comment, outputs: result.outputs }
  } finally {
    await gh?.close()
    await rivya?.close()
  }
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}

// Run as a script (npm run demo), not when a test imports it.
if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const change = changeToReview(ROOT, { base: option('--base'), head: option('--head') })
  try {
    const result = await demo(change, line => console.log(line))
    process.exitCode = result.code ?? 1
  } finally {
    change.repo.destroy()
  }
}
