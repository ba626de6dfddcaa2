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

/**
 * Plans the review within `maxTurns` turns. When the whole diff needs more, the review covers
 * the files that fit, in order, re-planned so its last turn still asks for the summary: a capped
 * review is a complete review of fewer files, never N notes without a conclusion.
 */
export function planWithinTurns(
  diff: readonly DiffFile[],
  options: ReviewPlanOptions,
  maxTurns: number
): TurnBudgetPlan {
  const full = planReview(diff, options)
  if (full.messages.length <= maxTurns) return { full, messages: full.messages, dropped: [] }
  const reviewable = new Set(full.files)
  const keep = full.messages.slice(0, maxTurns).flatMap(m => m.completes)
  for (;;) {
    const kept = new Set(keep)
    // Skipped and summarised files stay: they cost a line at most and keep their reasons.
    const sub = planReview(
      diff.filter(f => !reviewable.has(f.path) || kept.has(f.path)),
      options
    )
    if (sub.messages.length <= maxTurns || keep.length === 0) {
      return { full, messages: sub.messages, dropped: full.files.filter(path => !kept.has(path)) }
    }
    keep.pop()
  }
}
