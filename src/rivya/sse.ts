/**
 * The answer of `POST /api/v1/chat/completions/stream`, read as Server-Sent Events. Rivya's docs say
 * only that it sends "assistant deltas as they arrive" and ends with the same settlement as a
 * non-streaming turn; the framing below is ASSUMED (RIVYA_API.md "Streaming"), so the reader is
 * tolerant: unknown event types are ignored, text is taken from any `delta`/`content` string field,
 * and the turn counts only once its final `done` object has fully arrived.
 */
import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser'
import { RivyaError, errorFromBody, type FromBodyContext } from './errors.js'
import { errorBodySchema } from './schemas.js'

/** A `done` event bigger than this (in UTF-16 units) is not a chat answer; stops runaway memory use. */
const MAX_EVENT_CHARS = 64 * 1024 * 1024

export interface ChatStreamOptions {
  /** Called with each piece of assistant text as it arrives. */
  onDelta?: (text: string) => void
  /** Called for each SSE comment line, e.g. a `: ping` heartbeat. */
  onComment?: (comment: string) => void
  /** Context for errors sent as `event: error`. */
  errorContext?: FromBodyContext
}

/** What a complete stream gave: the `done` event's data (not yet validated) and the deltas' text. */
export interface StreamResult {
  settlement: unknown
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

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    return { ok: false }
  }
}

/**
 * Reads one attempt's stream. Bytes go in through {@link push} as they arrive (any split: inside a
 * UTF-8 sequence, between CR and LF, inside a field); {@link end} gives the result or throws.
 */
export class ChatStreamReader {
  private readonly decoder = new TextDecoder('utf-8')
  private readonly parser: EventSourceParser
  private readonly deltas: string[] = []
  private settlement: { value: unknown } | undefined
  private failure: RivyaError | undefined
  private callbackFailure: { error: unknown } | undefined
  /** The server's `retry:` advice in ms, used as the wait when the stream breaks. */
  private retryMs: number | undefined

  constructor(private readonly options: ChatStreamOptions = {}) {
    this.parser = createParser({
      onEvent: event => this.onEvent(event),
      onComment: comment => this.call(() => this.options.onComment?.(comment)),
      onRetry: ms => {
        this.retryMs = ms
      },
      onError: error => {
        // Unknown fields and bad `retry:` values are ignored, as the SSE spec says; only an event
        // too big to be an answer ends the attempt.
        if (error.type === 'max-buffer-size-exceeded') {
          this.fail(
            new RivyaError({
              code: 'invalid_response',
              message: `Rivya's stream sent an event over ${MAX_EVENT_CHARS} characters (invalid_response)`,
              retryable: false
            })
          )
        }
      },
      maxBufferSize: MAX_EVENT_CHARS
    })
  }

  /** True once the stream said all it will: a `done` or `error` event (or a callback threw). */
  get finished(): boolean {
    return this.settlement !== undefined || this.failure !== undefined || this.callbackFailure !== undefined
  }

  /** True once the `done` event arrived: later transport errors do not undo the turn. */
  get settled(): boolean {
    return this.settlement !== undefined
  }

  /** The assistant text of the deltas so far. */
  get text(): string {
    return this.deltas.join('')
  }

  push(chunk: Uint8Array): void {
    if (this.finished) return
    this.parser.feed(this.decoder.decode(chunk, { stream: true }))
  }

  /**
   * Call when the body has ended. Returns the settlement, rethrows what a callback threw, throws the
   * stream's `error` event as a RivyaError, or a retryable `truncated_response` when the stream
   * stopped before a complete `done` event.
   */
  end(): StreamResult {
    if (!this.finished) this.parser.feed(this.decoder.decode())
    // An event not closed by a blank line is discarded (HTML Living Standard, SSE "end of file").
    if (this.callbackFailure !== undefined) throw this.callbackFailure.error
    if (this.failure !== undefined) throw this.failure
    if (this.settlement !== undefined) return { settlement: this.settlement.value, text: this.text }
    throw new RivyaError({
      code: 'truncated_response',
      message: `Rivya's stream ended before the turn's final done event (truncated_response): retried with the same Idempotency-Key`,
      retryable: true,
      retryAfterMs: this.retryMs
    })
  }

  private onEvent(event: EventSourceMessage): void {
    if (this.finished) return
    const json = parseJson(event.data)
    const data = json.ok ? json.value : undefined
    const dataType = isObject(data) && typeof data.type === 'string' ? data.type : undefined
    const type = event.event ?? dataType ?? 'message'
    switch (type) {
      case 'delta':
      case 'message': {
        const text = deltaText(data) ?? (type === 'delta' && !json.ok ? event.data : undefined)
        if (text !== undefined && text !== '') {
          this.deltas.push(text)
          this.call(() => this.options.onDelta?.(text))
        }
        return
      }
      case 'done': {
        if (!json.ok) {
          this.fail(
            new RivyaError({
              code: 'invalid_response',
              message: `Rivya's stream ended with a done event that is not JSON (invalid_response)`,
              retryable: true
            })
          )
          return
        }
        this.settlement = { value: data }
        return
      }
      case 'error':
        this.fail(this.errorFromEvent(data))
        return
      default:
        // Unknown event types are skipped so that new ones do not break old clients.
        return
    }
  }

  private errorFromEvent(data: unknown): RivyaError {
    const wrapped = errorBodySchema.safeParse(data)
    const bare = errorBodySchema.shape.error.safeParse(data)
    const body = wrapped.success ? wrapped.data.error : bare.success ? bare.data : undefined
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
