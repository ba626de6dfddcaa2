/**
 * The bundle's size and the start-up cost of a run that does nothing (a `push` event: one log
 * line, exit 0, no HTTP), next to bare `node -e ''`. Prints numbers, asserts nothing.
 *
 *   npm run bench:bundle                       # dist/index.js, 21 runs per case
 *   npm run bench:bundle -- --runs 51 --bundle /tmp/old/index.js
 *
 * Each case runs on the Node that runs the script and, when installed, on the Node 24 of the
 * `node` dev dependency (what `runs.using: node24` gives on the runner). Wall-clock medians swing
 * with the machine's load; the CPU time of the child processes (Linux: /proc/self/stat, cutime +
 * cstime) swings less, so both are printed.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { ACTION, ROOT, actionDefaults } from './runner.js'

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name)
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback
}

const bundle = resolve(option('--bundle', ACTION))
const runs = Number(option('--runs', '21'))
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`Invalid --runs '${option('--runs', '')}': expected a whole number ≥ 1`)
if (!existsSync(bundle)) throw new Error(`${bundle} does not exist: run \`npm run bundle\` first`)

const dir = mkdtempSync(join(tmpdir(), 'bench-bundle-'))
try {
  const eventPath = join(dir, 'event.json')
  writeFileSync(
    eventPath,
    JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: 'octo-org/demo' } })
  )
  writeFileSync(join(dir, 'output'), '')
  writeFileSync(join(dir, 'summary.md'), '')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
    GITHUB_REPOSITORY: 'octo-org/demo',
    // Port 9 (discard) on loopback: a run that does nothing must not reach it, and cannot leave the machine.
    GITHUB_API_URL: 'http://127.0.0.1:9',
    RUNNER_TEMP: dir
  }
  for (const [name, fallback] of Object.entries(actionDefaults())) {
    const value = fallback === '${{ github.token }}' ? 'ghs_bench_token' : fallback
    if (value !== undefined) env[`INPUT_${name.toUpperCase()}`] = value
  }
  env['INPUT_RIVYA-API-KEY'] = 'rvya_sk_bench_never_used'

  const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100
  /** CPU ms used so far by this process's finished children, or undefined off Linux. */
  const childrenCpuMs = (): number | undefined => {
    if (!existsSync('/proc/self/stat')) return undefined
    // Fields after the command name, which may hold spaces: state is the 3rd field, cutime the 16th.
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? []
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / ticksPerSecond
  }
  /**
   * Wall-clock ms of each of `runs` runs of `node ...args` (after one warm-up run that fills the
   * page cache), and their mean CPU ms.
   */
  const time = (node: string, args: string[]): { wall: number[]; cpu: number | undefined } => {
    const once = (): number => {
      const start = performance.now()
      const r = spawnSync(node, args, { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
      const ms = performance.now() - start
      if (r.status !== 0)
        throw new Error(`${node} ${args.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr}`)
      return ms
    }
    once()
    const cpuBefore = childrenCpuMs()
    const wall = Array.from({ length: runs }, once)
    const cpuAfter = childrenCpuMs()
    return {
      wall,
      cpu: cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / runs
    }
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b)
    const mid = Math.floor(s.length / 2)
    return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
  }

  const bytes = statSync(bundle).size
  console.log(`bundle: ${bundle}`)
  console.log(`  size: ${bytes.toLocaleString('en-US')} bytes (${(bytes / 1024 / 1024).toFixed(2)} MiB)`)
  const nodes = [process.execPath, join(ROOT, 'node_modules', 'node', 'bin', 'node')].filter(
    (n, i, all) => existsSync(n) && all.indexOf(n) === i
  )
  console.log(`start-up of a push event (nothing to review), median of ${runs} runs:`)
  for (const node of nodes) {
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()
    const bare = time(node, ['-e', ''])
    const action = time(node, [bundle])
    const wall = (t: { wall: number[] }) => median(t.wall)
    console.log(`  node ${version}:`)
    console.log(
      `    wall: bare node -e '' ${wall(bare).toFixed(1)} ms, action ${wall(action).toFixed(1)} ms, ` +
        `the bundle's own ${(wall(action) - wall(bare)).toFixed(1)} ms`
    )
    if (bare.cpu !== undefined && action.cpu !== undefined) {
      console.log(
        `    cpu (mean): bare ${bare.cpu.toFixed(1)} ms, action ${action.cpu.toFixed(1)} ms, ` +
          `the bundle's own ${(action.cpu - bare.cpu).toFixed(1)} ms`
      )
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
