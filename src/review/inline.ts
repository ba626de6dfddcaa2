/**
 * The inline comments of the PR review and the review's own short body (PRODUCT.md, "The PR
 * review"). A comment's body is model text made safe like the summary's, and ends with a hidden
 * marker line that carries the finding's fingerprint, so a later run can tell which findings it
 * already posted (issue 12, "Posting") without trusting anything else in the body.
 */
import type { Finding, Severity } from './findings.js'
import { sanitizeModelText } from './markdown.js'
import { fitSanitized, utf8Length } from './truncate.js'
import { pairSafeCut } from './unicode.js'

/**
 * GitHub refuses a review comment body over 65536 characters, as it does an issue comment's
 * (measured in UTF-8 bytes, never fewer than characters).
 */
export const INLINE_COMMENT_LIMIT = 65536

/** How a severity reads in a comment and in the findings table. */
export const SEVERITY_LABEL: Readonly<Record<Severity, string>> = {
  critical: '🔴 Critical',
  major: '🟠 Major',
  minor: '🟡 Minor',
  nit: '⚪ Nit'
}

/** A fingerprint as `fingerprint()` in findings.ts writes it; nothing else goes into a marker. */
const FINGERPRINT = /^[0-9a-f]{32}$/

const MARKER = /^<!-- rivya-codex-finding ([0-9a-f]{32}) -->$/

/** The hidden last line of an inline comment, or undefined for a fingerprint of another shape. */
export function findingMarker(fingerprint: string): string | undefined {
  return FINGERPRINT.test(fingerprint) ? `<!-- rivya-codex-finding ${fingerprint} -->` : undefined
}

/**
 * The fingerprint of an inline comment this action wrote: read only from the body's last line, the
 * one {@link inlineCommentBody} writes (GitHub may hand the body back with CRLF breaks or trailing
 * blank lines). A marker quoted anywhere else, or written by the model (its text is sanitised, so
 * its `<!--` is broken), does not count.
 */
export function readFindingMarker(body: string): string | undefined {
  const lines = body.split(/\r?\n/)
  while (lines.length > 0 && (lines[lines.length - 1] as string).trim() === '') lines.pop()
  return MARKER.exec(lines[lines.length - 1] ?? '')?.[1]
}

/**
 * A fence of backticks longer than any run of backticks in `text`, so no line of it can close the
 * block (CommonMark: a closing fence is at least as long as the opening one).
 */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map(run => run.length))
  return '`'.repeat(Math.max(3, longest + 1))
}

/**
 * A GitHub `suggestion` block: applying it replaces exactly `start_line..line` with its lines. One
 * trailing line break is the end of the last line, not an empty line to add; an empty suggestion
 * deletes the lines.
 */
export function suggestionBlock(suggestion: string): string {
  const code = suggestion.replace(/\r?\n$/, '')
  const fence = fenceFor(code)
  return code === '' ? `${fence}suggestion\n${fence}` : `${fence}suggestion\n${code}\n${fence}`
}

/** Longest title shown (the parser keeps 200 characters; a finding built elsewhere may hold more). */
const TITLE_SHOWN = 500

function headLine(finding: Finding): string {
  const plain = finding.title.replace(/\s+/g, ' ').trim()
  const cut = plain.length > TITLE_SHOWN ? `${plain.slice(0, pairSafeCut(plain, TITLE_SHOWN))}…` : plain
  // Sanitised as the line it is part of: alone, a title like "~~~x" would read as a fence.
  return sanitizeModelText(`**${SEVERITY_LABEL[finding.severity]}** · ${cut}`)
}

/** A fence opening a `suggestion` block, wherever GitHub might read one (in a list or a quote too). */
const SUGGESTION_FENCE = /^([ \t>*+\-.)0-9]*(?:`{3,}|~{3,})[ \t]*)(?=suggestion)/gim

/**
 * The model's own `suggestion` blocks made plain code blocks (a zero-width space before the word):
 * GitHub would offer to apply them to the comment's lines, which the action never checked they fit.
 */
function disarmSuggestions(text: string): string {
  return text.replace(SUGGESTION_FENCE, '$1\u200B')
}

const BODY_CUT = '_(Cut here to fit GitHub’s comment size limit.)_'
const SUGGESTION_LEFT_OUT = '_(The suggested change was left out: it does not fit in one comment.)_'

/**
 * The body of one inline comment: severity and title, the model's explanation, the suggested
 * change when there is one, and the hidden marker with `fingerprint` (left out when the
 * fingerprint is not 32 hex digits). Always within `limit` bytes: the explanation is cut first,
 * and a suggestion that still does not fit is left out whole, as a cut one would delete code.
 */
export function inlineCommentBody(
  finding: Finding,
  fingerprint: string,
  limit = INLINE_COMMENT_LIMIT
): string {
  const marker = findingMarker(fingerprint)
  const tail = marker !== undefined ? `\n\n${marker}` : ''
  const head = headLine(finding)
  const body = finding.body.trim() === '' ? '' : disarmSuggestions(sanitizeModelText(finding.body.trim()))
  let suggestion = finding.suggestion !== undefined ? suggestionBlock(finding.suggestion) : ''
  const fixed = utf8Length(head) + utf8Length(tail) + 8
  if (suggestion !== '' && fixed + utf8Length(suggestion) + utf8Length(BODY_CUT) + 64 > limit) {
    suggestion = SUGGESTION_LEFT_OUT
  }
  const room = limit - fixed - utf8Length(suggestion)
  const shown = body === '' ? '' : disarmSuggestions(fitSanitized(body, Math.max(0, room), BODY_CUT))
  return [head, shown, suggestion].filter(part => part !== '').join('\n\n') + tail
}

export interface ReviewCounts {
  /** Inline comments posted with this review. */
  inline: number
  /** Findings shown in the summary comment only (not commentable, over the cap, below the severity). */
  summaryOnly: number
}

/** A URL that cannot break out of a Markdown link: https, no space, quote or bracket. */
const PLAIN_URL = /^https:\/\/[^\s"'<>()[\]`\\]+$/

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`
}

/**
 * The short body of the PR review: how many findings are inline and how many only in the summary
 * comment, linked when its URL is known. The verdict, coverage and usage stay in the sticky
 * comment alone, so the two never disagree.
 */
export function reviewBody(commentUrl: string | undefined, counts: ReviewCounts): string {
  const summary =
    commentUrl !== undefined && PLAIN_URL.test(commentUrl)
      ? `[the review comment](${commentUrl})`
      : 'the review comment on this pull request'
  const inline = plural(counts.inline, 'inline comment', 'inline comments')
  const rest =
    counts.summaryOnly > 0
      ? `; ${plural(counts.summaryOnly, 'more finding', 'more findings')} only in ${summary}, with the verdict and coverage`
      : `; the verdict and coverage are in ${summary}`
  return `Codex review: ${inline}${rest}.`
}
