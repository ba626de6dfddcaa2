import { chunkFiles, sendShortestFirst, type ChunkMessage } from './chunk.js'
import type { DiffFile } from './diff.js'
import { selectFiles, type FilterOptions, type SkippedFile } from './filter.js'
import { reviewFrame, type ReviewPromptOptions } from './prompts.js'

export interface ReviewPlanOptions extends FilterOptions, ReviewPromptOptions {
  /** Most characters per message (the model's prompt limit, or the lower `max-message-chars`). */
  limit: number
}

export interface ReviewPlan {
  /** The turns to send, in sending order (shortest diff text first); empty when nothing is left to review. */
  messages: ChunkMessage[]
  /** Files sent for review, in diff order: the "of N files" of the coverage line. */
  files: string[]
  /** Files not sent line by line, with the reason, in diff order. */
  skipped: SkippedFile[]
  diffChars: number
  usableChars: number
}

/** From the parsed diff to the messages of the review: filter, frame, chunk, order to bill least. */
export function planReview(diff: readonly DiffFile[], options: ReviewPlanOptions): ReviewPlan {
  const selection = selectFiles(diff, options)
  const chunking = { limit: options.limit, frame: reviewFrame(options) }
  const plan = sendShortestFirst(chunkFiles(selection.files, chunking), chunking)
  return { ...plan, skipped: selection.skipped }
}
