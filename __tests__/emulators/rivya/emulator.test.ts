/**
 * The Rivya emulator on its own, with plain fetch: every documented error code with its status and
 * shape, sessions, wallet, idempotency, rate limit, faults, and SSE framing parsed by a real parser.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { request } from 'node:http'
import { RivyaEmulator, sseText, tokens, turnCredits, type Fault } from '../../../emulators/rivya/index.js'

const MODEL = 'gpt-5.4-codex-chat'
let rivya: RivyaEmulator

beforeEach(async () => {
  rivya = await RivyaEmulator.start()
})
afterEach(async () => {
  await rivya.close()
})

interface Answer {
  status: number
  headers: Headers
  json: Record<string, unknown>
  text: string
}

async function call(
  path: string,
  init: { method?: string; key?: string | null; body?: unknown; raw?: string; idem?: string } = {}
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  const key = init.key === undefined ? rivya.validKey : init.key
  if (key !== null) headers.authorization = `Bearer ${key}`
  if (init.idem !== undefined) headers['idempotency-key'] = init.idem
  const res = await fetch(`${rivya.url}${path}`, {
    method: init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET'),
    headers,
    body: init.raw ?? (init.body !== undefined ? JSON.stringify(init.body) : undefined)
  })
  const text = await res.text()
  let json: Record<string, unknown> = {}
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, json, text }
}

function chat(body: Record<string, unknown>, options: { key?: string | null; idem?: string } = {}) {
  return call('/api/v1/chat/completions', { body: { model: MODEL, ...body }, ...options })
}

function expectError(answer: Answer, status: number, code: string): void {
  expect(answer.status).toBe(status)
  const error = (answer.json as { error: { code: string; message: string; requestId: string } }).error
  expect(error.code).toBe(code)
  expect(typeof error.message).toBe('string')
  expect(error.requestId).toMatch(/^req_/)
  expect(answer.headers.get('x-request-id')).toBe(error.requestId)
}

describe('public endpoints', () => {
  it('lists the models without a key', async () => {
    const answer = await call('/api/v1/models', { key: null })
    expect(answer.status).toBe(200)
    const model = (answer.json.data as Record<string, unknown>[]).find(m => m.id === MODEL)
    expect(model).toMatchObject({ max_prompt_length: 20000, base_credits: 4, billing_type: 'TOKEN_BASED' })
  })

  it('reads the balance and the sessions of the key’s account', async () => {
    expect((await call('/api/v1/credits')).json).toEqual({ current_credits: 10_000 })
    const turn = await chat({ message: 'hello' })
    const id = turn.json.session_id as string
    const list = await call('/api/v1/chat/sessions')
    expect((list.json.data as { id: string }[]).map(s => s.id)).toEqual([id])
    const one = await call(`/api/v1/chat/sessions/${id}`)
    expect(one.json.messages).toEqual([
      { role: 'user', content: 'hello' },
      {
        id: (turn.json.message as { id: string }).id,
        role: 'assistant',
        content: (turn.json.message as { content: string }).content,
        usage: turn.json.usage,
        credits: turn.json.credits
      }
    ])
    rivya.addKey({ key: 'rvya_sk_other', account: 'acct_other', scopes: ['chat:read'] })
    expectError(await call(`/api/v1/chat/sessions/${id}`, { key: 'rvya_sk_other' }), 404, 'not_found')
  })
})

describe('every documented error', () => {
  it.each([
    ['api_key_missing', 401, null],
    ['api_key_invalid', 401, 'rvya_sk_nope'],
    ['api_key_revoked', 401, 'rvya_sk_revoked'],
    ['api_key_expired', 401, 'rvya_sk_expired'],
    ['api_scope_denied', 403, 'rvya_sk_readonly']
  ] as const)('%s (%i)', async (code, status, key) => {
    rivya.addKey({ key: 'rvya_sk_revoked', account: 'a', scopes: ['chat:create'], status: 'revoked' })
    rivya.addKey({ key: 'rvya_sk_expired', account: 'a', scopes: ['chat:create'], status: 'expired' })
    rivya.addKey({ key: 'rvya_sk_readonly', account: 'a', scopes: ['credits:read'] })
    expectError(await chat({ message: 'hi' }, { key }), status, code)
  })

  it.each([
    ['an unknown key', { message: 'hi', temperature: 1 }],
    ['a messages array', { messages: [{ role: 'user', content: 'hi' }] }],
    ['no message', {}],
    ['an empty message', { message: '  ' }],
    ['a message over the limit', { message: 'x'.repeat(20001) }],
    ['a bad reasoning_effort', { message: 'hi', reasoning_effort: 'fast' }],
    ['a non-boolean enable_web_search', { message: 'hi', enable_web_search: 'yes' }]
  ])('validation_failed for %s', async (_name, body) => {
    expectError(await chat(body), 400, 'validation_failed')
  })

  it('validation_failed for a body that is not JSON', async () => {
    expectError(await call('/api/v1/chat/completions', { raw: '{nope' }), 400, 'validation_failed')
  })

  it('accepts a message of exactly the limit, counted in UTF-16 units', async () => {
    expect((await chat({ message: '😀'.repeat(10_000) })).status).toBe(200)
    expectError(await chat({ message: '😀'.repeat(10_000) + 'x' }), 400, 'validation_failed')
  })

  it('chat_model_not_supported for an image model and an unknown one', async () => {
    expectError(await chat({ model: 'rivya-image-2', message: 'hi' }), 400, 'chat_model_not_supported')
    expectError(await chat({ model: 'gpt-0', message: 'hi' }), 400, 'chat_model_not_supported')
  })

  it('chat_attachment_not_supported for URLs, not_found for unknown files', async () => {
    expectError(
      await chat({ message: 'hi', attachments: [{ url: 'https://x/y.png' }] }),
      400,
      'chat_attachment_not_supported'
    )
    expectError(await chat({ message: 'hi', attachments: [{ file_id: 'file_1' }] }), 404, 'not_found')
  })

  it('not_found for an unknown session, chat_session_conflict for another model', async () => {
    expectError(await chat({ message: 'hi', session_id: 'chat_session_nope' }), 404, 'not_found')
    const first = await chat({ message: 'hi' })
    const id = first.json.session_id as string
    expectError(
      await chat({ model: 'gpt-5.4-mini-chat', message: 'hi', session_id: id }),
      409,
      'chat_session_conflict'
    )
  })

  it('chat_session_conflict for a second turn while one is running', async () => {
    const first = await chat({ message: 'hi' })
    const id = first.json.session_id as string
    rivya.latencyMs = 300
    const slow = chat({ message: 'slow', session_id: id })
    await new Promise(resolve => setTimeout(resolve, 100))
    expectError(await chat({ message: 'second', session_id: id }), 409, 'chat_session_conflict')
    expect((await slow).status).toBe(200)
  })

  it('insufficient_credits (402) before anything is charged or created', async () => {
    rivya.setCredits('acct_test', 3)
    expectError(await chat({ message: 'hi' }), 402, 'insufficient_credits')
    expect(rivya.credits('acct_test')).toBe(3)
    expect(rivya.sessions).toHaveLength(0)
    expect(rivya.chargedTurns('acct_test')).toHaveLength(0)
  })

  it('rate_limited (429) with Retry-After past the window', async () => {
    rivya.setRateLimit({ requests: 2, windowMs: 60_000 })
    expect((await call('/api/v1/models')).status).toBe(200)
    expect((await call('/api/v1/models')).status).toBe(200)
    const limited = await call('/api/v1/models')
    expectError(limited, 429, 'rate_limited')
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(59)
  })

  it('public_api_disabled (503) and idempotency_conflict (409)', async () => {
    rivya.injectFault({ kind: 'status', status: 503, code: 'public_api_disabled' })
    expectError(await chat({ message: 'hi' }), 503, 'public_api_disabled')
    await chat({ message: 'one' }, { idem: 'k1' })
    expectError(await chat({ message: 'two' }, { idem: 'k1' }), 409, 'idempotency_conflict')
  })
})

describe('sessions, wallet and idempotency', () => {
  it('continues a session; input tokens include the history; credits settle from usage', async () => {
    const first = await chat({ message: 'a'.repeat(400) })
    const id = first.json.session_id as string
    expect(id).toMatch(/^chat_session_/)
    const firstReply = (first.json.message as { content: string }).content
    const second = await chat({ message: 'b'.repeat(800), session_id: id })
    expect(second.json.session_id).toBe(id)
    const usage = second.json.usage as { input_tokens: number; output_tokens: number; total_tokens: number }
    expect(usage.input_tokens).toBe(tokens('a'.repeat(400)) + tokens(firstReply) + tokens('b'.repeat(800)))
    expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens)
    const credits = second.json.credits as { reserved: number; final: number }
    expect(credits.final).toBe(turnCredits(4, usage.total_tokens))
    expect(credits.reserved).toBeGreaterThanOrEqual(credits.final)
    const spent = (first.json.credits as { final: number }).final + credits.final
    expect(rivya.credits('acct_test')).toBe(10_000 - spent)
  })

  it('replays the same key and body without charging again', async () => {
    const a = await chat({ message: 'hi', client_request_id: 'c1' }, { idem: 'same' })
    const b = await chat({ client_request_id: 'c1', message: 'hi' }, { idem: 'same' })
    expect(b.json).toEqual(a.json)
    expect(rivya.chargedTurns('acct_test')).toHaveLength(1)
    expect(rivya.sessions[0]?.turns).toHaveLength(1)
  })

  it('logs requests without the key', async () => {
    await chat({ message: 'hi' }, { idem: 'logged' })
    const entry = rivya.requests.at(-1)
    expect(entry).toMatchObject({
      method: 'POST',
      path: '/api/v1/chat/completions',
      idempotencyKey: 'logged',
      status: 200
    })
    expect(JSON.stringify(rivya.requests)).not.toContain(rivya.validKey)
  })

  it('answers from the message: files, lines, mentions and huge replies on request', async () => {
    const message =
      'Part 1 of 1, the last.\n<diff>\n=== src/a.ts\n@@ -1 +1 @@\n-old\n+new\n</diff>\nNow write the review of the whole pull request in the format given above.'
    const plain = await chat({ message })
    const content = (plain.json.message as { content: string }).content
    expect(content).toContain('### Summary')
    expect(content).toContain('2 diff line(s) in 1 file(s): `src/a.ts`')
    rivya.reply = { mentions: true, hugeChars: 70_000 }
    const huge = ((await chat({ message })).json.message as { content: string }).content
    expect(huge.length).toBe(70_000)
    expect(huge).toContain('@octo-org/reviewers')
  })

  it('ends the review answer with findings on the files of every turn of the session', async () => {
    const notes = await chat({
      message: 'Part 1 of 2. Notes.\n<diff>\n=== src/a.ts\n@@ -1 +1 @@\n-old\n+new\n</diff>'
    })
    const session = notes.json.session_id as string
    expect((notes.json.message as { content: string }).content).not.toContain('findings')
    const last = await chat({
      session_id: session,
      message:
        'Part 2 of 2, the last.\n<diff>\n=== src/b.ts\n@@ -3,0 +4 @@\n+added\n</diff>\nNow write the review of the whole pull request.'
    })
    const content = (last.json.message as { content: string }).content
    const block = /```json\n([\s\S]*)\n```$/.exec(content)?.[1] ?? ''
    const findings = (JSON.parse(block) as { findings: { path: string; line: number; side: string }[] })
      .findings
    expect(findings.map(f => [f.path, f.line, f.side])).toEqual([
      ['src/a.ts', 1, 'RIGHT'],
      ['src/b.ts', 4, 'RIGHT']
    ])
    rivya.reply = { findings: 'broken-json' }
    const broken = await chat({
      session_id: session,
      message: 'Now write the review of the whole pull request.'
    })
    const text = /```json\n([\s\S]*)\n```$/.exec((broken.json.message as { content: string }).content)?.[1]
    expect(text).toBeDefined()
    expect((): unknown => JSON.parse(text ?? '')).toThrow()
  })
})

/** A raw POST, to see how the connection ends. */
function rawPost(
  path: string,
  body: unknown,
  idem: string
): Promise<{ status?: number; bytes: Buffer; error?: string }> {
  return new Promise(resolve => {
    const chunks: Buffer[] = []
    const req = request(`${rivya.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${rivya.validKey}`,
        'content-type': 'application/json',
        'idempotency-key': idem
      }
    })
    req.on('response', res => {
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, bytes: Buffer.concat(chunks) }))
      res.on('error', e =>
        resolve({ status: res.statusCode, bytes: Buffer.concat(chunks), error: e.message })
      )
      res.on('aborted', () =>
        resolve({ status: res.statusCode, bytes: Buffer.concat(chunks), error: 'aborted' })
      )
    })
    req.on('error', e => resolve({ bytes: Buffer.concat(chunks), error: e.message }))
    req.end(JSON.stringify(body))
  })
}

describe('faults', () => {
  const body = { model: MODEL, message: 'hi' }

  it.each<[string, Fault, boolean]>([
    ['a reset before the turn', { kind: 'reset', when: 'before' }, false],
    ['a reset after the turn', { kind: 'reset', when: 'after' }, true],
    ['a cut answer', { kind: 'cut' }, true]
  ])('%s: the connection fails; charged: %s; the same key then replays', async (_name, fault, charged) => {
    rivya.injectFault(fault)
    const broken = await rawPost('/api/v1/chat/completions', body, 'f1')
    expect(broken.error ?? (broken.bytes.length > 0 ? 'partial' : 'none')).toBeDefined()
    expect(() => JSON.parse(broken.bytes.toString('utf8')) as unknown).toThrow()
    expect(rivya.chargedTurns('acct_test')).toHaveLength(charged ? 1 : 0)
    const again = await rawPost('/api/v1/chat/completions', body, 'f1')
    expect(again.status).toBe(200)
    expect(JSON.parse(again.bytes.toString('utf8'))).toMatchObject({
      session_id: expect.stringMatching(/^chat_session_/)
    })
    expect(rivya.chargedTurns('acct_test')).toHaveLength(1)
  })

  it('a proxy HTML page and a status with Retry-After', async () => {
    rivya.injectFault({ kind: 'html', status: 502 })
    const html = await chat({ message: 'hi' })
    expect(html.status).toBe(502)
    expect(html.headers.get('content-type')).toContain('text/html')
    rivya.injectFault({ kind: 'status', status: 429, code: 'rate_limited', retryAfter: '2', times: 2 })
    for (let i = 0; i < 2; i++) {
      const limited = await chat({ message: 'hi' })
      expectError(limited, 429, 'rate_limited')
      expect(limited.headers.get('retry-after')).toBe('2')
    }
    expect((await chat({ message: 'hi' })).status).toBe(200)
  })

  it('a proxy page once the turn has started: the turn goes on, is charged once and replayed', async () => {
    rivya.latencyMs = 300
    rivya.injectFault({ kind: 'html', status: 504, after: 'processing-started' })
    const page = await chat({ message: 'hi' }, { idem: 'gw' })
    expect(page.status).toBe(504)
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(rivya.sessions.map(s => s.busy)).toEqual([true])
    expectError(await chat({ message: 'hi' }, { idem: 'gw' }), 409, 'chat_session_conflict')
    expect(rivya.chargedTurns('acct_test')).toHaveLength(0)
    while (rivya.sessions[0]?.busy === true) await new Promise(resolve => setTimeout(resolve, 20))
    const replay = await chat({ message: 'hi' }, { idem: 'gw' })
    expect(replay.status).toBe(200)
    expect(replay.json).toMatchObject({ session_id: rivya.sessions[0]?.id })
    expect(rivya.chargedTurns('acct_test')).toHaveLength(1)
  })

  it('a delay holds the answer back (seen in the request log, not timed here)', async () => {
    rivya.injectFault({ kind: 'delay', ms: 50 })
    expect((await chat({ message: 'hi' })).status).toBe(200)
    expect(rivya.chargedTurns('acct_test')).toHaveLength(1)
  })
})

describe('SSE', () => {
  async function streamBytes(body: Record<string, unknown>, idem = 'sse'): Promise<Buffer[]> {
    const pieces: Buffer[] = []
    await new Promise<void>((resolve, reject) => {
      const req = request(`${rivya.url}/api/v1/chat/completions/stream`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${rivya.validKey}`,
          'content-type': 'application/json',
          'idempotency-key': idem
        }
      })
      req.on('response', res => {
        expect(res.headers['content-type']).toContain('text/event-stream')
        res.on('data', (c: Buffer) => pieces.push(c))
        res.on('end', resolve)
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(JSON.stringify({ model: MODEL, ...body }))
    })
    return pieces
  }

  function parse(pieces: Buffer[]): { events: EventSourceMessage[]; comments: string[] } {
    const events: EventSourceMessage[] = []
    const comments: string[] = []
    const parser = createParser({ onEvent: e => events.push(e), onComment: c => comments.push(c) })
    const decoder = new TextDecoder('utf-8')
    for (const p of pieces) parser.feed(decoder.decode(p, { stream: true }))
    parser.feed(decoder.decode())
    return { events, comments }
  }

  it('sends deltas then done, in odd pieces that split events and characters, with heartbeats', async () => {
    const message = '=== src/ünï😀.ts\n+ added 😀\n'
    const pieces = await streamBytes({ message })
    expect(pieces.length).toBeGreaterThan(10)
    const joined = Buffer.concat(pieces)
    // Some piece ends inside a multi-byte UTF-8 character.
    let offset = 0
    let splitsCharacter = false
    for (const p of pieces) {
      offset += p.length
      if (offset < joined.length && (joined[offset]! & 0xc0) === 0x80) splitsCharacter = true
    }
    expect(splitsCharacter).toBe(true)
    expect(joined.includes('\r\n')).toBe(true)
    const { events, comments } = parse(pieces)
    expect(comments.length).toBeGreaterThanOrEqual(1)
    const deltas = events
      .filter(e => e.event === 'delta')
      .map(e => (JSON.parse(e.data) as { delta: string }).delta)
    const done = events.filter(e => e.event === 'done')
    expect(done).toHaveLength(1)
    const completion = JSON.parse(done[0]!.data) as {
      message: { content: string }
      usage: unknown
      credits: unknown
    }
    expect(deltas.join('')).toBe(completion.message.content)
    expect(completion.message.content).toContain('src/ünï😀.ts')
  })

  it('settles a streamed turn exactly as a JSON one', async () => {
    const message = '=== a.ts\n+x\n'
    const json = await chat({ message })
    const { events } = parse(await streamBytes({ message }))
    const done = JSON.parse(events.find(e => e.event === 'done')!.data) as Record<string, unknown>
    expect(done.usage).toEqual(json.json.usage)
    expect(done.credits).toEqual(json.json.credits)
  })

  it('a cut stream has no done event; an error event carries the error shape', async () => {
    rivya.injectFault({ kind: 'cut' })
    const cut = parse(await streamBytes({ message: 'hi' }, 'cut').catch(() => []))
    expect(cut.events.some(e => e.event === 'done')).toBe(false)
    rivya.injectFault({ kind: 'stream-error', code: 'public_api_disabled' })
    const failed = parse(await streamBytes({ message: 'hi' }, 'err'))
    const error = failed.events.find(e => e.event === 'error')
    expect(JSON.parse(error!.data)).toMatchObject({
      error: { code: 'public_api_disabled', requestId: expect.stringMatching(/^req_/) }
    })
  })

  it('frames any completion so a parser gives back its content', () => {
    const content = 'a😀b\n\nc\r\nd'
    const text = sseText({
      id: 'x',
      object: 'chat.completion',
      session_id: 's',
      model: MODEL,
      created_at: '',
      message: { id: 'm', role: 'assistant', content },
      usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 },
      credits: { reserved: 5, final: 5 }
    })
    const { events } = parse([Buffer.from(text)])
    expect(
      events
        .filter(e => e.event === 'delta')
        .map(e => (JSON.parse(e.data) as { delta: string }).delta)
        .join('')
    ).toBe(content)
  })
})
