/**
 * A Rivya Public API v1 emulator: a real HTTP server on 127.0.0.1 that follows RIVYA_API.md
 * strictly (auth, scopes, body schema, sessions, wallet, idempotency, rate limit, SSE framing,
 * error shapes), with faults a test sets. Interface and formulas: docs/emulators.md.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { z } from 'zod'
import { reply, type ReplyOptions } from './replies.js'
import { closeServer, listen, readBody, sendJson } from '../../emulators/http.js'

export const EMULATED_MODELS = [
  {
    id: 'gpt-5.4-codex-chat',
    name: 'GPT-5.4 Codex',
    max_prompt_length: 20000,
    base_credits: 4,
    billing_type: 'TOKEN_BASED',
    api_status: 'active',
    supported_api_inputs: ['text', 'file'],
    chat_capabilities: { sessions: true, streaming: true, reasoning_effort: true, web_search: true }
  },
  {
    id: 'gpt-5.4-mini-chat',
    name: 'GPT-5.4 mini',
    max_prompt_length: 8000,
    base_credits: 1,
    billing_type: 'TOKEN_BASED',
    api_status: 'active',
    supported_api_inputs: ['text'],
    chat_capabilities: { sessions: true, streaming: true, reasoning_effort: true, web_search: false }
  },
  {
    id: 'rivya-image-2',
    name: 'Rivya Image 2',
    max_prompt_length: 4000,
    base_credits: 10,
    billing_type: 'PER_IMAGE',
    api_status: 'active',
    supported_api_inputs: ['text'],
    chat_capabilities: null
  }
] as const

export type Scope = 'chat:create' | 'chat:read' | 'credits:read'
export const ALL_SCOPES: Scope[] = ['chat:create', 'chat:read', 'credits:read']

export interface EmulatorKey {
  key: string
  account: string
  scopes: readonly string[]
  status?: 'active' | 'revoked' | 'expired'
}

export type Fault =
  | { kind: 'status'; status: number; code: string; retryAfter?: string; times?: number }
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

export interface EmulatedTurn {
  message: string
  reply: string
  usage: { input_tokens: number; output_tokens: number; total_tokens: number }
  credits: { reserved: number; final: number }
  idempotencyKey: string | undefined
  at: number
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

export class RivyaEmulator {
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
  readonly requests: LoggedRequest[] = []
  readonly #keys = new Map<string, EmulatorKey>()
  readonly #wallets = new Map<string, number>()
  readonly #sessions = new Map<string, EmulatedSession>()
  readonly #idempotency = new Map<string, IdempotencyRecord>()
  readonly #charged: { account: string; sessionId: string; idempotencyKey: string | undefined }[] = []
  readonly #faults: Fault[] = []
  #rateLimit: { requests: number; windowMs: number } | undefined
  #window = { start: 0, count: 0 }
  #requestCounter = 0
  readonly #startingCredits: number
  readonly #ssePauseMs: number | undefined
  #server: Server | undefined
  #url = ''

  private constructor(options: RivyaEmulatorOptions) {
    this.#startingCredits = options.startingCredits ?? 10_000
    this.#ssePauseMs = options.ssePauseMs
    this.validKey = `rvya_sk_test_${randomBytes(12).toString('hex')}`
    this.addKey({ key: this.validKey, account: 'acct_test', scopes: ALL_SCOPES })
  }

  static async start(options: RivyaEmulatorOptions = {}): Promise<RivyaEmulator> {
    const emulator = new RivyaEmulator(options)
    const server = createServer((req, res) => {
      emulator.#handle(req, res).catch(() => res.destroy())
    })
    server.keepAliveTimeout = 5_000
    emulator.#url = await listen(server, options.port, options.host ?? '127.0.0.1')
    emulator.#server = server
    return emulator
  }

  /** Base URL; endpoints are under `/api/v1`. */
  get url(): string {
    return this.#url
  }

  async close(): Promise<void> {
    const server = this.#server
    if (server === undefined) return
    this.#server = undefined
    await closeServer(server)
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

  setRateLimit(limit: { requests: number; windowMs: number } | undefined): void {
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
    const raw = await readBody(req)
    if (raw.length > 0) {
      try {
        entry.body = JSON.parse(raw) as unknown
      } catch {
        entry.body = undefined
      }
    }
    try {
      await this.#route(req, res, url.pathname, raw, entry, requestId)
    } catch (error) {
      if (res.headersSent || res.destroyed) return
      if (error instanceof ApiError) {
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
    return new ApiError(429, 'rate_limited', 'Too many requests; slow down.', { 'retry-after': String(wait) })
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
    requestId: string
  ): Promise<void> {
    const limited = this.#rateLimited()
    if (limited !== undefined) throw limited
    const method = req.method ?? 'GET'
    if (method === 'GET' && path === '/api/v1/models') {
      sendJson(res, 200, { data: EMULATED_MODELS })
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
      sendJson(res, 200, {
        ...sessionSummary(session),
        messages: session.turns.flatMap(t => [
          { role: 'user', content: t.message },
          { role: 'assistant', content: t.reply }
        ])
      })
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
      const headers: Record<string, string> =
        fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {}
      throw new ApiError(fault.status, fault.code, `Injected ${fault.code}.`, headers)
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
    for (const attachment of body.attachments ?? []) {
      const fileId = (attachment as { file_id?: unknown } | null)?.file_id
      const keys = typeof attachment === 'object' && attachment !== null ? Object.keys(attachment) : []
      if (typeof fileId !== 'string' || keys.length !== 1) {
        throw new ApiError(
          400,
          'chat_attachment_not_supported',
          'Attachments must be { "file_id": "..." } from the Files API; URLs are not accepted.'
        )
      }
      throw new ApiError(404, 'not_found', `File ${fileId} not found.`)
    }
    const model = EMULATED_MODELS.find(m => m.id === body.model)
    if (model === undefined || model.chat_capabilities === null) {
      throw new ApiError(
        400,
        'chat_model_not_supported',
        `The model ${body.model} is not a chat model of the public API.`
      )
    }
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
            'chat_session_conflict',
            'A request with this Idempotency-Key is still running.'
          )
        }
        // A replay meets the same injected faults as a first answer would.
        if (fault?.kind === 'reset' && fault.when === 'after') {
          req.socket.destroy()
          return
        }
        await this.#answer(res, record.response, stream, fault?.kind === 'cut' ? 'cut' : undefined)
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

    const history = session?.turns.reduce((n, t) => n + tokens(t.message) + tokens(t.reply), 0) ?? 0
    const inputTokens = history + tokens(body.message)
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
    const content = reply(body.message, this.reply)
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
      message: body.message,
      reply: content,
      usage: completion.usage,
      credits: completion.credits,
      idempotencyKey,
      at: Date.now()
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
    await this.#answer(res, completion, stream, fault?.kind === 'cut' ? 'cut' : undefined)
  }

  async #answer(
    res: ServerResponse,
    completion: Completion,
    stream: boolean,
    fault: 'cut' | undefined
  ): Promise<void> {
    if (!stream) {
      const text = JSON.stringify(completion)
      const bytes = Buffer.from(text, 'utf8')
      if (fault === 'cut') {
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
    const bytes = Buffer.from(sseText(completion), 'utf8')
    const end = fault === 'cut' ? bytes.indexOf('event: done') : bytes.length
    await this.#writeInPieces(res, bytes.subarray(0, end > 0 ? end : Math.floor(bytes.length / 2)))
    if (fault === 'cut') {
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

/**
 * The answer as Server-Sent Events in RIVYA_API.md's framing: `delta` events, then `done` with the
 * whole completion; heartbeat comments in between, and CRLF line ends on some events (valid SSE).
 */
export function sseText(completion: Completion): string {
  const content = completion.message.content
  const pieces: string[] = []
  const step = Math.max(1, Math.ceil(content.length / 4))
  for (let i = 0; i < content.length;) {
    let end = Math.min(content.length, i + step)
    const code = content.charCodeAt(end - 1)
    if (code >= 0xd800 && code <= 0xdbff) end += 1 // deltas are whole characters
    pieces.push(content.slice(i, end))
    i = end
  }
  const events = [': ping\n\n']
  pieces.forEach((piece, n) => {
    const eol = n % 2 === 1 ? '\r\n' : '\n'
    events.push(`event: delta${eol}data: ${JSON.stringify({ delta: piece })}${eol}${eol}`)
    if (n === 1) events.push(': heartbeat\n\n')
  })
  events.push(`event: done\ndata: ${JSON.stringify(completion)}\n\n`)
  return events.join('')
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
    { error: { code: error.code, message: error.message, requestId } },
    error.headers
  )
}
