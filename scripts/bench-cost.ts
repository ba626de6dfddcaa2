/**
 * What a review is billed for, in characters of input, on real diffs the project builds offline:
 * its own history (`git log` of the repository the script runs in) and fixture repositories made
 * here with git. Prints numbers, asserts nothing.
 *
 *   npm run bench:cost
 *
 * The model of billing: every turn of a Rivya session re-reads the session so far, so turn k is
 * billed for messages 1..k and the answers of turns 1..k−1. Answers are modelled as fixed lengths
 * ({@link NOTE_CHARS} for the notes of an intermediate part, {@link SUMMARY_CHARS} for the review),
 * the only guess here; characters stand for tokens (Rivya bills tokens, about 3–4 characters each
 * for code, the same factor for every plan compared).
 *
 * 1. Turns against the lower bound, and billed input against the floor for the messages sent
 *    (the same messages shortest first, answers of no length); target: ≤ 1.01 × floor.
 * 2. A push sequence: the cost of a pull request's life with a full review on every push, with
 *    incremental reviews, and the cost of reviewing each push's own changes alone; target:
 *    incremental ≤ 1.5 × own changes. Incremental reviews send the files a push touched, either
 *    each with its whole PR diff ("whole files") or only the PR's lines near the push's changes
 *    (narrowToPushedHunks, "near"), the latter both in a new session (the earlier summary as
 *    text) and continuing the earlier review's session (all of it re-billed on every turn).
 */
import { execFileSync } from 'node:child_process'
import { GitRepo } from '../emulators/github/git-repo.js'
import { DEFAULT_PROMPT_LIMIT } from '../src/inputs.js'
import { chunkFiles, type ChunkMessage } from '../src/review/chunk.js'
import { parseUnifiedDiff, type DiffFile } from '../src/review/diff.js'
import { selectFiles } from '../src/review/filter.js'
import {
  PUSH_CONTEXT_LINES,
  incrementalIntro,
  narrowToPushedHunks,
  restrictToChanged,
  type OpenFinding
} from '../src/review/incremental.js'
import { planFrame, planReview, type ReviewPlanOptions } from '../src/review/plan.js'
import { reviewInstructions } from '../src/review/prompts.js'

/** The answer to an intermediate part: "one line of notes, under 200 characters" (INTERMEDIATE_NOTES). */
const NOTE_CHARS = 200
/** The review itself, billed again only when a later review continues its session. */
const SUMMARY_CHARS = 2500

const OPTIONS: ReviewPlanOptions = {
  include: ['**'],
  exclude: ['defaults'],
  limit: DEFAULT_PROMPT_LIMIT,
  pullNumber: 1234,
  title: 'Bench: a change of typical size'
}

const count = new Intl.NumberFormat('en-US')
const fmt = (n: number) => count.format(Math.round(n))
const ratio = (a: number, b: number) => (b === 0 ? '—' : (a / b).toFixed(3))

/** Input billed for a session that already holds `history` characters, sending `lengths` in order. */
function billed(lengths: readonly number[], note: number, history = 0): number {
  let sent = history
  let total = 0
  lengths.forEach((len, k) => {
    if (k > 0) sent += note
    sent += len
    total += sent
  })
  return total
}

/** The least any order of these messages can be billed: shortest first, answers of no length. */
function floorOf(lengths: readonly number[]): number {
  return billed(
    [...lengths].sort((a, b) => a - b),
    0
  )
}

/** What a session holds after sending `lengths`: the messages, the notes and the review. */
function sessionChars(lengths: readonly number[]): number {
  if (lengths.length === 0) return 0
  return lengths.reduce((n, len) => n + len, 0) + (lengths.length - 1) * NOTE_CHARS + SUMMARY_CHARS
}

const lengthsOf = (messages: readonly ChunkMessage[]) => messages.map(m => m.text.length)

/** The same files in diff order, framed by position: what was sent before the order was chosen. */
function diffOrderLengths(files: readonly DiffFile[], options: ReviewPlanOptions): number[] {
  const selection = selectFiles(files, options)
  return lengthsOf(chunkFiles(selection.files, { limit: options.limit, frame: planFrame(options) }).messages)
}

/** Fewest messages the diff text could fill, its frames included: the first's instructions, the others' lines. */
function lowerBound(diffChars: number): number {
  const frame = planFrame(OPTIONS)
  const size = (part: number, parts: number) => {
    const f = frame(part, parts)
    return f.head.length + f.tail.length
  }
  for (let n = 1; ; n++) {
    const frames = n === 1 ? size(1, 1) : size(1, n) + (n - 2) * size(2, n) + size(n, n)
    if (diffChars + frames <= n * OPTIONS.limit) return n
  }
}

/** The longest notes that keep the billed input within 1.01 × the floor. */
function noteBudget(r: Row): number {
  const pairs = (r.turns * (r.turns - 1)) / 2
  return pairs === 0 ? Infinity : Math.max(0, (1.01 * r.floor - r.planNoNotes) / pairs)
}

interface Row {
  name: string
  files: number
  diffChars: number
  turns: number
  lowerBound: number
  plan: number
  planNoNotes: number
  diffOrder: number
  floor: number
}

function measureDiff(name: string, files: readonly DiffFile[]): Row | undefined {
  const plan = planReview(files, OPTIONS)
  if (plan.messages.length === 0) return undefined
  const lengths = lengthsOf(plan.messages)
  return {
    name,
    files: plan.files.length,
    diffChars: plan.diffChars,
    turns: plan.messages.length,
    lowerBound: lowerBound(plan.diffChars),
    plan: billed(lengths, NOTE_CHARS),
    planNoNotes: billed(lengths, 0),
    diffOrder: billed(diffOrderLengths(files, OPTIONS), 0),
    floor: floorOf(lengths)
  }
}

function printRows(title: string, rows: readonly Row[]): void {
  console.log(`\n${title}`)
  console.log(
    [
      'diff'.padEnd(34),
      'files'.padStart(6),
      'chars'.padStart(9),
      'turns'.padStart(6),
      'bound'.padStart(6),
      'diff order'.padStart(11),
      'plan'.padStart(11),
      'floor'.padStart(11),
      'plan/floor'.padStart(11),
      '+notes/floor'.padStart(13),
      'notes ≤ for 1.01'.padStart(17)
    ].join(' ')
  )
  const sum = { diffOrder: 0, plan: 0, planNoNotes: 0, floor: 0 }
  for (const r of rows) {
    sum.diffOrder += r.diffOrder
    sum.plan += r.plan
    sum.planNoNotes += r.planNoNotes
    sum.floor += r.floor
    console.log(
      [
        r.name.slice(0, 34).padEnd(34),
        fmt(r.files).padStart(6),
        fmt(r.diffChars).padStart(9),
        String(r.turns).padStart(6),
        String(r.lowerBound).padStart(6),
        fmt(r.diffOrder).padStart(11),
        fmt(r.planNoNotes).padStart(11),
        fmt(r.floor).padStart(11),
        ratio(r.planNoNotes, r.floor).padStart(11),
        ratio(r.plan, r.floor).padStart(13),
        (Number.isFinite(noteBudget(r)) ? fmt(noteBudget(r)) : 'any').padStart(17)
      ].join(' ')
    )
  }
  if (rows.length > 1) {
    console.log(
      [
        'all of the above'.padEnd(34),
        ''.padStart(6),
        ''.padStart(9),
        ''.padStart(6),
        ''.padStart(6),
        fmt(sum.diffOrder).padStart(11),
        fmt(sum.planNoNotes).padStart(11),
        fmt(sum.floor).padStart(11),
        ratio(sum.planNoNotes, sum.floor).padStart(11),
        ratio(sum.plan, sum.floor).padStart(13)
      ].join(' ')
    )
  }
}

/** A deterministic pseudo-random sequence (a 32-bit LCG), so every run builds the same fixtures. */
function random(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/** A TypeScript-looking line of typical length. */
function codeLine(rnd: () => number, i: number): string {
  const kinds = [
    () => `  const value${i} = compute(input.items[${i % 17}], options.scale * ${Math.floor(rnd() * 100)})`,
    () => `  if (value${i} > limit) throw new RangeError(\`value ${i} is over the limit: \${value${i}}\`)`,
    () =>
      `  // Keeps the order stable when two entries compare equal (see issue #${Math.floor(rnd() * 900) + 100}).`,
    () =>
      `  result.push({ id: ${i}, name: names[${i % 23}] ?? 'unknown', total: sum(values.slice(0, ${i % 9})) })`,
    () => `}`,
    () => `export function step${i}(state: State, event: Event): State {`,
    () => `  return { ...state, count: state.count + ${Math.floor(rnd() * 10)}, last: event.at }`
  ]
  return (kinds[Math.floor(rnd() * kinds.length)] as () => string)()
}

function sourceFile(rnd: () => number, lines: number): string {
  return `${Array.from({ length: lines }, (_, i) => codeLine(rnd, i)).join('\n')}\n`
}

/** A file with `hunks` stretches of about `size` lines replaced. */
function edit(rnd: () => number, text: string, hunks: number, size: number): string {
  const lines = text.split('\n')
  for (let h = 0; h < hunks; h++) {
    const at = Math.floor(rnd() * Math.max(1, lines.length - size))
    const n = Math.max(1, Math.floor(size * (0.5 + rnd())))
    lines.splice(at, Math.floor(n / 2), ...Array.from({ length: n }, (_, i) => codeLine(rnd, at + i + 1000)))
  }
  return lines.join('\n')
}

/** Fixture pull requests of known shapes, each a diff of two commits of a fresh repository. */
function fixtureDiffs(): { name: string; files: DiffFile[] }[] {
  const shapes: { name: string; sizes: number[] }[] = [
    { name: 'fixture: 2 files, 1 part', sizes: [120, 60] },
    { name: 'fixture: 3 parts (long files)', sizes: [380, 380, 60] },
    {
      name: 'fixture: 7 parts, 25 files',
      sizes: Array.from({ length: 25 }, (_, i) => 60 + ((i * 37) % 140))
    },
    { name: 'fixture: 60 small files', sizes: Array.from({ length: 60 }, (_, i) => 8 + ((i * 13) % 30)) },
    { name: 'fixture: one file of 2000 lines', sizes: [2000] }
  ]
  return shapes.map((shape, s) => {
    const rnd = random(1000 + s)
    const repo = GitRepo.create('bench-cost-')
    try {
      repo.write('README.md', '# bench\n')
      const base = repo.commit('base')
      shape.sizes.forEach((lines, i) => repo.write(`src/area${i % 5}/module${i}.ts`, sourceFile(rnd, lines)))
      const head = repo.commit('the change')
      return { name: shape.name, files: parseUnifiedDiff(repo.diff(base, head)) }
    } finally {
      repo.destroy()
    }
  })
}

/** The history of the repository the script runs in, cloned, or why it cannot be used. */
function ownHistory(): { repo: GitRepo; commits: string[] } | { skip: string } {
  let top: string
  try {
    top = execFileSync('git', ['rev-parse', '--show-toplevel'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore']
    }).trim()
  } catch {
    return { skip: 'not in a git repository' }
  }
  const repo = GitRepo.cloneOf(top, 'bench-cost-own-')
  const commits = repo.git('rev-list', '--first-parent', '--reverse', 'HEAD').split('\n').filter(Boolean)
  if (commits.length < 2) {
    repo.destroy()
    return { skip: `${commits.length} commit in this clone (shallow?): no history to review` }
  }
  return { repo, commits }
}

interface Push {
  head: string
  /** Paths changed since the head before, both names of a rename (what compareCommits gives). */
  changed: Set<string>
}

interface Sequence {
  name: string
  base: string
  pushes: Push[]
  diff: (base: string, head: string) => DiffFile[]
}

function changedPaths(repo: GitRepo, from: string, to: string): Set<string> {
  const out = repo.git('diff', '--no-color', '-M', '--name-status', '-z', `${from}...${to}`).split('\0')
  const paths = new Set<string>()
  for (let i = 0; i < out.length - 1;) {
    const status = out[i++] as string
    const two = status.startsWith('R') || status.startsWith('C')
    paths.add(out[i++] as string)
    if (two) paths.add(out[i++] as string)
  }
  return paths
}

/** A fixture pull request on a repository of 40 files, its head moved through nine pushes. */
function fixtureSequence(repo: GitRepo): Sequence {
  const rnd = random(42)
  const files = Array.from({ length: 40 }, (_, i) => `src/part${i % 6}/unit${i}.ts`)
  const texts = new Map<string, string>()
  for (const [i, path] of files.entries()) {
    const text = sourceFile(rnd, 80 + ((i * 53) % 260))
    texts.set(path, text)
    repo.write(path, text)
  }
  const base = repo.commit('base')
  const pushes: Push[] = []
  let before = base
  // The work keeps coming back to a handful of files, as a pull request's pushes do.
  const working = files.slice(0, 10)
  for (let p = 0; p < 9; p++) {
    const touched = new Set<string>()
    const n = 2 + Math.floor(rnd() * 3)
    for (let k = 0; k < n; k++) {
      const pool = rnd() < 0.75 ? working : files
      touched.add(pool[Math.floor(rnd() * pool.length)] as string)
    }
    for (const path of touched) {
      const text = edit(rnd, texts.get(path) as string, 1 + Math.floor(rnd() * 2), 12)
      texts.set(path, text)
      repo.write(path, text)
    }
    if (p % 3 === 1) {
      const path = `src/new/feature${p}.ts`
      const text = sourceFile(rnd, 90)
      texts.set(path, text)
      repo.write(path, text)
    }
    const head = repo.commit(`push ${p + 1}`)
    pushes.push({ head, changed: changedPaths(repo, before, head) })
    before = head
  }
  return { name: 'fixture PR, 9 pushes', base, pushes, diff: (b, h) => parseUnifiedDiff(repo.diff(b, h)) }
}

/** The project's own last commits as a pull request pushed to every `every` commits. */
function ownSequence(
  repo: GitRepo,
  commits: readonly string[],
  pushes: number,
  every: number
): Sequence | undefined {
  const span = pushes * every
  if (commits.length <= span) return undefined
  const base = commits[commits.length - 1 - span] as string
  const list: Push[] = []
  let before = base
  for (let p = 1; p <= pushes; p++) {
    const head = commits[commits.length - 1 - span + p * every] as string
    list.push({ head, changed: changedPaths(repo, before, head) })
    before = head
  }
  return {
    name: `this repository's last ${span} commits, a push every ${every}`,
    base,
    pushes: list,
    diff: (b, h) => parseUnifiedDiff(repo.git('diff', '--no-color', '--no-ext-diff', '-M', `${b}...${h}`))
  }
}

/** A stand-in for the earlier review's words (their length is what is billed). */
const SUMMARY_TEXT = 'The change adds the parser and its tests; the error paths look right. '.repeat(20)

function runSequence(seq: Sequence): void {
  console.log(`\nPush sequence: ${seq.name}`)
  console.log(
    [
      'push'.padStart(4),
      'files'.padStart(6),
      'changed'.padStart(8),
      'full'.padStart(11),
      'whole files'.padStart(11),
      'near, cont.'.padStart(12),
      'near, new'.padStart(12),
      'own changes'.padStart(12)
    ].join(' ')
  )
  const total = { full: 0, fresh: 0, continued: 0, hunks: 0, own: 0 }
  let before = seq.base
  // What the continued session holds: every review so far.
  let history = 0
  for (const [i, push] of seq.pushes.entries()) {
    const prDiff = seq.diff(seq.base, push.head)
    const full = lengthsOf(planReview(prDiff, OPTIONS).messages)
    const pushDiff = seq.diff(before, push.head)
    const own = lengthsOf(planReview(pushDiff, OPTIONS).messages)
    let fresh: number
    let hunks: number
    let continued: number
    let changed: number
    if (i === 0) {
      // The first review has nothing earlier: full in every scheme.
      fresh = billed(full, NOTE_CHARS)
      continued = fresh
      hunks = fresh
      history = sessionChars(full)
      changed = prDiff.length
    } else {
      const scope = restrictToChanged(prDiff, push.changed)
      changed = scope.files.length
      const paths = scope.files.map(f => f.path)
      const findings: OpenFinding[] = paths
        .slice(0, 3)
        .map((path, k) => ({ path, line: 10 + k, severity: 'minor', title: 'Error path not tested' }))
      const intro = incrementalIntro({
        since: before,
        files: paths,
        previousSummary: SUMMARY_TEXT,
        openFindings: findings
      })
      const freshLengths = lengthsOf(planReview(scope.files, { ...OPTIONS, intro }).messages)
      fresh = billed(freshLengths, NOTE_CHARS)
      // Of those files only the PR's lines near the push's changes, in a new session ...
      const narrowed = narrowToPushedHunks(scope.files, pushDiff)
      hunks = billed(lengthsOf(planReview(narrowed, { ...OPTIONS, intro }).messages), NOTE_CHARS)
      // ... or continuing the session: the earlier reviews are in it; the intro only names the range.
      const rangeOnly = incrementalIntro({ since: before, files: paths, openFindings: [] })
      const contLengths = lengthsOf(planReview(narrowed, { ...OPTIONS, intro: rangeOnly }).messages)
      continued = billed(contLengths, NOTE_CHARS, history)
      history += sessionChars(contLengths)
    }
    const fullCost = billed(full, NOTE_CHARS)
    const ownCost = billed(own, NOTE_CHARS)
    total.full += fullCost
    total.fresh += fresh
    total.continued += continued
    total.hunks += hunks
    total.own += ownCost
    console.log(
      [
        String(i + 1).padStart(4),
        String(prDiff.length).padStart(6),
        String(changed).padStart(8),
        fmt(fullCost).padStart(11),
        fmt(fresh).padStart(11),
        fmt(continued).padStart(12),
        fmt(hunks).padStart(12),
        fmt(ownCost).padStart(12)
      ].join(' ')
    )
    before = push.head
  }
  console.log(
    [
      'life'.padStart(4),
      ''.padStart(6),
      ''.padStart(8),
      fmt(total.full).padStart(11),
      fmt(total.fresh).padStart(11),
      fmt(total.continued).padStart(12),
      fmt(total.hunks).padStart(12),
      fmt(total.own).padStart(12)
    ].join(' ')
  )
  console.log(
    `  × own changes: full ${ratio(total.full, total.own)}; incremental of the files touched, whole, new session ${ratio(total.fresh, total.own)}; incremental of the PR's lines within ${PUSH_CONTEXT_LINES} of the push's changes, continuing the session ${ratio(total.continued, total.own)}, new session ${ratio(total.hunks, total.own)} (target ≤ 1.5)`
  )
}

function main(): void {
  const frame = planFrame(OPTIONS)
  const size = (part: number, parts: number) => {
    const f = frame(part, parts)
    return f.head.length + f.tail.length
  }
  const intro = incrementalIntro({
    since: '0123456789abcdef',
    files: ['src/a.ts', 'src/b.ts', 'src/c.ts'],
    previousSummary: SUMMARY_TEXT,
    openFindings: [
      { path: 'src/a.ts', line: 12, severity: 'major', title: 'Off by one at the end of the list' },
      { path: 'src/b.ts', line: 40, severity: 'minor', title: 'Error path not tested' }
    ]
  })
  console.log(
    `Billed input in characters; limit ${fmt(OPTIONS.limit)} characters a message, no max-turns cap.`
  )
  console.log(
    `Answers modelled as ${NOTE_CHARS} characters of notes per intermediate part and ${SUMMARY_CHARS} for the review.`
  )
  console.log(
    `Fixed text: instructions ${fmt(reviewInstructions(OPTIONS).length)} characters; frame of part 1 of 3 ${size(1, 3)}, of part 2 of 3 ${size(2, 3)}, of part 3 of 3 ${size(3, 3)}; incremental intro (3 files, 2 findings) ${intro.length}.`
  )
  console.log(
    '"bound": fewest messages the diff and its frames could fill. "floor": the messages sent, shortest first, no answers.'
  )

  const own = ownHistory()
  const rows: Row[] = []
  if ('skip' in own) console.log(`\nThis repository's history: skipped (${own.skip}).`)
  else {
    const { repo, commits } = own
    try {
      const head = commits.at(-1) as string
      for (const back of [1, 5, 20, 60]) {
        if (commits.length <= back) continue
        const base = commits[commits.length - 1 - back] as string
        const row = measureDiff(
          `own: last ${back} commit${back === 1 ? '' : 's'}`,
          parseUnifiedDiff(repo.git('diff', '--no-color', '--no-ext-diff', '-M', `${base}...${head}`))
        )
        if (row !== undefined) rows.push(row)
      }
      printRows(`This repository's history (${commits.length} commits)`, rows)
      const each: Row[] = []
      for (let i = Math.max(1, commits.length - 40); i < commits.length; i++) {
        const row = measureDiff(
          `commit ${(commits[i] as string).slice(0, 7)}`,
          parseUnifiedDiff(
            repo.git('diff', '--no-color', '--no-ext-diff', '-M', `${commits[i - 1]}...${commits[i]}`)
          )
        )
        if (row !== undefined) each.push(row)
      }
      const multi = each.filter(r => r.turns > 1)
      printRows(
        `Its last ${each.length} commits one by one: the ${multi.length} of more than one part`,
        multi
      )
      const seq = ownSequence(repo, commits, 9, 4)
      if (seq === undefined)
        console.log('\nPush sequence on this repository: skipped (fewer than 37 commits).')
      else runSequence(seq)
    } finally {
      repo.destroy()
    }
  }

  printRows(
    'Fixture repositories',
    fixtureDiffs().flatMap(d => measureDiff(d.name, d.files) ?? [])
  )

  const repo = GitRepo.create('bench-cost-push-')
  try {
    runSequence(fixtureSequence(repo))
  } finally {
    repo.destroy()
  }
}

main()
