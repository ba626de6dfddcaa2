/**
 * The comment's identity: the hidden marker that tells the action's own comment, and the state
 * line after it that records the session, its model and the reviewed head for a later run or question.
 */
import { z } from 'zod'
import { PLAIN_ID, neutralizeMentions } from './markdown.js'
import { utf8Length } from './truncate.js'

/** Hidden first line that marks the action's own comment (searched together with a bot author). */
export const COMMENT_MARKER = '<!-- rivya-codex-review -->'

const STATE_PATTERN = /^<!-- rivya-codex-review:state (\{[^\n]*\}) -->$/m

export interface CommentState {
  sessionId?: string
  headSha?: string
  /** Tokens the session holds after the review (its last turn's input and output): what a question there carries. */
  historyTokens?: number
  /**
   * The model the session was made with: Rivya refuses a turn in it with any other model, 409
   * `chat_session_conflict` (RIVYA_API.md "Errors"). Absent in comments written before it was
   * recorded: then the model is unknown.
   */
  model?: string
  /** The findings this review left open, for the next run: not posted twice, "no longer seen", carried over. */
  findings?: StoredFinding[]
  /** The pull request's running total, over every review this comment recorded. */
  total?: { reviews: number; credits: number }
  /** The start of the model's summary, for the next incremental review's intro. */
  summary?: string
  /**
   * Set when the review was incremental: the head it started from and the intro it sent, so a
   * re-run of it sends the same turns (and Rivya replays them) instead of a full review.
   */
  incremental?: { since: string; intro: string }
  /**
   * Set when this review is no base for an incremental one, so the next push is reviewed in full:
   * `coverage`, it did not see everything (a budget stop, an error, counts that disagree), so the
   * files it never reached would stay unreviewed; `findings`, not every open finding is on record
   * (a block that could not be read, entries that could not be placed, more than the line keeps),
   * so one carried over could be lost and the verdict pass without it.
   */
  incomplete?: Incomplete
}

export type Incomplete = 'coverage' | 'findings'
const INCOMPLETE: readonly Incomplete[] = ['coverage', 'findings']

/** A finding as the state line keeps it: enough to name it and to tell it again (its fingerprint). */
export interface StoredFinding {
  /** {@link fingerprint} of the finding (32 hex digits). */
  fp: string
  path: string
  line: number
  side: 'LEFT' | 'RIGHT'
  severity: 'critical' | 'major' | 'minor' | 'nit'
  title: string
  /** Posted as an inline comment. */
  inline?: boolean
}

/** What the state line keeps of findings: the line lives in a 65536-character comment. */
export const STATE_LIMITS = {
  findings: 100,
  pathChars: 300,
  titleChars: 120,
  summaryChars: 400,
  introChars: 2000,
  /**
   * Most UTF-8 bytes the findings take in the line: escaped, a `<` is six characters, and the line
   * lives in a comment GitHub refuses past 65536; what does not fit is left out, least severe first.
   */
  findingsBytes: 32 * 1024
} as const

const SEVERITY_ORDER = ['critical', 'major', 'minor', 'nit'] as const

const incremental = z.object({
  since: z.string().regex(/^[0-9a-f]{7,64}$/),
  intro: z.string().max(STATE_LIMITS.introChars)
})

const storedFinding = z.object({
  fp: z.string().regex(/^[0-9a-f]{32}$/),
  path: z.string().min(1).max(STATE_LIMITS.pathChars),
  line: z.number().int().min(1).max(10_000_000),
  side: z.enum(['LEFT', 'RIGHT']),
  severity: z.enum(['critical', 'major', 'minor', 'nit']),
  title: z.string().max(STATE_LIMITS.titleChars),
  inline: z.boolean().optional()
})

const total = z.object({
  reviews: z.number().int().min(0).max(1_000_000),
  credits: z.number().min(0).max(1e12)
})

function cutText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/**
 * The findings kept, most severe first, each within the limits and all within
 * {@link STATE_LIMITS.findingsBytes}; `complete` is false when any had to be left out (a long path,
 * over the count or the bytes), so the next review knows not to rely on them.
 */
function storable(
  findings: readonly StoredFinding[] | undefined
): { kept: StoredFinding[]; complete: boolean } | undefined {
  if (findings === undefined) return undefined
  const sorted = [...findings].sort(
    (a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity)
  )
  const kept: StoredFinding[] = []
  let bytes = 0
  for (const f of sorted) {
    const entry = { ...f, title: cutText(f.title, STATE_LIMITS.titleChars) }
    if (kept.length >= STATE_LIMITS.findings || !storedFinding.safeParse(entry).success) continue
    const size = utf8Length(inertJson(entry)) + 1
    if (bytes + size > STATE_LIMITS.findingsBytes) continue
    bytes += size
    kept.push(entry)
  }
  return { kept, complete: kept.length === findings.length }
}

/**
 * JSON that cannot end the HTML comment it sits in nor break its line: `<`, `>` and `&` (so no
 * `-->` and no markup) and the characters some readers take as line ends are written as escapes.
 */
function inertJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
}

/** The hidden second line that records the session and head for later runs. */
export function stateLine(state: CommentState): string {
  const stored = storable(state.findings)
  const kept = state.total !== undefined && total.safeParse(state.total).success ? state.total : undefined
  const incomplete = state.incomplete ?? (stored?.complete === false ? 'findings' : undefined)
  return `<!-- rivya-codex-review:state ${inertJson({
    sessionId: plainId(state.sessionId),
    headSha: plainId(state.headSha),
    historyTokens: tokenCount(state.historyTokens),
    model: plainId(state.model),
    ...(stored === undefined ? {} : { findings: stored.kept }),
    ...(kept === undefined ? {} : { total: kept }),
    ...(typeof state.summary === 'string' && state.summary !== ''
      ? { summary: neutralizeMentions(cutText(state.summary, STATE_LIMITS.summaryChars)) }
      : {}),
    ...(state.incremental !== undefined && incremental.safeParse(state.incremental).success
      ? { incremental: state.incremental }
      : {}),
    ...(incomplete === undefined ? {} : { incomplete })
  })} -->`
}

/** An id recorded in the state line only in the plain shape a real id has: anything else is dropped. */
function plainId(v: unknown): string | undefined {
  return typeof v === 'string' && PLAIN_ID.test(v) ? v : undefined
}

function tokenCount(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined
}

/** Reads the session and head a previous review recorded in its comment (first state line only). */
export function readCommentState(body: string): CommentState | undefined {
  const lines = body.split('\n', 3)
  if (lines[0]?.trim() !== COMMENT_MARKER) return undefined
  const match = STATE_PATTERN.exec(lines[1] ?? '')
  if (match?.[1] === undefined) return undefined
  try {
    const parsed = JSON.parse(match[1]) as Record<string, unknown>
    const historyTokens = tokenCount(parsed.historyTokens)
    const model = plainId(parsed.model)
    const findings = Array.isArray(parsed.findings)
      ? parsed.findings.slice(0, STATE_LIMITS.findings).flatMap(f => {
          const read = storedFinding.safeParse(f)
          return read.success ? [read.data] : []
        })
      : undefined
    const kept = total.safeParse(parsed.total)
    const since = incremental.safeParse(parsed.incremental)
    const incomplete = INCOMPLETE.find(v => v === parsed.incomplete)
    const summary =
      typeof parsed.summary === 'string' ? parsed.summary.slice(0, STATE_LIMITS.summaryChars) : undefined
    return {
      sessionId: plainId(parsed.sessionId),
      headSha: plainId(parsed.headSha),
      ...(historyTokens === undefined ? {} : { historyTokens }),
      ...(model === undefined ? {} : { model }),
      ...(findings === undefined ? {} : { findings }),
      ...(kept.success ? { total: kept.data } : {}),
      ...(summary === undefined || summary === '' ? {} : { summary }),
      ...(since.success ? { incremental: since.data } : {}),
      ...(incomplete === undefined ? {} : { incomplete })
    }
  } catch {
    return undefined
  }
}
