import { isInsufficientCredits } from '../rivya/errors.js'
import type { RivyaSession, SessionTurn, TurnOptions } from '../rivya/session.js'
import type { ChunkMessage } from './chunk.js'
import type { PartNote, Usage } from './render.js'

export interface ReviewLoopOptions {
  messages: readonly ChunkMessage[]
  session: RivyaSession
  /** Keys and callbacks of the turn at `turnIndex` (0-based). */
  turnOptions: (turnIndex: number, message: string) => TurnOptions
  /** Settled-credit budget; undefined for none. */
  maxCredits: number | undefined
  /** The model's base credits: the least a turn is expected to cost. */
  baseCredits: number
  log: (line: string) => void
}

export interface ReviewLoopResult {
  sessionId: string | undefined
  /** Answers to every part but the last. */
  notes: PartNote[]
  /** The last part's answer, when the review got that far. */
  summary: string | undefined
  usage: Usage
  /** Paths fully reviewed. */
  reviewed: Set<string>
  stoppedBy: string | undefined
  error: unknown
}

/**
 * What the next turn will likely cost: at least the model's base credits, and since every turn
 * re-reads the session's history, the last turn's cost plus the growth seen between the last two.
 */
export function estimateNextTurn(turns: readonly SessionTurn[], baseCredits: number): number {
  const last = turns.at(-1)?.credits.final
  if (last === undefined) return baseCredits
  const before = turns.at(-2)?.credits.final ?? 0
  return Math.max(baseCredits, last + Math.max(0, last - before))
}

const count = new Intl.NumberFormat('en-US')

/**
 * Sends the planned messages as successive turns of one session, stopping cleanly before a turn
 * that could exceed the credit budget, or when the wallet runs dry or a turn fails; what was
 * answered before is always kept.
 */
export async function runReviewLoop(options: ReviewLoopOptions): Promise<ReviewLoopResult> {
  const { messages, session } = options
  const notes: PartNote[] = []
  const reviewed = new Set<string>()
  let summary: string | undefined
  let stoppedBy: string | undefined
  let error: unknown

  for (const [index, message] of messages.entries()) {
    const spent = session.totals.creditsFinal
    if (options.maxCredits !== undefined) {
      const next = estimateNextTurn(session.turns, options.baseCredits)
      if (spent + next > options.maxCredits) {
        stoppedBy = `max-credits (${count.format(spent)} spent, the next turn would need about ${count.format(next)} of ${count.format(options.maxCredits)})`
        options.log(`Stopping before turn ${index + 1}/${messages.length}: ${stoppedBy}`)
        break
      }
    }
    let turn: SessionTurn
    try {
      turn = await session.send(message.text, options.turnOptions(index, message.text))
    } catch (caught) {
      error = caught
      stoppedBy = isInsufficientCredits(caught) ? 'insufficient_credits' : 'an error'
      break
    }
    for (const path of message.completes) reviewed.add(path)
    if (index === messages.length - 1) summary = turn.content
    else notes.push({ part: index + 1, parts: messages.length, text: turn.content })
    options.log(
      `turn ${index + 1}/${messages.length}: ${count.format(message.text.length)} chars sent, ${count.format(turn.usage.totalTokens)} tokens, ${count.format(turn.credits.final)} credits`
    )
  }

  return {
    sessionId: session.sessionId,
    notes,
    summary,
    usage: session.totals,
    reviewed,
    stoppedBy,
    error
  }
}
