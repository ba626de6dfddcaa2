/**
 * The findings block of the model's last answer (PRODUCT.md, "Findings"): one fenced `json` block
 * `{"findings": [...]}` after the markdown review. The answer is untrusted text, so reading it is
 * tolerant of the shapes a model writes and bounded in everything it keeps: a hostile answer can
 * cost at most a few caps' worth of work and memory, and every cap that bites is said in `notes`.
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'

/** Most severe first: the order of the gate (`fail-on`) and of inline selection. */
export const SEVERITIES = ['critical', 'major', 'minor', 'nit'] as const
export type Severity = (typeof SEVERITIES)[number]
export type Side = 'LEFT' | 'RIGHT'

export interface Finding {
  path: string
  /** The last line the finding is about (GitHub's `line`). */
  line: number
  /** The first line of a range, always below `line` when present (GitHub's `start_line`). */
  startLine?: number
  /** RIGHT: the new file (added or context lines); LEFT: a removed line, old-file numbering. */
  side: Side
  severity: Severity
  title: string
  body: string
  /** The exact code of `line`, as the model saw it: lets the anchorer find a line that moved. */
  snippet?: string
  /** The replacement for `startLine..line` (a GitHub `suggestion` block). */
  suggestion?: string
}

/** A block entry that could not be read as a finding, kept so the summary can still list it. */
export interface RejectedFinding {
  /** Position in the block (0-based). */
  index: number
  reason: string
  /** What could be read of it, bounded, for the summary. */
  path?: string
  line?: number
  title?: string
  /** Its severity, when that much could be read: a severe entry still counts for the verdict. */
  severity?: Severity
}

export type ParsedFindings =
  { findings: Finding[]; rejected: RejectedFinding[]; notes: string[] } | { unreadable: string }

/** Caps on what one answer can make the action keep or parse. */
export const FINDING_LIMITS = {
  /** A block this long is no review's findings: it is not even parsed. */
  blockChars: 16 * 1024 * 1024,
  findings: 200,
  pathChars: 1024,
  titleChars: 200,
  bodyChars: 4000,
  /** A longer snippet cannot be one line of code; it is dropped rather than cut (a cut one never matches). */
  snippetChars: 1000,
  /** A longer suggestion is dropped rather than cut: applying a cut one would delete code. */
  suggestionChars: 8000,
  /** Beyond this a line number is not a line of a reviewable file. */
  line: 10_000_000
} as const

const TRUNCATED = '…'

/** `42` or `"42"`; anything else (`"40-42"`, `42.5`, `"L42"`) stays as it is and fails validation. */
const lineNumber = z.preprocess(
  v => (typeof v === 'string' && /^\s*\d{1,8}\s*$/.test(v) ? Number(v) : v),
  z.number().int().min(1).max(FINDING_LIMITS.line)
)

const text = z.string()

/** Words models write for the four severities (any case); anything else is not read as one. */
const SEVERITY_WORDS: Readonly<Record<string, Severity>> = {
  blocker: 'critical',
  severe: 'critical',
  high: 'major',
  error: 'major',
  medium: 'minor',
  moderate: 'minor',
  warning: 'minor',
  low: 'nit',
  trivial: 'nit',
  nitpick: 'nit'
}

const severity = z
  .string()
  .transform(s => {
    const word = s.trim().toLowerCase()
    return SEVERITY_WORDS[word] ?? word
  })
  .pipe(z.enum(SEVERITIES))

/** The loose shape a model writes: aliases, any case, numbers as strings, nulls for absent. */
const entrySchema = z.object({
  path: text.nullish(),
  file: text.nullish(),
  line: lineNumber.nullish(),
  end_line: lineNumber.nullish(),
  start_line: lineNumber.nullish(),
  side: z
    .string()
    .transform(s => s.trim().toUpperCase())
    .pipe(z.enum(['LEFT', 'RIGHT']))
    .nullish(),
  severity,
  title: text.nullish(),
  body: text.nullish(),
  snippet: text.nullish(),
  suggestion: text.nullish()
})

function cut(value: string, max: number): string {
  return value.length > max ? value.slice(0, max - 1) + TRUNCATED : value
}

/** A title is one line: breaks and runs of white space become one space. */
function oneLine(value: string): string {
  // Bound the work before the regex: a 1 MB title is cut first.
  return value
    .slice(0, FINDING_LIMITS.titleChars * 4)
    .replace(/\s+/g, ' ')
    .trim()
}

/** What the summary can show of an entry that failed validation (bounded, never trusted). */
function glimpse(entry: unknown): Pick<RejectedFinding, 'path' | 'line' | 'title' | 'severity'> {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return {}
  const e = entry as Record<string, unknown>
  const out: Pick<RejectedFinding, 'path' | 'line' | 'title' | 'severity'> = {}
  const read = severity.safeParse(e.severity)
  if (read.success) out.severity = read.data
  const path = [e.path, e.file].find(v => typeof v === 'string')
  if (path !== undefined) out.path = cut(oneLine(path), FINDING_LIMITS.pathChars)
  const line = lineNumber.safeParse(e.line ?? e.end_line)
  if (line.success) out.line = line.data
  if (typeof e.title === 'string') out.title = cut(oneLine(e.title), FINDING_LIMITS.titleChars)
  return out
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map(i => `${i.path.length > 0 ? i.path.join('.') : 'entry'}: ${i.message}`)
    .join('; ')
}

/** One entry → a finding, or why not. `notes` collects what was cut or dropped from it. */
function readEntry(entry: unknown, index: number, notes: string[]): Finding | RejectedFinding {
  const parsed = entrySchema.safeParse(entry)
  if (!parsed.success) return { index, reason: describeIssues(parsed.error), ...glimpse(entry) }
  const e = parsed.data
  const reject = (reason: string): RejectedFinding => ({ index, reason, ...glimpse(entry) })
  const path = e.path ?? e.file
  if (path === undefined || path === null || path.trim() === '') return reject('no path')
  if (path.length > FINDING_LIMITS.pathChars)
    return reject(`path over ${FINDING_LIMITS.pathChars} characters`)
  const line = e.line ?? e.end_line
  if (line === undefined || line === null) return reject('no line')
  const body = e.body ?? ''
  const titleSource = e.title !== undefined && e.title !== null && e.title.trim() !== '' ? e.title : body
  const title = oneLine(titleSource)
  if (title === '') return reject('no title')
  const where = `finding ${index + 1}`
  if (title.length > FINDING_LIMITS.titleChars)
    notes.push(`${where}: title cut to ${FINDING_LIMITS.titleChars} characters`)
  if (body.length > FINDING_LIMITS.bodyChars)
    notes.push(`${where}: body cut to ${FINDING_LIMITS.bodyChars} characters`)
  const finding: Finding = {
    path,
    line,
    side: e.side ?? 'RIGHT',
    severity: e.severity,
    title: cut(title, FINDING_LIMITS.titleChars),
    body: cut(body, FINDING_LIMITS.bodyChars)
  }
  let rangeKept = true
  if (e.start_line !== undefined && e.start_line !== null) {
    // GitHub refuses start_line == line ("start line must precede the end line", ubuntu/WSL#244):
    // a one-line range is a single line.
    if (e.start_line < line) finding.startLine = e.start_line
    else if (e.start_line > line) {
      rangeKept = false
      notes.push(`${where}: start_line ${e.start_line} is after line ${line}; range dropped`)
    }
  }
  if (typeof e.snippet === 'string' && e.snippet.trim() !== '') {
    if (e.snippet.length <= FINDING_LIMITS.snippetChars) finding.snippet = e.snippet
    else notes.push(`${where}: snippet over ${FINDING_LIMITS.snippetChars} characters dropped`)
  }
  if (typeof e.suggestion === 'string') {
    if (!rangeKept) notes.push(`${where}: suggestion dropped with its range`)
    else if (e.suggestion.length > FINDING_LIMITS.suggestionChars) {
      notes.push(`${where}: suggestion over ${FINDING_LIMITS.suggestionChars} characters dropped`)
    } else finding.suggestion = e.suggestion
  }
  return finding
}

interface Fence {
  /** Index of the fence's opening line and just past its closing line (or the text's end). */
  start: number
  end: number
  info: string
  content: string
}

/**
 * Fenced code blocks as CommonMark reads them: a line of three or more backticks or tildes (up to
 * three spaces of indent), closed by a line of the same character at least as long, or by the end.
 */
function fences(answer: string): Fence[] {
  const out: Fence[] = []
  const open = /^ {0,3}(`{3,}|~{3,})([^\n]*)$/gm
  let m: RegExpExecArray | null
  while ((m = open.exec(answer)) !== null) {
    const marker = m[1] as string
    const info = (m[2] as string).trim()
    // A backtick fence's info string holds no backtick (CommonMark 0.31, 4.5).
    if (marker[0] === '`' && info.includes('`')) continue
    const contentStart = m.index + m[0].length + 1
    const close = new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}[ \\t]*$`, 'gm')
    close.lastIndex = Math.min(contentStart, answer.length)
    const c = close.exec(answer)
    const contentEnd = c === null ? answer.length : c.index
    const end = c === null ? answer.length : Math.min(answer.length, c.index + c[0].length + 1)
    out.push({
      start: m.index,
      end,
      info,
      content: answer.slice(Math.min(contentStart, contentEnd), contentEnd)
    })
    open.lastIndex = end
  }
  return out
}

function isCandidate(f: Fence): boolean {
  const lang = f.info.split(/\s/)[0]?.toLowerCase() ?? ''
  if (lang === 'json' || lang === 'jsonc') return true
  const head = f.content.trimStart()
  return lang === '' && (head.startsWith('{') || head.startsWith('['))
}

function findingsArray(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value as unknown[]
  if (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { findings?: unknown }).findings)
  ) {
    return (value as { findings: unknown[] }).findings
  }
  return undefined
}

type Located = { fence: Fence; entries: unknown[] } | { fence: Fence; unreadable: string } | undefined

/** The last fenced block that is (or plainly tries to be) the findings block. */
function locate(answer: string): Located {
  const candidates = fences(answer).filter(isCandidate)
  for (let i = candidates.length - 1; i >= 0; i--) {
    const fence = candidates[i] as Fence
    const looksLikeFindings =
      /"findings"/.test(fence.content.slice(0, 200)) || fence.content.trimStart().startsWith('[')
    if (fence.content.length > FINDING_LIMITS.blockChars) {
      if (looksLikeFindings) {
        return { fence, unreadable: `the findings block is over ${FINDING_LIMITS.blockChars} characters` }
      }
      continue
    }
    let value: unknown
    try {
      value = JSON.parse(fence.content)
    } catch (error) {
      if (looksLikeFindings) {
        const why = error instanceof Error ? error.message : String(error)
        return { fence, unreadable: `the findings block is not valid JSON (${cut(why, 200)})` }
      }
      continue
    }
    const entries = findingsArray(value)
    if (entries !== undefined) return { fence, entries }
    if (looksLikeFindings) return { fence, unreadable: 'the findings block holds no "findings" array' }
  }
  return undefined
}

/** Reads the findings block of the model's last answer; never throws. */
export function parseFindings(answer: string): ParsedFindings {
  const located = locate(answer)
  if (located === undefined) return { unreadable: 'the answer has no findings block' }
  if ('unreadable' in located) return { unreadable: located.unreadable }
  const notes: string[] = []
  const findings: Finding[] = []
  const rejected: RejectedFinding[] = []
  const entries = located.entries
  if (entries.length > FINDING_LIMITS.findings) {
    notes.push(`${entries.length} findings in the block; only the first ${FINDING_LIMITS.findings} were read`)
  }
  entries.slice(0, FINDING_LIMITS.findings).forEach((entry, index) => {
    const read = readEntry(entry, index, notes)
    if ('reason' in read) rejected.push(read)
    else findings.push(read)
  })
  return { findings, rejected, notes }
}

/** The model's prose without its findings block (the comment shows the findings as a table). */
export function proseWithoutFindings(answer: string): string {
  const located = locate(answer)
  if (located === undefined) return answer
  const { start, end } = located.fence
  return (answer.slice(0, start).trimEnd() + '\n' + answer.slice(end)).trim()
}

function normalise(value: string): string {
  return value.replace(/\s+/g, ' ').trim()
}

/**
 * A stable id of a finding across runs: its file, the code it is on (the snippet, or the anchored
 * line's text when there is none) and its title, each with white space normalised (and the title's
 * case folded) — never the line number, which moves whenever code above it changes.
 */
export function fingerprint(finding: Pick<Finding, 'path' | 'title' | 'snippet'>, lineText?: string): string {
  const code = normalise(finding.snippet ?? lineText ?? '')
  const title = normalise(finding.title).toLowerCase()
  // `./a.ts` and `a.ts` name one file (as the anchorer reads paths); nothing else is folded.
  const path = finding.path.replace(/^(?:\.\/)+/, '')
  return createHash('sha256').update(`${path}\0${code}\0${title}`).digest('hex').slice(0, 32)
}
