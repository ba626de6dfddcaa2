/**
 * How the client talks to Rivya over HTTP: one keep-alive undici Agent, the key only in the
 * `Authorization` header, answers read within their timeouts and size cap, and every failure
 * below or at HTTP turned into a {@link RivyaError} that holds nothing of the key.
 */
import { Agent, request, type Dispatcher, type FormData } from 'undici'
import { RivyaError, errorFromBody, errorTag, safeCause, type FromBodyContext } from './errors.js'
import { safeRequestId } from './ids.js'
import { scrub, secretParts } from '../secrets.js'
import { parseJson } from './json.js'
import { parseRateLimitReset, parseRetryAfter } from './retry.js'
import { errorBodySchema } from './schemas.js'
import { ChatStreamReader, type StreamResult } from './sse.js'

export interface TransportOptions {
  /** Without a trailing slash; endpoints live under `/api/v1`. */
  baseUrl: string
  apiKey: string
  connectTimeoutMs: number
  headersTimeoutMs: number
  bodyTimeoutMs: number
  streamIdleTimeoutMs: number
  maxAnswerBytes: number
  now: () => number
  userAgent: string
}

export interface SendRequest {
  method: 'GET' | 'POST'
  path: string
  /** JSON text, or a multipart form (a Files API upload) whose content type undici writes. */
  body?: string | FormData
  auth: boolean
  accept: string
  idempotencyKey?: string
  headersTimeoutMs: number
  bodyTimeoutMs: number
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

/** A response header's (first) value. */
export function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
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

/** Rivya over HTTP with one key. Call {@link close} when done. */
export class RivyaTransport {
  readonly baseUrl: string
  readonly #apiKey: string
  readonly #agent: Agent
  readonly #streamIdleTimeoutMs: number
  readonly #maxAnswerBytes: number
  readonly #now: () => number
  readonly #userAgent: string

  constructor(options: TransportOptions) {
    this.baseUrl = options.baseUrl
    this.#apiKey = options.apiKey
    this.#streamIdleTimeoutMs = options.streamIdleTimeoutMs
    this.#maxAnswerBytes = options.maxAnswerBytes
    this.#now = options.now
    this.#userAgent = options.userAgent
    this.#agent = new Agent({
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      keepAliveTimeout: 30_000
    })
  }

  /** Closes the keep-alive connections. */
  async close(): Promise<void> {
    await this.#agent.close()
  }

  /** The key, and anything that would print it, out of text from elsewhere. */
  readonly redact = (text: string): string => scrub(text, secretParts([this.#apiKey]))

  /** One request; a non-2xx answer becomes the RivyaError its body (or its status) means. */
  async send(
    req: SendRequest,
    signal: AbortSignal,
    context: FromBodyContext = {}
  ): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = { accept: req.accept, 'user-agent': this.#userAgent }
    // Without a key Rivya answers `api_key_missing`, which names the real problem.
    if (req.auth && this.#apiKey !== '') headers.authorization = `Bearer ${this.#apiKey}`
    if (typeof req.body === 'string') headers['content-type'] = 'application/json'
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
      throw this.transportError(error, signal, 'could not reach Rivya')
    }
    if (response.statusCode >= 200 && response.statusCode < 300) return response
    let text: string
    try {
      text = await errorText(response)
    } catch (error) {
      throw this.transportError(error, signal, `Rivya's HTTP ${response.statusCode} answer broke off`)
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
    const headerRequestId = this.requestIdHeader(response)
    const json = parseJson(text)
    const parsed = json.ok ? errorBodySchema.safeParse(json.value) : undefined
    if (parsed?.success) {
      const body = { ...parsed.data.error }
      body.requestId ??= headerRequestId
      return errorFromBody(body, { ...context, status, retryAfterMs, redact: this.redact })
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

  /** The request id a response's headers carry, made safe to show. */
  requestIdHeader(response: Dispatcher.ResponseData): string | undefined {
    for (const name of REQUEST_ID_HEADERS) {
      const value = header(response.headers, name)
      if (value !== undefined && value !== '') return safeRequestId(this.redact(value))
    }
    return undefined
  }

  /** A failure below HTTP (socket, timeout, abort) as a RivyaError; the original only as a safe copy. */
  transportError(error: unknown, signal: AbortSignal, what: string): RivyaError {
    if (error instanceof RivyaError) return error
    if (signal.aborted && signal.reason instanceof RivyaError) return signal.reason
    const cause = safeCause(error, this.redact)
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

  /**
   * A JSON answer, read whole within `totalMs` of its headers and `maxAnswerBytes`: a body
   * that trickles or never ends fails the attempt (retryably) instead of holding the turn.
   */
  async readJson(response: Dispatcher.ResponseData, signal: AbortSignal, totalMs: number): Promise<unknown> {
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
      if (stopped === undefined) throw this.transportError(error, signal, "Rivya's answer broke off")
    } finally {
      clearTimeout(timer)
    }
    if (stopped !== undefined) throw stopped.with({ requestId: this.requestIdHeader(response) })
    const text = Buffer.concat(chunks).toString('utf8')
    const json = parseJson(text)
    if (json.ok) return json.value
    throw new RivyaError({
      code: 'truncated_response',
      message: `Rivya's answer was cut short or is not JSON (truncated_response, ${text.length} characters received)`,
      retryable: true,
      requestId: this.requestIdHeader(response)
    })
  }

  /** A stream read to its terminal event, within the idle timeout and `maxAnswerBytes`. */
  async readStream(
    response: Dispatcher.ResponseData,
    onDelta: ((text: string) => void) | undefined,
    context: FromBodyContext,
    signal: AbortSignal
  ): Promise<StreamResult> {
    const reader = new ChatStreamReader({
      ...(onDelta === undefined ? {} : { onDelta }),
      errorContext: { ...context, redact: this.redact },
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
      if (!reader.settled) throw this.transportError(error, signal, "Rivya's stream broke off")
    } finally {
      clearTimeout(timer)
    }
    if (idle !== undefined && !reader.settled) throw idle
    return reader.end()
  }
}

/** An error body holds a code and a message: more than this is a proxy's page, or an attack. */
const ERROR_BODY_BYTES = 64 * 1024
/** The short requests' body timeout: an error body that trickles must not hold the turn. */
const ERROR_BODY_TIMEOUT_MS = 30_000

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
  }, ERROR_BODY_TIMEOUT_MS)
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
