/**
 * Throughput and memory of the diff pipeline (parse → filter → chunk into 20000-character
 * messages) for a generated 50 MB diff and for 10,000 small files, and the time `max-turns` planning
 * takes on 10,000-file pull requests (it must stay under 1 s). Prints numbers, asserts nothing.
 *
 *   npx tsc -p tsconfig.build.json && node build/scripts/bench-chunking.js [megabytes]
 *
 * Each case runs in a child process (started with --expose-gc) that reads the diff from a file,
 * so the baseline is the diff string alone and the peak RSS is the pipeline's own.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseUnifiedDiff } from '../src/review/diff.js'
import { planReview } from '../src/review/plan.js'
import { planWithinTurns } from '../src/review/budget.js'

const LIMIT = 20000

/** A realistic diff: mostly ASCII code lines, some non-ASCII, a few long lines, files of varied size. */
export function generate(targetBytes: number, fileLines: (i: number) => number): string {
  const parts: string[] = []
  let size = 0
  for (let i = 0; size < targetBytes; i++) {
    const n = fileLines(i)
    const path = `src/module${i % 97}/file-${i}.ts`
    let file = `diff --git a/${path} b/${path}\nindex 0123456..789abcd 100644\n--- a/${path}\n+++ b/${path}\n`
    if (i % 500 === 499) {
      // Now and then a bundled one-line file, cut by characters across several messages.
      file += `@@ -0,0 +1 @@\n+${'var a=[1,2,3];'.repeat(8000)}\n\\ No newline at end of file\n`
      parts.push(file)
      size += file.length
      continue
    }
    for (let start = 1, left = n; left > 0; start += 40) {
      const lines = Math.min(left, 24)
      left -= lines
      const body: string[] = []
      let oldCount = 0
      let newCount = 0
      for (let j = 0; j < lines; j++) {
        const k = (i * 31 + j * 7) % 10
        const text =
          k === 9 && j % 5 === 0
            ? `  const data = '${'x'.repeat(300 + ((i + j) % 700))}'`
            : `  const value${j} = compute(${i}, ${j}) // ${k === 3 ? 'café → naïve' : 'plain comment'}`
        // 60 % context lines, 20 % removed, 20 % added.
        const marker = '      --++'.charAt(k)
        if (marker !== '+') oldCount++
        if (marker !== '-') newCount++
        body.push(marker + text)
      }
      file += `@@ -${start},${oldCount} +${start},${newCount} @@ function f${start}() {\n${body.join('\n')}\n`
    }
    parts.push(file)
    size += file.length
  }
  return parts.join('')
}

interface Result {
  mb: number
  files: number
  messages: number
  /** Parse, filter and chunk: every message's text available. */
  planSeconds: number
  parseShare: number
  /** The same, then every message encoded to UTF-8 as a request body would be. */
  totalSeconds: number
  peakRssOverDiff: number
  heapRetainedOverDiff: number
}

function measure(path: string): Result {
  const gc = (globalThis as { gc?: () => void }).gc
  const text = readFileSync(path, 'utf8')
  const bytes = Buffer.byteLength(text, 'utf8')
  gc?.()
  const before = process.memoryUsage()
  const maxRssBefore = process.resourceUsage().maxRSS * 1024

  const t0 = performance.now()
  const files = parseUnifiedDiff(text)
  const t1 = performance.now()
  const plan = planReview(files, {
    limit: LIMIT,
    include: ['**'],
    exclude: ['defaults'],
    pullNumber: 1,
    title: 'Benchmark'
  })
  const t2 = performance.now()
  // Message texts are ropes until used; encoding them is what sending them would cost.
  let encoded = 0
  for (const m of plan.messages) encoded += Buffer.byteLength(m.text, 'utf8')
  const t3 = performance.now()

  const after = process.memoryUsage()
  const peakRss =
    Math.max(process.resourceUsage().maxRSS * 1024, after.rss) - Math.max(before.rss, maxRssBefore)
  if (encoded === 0) throw new Error('no message was made')
  return {
    mb: bytes / 1e6,
    files: files.length,
    messages: plan.messages.length,
    planSeconds: (t2 - t0) / 1000,
    parseShare: (t1 - t0) / (t2 - t0),
    totalSeconds: (t3 - t0) / 1000,
    peakRssOverDiff: Math.max(0, peakRss) / bytes,
    heapRetainedOverDiff: (after.heapUsed + after.external - before.heapUsed - before.external) / bytes
  }
}

function main(): void {
  const [flag, file] = process.argv.slice(2)
  if (flag === '--measure' && file !== undefined) {
    process.stdout.write(JSON.stringify(measure(file)))
    return
  }
  const megabytes = Number(flag ?? 50)
  const dir = mkdtempSync(join(tmpdir(), 'bench-chunking-'))
  try {
    const cases: [string, () => string][] = [
      [`${megabytes} MB diff`, () => generate(megabytes * 1e6, i => 20 + ((i * 37) % 400))],
      ['10,000 small files', () => smallFiles(10_000)]
    ]
    for (const [name, make] of cases) {
      const path = join(dir, 'diff.txt')
      writeFileSync(path, make())
      const child = spawnSync(
        process.execPath,
        ['--expose-gc', fileURLToPath(import.meta.url), '--measure', path],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 20
        }
      )
      if (child.status !== 0) throw new Error(`${name}: ${child.stderr}`)
      const r = JSON.parse(child.stdout) as Result
      const rate = (seconds: number) => `${(r.mb / seconds).toFixed(0)} MB/s`
      console.log(
        `${name}: ${r.mb.toFixed(1)} MB, ${r.files} files → ${r.messages} messages of ≤ ${LIMIT} characters\n` +
          `  parse + filter + chunk: ${r.planSeconds.toFixed(2)} s, ${rate(r.planSeconds)} (parse ${(r.parseShare * 100).toFixed(0)}%)\n` +
          `  … + UTF-8 encoding of every message: ${r.totalSeconds.toFixed(2)} s, ${rate(r.totalSeconds)}\n` +
          `  peak RSS +${r.peakRssOverDiff.toFixed(2)}× the diff's size; heap + external retained +${r.heapRetainedOverDiff.toFixed(2)}×`
      )
    }
    budgetCases()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** `max-turns: 20` on pull requests of 10,000 files: the plan's time, turns and files sent. */
function budgetCases(): void {
  const deleted = (i: number) => {
    const path = `old/removed-${i}.ts`
    return `diff --git a/${path} b/${path}\ndeleted file mode 100644\n--- a/${path}\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n`
  }
  const cases: [string, string][] = [
    ['10,000 small files', smallFiles(10_000)],
    [
      'a 2 MB file, then 9,999 small files',
      generate(2e6, () => 60_000).split('\ndiff --git ')[0] + '\n' + smallFiles(9_999)
    ],
    ['10,000 deleted files', Array.from({ length: 10_000 }, (_, i) => deleted(i)).join('')],
    [
      '2,500 deleted files, then 7,500 small files',
      Array.from({ length: 2_500 }, (_, i) => deleted(i)).join('') + smallFiles(7_500)
    ]
  ]
  for (const [name, text] of cases) {
    const files = parseUnifiedDiff(text)
    const t0 = performance.now()
    const plan = planWithinTurns(
      files,
      { limit: LIMIT, include: ['**'], exclude: ['defaults'], pullNumber: 1, title: 'Benchmark' },
      20
    )
    const seconds = (performance.now() - t0) / 1000
    const sent = plan.messages.reduce((n, m) => n + m.completes.length, 0)
    console.log(
      `max-turns 20, ${name}: planned in ${seconds.toFixed(2)} s → ${plan.messages.length} turns, ${sent} of ${plan.full.files.length} reviewable files sent, ${plan.dropped.length} left out`
    )
  }
}

/** 10,000 files of a few lines each: the per-file cost. */
export function smallFiles(count: number): string {
  let out = ''
  for (let i = 0; i < count; i++) {
    const path = `pkg${i % 50}/sub/file-${i}.ts`
    out += `diff --git a/${path} b/${path}\nindex 0123456..789abcd 100644\n--- a/${path}\n+++ b/${path}\n`
    out += `@@ -1,4 +1,4 @@\n import { x } from './x'\n-export const v = ${i}\n+export const v = ${i + 1}\n export default v\n`
  }
  return out
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main()
