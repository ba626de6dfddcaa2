/**
 * One Rivya chat session: turns run one after another, the first without `session_id` (Rivya
 * creates the session), every later one with the id the first returned (RIVYA_API.md "Chat
 * request"). Usage and credits add up per turn and in total.
 */
import { RivyaError, type ChargedUsage } from './errors.js'
import type { ReasoningEffort } from '../inputs.js'
import type { ChatCompletion, RivyaClient, TokenUsage, TurnCredits } from './client.js'
import type { RetryEvent } from './retry.js'

export interface RivyaSessionOptions {
  model: string
  reasoningEffort?: ReasoningEffort
  enableWebSearch?: boolean
  /** Use the streaming endpoint for every turn. */
  stream?: boolean
  /**
   * Continue this existing session (a `/codex <question>` follow-up). If Rivya no longer has it,
   * the first turn fails with `not_found` (see `isNotFound`) and the caller decides what to do.
   */
  sessionId?: string
}

export interface TurnOptions {
  idempotencyKey: string
  clientRequestId: string
  /** Image `file_id`s (Files API) this turn carries; none when empty. */
  attachments?: readonly string[]
  /** Assistant text as it arrives (streaming); `attempt` starts over after a retry. */
  onDelta?: (text: string, attempt: number) => void
  /** e.g. print `describeRetry(event)`. */
  onRetry?: (event: RetryEvent) => void
  signal?: AbortSignal
}

export interface SessionTurn {
  /** 1 for this session object's first turn. */
  index: number
  sessionId: string
  /** Length of the message sent, in UTF-16 code units (how the prompt limit is counted). */
  messageChars: number
  content: string
  usage: TokenUsage
  credits: TurnCredits
  attempts: number
  completionId: string | undefined
  requestId: string | undefined
  /** Set when the turn's settlement had to be read back from the session (see ChatCompletion.recovered). */
  note?: string
}

/** The sums over a session's turns; the same fields as the review's usage table. */
export interface SessionTotals {
  turns: number
  inputTokens: number
  outputTokens: number
  totalTokens: number
  creditsReserved: number
  creditsFinal: number
}

export class RivyaSession {
  readonly #client: RivyaClient
  readonly #options: RivyaSessionOptions
  readonly #turns: SessionTurn[] = []
  /** What failed turns were charged (an answer that broke the contract after its settlement). */
  readonly #failedCharges: ChargedUsage[] = []
  #sessionId: string | undefined
  #busy = false

  constructor(client: RivyaClient, options: RivyaSessionOptions) {
    this.#client = client
    this.#options = options
    this.#sessionId = options.sessionId
  }

  /** Undefined until the first turn has answered, unless an existing session was continued. */
  get sessionId(): string | undefined {
    return this.#sessionId
  }

  /** The finished turns, in order. */
  get turns(): readonly SessionTurn[] {
    return this.#turns
  }

  /**
   * The sums over the finished turns, plus what failed turns were charged (a charged answer that
   * broke the contract: its error's `charged`).
   */
  get totals(): SessionTotals {
    const totals: SessionTotals = {
      turns: 0,
      inputTokens: 0,
      outputTokens: 0,
      totalTokens: 0,
      creditsReserved: 0,
      creditsFinal: 0
    }
    for (const turn of this.#turns) {
      totals.turns += 1
      totals.inputTokens += turn.usage.inputTokens
      totals.outputTokens += turn.usage.outputTokens
      totals.totalTokens += turn.usage.totalTokens
      totals.creditsReserved += turn.credits.reserved
      totals.creditsFinal += turn.credits.final
    }
    // Paid for though they failed: not turns, but part of what the review cost.
    for (const charge of this.#failedCharges) {
      totals.inputTokens += charge.usage?.inputTokens ?? 0
      totals.outputTokens += charge.usage?.outputTokens ?? 0
      totals.totalTokens += charge.usage?.totalTokens ?? 0
      totals.creditsReserved += charge.credits.reserved
      totals.creditsFinal += charge.credits.final
    }
    return totals
  }

  /**
   * Sends the next turn and records it. Turns must not overlap: the next one needs the session id
   * the first returns, and Rivya answers a busy session with `chat_session_conflict`.
   */
  async send(message: string, options: TurnOptions): Promise<SessionTurn> {
    if (this.#busy) throw new Error('RivyaSession.send: the previous turn has not finished')
    this.#busy = true
    const index = this.#turns.length + 1
    try {
      const completion: ChatCompletion = await this.#client.chat(
        {
          model: this.#options.model,
          message,
          ...(options.attachments === undefined || options.attachments.length === 0
            ? {}
            : { attachments: options.attachments }),
          ...(this.#sessionId === undefined ? {} : { sessionId: this.#sessionId }),
          ...(this.#options.reasoningEffort === undefined
            ? {}
            : { reasoningEffort: this.#options.reasoningEffort }),
          ...(this.#options.enableWebSearch === undefined
            ? {}
            : { enableWebSearch: this.#options.enableWebSearch })
        },
        {
          idempotencyKey: options.idempotencyKey,
          clientRequestId: options.clientRequestId,
          stream: this.#options.stream === true,
          label: `turn ${index}`,
          ...(options.onDelta === undefined ? {} : { onDelta: options.onDelta }),
          ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
          ...(options.signal === undefined ? {} : { signal: options.signal })
        }
      )
      const turn: SessionTurn = {
        index,
        sessionId: completion.sessionId,
        messageChars: message.length,
        content: completion.content,
        usage: completion.usage,
        credits: completion.credits,
        attempts: completion.attempts,
        completionId: completion.id,
        requestId: completion.requestId,
        ...(completion.recovered === undefined ? {} : { note: completion.recovered })
      }
      // The turn is paid for whatever follows, so it is counted before the session id is checked.
      this.#turns.push(turn)
      const expected = this.#sessionId
      this.#sessionId ??= completion.sessionId
      if (expected !== undefined && completion.sessionId !== expected) {
        throw new RivyaError({
          code: 'invalid_response',
          message: `turn ${index}: Rivya answered in session ${completion.sessionId} instead of ${expected} (invalid_response)`,
          retryable: false,
          ...(completion.requestId === undefined ? {} : { requestId: completion.requestId })
        })
      }
      return turn
    } catch (error) {
      if (error instanceof RivyaError && error.charged !== undefined) this.#failedCharges.push(error.charged)
      throw error
    } finally {
      this.#busy = false
    }
  }
}
