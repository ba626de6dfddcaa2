/**
 * The Rivya Public API v1 client: chat turns (JSON or SSE, one result type), the model list and the
 * credit balance, over one keep-alive undici Agent. Every failure is a {@link RivyaError}; the key
 * only ever travels in the `Authorization` header and is scrubbed from anything that could print.
 */
import type { Dispatcher } from 'undici'
import type { ReasoningEffort } from '../inputs.js'
import { RivyaError, errorTag, type ChargedUsage, type FromBodyContext } from './errors.js'
import { isSafeSessionId, isSafeTraceId } from './ids.js'
import { readFile, uploadForm, type FileUpload, type FileUploadOptions, type RivyaFile } from './files.js'
import { fallbackModel, modelFromList, readModelList, type ModelInfo, type ModelWanted } from './models.js'
import {
  DEFAULT_RETRY_POLICY,
  realSleep,
  withRetries,
  type RetryEvent,
  type RetryPolicy,
  type Sleep
} from './retry.js'
import { completionSchema, creditsSchema, settlementSchema } from './schemas.js'
import { RivyaTransport, header } from './transport.js'

export interface RivyaClientOptions {
  /** e.g. `https://rivya.ai`; endpoints live under `/api/v1`. */
  baseUrl: string
  apiKey: string
  /** TCP (and TLS) connect timeout of one attempt. */
  connectTimeoutMs?: number
  /**
   * Time to wait for the answer's headers. A non-streaming turn sends them only when the model has
   * finished, which at `xhigh` effort can take many minutes.
   */
  headersTimeoutMs?: number
  /** The longest silence allowed between two pieces of a body (a stream's events included). */
  bodyTimeoutMs?: number
  /**
   * The longest a stream may go without content (text or completion fields): heartbeats and
   * comments keep a connection alive but do not count.
   */
  streamIdleTimeoutMs?: number
  /** The longest a JSON answer may take to arrive whole once its headers came (a trickling body). */
  jsonBodyTimeoutMs?: number
  /** The most one answer (JSON body or stream) may hold, in bytes; {@link MAX_JSON_BYTES} by default. */
  maxAnswerBytes?: number
  /** Chat turns' retry policy; `getModel` and `getCredits` use a shorter deadline. */
  retry?: Partial<RetryPolicy>
  sleep?: Sleep
  /** Uniform in [0, 1); jitter of the backoff. */
  random?: () => number
  /** Epoch ms; reads `Retry-After` dates and the deadline. */
  now?: () => number
  userAgent?: string
}

export const DEFAULT_TIMEOUTS = {
  connectTimeoutMs: 30_000,
  headersTimeoutMs: 20 * 60_000,
  bodyTimeoutMs: 20 * 60_000,
  // A model thinking at xhigh effort may send only heartbeats for minutes before its first delta.
  streamIdleTimeoutMs: 10 * 60_000,
  // A finished JSON turn is sent at once: even a few MiB arrive in seconds.
  jsonBodyTimeoutMs: 2 * 60_000
} as const

/**
 * The most a JSON answer may hold, in bytes: far above any real turn (a review answer is tens of
 * KB), and a bound on an endless body.
 */
export const MAX_JSON_BYTES = 8 * 1024 * 1024

/** Small reads (models, credits) should not hang a review for minutes. */
const SHORT_REQUEST = { headersTimeoutMs: 30_000, bodyTimeoutMs: 30_000, deadlineMs: 90_000, maxAttempts: 3 }

/** An upload of up to 10 MB (the image limit) is sent whole before Rivya answers. */
const UPLOAD_REQUEST = {
  headersTimeoutMs: 120_000,
  bodyTimeoutMs: 60_000,
  deadlineMs: 300_000,
  maxAttempts: 3
}

/** One turn (RIVYA_API.md "Chat request"). */
export interface ChatRequest {
  model: string
  message: string
  /** Omitted on a session's first turn; Rivya then creates the session. */
  sessionId?: string
  reasoningEffort?: ReasoningEffort
  enableWebSearch?: boolean
  /** Image `file_id`s from the Files API. */
  attachments?: readonly string[]
}

export interface ChatOptions {
  /** Sent as `Idempotency-Key` on every attempt of this turn. */
  idempotencyKey: string
  /** Sent as `client_request_id` on every attempt of this turn. */
  clientRequestId: string
  /** Use `/chat/completions/stream` (SSE) instead of the JSON endpoint. */
  stream?: boolean
  /**
   * Assistant text as it arrives (streaming only). After a retry the new attempt's text starts
   * over: `attempt` tells them apart.
   */
  onDelta?: (text: string, attempt: number) => void
  onRetry?: (event: RetryEvent) => void
  /** Names the turn in retry events and messages, e.g. `turn 2`. */
  label?: string
  signal?: AbortSignal
}

export interface TokenUsage {
  inputTokens: number
  outputTokens: number
  totalTokens: number
}

export interface TurnCredits {
  reserved: number
  final: number
}

/** A finished turn, the same whichever endpoint answered. */
export interface ChatCompletion {
  id: string | undefined
  sessionId: string
  model: string | undefined
  content: string
  usage: TokenUsage
  credits: TurnCredits
  /** Rivya's request id of the answering attempt, when it sent one in a header. */
  requestId: string | undefined
  attempts: number
  streamed: boolean
  /**
   * Set when the stream's settlement could not be read and the turn was read back from the
   * session endpoint instead: what was recovered, and what is unknown (e.g. the credits).
   */
  recovered?: string
}

/** Failures after which the attempt may have reached Rivya and still be running there. */
const LOST_ATTEMPT_CODES = new Set(['network_error', 'timeout', 'truncated_response', 'stream_error'])

/**
 * Whether the attempt that failed with `error` may have reached Rivya and still be running: a lost
 * connection, or a gateway's or Rivya's 5xx or 408, which a proxy in front of Rivya (nginx,
 * Cloudflare's 524) also sends when it stops waiting for a turn that goes on. A 429 and the other
 * 4xx are rejections: nothing started.
 */
function mayStillRun(error: RivyaError): boolean {
  if (LOST_ATTEMPT_CODES.has(error.code) || error.code === 'public_api_disabled') return true
  return error.status !== undefined && (error.status >= 500 || error.status === 408)
}

/** A 409 that may mean the turn's key is in flight (RIVYA_API.md "Errors": both codes plausible). */
function isConflict(error: RivyaError): boolean {
  return error.code === 'chat_session_conflict' || error.code === 'idempotency_conflict'
}

/** The final failure after conflicts were waited out: what the holder probably is, and what to do. */
function conflictMessage(label: string, error: RivyaError, waitedMs: number): string {
  const waited = `${Math.round(waitedMs / 1000)} s`
  const tag = errorTag(error.code, error.requestId)
  const what =
    error.code === 'idempotency_conflict'
      ? "another request holds this turn's Idempotency-Key (a re-run or a second job reviewing the same content, still running), or the key was used with a different body"
      : 'another request is running this same turn (a re-run or a second job reviewing the same content), or another turn keeps the session busy, or the session belongs to another account or model'
  return `${label}: Rivya still answered 409 ${tag} after ${waited} of waiting: ${what}. Let the other run finish, then run the review again: an identical turn is then replayed, not paid again`
}

/** Talks to one Rivya deployment with one key. Call {@link close} when done. */
export class RivyaClient {
  readonly baseUrl: string
  readonly #transport: RivyaTransport
  readonly #timeouts: { headersTimeoutMs: number; bodyTimeoutMs: number }
  readonly #jsonBodyTimeoutMs: number
  readonly #policy: RetryPolicy
  readonly #sleep: Sleep
  readonly #random: () => number
  readonly #now: () => number

  constructor(options: RivyaClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.#timeouts = {
      headersTimeoutMs: options.headersTimeoutMs ?? DEFAULT_TIMEOUTS.headersTimeoutMs,
      bodyTimeoutMs: options.bodyTimeoutMs ?? DEFAULT_TIMEOUTS.bodyTimeoutMs
    }
    this.#jsonBodyTimeoutMs = options.jsonBodyTimeoutMs ?? DEFAULT_TIMEOUTS.jsonBodyTimeoutMs
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...options.retry }
    this.#sleep = options.sleep ?? realSleep
    this.#random = options.random ?? Math.random
    this.#now = options.now ?? Date.now
    this.#transport = new RivyaTransport({
      baseUrl: this.baseUrl,
      apiKey: options.apiKey,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_TIMEOUTS.connectTimeoutMs,
      ...this.#timeouts,
      streamIdleTimeoutMs: options.streamIdleTimeoutMs ?? DEFAULT_TIMEOUTS.streamIdleTimeoutMs,
      maxAnswerBytes: options.maxAnswerBytes ?? MAX_JSON_BYTES,
      now: this.#now,
      userAgent: options.userAgent ?? 'rivya-codex-review'
    })
  }

  /**
   * Runs one turn to its settlement, retrying what is retryable with the caller's `Idempotency-Key`
   * and `client_request_id` on every attempt, so Rivya charges it once.
   */
  async chat(turn: ChatRequest, options: ChatOptions): Promise<ChatCompletion> {
    if (options.idempotencyKey === '' || options.clientRequestId === '') {
      throw new TypeError('A chat turn needs an idempotencyKey and a clientRequestId')
    }
    const body = JSON.stringify({
      model: turn.model,
      ...(turn.sessionId === undefined ? {} : { session_id: turn.sessionId }),
      message: turn.message,
      ...(turn.attachments === undefined || turn.attachments.length === 0
        ? {}
        : { attachments: turn.attachments.map(file_id => ({ file_id })) }),
      ...(turn.enableWebSearch === undefined ? {} : { enable_web_search: turn.enableWebSearch }),
      ...(turn.reasoningEffort === undefined ? {} : { reasoning_effort: turn.reasoningEffort }),
      client_request_id: options.clientRequestId
    })
    const stream = options.stream === true
    const context: FromBodyContext = { sessionId: turn.sessionId }
    const label = options.label ?? 'chat turn'
    let earlierAttemptMayRun = false
    let waitedForOthersMs = 0
    const waits = new WeakSet<RivyaError>()
    // An attempt that may still be running on Rivya keeps the session busy and its
    // Idempotency-Key unfinished, so the retries of the same turn meet their own predecessor as a
    // 409. What Rivya answers a key in flight is NOT DOCUMENTED: `chat_session_conflict` or
    // `idempotency_conflict` (RIVYA_API.md "Errors"); every attempt sends the same bytes, so
    // neither can mean another body of ours. Our own earlier attempt is polled for until the
    // deadline, without using up attempts; once it is done the same key gets its stored answer
    // instead of a second charge. With no attempt of ours before it, the holder is another
    // process (a re-run or a second job sends the same content-derived key) or another turn on the
    // session: waited out too, for `conflictWaitMs`, then the failure says what happened.
    const onRetry = (event: RetryEvent) => {
      if (event.waiting === true && !earlierAttemptMayRun) waitedForOthersMs += event.delayMs
      options.onRetry?.(event)
    }
    return withRetries(
      async (attempt, signal) => {
        try {
          return await this.#chatAttempt(turn, body, stream, attempt, options, context, signal)
        } catch (error) {
          if (!(error instanceof RivyaError)) throw error
          if (isConflict(error)) {
            if (earlierAttemptMayRun) {
              const wait = error.with({
                message: `Rivya was still running an earlier attempt of this turn ${errorTag(error.code, error.requestId)}`,
                retryable: true
              })
              waits.add(wait)
              throw wait
            }
            if (waitedForOthersMs < this.#policy.conflictWaitMs) {
              const wait = error.with({
                message: `Rivya is running this turn for another request, or the session is busy ${errorTag(error.code, error.requestId)}`,
                retryable: true
              })
              waits.add(wait)
              throw wait
            }
            throw error.with({ message: conflictMessage(label, error, waitedForOthersMs), retryable: false })
          }
          if (mayStillRun(error)) earlierAttemptMayRun = true
          throw error
        }
      },
      {
        ...this.#retryOptions(label, this.#policy, onRetry, options.signal),
        stillRunning: error => waits.has(error)
      }
    )
  }

  async #chatAttempt(
    turn: ChatRequest,
    body: string,
    stream: boolean,
    attempt: number,
    options: ChatOptions,
    context: FromBodyContext,
    signal: AbortSignal
  ): Promise<ChatCompletion> {
    const response = await this.#transport.send(
      {
        method: 'POST',
        path: stream ? '/api/v1/chat/completions/stream' : '/api/v1/chat/completions',
        body,
        auth: true,
        accept: stream ? 'text/event-stream' : 'application/json',
        idempotencyKey: options.idempotencyKey,
        ...this.#timeouts
      },
      signal,
      context
    )
    const contentType = header(response.headers, 'content-type') ?? ''
    // A replay or a proxy may answer the stream endpoint with the finished JSON turn.
    if (stream && !contentType.includes('application/json')) {
      const onDelta = options.onDelta
      const { settlement, text } = await this.#transport.readStream(
        response,
        onDelta === undefined ? undefined : (delta: string) => onDelta(delta, attempt),
        context,
        signal
      )
      if (completionSchema.safeParse(settlement).success) {
        return this.#completion(settlement, text, response, attempt, true)
      }
      // The model answered (a terminal event came) but the settlement is not all there: the turn is
      // charged, and Rivya's session holds it. Retrying would replay the same framing.
      return this.#recover(turn, settlement, text, response, attempt, signal)
    }
    const json = await this.#transport.readJson(response, signal, this.#jsonBodyTimeoutMs)
    return this.#completion(json, undefined, response, attempt, false)
  }

  /** `GET /api/v1/credits`: the account's balance. */
  async getCredits(signal?: AbortSignal): Promise<number> {
    const json = await this.#getJson('/api/v1/credits', true, 'credits', signal)
    const parsed = creditsSchema.safeParse(json)
    const enveloped = creditsSchema.safeParse((json as { data?: unknown } | null)?.data)
    if (parsed.success) return parsed.data.current_credits
    if (enveloped.success) return enveloped.data.current_credits
    throw this.#invalid('/api/v1/credits did not hold current_credits')
  }

  /**
   * The prompt limit and base credits of model `id`, from `GET /api/v1/models` (public: no key is
   * sent). When the list cannot be read, the documented values of a known model stand in
   * (`source: 'fallback'`). Throws `model_unavailable` for a model Rivya does not list, a non-chat
   * model or one not `available` through the API. `wanted` names what the review means to use:
   * what the model lacks of it is in `warnings`.
   */
  async getModel(id: string, signal?: AbortSignal, wanted: ModelWanted = {}): Promise<ModelInfo> {
    let json: unknown
    try {
      json = await this.#getJson('/api/v1/models', false, 'models', signal)
    } catch (error) {
      if (!(error instanceof RivyaError) || error.code === 'aborted') throw error
      return fallbackModel(id, error)
    }
    const models = readModelList(json)
    if (models === undefined) {
      return fallbackModel(id, this.#invalid('/api/v1/models did not hold a list of models'))
    }
    return modelFromList(models, id, wanted)
  }

  /**
   * `POST /api/v1/files`: uploads one file (RIVYA_API.md "Files API"), retrying what is retryable
   * with the same `Idempotency-Key`, so the same content is stored once.
   */
  async uploadFile(upload: FileUpload, options: FileUploadOptions): Promise<RivyaFile> {
    if (options.idempotencyKey === '' || options.clientRequestId === '') {
      throw new TypeError('An upload needs an idempotencyKey and a clientRequestId')
    }
    const policy = {
      ...this.#policy,
      maxAttempts: Math.min(this.#policy.maxAttempts, UPLOAD_REQUEST.maxAttempts),
      deadlineMs: Math.min(this.#policy.deadlineMs, UPLOAD_REQUEST.deadlineMs)
    }
    const json = await withRetries(
      async (_attempt, signal) => {
        const request = {
          method: 'POST',
          path: '/api/v1/files',
          body: uploadForm(upload, options.clientRequestId),
          auth: true,
          accept: 'application/json',
          idempotencyKey: options.idempotencyKey,
          headersTimeoutMs: UPLOAD_REQUEST.headersTimeoutMs,
          bodyTimeoutMs: UPLOAD_REQUEST.bodyTimeoutMs
        } as const
        return this.#transport.readJson(
          await this.#transport.send(request, signal),
          signal,
          UPLOAD_REQUEST.bodyTimeoutMs
        )
      },
      this.#retryOptions(`upload of ${upload.filename}`, policy, undefined, options.signal)
    )
    return readFile(json)
  }

  /** `GET /api/v1/files/{fileId}`: a file the key's account owns. */
  async getFile(fileId: string, signal?: AbortSignal): Promise<RivyaFile> {
    const json = await this.#getJson(`/api/v1/files/${encodeURIComponent(fileId)}`, true, 'file', signal)
    return readFile(json)
  }

  /** Closes the keep-alive connections. */
  async close(): Promise<void> {
    await this.#transport.close()
  }

  /** A short GET whose JSON answer is read, with the short requests' retry policy. */
  #getJson(path: string, auth: boolean, label: string, signal: AbortSignal | undefined): Promise<unknown> {
    return withRetries(
      async (_attempt, attemptSignal) => {
        const request = { method: 'GET', path, auth, accept: 'application/json', ...SHORT_REQUEST } as const
        return this.#transport.readJson(
          await this.#transport.send(request, attemptSignal),
          attemptSignal,
          SHORT_REQUEST.bodyTimeoutMs
        )
      },
      this.#retryOptions(label, this.#shortPolicy(), undefined, signal)
    )
  }

  #shortPolicy(): RetryPolicy {
    return {
      ...this.#policy,
      maxAttempts: Math.min(this.#policy.maxAttempts, SHORT_REQUEST.maxAttempts),
      deadlineMs: Math.min(this.#policy.deadlineMs, SHORT_REQUEST.deadlineMs)
    }
  }

  #retryOptions(
    label: string,
    policy: RetryPolicy,
    onRetry: ((event: RetryEvent) => void) | undefined,
    signal: AbortSignal | undefined
  ) {
    return {
      label,
      policy,
      sleep: this.#sleep,
      random: this.#random,
      now: this.#now,
      ...(onRetry === undefined ? {} : { onRetry }),
      ...(signal === undefined ? {} : { signal })
    }
  }

  #invalid(what: string, cause?: unknown, charged?: ChargedUsage): RivyaError {
    const paid = charged === undefined ? '' : ` (the turn was charged ${charged.credits.final} credits)`
    return new RivyaError({
      code: 'invalid_response',
      message: `Rivya's answer was not what its API documents (invalid_response): ${what}${paid}`,
      retryable: false,
      cause,
      ...(charged === undefined ? {} : { charged })
    })
  }

  /** The settlement of an answer whose other parts may be wrong; undefined when it has none. */
  #chargedFrom(json: unknown): ChargedUsage | undefined {
    const parsed = settlementSchema.safeParse(json)
    if (!parsed.success) return undefined
    const { credits, usage } = parsed.data
    return {
      credits: { reserved: credits.reserved ?? credits.final, final: credits.final },
      ...(usage === undefined
        ? {}
        : {
            usage: {
              inputTokens: usage.input_tokens,
              outputTokens: usage.output_tokens,
              totalTokens: usage.total_tokens ?? usage.input_tokens + usage.output_tokens
            }
          })
    }
  }

  /**
   * A streamed turn whose terminal event came without a readable settlement, read back from
   * `GET /api/v1/chat/sessions/{id}` (RIVYA_API.md: "the session endpoints hold the turn's
   * answer"). The session's shape beyond its messages is NOT DOCUMENTED: usage and credits are
   * taken from the last assistant message where it holds them, else from what the stream sent.
   */
  async #recover(
    turn: ChatRequest,
    partial: Record<string, unknown>,
    text: string,
    response: Dispatcher.ResponseData,
    attempts: number,
    signal: AbortSignal
  ): Promise<ChatCompletion> {
    const charged = this.#chargedFrom(partial)
    const sessionId = isSafeSessionId(partial.session_id) ? partial.session_id : turn.sessionId
    // A retry with the same Idempotency-Key replays the stored answer: no second charge.
    const unreadable = (why: string) =>
      this.#invalid(`a streamed turn ended without its settlement, and ${why}`, undefined, charged).with({
        retryable: true
      })
    if (sessionId === undefined) throw unreadable('named no session to read it back from')
    let json: unknown
    try {
      json = await this.#getJson(
        `/api/v1/chat/sessions/${encodeURIComponent(sessionId)}`,
        true,
        'session',
        signal
      )
    } catch (error) {
      if (error instanceof RivyaError && error.code === 'aborted') throw error
      throw unreadable(
        `the session ${sessionId} could not be read (${error instanceof RivyaError ? error.code : 'error'})`
      )
    }
    const message = lastAssistantMessage(json)
    const content = typeof message?.content === 'string' ? message.content : undefined
    // The turn is ours only if the session's last answer is the text the stream sent.
    if (message === undefined || content === undefined || (text !== '' && content !== text)) {
      throw unreadable(`the session ${sessionId} does not hold its answer`)
    }
    const merged: Record<string, unknown> = {
      ...partial,
      session_id: sessionId,
      message: { ...message, content }
    }
    if (isObject(message.usage)) merged.usage = message.usage
    if (isObject(message.credits)) merged.credits = message.credits
    const settled = settlementSchema.safeParse(merged)
    const unknown: string[] = []
    if (!settled.success) {
      if (!isObject(merged.usage) || typeof merged.usage.input_tokens !== 'number') {
        merged.usage = { input_tokens: 0, output_tokens: 0, total_tokens: 0 }
        unknown.push('token usage')
      }
      if (!isObject(merged.credits) || typeof merged.credits.final !== 'number') {
        merged.credits = { reserved: 0, final: 0 }
        unknown.push('credits')
      }
    }
    const completion = this.#completion(merged, content, response, attempts, true)
    const gap = unknown.length === 0 ? '' : `; its ${unknown.join(' and ')} could not be read (counted as 0)`
    return {
      ...completion,
      recovered: `The stream ended without its settlement; the answer was read back from session ${sessionId}${gap}`
    }
  }

  #completion(
    json: unknown,
    streamedText: string | undefined,
    response: Dispatcher.ResponseData,
    attempts: number,
    streamed: boolean
  ): ChatCompletion {
    const parsed = completionSchema.safeParse(json)
    // A turn that carries its settlement was charged, whatever else is wrong with it.
    const charged = this.#chargedFrom(json)
    if (!parsed.success) {
      const issues = parsed.error.issues.map(i => `${i.path.join('.') || '(root)'}: ${i.message}`)
      throw this.#invalid(`a chat turn lacked ${issues.slice(0, 5).join('; ')}`, undefined, charged)
    }
    const raw = parsed.data
    // The session id goes back to Rivya and into the comment: only a plausible id is taken.
    if (!isSafeSessionId(raw.session_id)) {
      throw this.#invalid('a chat turn had a session_id that is not a plausible id', undefined, charged)
    }
    const content = raw.message?.content ?? streamedText
    if (content === undefined) throw this.#invalid('a chat turn had no message.content', undefined, charged)
    const { input_tokens, output_tokens } = raw.usage
    return {
      id: isSafeTraceId(raw.id) ? raw.id : undefined,
      sessionId: raw.session_id,
      model: raw.model,
      content,
      usage: {
        inputTokens: input_tokens,
        outputTokens: output_tokens,
        totalTokens: raw.usage.total_tokens ?? input_tokens + output_tokens
      },
      credits: { reserved: raw.credits.reserved ?? raw.credits.final, final: raw.credits.final },
      requestId: this.#transport.requestIdHeader(response),
      attempts,
      streamed
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The last assistant message of a session answer: `messages` at its root or under `data`. */
function lastAssistantMessage(json: unknown): Record<string, unknown> | undefined {
  const root = isObject(json) && isObject(json.data) ? json.data : json
  const messages = isObject(root) ? root.messages : undefined
  if (!Array.isArray(messages)) return undefined
  for (let i = messages.length - 1; i >= 0; i--) {
    const m: unknown = messages[i]
    if (isObject(m) && m.role === 'assistant') return m
  }
  return undefined
}
