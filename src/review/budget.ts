import type { DiffFile } from './diff.js'
import { planFrame, type ReviewPlan, type ReviewPlanOptions } from './plan.js'
import { chunkFiles, fileSizes, sendShortestFirst, type ChunkMessage, type ChunkPlan } from './chunk.js'
import { REASONS, selectFiles, type SelectedFile, type SkippedFile } from './filter.js'

export interface TurnBudgetPlan {
  /**
   * The plan of the whole pull request: what there is to review, and what was skipped (a
   * deleted file whose one-line summary did not fit the turns is listed with that reason).
   */
  full: ReviewPlan
  /** The messages to send: at most `maxTurns`, the last asking for the summary. */
  messages: ChunkMessage[]
  /** Files left out to stay within `max-turns`, in diff order. */
  dropped: string[]
}

/** Why a deleted file is listed without even its one-line summary. */
export const SUMMARY_DROPPED = 'deleted file (not summarised: max-turns)'

/** Plans tried before giving up on filling the turns (each is one chunking of what is kept). */
const MAX_ATTEMPTS = 12

/**
 * Plans the review within `maxTurns` turns, never more. When the whole diff needs more, the review
 * covers as much as the turns hold, re-planned so its last turn still asks for the summary: a
 * capped review is a complete review of fewer files, never N notes without a conclusion.
 *
 * Files are taken in diff order into a budget of characters, each one that fits the budget left
 * (so a file too big is passed over, not a reason to drop the smaller ones after it), reviewable
 * files first and one-line summaries of deleted files only in what room is left. The budget is
 * what `maxTurns` messages hold less their frames; the packing costs a little more (a repeated
 * header at each split), so a plan that comes out longer is redone with the budget cut by what
 * overflowed. Each attempt is one chunking: a pull request of 10,000 files is planned in well
 * under a second (`npm run bench:chunking`).
 */
export function planWithinTurns(
  diff: readonly DiffFile[],
  options: ReviewPlanOptions,
  maxTurns: number
): TurnBudgetPlan {
  // What planReview does, with the selection kept for the re-plans.
  const selection = selectFiles(diff, options)
  const frame = planFrame(options)
  const chunking = { limit: options.limit, frame }
  // Trials keep diff order (the overflow past `maxTurns` is measured in it); only what is sent is
  // reordered, which changes neither the count of messages nor the files in them.
  const chunk = (kept: readonly SelectedFile[]): ChunkPlan => chunkFiles(kept, chunking)
  const full: ReviewPlan = {
    ...sendShortestFirst(chunk(selection.files), chunking),
    skipped: selection.skipped
  }
  if (full.messages.length <= maxTurns) return { full, messages: full.messages, dropped: [] }
  const sizes = fileSizes(selection.files, options.limit)
  const frameSize = (part: number, parts: number) => {
    const f = frame(part, parts)
    return f.head.length + f.tail.length
  }
  const roomRest = options.limit - frameSize(Math.min(2, maxTurns), maxTurns)
  let budget = options.limit - frameSize(1, maxTurns) + (maxTurns - 1) * roomRest

  /** The files that fit a budget of `chars`: reviewable ones first, in diff order, then summaries. */
  const within = (chars: number): { kept: SelectedFile[]; used: number } => {
    const take = new Array<boolean>(selection.files.length).fill(false)
    let used = 0
    for (const summaries of [false, true]) {
      selection.files.forEach((sel, i) => {
        const size = sizes[i] as number
        if (sel.summarise === summaries && used + size <= chars) {
          take[i] = true
          used += size
        }
      })
    }
    return { kept: selection.files.filter((_, i) => take[i]), used }
  }

  let plan: ChunkPlan = { messages: [], files: [], diffChars: 0, usableChars: 0 }
  let kept: SelectedFile[] = []
  // The characters of what is kept, and the smallest budget known to overflow the turns, once one is.
  let fit = -1
  // Everything overflows: the full plan did.
  let over = sizes.reduce((n, size) => n + size, 0)
  for (let attempt = 0; attempt < MAX_ATTEMPTS && budget > 0; attempt++) {
    const trial = within(budget)
    const trialPlan = chunk(trial.kept)
    if (trialPlan.messages.length <= maxTurns) {
      plan = trialPlan
      kept = trial.kept
      fit = trial.used
      // Fits: done, unless a cut budget left room a bisection towards the overflow could use.
      if (over - budget <= roomRest / 20 || attempt >= MAX_ATTEMPTS - 4) break
      budget = Math.floor((budget + over) / 2)
      continue
    }
    over = Math.min(over, trial.used)
    if (fit >= 0) {
      // Bisecting between a budget that fits (the plan kept) and one that overflows.
      if (over - fit <= roomRest / 20) break
      budget = Math.floor((fit + over) / 2)
      continue
    }
    // Cut the budget by what overflowed the turns, and by a little more so this ends quickly.
    const overflow = trialPlan.messages.slice(maxTurns).reduce((n, m) => n + m.text.length, 0)
    budget = Math.min(trial.used, budget) - overflow - Math.ceil(roomRest / 50)
  }

  const keptFiles = new Set(kept.map(sel => sel.file))
  const sent = new Set(plan.files)
  // Deleted files whose summary was left out, by path (a path can be deleted and re-created).
  const unsummarised = new Map<string, number>()
  for (const sel of selection.files) {
    if (sel.summarise && !keptFiles.has(sel.file))
      unsummarised.set(sel.file.path, (unsummarised.get(sel.file.path) ?? 0) + 1)
  }
  const skipped: SkippedFile[] = full.skipped.map(s => {
    const left = unsummarised.get(s.path) ?? 0
    if (s.reason !== REASONS.deleted || left === 0) return s
    unsummarised.set(s.path, left - 1)
    return { path: s.path, reason: SUMMARY_DROPPED }
  })
  return {
    full: { ...full, skipped },
    messages: sendShortestFirst(plan, chunking).messages,
    dropped: full.files.filter(path => !sent.has(path))
  }
}
