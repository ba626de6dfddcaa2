import { describe, expect, it } from '@jest/globals'
import { InsufficientCreditsError, RivyaError } from '../../src/rivya/errors.js'
import { ChatStreamReader, MAX_STREAM_BYTES, deltaText } from '../../src/rivya/sse.js'

const encoder = new TextEncoder()

const settlement = {
  id: 'chatcmpl_1',
  object: 'chat.completion',
  session_id: 'chat_session_1',
  model: 'gpt-5.4-codex-chat',
  created_at: '2026-05-11T00:00:00.000Z',
  message: { id: 'msg_1', role: 'assistant', content: 'Héllo 🚀 世界\nLooks good.' },
  usage: { input_tokens: 1200, output_tokens: 320, total_tokens: 1520 },
  credits: { reserved: 4, final: 3 }
}

/**
 * A recorded stream with every framing corner at once: CRLF line ends, heartbeats, an `id:` and a
 * `retry:` field, a field the spec does not know, multi-line `data:`, an event type the client
 * does not know, and text of 2-, 3- and 4-byte UTF-8 characters.
 */
const RECORDED = [
  ': ping',
  '',
  'retry: 1500',
  'id: 1',
  'event: delta',
  'data: {"delta":"Héllo "}',
  '',
  ': ping',
  'event: reasoning',
  'data: {"delta":"thinking that must not show"}',
  '',
  'event: delta',
  'data: {"delta":',
  'data:  "🚀 世界\\n"}',
  '',
  'unknown-field: ignored',
  'event: delta',
  'data: {"content":"Looks good."}',
  '',
  'event: done',
  `data: ${JSON.stringify(settlement)}`,
  '',
  ''
].join('\r\n')

const DELTAS = ['Héllo ', '🚀 世界\n', 'Looks good.']

function read(parts: Uint8Array[]) {
  const deltas: string[] = []
  const comments: string[] = []
  const reader = new ChatStreamReader({ onDelta: t => deltas.push(t), onComment: c => comments.push(c) })
  for (const part of parts) reader.push(part)
  return { reader, deltas, comments, end: () => reader.end() }
}

function splitAt(bytes: Uint8Array, at: number): Uint8Array[] {
  return [bytes.subarray(0, at), bytes.subarray(at)]
}

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

describe('ChatStreamReader', () => {
  const bytes = encoder.encode(RECORDED)

  it('reads the recorded stream whole', () => {
    const { deltas, comments, end } = read([bytes])
    expect(end()).toEqual({ settlement, text: DELTAS.join('') })
    expect(deltas).toEqual(DELTAS)
    expect(comments).toEqual(['ping', 'ping'])
  })

  it('gives the same result however the bytes are split in two', () => {
    // Every position: inside a multi-byte character, between CR and LF, inside a field name.
    for (let at = 0; at <= bytes.length; at++) {
      const { deltas, end } = read(splitAt(bytes, at))
      expect({ at, result: end() }).toEqual({ at, result: { settlement, text: DELTAS.join('') } })
      expect(deltas.join('')).toBe(DELTAS.join(''))
    }
  })

  it('gives the same result when every byte arrives alone', () => {
    const { deltas, end } = read(Array.from(bytes, b => Uint8Array.of(b)))
    expect(end().settlement).toEqual(settlement)
    expect(deltas).toEqual(DELTAS)
  })

  it('treats every stream that stops before the complete done event as a retryable truncation', () => {
    for (let length = 0; length < bytes.length; length++) {
      const { end } = read([bytes.subarray(0, length)])
      const error = thrown(end)
      expect(error).toBeInstanceOf(RivyaError)
      expect({
        length,
        code: (error as RivyaError).code,
        retryable: (error as RivyaError).retryable
      }).toEqual({
        length,
        code: 'truncated_response',
        retryable: true
      })
    }
  })

  it('passes the server retry advice on with a truncation', () => {
    const { end } = read([encoder.encode('retry: 1500\n\nevent: delta\ndata: {"delta":"x"}\n\n')])
    expect(thrown(end)).toMatchObject({ code: 'truncated_response', retryAfterMs: 1500 })
  })

  it('turns an error event mid-stream into the typed error, wherever the bytes split', () => {
    const stream = encoder.encode(
      [
        'event: delta',
        'data: {"delta":"partial"}',
        '',
        'event: error',
        'data: {"error":{"code":"public_api_disabled","message":"maintenance","requestId":"req_mid"}}',
        '',
        'event: delta',
        'data: {"delta":"after the error"}',
        '',
        ''
      ].join('\n')
    )
    for (let at = 0; at <= stream.length; at += 7) {
      const { deltas, end } = read(splitAt(stream, at))
      const error = thrown(end) as RivyaError
      expect(error).toBeInstanceOf(RivyaError)
      expect(error).toMatchObject({ code: 'public_api_disabled', requestId: 'req_mid', retryable: true })
      expect(error.message).toContain('(public_api_disabled, request req_mid)')
      expect(deltas).toEqual(['partial'])
    }
  })

  it('tells insufficient credits apart even mid-stream', () => {
    const { end } = read([
      encoder.encode('event: error\ndata: {"error":{"code":"insufficient_credits","requestId":"req_c"}}\n\n')
    ])
    const error = thrown(end)
    expect(error).toBeInstanceOf(InsufficientCreditsError)
    expect(error).toMatchObject({ retryable: false, requestId: 'req_c' })
  })

  it('retries an error event that carries no details', () => {
    const { end } = read([encoder.encode('event: error\ndata: oops\n\n')])
    expect(thrown(end)).toMatchObject({ code: 'stream_error', retryable: true })
  })

  it('ignores everything after the done event', () => {
    const stream = `event: done\ndata: ${JSON.stringify(settlement)}\n\nevent: delta\ndata: {"delta":"late"}\n\nevent: error\ndata: {"error":{"code":"rate_limited"}}\n\n`
    const { deltas, end } = read([encoder.encode(stream)])
    expect(end().settlement).toEqual(settlement)
    expect(deltas).toEqual([])
  })

  it('takes untyped events by their data and skips what it does not understand', () => {
    const stream = [
      'data: {"type":"delta","delta":"a"}',
      '',
      'data: {"choices":[{"delta":{"content":"b"}}]}',
      '',
      'event: delta',
      'data: c',
      '',
      `data: ${JSON.stringify({ type: 'done', ...settlement })}`,
      '',
      ''
    ].join('\n')
    const { deltas, end } = read([encoder.encode(stream)])
    expect(deltas).toEqual(['a', 'b', 'c'])
    expect(end().settlement).toMatchObject({ session_id: 'chat_session_1' })
  })

  it('ends at a done event that is not JSON, with the text but no settlement (the client reads it back)', () => {
    const { end } = read([
      encoder.encode('event: delta\ndata: {"delta":"x"}\n\nevent: done\ndata: {"session_id":\n\n')
    ])
    expect(end()).toEqual({ settlement: { message: { content: 'x' } }, text: 'x' })
  })

  it("ends at OpenAI's data: [DONE], keeping the usage of the chunk before it", () => {
    const stream = [
      'data: {"choices":[{"delta":{"content":"b"}}]}',
      '',
      'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}',
      '',
      'data: [DONE]',
      '',
      'data: {"choices":[{"delta":{"content":"late"}}]}',
      '',
      ''
    ].join('\n')
    const { deltas, end } = read([encoder.encode(stream)])
    expect(deltas).toEqual(['b'])
    expect(end().settlement).toEqual({
      usage: { input_tokens: 3, output_tokens: 1, total_tokens: 4 },
      message: { content: 'b' }
    })
  })

  it('ends at an event that carries the settlement, whatever its name', () => {
    const stream = `event: delta\ndata: {"delta":"a"}\n\nevent: summary\ndata: {"session_id":"s1","usage":{"input_tokens":1,"output_tokens":1},"credits":{"final":2}}\n\nevent: delta\ndata: {"delta":"late"}\n\n`
    const { reader, end } = read([encoder.encode(stream)])
    expect(reader.settled).toBe(true)
    expect(end()).toEqual({
      settlement: {
        session_id: 's1',
        usage: { input_tokens: 1, output_tokens: 1 },
        credits: { final: 2 },
        message: { content: 'a' }
      },
      text: 'a'
    })
  })

  it('stops reading past its size cap, as a retryable failure', () => {
    const reader = new ChatStreamReader()
    const piece = encoder.encode(`event: delta\ndata: {"delta":"${'x'.repeat(64 * 1024)}"}\n\n`)
    let pushed = 0
    while (!reader.finished && pushed < 2 * MAX_STREAM_BYTES) {
      reader.push(piece)
      pushed += piece.byteLength
    }
    expect(pushed).toBeLessThanOrEqual(MAX_STREAM_BYTES + piece.byteLength)
    expect(thrown(() => reader.end())).toMatchObject({ code: 'response_too_large', retryable: true })
  })

  it('does not count heartbeats as content', () => {
    const reader = new ChatStreamReader()
    reader.push(encoder.encode(': ping\n\n: ping\n\nevent: ping\ndata: \n\n'))
    expect(reader.contentEvents).toBe(0)
    reader.push(encoder.encode('event: delta\ndata: {"delta":"x"}\n\n'))
    expect(reader.contentEvents).toBe(1)
  })

  it('hands what a caller callback throws back unchanged, not as a Rivya failure', () => {
    const boom = new Error('caller bug')
    const reader = new ChatStreamReader({
      onDelta: () => {
        throw boom
      }
    })
    reader.push(encoder.encode(`event: delta\ndata: {"delta":"x"}\n\nevent: done\ndata: {}\n\n`))
    expect(reader.finished).toBe(true)
    expect(thrown(() => reader.end())).toBe(boom)
  })

  it('strips a byte order mark split across reads', () => {
    const stream = encoder.encode(`\uFEFFevent: delta\ndata: {"delta":"x"}\n\nevent: done\ndata: {}\n\n`)
    const { deltas, end } = read([stream.subarray(0, 1), stream.subarray(1, 2), stream.subarray(2)])
    expect(deltas).toEqual(['x'])
    expect(end().settlement).toEqual({ message: { content: 'x' } })
  })
})

describe('deltaText', () => {
  it.each([
    [{ delta: 'a' }, 'a'],
    [{ content: 'b' }, 'b'],
    [{ text: 'c' }, 'c'],
    [{ delta: { content: 'd' } }, 'd'],
    [{ delta: { text: 'e' } }, 'e'],
    [{ choices: [{ delta: { content: 'f' } }] }, 'f'],
    [{ delta: 1 }, undefined],
    [{ choices: [] }, undefined],
    ['a string', undefined],
    [null, undefined],
    [['delta'], undefined]
  ])('%j → %j', (data, text) => {
    expect(deltaText(data)).toBe(text)
  })
})
