import { isInsufficientCredits, isRivyaError } from '../rivya/errors.js'
import type { RivyaSession, SessionTurn, TurnOptions } from '../rivya/session.js'
import type { ChunkMessage } from './chunk.js'
import type { PartNote, Usage } from './render.js'

export interface ReviewLoopOptions {
  messages: readonly ChunkMessage[]
  session: RivyaSession
  /**
   * Image `file_id`s per message index (`prepareImages`' `attachments`): message `i` is sent with
   * `attachments[i]`. None when absent.
   */
  attachments?: readonly (readonly string[])[]
  /**
   * Per message index, its text without the lines naming its images (`prepareImages`'
   * `plainTexts`): sent instead, without attachments, when Rivya refuses a turn's attachments
   * (`chat_attachment_not_supported`), so the review goes on without those images.
   */
  plainTexts?: readonly string[]
  /** Keys and callbacks of the turn at `turnIndex` (0-based), sent in session `sessionId` (undefined for the first). */
  turnOptions: (
    turnIndex: number,
    message: string,
    sessionId: string | undefined,
    attachments: readonly string[]
  ) => TurnOptions
  /** Settled-credit budget; undefined for none. */
  maxCredits: number | undefined
  /** The model's base credits: the least a turn is expected to cost. */
  baseCredits: number
  /** `reasoning-effort`: sizes the summary turn's estimate. */
  reasoningEffort?: string
  log: (line: string) => void
  /**
   * Aborts when the run is cancelled: no further turn starts, and the turn in flight (which must
   * get this signal in its TurnOptions) ends the loop as a cancellation, not as a failure.
   */
  signal?: AbortSignal
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
  /** Set when `signal` aborted the review: why, e.g. `SIGINT`. */
  cancelledBy: string | undefined
  /** Message indices whose attachments Rivya refused: those parts were sent without their images. */
  refusedAttachments: number[]
}

/** Characters per token assumed for the next message: code tokenises densely (English runs ~4). */
const CHARS_PER_TOKEN = 3
/** Output tokens assumed for a turn before any is seen; the last turn (the summary) is the longest. */
const OUTPUT_RESERVE_TOKENS = 1024
/**
 * Credits per token assumed until a turn has settled (RIVYA_API.md gives no rate); after that the
 * highest rate seen, so rounding up in Rivya's settlement is part of the estimate.
 */
const ASSUMED_CREDITS_PER_TOKEN = 1 / 1000
/**
 * Input tokens assumed per image attachment. ASSUMED: Rivya documents no image price. It is the
 * high end of OpenAI's published image input cost, which the GPT-5 family bills as tokens: 85 +
 * 170 per 512-px tile at high detail, at most 8 tiles after the 2048/768-px scaling (1,445), and a
 * cap of 1,536 32-px patches for patch-billed models; 1,600 covers both. A turn's image is billed
 * again on every later turn as history, which the next estimate sees in the last turn's usage.
 */
export const IMAGE_TOKENS_ESTIMATE = 1600

/**
 * What the next turn could cost, on the high side, so `max-credits` stops before a turn that
 * could exceed it: its input is the whole session so far (every earlier message and answer) plus
 * the new message, its output at least the longest seen (and a reserve), priced at the highest
 * credits-per-token rate seen (an assumed rate before the first turn), over the base credits.
 */
export function estimateNextTurn(
  turns: readonly SessionTurn[],
  baseCredits: number,
  nextMessageChars: number,
  next: NextTurn = {}
): number {
  const last = turns.at(-1)
  const history =
    last === undefined ? (next.historyTokens ?? 0) : last.usage.inputTokens + last.usage.outputTokens
  const seen = Math.max(OUTPUT_RESERVE_TOKENS, ...turns.map(t => 2 * t.usage.outputTokens))
  // The summary is the longest answer, and reasoning tokens are billed as output: more effort, more room.
  const output = next.summary === true ? seen * summaryFactor(next.reasoningEffort) : seen
  const images = (next.attachments ?? 0) * IMAGE_TOKENS_ESTIMATE
  const tokens = history + Math.ceil(nextMessageChars / CHARS_PER_TOKEN) + images + output
  // Both what Rivya settled and what it reserved tell its price: a reservation prices the input
  // plus an output allowance, so a price above the assumed one shows from the first turn on.
  const rates = turns.flatMap(t => [
    t.usage.totalTokens > 0 ? Math.max(0, t.credits.final - baseCredits) / t.usage.totalTokens : 0,
    t.usage.inputTokens > 0
      ? Math.max(0, t.credits.reserved - baseCredits) / (t.usage.inputTokens + OUTPUT_RESERVE_TOKENS)
      : 0
  ])
  const rate = Math.max(ASSUMED_CREDITS_PER_TOKEN, ...rates)
  // Never below the last turn's cost or reservation: the next carries all of its history.
  const floor = last === undefined ? 0 : Math.max(last.credits.final, last.credits.reserved)
  return Math.max(floor, baseCredits + Math.ceil(rate * tokens))
}

/** What is known of the next turn beyond its message. */
export interface NextTurn {
  /** Tokens of a session continued from elsewhere (a question in the review's session). */
  historyTokens?: number
  /** The turn that asks for the final summary. */
  summary?: boolean
  reasoningEffort?: string
  /**
   * Image attachments the turn carries, each {@link IMAGE_TOKENS_ESTIMATE} input tokens (on later
   * turns they are history, which the last turn's usage holds).
   */
  attachments?: number
}

/**
 * How many times the usual output allowance the summary turn gets per `reasoning-effort`: an
 * assumption (RIVYA_API.md says nothing of reasoning tokens), on the high side.
 */
function summaryFactor(effort: string | undefined): number {
  switch (effort) {
    case 'minimal':
      return 1
    case 'low':
      return 1.5
    case 'medium':
    case 'default':
    case undefined:
      return 2
    case 'high':
      return 3
    default:
      return 4
  }
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
  let cancelledBy: string | undefined
  const refusedAttachments: number[] = []
  const send = (index: number, text: string, attachments: readonly string[]) => {
    const turnOptions = options.turnOptions(index, text, session.sessionId, attachments)
    return session.send(text, attachments.length === 0 ? turnOptions : { ...turnOptions, attachments })
  }
  const cancel = (index: number) => {
    cancelledBy = reasonOf(options.signal)
    stoppedBy = `${cancelledBy} (the run was cancelled after ${index} of ${messages.length} parts)`
    options.log(`Cancelled before part ${index + 1}/${messages.length} finished: ${cancelledBy}.`)
  }

  for (const [index, message] of messages.entries()) {
    const attachments = options.attachments?.[index] ?? []
    if (isAborted(options.signal)) {
      cancel(index)
      break
    }
    const spent = session.totals.creditsFinal
    if (options.maxCredits !== undefined) {
      const next = estimateNextTurn(session.turns, options.baseCredits, message.text.length, {
        summary: index === messages.length - 1,
        attachments: attachments.length,
        ...(options.reasoningEffort === undefined ? {} : { reasoningEffort: options.reasoningEffort })
      })
      if (spent + next > options.maxCredits) {
        stoppedBy = `max-credits (${count.format(spent)} spent, the next turn could cost up to about ${count.format(next)} of ${count.format(options.maxCredits)})`
        options.log(`Stopping before turn ${index + 1}/${messages.length}: ${stoppedBy}`)
        break
      }
    }
    let turn: SessionTurn
    let sent = { chars: message.text.length, images: attachments.length }
    try {
      try {
        turn = await send(index, message.text, attachments)
      } catch (caught) {
        const plain = options.plainTexts?.[index]
        if (attachments.length === 0 || plain === undefined || !isAttachmentRefused(caught)) throw caught
        // Refused before the model ran: nothing was charged. The text without the image lines is
        // another message, so it has keys of its own.
        options.log(
          `turn ${index + 1}/${messages.length}: Rivya refused its ${attachments.length} image attachment(s) (chat_attachment_not_supported); sending the part without them.`
        )
        refusedAttachments.push(index)
        sent = { chars: plain.length, images: 0 }
        turn = await send(index, plain, [])
      }
    } catch (caught) {
      if (isAborted(options.signal)) {
        cancel(index)
        break
      }
      error = caught
      stoppedBy = isInsufficientCredits(caught) ? 'insufficient_credits' : 'an error'
      break
    }
    for (const path of message.completes) reviewed.add(path)
    if (index === messages.length - 1) summary = turn.content
    else notes.push({ part: index + 1, parts: messages.length, text: turn.content })
    options.log(
      `turn ${index + 1}/${messages.length}: ${count.format(sent.chars)} chars${sent.images === 0 ? '' : ` and ${sent.images} image(s)`} sent, ${count.format(turn.usage.totalTokens)} tokens, ${count.format(turn.credits.final)} credits`
    )
  }

  return {
    sessionId: session.sessionId,
    notes,
    summary,
    usage: session.totals,
    reviewed,
    stoppedBy,
    error,
    cancelledBy,
    refusedAttachments
  }
}

function isAttachmentRefused(error: unknown): boolean {
  return isRivyaError(error) && error.code === 'chat_attachment_not_supported'
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}

/** The abort reason's words: the watcher aborts with an Error named after the signal. */
function reasonOf(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason
  return reason instanceof Error ? reason.message : 'a cancel'
}
