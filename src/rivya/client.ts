/**
 * The Rivya Public API v1 client: chat turns (JSON or SSE, one result type), the model list and the
 * credit balance, over one keep-alive undici Agent. Every failure is a {@link RivyaError}; the key
 * only ever travels in the `Authorization` header and is scrubbed from anything that could print.
 */
import { Agent, request, type Dispatcher } from 'undici'
import {
  RivyaError,
  errorFromBody,
  errorTag,
  safeCause,
  type ChargedUsage,
  type FromBodyContext
} from './errors.js'
import { isSafeSessionId, isSafeTraceId, safeRequestId } from './ids.js'
import { fallbackModel, modelFromList, readModelList, type ModelInfo, type ModelWanted } from './models.js'
import {
  DEFAULT_RETRY_POLICY,
  parseRateLimitReset,
  parseRetryAfter,
  realSleep,
  withRetries,
  type RetryEvent,
  type RetryPolicy,
  type Sleep
} from './retry.js'
import { completionSchema, creditsSchema, errorBodySchema, settlementSchema } from './schemas.js'
import { ChatStreamReader, type StreamResult } from './sse.js'
import { scrub, secretParts } from '../secrets.js'

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

export type ReasoningEffort = 'default' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh'

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
  createdAt: string | undefined
  messageId: string | undefined
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

const REQUEST_ID_HEADERS = ['x-request-id', 'request-id', 'x-rivya-request-id']
const RATE_LIMIT_RESET_HEADERS = ['ratelimit-reset', 'x-ratelimit-reset', 'ratelimit']

const TIMEOUT_CODES: Readonly<Record<string, string>> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect',
  UND_ERR_HEADERS_TIMEOUT: 'headers',
  UND_ERR_BODY_TIMEOUT: 'body',
  ETIMEDOUT: 'connect'
}

/** Faults of our own making or a host that does not exist: retrying cannot help. */
const PERMANENT_CODES = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
  'UND_ERR_INVALID_RETURN_VALUE',
  'ERR_INVALID_URL',
  'ENOTFOUND',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE'
])

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    return { ok: false }
  }
}

/** The base URL without any credentials it may hold, for messages. */
function displayUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '')
  } catch {
    return '(an invalid URL)'
  }
}

/** Talks to one Rivya deployment with one key. Call {@link close} when done. */
export class RivyaClient {
  readonly baseUrl: string
  readonly #apiKey: string
  readonly #agent: Agent
  readonly #timeouts: { headersTimeoutMs: number; bodyTimeoutMs: number }
  readonly #streamIdleTimeoutMs: number
  readonly #jsonBodyTimeoutMs: number
  readonly #maxAnswerBytes: number
  readonly #policy: RetryPolicy
  readonly #sleep: Sleep
  readonly #random: () => number
  readonly #now: () => number
  readonly #userAgent: string

  constructor(options: RivyaClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.#apiKey = options.apiKey
    const connectTimeout = options.connectTimeoutMs ?? DEFAULT_TIMEOUTS.connectTimeoutMs
    this.#timeouts = {
      headersTimeoutMs: options.headersTimeoutMs ?? DEFAULT_TIMEOUTS.headersTimeoutMs,
      bodyTimeoutMs: options.bodyTimeoutMs ?? DEFAULT_TIMEOUTS.bodyTimeoutMs
    }
    this.#streamIdleTimeoutMs = options.streamIdleTimeoutMs ?? DEFAULT_TIMEOUTS.streamIdleTimeoutMs
    this.#jsonBodyTimeoutMs = options.jsonBodyTimeoutMs ?? DEFAULT_TIMEOUTS.jsonBodyTimeoutMs
    this.#maxAnswerBytes = options.maxAnswerBytes ?? MAX_JSON_BYTES
    this.#agent = new Agent({
      connect: { timeout: connectTimeout },
      headersTimeout: this.#timeouts.headersTimeoutMs,
      bodyTimeout: this.#timeouts.bodyTimeoutMs,
      keepAliveTimeout: 30_000
    })
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...options.retry }
    this.#sleep = options.sleep ?? realSleep
    this.#random = options.random ?? Math.random
    this.#now = options.now ?? Date.now
    this.#userAgent = options.userAgent ?? 'rivya-codex-review'
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
    const response = await this.#send(
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
      const { settlement, text } = await this.#readStream(response, attempt, options, context, signal)
      if (completionSchema.safeParse(settlement).success) {
        return this.#completion(settlement, text, response, attempt, true)
      }
      // The model answered (a terminal event came) but the settlement is not all there: the turn is
      // charged, and Rivya's session holds it. Retrying would replay the same framing.
      return this.#recover(turn, settlement, text, response, attempt, signal)
    }
    const json = await this.#readJson(response, signal, this.#jsonBodyTimeoutMs)
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

  /** Closes the keep-alive connections. */
  async close(): Promise<void> {
    await this.#agent.close()
  }

  /** A short GET whose JSON answer is read, with the short requests' retry policy. */
  #getJson(path: string, auth: boolean, label: string, signal: AbortSignal | undefined): Promise<unknown> {
    return withRetries(
      async (_attempt, attemptSignal) => {
        const request = { method: 'GET', path, auth, accept: 'application/json', ...SHORT_REQUEST } as const
        return this.#readJson(
          await this.#send(request, attemptSignal),
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

  /** The key, and anything that would print it, out of text from elsewhere. */
  #redact = (text: string): string => scrub(text, secretParts([this.#apiKey]))

  async #send(
    req: {
      method: 'GET' | 'POST'
      path: string
      body?: string
      auth: boolean
      accept: string
      idempotencyKey?: string
      headersTimeoutMs: number
      bodyTimeoutMs: number
    },
    signal: AbortSignal,
    context: FromBodyContext = {}
  ): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = { accept: req.accept, 'user-agent': this.#userAgent }
    // Without a key Rivya answers `api_key_missing`, which names the real problem.
    if (req.auth && this.#apiKey !== '') headers.authorization = `Bearer ${this.#apiKey}`
    if (req.body !== undefined) headers['content-type'] = 'application/json'
    if (req.idempotencyKey !== undefined) headers['idempotency-key'] = req.idempotencyKey
    let response: Dispatcher.ResponseData
    try {
      response = await request(`${this.baseUrl}${req.path}`, {
        method: req.method,
        headers,
        body: req.body,
        dispatcher: this.#agent,
        signal,
        headersTimeout: req.headersTimeoutMs,
        bodyTimeout: req.bodyTimeoutMs
      })
    } catch (error) {
      throw this.#transportError(error, signal, 'could not reach Rivya')
    }
    if (response.statusCode >= 200 && response.statusCode < 300) return response
    let text: string
    try {
      text = await errorText(response)
    } catch (error) {
      throw this.#transportError(error, signal, `Rivya's HTTP ${response.statusCode} answer broke off`)
    }
    throw this.#statusError(response, text, context)
  }

  #statusError(response: Dispatcher.ResponseData, text: string, context: FromBodyContext): RivyaError {
    const status = response.statusCode
    const now = this.#now()
    let retryAfterMs = parseRetryAfter(header(response.headers, 'retry-after'), now)
    // Read only on a 429: on other answers a reset header describes a window not yet used up.
    for (const name of status === 429 ? RATE_LIMIT_RESET_HEADERS : []) {
      retryAfterMs ??= parseRateLimitReset(header(response.headers, name), now)
    }
    const headerRequestId = this.#requestIdHeader(response)
    const json = parseJson(text)
    const parsed = json.ok ? errorBodySchema.safeParse(json.value) : undefined
    if (parsed?.success) {
      const body = { ...parsed.data.error }
      body.requestId ??= headerRequestId
      return errorFromBody(body, { ...context, status, retryAfterMs, redact: this.#redact })
    }
    // No JSON error shape: a proxy's or load balancer's page, or an endpoint that is not Rivya's.
    const retryable = status >= 500 || status === 408 || status === 429
    const code = status === 429 ? 'rate_limited' : 'http_error'
    const tag = errorTag(code, headerRequestId)
    const message = retryable
      ? `Rivya answered HTTP ${status} without its error details ${tag}: a proxy or Rivya itself failed, try again later`
      : `Rivya answered HTTP ${status} without its error details ${tag}: check that api-base-url points at Rivya (${displayUrl(this.baseUrl)})`
    return new RivyaError({ code, message, status, requestId: headerRequestId, retryable, retryAfterMs })
  }

  #requestIdHeader(response: Dispatcher.ResponseData): string | undefined {
    for (const name of REQUEST_ID_HEADERS) {
      const value = header(response.headers, name)
      if (value !== undefined && value !== '') return safeRequestId(this.#redact(value))
    }
    return undefined
  }

  /** A failure below HTTP (socket, timeout, abort) as a RivyaError; the original only as a safe copy. */
  #transportError(error: unknown, signal: AbortSignal, what: string): RivyaError {
    if (error instanceof RivyaError) return error
    if (signal.aborted && signal.reason instanceof RivyaError) return signal.reason
    const cause = safeCause(error, this.#redact)
    const rawCode = (error as { code?: unknown } | null)?.code
    const code = typeof rawCode === 'string' || typeof rawCode === 'number' ? String(rawCode) : ''
    const timeout = TIMEOUT_CODES[code]
    if (timeout !== undefined) {
      return new RivyaError({
        code: 'timeout',
        message: `Rivya did not answer in time (timeout): ${timeout} timeout [${code}]`,
        retryable: true,
        cause
      })
    }
    const detail = code === '' ? cause.message : `${cause.message} [${code}]`
    return new RivyaError({
      code: 'network_error',
      message: `${what[0]?.toUpperCase() ?? ''}${what.slice(1)} (network_error): ${detail}`,
      retryable: !PERMANENT_CODES.has(code),
      cause
    })
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
   * A JSON answer, read whole within `totalMs` of its headers and `maxAnswerBytes`: a body
   * that trickles or never ends fails the attempt (retryably) instead of holding the turn.
   */
  async #readJson(response: Dispatcher.ResponseData, signal: AbortSignal, totalMs: number): Promise<unknown> {
    const chunks: Buffer[] = []
    let bytes = 0
    let stopped: RivyaError | undefined
    const timer = setTimeout(() => {
      stopped = new RivyaError({
        code: 'timeout',
        message: `Rivya's answer did not arrive whole within ${Math.round(totalMs / 1000)} s of its start (timeout): retried with the same Idempotency-Key`,
        retryable: true
      })
      response.body.destroy()
    }, totalMs)
    try {
      for await (const chunk of response.body) {
        const piece = chunk as Buffer
        bytes += piece.byteLength
        if (bytes > this.#maxAnswerBytes) {
          stopped = new RivyaError({
            code: 'response_too_large',
            message: `Rivya's answer was larger than ${this.#maxAnswerBytes} bytes (response_too_large): retried with the same Idempotency-Key`,
            retryable: true
          })
          break
        }
        chunks.push(piece)
      }
    } catch (error) {
      if (stopped === undefined) throw this.#transportError(error, signal, "Rivya's answer broke off")
    } finally {
      clearTimeout(timer)
    }
    if (stopped !== undefined) throw stopped.with({ requestId: this.#requestIdHeader(response) })
    const text = Buffer.concat(chunks).toString('utf8')
    const json = parseJson(text)
    if (json.ok) return json.value
    throw new RivyaError({
      code: 'truncated_response',
      message: `Rivya's answer was cut short or is not JSON (truncated_response, ${text.length} characters received)`,
      retryable: true,
      requestId: this.#requestIdHeader(response)
    })
  }

  async #readStream(
    response: Dispatcher.ResponseData,
    attempt: number,
    options: ChatOptions,
    context: FromBodyContext,
    signal: AbortSignal
  ): Promise<StreamResult> {
    const onDelta = options.onDelta
    const reader = new ChatStreamReader({
      ...(onDelta === undefined ? {} : { onDelta: (text: string) => onDelta(text, attempt) }),
      errorContext: { ...context, redact: this.#redact },
      maxBytes: this.#maxAnswerBytes
    })
    const idleMs = this.#streamIdleTimeoutMs
    let idle: RivyaError | undefined
    let timer: NodeJS.Timeout | undefined
    // Heartbeats keep undici's body timeout from firing; only content re-arms this one.
    const arm = () => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        idle = new RivyaError({
          code: 'timeout',
          message: `Rivya's stream sent no content for ${Math.round(idleMs / 1000)} s, heartbeats aside (timeout): retried with the same Idempotency-Key`,
          retryable: true
        })
        response.body.destroy()
      }, idleMs)
    }
    arm()
    let seen = reader.contentEvents
    try {
      for await (const chunk of response.body) {
        reader.push(chunk as Buffer)
        if (reader.contentEvents !== seen) {
          seen = reader.contentEvents
          arm()
        }
        // After the terminal or an error event nothing more matters, and a proxy may keep sending
        // heartbeats without ever closing. Leaving the loop destroys the body: undici then closes
        // that one socket, and the next request opens a fresh one.
        if (reader.finished) break
      }
    } catch (error) {
      // A connection lost after the settlement arrived does not undo a finished turn.
      if (idle !== undefined) throw idle
      if (!reader.settled) throw this.#transportError(error, signal, "Rivya's stream broke off")
    } finally {
      clearTimeout(timer)
    }
    if (idle !== undefined && !reader.settled) throw idle
    return reader.end()
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
      createdAt: raw.created_at,
      messageId: isSafeTraceId(raw.message?.id) ? raw.message.id : undefined,
      content,
      usage: {
        inputTokens: input_tokens,
        outputTokens: output_tokens,
        totalTokens: raw.usage.total_tokens ?? input_tokens + output_tokens
      },
      credits: { reserved: raw.credits.reserved ?? raw.credits.final, final: raw.credits.final },
      requestId: this.#requestIdHeader(response),
      attempts,
      streamed
    }
  }
}

/** An error body holds a code and a message: more than this is a proxy's page, or an attack. */
const ERROR_BODY_BYTES = 64 * 1024

/**
 * The start of an error answer's body, at most {@link ERROR_BODY_BYTES} and read within the short
 * requests' body timeout: a body that never ends must not grow in memory or hold the turn. A cut
 * body is not JSON, so the answer is then decided by its status.
 */
async function errorText(response: Dispatcher.ResponseData): Promise<string> {
  const chunks: Buffer[] = []
  let bytes = 0
  let late = false
  const timer = setTimeout(() => {
    late = true
    response.body.destroy()
  }, SHORT_REQUEST.bodyTimeoutMs)
  try {
    for await (const chunk of response.body) {
      chunks.push(chunk as Buffer)
      bytes += (chunk as Buffer).byteLength
      if (bytes > ERROR_BODY_BYTES) break
    }
  } catch (error) {
    if (!late) throw error
  } finally {
    clearTimeout(timer)
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, ERROR_BODY_BYTES)
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
