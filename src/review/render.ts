/**
 * The review comment: what the review found, what it used and what it skipped, safe to post as
 * it is (under GitHub's body limit, no mention that pings anyone, nothing hidden by model output).
 */
import type { SessionTotals } from '../rivya/session.js'
import { COMMENT_MARKER, stateLine, type CommentState, type StoredFinding } from './comment-state.js'
import type { SkippedFile } from './filter.js'
import { proseWithoutFindings } from './findings.js'
import { findingsSection, verdictLine, type FindingsSection } from './findings-table.js'
import { displayPath } from './visible.js'
import { escapeCell, inertId, neutralizeText, sanitizeModelText } from './markdown.js'
import { fitSanitized, utf8Length } from './truncate.js'

/**
 * GitHub rejects comment bodies over 65536 characters (422 "body is too long (maximum is 65536
 * characters)", REST issue-comments docs). Measured here in UTF-8 bytes, which are never fewer than
 * characters however GitHub counts them.
 */
export const COMMENT_LIMIT = 65536

/** What a review used: the sums over its turns, as the Rivya session adds them up. */
export type Usage = SessionTotals

export type { FindingRow, FindingsSection } from './findings-table.js'

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
  /** Set when what was read differs from GitHub's line counts (src/review/cross-check.ts). */
  mismatch?: string
  failure?: Failure
  /** Link to the workflow run, for the footer. */
  runUrl?: string
  /** Tokens the session holds at the end, recorded for questions asked in it later. */
  historyTokens?: number
  /** Set when the review settled more than `max-credits`: the cap, for the comment to say so. */
  maxCredits?: number
  /**
   * The findings, verdict and what became of each (findings-table.ts). When set, the comment puts
   * the action's facts first (verdict, coverage, findings table) and the model's prose after them,
   * labelled as the model's, without its findings block. Unset (questions, older callers): the
   * comment reads as before.
   */
  findings?: FindingsSection
  /** What the state line keeps of the findings for the next run (comment-state.ts). */
  stateFindings?: StoredFinding[]
  /** The pull request's running total, this review included. */
  prTotal?: { reviews: number; credits: number }
  /** Images attached to the review (a modified image, with its two versions, counts once). */
  images?: number
  /** An incremental review: what it covered ("changes since a1b2c3d: 3 files"). */
  range?: string
  /** Why a review that could have been incremental was full (a force-push, …). */
  fullBecause?: string
  /** What the state line keeps for the next incremental review (comment-state.ts). */
  carry?: Pick<CommentState, 'summary' | 'incremental' | 'incomplete'>
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
    ...(report.images !== undefined && report.images > 0
      ? ([['Images', number.format(report.images)]] as [string, string][])
      : []),
    ['Model', `\`${report.model}\``],
    ['Reasoning effort', report.reasoningEffort],
    ['Session', report.sessionId !== undefined ? `\`${inertId(report.sessionId)}\`` : '—'],
    ['Reviewed head', `\`${report.headSha.slice(0, 12)}\``],
    ...(report.prTotal !== undefined
      ? ([
          [
            'This PR so far',
            `${number.format(report.prTotal.reviews)} review${report.prTotal.reviews === 1 ? '' : 's'}, ${number.format(report.prTotal.credits)} credits`
          ]
        ] as [string, string][])
      : [])
  ]
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n')
}

/** Longest path a file list shows whole; a longer one is cut in the middle, with its hash. */
const PATH_SHOWN_MAX = 1024

function fileList(title: string, files: SkippedFile[], maxBytes: number): string {
  if (files.length === 0) return ''
  const head = `<details><summary>${title} (${files.length})</summary>\n\n| File | Reason |\n|---|---|\n`
  const tail = '\n</details>'
  let body = ''
  let shown = 0
  for (const f of files) {
    // Shown as the messages show it: a bidirectional or invisible character would make the list
    // name another file than the one skipped.
    const row = `| \`${escapeCell(displayPath(f.path, PATH_SHOWN_MAX))}\` | ${escapeCell(f.reason)} |\n`
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
  const over = overspend(report.usage.creditsFinal, report.maxCredits)
  const tail = scopeLine(report) + (over !== undefined ? `\n\n> [!NOTE]\n> ${over}` : '')
  const mismatch = report.mismatch !== undefined ? `; ${report.mismatch}` : ''
  if (report.stoppedBy !== undefined)
    return `**Partial review**: ${files}; stopped by ${report.stoppedBy}${mismatch}.${tail}`
  const skipped = report.skipped.length > 0 ? `, ${report.skipped.length} skipped (listed below)` : ''
  if (mismatch !== '') return `**Incomplete review**: ${files}${skipped}${mismatch}.${tail}`
  return `Complete review: ${files}${skipped}.${tail}`
}

/** What an incremental review covered, or why a review was full when it could have been incremental. */
function scopeLine(report: ReviewReport): string {
  if (report.range !== undefined) return `\n\nIncremental review: ${neutralizeText(report.range, false)}.`
  if (report.fullBecause !== undefined)
    return `\n\nFull review: ${neutralizeText(report.fullBecause, false)}.`
  return ''
}

/**
 * Rivya has no cap on an answer's length (RIVYA_API.md: no output limit in the request), so the
 * last answer can settle past `max-credits` although its estimate fitted: said, never hidden.
 */
export function overspend(spent: number, cap: number | undefined): string | undefined {
  if (cap === undefined || spent <= cap) return undefined
  return `Spent ${number.format(spent)} of a ${number.format(cap)}-credit cap: the last answer ran long (Rivya cannot cap an answer's length).`
}

function summaryText(report: ReviewReport): string {
  if (report.summary !== undefined) {
    const prose = report.findings !== undefined ? proseWithoutFindings(report.summary) : report.summary
    if (prose.trim() === '' && report.findings !== undefined) return '_No prose beyond the findings block._'
    return sanitizeModelText(prose.trim())
  }
  if (report.notes.length > 0)
    return '_No final summary: the review stopped before its last part. The notes on the parts reviewed are below._'
  return '_Nothing was reviewed._'
}

/** The heading over the model's text, so no reader takes it for the action's own words. */
function modelHeading(report: ReviewReport): string {
  return `### The model's review

<sub>Written by \`${inertId(report.model)}\`; not checked by the action.</sub>\n\n`
}

function failureBlock(failure: Failure): string {
  const detail = [
    failure.code !== undefined ? inertId(failure.code) : undefined,
    failure.requestId !== undefined ? `request ${inertId(failure.requestId)}` : undefined
  ]
    .filter(Boolean)
    .join(', ')
  const message = neutralizeText(failure.message.replace(/\r\n?/g, '\n'), true).replace(/\n/g, '\n> ')
  return `> [!CAUTION]\n> The review failed${detail !== '' ? ` (${detail})` : ''}: ${message}\n> What was reviewed before the failure is kept below.`
}

/** The whole comment body, always within {@link COMMENT_LIMIT}. */
export function renderComment(report: ReviewReport, limit = COMMENT_LIMIT): string {
  const header = [
    COMMENT_MARKER,
    stateLine({
      sessionId: report.sessionId,
      headSha: report.headSha,
      historyTokens: report.historyTokens,
      model: report.model,
      ...(report.stateFindings === undefined ? {} : { findings: report.stateFindings }),
      ...(report.prTotal === undefined ? {} : { total: report.prTotal }),
      ...report.carry
    }),
    `## Codex review of #${report.pullNumber}`,
    ''
  ].join('\n')
  const failure = report.failure !== undefined ? `${failureBlock(report.failure)}\n\n` : ''
  const coverage = `${coverageLine(report)}\n\n`
  const usage = `### Usage\n\n${usageTable(report)}\n`
  const footer = report.runUrl !== undefined ? `\n<sub>[Workflow run](${report.runUrl})</sub>\n` : ''
  const section = report.findings
  const verdict = section !== undefined ? `${verdictLine(section)}\n\n` : ''
  const labelled = section !== undefined ? modelHeading(report) : ''
  const fixed = header + failure + verdict + coverage + labelled + usage + footer
  // Lists of files get at most a quarter of the room, the findings a third; the review text the rest.
  const listRoom = Math.floor((limit - utf8Length(fixed)) / 4)
  const skipped = fileList('Skipped files', report.skipped, listRoom / 2)
  const unreviewed = fileList(
    'Not reviewed (the review stopped first)',
    report.unreviewed.map(path => ({ path, reason: `not reached: ${report.stoppedBy ?? 'stopped'}` })),
    listRoom / 2
  )
  const lists = [skipped, unreviewed].filter(Boolean).join('\n\n')
  const findings =
    section !== undefined ? findingsSection(section, Math.floor((limit - utf8Length(fixed)) / 3)) : ''
  let room = limit - utf8Length(fixed) - utf8Length(lists) - utf8Length(findings) - 24

  const summary = fitSanitized(
    summaryText(report),
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
    const cut = fitSanitized(
      inner,
      room - utf8Length(open + close) - 8,
      '_(Notes cut here to fit GitHub’s comment size limit.)_'
    )
    if (cut !== '') notes = open + cut + close
  }

  const parts =
    section === undefined
      ? [header + failure + summary, notes, coverage.trimEnd(), lists, usage + footer]
      : [
          header + failure + verdict + coverage.trimEnd(),
          findings,
          labelled + summary,
          notes,
          lists,
          usage + footer
        ]
  return parts.filter(p => p !== '').join('\n\n')
}

/** A short reply comment (help text, an answer to a question), with the same protections. */
export function renderReply(text: string, footer: string, limit = COMMENT_LIMIT): string {
  const tail = footer !== '' ? `\n\n<sub>${footer}</sub>` : ''
  const body = fitSanitized(
    sanitizeModelText(text.trim()),
    limit - utf8Length(tail) - 64,
    '_(Cut here to fit GitHub’s comment size limit.)_'
  )
  return body + tail
}
