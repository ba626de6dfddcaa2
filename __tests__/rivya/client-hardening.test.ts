/**
 * The client against what real servers may send and the emulator can now reproduce (issues 9 and
 * 10): every stream framing, a stream without its settlement, unknown codes and statuses, rate
 * limits without Retry-After, answers that never end, hostile strings, a charged answer that
 * breaks the contract, and the documented model list. Waits are recorded instead of slept, except
 * where a real timer (an idle stream, a trickling body) is what is tested.
 */
import { beforeEach, describe, expect, it } from '@jest/globals'
import { inspect } from 'node:util'
import type { RivyaClient, RivyaClientOptions } from '../../src/rivya/client.js'
import { SSE_FRAMINGS, type RivyaEmulator } from '../../emulators/rivya/index.js'
import { RivyaError } from '../../src/rivya/errors.js'
import type { RetryEvent } from '../../src/rivya/retry.js'
import { RivyaSession } from '../../src/rivya/session.js'
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

let counter = 0
function keys() {
  counter += 1
  return { idempotencyKey: `idem-h-${counter}`, clientRequestId: `crid-h-${counter}` }
}

async function chat(c: RivyaClient, stream: boolean, message = 'hello') {
  return c.chat({ model: MODEL, message }, { ...keys(), stream, onRetry: e => retries.push(e) })
}

async function failure(promise: Promise<unknown>): Promise<RivyaError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(RivyaError)
  expect(inspect(error, { depth: 10 })).not.toContain(rivya.validKey)
  return error as RivyaError
}

function chatRequests() {
  return rivya.requests.filter(r => r.method === 'POST' && r.path.startsWith('/api/v1/chat/completions'))
}

describe.each(SSE_FRAMINGS)('a stream framed as %s', framing => {
  it('gives each turn its text and settlement, charged once', async () => {
    rivya.sseFraming = framing
    const session = new RivyaSession(client(), { model: MODEL, stream: true })
    const deltas: string[] = []
    for (const message of ['part 1', 'part 2']) {
      await session.send(message, { ...keys(), onDelta: t => deltas.push(t) })
    }
    const stored = rivya.sessions[0]
    expect(rivya.sessions).toHaveLength(1)
    expect(session.turns.map(t => t.content)).toEqual(stored?.turns.map(t => t.reply))
    expect(session.turns.map(t => t.credits)).toEqual(stored?.turns.map(t => t.credits))
    expect(session.turns.map(t => t.usage.totalTokens)).toEqual(stored?.turns.map(t => t.usage.total_tokens))
    expect(deltas.join('')).toBe(stored?.turns.map(t => t.reply).join(''))
    expect(rivya.chargedTurns(ACCOUNT)).toHaveLength(2)
    expect(rivya.credits(ACCOUNT)).toBe(WALLET - session.totals.creditsFinal)
    // Only a stream without its settlement is read back from the session endpoint.
    const readBack = rivya.requests.filter(
      r => r.method === 'GET' && r.path.startsWith('/api/v1/chat/sessions/')
    )
    expect(readBack).toHaveLength(framing === 'no-settlement' ? 2 : 0)
    expect(session.turns.map(t => t.note !== undefined)).toEqual(Array(2).fill(framing === 'no-settlement'))
  })
})

describe('unknown error codes and statuses: decided by status class, code shown', () => {
  it.each([
    [418, 'teapot_mode', false],
    [422, 'brand_new_rule', false],
    [500, 'internal_error', true],
    [599, 'network_read_timeout', true],
    [429, 'slow_down_new', true]
  ])('HTTP %d with %s: retried %s', async (status, code, retried) => {
    rivya.injectFault({ kind: 'status', status, code })
    if (retried) {
      const completion = await chat(client(), false)
      expect(completion.attempts).toBe(2)
      expect(retries.map(e => e.error.code)).toEqual([code])
      return
    }
    const error = await failure(chat(client(), false))
    expect(error).toMatchObject({ code, status, retryable: false, attempts: 1 })
    expect(error.message).toMatch(new RegExp(`^Rivya returned an error \\(${code}, request req_\\w+\\)`))
  })
})

describe('strings from Rivya are data', () => {
  it.each(['<img src=x onerror=alert(1)>', '@admin please', 'code\nwith a line', 'x'.repeat(300)])(
    'an error code %j becomes a placeholder; the status still decides',
    async code => {
      rivya.injectFault({ kind: 'status', status: 503, code, times: 1 })
      rivya.injectFault({ kind: 'status', status: 400, code })
      const error = await failure(chat(client(), false))
      expect(retries.map(e => e.error.code)).toEqual(['unreadable_error_code'])
      expect(error).toMatchObject({ code: 'unreadable_error_code', status: 400, retryable: false })
      // Rivya's own message may quote anything: it is kept on one line, after the action's words.
      expect(error.message).toMatch(/^Rivya returned an error \(unreadable_error_code, request req_\w+\): /)
      expect(error.message).not.toMatch(/[\r\n]/)
    }
  )

  it.each(['req_1 @admin', '<b>req</b>', 'req\r\nX-Injected: 1', 'r'.repeat(300)])(
    'a request id %j becomes a placeholder',
    async requestId => {
      rivya.injectFault({ kind: 'status', status: 400, code: 'validation_failed', requestId })
      const error = await failure(chat(client(), false))
      expect(error.requestId).toBe('unreadable-request-id')
      expect(error.message).toContain('(validation_failed, request unreadable-request-id)')
    }
  )

  it.each([
    ['JSON', false],
    ['SSE', true]
  ])('%s: a bad session_id fails the turn as a contract failure, its credits counted', async (_m, stream) => {
    rivya.injectFault({ kind: 'tamper', set: { session_id: '@admin <img src=x>' } })
    const session = new RivyaSession(client(), { model: MODEL, stream })
    const error = await failure(session.send('hello', keys()))
    expect(error).toMatchObject({ code: 'invalid_response', retryable: false })
    expect(error.message).not.toContain('@admin')
    const charged = rivya.sessions[0]?.turns[0]?.credits
    expect(error.charged?.credits).toEqual(charged)
    expect(session.sessionId).toBeUndefined()
    expect(session.totals).toMatchObject({ turns: 0, creditsFinal: charged?.final })
  })

  it('a hostile completion id is dropped, the turn kept', async () => {
    rivya.injectFault({ kind: 'tamper', set: { id: '<script>' } })
    const completion = await chat(client(), false)
    expect(completion.id).toBeUndefined()
    expect(completion.sessionId).toBe(rivya.sessions[0]?.id)
  })
})

describe('a charged answer that fails the schema (issue 9)', () => {
  it.each([
    ['usage that is not an object', { usage: 'n/a' }],
    ['no message content', { message: { id: 'm', role: 'assistant' } }],
    ['a session_id that is a number', { session_id: 42 }]
  ])('%s: the error carries credits.final, and the session counts them', async (_name, set) => {
    rivya.injectFault({ kind: 'tamper', set })
    const session = new RivyaSession(client(), { model: MODEL })
    const error = await failure(session.send('hello', keys()))
    const charged = rivya.sessions[0]?.turns[0]?.credits
    expect(charged?.final).toBeGreaterThan(0)
    expect(error.code).toBe('invalid_response')
    expect(error.charged?.credits.final).toBe(charged?.final)
    expect(error.message).toContain(`(the turn was charged ${charged?.final} credits)`)
    expect(session.totals.creditsFinal).toBe(charged?.final)
  })
})

describe('rate limits without Retry-After', () => {
  const now = Date.UTC(2026, 4, 11, 12, 0, 0)

  it.each([
    ['RateLimit-Reset in seconds from now', { 'ratelimit-reset': '7' }, 7000],
    ['X-RateLimit-Reset in epoch seconds', { 'x-ratelimit-reset': String(now / 1000 + 42) }, 42_000],
    ["the IETF draft's RateLimit header", { ratelimit: 'limit=10, remaining=0, reset=3' }, 3000],
    ['no header at all: a wait sized for a one-minute window', {}, 7000]
  ])('%s', async (_name, headers, wait) => {
    rivya.injectFault({ kind: 'status', status: 429, code: 'rate_limited', headers })
    const completion = await chat(client({ now: () => now }), false)
    expect(completion.attempts).toBe(2)
    expect(waits).toEqual([wait])
  })

  it("the emulator's own limit, naming its reset in each style", async () => {
    for (const style of ['ratelimit-reset', 'x-ratelimit-reset', 'none'] as const) {
      waits.length = 0
      rivya.setRateLimit({ requests: 1, windowMs: 60_000, headers: style })
      await chat(client(), false)
      const error = await failure(chat(client({ retry: { maxAttempts: 2 } }), false))
      expect(error).toMatchObject({ code: 'rate_limited', status: 429 })
      expect(waits).toHaveLength(1)
      expect(waits[0]).toBeGreaterThan(5000)
      expect(waits[0]).toBeLessThanOrEqual(60_000)
    }
  })
})

describe('answers that never end (issue 9)', () => {
  it.each([
    ['an endless JSON body', 'endless-json', false],
    ['an endless stream of deltas', 'endless-stream', true]
  ] as const)(
    '%s fails past the size cap, retryably, then the retry is answered',
    async (_n, kind, stream) => {
      rivya.injectFault({ kind, everyMs: 1 })
      // The default cap (8 MiB) is the same code path; a smaller one keeps the test quick.
      const completion = await chat(client({ maxAnswerBytes: 256 * 1024 }), stream)
      expect(completion.attempts).toBe(2)
      expect(retries.map(e => e.error.code)).toEqual(['response_too_large'])
      expect(retries[0]?.error.message).toContain('than 262144 bytes')
      expect(rivya.chargedTurns(ACCOUNT)).toHaveLength(1)
    },
    20_000
  )

  it('a stream of heartbeats only times out on the idle timer, heartbeats not counting', async () => {
    rivya.injectFault({ kind: 'heartbeats', everyMs: 20 })
    const completion = await chat(client({ streamIdleTimeoutMs: 300 }), true)
    expect(completion.attempts).toBe(2)
    expect(retries[0]?.error).toMatchObject({ code: 'timeout', retryable: true })
    expect(retries[0]?.error.message).toContain('sent no content for 0 s, heartbeats aside')
  })

  it('a JSON body trickling a byte at a time is given up at jsonBodyTimeoutMs, then replayed', async () => {
    rivya.injectFault({ kind: 'trickle', everyMs: 20 })
    const completion = await chat(client({ jsonBodyTimeoutMs: 300 }), false)
    expect(completion.attempts).toBe(2)
    expect(retries[0]?.error).toMatchObject({ code: 'timeout', retryable: true })
    // The trickled turn was charged; the retry is its replay.
    expect(rivya.chargedTurns(ACCOUNT)).toHaveLength(1)
    expect(chatRequests()).toHaveLength(2)
  })
})

describe('getModel against the documented list', () => {
  it.each([
    ['gpt-6-preview-chat', 'is not exposed through the Public API yet (api_status coming_soon)'],
    [
      'rivya-studio-chat',
      'is offered in Rivya Studio only, not through Public API v1 (api_status studio_only)'
    ]
  ])('%s fails before any turn', async (id, says) => {
    const error = await failure(client().getModel(id))
    expect(error).toMatchObject({ code: 'model_unavailable' })
    expect(error.message).toContain(says)
    expect(chatRequests()).toHaveLength(0)
  })

  it('warns when web search is asked of a model without it', async () => {
    const mini = await client().getModel('gpt-5.4-mini-chat', undefined, { enableWebSearch: true })
    expect(mini).toMatchObject({ webSearch: false, supportedInputs: ['text'] })
    expect(mini.warnings).toEqual([expect.stringContaining("says 'gpt-5.4-mini-chat' has no web search")])
    const codex = await client().getModel(MODEL, undefined, { enableWebSearch: true })
    expect(codex).toMatchObject({ webSearch: true, warnings: [] })
  })

  it('does not believe a prompt limit of 10^9', async () => {
    for (const m of rivya.models) if (m.id === MODEL) m.max_prompt_length = 1e9
    const info = await client().getModel(MODEL)
    expect(info.maxPromptLength).toBe(20000)
    expect(info.warnings).toEqual([expect.stringContaining('max_prompt_length 1000000000')])
  })
})
