/**
 * The findings section of the review comment (PRODUCT.md, "The comment"): a table of every
 * finding (severity, a link to the line in the pull request, title, whether it is an inline
 * comment and why not), the bodies of those that are not inline, earlier findings no longer seen,
 * and what the parser could not read. The integrator fills in a {@link FindingsSection}; this
 * module only renders it, inert and within a byte budget like the comment's file lists.
 */
import { createHash } from 'node:crypto'
import type { Finding, RejectedFinding } from './findings.js'
import { SEVERITY_LABEL, suggestionBlock } from './inline.js'
import { escapeCell, sanitizeModelText } from './markdown.js'
import { fitSanitized, utf8Length } from './truncate.js'
import { atLeast, type FailOn, type Verdict } from './verdict.js'
import { displayPath } from './visible.js'

export interface FindingRow {
  /** The finding as anchored (moved lines, dropped suggestion), or as parsed when not commentable. */
  finding: Finding
  /**
   * `inline`: an inline comment of this run's review. `earlier`: an earlier run posted it inline
   * on the same code (same fingerprint), so it was not posted again. `summary`: only here, and
   * `reason` says why (not commentable, below `min-inline-severity`, over `max-inline-comments`,
   * refused by GitHub).
   */
  placement: 'inline' | 'earlier' | 'summary'
  /** Why the finding is not inline, in words: "not on a changed line: line 9 is not in the diff". */
  reason?: string
  /** Link to its inline comment, when known (the review comment's `html_url`). */
  commentUrl?: string
  /** Open from an earlier review of a file this (incremental) review did not look at again: `reason` says so. */
  carried?: boolean
}

/** What the integrator gives the comment about the findings; see {@link FindingRow}. */
export interface FindingsSection {
  /** Computed by computeVerdict (verdict.ts), never taken from the model. */
  verdict: Verdict
  /** The `fail-on` input the verdict was computed with. */
  failOn: FailOn
  /** Set when the findings block could not be read (parseFindings' `unreadable`): the verdict is `unknown`. */
  unreadable?: string
  /** Every finding read, and the entries the parser rejected turned into rows by the integrator. */
  rows: FindingRow[]
  /** Findings an earlier run posted that this run no longer reports. */
  noLongerSeen: { path: string; title: string }[]
  /** The parser's notes (what it cut or dropped) and the anchorer's (what it moved). */
  parserNotes: string[]
  /** Entries of the block the parser could not read as findings (parseFindings' `rejected`): listed, never dropped. */
  rejected?: RejectedFinding[]
  /** Rejected entries whose severity could be read (outcome.ts `unplaced`): the verdict counts them. */
  unplaced?: Finding[]
  /** The pull request's `html_url`, for links to its files tab. */
  prUrl: string
}

/** Longest path shown whole in a row (as in the comment's file lists). */
const PATH_SHOWN_MAX = 200

/** A pull request page of github.com or of a GitHub Enterprise host: safe inside a Markdown link. */
const PR_URL = /^https:\/\/[^\s"'<>()[\]`\\]+\/pull\/\d+$/

/**
 * GitHub's anchor of a line in the files tab of a pull request: `#diff-` and the SHA-256 of the
 * path, then `R` and the new-file line or `L` and the old-file line (a range as `R40-R42`).
 */
export function lineLink(
  prUrl: string,
  finding: Pick<Finding, 'path' | 'line' | 'startLine' | 'side'>
): string | undefined {
  if (!PR_URL.test(prUrl)) return undefined
  const digest = createHash('sha256').update(finding.path, 'utf8').digest('hex')
  const side = finding.side === 'LEFT' ? 'L' : 'R'
  const range = finding.startLine !== undefined ? `${side}${finding.startLine}-` : ''
  return `${prUrl}/files#diff-${digest}${range}${side}${finding.line}`
}

function location(finding: Finding): string {
  const lines = finding.startLine !== undefined ? `${finding.startLine}-${finding.line}` : `${finding.line}`
  const side = finding.side === 'LEFT' ? ' (removed)' : ''
  return `${displayPath(finding.path, PATH_SHOWN_MAX)}:${lines}${side}`
}

function locationCell(row: FindingRow, prUrl: string): string {
  const text = `\`${escapeCell(location(row.finding))}\``
  const link = lineLink(prUrl, row.finding)
  return link !== undefined ? `[${text}](${link})` : text
}

const PLAIN_URL = /^https:\/\/[^\s"'<>()[\]`\\]+$/

function placementCell(row: FindingRow): string {
  if (row.placement === 'inline') {
    return row.commentUrl !== undefined && PLAIN_URL.test(row.commentUrl)
      ? `[inline](${row.commentUrl})`
      : 'inline'
  }
  if (row.placement === 'earlier') {
    const carried = row.carried === true ? `; ${escapeCell(row.reason ?? 'carried over')}` : ''
    return `inline, by an earlier run${carried}`
  }
  return `here only: ${escapeCell(row.reason ?? 'not posted inline')}`
}

/**
 * Rows appended while they fit in `maxBytes` with the section's `head` and `tail`; the rest are
 * counted in one line, so a cut never passes unsaid.
 */
function bounded(head: string, rows: string[], tail: string, maxBytes: number, what: string): string {
  let body = ''
  for (let i = 0; i < rows.length; i++) {
    const more = `\n…and ${rows.length - i} more ${what}, not listed to keep the comment under GitHub's size limit.\n`
    const row = rows[i] as string
    if (utf8Length(head + body + row + more + tail) > maxBytes) {
      if (utf8Length(head + body + more + tail) > maxBytes) return ''
      return head + body + more + tail
    }
    body += row
  }
  return head + body + tail
}

/** The table of all findings, in the order given (the integrator sorts them, most severe first). */
function table(section: FindingsSection, maxBytes: number): string {
  const head = '| Severity | Where | Finding | Inline comment |\n|---|---|---|---|\n'
  const rows = section.rows.map(
    row =>
      `| ${SEVERITY_LABEL[row.finding.severity]} | ${locationCell(row, section.prUrl)} | ${escapeCell(row.finding.title)} | ${placementCell(row)} |\n`
  )
  return bounded(head, rows, '', maxBytes, 'findings').trimEnd()
}

/** The explanation (and suggestion) of each finding that is not an inline comment: else only its title would show. */
function details(section: FindingsSection, maxBytes: number): string {
  const shown = section.rows.filter(row => row.placement === 'summary')
  if (shown.length === 0) return ''
  const open = `<details><summary>Findings not posted inline (${shown.length})</summary>\n\n`
  const close = '\n\n</details>'
  const inner = shown
    .map(({ finding }) => {
      const title = `**${SEVERITY_LABEL[finding.severity]}** · \`${escapeCell(location(finding))}\` · ${escapeCell(finding.title)}`
      const body = finding.body.trim() !== '' ? `\n\n${sanitizeModelText(finding.body.trim())}` : ''
      const suggestion =
        finding.suggestion !== undefined
          ? `\n\nSuggested:\n\n${suggestionBlock(finding.suggestion).replace(/^(`+)suggestion/, '$1')}`
          : ''
      return `${title}${body}${suggestion}`
    })
    .join('\n\n---\n\n')
  const cut = fitSanitized(
    sanitizeModelText(inner),
    maxBytes - utf8Length(open + close) - 8,
    '_(Cut here to fit GitHub’s comment size limit.)_'
  )
  return cut !== '' ? open + cut + close : ''
}

function noLongerSeen(section: FindingsSection, maxBytes: number): string {
  const gone = section.noLongerSeen
  if (gone.length === 0) return ''
  const head = `<details><summary>Earlier findings no longer seen (${gone.length})</summary>\n\n| File | Finding |\n|---|---|\n`
  const rows = gone.map(
    g => `| \`${escapeCell(displayPath(g.path, PATH_SHOWN_MAX))}\` | ${escapeCell(g.title)} |\n`
  )
  return bounded(head, rows, '\n</details>', maxBytes, 'findings')
}

function rejectedNote(r: RejectedFinding): string {
  const where =
    r.path !== undefined
      ? ` (\`${escapeCell(displayPath(r.path, PATH_SHOWN_MAX))}${r.line !== undefined ? `:${r.line}` : ''}\`)`
      : ''
  const title = r.title !== undefined ? ` “${escapeCell(r.title)}”` : ''
  return `entry ${r.index + 1}${where}${title} could not be read: ${escapeCell(r.reason)}`
}

function notes(section: FindingsSection, maxBytes: number): string {
  const all = [...(section.rejected ?? []).map(rejectedNote), ...section.parserNotes.map(n => escapeCell(n))]
  if (all.length === 0) return ''
  const head = `<details><summary>Notes on the findings block (${all.length})</summary>\n\n`
  const rows = all.map(n => `- ${n}\n`)
  return bounded(head, rows, '\n</details>', maxBytes, 'notes')
}

/** Said when the block could not be read: never shown as a clean review. */
function unreadableNote(reason: string): string {
  return `> [!WARNING]\n> The model's findings block could not be read (${escapeCell(reason)}): no finding is listed or posted inline, and the verdict is unknown. The model's review is below as prose.`
}

/**
 * The comment's findings section within `maxBytes` (0 or too little leaves it empty): the table
 * gets half, the bodies of findings not inline a third, the rest what is left.
 */
export function findingsSection(section: FindingsSection, maxBytes: number): string {
  const heading = `### Findings (${section.rows.length})\n\n`
  const parts: string[] = []
  let room = maxBytes - utf8Length(heading)
  const take = (text: string) => {
    if (text === '') return
    parts.push(text)
    room -= utf8Length(text) + 2
  }
  if (section.unreadable !== undefined) take(unreadableNote(section.unreadable))
  if (section.rows.length > 0) take(table(section, Math.floor(room / 2)))
  else if (section.unreadable === undefined) take('_The model reported no findings._')
  take(details(section, Math.floor((room * 2) / 3)))
  take(noLongerSeen(section, Math.floor(room / 2)))
  take(notes(section, room))
  const out = heading + parts.join('\n\n')
  return parts.length === 0 || utf8Length(out) > maxBytes ? '' : out
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`
}

/**
 * The verdict as the action computed it, with a one-line why: the first of the action's facts a
 * reader sees. `unknown` and `partial` say what is missing, since neither can pass a gate.
 */
export function verdictLine(
  section: Pick<FindingsSection, 'verdict' | 'failOn' | 'rows' | 'unreadable' | 'unplaced'>
): string {
  const findings = [...section.rows.map(r => r.finding), ...(section.unplaced ?? [])]
  const gate = section.failOn
  const blocking = gate === 'none' ? [] : findings.filter(f => atLeast(f.severity, gate))
  const why = (() => {
    switch (section.verdict) {
      case 'unknown':
        return `the model's findings block could not be read${section.unreadable !== undefined ? ` (${escapeCell(section.unreadable)})` : ''}, so nothing can be said`
      case 'partial':
        return `not everything was reviewed (see the coverage line), so the review cannot pass; ${count(findings.length, 'finding', 'findings')} in what was`
      case 'fail':
        return `${count(blocking.length, 'finding is', 'findings are')} \`${gate}\` or more severe (\`fail-on: ${gate}\`)`
      case 'pass':
        return gate === 'none'
          ? `${count(findings.length, 'finding', 'findings')}; no gate is set (\`fail-on: none\`)`
          : `no finding is \`${gate}\` or more severe (\`fail-on: ${gate}\`); ${count(findings.length, 'finding', 'findings')} in all`
    }
  })()
  return `**Verdict: ${section.verdict}** — ${why}.`
}
