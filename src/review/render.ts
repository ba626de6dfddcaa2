/**
 * The review comment: what the review found, what it used and what it skipped, safe to post as
 * it is (under GitHub's body limit, no mention that pings anyone, nothing hidden by model output).
 */
import type { SessionTotals } from '../rivya/session.js'
import type { SkippedFile } from './filter.js'

/** Hidden first line that marks the action's own comment (searched together with a bot author). */
export const COMMENT_MARKER = '<!-- rivya-codex-review -->'

/**
 * GitHub rejects comment bodies over 65536 characters (422 "body is too long (maximum is 65536
 * characters)", REST issue-comments docs). Measured here in UTF-8 bytes, which are never fewer than
 * characters however GitHub counts them.
 */
export const COMMENT_LIMIT = 65536

/** What a review used: the sums over its turns, as the Rivya session adds them up. */
export type Usage = SessionTotals

export interface PartNote {
  part: number
  parts: number
  text: string
}

export interface Failure {
  message: string
  code?: string
  requestId?: string
}

export interface ReviewReport {
  pullNumber: number
  headSha: string
  model: string
  reasoningEffort: string
  sessionId?: string
  /** The last turn's answer: the review of the whole pull request. */
  summary?: string
  /** The answers to the parts before the last, folded away in the comment. */
  notes: PartNote[]
  usage: Usage
  reviewedFiles: number
  totalFiles: number
  /** Set when the review stopped before the last part (a budget, the wallet, an error). */
  stoppedBy?: string
  /** Files that were in the diff but not (completely) reviewed because the review stopped. */
  unreviewed: string[]
  skipped: SkippedFile[]
  failure?: Failure
  /** Link to the workflow run, for the footer. */
  runUrl?: string
}

const ZERO_WIDTH_SPACE = '\u200B'

/**
 * Breaks every `@user` and `@org/team` so GitHub does not notify anyone: a zero-width space after
 * the `@` keeps the text readable (and valid inside code) while no longer matching a mention.
 */
export function neutralizeMentions(text: string): string {
  return text.replace(/(^|[^A-Za-z0-9_`])@(?=[A-Za-z0-9])/g, `$1@${ZERO_WIDTH_SPACE}`)
}

/**
 * Model output made safe to embed: no mentions, and nothing that could pass for the action's own
 * marker or state (so a reply cannot make a later run adopt a forged session).
 */
export function sanitizeModelText(text: string): string {
  return neutralizeMentions(text).replace(/<!--\s*rivya-codex-review/gi, '&lt;!-- rivya-codex-review')
}

const STATE_PATTERN = /^<!-- rivya-codex-review:state (\{[^\n]*\}) -->$/m

export interface CommentState {
  sessionId?: string
  headSha?: string
}

function stateLine(state: CommentState): string {
  const clean = (v: string | undefined) =>
    v !== undefined && /^[A-Za-z0-9_.:-]{1,200}$/.test(v) ? v : undefined
  return `<!-- rivya-codex-review:state ${JSON.stringify({ sessionId: clean(state.sessionId), headSha: clean(state.headSha) })} -->`
}

/** Reads the session and head a previous review recorded in its comment (first state line only). */
export function readCommentState(body: string): CommentState | undefined {
  const lines = body.split('\n', 3)
  if (lines[0]?.trim() !== COMMENT_MARKER) return undefined
  const match = STATE_PATTERN.exec(lines[1] ?? '')
  if (match?.[1] === undefined) return undefined
  try {
    const parsed = JSON.parse(match[1]) as Record<string, unknown>
    const pick = (v: unknown) => (typeof v === 'string' && /^[A-Za-z0-9_.:-]{1,200}$/.test(v) ? v : undefined)
    return { sessionId: pick(parsed.sessionId), headSha: pick(parsed.headSha) }
  } catch {
    return undefined
  }
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

/**
 * Cuts text to at most `maxBytes` UTF-8 bytes at a line (else character) boundary, never inside a
 * surrogate pair, closing a code fence left open so the rest of the comment still renders.
 */
export function truncateText(text: string, maxBytes: number, note: string): string {
  if (utf8Length(text) <= maxBytes) return text
  const room = maxBytes - utf8Length(note) - 8
  if (room <= 0) return ''
  // Binary search the longest prefix (in UTF-16 units) whose UTF-8 size fits.
  let lo = 0
  let hi = text.length
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    if (utf8Length(text.slice(0, mid)) <= room) lo = mid
    else hi = mid - 1
  }
  let cut = lo
  const code = text.charCodeAt(cut - 1)
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1
  const newline = text.lastIndexOf('\n', cut)
  if (newline > cut / 2) cut = newline
  let head = text.slice(0, cut)
  const fences = head.match(/^\s*(```|~~~)/gm)?.length ?? 0
  if (fences % 2 === 1) head += '\n```'
  return `${head}\n\n${note}`
}

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 })

/** The usage table of the comment and the job summary. */
export function usageTable(report: ReviewReport): string {
  const u = report.usage
  const rows: [string, string][] = [
    ['Turns', number.format(u.turns)],
    ['Input tokens', number.format(u.inputTokens)],
    ['Output tokens', number.format(u.outputTokens)],
    ['Total tokens', number.format(u.totalTokens)],
    ['Credits reserved', number.format(u.creditsReserved)],
    ['Credits final', number.format(u.creditsFinal)],
    ['Model', `\`${report.model}\``],
    ['Reasoning effort', report.reasoningEffort],
    ['Session', report.sessionId !== undefined ? `\`${report.sessionId}\`` : '—'],
    ['Reviewed head', `\`${report.headSha.slice(0, 12)}\``]
  ]
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n')
}

function escapeCell(text: string): string {
  return neutralizeMentions(text)
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .replace(/`/g, "'")
}

function fileList(title: string, files: SkippedFile[], maxBytes: number): string {
  if (files.length === 0) return ''
  const head = `<details><summary>${title} (${files.length})</summary>\n\n| File | Reason |\n|---|---|\n`
  const tail = '\n</details>'
  let body = ''
  let shown = 0
  for (const f of files) {
    const row = `| \`${escapeCell(f.path)}\` | ${escapeCell(f.reason)} |\n`
    const more = `\n…and ${files.length - shown} more, not listed to keep the comment under GitHub's size limit.\n`
    if (utf8Length(head + body + row + more + tail) > maxBytes) {
      body += more
      break
    }
    body += row
    shown += 1
  }
  return head + body + tail
}

function coverageLine(report: ReviewReport): string {
  const files = `reviewed ${report.reviewedFiles} of ${report.totalFiles} file${report.totalFiles === 1 ? '' : 's'}`
  if (report.stoppedBy !== undefined) return `**Partial review**: ${files}; stopped by ${report.stoppedBy}.`
  return `Complete review: ${files}${report.skipped.length > 0 ? `, ${report.skipped.length} skipped (listed below)` : ''}.`
}

function failureBlock(failure: Failure): string {
  const detail = [failure.code, failure.requestId !== undefined ? `request ${failure.requestId}` : undefined]
    .filter(Boolean)
    .join(', ')
  return `> [!CAUTION]\n> The review failed${detail !== '' ? ` (${detail})` : ''}: ${neutralizeMentions(failure.message).replace(/\n/g, '\n> ')}\n> What was reviewed before the failure is kept below.`
}

/** The whole comment body, always within {@link COMMENT_LIMIT}. */
export function renderComment(report: ReviewReport, limit = COMMENT_LIMIT): string {
  const header = [
    COMMENT_MARKER,
    stateLine({ sessionId: report.sessionId, headSha: report.headSha }),
    `## Codex review of #${report.pullNumber}`,
    ''
  ].join('\n')
  const failure = report.failure !== undefined ? `${failureBlock(report.failure)}\n\n` : ''
  const coverage = `${coverageLine(report)}\n\n`
  const usage = `### Usage\n\n${usageTable(report)}\n`
  const footer = report.runUrl !== undefined ? `\n<sub>[Workflow run](${report.runUrl})</sub>\n` : ''
  const fixed = header + failure + coverage + usage + footer
  // Lists of files get at most a quarter of the room; the review text gets the rest.
  const listRoom = Math.floor((limit - utf8Length(fixed)) / 4)
  const skipped = fileList('Skipped files', report.skipped, listRoom / 2)
  const unreviewed = fileList(
    'Not reviewed (the review stopped first)',
    report.unreviewed.map(path => ({ path, reason: `not reached: ${report.stoppedBy ?? 'stopped'}` })),
    listRoom / 2
  )
  const lists = [skipped, unreviewed].filter(Boolean).join('\n\n')
  let room = limit - utf8Length(fixed) - utf8Length(lists) - 16

  const summaryText =
    report.summary !== undefined
      ? sanitizeModelText(report.summary.trim())
      : report.notes.length > 0
        ? '_No final summary: the review stopped before its last part. The notes on the parts reviewed are below._'
        : '_Nothing was reviewed._'
  const summary = truncateText(
    summaryText,
    Math.max(0, room - 200),
    '_(The summary was cut here to fit GitHub’s comment size limit.)_'
  )
  room -= utf8Length(summary)

  let notes = ''
  if (report.notes.length > 0) {
    const inner = report.notes
      .map(n => `#### Part ${n.part} of ${n.parts}\n\n${sanitizeModelText(n.text.trim())}`)
      .join('\n\n')
    const open = `<details><summary>Notes per part (${report.notes.length})</summary>\n\n`
    const close = '\n\n</details>'
    const cut = truncateText(
      inner,
      room - utf8Length(open + close) - 8,
      '_(Notes cut here to fit GitHub’s comment size limit.)_'
    )
    if (cut !== '') notes = open + cut + close
  }

  const parts = [header + failure + summary, notes, coverage.trimEnd(), lists, usage + footer]
  return parts.filter(p => p !== '').join('\n\n')
}

/** A short reply comment (help text, an answer to a question), with the same protections. */
export function renderReply(text: string, footer: string, limit = COMMENT_LIMIT): string {
  const tail = footer !== '' ? `\n\n<sub>${footer}</sub>` : ''
  const body = truncateText(
    sanitizeModelText(text.trim()),
    limit - utf8Length(tail) - 64,
    '_(Cut here to fit GitHub’s comment size limit.)_'
  )
  return body + tail
}
