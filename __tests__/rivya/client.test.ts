/**
 * The client against the project's Rivya emulator over real HTTP on 127.0.0.1, in both modes.
 * Waits between retries are recorded instead of slept, except where a real wait is what is tested.
 */
import { beforeEach, describe, expect, it } from '@jest/globals'
import { inspect } from 'node:util'
import type { RivyaClient, RivyaClientOptions } from '../../src/rivya/client.js'
import type { RivyaEmulator } from '../../emulators/rivya/index.js'
import { RivyaError, isInsufficientCredits, isNotFound } from '../../src/rivya/errors.js'
import { describeRetry, realSleep, type RetryEvent } from '../../src/rivya/retry.js'
import { RivyaSession } from '../../src/rivya/session.js'
import { ERROR_TABLE } from '../fixtures/rivya-error-table.js'
import { rivyaClientBench } from '../fixtures/rivya-client.js'

const MODEL = 'gpt-5.4-codex-chat'
const ACCOUNT = 'acct_test'
const WALLET = 10_000

const bench = rivyaClientBench()
let rivya: RivyaEmulator
let waits: number[]
let retries: RetryEvent[]

beforeEach(() => {
  ;({ rivya, waits, retries } = bench())
})

const client = (options: Partial<RivyaClientOptions> = {}): RivyaClient => bench().client(options)

let turnCounter = 0
function keys(label = 'turn') {
  turnCounter += 1
  return { idempotencyKey: `idem-${label}-${turnCounter}`, clientRequestId: `crid-${label}-${turnCounter}` }
}

function chatRequests() {
  return rivya.requests.filter(r => r.method === 'POST' && r.path.startsWith('/api/v1/chat/completions'))
}

/** Every attempt of the turn reached Rivya with the same key and body, and it was charged once. */
function expectOneChargedTurn(k: { idempotencyKey: string; clientRequestId: string }, attempts: number) {
  const sent = chatRequests()
  expect(sent).toHaveLength(attempts)
  for (const r of sent) {
    expect(r.idempotencyKey).toBe(k.idempotencyKey)
    expect((r.body as { client_request_id?: string }).client_request_id).toBe(k.clientRequestId)
  }
  expect(JSON.stringify(sent.map(r => r.body))).toBe(JSON.stringify(sent.map(() => sent[0]?.body)))
  expect(rivya.chargedTurns(ACCOUNT)).toHaveLength(1)
}

function expectKeyNeverPrinted(error: unknown, key = rivya.validKey) {
  expect(inspect(error, { depth: 10 })).not.toContain(key)
  expect(JSON.stringify(error)).not.toContain(key)
  expect(String(error)).not.toContain(key)
}

async function failure(promise: Promise<unknown>): Promise<RivyaError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(RivyaError)
  expectKeyNeverPrinted(error)
  return error as RivyaError
}

describe.each([
  ['JSON', false],
  ['SSE', true]
])('%s turns', (_mode, stream) => {
  async function turn(c: RivyaClient, message: string, k = keys(), sessionId?: string) {
    const deltas: string[] = []
    const completion = await c.chat(
      { model: MODEL, message, ...(sessionId === undefined ? {} : { sessionId }) },
      {
        ...k,
        stream,
        onDelta: (text, attempt) => deltas.push(`${attempt}:${text}`),
        onRetry: e => retries.push(e)
      }
    )
    return { completion, deltas }
  }

  it('runs a three-turn session in one Rivya session and adds up its usage', async () => {
    const session = new RivyaSession(client(), { model: MODEL, stream, reasoningEffort: 'high' })
    const streamed: string[][] = []
    for (const message of ['part 1 of the diff', 'part 2 of the diff', 'part 3: summarise']) {
      const deltas: string[] = []
      const t = await session.send(message, { ...keys(), onDelta: text => deltas.push(text) })
      streamed.push(deltas)
      expect(t.content.length).toBeGreaterThan(0)
      if (stream) expect(deltas.join('')).toBe(t.content)
      else expect(deltas).toEqual([])
    }
    const sent = chatRequests()
    expect(sent.map(r => r.path)).toEqual(
      Array(3).fill(stream ? '/api/v1/chat/completions/stream' : '/api/v1/chat/completions')
    )
    const bodies = sent.map(r => r.body as Record<string, unknown>)
    expect(bodies[0]).not.toHaveProperty('session_id')
    expect(session.sessionId).toMatch(/.+/)
    expect(bodies.slice(1).map(b => b.session_id)).toEqual([session.sessionId, session.sessionId])
    expect(bodies.map(b => b.reasoning_effort)).toEqual(['high', 'high', 'high'])
    expect(session.turns.map(t => [t.index, t.sessionId])).toEqual([
      [1, session.sessionId],
      [2, session.sessionId],
      [3, session.sessionId]
    ])
    expect(rivya.sessions).toHaveLength(1)

    const sum = (f: (t: (typeof session.turns)[number]) => number) =>
      session.turns.reduce((a, t) => a + f(t), 0)
    expect(session.totals).toEqual({
      turns: 3,
      inputTokens: sum(t => t.usage.inputTokens),
      outputTokens: sum(t => t.usage.outputTokens),
      totalTokens: sum(t => t.usage.totalTokens),
      creditsReserved: sum(t => t.credits.reserved),
      creditsFinal: sum(t => t.credits.final)
    })
    expect(session.totals.totalTokens).toBe(session.totals.inputTokens + session.totals.outputTokens)
    expect(session.totals.creditsFinal).toBeGreaterThan(0)
    expect(rivya.credits(ACCOUNT)).toBe(WALLET - session.totals.creditsFinal)
    expect(rivya.chargedTurns(ACCOUNT)).toHaveLength(3)
  })

  it('continues an existing session and reports one that is gone', async () => {
    const first = new RivyaSession(client(), { model: MODEL, stream })
    await first.send('the review', keys())
    const followUp = new RivyaSession(client(), { model: MODEL, stream, sessionId: first.sessionId })
    await followUp.send('/codex why?', keys())
    expect((chatRequests()[1]?.body as { session_id?: string }).session_id).toBe(first.sessionId)
    expect(followUp.sessionId).toBe(first.sessionId)

    const gone = new RivyaSession(client(), { model: MODEL, stream, sessionId: 'chat_session_gone' })
    const error = await failure(gone.send('/codex still there?', keys()))
    expect(isNotFound(error)).toBe(true)
    expect(error.message).toContain('Rivya no longer has the session chat_session_gone (not_found, request ')
    expect(gone.turns).toEqual([])
  })

  it('stops cleanly when the wallet runs dry, keeping the turns already paid for', async () => {
    const session = new RivyaSession(client(), { model: MODEL, stream })
    await session.send('part 1', keys())
    rivya.setCredits(ACCOUNT, 0)
    const error = await failure(session.send('part 2', keys()))
    expect(isInsufficientCredits(error)).toBe(true)
    expect(error.message).toMatch(/\(insufficient_credits, request \S+\): top up/)
    expect(session.totals.turns).toBe(1)
    expect(chatRequests()).toHaveLength(2)
  })

  describe('every row of the error table', () => {
    // A 409 conflict may be the same turn still running elsewhere: waited out (tested below).
    const CONFLICTS = new Set(['chat_session_conflict', 'idempotency_conflict'])
    const table = ERROR_TABLE.filter(([code]) => !CONFLICTS.has(code))
    it.each(table)('%s (HTTP %d): retried %s', async (code, status, retried) => {
      rivya.injectFault({ kind: 'status', status, code })
      const k = keys()
      if (retried) {
        const { completion } = await turn(client(), 'hello', k)
        expect(completion.attempts).toBe(2)
        expectOneChargedTurn(k, 2)
        expect(retries.map(e => e.error.code)).toEqual([code])
        expect(describeRetry(retries[0]!)).toMatch(
          new RegExp(`^chat turn: ${code} \\(\\S+\\), retrying in \\d+\\.\\d s \\(attempt 2/5\\)$`)
        )
      } else {
        const error = await failure(turn(client(), 'hello', k))
        expect(error).toMatchObject({ code, status, retryable: false })
        expect(chatRequests()).toHaveLength(1)
        expect(rivya.chargedTurns(ACCOUNT)).toHaveLength(0)
      }
    })

    it.each(ERROR_TABLE.filter(([, , retried]) => retried))(
      '%s (HTTP %d) gives up after the last attempt, naming the code and the request id',
      async (code, status) => {
        rivya.injectFault({ kind: 'status', status, code, times: 5 })
        const error = await failure(turn(client(), 'hello'))
        expect(error).toMatchObject({ code, status, attempts: 5 })
        expect(error.requestId).toMatch(/\S/)
        expect(error.message).toContain(`(${code}, request ${error.requestId}): `)
        expect(error.message).toContain('(gave up after 5 attempts)')
        expect(chatRequests()).toHaveLength(5)
        expect(waits).toHaveLength(4)
      }
    )

    it.each(table.filter(([, , retried]) => !retried))(
      '%s (HTTP %d) names the code and the request id',
      async (code, status) => {
        rivya.injectFault({ kind: 'status', status, code })
        const error = await failure(turn(client(), 'hello'))
        expect(error.requestId).toMatch(/\S/)
        expect(error.message).toContain(`(${code}, request ${error.requestId}): `)
      }
    )
  })

  describe('real causes of contract errors', () => {
    it.each([
      ['revoked', 'api_key_revoked'],
      ['expired', 'api_key_expired']
    ] as const)('a key that is %s', async (status, code) => {
      const key = `rvya_sk_${status}_0123456789abcdef`
      rivya.addKey({ key, account: ACCOUNT, scopes: ['chat:create', 'chat:read'], status })
      const error = await failure(turn(client({ apiKey: key }), 'hello'))
      expectKeyNeverPrinted(error, key)
      expect(error).toMatchObject({ code, status: 401, retryable: false })
      expect(error.message).toContain('update the rivya-api-key secret')
    })

    it('no key at all', async () => {
      const error = await failure(turn(client({ apiKey: '' }), 'hello'))
      expect(error).toMatchObject({ code: 'api_key_missing', status: 401, retryable: false })
      expect(error.message).toContain('pass the Rivya key as the rivya-api-key input')
    })

    it('an unknown key', async () => {
      const key = 'rvya_sk_unknown_0123456789abcdef'
      const error = await failure(turn(client({ apiKey: key }), 'hello'))
      expectKeyNeverPrinted(error, key)
      expect(error.message).toMatch(
        /^Rivya rejected the API key \(api_key_invalid, request \S+\): fix the rivya-api-key secret/
      )
    })

    it('a key without the chat scopes', async () => {
      const key = 'rvya_sk_scoped_0123456789abcdef'
      rivya.addKey({ key, account: ACCOUNT, scopes: ['credits:read'], status: 'active' })
      const error = await failure(turn(client({ apiKey: key }), 'hello'))
      expectKeyNeverPrinted(error, key)
      expect(error).toMatchObject({ code: 'api_scope_denied', status: 403 })
    })

    it('a message over the prompt limit', async () => {
      const error = await failure(turn(client(), 'x'.repeat(20001)))
      expect(error).toMatchObject({ code: 'validation_failed', status: 400, retryable: false })
    })

    it('a model that is not a chat model', async () => {
      const error = await failure(
        client().chat({ model: 'no-such-model', message: 'hi' }, { ...keys(), stream })
      )
      expect(error).toMatchObject({ code: 'chat_model_not_supported', retryable: false })
    })

    it('the same Idempotency-Key with another body', async () => {
      const c = client()
      const k = keys()
      await turn(c, 'first body', k)
      const error = await failure(turn(c, 'second body', k))
      expect(error).toMatchObject({ code: 'idempotency_conflict', status: 409, retryable: false })
      expect(rivya.chargedTurns(ACCOUNT)).toHaveLength(1)
    })

    if (stream)
      it('a rate limit, retried until the window allows', async () => {
        rivya.setRateLimit({ requests: 1, windowMs: 300 })
        const c = client({ sleep: realSleep })
        const first = await turn(c, 'one')
        const second = await turn(c, 'two')
        expect(first.completion.content.length).toBeGreaterThan(0)
        expect(second.completion.attempts).toBeGreaterThanOrEqual(2)
        // The emulator asks for the rest of its window, rounded up to whole seconds.
        expect(retries.map(e => [e.error.code, e.delayMs])).toEqual([['rate_limited', 1000]])
        expect(rivya.chargedTurns(ACCOUNT)).toHaveLength(2)
      })
  })

  describe('every fault kind: retried with the same Idempotency-Key, charged once', () => {
    it.each([
      ['a 503 without Retry-After', { kind: 'status', status: 503, code: 'public_api_disabled' }],
      ['a 429 with Retry-After', { kind: 'status', status: 429, code: 'rate_limited', retryAfter: '1' }],
      ['a reset before the turn', { kind: 'reset', when: 'before' }],
      ['a reset after the turn was charged', { kind: 'reset', when: 'after' }],
      ['an answer cut half-way', { kind: 'cut' }],
      ['a proxy HTML page', { kind: 'html', status: 502 }],
      ['another 5xx HTML page', { kind: 'html', status: 504 }]
    ] as const)('%s', async (_name, fault) => {
      rivya.injectFault(fault)
      const k = keys()
      const { completion, deltas } = await turn(client(), 'hello', k)
      expect(completion.attempts).toBe(2)
      expectOneChargedTurn(k, 2)
      expect(rivya.credits(ACCOUNT)).toBe(WALLET - completion.credits.final)
      expect(retries).toHaveLength(1)
      if ('retryAfter' in fault) expect(waits).toEqual([1000])
      if (stream) {
        expect(
          deltas
            .filter(d => d.startsWith('2:'))
            .map(d => d.slice(2))
            .join('')
        ).toBe(completion.content)
      }
    })

    it('an answer that starts too late for the timeouts', async () => {
      rivya.injectFault({ kind: 'delay', ms: 2500 })
      const k = keys()
      const { completion } = await turn(client({ headersTimeoutMs: 300, bodyTimeoutMs: 300 }), 'hello', k)
      expect(completion.attempts).toBeGreaterThanOrEqual(2)
      expect(retries[0]?.error.code).toBe('timeout')
      expectOneChargedTurn(k, completion.attempts)
    })

    if (stream) {
      it('an error event mid-stream', async () => {
        rivya.injectFault({ kind: 'stream-error', code: 'public_api_disabled' })
        const k = keys()
        const { completion, deltas } = await turn(client(), 'hello', k)
        expect(completion.attempts).toBe(2)
        expectOneChargedTurn(k, 2)
        expect(deltas.filter(d => d.startsWith('1:'))).toEqual(['1:partial '])
        expect(retries[0]?.error).toMatchObject({ code: 'public_api_disabled' })
        expect(retries[0]?.error.requestId).toMatch(/^req_/)
      })

      it('an insufficient_credits error event mid-stream is not retried', async () => {
        rivya.injectFault({ kind: 'stream-error', code: 'insufficient_credits' })
        const error = await failure(turn(client(), 'hello'))
        expect(isInsufficientCredits(error)).toBe(true)
        expect(error.message).toMatch(/\(insufficient_credits, request req_\w+\)/)
        expect(chatRequests()).toHaveLength(1)
      })
    }

    it('the same fault every time: fails after the last attempt, still charged once at most', async () => {
      rivya.injectFault({ kind: 'cut', times: 5 })
      const k = keys()
      const error = await failure(turn(client(), 'hello', k))
      expect(error).toMatchObject({ attempts: 5, retryable: true })
      expect(chatRequests().every(r => r.idempotencyKey === k.idempotencyKey)).toBe(true)
      expect(rivya.chargedTurns(ACCOUNT)).toHaveLength(1)
    })
  })

  describe('an earlier attempt still running on Rivya', () => {
    // Real waits: the first attempt runs on the emulator for `latencyMs` while the retries poll it.
    const policy = {
      maxAttempts: 2,
      baseDelayMs: 50,
      pollDelayMs: 100,
      maxPollDelayMs: 200,
      deadlineMs: 10_000
    }

    function label(n: number) {
      return { label: `turn ${n}`, onRetry: (e: RetryEvent) => retries.push(e) }
    }

    it.each([
      [
        'a gateway 504 page while the turn goes on',
        {
          fault: { kind: 'html', status: 504, after: 'processing-started' },
          latencyMs: 800,
          code: 'http_error'
        }
      ],
      // undici's headers timer ticks about every 0.5 s, so the attempt is given up after 0.5-1 s.
      [
        'a headers timeout',
        { timeouts: { headersTimeoutMs: 300, bodyTimeoutMs: 300 }, latencyMs: 2000, code: 'timeout' }
      ]
    ] as const)(
      '%s: its conflicts are waited out without using up attempts, then replayed',
      async (_name, setup) => {
        rivya.latencyMs = setup.latencyMs
        if ('fault' in setup) rivya.injectFault(setup.fault)
        const k = keys()
        const c = client({ sleep: realSleep, retry: policy, ...('timeouts' in setup ? setup.timeouts : {}) })
        const completion = await c.chat({ model: MODEL, message: 'hello' }, { ...k, stream, ...label(3) })

        expect(completion.content).toBe(rivya.sessions[0]?.turns[0]?.reply)
        expectOneChargedTurn(k, completion.attempts)
        const statuses = chatRequests().map(r => r.status)
        const conflicts = statuses.filter(s => s === 409).length
        // More conflicts than maxAttempts allows retries: the waits did not count.
        expect(conflicts).toBeGreaterThanOrEqual(3)
        expect(statuses.slice(1, -1)).toEqual(Array(conflicts).fill(409))
        // The replay; a streamed one is logged 0, as the client hangs up once `done` has arrived.
        expect(statuses.at(-1)).toEqual(stream ? expect.any(Number) : 200)
        expect(statuses.at(-1)).not.toBe(409)
        expect(retries[0]).toMatchObject({ error: { code: setup.code }, nextAttempt: 2, maxAttempts: 2 })
        expect(retries[0]?.waiting).toBeUndefined()
        const waits = retries.slice(1)
        expect(waits).toHaveLength(conflicts)
        for (const e of waits) {
          expect(e).toMatchObject({ waiting: true, nextAttempt: 2, error: { code: 'chat_session_conflict' } })
          expect(describeRetry(e)).toMatch(
            /^turn 3: chat_session_conflict \(its earlier attempt is still running, req_\w+\), waiting 0\.\d s$/
          )
        }
        expect(rivya.credits(ACCOUNT)).toBe(WALLET - completion.credits.final)
      }
    )

    it('a failure after the waits still gets its retries', async () => {
      rivya.latencyMs = 600
      rivya.injectFault({ kind: 'html', status: 502, after: 'processing-started' })
      const k = keys()
      let cut = false
      const sleep = async (ms: number, signal?: AbortSignal) => {
        await realSleep(ms, signal)
        // The earlier attempt is done: the next poll gets its stored answer, cut half-way.
        if (!cut && rivya.chargedTurns(ACCOUNT).length === 1) {
          cut = true
          rivya.injectFault({ kind: 'cut' })
        }
      }
      const c = client({ sleep, retry: { ...policy, maxAttempts: 3 } })
      const completion = await c.chat(
        { model: MODEL, message: 'hello' },
        { ...k, stream, onRetry: e => retries.push(e) }
      )
      expect(cut).toBe(true)
      expectOneChargedTurn(k, completion.attempts)
      const counted = retries.filter(e => e.waiting !== true)
      expect(counted.map(e => e.nextAttempt)).toEqual([2, 3])
      expect(counted[0]?.error.code).toBe('http_error')
      expect(counted[1]?.error.code).toMatch(/^(network_error|truncated_response)$/)
      expect(completion.attempts).toBeGreaterThan(3)
      expect(completion.content).toBe(rivya.sessions[0]?.turns[0]?.reply)
    })

    it('waits out another turn that keeps the session busy, then runs this one', async () => {
      const { completion: first } = await turn(client(), 'part 1')
      rivya.latencyMs = 400
      const other = turn(client(), 'another run', keys(), first.sessionId)
      while (rivya.sessions[0]?.busy !== true) await realSleep(5)
      const k = keys()
      const c = client({ sleep: realSleep, retry: policy })
      const { completion } = await turn(c, 'part 2', k, first.sessionId)
      expect(completion.sessionId).toBe(first.sessionId)
      expect(retries.length).toBeGreaterThan(0)
      for (const e of retries)
        expect(e).toMatchObject({ waiting: true, error: { code: 'chat_session_conflict' } })
      expect(rivya.chargedTurns(ACCOUNT)).toHaveLength(3)
      await other
    })

    it('gives up on a conflict that outlasts conflictWaitMs, saying what holds the turn', async () => {
      const { completion: first } = await turn(client(), 'part 1')
      rivya.latencyMs = 1500
      const other = turn(client(), 'another run', keys(), first.sessionId)
      while (rivya.sessions[0]?.busy !== true) await realSleep(5)
      const k = keys()
      const c = client({ sleep: realSleep, retry: { ...policy, conflictWaitMs: 300 } })
      const error = await failure(turn(c, 'part 2', k, first.sessionId))
      expect(error).toMatchObject({ code: 'chat_session_conflict', status: 409, retryable: false })
      expect(error.message).toMatch(
        /^chat turn: Rivya still answered 409 \(chat_session_conflict, request req_\w+\) after 0 s of waiting: another request is running this same turn/
      )
      expect(retries.length).toBeGreaterThanOrEqual(2)
      await other
      // Part 1 and the other run's turn; the turn that gave up was never charged.
      expect(rivya.chargedTurns(ACCOUNT)).toHaveLength(2)
    })

    // Issue 9: a re-run or a second job sends the same content-derived key while the first runs.
    it.each(['chat_session_conflict', 'idempotency_conflict'] as const)(
      'another process holding the same key (answered %s): waited for and replayed, charged once',
      async code => {
        rivya.inFlightConflict = code
        rivya.latencyMs = 600
        const k = keys()
        const firstRun = turn(client(), 'hello', k)
        while (rivya.sessions[0]?.busy !== true) await realSleep(5)
        const rerun = await turn(client({ sleep: realSleep, retry: policy }), 'hello', k)
        const original = await firstRun
        expect(rerun.completion.content).toBe(original.completion.content)
        expect(rerun.completion.credits).toEqual(original.completion.credits)
        expect(rivya.chargedTurns(ACCOUNT)).toHaveLength(1)
        expect(retries.length).toBeGreaterThanOrEqual(1)
        for (const e of retries) expect(e).toMatchObject({ waiting: true, error: { code, status: 409 } })
      }
    )
  })

  // Real waits are few: this one in JSON mode, the rate-limit window in SSE mode.
  if (!stream)
    it('waits as long as Retry-After: 2 asks (measured on the emulator request log)', async () => {
      rivya.injectFault({ kind: 'status', status: 429, code: 'rate_limited', retryAfter: '2' })
      const { completion } = await turn(client({ sleep: realSleep }), 'hello')
      expect(completion.attempts).toBe(2)
      const [first, second] = chatRequests()
      expect(first && second).toBeTruthy()
      // The second attempt can only start 2 s after the 429 was answered, itself after `first.at`.
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(2000)
      expect(second!.at - first!.at).toBeLessThan(10_000)
      expect(retries.map(e => e.delayMs)).toEqual([2000])
    })

  it('keeps the key in the Authorization header only', async () => {
    rivya.injectFault({ kind: 'status', status: 503, code: 'public_api_disabled', times: 5 })
    const error = await failure(turn(client(), 'hello'))
    expectKeyNeverPrinted(error)
    for (const e of retries) expectKeyNeverPrinted(e)
    expect(JSON.stringify(rivya.requests)).not.toContain(rivya.validKey)
  })
})

describe('getModel', () => {
  it("reads the model's prompt limit and base credits from /api/v1/models", async () => {
    const info = await client().getModel(MODEL)
    expect(info).toMatchObject({ id: MODEL, source: 'api', maxPromptLength: 20000, baseCredits: 4 })
    const call = rivya.requests.find(r => r.path === '/api/v1/models')
    expect(call?.method).toBe('GET')
  })

  it('reports a model Rivya does not list', async () => {
    const error = await failure(client().getModel('gpt-0-unknown'))
    expect(error.code).toBe('model_unavailable')
    expect(error.message).toContain("Rivya does not list the model 'gpt-0-unknown'")
  })

  it("reads another chat model's own limit", async () => {
    expect(await client().getModel('gpt-5.4-mini-chat')).toMatchObject({
      maxPromptLength: 8000,
      baseCredits: 1
    })
  })

  it('reports a model that is not a chat model', async () => {
    const error = await failure(client().getModel('rivya-image-2'))
    expect(error).toMatchObject({ code: 'model_unavailable', retryable: false })
    expect(error.message).toContain("The Rivya model 'rivya-image-2' is not a chat model")
  })

  it('falls back to 20000 characters for gpt-5.4-codex-chat when Rivya cannot be reached', async () => {
    const url = rivya.url
    await rivya.close()
    const info = await client({ baseUrl: url, retry: { maxAttempts: 2 } }).getModel(MODEL)
    expect(info).toMatchObject({ source: 'fallback', maxPromptLength: 20000 })
    expect(info.note).toContain('network_error')
  })
})

describe('getCredits', () => {
  it('reads the balance', async () => {
    rivya.setCredits(ACCOUNT, 1234)
    expect(await client().getCredits()).toBe(1234)
  })

  it('fails with the typed error for a bad key, never printing it', async () => {
    const key = 'rvya_sk_wrong_0123456789abcdef'
    const error = await failure(client({ apiKey: key }).getCredits())
    expectKeyNeverPrinted(error, key)
    expect(error.code).toBe('api_key_invalid')
  })
})
