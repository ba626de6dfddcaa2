/**
 * The pipeline in-process, against the GitHub and Rivya emulators: a small real repository with one
 * pull request, the runner's output and summary files, and the context `run()` would build.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GitHubEmulator, type User } from '../../emulators/github/index.js'
import { GitRepo } from '../../emulators/github/git-repo.js'
import { RivyaEmulator } from '../../emulators/rivya/index.js'
import { readRunContext } from '../../src/github/context.js'
import { parseInputs } from '../../src/inputs.js'
import { withPipeline, type ActiveTrigger, type PipelineContext } from '../../src/pipeline/context.js'
import { secretParts } from '../../src/secrets.js'
import { parseOutputFile } from '../../scripts/runner.js'

export const TOKEN = 'ghs_in_process_token_0123456789'
export const MARKER = '<!-- rivya-codex-review -->'
export const PR = 7
/** The workflow token's bot, who writes the action's inline comments. */
export const ACTIONS_BOT: User = { login: 'github-actions[bot]', type: 'Bot', id: 41898282 }
/** The hidden line of an inline comment of the action (src/review/inline.ts). */
export const FINDING_MARKER = '<!-- rivya-codex-finding 0123456789abcdef0123456789abcdef -->'

/**
 * The runner's files, one pair for the test file: @actions/core keeps the summary's path once it has
 * read it, so each harness empties them instead of making new ones.
 */
const DIR = mkdtempSync(join(tmpdir(), 'pipeline-test-'))
const OUTPUT = join(DIR, 'output')
const SUMMARY = join(DIR, 'summary.md')

export class Harness {
  readonly lines: string[] = []
  readonly warnings: string[] = []
  readonly #saved = new Map<string, string | undefined>()

  private constructor(
    readonly repo: GitRepo,
    readonly gh: GitHubEmulator,
    readonly rivya: RivyaEmulator,
    readonly base: string,
    readonly head: string
  ) {
    writeFileSync(OUTPUT, '')
    writeFileSync(SUMMARY, '')
    this.setEnv('GITHUB_OUTPUT', OUTPUT)
    this.setEnv('GITHUB_STEP_SUMMARY', SUMMARY)
  }

  /**
   * A pull request changing two source files and a lockfile; `change` adds to it (`base` writes
   * before the base commit, `head` before the head commit).
   */
  static async start(
    change: { base?: (repo: GitRepo) => void; head?: (repo: GitRepo) => void } = {}
  ): Promise<Harness> {
    const repo = GitRepo.create()
    repo.write('src/app.ts', Array.from({ length: 30 }, (_, i) => `export const v${i} = ${i}\n`).join(''))
    repo.write('README.md', '# demo\n')
    change.base?.(repo)
    const base = repo.commit('base')
    repo.write('src/app.ts', Array.from({ length: 30 }, (_, i) => `export const v${i} = ${i * 2}\n`).join(''))
    repo.write('src/new.ts', 'export function add(a: number, b: number) {\n  return a + b\n}\n')
    repo.write('package-lock.json', '{"lockfileVersion": 3}\n')
    change.head?.(repo)
    const head = repo.commit('head')
    const gh = await GitHubEmulator.start({ repo, owner: 'octo-org', name: 'demo', token: TOKEN })
    gh.addPullRequest({
      number: PR,
      base,
      head,
      title: 'Double every value',
      user: { login: 'alice', type: 'User' }
    })
    const rivya = await RivyaEmulator.start()
    return new Harness(repo, gh, rivya, base, head)
  }

  /** Sets a variable of the process for this test only. */
  setEnv(name: string, value: string): void {
    if (!this.#saved.has(name)) this.#saved.set(name, process.env[name])
    process.env[name] = value
  }

  /** Runs `work` with the context `run()` builds for this event, trigger and inputs. */
  async within<T extends ActiveTrigger>(
    trigger: T,
    work: (context: PipelineContext<T>) => Promise<void>,
    options: { inputs?: Record<string, string>; signal?: AbortSignal; payload?: Record<string, unknown> } = {}
  ): Promise<void> {
    const eventPath = join(DIR, 'event.json')
    writeFileSync(eventPath, JSON.stringify(options.payload ?? {}))
    const run = readRunContext({
      GITHUB_EVENT_NAME: eventName(trigger),
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REPOSITORY: 'octo-org/demo',
      GITHUB_RUN_ID: '1001',
      GITHUB_API_URL: this.gh.url
    })
    const raw: Record<string, string> = {
      'rivya-api-key': this.rivya.validKey,
      'github-token': TOKEN,
      'api-base-url': this.rivya.url,
      ...options.inputs
    }
    const inputs = parseInputs(name => raw[name] ?? '')
    const secrets = secretParts([inputs.rivyaApiKey, inputs.githubToken])
    const log = {
      info: (line: string) => this.lines.push(line),
      warning: (line: string) => this.warnings.push(line)
    }
    await withPipeline(
      { run, inputs, trigger, secrets, signal: options.signal ?? new AbortController().signal, log },
      work
    )
  }

  /**
   * A review comment on `line` of `path` (by default the action's inline comment: its bot, the
   * finding marker): the root of a thread to reply in.
   */
  inlineComment(
    options: { path?: string; line?: number; side?: 'LEFT' | 'RIGHT'; body?: string; user?: User } = {}
  ) {
    const body = options.body ?? `**major** add() ignores NaN\n\nCheck the inputs.\n\n${FINDING_MARKER}`
    const comment = {
      path: options.path ?? 'src/new.ts',
      line: options.line ?? 2,
      side: options.side ?? 'RIGHT',
      body
    }
    return this.gh.reviews.addReview(PR, { comments: [comment] }, options.user ?? ACTIONS_BOT).comments[0]!
  }

  /** The outputs set so far, read from GITHUB_OUTPUT as the runner reads them. */
  outputs(): Record<string, string> {
    return parseOutputFile(readFileSync(OUTPUT, 'utf8'))
  }

  summary(): string {
    return readFileSync(SUMMARY, 'utf8')
  }

  reviewComments() {
    return this.gh.comments(PR).filter(c => c.body.startsWith(MARKER))
  }

  chatTurns() {
    return this.rivya.requests.filter(
      r => r.method === 'POST' && r.path.startsWith('/api/v1/chat/completions')
    )
  }

  async close(): Promise<void> {
    await this.gh.close()
    await this.rivya.close()
    this.repo.destroy()
    for (const [name, value] of this.#saved) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}

/** The event `run()` would have been started by for the trigger. */
function eventName(trigger: ActiveTrigger): string {
  if (trigger.kind !== 'comment') return 'workflow_dispatch'
  return trigger.thread !== undefined ? 'pull_request_review_comment' : 'issue_comment'
}

/** Removes the runner's files; for `afterAll`. */
export function removeRunnerFiles(): void {
  rmSync(DIR, { recursive: true, force: true })
}
