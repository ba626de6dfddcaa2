/**
 * A Rivya Public API v1 emulator: a real HTTP server on 127.0.0.1 that follows RIVYA_API.md
 * strictly (auth, scopes, body schema, sessions, wallet, idempotency, rate limit, SSE framing,
 * error shapes), with faults a test sets. Interface and formulas: docs/emulators.md.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import { reply, type ReplyOptions } from './replies.js'
import { LoopbackServer, readBodyBytes, sendJson } from '../http.js'
import { EmulatedFiles, FileApiError } from './files.js'

/**
 * The models listed, with the fields and `api_status` values of Rivya's api-models page
 * (RIVYA_API.md "Models"). The keys inside `chat_capabilities` are NOT DOCUMENTED: these are
 * ASSUMED, after the page's words ("web search, image file attachments, thoughts, and reasoning").
 */
export const EMULATED_MODELS = [
  {
    id: 'gpt-5.4-codex-chat',
    display_name: 'GPT-5.4 Codex',
    category: 'chat',
    max_prompt_length: 20000,
    base_credits: 4,
    billing_type: 'TOKEN_BASED',
    api_status: 'available',
    api_input_status: 'available_text',
    supported_api_inputs: ['text', 'file'],
    chat_capabilities: { web_search: true, image_attachments: true, thoughts: false, reasoning: true }
  },
  {
    id: 'gpt-5.4-mini-chat',
    display_name: 'GPT-5.4 mini',
    category: 'chat',
    max_prompt_length: 8000,
    base_credits: 1,
    billing_type: 'TOKEN_BASED',
    api_status: 'available',
    api_input_status: 'available_text',
    supported_api_inputs: ['text'],
    chat_capabilities: { web_search: false, image_attachments: false, thoughts: false, reasoning: true }
  },
  {
    id: 'gpt-6-preview-chat',
    display_name: 'GPT-6 preview',
    category: 'chat',
    max_prompt_length: 20000,
    base_credits: 8,
    billing_type: 'TOKEN_BASED',
    api_status: 'coming_soon',
    api_input_status: 'available_text',
    supported_api_inputs: ['text'],
    chat_capabilities: { web_search: true, image_attachments: true, thoughts: true, reasoning: true }
  },
  {
    id: 'rivya-studio-chat',
    display_name: 'Rivya Studio chat',
    category: 'chat',
    max_prompt_length: 20000,
    base_credits: 2,
    billing_type: 'TOKEN_BASED',
    api_status: 'studio_only',
    api_input_status: 'available_text',
    supported_api_inputs: ['text'],
    chat_capabilities: { web_search: false, image_attachments: false, thoughts: false, reasoning: false }
  },
  {
    id: 'rivya-image-2',
    display_name: 'Rivya Image 2',
    category: 'image',
    max_prompt_length: 4000,
    base_credits: 10,
    billing_type: 'PER_IMAGE',
    api_status: 'available',
    api_input_status: 'available_text',
    supported_api_inputs: ['text'],
    chat_capabilities: null
  }
] as const

/**
 * How the stream endpoint frames an answer. Rivya does not document it (RIVYA_API.md
 * "Streaming"); each is one of the plausible framings that document names:
 * - `rivya`: `event: delta` / `{"delta"}`, then `event: done` with the whole completion (ASSUMED);
 * - `openai`: untyped `data: {"object":"chat.completion.chunk","choices":[{"delta":{"content"}}]}`
 *   chunks, a last chunk with `usage`, `credits` and `session_id`, then `data: [DONE]` (OpenAI's
 *   Chat Completions stream with `stream_options.include_usage`);
 * - `dotted`: `event: message.delta` / `{"delta":{"text"}}`, then `event: message.completed`;
 * - `response`: `event: response.output_text.delta` / `{"delta"}`, then `event: response.completed`
 *   with `{"response": completion}` (OpenAI's Responses API names);
 * - `completion`: deltas, then `event: completion` with the whole completion;
 * - `usage-only`: deltas, then `event: done` with only `session_id`, `usage` and `credits`;
 * - `no-settlement`: deltas, then `event: done` with only `session_id`: the settlement must be read
 *   back from `GET /api/v1/chat/sessions/{id}`.
 */
export type SseFraming =
  'rivya' | 'openai' | 'dotted' | 'response' | 'completion' | 'usage-only' | 'no-settlement'
export const SSE_FRAMINGS: readonly SseFraming[] = [
  'rivya',
  'openai',
  'dotted',
  'response',
  'completion',
  'usage-only',
  'no-settlement'
]

export type Scope = 'chat:create' | 'chat:read' | 'credits:read' | 'files:create' | 'files:read'
export const ALL_SCOPES: Scope[] = ['chat:create', 'chat:read', 'credits:read', 'files:create', 'files:read']

export interface EmulatorKey {
  key: string
  account: string
  scopes: readonly string[]
  status?: 'active' | 'revoked' | 'expired'
}

export type Fault =
  | { kind: 'status'; status: number; code: string; retryAfter?: string; requestId?: string; times?: number }
  | { kind: 'reset'; when: 'before' | 'after'; times?: number }
  | { kind: 'cut'; times?: number }
  | { kind: 'delay'; ms: number; times?: number }
  /**
   * A proxy's HTML error page. With `after: 'processing-started'` the proxy gives up on a turn
   * that goes on: the page is sent once the turn has started, which then finishes and is charged.
   */
  | { kind: 'html'; status?: number; after?: 'processing-started'; times?: number }
  /** Streaming: a delta, then `event: error` with this code; the turn is not charged. */
  | { kind: 'stream-error'; code?: string; times?: number }
  /** A status answer with extra headers, e.g. a 429 with `ratelimit-reset` and no `retry-after`. */
  | { kind: 'status'; status: number; code: string; headers: Record<string, string>; times?: number }
  /**
   * Answers that never end (issue 9): `endless-stream` sends deltas forever; `heartbeats` sends
   * only `: ping` comments; `endless-json` a JSON body without `content-length` that never closes;
   * `trickle` the real JSON answer one byte every `everyMs` (default 50). Each stops when the client
   * hangs up; none is charged except `trickle`, which is a real turn. `status` sends the endless
   * body under another status (a proxy's error page that never ends); 200 by default.
   */
  | {
      kind: 'endless-stream' | 'heartbeats' | 'endless-json'
      everyMs?: number
      status?: number
      times?: number
    }
  | { kind: 'trickle'; everyMs?: number; times?: number }
  /**
   * A hostile or broken server: the turn is processed and charged, then these fields replace the
   * answer's own (e.g. `session_id: '@admin <img>'`, `usage: 'n/a'`); both endpoints.
   */
  | { kind: 'tamper'; set: Record<string, unknown>; times?: number }

export interface LoggedRequest {
  method: string
  path: string
  idempotencyKey: string | undefined
  /** The parsed JSON body, or undefined. */
  body: unknown
  /** Set when the answer is complete (0 when the connection was dropped). */
  status: number
  /** Epoch ms when the request arrived. */
  at: number
  /** The last 4 characters of the bearer key: the key is never stored. */
  keyHint: string | undefined
}

export interface RateLimit {
  requests: number
  windowMs: number
  headers?: 'retry-after' | 'ratelimit-reset' | 'x-ratelimit-reset' | 'none'
}

/** One entry of the model list; tests may change a copy (`rivya.models`). */
export interface EmulatedModel {
  id: string
  display_name: string
  category: string
  max_prompt_length: number
  base_credits: number
  billing_type: string
  api_status: string
  api_input_status: string
  supported_api_inputs: readonly string[]
  chat_capabilities: Readonly<Record<string, boolean>> | null
}

export interface EmulatedTurn {
  messageId: string
  message: string
  reply: string
  usage: { input_tokens: number; output_tokens: number; total_tokens: number }
  credits: { reserved: number; final: number }
  idempotencyKey: string | undefined
  at: number
  /** The `file_id`s the turn attached. */
  attachments: string[]
  /** Input tokens its attachments cost: billed again as history on every later turn. */
  attachmentTokens: number
}

export interface EmulatedSession {
  id: string
  account: string
  model: string
  createdAt: string
  turns: EmulatedTurn[]
  busy: boolean
}

export interface RivyaEmulatorOptions {
  port?: number
  host?: string
  /** Credits of every account at start (default 10,000). */
  startingCredits?: number
  /** The delay between pieces of an SSE answer (ms; default: the next event-loop turn). */
  ssePauseMs?: number
}

interface IdempotencyRecord {
  bodyHash: string
  done: boolean
  response?: Completion
}

interface Completion {
  id: string
  object: 'chat.completion'
  session_id: string
  model: string
  created_at: string
  message: { id: string; role: 'assistant'; content: string }
  usage: { input_tokens: number; output_tokens: number; total_tokens: number }
  credits: { reserved: number; final: number }
}

/** Tokens of a text, as the emulator bills them: one per four UTF-16 units, rounded up. */
export function tokens(text: string): number {
  return Math.ceil(text.length / 4)
}

/** Credits of a turn: the model's base credits plus `perThousand` per started thousand tokens. */
export function turnCredits(baseCredits: number, totalTokens: number, perThousand = 1): number {
  return baseCredits + perThousand * Math.ceil(totalTokens / 1000)
}

/** Output tokens reserved for before the answer is known. */
export const RESERVED_OUTPUT_TOKENS = 1024

const chatBody = z
  .object({
    model: z.string().min(1),
    session_id: z.string().min(1).optional(),
    message: z.string(),
    attachments: z.array(z.unknown()).optional(),
    enable_web_search: z.boolean().optional(),
    reasoning_effort: z.enum(['default', 'minimal', 'low', 'medium', 'high', 'xhigh']).optional(),
    client_request_id: z.string().max(200).optional()
  })
  .strict()

class ApiError extends Error {
  /** Sent instead of the request's own id (a hostile server's). */
  requestId: string | undefined
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
  }
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms))

export class RivyaEmulator extends LoopbackServer {
  readonly validKey: string
  /** Shapes the deterministic replies. */
  reply: ReplyOptions = {}
  /** How long the model "thinks" on every turn, while its session is busy (ms). */
  latencyMs = 0
  /**
   * Credits per started thousand tokens (RIVYA_API.md gives no rate): raise it to test a price
   * above the one a client assumes.
   */
  creditsPerThousandTokens = 1
  /** How the stream endpoint frames answers (see {@link SseFraming}). */
  sseFraming: SseFraming = 'rivya'
  /**
   * What a request answers while the first request with its Idempotency-Key is still running. Not
   * documented (RIVYA_API.md "Errors"): both codes are plausible, both are 409.
   */
  inFlightConflict: 'chat_session_conflict' | 'idempotency_conflict' = 'chat_session_conflict'
  readonly requests: LoggedRequest[] = []
  /** The Files API: stored files, per-kind limits, `uploads(account)` (docs/emulators.md "Files API"). */
  readonly files = new EmulatedFiles()
  /**
   * Input tokens one image attachment costs (Rivya documents no price: an ASSUMED figure, below
   * the client's estimate of 1,600 so that estimates stay on the high side).
   */
  imageTokens = 765
  /** What `GET /api/v1/models` lists and chat turns check against: change it to test the client. */
  models: EmulatedModel[] = EMULATED_MODELS.map((m): EmulatedModel => ({ ...m }))
  readonly #keys = new Map<string, EmulatorKey>()
  readonly #wallets = new Map<string, number>()
  readonly #sessions = new Map<string, EmulatedSession>()
  readonly #idempotency = new Map<string, IdempotencyRecord>()
  readonly #charged: { account: string; sessionId: string; idempotencyKey: string | undefined }[] = []
  readonly #faults: Fault[] = []
  #rateLimit: RateLimit | undefined
  #window = { start: 0, count: 0 }
  #requestCounter = 0
  readonly #startingCredits: number
  readonly #ssePauseMs: number | undefined

  private constructor(options: RivyaEmulatorOptions) {
    super()
    this.#startingCredits = options.startingCredits ?? 10_000
    this.#ssePauseMs = options.ssePauseMs
    this.validKey = `rvya_sk_test_${randomBytes(12).toString('hex')}`
    this.addKey({ key: this.validKey, account: 'acct_test', scopes: ALL_SCOPES })
  }

  /** Starts the emulator; its `url` is the base URL, endpoints under `/api/v1`. */
  static async start(options: RivyaEmulatorOptions = {}): Promise<RivyaEmulator> {
    const emulator = new RivyaEmulator(options)
    await emulator.serve(
      (req, res) => emulator.#handle(req, res),
      options.port,
      options.host ?? '127.0.0.1',
      server => {
        server.keepAliveTimeout = 5_000
      }
    )
    return emulator
  }

  addKey(key: EmulatorKey): void {
    this.#keys.set(key.key, { status: 'active', ...key })
    if (!this.#wallets.has(key.account)) this.#wallets.set(key.account, this.#startingCredits)
  }

  setCredits(account: string, credits: number): void {
    this.#wallets.set(account, credits)
  }

  credits(account: string): number {
    return this.#wallets.get(account) ?? 0
  }

  /** Queued; each fault applies to the next `times` (default 1) chat requests. */
  injectFault(fault: Fault): void {
    this.#faults.push(fault)
  }

  /**
   * Counts every request. `headers` says how a 429 names its wait (Rivya documents none of them):
   * `retry-after` (default), `ratelimit-reset` (seconds from now), `x-ratelimit-reset` (epoch
   * seconds), or `none`.
   */
  setRateLimit(limit: RateLimit | undefined): void {
    this.#rateLimit = limit
    this.#window = { start: 0, count: 0 }
  }

  /** Forgets a session, as Rivya does when one expires: later turns on it answer `not_found`. */
  dropSession(id: string): void {
    this.#sessions.delete(id)
  }

  get sessions(): EmulatedSession[] {
    return [...this.#sessions.values()]
  }

  /** The turns charged to an account, in order (an idempotent replay is not a charge). */
  chargedTurns(account: string): { sessionId: string; idempotencyKey: string | undefined }[] {
    return this.#charged
      .filter(c => c.account === account)
      .map(({ sessionId, idempotencyKey }) => ({ sessionId, idempotencyKey }))
  }

  #nextFault(): Fault | undefined {
    const fault = this.#faults[0]
    if (fault === undefined) return undefined
    const left = (fault.times ?? 1) - 1
    if (left <= 0) this.#faults.shift()
    else this.#faults[0] = { ...fault, times: left }
    return fault
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = `req_${(++this.#requestCounter).toString(36).padStart(6, '0')}${randomBytes(3).toString('hex')}`
    const url = new URL(req.url ?? '/', 'http://emulator')
    const auth = req.headers.authorization
    const idem = req.headers['idempotency-key']
    const entry: LoggedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      idempotencyKey: Array.isArray(idem) ? idem[0] : idem,
      body: undefined,
      status: 0,
      at: Date.now(),
      keyHint: auth !== undefined ? auth.slice(-4) : undefined
    }
    this.requests.push(entry)
    res.setHeader('x-request-id', requestId)
    res.on('finish', () => {
      entry.status = res.statusCode
    })
    const bytes = await readBodyBytes(req)
    const raw = bytes.toString('utf8')
    if (raw.length > 0 && !/^multipart\//i.test(req.headers['content-type'] ?? '')) {
      try {
        entry.body = JSON.parse(raw) as unknown
      } catch {
        entry.body = undefined
      }
    }
    try {
      await this.#route(req, res, url.pathname, raw, entry, requestId, bytes)
    } catch (error) {
      if (res.headersSent || res.destroyed) return
      if (error instanceof ApiError || error instanceof FileApiError) {
        sendError(res, error, requestId)
      } else {
        sendError(res, new ApiError(500, 'internal_error', 'The emulator failed'), requestId)
      }
    }
  }

  #rateLimited(): ApiError | undefined {
    const limit = this.#rateLimit
    if (limit === undefined) return undefined
    const now = Date.now()
    if (now - this.#window.start >= limit.windowMs) this.#window = { start: now, count: 0 }
    this.#window.count += 1
    if (this.#window.count <= limit.requests) return undefined
    const wait = Math.max(1, Math.ceil((this.#window.start + limit.windowMs - now) / 1000))
    const resetAt = Math.ceil((this.#window.start + limit.windowMs) / 1000)
    const headers: Record<string, string> = {
      'retry-after': { 'retry-after': String(wait) },
      'ratelimit-reset': { 'ratelimit-reset': String(wait) },
      'x-ratelimit-reset': { 'x-ratelimit-reset': String(resetAt) },
      none: {}
    }[limit.headers ?? 'retry-after']
    return new ApiError(429, 'rate_limited', 'Too many requests; slow down.', headers)
  }

  #authenticate(header: string | undefined, scope: Scope): EmulatorKey {
    if (header === undefined || header.trim() === '') {
      throw new ApiError(401, 'api_key_missing', 'An API key is required: send Authorization: Bearer <key>.')
    }
    const match = /^Bearer\s+(\S+)$/.exec(header.trim())
    const key = match?.[1] !== undefined ? this.#keys.get(match[1]) : undefined
    if (key === undefined) throw new ApiError(401, 'api_key_invalid', 'The API key is not valid.')
    if (key.status === 'revoked') throw new ApiError(401, 'api_key_revoked', 'The API key was revoked.')
    if (key.status === 'expired') throw new ApiError(401, 'api_key_expired', 'The API key has expired.')
    if (!key.scopes.includes(scope)) {
      throw new ApiError(403, 'api_scope_denied', `The API key lacks the ${scope} scope.`)
    }
    return key
  }

  async #route(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    raw: string,
    entry: LoggedRequest,
    requestId: string,
    bytes: Buffer
  ): Promise<void> {
    const limited = this.#rateLimited()
    if (limited !== undefined) throw limited
    const method = req.method ?? 'GET'
    if (method === 'GET' && path === '/api/v1/models') {
      sendJson(res, 200, { object: 'list', data: this.models })
      return
    }
    if (method === 'GET' && path === '/api/v1/credits') {
      const key = this.#authenticate(req.headers.authorization, 'credits:read')
      sendJson(res, 200, { current_credits: this.credits(key.account) })
      return
    }
    if (method === 'GET' && path === '/api/v1/chat/sessions') {
      const key = this.#authenticate(req.headers.authorization, 'chat:read')
      const data = this.sessions.filter(s => s.account === key.account).map(sessionSummary)
      sendJson(res, 200, { data })
      return
    }
    const sessionPath = /^\/api\/v1\/chat\/sessions\/([^/]+)$/.exec(path)
    if (method === 'GET' && sessionPath?.[1] !== undefined) {
      const key = this.#authenticate(req.headers.authorization, 'chat:read')
      const session = this.#sessions.get(decodeURIComponent(sessionPath[1]))
      if (session === undefined || session.account !== key.account) {
        throw new ApiError(404, 'not_found', 'Chat session not found.')
      }
      // Usage and credits per answer are ASSUMED (the session's shape is NOT DOCUMENTED).
      sendJson(res, 200, {
        ...sessionSummary(session),
        messages: session.turns.flatMap(t => [
          { role: 'user', content: t.message },
          { id: t.messageId, role: 'assistant', content: t.reply, usage: t.usage, credits: t.credits }
        ])
      })
      return
    }
    if (method === 'POST' && path === '/api/v1/files') {
      const key = this.#authenticate(req.headers.authorization, 'files:create')
      const file = await this.files.upload(
        key.account,
        req.headers['content-type'] ?? '',
        bytes,
        entry.idempotencyKey,
        this.models
      )
      sendJson(res, 200, file)
      return
    }
    const filePath = /^\/api\/v1\/files\/([^/]+)$/.exec(path)
    if (method === 'GET' && filePath?.[1] !== undefined) {
      const key = this.#authenticate(req.headers.authorization, 'files:read')
      sendJson(res, 200, this.files.get(key.account, decodeURIComponent(filePath[1])))
      return
    }
    if (
      method === 'POST' &&
      (path === '/api/v1/chat/completions' || path === '/api/v1/chat/completions/stream')
    ) {
      await this.#chat(req, res, raw, entry, requestId, path.endsWith('/stream'))
      return
    }
    throw new ApiError(404, 'not_found', `No route for ${method} ${path}.`)
  }

  async #chat(
    req: IncomingMessage,
    res: ServerResponse,
    raw: string,
    entry: LoggedRequest,
    requestId: string,
    stream: boolean
  ): Promise<void> {
    const fault = this.#nextFault()
    if (fault?.kind === 'reset' && fault.when === 'before') {
      req.socket.destroy()
      return
    }
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = {
        ...('retryAfter' in fault && fault.retryAfter !== undefined
          ? { 'retry-after': fault.retryAfter }
          : {}),
        ...('headers' in fault ? fault.headers : {})
      }
      const error = new ApiError(fault.status, fault.code, `Injected ${fault.code}.`, headers)
      if ('requestId' in fault && fault.requestId !== undefined) error.requestId = fault.requestId
      throw error
    }
    if (fault?.kind === 'endless-stream' || fault?.kind === 'heartbeats' || fault?.kind === 'endless-json') {
      await endless(res, fault.kind, fault.everyMs ?? 5, fault.status ?? 200)
      return
    }
    if (fault?.kind === 'html' && fault.after === undefined) {
      sendHtml(res, fault.status ?? 502)
      return
    }
    if (fault?.kind === 'delay') await sleep(fault.ms)
    if (fault?.kind === 'stream-error' && stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' })
      const code = fault.code ?? 'public_api_disabled'
      const error = { error: { code, message: `Injected ${code} mid-stream.`, requestId } }
      await this.#writeInPieces(
        res,
        Buffer.from(
          `: ping\n\nevent: delta\ndata: {"delta":"partial "}\n\nevent: error\ndata: ${JSON.stringify(error)}\n\n`
        )
      )
      res.end()
      return
    }

    const key = this.#authenticate(req.headers.authorization, 'chat:create')
    if (entry.body === undefined)
      throw new ApiError(400, 'validation_failed', 'The body must be a JSON object.')
    if (typeof entry.body === 'object' && entry.body !== null && 'messages' in entry.body) {
      throw new ApiError(
        400,
        'validation_failed',
        'Unknown key "messages": send one user message as "message"; the history lives in the session.'
      )
    }
    const parsed = chatBody.safeParse(entry.body)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const where = issue?.path.join('.') ?? ''
      throw new ApiError(
        400,
        'validation_failed',
        `Invalid request body${where ? ` at ${where}` : ''}: ${issue?.message ?? 'invalid'}.`
      )
    }
    const body = parsed.data
    const model = this.models.find(m => m.id === body.model)
    // Only `available` models can be called (api-models); how Rivya refuses the others is not
    // documented: the code of an unknown model is used.
    if (model === undefined || model.chat_capabilities === null || model.api_status !== 'available') {
      throw new ApiError(
        400,
        'chat_model_not_supported',
        `The model ${body.model} is not a chat model of the public API.`
      )
    }
    const attached = this.files.attachments(key.account, body.attachments ?? [], model)
    const attachmentTokens = attached.length * this.imageTokens
    if (body.message.trim() === '') throw new ApiError(400, 'validation_failed', 'message must not be empty.')
    if (body.message.length > model.max_prompt_length) {
      throw new ApiError(
        400,
        'validation_failed',
        `message is ${body.message.length} characters; ${model.id} accepts at most ${model.max_prompt_length}.`
      )
    }

    const idempotencyKey = entry.idempotencyKey
    const scopeKey = idempotencyKey !== undefined ? `${key.account}\u0000${idempotencyKey}` : undefined
    const bodyHash = createHash('sha256').update(canonical(body)).digest('hex')
    if (scopeKey !== undefined) {
      const record = this.#idempotency.get(scopeKey)
      if (record !== undefined) {
        if (record.bodyHash !== bodyHash) {
          throw new ApiError(
            409,
            'idempotency_conflict',
            'This Idempotency-Key was used with a different request.'
          )
        }
        if (!record.done || record.response === undefined) {
          throw new ApiError(
            409,
            this.inFlightConflict,
            'A request with this Idempotency-Key is still running.'
          )
        }
        // A replay meets the same injected faults as a first answer would.
        if (fault?.kind === 'reset' && fault.when === 'after') {
          req.socket.destroy()
          return
        }
        await this.#answer(res, record.response, stream, answerFault(fault))
        return
      }
    }

    let session: EmulatedSession | undefined
    if (body.session_id !== undefined) {
      session = this.#sessions.get(body.session_id)
      if (session === undefined || session.account !== key.account) {
        throw new ApiError(404, 'not_found', 'Chat session not found.')
      }
      if (session.model !== model.id) {
        throw new ApiError(409, 'chat_session_conflict', `The session belongs to the model ${session.model}.`)
      }
      if (session.busy)
        throw new ApiError(409, 'chat_session_conflict', 'The session is busy with another turn.')
    }

    const history =
      session?.turns.reduce((n, t) => n + tokens(t.message) + t.attachmentTokens + tokens(t.reply), 0) ?? 0
    const inputTokens = history + tokens(body.message) + attachmentTokens
    const reserved = turnCredits(
      model.base_credits,
      inputTokens + RESERVED_OUTPUT_TOKENS,
      this.creditsPerThousandTokens
    )
    const balance = this.credits(key.account)
    if (balance < reserved) {
      throw new ApiError(
        402,
        'insufficient_credits',
        `This turn needs ${reserved} credits reserved; the balance is ${balance}.`
      )
    }
    this.#wallets.set(key.account, balance - reserved)
    if (scopeKey !== undefined) this.#idempotency.set(scopeKey, { bodyHash, done: false })
    if (session === undefined) {
      session = {
        id: `chat_session_${randomBytes(8).toString('hex')}`,
        account: key.account,
        model: model.id,
        createdAt: new Date().toISOString(),
        turns: [],
        busy: false
      }
      this.#sessions.set(session.id, session)
    }
    session.busy = true
    if (fault?.kind === 'html' && fault.after === 'processing-started') sendHtml(res, fault.status ?? 502)
    if (this.latencyMs > 0) await sleep(this.latencyMs)
    // Names what the model was given, so a test can tell which turn carried which image.
    const content =
      reply(
        body.message,
        this.reply,
        session.turns.map(t => t.message)
      ) +
      (attached.length === 0
        ? ''
        : `
attachments: ${attached.map(f => `${f.id} (${f.filename})`).join(', ')}`)
    const outputTokens = tokens(content)
    const total = inputTokens + outputTokens
    const final = turnCredits(model.base_credits, total, this.creditsPerThousandTokens)
    this.#wallets.set(key.account, this.credits(key.account) + reserved - final)
    const completion: Completion = {
      id: `chatcmpl_${randomBytes(8).toString('hex')}`,
      object: 'chat.completion',
      session_id: session.id,
      model: model.id,
      created_at: new Date().toISOString(),
      message: { id: `msg_${randomBytes(8).toString('hex')}`, role: 'assistant', content },
      usage: { input_tokens: inputTokens, output_tokens: outputTokens, total_tokens: total },
      credits: { reserved, final }
    }
    session.turns.push({
      messageId: completion.message.id,
      message: body.message,
      reply: content,
      usage: completion.usage,
      credits: completion.credits,
      idempotencyKey,
      at: Date.now(),
      attachments: attached.map(f => f.id),
      attachmentTokens
    })
    session.busy = false
    this.#charged.push({ account: key.account, sessionId: session.id, idempotencyKey })
    if (scopeKey !== undefined)
      this.#idempotency.set(scopeKey, { bodyHash, done: true, response: completion })

    if (res.headersSent) return
    if (fault?.kind === 'reset' && fault.when === 'after') {
      req.socket.destroy()
      return
    }
    const sent = fault?.kind === 'tamper' ? ({ ...completion, ...fault.set } as Completion) : completion
    await this.#answer(res, sent, stream, answerFault(fault))
  }

  async #answer(
    res: ServerResponse,
    completion: Completion,
    stream: boolean,
    fault: { kind: 'cut' } | { kind: 'trickle'; everyMs?: number } | undefined
  ): Promise<void> {
    if (!stream) {
      const text = JSON.stringify(completion)
      const bytes = Buffer.from(text, 'utf8')
      if (fault?.kind === 'trickle') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes.length) })
        for (let i = 0; i < bytes.length && !res.destroyed; i++) {
          res.write(bytes.subarray(i, i + 1))
          await sleep(fault.everyMs ?? 50)
        }
        res.end()
        return
      }
      if (fault?.kind === 'cut') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes.length) })
        res.write(bytes.subarray(0, Math.floor(bytes.length / 2)))
        await sleep(5)
        res.destroy()
        return
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes.length) })
      res.end(bytes)
      return
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive'
    })
    const text = sseText(completion, this.sseFraming)
    const bytes = Buffer.from(text, 'utf8')
    const end = fault?.kind === 'cut' ? Buffer.byteLength(text.slice(0, terminalAt(text))) : bytes.length
    await this.#writeInPieces(res, bytes.subarray(0, end > 0 ? end : Math.floor(bytes.length / 2)))
    if (fault?.kind === 'cut') {
      res.destroy()
      return
    }
    res.end()
  }

  /** Odd-sized pieces, so events and multi-byte characters straddle the client's reads. */
  async #writeInPieces(res: ServerResponse, bytes: Buffer): Promise<void> {
    const sizes = bytes.length > 64 * 1024 ? [4093, 2039, 1021] : [1, 3, 7, 2, 5]
    let offset = 0
    let i = 0
    while (offset < bytes.length) {
      if (res.destroyed) return
      const size = sizes[i % sizes.length] as number
      res.write(bytes.subarray(offset, offset + size))
      offset += size
      i += 1
      await (this.#ssePauseMs !== undefined
        ? sleep(this.#ssePauseMs)
        : new Promise(resolve => setImmediate(resolve)))
    }
  }
}

/** The pieces of an answer's text, whole characters each, about a quarter of it long. */
function pieces(content: string): string[] {
  const out: string[] = []
  const step = Math.max(1, Math.ceil(content.length / 4))
  for (let i = 0; i < content.length;) {
    let end = Math.min(content.length, i + step)
    const code = content.charCodeAt(end - 1)
    if (code >= 0xd800 && code <= 0xdbff) end += 1 // deltas are whole characters
    out.push(content.slice(i, end))
    i = end
  }
  return out
}

/**
 * The answer as Server-Sent Events in one of the {@link SseFraming}s: deltas, then the terminal
 * event; heartbeat comments in between, and CRLF line ends on some events (valid SSE).
 */
export function sseText(completion: Completion, framing: SseFraming = 'rivya'): string {
  const { usage, credits, session_id, id, model } = completion
  const events = [': ping\n\n']
  pieces(completion.message.content).forEach((piece, n) => {
    const eol = n % 2 === 1 ? '\r\n' : '\n'
    const delta: Record<SseFraming, string> = {
      rivya: `event: delta${eol}data: ${JSON.stringify({ delta: piece })}`,
      'usage-only': `event: delta${eol}data: ${JSON.stringify({ delta: piece })}`,
      'no-settlement': `event: delta${eol}data: ${JSON.stringify({ delta: piece })}`,
      completion: `event: delta${eol}data: ${JSON.stringify({ content: piece })}`,
      openai: `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: { content: piece } }] })}`,
      dotted: `event: message.delta${eol}data: ${JSON.stringify({ delta: { text: piece } })}`,
      response: `event: response.output_text.delta${eol}data: ${JSON.stringify({ type: 'response.output_text.delta', delta: piece })}`
    }
    events.push(`${delta[framing]}${eol}${eol}`)
    if (n === 1) events.push(': heartbeat\n\n')
  })
  const terminal: Record<SseFraming, string> = {
    rivya: `event: done\ndata: ${JSON.stringify(completion)}`,
    completion: `event: completion\ndata: ${JSON.stringify(completion)}`,
    'usage-only': `event: done\ndata: ${JSON.stringify({ session_id, usage, credits })}`,
    'no-settlement': `event: done\ndata: ${JSON.stringify({ session_id })}`,
    openai: [
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}`,
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', model, session_id, choices: [], usage, credits })}`,
      'data: [DONE]'
    ].join('\n\n'),
    dotted: `event: message.completed\ndata: ${JSON.stringify(completion)}`,
    response: `event: response.output_text.done\ndata: ${JSON.stringify({ text: completion.message.content })}\n\nevent: response.completed\ndata: ${JSON.stringify({ type: 'response.completed', response: completion })}`
  }
  events.push(`${terminal[framing]}\n\n`)
  return events.join('')
}

/** Where the terminal part of an SSE answer starts (what a `cut` leaves out). */
function terminalAt(text: string): number {
  const marks = [
    'event: done',
    'event: completion',
    'event: message.completed',
    'event: response.output_text.done'
  ]
  for (const mark of marks) {
    const at = text.indexOf(mark)
    if (at > 0) return at
  }
  // OpenAI's: the chunk that carries the finish reason.
  const finish = text.lastIndexOf('data: {', text.indexOf('"finish_reason"'))
  return finish > 0 ? finish : Math.floor(text.length / 2)
}

function answerFault(
  fault: Fault | undefined
): { kind: 'cut' } | { kind: 'trickle'; everyMs?: number } | undefined {
  if (fault?.kind === 'cut') return { kind: 'cut' }
  if (fault?.kind === 'trickle') return fault
  return undefined
}

/** An answer that never ends, until the client hangs up. */
async function endless(
  res: ServerResponse,
  kind: 'endless-stream' | 'heartbeats' | 'endless-json',
  everyMs: number,
  status: number
) {
  const json = kind === 'endless-json'
  res.writeHead(
    status,
    json ? { 'content-type': 'application/json' } : { 'content-type': 'text/event-stream' }
  )
  if (json) res.write('{"message":{"content":"')
  const pieces = {
    'endless-json': 'x'.repeat(16 * 1024),
    heartbeats: ': ping\n\n',
    'endless-stream': `event: delta\ndata: ${JSON.stringify({ delta: 'more '.repeat(1000) })}\n\n`
  }
  const piece = pieces[kind]
  while (!res.destroyed) {
    res.write(piece)
    await sleep(everyMs)
  }
}

function sessionSummary(session: EmulatedSession) {
  return {
    id: session.id,
    model: session.model,
    created_at: session.createdAt,
    message_count: session.turns.length * 2
  }
}

function sendHtml(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
  res.end(
    `<html><head><title>${status} Bad Gateway</title></head><body><h1>${status}</h1><p>upstream unavailable</p></body></html>`
  )
}

function sendError(res: ServerResponse, error: ApiError, requestId: string): void {
  sendJson(
    res,
    error.status,
    { error: { code: error.code, message: error.message, requestId: error.requestId ?? requestId } },
    error.headers
  )
}
