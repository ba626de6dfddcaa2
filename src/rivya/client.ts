/**
 * The Rivya Public API v1 client: chat turns (JSON or SSE, one result type), the model list and the
 * credit balance, over one keep-alive undici Agent. Every failure is a {@link RivyaError}; the key
 * only ever travels in the `Authorization` header and is scrubbed from anything that could print.
 */
import { Agent, request, type Dispatcher } from 'undici'
import { RivyaError, errorFromBody, errorTag, safeCause, type FromBodyContext } from './errors.js'
import { fallbackModel, modelFromList, readModelList, type ModelInfo } from './models.js'
import {
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  realSleep,
  withRetries,
  type RetryEvent,
  type RetryPolicy,
  type Sleep
} from './retry.js'
import { completionSchema, creditsSchema, errorBodySchema } from './schemas.js'
import { ChatStreamReader } from './sse.js'

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
  bodyTimeoutMs: 20 * 60_000
} as const

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

const REQUEST_ID_HEADERS = ['x-request-id', 'request-id', 'x-rivya-request-id']

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
    let earlierAttemptMayRun = false
    // An attempt that may still be running on Rivya keeps the session busy (and its Idempotency-Key
    // unfinished), so the retries of the same turn meet their own predecessor as a conflict. It
    // can think for many minutes: it is polled for until the deadline, without using up attempts,
    // and once it is done the same key gets its stored answer instead of a second charge. A
    // conflict with no attempt of ours before it is another run's turn: not retried.
    const stillRunning = (error: RivyaError) => error.code === 'chat_session_conflict' && earlierAttemptMayRun
    return withRetries(
      async (attempt, signal) => {
        try {
          return await this.#chatAttempt(body, stream, attempt, options, context, signal)
        } catch (error) {
          if (!(error instanceof RivyaError)) throw error
          if (stillRunning(error)) {
            throw error.with({
              message: `Rivya was still running an earlier attempt of this turn ${errorTag(error.code, error.requestId)}`,
              retryable: true
            })
          }
          if (mayStillRun(error)) earlierAttemptMayRun = true
          throw error
        }
      },
      {
        ...this.#retryOptions(options.label ?? 'chat turn', this.#policy, options.onRetry, options.signal),
        stillRunning
      }
    )
  }

  async #chatAttempt(
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
      return this.#readStream(response, attempt, options, context, signal)
    }
    const json = await this.#readJson(response, signal)
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
   * model or one disabled for the API.
   */
  async getModel(id: string, signal?: AbortSignal): Promise<ModelInfo> {
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
    return modelFromList(models, id)
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
        return this.#readJson(await this.#send(request, attemptSignal), attemptSignal)
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
  #redact = (text: string): string => {
    const key = this.#apiKey
    return key.length < 4 ? text : text.split(key).join('[redacted]')
  }

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
      text = await response.body.text()
    } catch (error) {
      throw this.#transportError(error, signal, `Rivya's HTTP ${response.statusCode} answer broke off`)
    }
    throw this.#statusError(response, text, context)
  }

  #statusError(response: Dispatcher.ResponseData, text: string, context: FromBodyContext): RivyaError {
    const status = response.statusCode
    const retryAfterMs = parseRetryAfter(header(response.headers, 'retry-after'), this.#now())
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
      if (value !== undefined && value !== '') return this.#redact(value).slice(0, 200)
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

  #invalid(what: string, cause?: unknown): RivyaError {
    return new RivyaError({
      code: 'invalid_response',
      message: `Rivya's answer was not what its API documents (invalid_response): ${what}`,
      retryable: false,
      cause
    })
  }

  async #readJson(response: Dispatcher.ResponseData, signal: AbortSignal): Promise<unknown> {
    let text: string
    try {
      text = await response.body.text()
    } catch (error) {
      throw this.#transportError(error, signal, "Rivya's answer broke off")
    }
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
  ): Promise<ChatCompletion> {
    const onDelta = options.onDelta
    const reader = new ChatStreamReader({
      ...(onDelta === undefined ? {} : { onDelta: (text: string) => onDelta(text, attempt) }),
      errorContext: { ...context, redact: this.#redact }
    })
    try {
      for await (const chunk of response.body) {
        reader.push(chunk as Buffer)
        // After `done` or an error event nothing more matters, and a proxy may keep sending
        // heartbeats without ever closing. Leaving the loop destroys the body: undici then closes
        // that one socket, and the next request opens a fresh one.
        if (reader.finished) break
      }
    } catch (error) {
      // A connection lost after the settlement arrived does not undo a finished turn.
      if (!reader.settled) throw this.#transportError(error, signal, "Rivya's stream broke off")
    }
    const { settlement, text } = reader.end()
    return this.#completion(settlement, text, response, attempt, true)
  }

  #completion(
    json: unknown,
    streamedText: string | undefined,
    response: Dispatcher.ResponseData,
    attempts: number,
    streamed: boolean
  ): ChatCompletion {
    const parsed = completionSchema.safeParse(json)
    if (!parsed.success) {
      const issues = parsed.error.issues.map(i => `${i.path.join('.') || '(root)'}: ${i.message}`)
      throw this.#invalid(`a chat turn lacked ${issues.slice(0, 5).join('; ')}`)
    }
    const raw = parsed.data
    const content = raw.message?.content ?? streamedText
    if (content === undefined) throw this.#invalid('a chat turn had no message.content')
    const { input_tokens, output_tokens } = raw.usage
    return {
      id: raw.id,
      sessionId: raw.session_id,
      model: raw.model,
      createdAt: raw.created_at,
      messageId: raw.message?.id,
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
