/**
 * Socket-level corners the emulator has no fault for, each against a tiny throwaway node:http
 * server on 127.0.0.1. Everything else is tested against the emulator (client.test.ts).
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import { RivyaClient, type RivyaClientOptions } from '../../src/rivya/client.js'
import { RivyaError } from '../../src/rivya/errors.js'
import type { RetryEvent } from '../../src/rivya/retry.js'

const KEY = 'rvya_sk_raw_test_0123456789abcdef'

const completion = {
  id: 'chatcmpl_raw',
  session_id: 'chat_session_raw',
  model: 'gpt-5.4-codex-chat',
  message: { id: 'm1', role: 'assistant', content: 'hello world' },
  usage: { input_tokens: 10, output_tokens: 2 },
  credits: { final: 2 }
}

interface Seen {
  method: string | undefined
  url: string | undefined
  headers: IncomingMessage['headers']
  body: string
}

let servers: Server[] = []
let clients: RivyaClient[] = []

afterEach(async () => {
  await Promise.all(clients.map(c => c.close()))
  for (const s of servers) s.closeAllConnections()
  await Promise.all(servers.map(s => new Promise(resolve => s.close(resolve))))
  servers = []
  clients = []
})

type Handler = (res: ServerResponse) => void

/** Serves attempt n with `handlers[n - 1]` (the last one repeats) and records what arrived. */
async function serve(...handlers: Handler[]) {
  return serveWith({}, ...handlers)
}

async function serveWith(options: Partial<RivyaClientOptions>, ...handlers: Handler[]) {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => (body += c))
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body })
      const handler = handlers[Math.min(seen.length, handlers.length) - 1]
      handler?.(res)
    })
  })
  servers.push(server)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const client = new RivyaClient({
    baseUrl: `http://127.0.0.1:${port}/`,
    apiKey: KEY,
    sleep: async () => {},
    random: () => 0,
    headersTimeoutMs: 2000,
    bodyTimeoutMs: 300,
    ...options
  })
  clients.push(client)
  return { seen, client }
}

const sseHead = { 'content-type': 'text/event-stream' }
const turnKeys = { idempotencyKey: 'idem-raw', clientRequestId: 'crid-raw' }

function expectClean(error: unknown) {
  expect(error).toBeInstanceOf(RivyaError)
  expect(inspect(error, { depth: 10 })).not.toContain(KEY)
  expect(JSON.stringify(error)).not.toContain(KEY)
}

describe('RivyaClient on the wire', () => {
  it('sends the key in the Authorization header only, and the turn identity on every attempt', async () => {
    const { seen, client } = await serve(
      res => res.writeHead(502, { 'content-type': 'text/html', 'x-request-id': 'req_proxy' }).end('<html>'),
      res => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion))
    )
    const done = await client.chat(
      { model: 'gpt-5.4-codex-chat', message: 'hi', sessionId: 'chat_session_raw' },
      turnKeys
    )
    expect(done).toMatchObject({ content: 'hello world', attempts: 2, usage: { totalTokens: 12 } })
    expect(done.credits).toEqual({ reserved: 2, final: 2 })
    expect(seen).toHaveLength(2)
    for (const s of seen) {
      expect(s.url).toBe('/api/v1/chat/completions')
      expect(s.headers.authorization).toBe(`Bearer ${KEY}`)
      expect(s.headers['idempotency-key']).toBe('idem-raw')
      expect(JSON.parse(s.body)).toEqual({
        model: 'gpt-5.4-codex-chat',
        session_id: 'chat_session_raw',
        message: 'hi',
        client_request_id: 'crid-raw'
      })
      expect(s.body + s.url).not.toContain(KEY)
    }
  })

  it('keeps a streamed turn whose connection drops right after the done event', async () => {
    const { seen, client } = await serve(res => {
      res.writeHead(200, sseHead)
      res.write(
        `event: delta\ndata: {"delta":"hello world"}\n\nevent: done\ndata: ${JSON.stringify(completion)}\n\n`
      )
      setTimeout(() => res.socket?.destroy(), 20)
    })
    const done = await client.chat({ model: 'm', message: 'hi' }, { ...turnKeys, stream: true })
    expect(done).toMatchObject({ content: 'hello world', attempts: 1, streamed: true })
    expect(seen).toHaveLength(1)
  })

  it('retries a stream that stalls past the body timeout', async () => {
    const { seen, client } = await serve(
      res => {
        res.writeHead(200, sseHead)
        res.write('event: delta\ndata: {"delta":"hel"}\n\n')
      },
      res => {
        res.writeHead(200, sseHead)
        res.end(`event: done\ndata: ${JSON.stringify(completion)}\n\n`)
      }
    )
    const deltas: string[] = []
    const done = await client.chat(
      { model: 'm', message: 'hi' },
      { ...turnKeys, stream: true, onDelta: (t, attempt) => deltas.push(`${attempt}:${t}`) }
    )
    // The second attempt sent no deltas: the content comes from its done event.
    expect(done).toMatchObject({ content: 'hello world', attempts: 2 })
    expect(deltas).toEqual(['1:hel'])
    expect(seen.map(s => s.headers['idempotency-key'])).toEqual(['idem-raw', 'idem-raw'])
  })

  it('waits for a lost attempt that still holds the session, but not for a conflict on the first attempt', async () => {
    const conflict = JSON.stringify({
      error: { code: 'chat_session_conflict', message: 'busy', requestId: 'req_busy' }
    })
    const { seen, client } = await serve(
      res => {
        res.writeHead(200, sseHead)
        res.write('event: delta\ndata: {"delta":"hel"}\n\n')
      },
      res => res.writeHead(409, { 'content-type': 'application/json' }).end(conflict),
      res => {
        res.writeHead(200, sseHead)
        res.end(`event: done\ndata: ${JSON.stringify(completion)}\n\n`)
      }
    )
    const done = await client.chat({ model: 'm', message: 'hi' }, { ...turnKeys, stream: true })
    expect(done.attempts).toBe(3)
    expect(seen).toHaveLength(3)

    // A conflict with no attempt of ours before it: another process may hold the turn. Waited
    // out for conflictWaitMs (polls of 3.75 s and 7.5 s at the lowest jitter), then a failure that says so.
    const busy = await serveWith({ retry: { conflictWaitMs: 10_000 } }, res =>
      res.writeHead(409, { 'content-type': 'application/json' }).end(conflict)
    )
    const error = await busy.client.chat({ model: 'm', message: 'hi' }, turnKeys).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'chat_session_conflict', retryable: false, requestId: 'req_busy' })
    expect((error as Error).message).toContain(
      'after 11 s of waiting: another request is running this same turn'
    )
    expect(busy.seen).toHaveLength(3)
  })

  describe('a conflict after an attempt that may still be running', () => {
    const conflict: Handler = res =>
      res
        .writeHead(409, { 'content-type': 'application/json' })
        .end(
          JSON.stringify({ error: { code: 'chat_session_conflict', message: 'busy', requestId: 'req_busy' } })
        )
    const ok: Handler = res =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion))
    const page =
      (status: number): Handler =>
      res =>
        res.writeHead(status, { 'content-type': 'text/html' }).end(`<html><h1>${status}</h1></html>`)
    const rivyaError =
      (status: number, code: string): Handler =>
      res =>
        res
          .writeHead(status, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code, message: 'm', requestId: 'req_1' } }))

    it.each([
      ["a gateway's 502 page", page(502)],
      ["a gateway's 504 page", page(504)],
      ["Cloudflare's 524 page", page(524)],
      ['a 408 page', page(408)],
      ["Rivya's public_api_disabled", rivyaError(503, 'public_api_disabled')],
      ['a 500 with a code Rivya does not document', rivyaError(500, 'internal_error')]
    ])('%s: the conflicts are waited out without using up attempts', async (_name, first) => {
      const { seen, client } = await serveWith(
        { retry: { maxAttempts: 2 } },
        first,
        conflict,
        conflict,
        conflict,
        ok
      )
      const events: RetryEvent[] = []
      const done = await client.chat(
        { model: 'm', message: 'hi' },
        { ...turnKeys, onRetry: e => events.push(e) }
      )
      expect(done).toMatchObject({ content: 'hello world', attempts: 5 })
      expect(seen.map(s => s.headers['idempotency-key'])).toEqual(Array(5).fill('idem-raw'))
      expect(events.map(e => [e.waiting === true, e.nextAttempt])).toEqual([
        [false, 2],
        [true, 2],
        [true, 2],
        [true, 2]
      ])
    })

    it("a 429 rejected the turn: a conflict after it is another's, waited out only for conflictWaitMs", async () => {
      const { seen, client } = await serveWith(
        { retry: { maxAttempts: 2, conflictWaitMs: 1 } },
        rivyaError(429, 'rate_limited'),
        conflict,
        conflict,
        ok
      )
      const error = await client.chat({ model: 'm', message: 'hi' }, turnKeys).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'chat_session_conflict', retryable: false, attempts: 3 })
      expect(seen).toHaveLength(3)
    })
  })

  it('returns once the done event has arrived, though the server keeps the stream open', async () => {
    const maxPings = 30
    let pings = 0
    let hungUp: (seen: { pings: number; finished: boolean }) => void = () => {}
    const closed = new Promise<{ pings: number; finished: boolean }>(resolve => (hungUp = resolve))
    const { seen, client } = await serve(
      res => {
        res.writeHead(200, sseHead)
        res.write(
          `event: delta\ndata: {"delta":"hello world"}\n\nevent: done\ndata: ${JSON.stringify(completion)}\n\n`
        )
        // Heartbeats after `done` (a proxy's keep-alive), within the client's body timeout.
        const timer = setInterval(() => {
          if (++pings < maxPings) res.write(': ping\n\n')
          else res.end()
        }, 100)
        res.on('close', () => {
          clearInterval(timer)
          hungUp({ pings, finished: res.writableFinished })
        })
      },
      res => {
        const second = { ...completion, message: { ...completion.message, content: 'second turn' } }
        res.writeHead(200, sseHead).end(`event: done\ndata: ${JSON.stringify(second)}\n\n`)
      }
    )
    const first = await client.chat({ model: 'm', message: 'hi' }, { ...turnKeys, stream: true })
    const pingsWhenReturned = pings
    expect(first).toMatchObject({ content: 'hello world', attempts: 1 })
    expect(pingsWhenReturned).toBeLessThan(maxPings)
    // The client hung up: the server's stream was cut before it ended it.
    const hangUp = await closed
    expect(hangUp.finished).toBe(false)
    expect(hangUp.pings).toBeLessThan(maxPings)

    const next = await client.chat(
      { model: 'm', message: 'next' },
      { idempotencyKey: 'idem-raw-2', clientRequestId: 'crid-raw-2', stream: true }
    )
    expect(next).toMatchObject({ content: 'second turn', attempts: 1 })
    expect(seen).toHaveLength(2)
  })

  it('accepts the finished JSON turn from the stream endpoint', async () => {
    const { seen, client } = await serve(res =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion))
    )
    const done = await client.chat({ model: 'm', message: 'hi' }, { ...turnKeys, stream: true })
    expect(done.content).toBe('hello world')
    expect(seen[0]?.url).toBe('/api/v1/chat/completions/stream')
    expect(seen[0]?.headers.accept).toBe('text/event-stream')
  })

  it('does not retry a 4xx that is not Rivya, and says to check api-base-url', async () => {
    const { seen, client } = await serve(res =>
      res.writeHead(404, { 'content-type': 'text/html' }).end('nope')
    )
    const error = await client.chat({ model: 'm', message: 'hi' }, turnKeys).catch((e: unknown) => e)
    expectClean(error)
    expect(error).toMatchObject({ code: 'http_error', status: 404, retryable: false })
    expect((error as Error).message).toContain('check that api-base-url points at Rivya (http://127.0.0.1:')
    expect(seen).toHaveLength(1)
  })

  it('names the request id of a proxy page in the final failure', async () => {
    const { client } = await serve(res =>
      res.writeHead(503, { 'content-type': 'text/html', 'x-request-id': 'req_lb_1' }).end('<h1>503</h1>')
    )
    const error = await client.chat({ model: 'm', message: 'hi' }, turnKeys).catch((e: unknown) => e)
    expectClean(error)
    expect((error as Error).message).toMatch(
      /^Rivya answered HTTP 503 without its error details \(http_error, request req_lb_1\): .*\(gave up after 5 attempts\)$/
    )
  })

  it('rejects a complete answer without the settlement, without retrying', async () => {
    const { seen, client } = await serve(res =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ session_id: 's' }))
    )
    const error = await client.chat({ model: 'm', message: 'hi' }, turnKeys).catch((e: unknown) => e)
    expectClean(error)
    expect(error).toMatchObject({ code: 'invalid_response', retryable: false })
    expect((error as Error).message).toContain('usage')
    expect(seen).toHaveLength(1)
  })

  it('stops a stream when the caller aborts', async () => {
    const { client } = await serve(res => {
      res.writeHead(200, sseHead)
      res.write('event: delta\ndata: {"delta":"x"}\n\n')
    })
    const controller = new AbortController()
    const error = await client
      .chat(
        { model: 'm', message: 'hi' },
        { ...turnKeys, stream: true, signal: controller.signal, onDelta: () => controller.abort() }
      )
      .catch((e: unknown) => e)
    expectClean(error)
    expect(error).toMatchObject({ code: 'aborted', retryable: false })
  })
})
