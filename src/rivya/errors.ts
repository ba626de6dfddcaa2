/**
 * Rivya failures as one typed error. The `code` is the contract (RIVYA_API.md "Errors": "error.code
 * is the contract"); the message a user sees names the code and the request id and says what to do.
 */

import { safeErrorCode, safeRequestId } from './ids.js'

/** Codes from Rivya's error table (Rivya docs, api-errors-and-limits). */
export const RIVYA_ERROR_CODES = [
  'public_api_disabled',
  'api_key_missing',
  'api_key_invalid',
  'api_key_revoked',
  'api_key_expired',
  'api_scope_denied',
  'rate_limited',
  'validation_failed',
  'not_found',
  'chat_model_not_supported',
  'chat_session_conflict',
  'chat_attachment_not_supported',
  'idempotency_conflict',
  'insufficient_credits'
] as const

/** Codes this client gives failures that never reached Rivya's error shape. */
export const CLIENT_ERROR_CODES = [
  /** Connection refused or reset, socket closed early. */
  'network_error',
  /** Connect, headers or body timeout of one attempt. */
  'timeout',
  /** A body cut short: JSON that does not parse, a stream without its final `done` event. */
  'truncated_response',
  /** An SSE `error` event without Rivya's error shape. */
  'stream_error',
  /** An HTTP error status whose body is not Rivya's error shape (a proxy's HTML page). */
  'http_error',
  /** A complete answer that does not have the documented shape. */
  'invalid_response',
  /** The turn's overall deadline passed. */
  'deadline_exceeded',
  /** The caller cancelled. */
  'aborted',
  /** `getModel`: the model is not in Rivya's list, is not a chat model, or is disabled for the API. */
  'model_unavailable'
] as const

export type RivyaErrorCode = (typeof RIVYA_ERROR_CODES)[number] | (typeof CLIENT_ERROR_CODES)[number]

export interface RivyaErrorInit {
  /** A documented or client code, or whatever unknown code Rivya sent. */
  code: RivyaErrorCode | (string & {})
  /** The full, user-facing message. */
  message: string
  status?: number
  requestId?: string
  retryable: boolean
  /** Milliseconds asked for by `Retry-After`, already parsed. */
  retryAfterMs?: number
  /** Rivya's own `error.message`, with any secret removed. */
  serverMessage?: string
  /** How many attempts were made before this error was final (set by the retry loop). */
  attempts?: number
  /**
   * What Rivya settled for a turn that was charged although the turn failed (an answer that broke
   * the contract elsewhere): the caller adds it to the review's usage.
   */
  charged?: ChargedUsage
  cause?: unknown
}

/** The settlement of a charged turn, as far as it could be read. */
export interface ChargedUsage {
  credits: { reserved: number; final: number }
  usage?: { inputTokens: number; outputTokens: number; totalTokens: number }
}

export class RivyaError extends Error {
  override name = 'RivyaError'
  readonly code: string
  readonly status: number | undefined
  readonly requestId: string | undefined
  readonly retryable: boolean
  readonly retryAfterMs: number | undefined
  readonly serverMessage: string | undefined
  readonly attempts: number | undefined
  readonly charged: ChargedUsage | undefined

  constructor(init: RivyaErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause })
    this.code = init.code
    this.status = init.status
    this.requestId = init.requestId
    this.retryable = init.retryable
    this.retryAfterMs = init.retryAfterMs
    this.serverMessage = init.serverMessage
    this.attempts = init.attempts
    this.charged = init.charged
  }

  /** The same failure, final after `attempts` attempts (its message says so when there were retries). */
  afterAttempts(attempts: number): RivyaError {
    const message = attempts > 1 ? `${this.message} (gave up after ${attempts} attempts)` : this.message
    return this.with({ message, attempts })
  }

  /** The same failure with some fields changed (the class is kept). */
  with(changes: Partial<RivyaErrorInit>): RivyaError {
    const Kind = this instanceof InsufficientCreditsError ? InsufficientCreditsError : RivyaError
    return new Kind({ ...this.init(), ...changes })
  }

  private init(): RivyaErrorInit {
    return {
      code: this.code,
      message: this.message,
      status: this.status,
      requestId: this.requestId,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      serverMessage: this.serverMessage,
      attempts: this.attempts,
      charged: this.charged,
      cause: this.cause
    }
  }
}

/**
 * The wallet ran dry (`insufficient_credits`): the review stops cleanly and keeps what it has, so
 * callers tell it apart from other failures.
 */
export class InsufficientCreditsError extends RivyaError {
  override name = 'InsufficientCreditsError'
}

export function isRivyaError(error: unknown): error is RivyaError {
  return error instanceof RivyaError
}

export function isInsufficientCredits(error: unknown): error is InsufficientCreditsError {
  return error instanceof InsufficientCreditsError
}

/** A continued session that Rivya no longer has (`not_found`): the caller decides what to do. */
export function isNotFound(error: unknown): error is RivyaError {
  return error instanceof RivyaError && error.code === 'not_found'
}

interface CodeText {
  /** What happened, as a sentence start. */
  what: string
  /** What to do about it. */
  hint: string
  retryable: boolean
}

const KEY_HINT = 'create a new key in Rivya and update the rivya-api-key secret'
const BUG_HINT = 'this is a bug in the action, please report it'

/**
 * What each code means and whether it is retried, after Rivya's error table (api-errors-and-limits);
 * the status of `insufficient_credits` is not documented, so only its code is relied on.
 */
const CODE_TEXT: Readonly<Record<(typeof RIVYA_ERROR_CODES)[number], CodeText>> = {
  public_api_disabled: {
    what: "Rivya's public API is disabled for now",
    hint: 'try again later',
    retryable: true
  },
  api_key_missing: {
    what: 'Rivya received no API key',
    hint: 'pass the Rivya key as the rivya-api-key input, from a repository secret',
    retryable: false
  },
  api_key_invalid: {
    what: 'Rivya rejected the API key',
    hint: 'fix the rivya-api-key secret',
    retryable: false
  },
  api_key_revoked: { what: 'The Rivya API key was revoked', hint: KEY_HINT, retryable: false },
  api_key_expired: { what: 'The Rivya API key has expired', hint: KEY_HINT, retryable: false },
  api_scope_denied: {
    what: 'The Rivya API key lacks a needed scope',
    hint: 'give the key the chat:create and chat:read scopes (credits:read to show the balance)',
    retryable: false
  },
  rate_limited: {
    what: 'Rivya rate-limited the request',
    hint: 'wait a little and run the review again',
    retryable: true
  },
  validation_failed: { what: 'Rivya rejected the request as invalid', hint: BUG_HINT, retryable: false },
  not_found: {
    what: 'Rivya did not find what was asked for',
    hint: 'check api-base-url and the model',
    retryable: false
  },
  chat_model_not_supported: {
    what: 'Rivya does not support this model for chat',
    hint: 'set the model input to a chat model such as gpt-5.4-codex-chat',
    retryable: false
  },
  chat_session_conflict: {
    what: 'The Rivya session belongs to another account or model, or is busy with another turn',
    hint: 'wait for the other review to finish, or start a new review',
    retryable: false
  },
  chat_attachment_not_supported: {
    what: 'Rivya does not accept this attachment',
    hint: BUG_HINT,
    retryable: false
  },
  idempotency_conflict: {
    what: 'Rivya saw the same Idempotency-Key with a different request',
    hint: BUG_HINT,
    retryable: false
  },
  insufficient_credits: {
    what: 'The Rivya account has too few credits for this turn',
    hint: 'top up the credits; what was reviewed so far is kept',
    retryable: false
  }
}

function isKnownCode(code: string): code is (typeof RIVYA_ERROR_CODES)[number] {
  return (RIVYA_ERROR_CODES as readonly string[]).includes(code)
}

/** `(code, request req_x)` or `(code)`: every user-facing message carries it. */
export function errorTag(code: string, requestId: string | undefined): string {
  return requestId === undefined ? `(${code})` : `(${code}, request ${requestId})`
}

/**
 * Whether an error code from Rivya is worth retrying: as the table says for documented codes;
 * otherwise by status (5xx and 408 are a server's or proxy's passing trouble, other 4xx are not).
 */
export function isRetryableCode(code: string, status: number | undefined): boolean {
  if (isKnownCode(code)) return CODE_TEXT[code].retryable
  if (status === undefined) return true
  return status >= 500 || status === 408 || status === 429
}

export interface RivyaErrorBody {
  code: string
  message?: string
  requestId?: string
}

export interface FromBodyContext {
  status?: number
  retryAfterMs?: number
  /** The request concerned a session (`not_found` then means the session is gone). */
  sessionId?: string
  /** Removes secrets from text that came from outside. */
  redact?: (text: string) => string
}

/** The typed error for Rivya's documented error body (an HTTP error, or an SSE `error` event). */
export function errorFromBody(body: RivyaErrorBody, context: FromBodyContext = {}): RivyaError {
  const redact = context.redact ?? ((t: string) => t)
  // Code and request id are shown in the comment: only plausible ones pass (ids.ts).
  const code = safeErrorCode(redact(body.code))
  const requestId = safeRequestId(body.requestId === undefined ? undefined : redact(body.requestId))
  const serverMessage = body.message === undefined ? undefined : oneLine(redact(body.message)).slice(0, 500)
  const known = isKnownCode(code) ? CODE_TEXT[code] : undefined
  let what = known?.what ?? 'Rivya returned an error'
  let hint = known?.hint
  if (code === 'not_found' && context.sessionId !== undefined) {
    what = `Rivya no longer has the session ${context.sessionId}`
    hint = 'start a new review'
  }
  if (serverMessage !== undefined) {
    hint = hint === undefined ? serverMessage : `${hint} (Rivya said: ${serverMessage})`
  }
  const init: RivyaErrorInit = {
    code,
    message: `${what} ${errorTag(code, requestId)}: ${hint ?? 'see the Rivya docs for this code'}`,
    status: context.status,
    requestId,
    retryable: isRetryableCode(code, context.status),
    retryAfterMs: context.retryAfterMs,
    serverMessage
  }
  return code === 'insufficient_credits' ? new InsufficientCreditsError(init) : new RivyaError(init)
}

/** Rivya's own words on one line: a line break could pass for the action's own text. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029\u0085\v\f]+/g, ' ')
}

const MAX_CAUSE_DEPTH = 3

/**
 * A copy of a thrown value that keeps only its name, code and message (secrets removed): HTTP
 * library errors can hold sockets, request options and headers, which would print the key.
 */
export function safeCause(error: unknown, redact: (text: string) => string, depth = 0): Error {
  if (!(error instanceof Error)) return new Error(redact(String(error)).slice(0, 500))
  const inner = error.cause !== undefined && depth < MAX_CAUSE_DEPTH ? error.cause : undefined
  const copy = new Error(
    redact(error.message),
    inner === undefined ? undefined : { cause: safeCause(inner, redact, depth + 1) }
  )
  copy.name = redact(error.name)
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' || typeof code === 'number') {
    Object.defineProperty(copy, 'code', { value: code, enumerable: true })
  }
  copy.stack = redact(error.stack ?? `${copy.name}: ${copy.message}`)
  return copy
}
