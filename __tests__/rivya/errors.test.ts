import { describe, expect, it } from '@jest/globals'
import { inspect } from 'node:util'
import {
  InsufficientCreditsError,
  RIVYA_ERROR_CODES,
  RivyaError,
  errorFromBody,
  isInsufficientCredits,
  isNotFound,
  isRetryableCode,
  safeCause
} from '../../src/rivya/errors.js'
import { ERROR_TABLE } from '../fixtures/rivya-error-table.js'

describe('errorFromBody', () => {
  it('covers every documented code', () => {
    expect(ERROR_TABLE.map(([code]) => code).sort()).toEqual([...RIVYA_ERROR_CODES].sort())
  })

  it.each(ERROR_TABLE)(
    '%s (HTTP %d): retryable %s, message names code and request id',
    (code, status, retry) => {
      const error = errorFromBody({ code, message: 'Rivya text', requestId: 'req_123' }, { status })
      expect(error).toBeInstanceOf(RivyaError)
      expect(error).toMatchObject({
        code,
        status,
        requestId: 'req_123',
        retryable: retry,
        serverMessage: 'Rivya text'
      })
      expect(error.message).toContain(`(${code}, request req_123): `)
      expect(error.message).toContain('Rivya said: Rivya text')
      expect(isInsufficientCredits(error)).toBe(code === 'insufficient_credits')
    }
  )

  it('says what to do about a bad key', () => {
    expect(errorFromBody({ code: 'api_key_invalid', requestId: 'req_123' }, { status: 401 }).message).toBe(
      'Rivya rejected the API key (api_key_invalid, request req_123): fix the rivya-api-key secret'
    )
    expect(errorFromBody({ code: 'api_scope_denied' }).message).toContain('chat:create and chat:read')
  })

  it('names a session that is gone', () => {
    const error = errorFromBody(
      { code: 'not_found', requestId: 'req_9' },
      { status: 404, sessionId: 'chat_session_7' }
    )
    expect(isNotFound(error)).toBe(true)
    expect(error.message).toBe(
      'Rivya no longer has the session chat_session_7 (not_found, request req_9): start a new review'
    )
  })

  it('makes insufficient credits its own class', () => {
    const error = errorFromBody({ code: 'insufficient_credits' }, { status: 402 })
    expect(error).toBeInstanceOf(InsufficientCreditsError)
    expect(error.message).toMatch(/^The Rivya account has too few credits .*\(insufficient_credits\): top up/)
    expect(error.afterAttempts(1)).toBeInstanceOf(InsufficientCreditsError)
  })

  it('keeps Retry-After and removes secrets from what Rivya says', () => {
    const error = errorFromBody(
      { code: 'rate_limited', message: 'slow down, key sk_secret', requestId: 'req_sk_secret' },
      { status: 429, retryAfterMs: 2000, redact: t => t.split('sk_secret').join('[redacted]') }
    )
    expect(error.retryAfterMs).toBe(2000)
    expect(error.message).not.toContain('sk_secret')
    // Redacted, the id is no longer a plausible one: a placeholder stands in (ids.ts).
    expect(error.requestId).toBe('unreadable-request-id')
  })

  it('judges unknown codes by status', () => {
    expect(errorFromBody({ code: 'upstream_overloaded' }, { status: 500 }).retryable).toBe(true)
    expect(errorFromBody({ code: 'brand_new_rule', message: 'nope' }, { status: 422 })).toMatchObject({
      retryable: false,
      message: 'Rivya returned an error (brand_new_rule): nope'
    })
    expect(isRetryableCode('whatever', undefined)).toBe(true)
    expect(isRetryableCode('whatever', 408)).toBe(true)
  })
})

describe('safeCause', () => {
  it('keeps name, code and message only, without secrets, at any depth', () => {
    const inner = Object.assign(new Error('socket hang up near sk_secret'), {
      code: 'ECONNRESET',
      headers: { authorization: 'Bearer sk_secret' }
    })
    const outer = Object.assign(new Error('request failed', { cause: inner }), {
      name: 'SocketError',
      code: 'UND_ERR_SOCKET',
      options: { headers: { authorization: 'Bearer sk_secret' } }
    })
    const copy = safeCause(outer, t => t.split('sk_secret').join('[redacted]'))
    expect(copy).toMatchObject({ name: 'SocketError', code: 'UND_ERR_SOCKET', message: 'request failed' })
    expect(copy.cause).toMatchObject({ code: 'ECONNRESET', message: 'socket hang up near [redacted]' })
    const error = new RivyaError({ code: 'network_error', message: 'm', retryable: true, cause: copy })
    expect(inspect(error, { depth: 10 })).not.toContain('sk_secret')
    expect(JSON.stringify(error)).not.toContain('sk_secret')
  })

  it('turns a thrown non-Error into an Error', () => {
    expect(safeCause('plain sk_secret', t => t.replace('sk_secret', 'x')).message).toBe('plain x')
  })
})
