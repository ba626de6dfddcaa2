/**
 * The review comment: what the review found, what it used and what it skipped, safe to post as
 * it is (under GitHub's body limit, no mention that pings anyone, nothing hidden by model output).
 */
import type { SessionTotals } from '../rivya/session.js'
import type { SkippedFile } from './filter.js'
import { displayPath } from './visible.js'

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
  /** Set when what was read differs from GitHub's line counts (src/review/cross-check.ts). */
  mismatch?: string
  failure?: Failure
  /** Link to the workflow run, for the footer. */
  runUrl?: string
  /** Tokens the session holds at the end, recorded for questions asked in it later. */
  historyTokens?: number
  /** Set when the review settled more than `max-credits`: the cap, for the comment to say so. */
  maxCredits?: number
}

const ZERO_WIDTH_SPACE = '\u200B'

/** Character references that render as `@`: `&#64;`, `&#x40;`, `&commat;`, in any case, leading zeros too. */
const AT_REFERENCE = /&(?:#0*64|#x0*40|commat);/gi

/**
 * An `@` GitHub could link. Its mention filter (html-pipeline's MentionFilter) matches `(?:^|\W)@login` in
 * each rendered text node, skipping only `pre`, `code` and `a`. Only a letter or digit right before the `@`
 * surely stays in the same node (`_foo_@bob` renders as `<em>foo</em>@bob`, a node that starts with `@bob`).
 * After it: any letter or digit (the filter's case-insensitive `[a-z]` also takes `K` and `ſ`), or a
 * character reference (`@&#97;lice` renders as `@alice`).
 */
const LIVE_AT = /(?<![A-Za-z0-9])@(?=[\p{L}\p{N}&])/gu

/**
 * Breaks every `@user` and `@org/team` so GitHub does not notify anyone: a zero-width space after the `@`
 * keeps the text readable while no longer matching a mention. E-mail addresses are left as they are. Reads
 * no Markdown, so it is safe anywhere (a table cell, a quote), code included; model output goes through
 * {@link sanitizeModelText}, which leaves code alone.
 */
export function neutralizeMentions(text: string): string {
  return text.replace(AT_REFERENCE, `@${ZERO_WIDTH_SPACE}`).replace(LIVE_AT, `@${ZERO_WIDTH_SPACE}`)
}

/**
 * A URI autolink (CommonMark): a link, and no HTML (a tag name has no `:`). One with a backtick is left out,
 * as it would take that backtick away from the code spans read here.
 */
const AUTOLINK = /<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>`]*>/y

/** Tags without attributes that hide nothing, kept where they are inline. */
const HARMLESS_TAG = /<\/?(?:br|kbd|sub|sup)[ \t]*\/?>/iy

/** What may stand before the first character of a block: indentation, quote and list markers. */
const BLOCK_PREFIX = /^[ \t>*+\-.)0-9]*/

function matchesAt(pattern: RegExp, text: string, at: number): boolean {
  pattern.lastIndex = at
  return pattern.test(text)
}

/**
 * Text outside code made inert: no mention, and no `<` that could open a tag, a comment, a declaration or an
 * e-mail autolink. So model text can start no HTML block (an unclosed `<!--`, `<pre>` or `<style>` would take
 * the rest of the comment with it, `<b>` alone on a line the fence below it) and cannot close or open the
 * comment's `<details>`. A zero-width space after the `<` shows as nothing. Kept: URI autolinks, and
 * {@link HARMLESS_TAG}s unless first on a line, where `<br>` alone would open an HTML block.
 */
function neutralizeText(text: string, atLineStart: boolean): string {
  // `[!NOTE]` opens a GitHub alert and `[^1]:` a footnote shown below the action's footer: model
  // text would pass for the action's own boxes and last words.
  return neutralizeMentions(text)
    .replace(/\[(?=[!^])/g, `[${ZERO_WIDTH_SPACE}`)
    .split('\n')
    .map((line, n) => {
      const blockStart = n > 0 || atLineStart ? (BLOCK_PREFIX.exec(line)?.[0].length ?? 0) : -1
      return line.replace(/<(?![ \t\u200B]|$)/g, (lt: string, at: number) =>
        matchesAt(AUTOLINK, line, at) || (at !== blockStart && matchesAt(HARMLESS_TAG, line, at))
          ? lt
          : lt + ZERO_WIDTH_SPACE
      )
    })
    .join('\n')
}

/** A fenced code block: its fence and how far the opening line is indented. */
interface Fence {
  char: string
  length: number
  indent: number
  /** False for `math`, which GitHub renders outside `<pre>`: its text is made inert like any other. */
  verbatim: boolean
}

const BLANK = /^[ \t]*$/

/** The fence a line opens at the top level (CommonMark: up to three spaces in, no backtick after ```). */
function fenceOpener(line: string): Fence | undefined {
  const match = /^( {0,3})(`{3,}|~{3,})([\s\S]*)$/.exec(line)
  const [indent, run, info] = [match?.[1] ?? '', match?.[2] ?? '', match?.[3] ?? '']
  if (run === '' || (run.startsWith('`') && info.includes('`'))) return undefined
  return { char: run.charAt(0), length: run.length, indent: indent.length, verbatim: !/math/i.test(info) }
}

/** Columns of leading whitespace, tabs to the next multiple of four (CommonMark). */
function indentWidth(line: string): number {
  let width = 0
  for (const c of line) {
    if (c === ' ') width += 1
    else if (c === '\t') width += 4 - (width % 4)
    else break
  }
  return width
}

/** Whether a line could close `fence` under some indentation: only that fence's character, long enough. */
function closerRun(line: string, fence: Fence): boolean {
  const run = /^[ \t]*(`+|~+)[ \t]*$/.exec(line)?.[1] ?? ''
  return run.startsWith(fence.char) && run.length >= fence.length
}

/**
 * The line that closes the fence opened on line `start` (`lines.length` when none does), or undefined when
 * GitHub might not read a fence there. At column 0 it is a top-level fence for sure: no list item or quote
 * goes on at column 0, and model text opens no HTML block. Indented by one to three spaces, it may instead
 * sit in a list item, which any less indented line would end, fence and all; so it counts only if it is
 * closed (within three columns, as both readings then agree) before such a line, or runs to the end.
 */
function fenceEnd(lines: readonly string[], start: number, fence: Fence): number | undefined {
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (fence.indent === 0) {
      if (closerRun(line, fence) && indentWidth(line) <= 3) return i
    } else if (!BLANK.test(line)) {
      const width = indentWidth(line)
      if (width < fence.indent) return undefined
      if (closerRun(line, fence)) return width <= 3 ? i : undefined
    }
  }
  return lines.length
}

/** A fence GitHub will see: its opening line, and its closing line (`lines.length` when left open). */
interface FencedBlock {
  fence: Fence
  start: number
  end: number
}

/** The fenced code blocks of `lines` that GitHub will read as this module does. */
function* fencedBlocks(lines: readonly string[]): Generator<FencedBlock> {
  for (let start = 0; start < lines.length; start++) {
    const fence = fenceOpener(lines[start] ?? '')
    const end = fence !== undefined ? fenceEnd(lines, start, fence) : undefined
    if (fence === undefined || end === undefined) continue
    yield { fence, start, end }
    start = end
  }
}

function closingLine(fence: Fence): string {
  return ' '.repeat(fence.indent) + fence.char.repeat(fence.length)
}

/**
 * What could be a fence inside a list item, a quote or a footnote, or an indented fence that
 * {@link fenceEnd} does not vouch for: everything up to its ``` or ~~~.
 */
const FENCE_LIKE = /^(?:[ \t>]|[-+*](?=[ \t])|[0-9]{1,9}[.)](?=[ \t])|\[\^[^\]]*\]:)*(?=```|~~~)/

/** A zero-width space before the fence, so GitHub opens or closes no code block there either. */
function breakFence(line: string): string {
  const prefix = FENCE_LIKE.exec(line)?.[0]
  return prefix === undefined ? line : `${prefix}${ZERO_WIDTH_SPACE}${line.slice(prefix.length)}`
}

/** ASCII punctuation, which a backslash escapes (CommonMark). */
const ESCAPABLE = /[!-/:-@[-`{-~]/

/**
 * The code spans of one line read alone, as CommonMark reads them (a backtick string closed by the next
 * string of the same length, a backslash escaping an opening backtick but not a closing one), and whether
 * every backtick string found its match.
 */
function codeSpans(line: string): { spans: [number, number][]; paired: boolean } {
  const spans: [number, number][] = []
  let paired = true
  let i = 0
  while (i < line.length) {
    if (line[i] === '\\' && ESCAPABLE.test(line[i + 1] ?? '')) {
      i += 2
      continue
    }
    if (line[i] !== '`') {
      i += 1
      continue
    }
    const ticks = /`+/g
    ticks.lastIndex = i
    const open = ticks.exec(line)?.[0].length ?? 1
    let close = ticks.exec(line)
    while (close !== null && close[0].length !== open) close = ticks.exec(line)
    if (close === null) {
      paired = false
      i += open
    } else {
      spans.push([i, close.index + open])
      i = close.index + open
    }
  }
  return { spans, paired }
}

/**
 * Inline syntax GitHub reads raw, backticks and all: link destinations, titles and labels, bare URLs (GFM's
 * autolinks take `www.x/`y` whole) and math.
 */
const RAW_INLINE = /\]\(|\]\[|www\.|:\/\/|\$/i

/**
 * Lines between blank lines and fences, which GitHub may read as one paragraph or as several blocks (list
 * items, quotes, headings, table rows), made inert but for their code spans. A code span counts only when
 * every line of the run pairs all its backticks by itself: then no reading of where the blocks break can pair
 * them otherwise. Not in a line with `|` (a table splits its cells first) nor in a run with links or math.
 */
function neutralizeRun(lines: readonly string[]): string[] {
  const read = lines.map(codeSpans)
  const trusted = read.every(r => r.paired) && !lines.some(line => RAW_INLINE.test(line))
  return lines.map((line, k) => {
    const spans = trusted && !line.includes('|') ? (read[k]?.spans ?? []) : []
    let out = ''
    let at = 0
    for (const [from, to] of spans) {
      out += neutralizeText(line.slice(at, from), at === 0) + line.slice(from, to)
      at = to
    }
    return out + neutralizeText(line.slice(at), at === 0)
  })
}

/** The action's marker or state line, forged (a reply could otherwise make a later run adopt a session). */
const FORGED_MARKER = /<!--\s*rivya-codex-review/gi

/**
 * Model output made safe to embed in the comment: no mention that pings (not even entity-encoded), no HTML
 * that could hide the rest of the comment or forge the action's marker or state, no code block left open.
 * Code stays as written where GitHub will surely read it as code (fenced blocks, closed code spans), as
 * GitHub links no mention there; what could be read either way is made inert.
 */
export function sanitizeModelText(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').replace(FORGED_MARKER, '&lt;!-- rivya-codex-review').split('\n')
  const out: string[] = []
  let run: string[] = []
  const endRun = () => {
    for (const line of neutralizeRun(run)) out.push(line)
    run = []
  }
  const prose = (from: number, to: number) => {
    for (const line of lines.slice(from, to)) {
      if (BLANK.test(line)) {
        endRun()
        out.push(line)
      } else run.push(breakFence(line))
    }
    endRun()
  }
  let next = 0
  for (const { fence, start, end } of fencedBlocks(lines)) {
    prose(next, start)
    const body = lines.slice(start + 1, end)
    out.push(lines[start] ?? '')
    for (const line of body) out.push(fence.verbatim ? line : neutralizeText(line, true))
    if (end < lines.length) out.push(lines[end] ?? '')
    else {
      if (body.length > 0 && out[out.length - 1] === '') out.pop()
      out.push(closingLine(fence))
    }
    next = end + 1
  }
  prose(next, lines.length)
  return out.join('\n')
}

const STATE_PATTERN = /^<!-- rivya-codex-review:state (\{[^\n]*\}) -->$/m

export interface CommentState {
  sessionId?: string
  headSha?: string
  /** Tokens the session holds after the review (its last turn's input and output): what a question there carries. */
  historyTokens?: number
}

function stateLine(state: CommentState): string {
  const clean = (v: string | undefined) =>
    v !== undefined && /^[A-Za-z0-9_.:-]{1,200}$/.test(v) ? v : undefined
  return `<!-- rivya-codex-review:state ${JSON.stringify({ sessionId: clean(state.sessionId), headSha: clean(state.headSha), historyTokens: tokenCount(state.historyTokens) })} -->`
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
    const pick = (v: unknown) => (typeof v === 'string' && /^[A-Za-z0-9_.:-]{1,200}$/.test(v) ? v : undefined)
    const historyTokens = tokenCount(parsed.historyTokens)
    return {
      sessionId: pick(parsed.sessionId),
      headSha: pick(parsed.headSha),
      ...(historyTokens === undefined ? {} : { historyTokens })
    }
  } catch {
    return undefined
  }
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

/**
 * The longest prefix within `maxBytes` UTF-8 bytes, at a line (else character) boundary, never inside a
 * surrogate pair.
 */
function cutToBytes(text: string, maxBytes: number): string {
  // Binary search the longest prefix (in UTF-16 units) whose UTF-8 size fits.
  let lo = 0
  let hi = text.length
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    if (utf8Length(text.slice(0, mid)) <= maxBytes) lo = mid
    else hi = mid - 1
  }
  let cut = lo
  const code = text.charCodeAt(cut - 1)
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1
  const newline = text.lastIndexOf('\n', cut)
  if (newline > cut / 2) cut = newline
  return text.slice(0, cut)
}

/**
 * Cuts text to at most `maxBytes` UTF-8 bytes at a line (else character) boundary, never inside a
 * surrogate pair, closing a code fence left open (same character, length and indentation, as a shorter
 * or other fence would not close it) so the rest of the comment still renders.
 */
export function truncateText(text: string, maxBytes: number, note: string): string {
  if (utf8Length(text) <= maxBytes) return text
  let room = maxBytes - utf8Length(note) - 2
  while (room > 0) {
    const head = cutToBytes(text, room)
    const lines = head.split('\n')
    const open = [...fencedBlocks(lines)].find(block => block.end >= lines.length)
    const cut = `${open !== undefined ? `${head}\n${closingLine(open.fence)}` : head}\n\n${note}`
    const over = utf8Length(cut) - maxBytes
    if (over <= 0) return cut
    room -= over
  }
  return ''
}

/**
 * Sanitised text cut to fit, sanitised again: a cut can leave a code span without its closing backticks,
 * which would bring a mention in it back to life.
 */
function fitSanitized(text: string, maxBytes: number, note: string): string {
  if (utf8Length(text) <= maxBytes) return text
  for (let room = maxBytes; room > 0;) {
    const cut = sanitizeModelText(truncateText(text, room, note))
    const over = utf8Length(cut) - maxBytes
    if (over <= 0) return cut
    room -= Math.max(over, Math.ceil(room / 16))
  }
  return ''
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
    ['Session', report.sessionId !== undefined ? `\`${inertId(report.sessionId)}\`` : '—'],
    ['Reviewed head', `\`${report.headSha.slice(0, 12)}\``]
  ]
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n')
}

/** A table cell (a path from the diff, a reason): one line, inert, no way out of its code span or cell. */
function escapeCell(text: string): string {
  return neutralizeText(text, true)
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .replace(/`/g, "'")
}

/** Text from outside (an error message) on one line of the job summary or a reply: no mention, no HTML. */
export function inertText(text: string): string {
  return escapeCell(text)
}

const PLAIN_ID = /^[A-Za-z0-9_.:-]{1,200}$/

/**
 * An id from Rivya (session id, error code, request id) as shown in the comment, a reply or the job
 * summary: data, whatever a hostile or broken server sent (no live mention, no HTML, no way out of a
 * code span or a table cell, at most 200 characters). Ids of the usual shape are left as they are.
 */
export function inertId(id: string): string {
  if (PLAIN_ID.test(id)) return id
  const cut =
    id.length > 200
      ? `${id.slice(0, id.charCodeAt(199) >= 0xd800 && id.charCodeAt(199) <= 0xdbff ? 199 : 200)}…`
      : id
  return escapeCell(cut)
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
  const tail = over !== undefined ? `\n\n> [!NOTE]\n> ${over}` : ''
  const mismatch = report.mismatch !== undefined ? `; ${report.mismatch}` : ''
  if (report.stoppedBy !== undefined)
    return `**Partial review**: ${files}; stopped by ${report.stoppedBy}${mismatch}.${tail}`
  const skipped = report.skipped.length > 0 ? `, ${report.skipped.length} skipped (listed below)` : ''
  if (mismatch !== '') return `**Incomplete review**: ${files}${skipped}${mismatch}.${tail}`
  return `Complete review: ${files}${skipped}.${tail}`
}

/**
 * Rivya has no cap on an answer's length (RIVYA_API.md: no output limit in the request), so the
 * last answer can settle past `max-credits` although its estimate fitted: said, never hidden.
 */
export function overspend(spent: number, cap: number | undefined): string | undefined {
  if (cap === undefined || spent <= cap) return undefined
  return `Spent ${number.format(spent)} of a ${number.format(cap)}-credit cap: the last answer ran long (Rivya cannot cap an answer's length).`
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
    stateLine({ sessionId: report.sessionId, headSha: report.headSha, historyTokens: report.historyTokens }),
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
  const summary = fitSanitized(
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
    const cut = fitSanitized(
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
  const body = fitSanitized(
    sanitizeModelText(text.trim()),
    limit - utf8Length(tail) - 64,
    '_(Cut here to fit GitHub’s comment size limit.)_'
  )
  return body + tail
}
