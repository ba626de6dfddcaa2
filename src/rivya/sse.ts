/**
 * The answer of `POST /api/v1/chat/completions/stream`, read as Server-Sent Events. Rivya's docs say
 * only that it sends "assistant deltas as they arrive" and ends with the same settlement as a
 * non-streaming turn; event names and shapes are NOT DOCUMENTED (RIVYA_API.md "Streaming"), so the
 * reader accepts every plausible framing: Rivya's assumed `delta`/`done`, OpenAI's chunks ending in
 * `data: [DONE]`, dotted names (`message.delta`, `message.completed`, `response.completed`),
 * `event: completion`, and a terminal event that carries only usage and credits. Text comes from
 * the deltas (any usual text field); the metadata (ids, usage, credits) is gathered from every
 * event; the stream ends at a terminal event, known by its name or by the settlement it carries.
 */
import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser'
import { RivyaError, errorFromBody, type FromBodyContext } from './errors.js'
import { parseJson } from './json.js'
import { errorBodySchema } from './schemas.js'

/**
 * The most a streamed answer may send, in bytes. The longest real answer is a few hundred KB (a
 * review of a 20,000-character message; its text is sent twice, as deltas and in the settlement):
 * 8 MiB is far above it, and stops an endless stream before it exhausts memory.
 */
export const MAX_STREAM_BYTES = 8 * 1024 * 1024

export interface ChatStreamOptions {
  /** Called with each piece of assistant text as it arrives. */
  onDelta?: (text: string) => void
  /** Called for each SSE comment line, e.g. a `: ping` heartbeat. */
  onComment?: (comment: string) => void
  /** Context for errors sent as `event: error`. */
  errorContext?: FromBodyContext
  /** The most the stream may send, in bytes ({@link MAX_STREAM_BYTES} by default). */
  maxBytes?: number
}

/**
 * What a complete stream gave: the completion assembled from every event (not yet validated: the
 * fields the stream did not send are missing), and the deltas' text.
 */
export interface StreamResult {
  settlement: Record<string, unknown>
  text: string
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The text of a delta event's data: a `delta` or `content` string field, also nested as
 * `delta.content`, `delta.text` or OpenAI's `choices[0].delta.content`. Undefined when there is none.
 */
export function deltaText(data: unknown): string | undefined {
  if (!isObject(data)) return undefined
  if (typeof data.delta === 'string') return data.delta
  if (typeof data.content === 'string') return data.content
  if (typeof data.text === 'string') return data.text
  if (isObject(data.delta)) {
    if (typeof data.delta.content === 'string') return data.delta.content
    if (typeof data.delta.text === 'string') return data.delta.text
  }
  if (Array.isArray(data.choices) && isObject(data.choices[0]) && isObject(data.choices[0].delta)) {
    const content = data.choices[0].delta.content
    if (typeof content === 'string') return content
  }
  return undefined
}

/**
 * Names of a terminal event: Rivya's assumed `done`, `completion`, and the dotted names of
 * OpenAI's and Anthropic's APIs (`response.completed`, `message.completed`, `message_stop`). A
 * part's own end (`response.output_text.done`) is not the turn's end.
 */
const TERMINAL_EVENT =
  /^(done|complete|completed|completion|end|final|finish|finished|message_stop|(chat\.)?(message|response|completion|chat\.completion)\.(completed|done|finished))$/

/** Names of an event that carries a piece of text. */
const DELTA_EVENT = /^(delta|message|chunk|text|content|token)$|[._](delta|chunk)$/

/** Names of an error event (`error`, `response.failed`, `message.error`). */
const ERROR_EVENT = /^(error|failed)$|\.(error|failed)$/

/** The objects in an event's data that may hold completion fields (`response` in OpenAI's shape). */
function completionParts(data: Record<string, unknown>): Record<string, unknown>[] {
  const parts = [data]
  for (const key of ['response', 'completion', 'data', 'result']) {
    const inner = data[key]
    if (isObject(inner)) parts.push(inner)
  }
  return parts
}

/** Fields of an event that are its own framing, not the completion's. */
const NOT_COMPLETION_FIELDS = new Set([
  'choices',
  'delta',
  'content',
  'text',
  'type',
  'index',
  'response',
  'completion',
  'data',
  'result',
  'error'
])

/** Usage under Rivya's names or OpenAI's (`prompt_tokens`, `completion_tokens`). */
function readUsage(value: unknown): Record<string, number> | undefined {
  if (!isObject(value)) return undefined
  const input = value.input_tokens ?? value.prompt_tokens
  const output = value.output_tokens ?? value.completion_tokens
  if (typeof input !== 'number' || typeof output !== 'number') return undefined
  const total = value.total_tokens
  return {
    input_tokens: input,
    output_tokens: output,
    ...(typeof total === 'number' ? { total_tokens: total } : {})
  }
}

/** Whether a completion object holds what settles a turn: usage and the final credits. */
export function hasSettlement(value: Record<string, unknown>): boolean {
  return (
    readUsage(value.usage) !== undefined && isObject(value.credits) && typeof value.credits.final === 'number'
  )
}

/**
 * Reads one attempt's stream. Bytes go in through {@link push} as they arrive (any split: inside a
 * UTF-8 sequence, between CR and LF, inside a field); {@link end} gives the result or throws.
 */
export class ChatStreamReader {
  private readonly decoder = new TextDecoder('utf-8')
  private readonly parser: EventSourceParser
  private readonly deltas: string[] = []
  /** Completion fields gathered from every event so far. */
  private readonly gathered: Record<string, unknown> = {}
  private terminal = false
  private failure: RivyaError | undefined
  private callbackFailure: { error: unknown } | undefined
  private bytes = 0
  /** The server's `retry:` advice in ms, used as the wait when the stream breaks. */
  private retryMs: number | undefined
  /** Incremented by every event that carries text or completion fields; heartbeats do not count. */
  contentEvents = 0

  constructor(private readonly options: ChatStreamOptions = {}) {
    this.parser = createParser({
      onEvent: event => this.onEvent(event),
      onComment: comment => this.call(() => this.options.onComment?.(comment)),
      onRetry: ms => {
        this.retryMs = ms
      },
      // Unknown fields and bad `retry:` values are ignored, as the SSE spec says; the size of the
      // whole stream is bounded in `push`.
      onError: () => {}
    })
  }

  /** True once the stream said all it will: a terminal or error event (or a callback threw). */
  get finished(): boolean {
    return this.terminal || this.failure !== undefined || this.callbackFailure !== undefined
  }

  /** True once a terminal event arrived: later transport errors do not undo the turn. */
  get settled(): boolean {
    return this.terminal && this.failure === undefined && this.callbackFailure === undefined
  }

  /** The assistant text of the deltas so far. */
  get text(): string {
    return this.deltas.join('')
  }

  /** The completion fields gathered so far (a session id, usage, credits), for a recovery. */
  get partial(): Record<string, unknown> {
    return { ...this.gathered }
  }

  push(chunk: Uint8Array): void {
    if (this.finished) return
    this.bytes += chunk.byteLength
    const max = this.options.maxBytes ?? MAX_STREAM_BYTES
    if (this.bytes > max) {
      this.fail(
        new RivyaError({
          code: 'response_too_large',
          message: `Rivya's stream sent more than ${max} bytes without ending the turn (response_too_large): retried with the same Idempotency-Key`,
          retryable: true
        })
      )
      return
    }
    this.parser.feed(this.decoder.decode(chunk, { stream: true }))
  }

  /**
   * Call when the body has ended. Returns the assembled completion, rethrows what a callback threw,
   * throws the stream's error event as a RivyaError, or a retryable `truncated_response` when the
   * stream stopped before a terminal event.
   */
  end(): StreamResult {
    if (!this.finished) this.parser.feed(this.decoder.decode())
    // An event not closed by a blank line is discarded (HTML Living Standard, SSE "end of file").
    if (this.callbackFailure !== undefined) throw this.callbackFailure.error
    if (this.failure !== undefined) throw this.failure
    if (this.terminal) return { settlement: this.assembled(), text: this.text }
    throw new RivyaError({
      code: 'truncated_response',
      message: `Rivya's stream ended before the turn's final event (truncated_response): retried with the same Idempotency-Key`,
      retryable: true,
      retryAfterMs: this.retryMs
    })
  }

  /** The gathered fields, with the deltas' text as the message content when no event held it whole. */
  private assembled(): Record<string, unknown> {
    const message = isObject(this.gathered.message) ? this.gathered.message : {}
    const content = typeof message.content === 'string' ? message.content : this.text
    return { ...this.gathered, message: { ...message, content } }
  }

  private onEvent(event: EventSourceMessage): void {
    if (this.finished) return
    // OpenAI's end of stream; any settlement came in the chunks before it.
    if (event.data.trim() === '[DONE]') {
      this.terminal = true
      return
    }
    const json = parseJson(event.data)
    const data = json.ok && isObject(json.value) ? json.value : undefined
    const dataType = typeof data?.type === 'string' ? data.type : undefined
    const type = event.event ?? dataType ?? (typeof data?.object === 'string' ? data.object : 'message')
    if (ERROR_EVENT.test(type) || (event.event === undefined && isObject(data?.error))) {
      this.fail(this.errorFromEvent(data))
      return
    }
    const terminalByName = TERMINAL_EVENT.test(type)
    if (data === undefined) {
      if (terminalByName) {
        // A terminal event whose data is not JSON: the text may all be here, the settlement is not.
        this.terminal = true
        return
      }
      // Plain-text data of a delta event is its text.
      if (event.event !== undefined && DELTA_EVENT.test(type) && event.data !== '') this.addText(event.data)
      return
    }
    if (!terminalByName && (DELTA_EVENT.test(type) || /chunk$/.test(type))) {
      const text = deltaText(data)
      if (text !== undefined && text !== '') this.addText(text)
    }
    const gatheredBefore = JSON.stringify(this.gathered).length
    this.gather(data)
    if (JSON.stringify(this.gathered).length !== gatheredBefore) this.contentEvents += 1
    // A terminal event by name, or the settlement that only a turn's end carries.
    if (terminalByName || hasSettlement(this.gathered)) this.terminal = true
  }

  private addText(text: string): void {
    this.contentEvents += 1
    this.deltas.push(text)
    this.call(() => this.options.onDelta?.(text))
  }

  /** Keeps the completion fields of an event: later events' values win. */
  private gather(data: Record<string, unknown>): void {
    for (const part of completionParts(data)) {
      for (const [key, value] of Object.entries(part)) {
        if (NOT_COMPLETION_FIELDS.has(key) || value === null || value === undefined) continue
        if (key === 'usage') {
          const usage = readUsage(value)
          if (usage !== undefined) this.gathered.usage = usage
        } else if (key === 'message') {
          if (isObject(value) && (value.role === undefined || value.role === 'assistant'))
            this.gathered.message = value
        } else if (key === 'sessionId') {
          this.gathered.session_id = value
        } else {
          this.gathered[key] = value
        }
      }
    }
  }

  private errorFromEvent(data: unknown): RivyaError {
    const wrapped = errorBodySchema.safeParse(data)
    const bare = errorBodySchema.shape.error.safeParse(data)
    const body = wrapped.success ? wrapped.data.error : bare.data
    if (body !== undefined) {
      return errorFromBody(body, { retryAfterMs: this.retryMs, ...this.options.errorContext })
    }
    return new RivyaError({
      code: 'stream_error',
      message: `Rivya's stream reported an error without details (stream_error): retried with the same Idempotency-Key`,
      retryable: true,
      retryAfterMs: this.retryMs
    })
  }

  private fail(error: RivyaError): void {
    if (this.failure === undefined) this.failure = error
  }

  /** Runs a caller's callback; what it throws ends the attempt and reaches the caller unchanged. */
  private call(callback: () => void): void {
    try {
      callback()
    } catch (error) {
      this.callbackFailure ??= { error }
    }
  }
}
