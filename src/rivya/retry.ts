/**
 * Bounded retries for one logical request: exponential backoff with full jitter, `Retry-After`
 * honoured (capped), one overall deadline, and polling (not counted as retries) while an earlier
 * attempt of the same request is still running on the server. The caller keeps the request's
 * identity (the same `Idempotency-Key` and body on every attempt); this module only decides when
 * to try again.
 */
import { setTimeout as delay } from 'node:timers/promises'
import { RivyaError } from './errors.js'

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number
  /** Backoff ceiling of the first retry; it doubles with every further one. */
  baseDelayMs: number
  /** Backoff ceiling, however many retries. */
  maxDelayMs: number
  /** The longest `Retry-After` honoured; a longer one is cut to this. */
  maxRetryAfterMs: number
  /** Every attempt and wait of one request together, after which it fails with `deadline_exceeded`. */
  deadlineMs: number
  /** The first wait for an earlier attempt still running on the server; later waits double. */
  pollDelayMs: number
  /** The longest wait between two polls for an earlier attempt still running. */
  maxPollDelayMs: number
  /**
   * The longest time spent waiting out conflicts when no attempt of ours can be the one running
   * (a re-run or a second job sending the same key, or another turn on the session).
   */
  conflictWaitMs: number
  /**
   * First backoff ceiling after a 429 that names no wait (no `Retry-After` nor reset header); it
   * doubles up to `maxRetryAfterMs`. Rivya does not document its window (RIVYA_API.md "Errors"):
   * the waits of the default policy add up to more than one minute, the usual window.
   */
  rateLimitDelayMs: number
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxAttempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
  // An `xhigh` turn can think for many minutes; the deadline is for a turn that will not end.
  deadlineMs: 45 * 60_000,
  pollDelayMs: 5000,
  maxPollDelayMs: 30_000,
  // Long enough for another run's xhigh turn to finish; a busy session of another review too.
  conflictWaitMs: 10 * 60_000,
  // With 5 attempts: 4 waits of at least 6 + 12 + 24 + 45 = 87 s (jitter takes off a quarter at most).
  rateLimitDelayMs: 8000
}

/** Waits `ms`, or rejects when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>

export const realSleep: Sleep = async (ms, signal) => {
  await delay(ms, undefined, signal === undefined ? undefined : { signal })
}

/**
 * `Retry-After` in milliseconds: delay-seconds or an HTTP-date (RFC 9110 §10.2.3), relative to
 * `nowMs`. Undefined when absent or unreadable, so the caller falls back to backoff.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined
  const text = value.trim()
  if (text === '') return undefined
  // The RFC says whole seconds; a decimal is read rather than ignored.
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000)
  if (!/[a-z]/i.test(text)) return undefined
  // asctime dates carry no zone but mean GMT; Date.parse would read them as local time.
  const at = Date.parse(/\b(GMT|UTC)\b|[+-]\d{4}\b/i.test(text) ? text : `${text} GMT`)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - nowMs)
}

/**
 * A rate-limit reset header in milliseconds from now: `RateLimit-Reset` / `X-RateLimit-Reset`, or
 * `reset=` of the IETF draft's `RateLimit` header. Rivya documents none of them (RIVYA_API.md
 * "Errors"); servers send either seconds from now (the IETF draft) or epoch seconds (GitHub's
 * `x-ratelimit-reset`), and a few epoch milliseconds: a value above 10^12 is read as epoch ms, one
 * above 10^9 (2001 onwards) as epoch seconds, anything smaller as seconds from now. Undefined when
 * absent, unreadable or in the past.
 */
export function parseRateLimitReset(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined
  const field = /(?:^|[;,\s])reset=(\d+(?:\.\d+)?)/i.exec(value)
  const text = (field?.[1] ?? value).trim()
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined
  const n = Number(text)
  let ms: number
  if (n > 1e12) ms = n - nowMs
  else if (n > 1e9) ms = n * 1000 - nowMs
  else ms = n * 1000
  return ms > 0 ? Math.round(ms) : undefined
}

/** Full-jitter backoff before retry number `retry` (1 for the first retry): uniform in [0, ceiling). */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1))
  const r = Math.min(Math.max(random(), 0), 1 - Number.EPSILON)
  return Math.floor(r * ceiling)
}

/**
 * The wait before retrying after `error`: its `Retry-After` (capped) when it had one; after a rate
 * limit that named no wait, a growing wait from `rateLimitDelayMs`; else backoff.
 */
export function retryDelayMs(
  error: RivyaError,
  retry: number,
  policy: RetryPolicy,
  random: () => number
): number {
  if (error.retryAfterMs !== undefined) return Math.min(error.retryAfterMs, policy.maxRetryAfterMs)
  if (error.status === 429 || error.code === 'rate_limited') {
    // A limit that says nothing of its window: waits long enough to reach the next one.
    const ceiling = Math.min(policy.maxRetryAfterMs, policy.rateLimitDelayMs * 2 ** Math.max(0, retry - 1))
    const r = Math.min(Math.max(random(), 0), 1 - Number.EPSILON)
    return Math.floor(ceiling * (0.75 + 0.25 * r))
  }
  return backoffDelayMs(retry, policy, random)
}

/**
 * The wait before poll number `poll` (1 for the first) for an earlier attempt still running: from
 * `pollDelayMs`, doubling up to `maxPollDelayMs`, jittered down by up to a quarter so that waiting
 * clients do not poll in step. A longer `Retry-After` (capped) wins.
 */
export function pollDelayMs(
  error: RivyaError,
  poll: number,
  policy: RetryPolicy,
  random: () => number
): number {
  const ceiling = Math.min(policy.maxPollDelayMs, policy.pollDelayMs * 2 ** Math.max(0, poll - 1))
  const r = Math.min(Math.max(random(), 0), 1 - Number.EPSILON)
  const asked = error.retryAfterMs === undefined ? 0 : Math.min(error.retryAfterMs, policy.maxRetryAfterMs)
  return Math.max(Math.floor(ceiling * (0.75 + 0.25 * r)), asked)
}

export interface RetryEvent {
  /** Names the request in logs, e.g. `turn 2`. */
  label: string
  error: RivyaError
  /**
   * The attempt about to be made (2 for the first retry), counted as `maxAttempts` counts them:
   * polls for an earlier attempt still running use up none.
   */
  nextAttempt: number
  maxAttempts: number
  delayMs: number
  /** True when this is a wait for an earlier attempt still running, not a retry after a failure. */
  waiting?: boolean
}

/**
 * `turn 2: rate_limited (req_x), retrying in 2.0 s (attempt 2/5)`, or for a wait
 * `turn 2: chat_session_conflict (its earlier attempt is still running, req_x), waiting 5.0 s`.
 */
export function describeRetry(event: RetryEvent): string {
  const { code, requestId } = event.error
  const wait = (event.delayMs / 1000).toFixed(1)
  if (event.waiting === true) {
    const id = requestId === undefined ? '' : `, ${requestId}`
    return `${event.label}: ${code} (its earlier attempt is still running${id}), waiting ${wait} s`
  }
  const what = requestId === undefined ? code : `${code} (${requestId})`
  return `${event.label}: ${what}, retrying in ${wait} s (attempt ${event.nextAttempt}/${event.maxAttempts})`
}

export interface RetryOptions {
  label: string
  policy: RetryPolicy
  sleep: Sleep
  random: () => number
  now: () => number
  onRetry?: (event: RetryEvent) => void
  /**
   * True when `error` means an earlier attempt of this same request is still running on the
   * server (and holds what the new attempt needs). Such failures are polled for until the
   * deadline, at `pollDelayMs` growing to `maxPollDelayMs`, without using up `maxAttempts`.
   */
  stillRunning?: (error: RivyaError) => boolean
  /** The caller's cancellation. */
  signal?: AbortSignal
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable {@link RivyaError}, runs out of
 * attempts or the deadline passes. Each attempt gets a signal that aborts at the deadline (its
 * reason is a `deadline_exceeded` RivyaError) or when the caller's signal aborts (`aborted`), and
 * its number among all attempts made (polls included). Anything thrown that is not a RivyaError is
 * a bug or the caller's own error: never retried.
 */
export async function withRetries<T>(
  attempt: (attemptNumber: number, signal: AbortSignal) => Promise<T>,
  options: RetryOptions
): Promise<T> {
  const { policy, label } = options
  const deadlineAt = options.now() + policy.deadlineMs
  const controller = new AbortController()
  const onAbort = () =>
    controller.abort(
      new RivyaError({
        code: 'aborted',
        message: `${label}: cancelled (aborted)`,
        retryable: false
      })
    )
  if (options.signal?.aborted) onAbort()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  const deadline = setTimeout(
    () => controller.abort(deadlineError(label, policy)),
    Math.max(0, policy.deadlineMs)
  )
  // Attempts that used up one of `maxAttempts`: all but the polls for an earlier attempt.
  let counted = 0
  let polls = 0
  try {
    for (let n = 1; ; n++) {
      if (controller.signal.aborted) throw abortReason(controller.signal, n - 1)
      let error: RivyaError
      try {
        return await attempt(n, controller.signal)
      } catch (e) {
        if (!(e instanceof RivyaError)) throw e
        error = e
      }
      if (controller.signal.aborted) throw abortReason(controller.signal, n, error)
      let delayMs: number
      const waiting = options.stillRunning?.(error) === true
      if (waiting) {
        // The earlier attempt may finish at any moment before the deadline, so the last wait is
        // cut to the time left rather than skipped.
        const left = deadlineAt - options.now()
        if (left <= 0) throw withLast(deadlineError(label, policy), n, error)
        polls += 1
        delayMs = Math.min(pollDelayMs(error, polls, policy, options.random), left)
      } else {
        counted += 1
        if (!error.retryable || counted >= policy.maxAttempts) throw error.afterAttempts(n)
        delayMs = retryDelayMs(error, counted, policy, options.random)
        if (options.now() + delayMs >= deadlineAt) throw error.afterAttempts(n)
      }
      options.onRetry?.({
        label,
        error,
        nextAttempt: counted + 1,
        maxAttempts: policy.maxAttempts,
        delayMs,
        ...(waiting ? { waiting } : {})
      })
      try {
        await options.sleep(delayMs, controller.signal)
      } catch (e) {
        if (controller.signal.aborted) throw abortReason(controller.signal, n, error)
        throw e
      }
    }
  } finally {
    clearTimeout(deadline)
    options.signal?.removeEventListener('abort', onAbort)
  }
}

function deadlineError(label: string, policy: RetryPolicy): RivyaError {
  return new RivyaError({
    code: 'deadline_exceeded',
    message: `${label}: Rivya did not finish within ${Math.round(policy.deadlineMs / 1000)} s (deadline_exceeded): raise the deadline or lower reasoning-effort`,
    retryable: false
  })
}

function abortReason(signal: AbortSignal, attempts: number, last?: RivyaError): RivyaError {
  const reason: unknown = signal.reason
  if (!(reason instanceof RivyaError)) throw reason
  return withLast(reason, attempts, last)
}

/** The final `reason`, naming the last attempt's failure when it is another. */
function withLast(reason: RivyaError, attempts: number, last?: RivyaError): RivyaError {
  if (last === undefined || last === reason) return reason.afterAttempts(attempts)
  return new RivyaError({
    code: reason.code,
    message: `${reason.message}; the last attempt failed: ${last.message}`,
    retryable: false,
    requestId: last.requestId,
    status: last.status,
    attempts,
    cause: last
  })
}
