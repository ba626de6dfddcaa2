/**
 * The cost of collecting a 3000-file pull request and planning its review, as the action does it:
 * createGitHubClient → collectPullRequestDiff → filter, frame and chunk within max-turns
 * (planWithinTurns, main.ts's path), against the GitHub emulator over a real git repository.
 * Two cases: GitHub's default diff limits (the diff media type answers 406, so the files list is
 * read, 30 pages of 100), and limits high enough for the diff media type. Prints numbers,
 * asserts nothing.
 *
 *   npm run bench:collection [-- files]
 *
 * The repository and the emulators live in a server child process, so the measured process holds
 * only the action's side; each case is measured in a fresh child (a cold start, as on a runner,
 * then warm repeats), started with --expose-gc so the memory baseline is clean.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { createGitHubClient } from '../src/github/client.js'
import { collectPullRequestDiff, type CollectedDiff } from '../src/github/diff-source.js'
import { GitHubEmulator } from '../emulators/github/index.js'
import { GitRepo } from '../emulators/github/git-repo.js'
import { getPullRequest } from '../src/github/pull-request.js'
import { DEFAULT_PROMPT_LIMIT, parseInputs } from '../src/inputs.js'
import { planWithinTurns, type TurnBudgetPlan } from '../src/review/budget.js'

const TOKEN = 'ghs_bench_token_0123456789'
const REPO = { owner: 'octo-org', repo: 'bench' }
const PULL = 1
const WARM_RUNS = 5

interface Ready {
  /** Emulator with GitHub's default diff limits: the diff media type answers 406. */
  listUrl: string
  /** Emulator whose limits let the diff media type answer. */
  diffUrl: string
  files: number
  buildMs: number
  /** The emulator's own first computation of the change (git diff, raw, numstat); not counted. */
  emulatorWarmMs: number
  gitDiffBytes: number
}

interface Measure {
  source: CollectedDiff['source']
  requests: number
  files: number
  unlisted?: string
  hunkBytes: number
  messages: number
  plannedMessages: number
  droppedFiles: number
  skippedFiles: number
  messageChars: number
  cold: Timing
  warm: Timing
  peakRssDelta: number
  heapDelta: number
}

interface Timing {
  collectMs: number
  /** CPU time of this process during the collection: the client's share, not the emulator's. */
  collectCpuMs: number
  chunkMs: number
  totalMs: number
}

/** A TypeScript-like source file of `lines` lines, a few hundred bytes to a few KB. */
function source(i: number, lines: number, version: number): string {
  const out = [
    `// Module ${i}: generated for the collection benchmark.`,
    `import { helper } from '../shared/helper'`,
    ''
  ]
  for (let j = 0; out.length < lines; j++) {
    // Every file changes a few lines per version: one in 23, and the line after a change point.
    const changed = version > 0 && (j % 23 === 7 || j === 2)
    const value = changed ? `helper(${j}, ${i + version})` : `${(i * 31 + j * 7) % 1000}`
    if (j % 6 === 0)
      out.push(`export function f${j}(input: number): number {`, `  return input * ${value}`, '}')
    else out.push(`export const value${j} = ${value} // ${j % 4 === 0 ? 'computed once' : 'plain value'}`)
  }
  return `${out.slice(0, lines).join('\n')}\n`
}

/** Lines per file: 10 to 130, so files run from about 300 bytes to about 5 KB. */
function linesOf(i: number): number {
  return 10 + ((i * 37) % 121)
}

async function serve(fileCount: number): Promise<void> {
  const t0 = performance.now()
  const repo = GitRepo.create('bench-collection-')
  const path = (i: number) => `packages/pkg${i % 40}/src/module-${i}.ts`
  for (let i = 0; i < fileCount; i++) repo.write(path(i), source(i, linesOf(i), 0))
  const base = repo.commit('base')
  repo.branch('feature').checkout('feature')
  for (let i = 0; i < fileCount; i++) repo.write(path(i), source(i, linesOf(i), 1))
  const head = repo.commit(`change ${fileCount} files`)
  const buildMs = performance.now() - t0

  const options = { repo, owner: REPO.owner, name: REPO.repo, token: TOKEN }
  const list = await GitHubEmulator.start(options)
  const diff = await GitHubEmulator.start({ ...options, diffLimits: { maxFiles: 1e9, maxLines: 1e9 } })
  const t1 = performance.now()
  list.addPullRequest({ number: PULL, base, head, title: 'Change every module' })
  const emulatorWarmMs = performance.now() - t1
  diff.addPullRequest({ number: PULL, base, head, title: 'Change every module' })

  const ready: Ready = {
    listUrl: list.url,
    diffUrl: diff.url,
    files: fileCount,
    buildMs,
    emulatorWarmMs,
    gitDiffBytes: Buffer.byteLength(repo.diff(base, head))
  }
  process.send?.(ready)
  process.once('message', () => {
    void Promise.all([list.close(), diff.close()]).then(() => {
      repo.destroy()
      process.exit(0)
    })
  })
}

/** What review() in main.ts does with the collected files, with every input at its default. */
function plan(diff: CollectedDiff): TurnBudgetPlan {
  const inputs = parseInputs(name => (name === 'rivya-api-key' ? 'rk_bench' : ''))
  return planWithinTurns(
    diff.files,
    {
      include: inputs.include,
      exclude: inputs.exclude,
      limit: DEFAULT_PROMPT_LIMIT,
      pullNumber: PULL,
      title: 'Change every module',
      extraInstructions: inputs.extraInstructions
    },
    inputs.maxTurns
  )
}

interface Run {
  timing: Timing
  diff: CollectedDiff
  plan: TurnBudgetPlan
  requests: number
}

async function once(url: string): Promise<Run> {
  const gh = createGitHubClient({ token: TOKEN, baseUrl: url, log: () => {} })
  // main.ts reads the pull request first, for changed_files; not counted.
  const pr = await getPullRequest(gh, REPO, PULL)
  let requests = 0
  gh.hook.before('request', () => {
    requests += 1
  })
  const cpu = process.cpuUsage()
  const t0 = performance.now()
  const diff = await collectPullRequestDiff(gh, REPO, PULL, pr.changedFiles, () => {})
  const t1 = performance.now()
  const used = process.cpuUsage(cpu)
  const planned = plan(diff)
  // Message texts are ropes until used; flattening them is what sending them would cost.
  let chars = 0
  for (const m of planned.messages) chars += Buffer.byteLength(m.text)
  const t2 = performance.now()
  if (chars === 0) throw new Error('no message was made')
  return {
    timing: {
      collectMs: t1 - t0,
      collectCpuMs: (used.user + used.system) / 1000,
      chunkMs: t2 - t1,
      totalMs: t2 - t0
    },
    diff,
    plan: planned,
    requests
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}

async function measure(url: string): Promise<Measure> {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  const before = process.memoryUsage()
  const maxRssBefore = process.resourceUsage().maxRSS * 1024
  const cold = await once(url)
  const after = process.memoryUsage()
  const peakRssDelta =
    Math.max(process.resourceUsage().maxRSS * 1024, after.rss) - Math.max(before.rss, maxRssBefore)
  const heapDelta = after.heapUsed + after.external - before.heapUsed - before.external

  const warm: Timing[] = []
  for (let i = 0; i < WARM_RUNS; i++) warm.push((await once(url)).timing)
  const { diff, plan: planned } = cold
  return {
    source: diff.source,
    requests: cold.requests,
    files: diff.files.length,
    unlisted: diff.unlisted,
    hunkBytes: diff.files.reduce((n, f) => n + f.hunks.reduce((m, h) => m + Buffer.byteLength(h.body), 0), 0),
    messages: planned.messages.length,
    plannedMessages: planned.full.messages.length,
    droppedFiles: planned.dropped.length,
    skippedFiles: planned.full.skipped.length,
    messageChars: planned.messages.reduce((n, m) => n + m.text.length, 0),
    cold: cold.timing,
    warm: {
      collectMs: median(warm.map(t => t.collectMs)),
      collectCpuMs: median(warm.map(t => t.collectCpuMs)),
      chunkMs: median(warm.map(t => t.chunkMs)),
      totalMs: median(warm.map(t => t.totalMs))
    },
    peakRssDelta: Math.max(0, peakRssDelta),
    heapDelta
  }
}

const ms = (n: number) => `${n.toFixed(0)} ms`
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`

function report(name: string, m: Measure): void {
  const t = (x: Timing) =>
    `collection ${ms(x.collectMs)} (client CPU ${ms(x.collectCpuMs)}), chunking ${ms(x.chunkMs)}, total ${ms(x.totalMs)}`
  console.log(
    `${name}: source '${m.source}', ${m.requests} request(s) for the diff, ${m.files} files, ${mb(m.hunkBytes)} of hunks\n` +
      `  cold (first run in a fresh process): ${t(m.cold)}\n` +
      `  warm (median of ${WARM_RUNS}):                ${t(m.warm)}\n` +
      `  review: ${m.messages} message(s) within max-turns (${m.plannedMessages} for the whole diff, ${m.droppedFiles} file(s) left out), ` +
      `${m.skippedFiles} skipped, ${mb(m.messageChars)} of message text\n` +
      `  memory of the cold run: peak RSS +${mb(m.peakRssDelta)}, heap + external retained +${mb(m.heapDelta)}` +
      (m.unlisted !== undefined ? `\n  unlisted: ${m.unlisted}` : '')
  )
}

async function main(): Promise<void> {
  const fileCount = Number(process.argv[2] ?? 3000)
  const self = fileURLToPath(import.meta.url)
  const server: ChildProcess = fork(self, ['--serve', String(fileCount)], { stdio: 'inherit' })
  try {
    const ready = await new Promise<Ready>((resolve, reject) => {
      server.once('message', m => resolve(m as Ready))
      server.once('error', reject)
      server.once('exit', code => reject(new Error(`the emulator process exited (${code})`)))
    })
    console.log(
      `Collection of a ${ready.files}-file pull request (${process.version}); ` +
        `repository built in ${ms(ready.buildMs)} (not counted), git diff ${mb(ready.gitDiffBytes)}; ` +
        `the emulator's first read of the change ${ms(ready.emulatorWarmMs)} (not counted)`
    )
    const cases: [string, string][] = [
      ['files list (diff media type 406)', ready.listUrl],
      ['diff media type', ready.diffUrl]
    ]
    for (const [name, url] of cases) {
      const child = spawnSync(process.execPath, ['--expose-gc', self, '--measure', url], {
        encoding: 'utf8',
        maxBuffer: 1 << 20
      })
      if (child.status !== 0) throw new Error(`${name}: ${child.stderr}`)
      report(name, JSON.parse(child.stdout) as Measure)
    }
  } finally {
    if (server.connected) {
      server.send('close')
      await new Promise(resolve => server.once('exit', resolve))
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [flag, arg] = process.argv.slice(2)
  if (flag === '--serve') await serve(Number(arg))
  else if (flag === '--measure' && arg !== undefined) process.stdout.write(JSON.stringify(await measure(arg)))
  else await main()
}
