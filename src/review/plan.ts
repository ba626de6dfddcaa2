import { chunkFiles, sendShortestFirst, type ChunkMessage, type MessageFrame } from './chunk.js'
import type { DiffFile } from './diff.js'
import { selectFiles, type FilterOptions, type SkippedFile } from './filter.js'
import { reviewFrame, type ReviewPromptOptions } from './prompts.js'

export interface ReviewPlanOptions extends FilterOptions, ReviewPromptOptions {
  /** Most characters per message (the model's prompt limit, or the lower `max-message-chars`). */
  limit: number
  /**
   * Text the first part starts with, before the instructions (an incremental review's
   * `incrementalIntro` in incremental.ts); billed again on every turn, so kept short.
   */
  intro?: string
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

/** The frame of the review's parts: the instructions' frame, with the intro before the first part's. */
export function planFrame(options: ReviewPlanOptions): MessageFrame {
  const frame = reviewFrame(options)
  const intro = options.intro?.trim() ?? ''
  if (intro === '') return frame
  return (part, parts) => {
    const f = frame(part, parts)
    return part === 1 ? { head: `${intro}\n\n${f.head}`, tail: f.tail } : f
  }
}

/** From the parsed diff to the messages of the review: filter, frame, chunk, order to bill least. */
export function planReview(diff: readonly DiffFile[], options: ReviewPlanOptions): ReviewPlan {
  const selection = selectFiles(diff, options)
  const chunking = { limit: options.limit, frame: planFrame(options) }
  const plan = sendShortestFirst(chunkFiles(selection.files, chunking), chunking)
  return { ...plan, skipped: selection.skipped }
}
