/**
 * From the model's last answer to what the run posts and reports: the findings read from its
 * block, each anchored against the pull request's whole diff, given its fingerprint, placed
 * inline or in the summary, compared with what the previous review left open, and the verdict.
 * All of it decided here, in code; nothing the model says about lines or verdicts is taken as is.
 */
import { anchorFinding, type Anchored } from './anchor.js'
import type { StoredFinding } from './comment-state.js'
import type { DiffFile } from './diff.js'
import { fingerprint, parseFindings, type Finding, type RejectedFinding, type Severity } from './findings.js'
import { computeVerdict, selectInline, sortFindings, type FailOn, type VerdictResult } from './verdict.js'

export interface OutcomeInput {
  /** The last part's answer; undefined when the review stopped before it. */
  answer: string | undefined
  /** The pull request's whole diff at the head reviewed: what GitHub checks inline comments against. */
  files: readonly DiffFile[]
  /** Files left out of the review, with the reason. */
  skipped: ReadonlyMap<string, string>
  /** Coverage was incomplete (a budget stop, an error, a cancel, counts that disagree). */
  incomplete: boolean
  failOn: FailOn
  maxInline: number
  minSeverity: Severity
  /** Fingerprints of findings an earlier run posted inline. */
  alreadyPosted: ReadonlySet<string>
  /** What the previous review left open (its comment's state). */
  previous: readonly StoredFinding[]
  /**
   * The files this review looked at again (an incremental review: the files the push changed).
   * Earlier findings elsewhere are carried over as they were. Undefined: a full review.
   */
  reviewedPaths?: ReadonlySet<string>
}

/** `earlier`: an earlier run posted it inline on the same code, so it is not posted again. */
export type Placement = 'inline' | 'earlier' | 'summary'

/** Why a finding that could sit on its line is not posted there. */
const SUMMARY_REASON = {
  'below-min-severity': 'below min-inline-severity',
  'already-posted': 'already posted inline by an earlier review',
  'over-cap': 'over max-inline-comments'
} as const

export interface PlacedFinding {
  /** The finding as it can be posted (re-anchored lines, a suggestion that cannot apply dropped). */
  finding: Finding
  fingerprint: string
  placement: Placement
  /** Why it is in the summary only. */
  reason?: string
  /** What anchoring changed or dropped. */
  notes: string[]
}

export interface FindingsOutcome {
  /** Why no findings could be read; the verdict is then `unknown`. */
  unreadable?: string
  /** What the parser cut, dropped or refused. */
  notes: string[]
  /** This review's findings, most severe first. */
  findings: PlacedFinding[]
  /** Earlier findings on files this review did not look at again, still open. */
  carried: StoredFinding[]
  /** Earlier findings on files this review looked at that it no longer reports. */
  noLongerSeen: StoredFinding[]
  /**
   * Entries of the block that could not be read as findings (no line, no path, a line as `40-42`)
   * but whose severity could: they count for the verdict, as the model did report them, though
   * they can be neither placed nor kept in the state line.
   */
  unplaced: Finding[]
  verdict: VerdictResult
}

/** A rejected entry with a severity, as a finding for the verdict: line 0 where it named none. */
function unplacedFinding(r: RejectedFinding): Finding[] {
  if (r.severity === undefined) return []
  const title = r.title ?? `finding ${r.index + 1} of the block`
  return [
    { path: r.path ?? '(no path)', line: r.line ?? 0, side: 'RIGHT', severity: r.severity, title, body: '' }
  ]
}

function placedOf(anchored: Anchored): Omit<PlacedFinding, 'placement'> & { commentable: boolean } {
  if (anchored.commentable) {
    return {
      finding: anchored.finding,
      fingerprint: fingerprint(anchored.finding, anchored.lineText),
      notes: anchored.notes,
      commentable: true
    }
  }
  return {
    finding: anchored.finding,
    fingerprint: fingerprint(anchored.finding),
    reason: `not on a changed line: ${anchored.reason}`,
    notes: anchored.notes,
    commentable: false
  }
}

/** A stored finding as a finding (for the verdict, the table, SARIF); the state keeps no body. */
export function asFinding(f: StoredFinding): Finding {
  return { path: f.path, line: f.line, side: f.side, severity: f.severity, title: f.title, body: '' }
}

/** The stored finding's line is still one GitHub would take a comment on. */
function stillOnDiff(f: StoredFinding, files: readonly DiffFile[]): boolean {
  return anchorFinding(asFinding(f), files).commentable
}

/** Reads, anchors, places and judges the findings of one review. */
export function findingsOutcome(input: OutcomeInput): FindingsOutcome {
  const reviewedAgain = (path: string) => input.reviewedPaths === undefined || input.reviewedPaths.has(path)
  const carried = input.previous.filter(f => !reviewedAgain(f.path))
  /** The verdict on `findings` and the earlier findings still `open`. */
  const judge = (findings: readonly Finding[] | 'unreadable', open: readonly StoredFinding[] = carried) =>
    computeVerdict({
      findings: findings === 'unreadable' ? findings : [...findings, ...open.map(asFinding)],
      incomplete: input.incomplete,
      failOn: input.failOn
    })
  if (input.answer === undefined) {
    // No last answer: a review that stopped first is partial; one with nothing to send had nothing to find.
    const notes = input.incomplete ? ['no findings: the review stopped before its last part'] : []
    return { notes, findings: [], carried, noLongerSeen: [], unplaced: [], verdict: judge([]) }
  }
  const parsed = parseFindings(input.answer)
  if ('unreadable' in parsed) {
    return {
      unreadable: parsed.unreadable,
      notes: [],
      findings: [],
      carried,
      noLongerSeen: [],
      unplaced: [],
      verdict: judge('unreadable')
    }
  }
  const notes = [
    ...parsed.notes,
    ...parsed.rejected.map(r => `finding ${r.index + 1} was not read (${r.reason})`)
  ]
  const anchored = sortFindings(parsed.findings).map(f =>
    placedOf(anchorFinding(f, input.files, { skipped: input.skipped }))
  )
  const selection = selectInline(
    anchored.filter(a => a.commentable),
    { max: input.maxInline, minSeverity: input.minSeverity, alreadyPosted: input.alreadyPosted }
  )
  const inline = new Set(selection.inline)
  const why = new Map(selection.summaryOnly.map(s => [s.candidate, s.reason]))
  const findings: PlacedFinding[] = anchored.map(candidate => {
    const { commentable: _, ...a } = candidate
    if (inline.has(candidate)) return { ...a, placement: 'inline' }
    const reason = why.get(candidate)
    const placement = reason === 'already-posted' ? 'earlier' : 'summary'
    const words = reason === undefined ? undefined : SUMMARY_REASON[reason]
    return { ...a, placement, reason: a.reason ?? words ?? 'summary only' }
  })
  const now = new Set(findings.map(f => f.fingerprint))
  const unreported = input.previous.filter(f => reviewedAgain(f.path) && !now.has(f.fp))
  // An incremental review sends only the lines near the push's changes: an earlier finding it does
  // not repeat may sit in lines it never sent. It is gone only when its line is no longer in the
  // diff; otherwise it stays open, carried over.
  const kept = input.reviewedPaths === undefined ? [] : unreported.filter(f => stillOnDiff(f, input.files))
  const noLongerSeen = unreported.filter(f => !kept.includes(f))
  const open = [...carried, ...kept]
  const unplaced = parsed.rejected.flatMap(unplacedFinding)
  // An entry whose severity cannot be read could be the worst of them: no verdict can be given.
  const blind = parsed.rejected.find(r => r.severity === undefined)
  return {
    notes,
    findings,
    carried: open,
    noLongerSeen,
    unplaced,
    ...(blind === undefined
      ? {}
      : { unreadable: `finding ${blind.index + 1} of the block has no severity the action can read` }),
    verdict: judge(blind !== undefined ? 'unreadable' : [...findings.map(f => f.finding), ...unplaced], open)
  }
}

/** What the state line keeps of this review's findings and of those carried over. */
export function storedFindings(outcome: FindingsOutcome, posted: ReadonlySet<string>): StoredFinding[] {
  const current = outcome.findings.map(f => ({
    fp: f.fingerprint,
    path: f.finding.path,
    line: f.finding.line,
    side: f.finding.side,
    severity: f.finding.severity,
    title: f.finding.title,
    ...(posted.has(f.fingerprint) ? { inline: true } : {})
  }))
  const seen = new Set(current.map(f => f.fp))
  return [...current, ...outcome.carried.filter(f => !seen.has(f.fp))]
}
