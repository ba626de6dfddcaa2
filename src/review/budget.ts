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

/** Trial plans the filling pass may make: bounds its cost on pull requests of thousands of files. */
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

  // Then every later file that still fits, in order.
  const room = () => maxTurns * options.limit - plan.messages.reduce((n, m) => n + m.text.length, 0)
  let trials = 0
  for (const file of diff) {
    if (!reviewable.has(file.path) || kept.has(file.path)) continue
    if (trials >= MAX_FILL_TRIALS || room() <= 0) break
    if (leastSize(file) > room()) continue
    trials += 1
    const withFile = new Set([...kept, file.path])
    const trial = planOf(withFile)
    if (trial.messages.length <= maxTurns) {
      kept = withFile
      plan = trial
    }
  }
  return { full, messages: plan.messages, dropped: full.files.filter(path => !kept.has(path)) }
}
