import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { InsufficientCreditsError, RivyaError } from '../../src/rivya/errors.js'
import {
  DEFAULT_RETRY_POLICY,
  parseRateLimitReset,
  backoffDelayMs,
  describeRetry,
  parseRetryAfter,
  pollDelayMs,
  retryDelayMs,
  withRetries,
  type RetryEvent,
  type RetryPolicy
} from '../../src/rivya/retry.js'

const NOW = Date.UTC(2026, 4, 11, 12, 0, 0)

describe('parseRetryAfter', () => {
  it.each([
    ['2', 2000],
    [' 120 ', 120_000],
    ['0', 0],
    ['1.5', 1500],
    [new Date(NOW + 5000).toUTCString(), 5000],
    ['Mon, 11 May 2026 12:00:30 GMT', 30_000],
    ['Monday, 11-May-26 12:01:00 GMT', 60_000],
    // asctime has no zone and means GMT, whatever the machine's time zone.
    ['Mon May 11 12:00:10 2026', 10_000],
    ['Sun, 06 Nov 1994 08:49:37 GMT', 0]
  ])('reads %j as %d ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms)
  })

  it.each([undefined, null, '', '-1', 'soon', '1e3', '2 seconds'])('ignores %j', value => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined()
  })
})

const policy: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
  deadlineMs: 600_000,
  pollDelayMs: 5000,
  maxPollDelayMs: 30_000,
  conflictWaitMs: 600_000,
  rateLimitDelayMs: 8000
}

describe('backoffDelayMs', () => {
  it('stays within [0, min(max, base·2^(retry-1))) for every retry and random value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), (retry, r) => {
        const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1))
        const ms = backoffDelayMs(retry, policy, () => r)
        return Number.isInteger(ms) && ms >= 0 && ms < ceiling
      })
    )
  })

  it('grows exponentially up to the cap (full jitter at its top)', () => {
    const top = () => 0.999999
    expect([1, 2, 3, 4, 5, 6, 7].map(n => backoffDelayMs(n, policy, top))).toEqual([
      999, 1999, 3999, 7999, 15999, 29999, 29999
    ])
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0)
  })
})

describe('retryDelayMs', () => {
  const rateLimited = (retryAfterMs?: number) =>
    new RivyaError({ code: 'rate_limited', message: 'm', retryable: true, retryAfterMs })

  it('honours Retry-After, capped', () => {
    expect(retryDelayMs(rateLimited(2000), 1, policy, () => 0)).toBe(2000)
    expect(retryDelayMs(rateLimited(3_600_000), 1, policy, () => 0)).toBe(60_000)
  })

  it('backs off with jitter after other failures', () => {
    const reset = new RivyaError({ code: 'network_error', message: 'm', retryable: true })
    expect(retryDelayMs(reset, 2, policy, () => 0.5)).toBe(1000)
  })

  // Issue 10: the old backoff added up to about 15 s, less than a typical one-minute window.
  it('outlasts a one-minute window after a rate limit that names no wait, whatever the jitter', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), r => {
        const waits = [1, 2, 3, 4].map(n => retryDelayMs(rateLimited(), n, DEFAULT_RETRY_POLICY, () => r))
        const total = waits.reduce((a, b) => a + b, 0)
        return total > 60_000 && waits.every(w => w <= DEFAULT_RETRY_POLICY.maxRetryAfterMs)
      })
    )
    const status429 = new RivyaError({ code: 'some_new_code', status: 429, message: 'm', retryable: true })
    expect(retryDelayMs(status429, 1, policy, () => 0)).toBe(6000)
  })
})

describe('parseRateLimitReset', () => {
  const now = Date.UTC(2026, 4, 11, 12, 0, 0)
  it.each([
    ['30', 30_000],
    ['1.5', 1500],
    [String(now / 1000 + 42), 42_000],
    [String(now + 7000), 7000],
    ['limit=100, remaining=0, reset=12', 12_000],
    ['"default";r=0;t=9', undefined],
    [String(now / 1000 - 5), undefined],
    ['0', undefined],
    ['soon', undefined],
    ['', undefined]
  ])('%j → %p ms', (value, ms) => {
    expect(parseRateLimitReset(value, now)).toBe(ms)
  })
})

describe('pollDelayMs', () => {
  const conflict = (retryAfterMs?: number) =>
    new RivyaError({ code: 'chat_session_conflict', message: 'm', retryable: true, retryAfterMs })

  it('stays within [3/4, 1] of min(max, first·2^(poll-1)) for every poll and random value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), (poll, r) => {
        const ceiling = Math.min(policy.maxPollDelayMs, policy.pollDelayMs * 2 ** (poll - 1))
        const ms = pollDelayMs(conflict(), poll, policy, () => r)
        return Number.isInteger(ms) && ms >= 0.75 * ceiling && ms <= ceiling
      })
    )
  })

  it('polls every 5 s at first, growing to 30 s', () => {
    const top = () => 0.999999
    expect([1, 2, 3, 4, 5].map(n => pollDelayMs(conflict(), n, policy, top))).toEqual([
      4999, 9999, 19999, 29999, 29999
    ])
    expect(pollDelayMs(conflict(), 1, policy, () => 0)).toBe(3750)
  })

  it('honours a longer Retry-After, capped', () => {
    expect(pollDelayMs(conflict(45_000), 1, policy, () => 0)).toBe(45_000)
    expect(pollDelayMs(conflict(3_600_000), 1, policy, () => 0)).toBe(60_000)
    expect(pollDelayMs(conflict(1000), 1, policy, () => 0)).toBe(3750)
  })
})

describe('describeRetry', () => {
  const event = (requestId?: string): RetryEvent => ({
    label: 'turn 2',
    error: new RivyaError({ code: 'rate_limited', message: 'm', retryable: true, requestId }),
    nextAttempt: 2,
    maxAttempts: 5,
    delayMs: 2000
  })

  it('prints the code, the request id, the wait and the attempt', () => {
    expect(describeRetry(event('req_x'))).toBe(
      'turn 2: rate_limited (req_x), retrying in 2.0 s (attempt 2/5)'
    )
    expect(describeRetry(event())).toBe('turn 2: rate_limited, retrying in 2.0 s (attempt 2/5)')
  })

  it('says when it waits for an earlier attempt rather than retrying', () => {
    const wait = (requestId?: string): RetryEvent => ({
      ...event(),
      error: new RivyaError({ code: 'chat_session_conflict', message: 'm', retryable: true, requestId }),
      delayMs: 5000,
      waiting: true
    })
    expect(describeRetry(wait('req_x'))).toBe(
      'turn 2: chat_session_conflict (its earlier attempt is still running, req_x), waiting 5.0 s'
    )
    expect(describeRetry(wait())).toBe(
      'turn 2: chat_session_conflict (its earlier attempt is still running), waiting 5.0 s'
    )
  })
})

/** A clock that only moves when the retry loop sleeps. */
function fakeTime() {
  let now = NOW
  const sleeps: number[] = []
  return {
    now: () => now,
    sleeps,
    sleep: async (ms: number) => {
      sleeps.push(ms)
      now += ms
      await Promise.resolve()
    }
  }
}

function failure(
  code: string,
  retryable: boolean,
  extra: Partial<ConstructorParameters<typeof RivyaError>[0]> = {}
) {
  return new RivyaError({ code, message: `${code} happened`, retryable, requestId: `req_${code}`, ...extra })
}

describe('withRetries', () => {
  it('retries retryable failures until one succeeds, telling the caller each time', async () => {
    const time = fakeTime()
    const events: string[] = []
    const seen: number[] = []
    const result = await withRetries(
      async n => {
        seen.push(n)
        if (n === 1) throw failure('rate_limited', true, { retryAfterMs: 2000 })
        if (n === 2) throw failure('network_error', true)
        return Promise.resolve('ok')
      },
      {
        label: 'turn 1',
        policy,
        sleep: time.sleep,
        now: time.now,
        random: () => 0.5,
        onRetry: e => events.push(describeRetry(e))
      }
    )
    expect(result).toBe('ok')
    expect(seen).toEqual([1, 2, 3])
    expect(time.sleeps).toEqual([2000, 1000])
    expect(events).toEqual([
      'turn 1: rate_limited (req_rate_limited), retrying in 2.0 s (attempt 2/5)',
      'turn 1: network_error (req_network_error), retrying in 1.0 s (attempt 3/5)'
    ])
  })

  it('polls for an earlier attempt still running without using up attempts', async () => {
    const time = fakeTime()
    const events: RetryEvent[] = []
    const seen: number[] = []
    const result = await withRetries(
      async n => {
        seen.push(n)
        await Promise.resolve()
        if (n === 1 || n === 6) throw failure('network_error', true)
        if (n < 6) throw failure('chat_session_conflict', false)
        return 'ok'
      },
      {
        label: 'turn 2',
        policy: { ...policy, maxAttempts: 3 },
        sleep: time.sleep,
        now: time.now,
        random: () => 0.5,
        onRetry: e => events.push(e),
        stillRunning: e => e.code === 'chat_session_conflict'
      }
    )
    expect(result).toBe('ok')
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7])
    // Backoff, four polls growing from 5 s to the 30 s cap (7/8 of it at random 0.5), backoff again.
    expect(time.sleeps).toEqual([500, 4375, 8750, 17500, 26250, 1000])
    expect(events.map(describeRetry)).toEqual([
      'turn 2: network_error (req_network_error), retrying in 0.5 s (attempt 2/3)',
      'turn 2: chat_session_conflict (its earlier attempt is still running, req_chat_session_conflict), waiting 4.4 s',
      'turn 2: chat_session_conflict (its earlier attempt is still running, req_chat_session_conflict), waiting 8.8 s',
      'turn 2: chat_session_conflict (its earlier attempt is still running, req_chat_session_conflict), waiting 17.5 s',
      'turn 2: chat_session_conflict (its earlier attempt is still running, req_chat_session_conflict), waiting 26.3 s',
      'turn 2: network_error (req_network_error), retrying in 1.0 s (attempt 3/3)'
    ])
  })

  it('polls until the deadline, the last wait cut to the time left, then names the last conflict', async () => {
    const time = fakeTime()
    let attempts = 0
    const error = (await withRetries(
      async n => {
        attempts++
        await Promise.resolve()
        throw n === 1 ? failure('timeout', true) : failure('chat_session_conflict', true)
      },
      {
        label: 'turn 5',
        policy: { ...policy, deadlineMs: 20_000 },
        sleep: time.sleep,
        now: time.now,
        random: () => 0.5,
        stillRunning: e => e.code === 'chat_session_conflict'
      }
    ).catch((e: unknown) => e)) as RivyaError
    expect(time.sleeps).toEqual([500, 4375, 8750, 20_000 - 500 - 4375 - 8750])
    expect(attempts).toBe(5)
    expect(error).toMatchObject({ code: 'deadline_exceeded', retryable: false, attempts: 5 })
    expect(error.message).toBe(
      'turn 5: Rivya did not finish within 20 s (deadline_exceeded): raise the deadline or lower reasoning-effort; the last attempt failed: chat_session_conflict happened'
    )
    expect(error.cause).toMatchObject({ code: 'chat_session_conflict' })
  })

  it('does not retry a non-retryable failure, and keeps its class', async () => {
    const time = fakeTime()
    let attempts = 0
    const error = await withRetries(
      async () => {
        attempts++
        await Promise.resolve()
        throw new InsufficientCreditsError({ code: 'insufficient_credits', message: 'm', retryable: false })
      },
      { label: 't', policy, sleep: time.sleep, now: time.now, random: () => 0 }
    ).catch((e: unknown) => e)
    expect(attempts).toBe(1)
    expect(error).toBeInstanceOf(InsufficientCreditsError)
    expect(error).toMatchObject({ attempts: 1, message: 'm' })
  })

  it('gives up after maxAttempts with the last error, saying how many attempts it made', async () => {
    const time = fakeTime()
    let attempts = 0
    const error = (await withRetries(
      async () => {
        attempts++
        await Promise.resolve()
        throw failure('public_api_disabled', true)
      },
      { label: 't', policy, sleep: time.sleep, now: time.now, random: () => 0.999 }
    ).catch((e: unknown) => e)) as RivyaError
    expect(attempts).toBe(5)
    expect(time.sleeps).toHaveLength(4)
    expect(error).toMatchObject({
      code: 'public_api_disabled',
      requestId: 'req_public_api_disabled',
      attempts: 5
    })
    expect(error.message).toBe('public_api_disabled happened (gave up after 5 attempts)')
  })

  it('stops instead of waiting past the deadline', async () => {
    const time = fakeTime()
    let attempts = 0
    const error = await withRetries(
      async () => {
        attempts++
        await Promise.resolve()
        throw failure('rate_limited', true, { retryAfterMs: 40_000 })
      },
      {
        label: 't',
        policy: { ...policy, deadlineMs: 100_000 },
        sleep: time.sleep,
        now: time.now,
        random: () => 0
      }
    ).catch((e: unknown) => e)
    // 40 s + 40 s fit in 100 s, a third wait would not.
    expect(attempts).toBe(3)
    expect(error).toMatchObject({ code: 'rate_limited', attempts: 3 })
  })

  it('aborts the attempt in flight at the deadline', async () => {
    const error = await withRetries(
      (_n, signal) =>
        new Promise<never>((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason as Error))
        }),
      {
        label: 'turn 4',
        policy: { ...policy, deadlineMs: 20 },
        sleep: async () => {},
        now: Date.now,
        random: () => 0
      }
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RivyaError)
    expect(error).toMatchObject({ code: 'deadline_exceeded', retryable: false })
    expect((error as Error).message).toMatch(/^turn 4: .*\(deadline_exceeded\)/)
  })

  it('stops when the caller aborts, during a wait', async () => {
    const controller = new AbortController()
    const error = await withRetries(
      async () => {
        await Promise.resolve()
        throw failure('rate_limited', true)
      },
      {
        label: 't',
        policy,
        sleep: async (_ms, signal) => {
          controller.abort()
          await Promise.resolve()
          if (signal?.aborted) throw new Error('sleep aborted')
        },
        now: Date.now,
        random: () => 0,
        signal: controller.signal
      }
    ).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'aborted', cause: expect.objectContaining({ code: 'rate_limited' }) })
  })

  it('never retries what is not a RivyaError', async () => {
    let attempts = 0
    const bug = new TypeError('bug')
    const error = await withRetries(
      async () => {
        attempts++
        await Promise.resolve()
        throw bug
      },
      { label: 't', policy, sleep: async () => {}, now: Date.now, random: () => 0 }
    ).catch((e: unknown) => e)
    expect(error).toBe(bug)
    expect(attempts).toBe(1)
  })

  it('has defaults sized for long reasoning turns', () => {
    expect(DEFAULT_RETRY_POLICY.deadlineMs).toBeGreaterThanOrEqual(30 * 60_000)
    expect(DEFAULT_RETRY_POLICY.maxRetryAfterMs).toBe(60_000)
    expect([DEFAULT_RETRY_POLICY.pollDelayMs, DEFAULT_RETRY_POLICY.maxPollDelayMs]).toEqual([5000, 30_000])
  })
})
