/**
 * The review's verdict and the choice of inline comments, computed in code from the parsed
 * findings — never taken from the model's words (PRODUCT.md, "Verdict", "The PR review").
 */
import { SEVERITIES, type Finding, type Severity } from './findings.js'

export type Verdict = 'pass' | 'fail' | 'partial' | 'unknown'
export type FailOn = Severity | 'none'

export interface VerdictInput {
  /** The parsed findings, or `'unreadable'` when the block could not be read. */
  findings: readonly Finding[] | 'unreadable'
  /**
   * Coverage was incomplete: a budget stop, an error, a cancel, files skipped for a reason other
   * than the configured filters. A review that did not see everything cannot say "pass".
   */
  incomplete: boolean
  failOn: FailOn
}

export interface VerdictResult {
  verdict: Verdict
  /** Findings at or above `fail-on`, most severe first (named when the gate fails, whatever the verdict). */
  blocking: Finding[]
}

/** 0 for the most severe. */
function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity)
}

/** `severity` is `threshold` or more severe. */
export function atLeast(severity: Severity, threshold: Severity): boolean {
  return severityRank(severity) <= severityRank(threshold)
}

/**
 * Precedence, first that applies: `unknown` (no readable findings: nothing can be said), then
 * `partial` (what was read may be fine, but not everything was read), then `fail` (a finding at
 * or above `fail-on`), then `pass`. `unknown` and `partial` rank above `fail` because they say what
 * the reader must know first — the review is not the whole answer; its blocking findings are still
 * listed in `blocking`, and {@link gateFails} fails the gate for all three.
 */
export function computeVerdict(input: VerdictInput): VerdictResult {
  if (input.findings === 'unreadable') return { verdict: 'unknown', blocking: [] }
  const threshold = input.failOn
  const blocking =
    threshold === 'none' ? [] : sortFindings(input.findings.filter(f => atLeast(f.severity, threshold)))
  if (input.incomplete) return { verdict: 'partial', blocking }
  return { verdict: blocking.length > 0 ? 'fail' : 'pass', blocking }
}

/** With `fail-on` set, only `pass` passes the gate: `partial` and `unknown` never do. */
export function gateFails(verdict: Verdict, failOn: FailOn): boolean {
  return failOn !== 'none' && verdict !== 'pass'
}

function compareText(a: string, b: string): number {
  if (a === b) return 0
  return a < b ? -1 : 1
}

/** Most severe first, then by file, line and title: the same findings always come in one order. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    compareText(a.path, b.path) ||
    a.line - b.line ||
    (a.startLine ?? a.line) - (b.startLine ?? b.line) ||
    compareText(a.side, b.side) ||
    compareText(a.title, b.title) ||
    compareText(a.body, b.body)
  )
}

export function sortFindings<T extends Finding>(findings: readonly T[]): T[] {
  return [...findings].sort(compareFindings)
}

export interface InlineCandidate {
  finding: Finding
  fingerprint: string
}

export interface InlineSelection<T extends InlineCandidate> {
  /** To post as inline comments, most severe first. */
  inline: T[]
  /** For the summary only, each with why it was not posted inline. */
  summaryOnly: { candidate: T; reason: 'below-min-severity' | 'already-posted' | 'over-cap' }[]
}

export interface InlineOptions {
  /** `max-inline-comments`; 0 posts none. */
  max: number
  /** `min-inline-severity`. */
  minSeverity: Severity
  /** Fingerprints of findings an earlier run already posted inline (not posted twice). */
  alreadyPosted?: ReadonlySet<string>
}

/**
 * Which commentable findings become inline comments: at or above `min-inline-severity`, not
 * posted by an earlier run, the most severe first up to `max-inline-comments`; the rest stay in
 * the summary. Deterministic: the same candidates give the same selection in any input order.
 */
export function selectInline<T extends InlineCandidate>(
  candidates: readonly T[],
  options: InlineOptions
): InlineSelection<T> {
  const sorted = [...candidates].sort(
    (a, b) => compareFindings(a.finding, b.finding) || compareText(a.fingerprint, b.fingerprint)
  )
  const inline: T[] = []
  const summaryOnly: InlineSelection<T>['summaryOnly'] = []
  const seen = new Set<string>()
  const max = Math.max(0, Math.floor(options.max))
  for (const candidate of sorted) {
    if (!atLeast(candidate.finding.severity, options.minSeverity)) {
      summaryOnly.push({ candidate, reason: 'below-min-severity' })
    } else if (
      options.alreadyPosted?.has(candidate.fingerprint) === true ||
      seen.has(candidate.fingerprint)
    ) {
      // The same finding twice in one answer is posted once, as across runs.
      summaryOnly.push({ candidate, reason: 'already-posted' })
    } else if (inline.length >= max) {
      summaryOnly.push({ candidate, reason: 'over-cap' })
    } else {
      inline.push(candidate)
      seen.add(candidate.fingerprint)
    }
  }
  return { inline, summaryOnly }
}
