import type { DiffFile } from './diff.js'
import { planReview, type ReviewPlan, type ReviewPlanOptions } from './messages.js'
import type { ChunkMessage } from './chunk.js'

export interface TurnBudgetPlan {
  /** The plan of the whole pull request: what there is to review, and what was skipped. */
  full: ReviewPlan
  /** The messages to send: at most `maxTurns`, the last asking for the summary. */
  messages: ChunkMessage[]
  /** Files left out to stay within `max-turns`, in diff order. */
  dropped: string[]
}

/** Files the filling pass may add: bounds its cost on pull requests of thousands of small files. */
const MAX_FILL_TRIALS = 200

/** The least a file adds to the messages: its path and hunk bodies (headers and frames add more). */
function leastSize(file: DiffFile): number {
  return file.path.length + file.hunks.reduce((n, h) => n + h.body.length, 0)
}

/**
 * Plans the review within `maxTurns` turns. When the whole diff needs more, the review covers
 * the files that fit, in order, re-planned so its last turn still asks for the summary: a capped
 * review is a complete review of fewer files, never N notes without a conclusion. A file too big
 * for the turns left is passed over, not a reason to drop the smaller files after it.
 */
export function planWithinTurns(
  diff: readonly DiffFile[],
  options: ReviewPlanOptions,
  maxTurns: number
): TurnBudgetPlan {
  const full = planReview(diff, options)
  if (full.messages.length <= maxTurns) return { full, messages: full.messages, dropped: [] }
  const reviewable = new Set(full.files)
  // Skipped and summarised files stay: they cost a line at most and keep their reasons.
  const planOf = (kept: ReadonlySet<string>) =>
    planReview(
      diff.filter(f => !reviewable.has(f.path) || kept.has(f.path)),
      options
    )

  // First the files the full plan completes within the turns, fewer until the re-plan fits.
  const keep = full.messages.slice(0, maxTurns).flatMap(m => m.completes)
  let kept = new Set(keep)
  let plan = planOf(kept)
  while (plan.messages.length > maxTurns && keep.length > 0) {
    keep.pop()
    kept = new Set(keep)
    plan = planOf(kept)
  }

  // Then the files left out that still fit, smallest first: once the smallest left does not fit,
  // a larger one would not either, so a pull request of thousands of files costs one more plan.
  const room = () => maxTurns * options.limit - plan.messages.reduce((n, m) => n + m.text.length, 0)
  const candidates = diff
    .filter(f => reviewable.has(f.path) && !kept.has(f.path))
    .map(f => ({ path: f.path, size: leastSize(f) }))
    .sort((a, b) => a.size - b.size)
  for (const [trial, candidate] of candidates.entries()) {
    if (trial >= MAX_FILL_TRIALS || candidate.size > room()) break
    const withFile = new Set([...kept, candidate.path])
    const next = planOf(withFile)
    if (next.messages.length > maxTurns) break
    kept = withFile
    plan = next
  }
  return { full, messages: plan.messages, dropped: full.files.filter(path => !kept.has(path)) }
}
