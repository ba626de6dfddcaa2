/**
 * Every framing the emulator can send (the plausible ones RIVYA_API.md "Streaming" names) read by
 * the client's stream reader, however the bytes are split across reads.
 */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { SSE_FRAMINGS, sseText } from '../../emulators/rivya/index.js'
import { completionSchema } from '../../src/rivya/schemas.js'
import { ChatStreamReader } from '../../src/rivya/sse.js'

const completion = {
  id: 'chatcmpl_1',
  object: 'chat.completion' as const,
  session_id: 'chat_session_1',
  model: 'gpt-5.4-codex-chat',
  created_at: '2026-05-11T00:00:00.000Z',
  message: { id: 'msg_1', role: 'assistant' as const, content: 'Héllo 🚀 世界\nLooks good. `a` @b <c>' },
  usage: { input_tokens: 1200, output_tokens: 320, total_tokens: 1520 },
  credits: { reserved: 4, final: 3 }
}

function readSplit(bytes: Uint8Array, cuts: number[]) {
  const deltas: string[] = []
  const reader = new ChatStreamReader({ onDelta: t => deltas.push(t) })
  let from = 0
  for (const at of [...cuts].sort((a, b) => a - b)) {
    reader.push(bytes.subarray(from, at))
    from = at
  }
  reader.push(bytes.subarray(from))
  return { deltas, result: reader.end() }
}

describe.each(SSE_FRAMINGS)('the %s framing', framing => {
  const bytes = new TextEncoder().encode(sseText(completion, framing))
  const settles = framing !== 'no-settlement'

  it('gives the text once and the settlement, wherever the reads split', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 4 }), cuts => {
        const { deltas, result } = readSplit(bytes, cuts)
        expect(deltas.join('')).toBe(completion.message.content)
        expect(result.text).toBe(completion.message.content)
        const parsed = completionSchema.safeParse(result.settlement)
        expect(parsed.success).toBe(settles)
        expect(result.settlement).toMatchObject({
          session_id: completion.session_id,
          message: { content: completion.message.content }
        })
        if (settles)
          expect(result.settlement).toMatchObject({ usage: completion.usage, credits: completion.credits })
      }),
      { numRuns: 150 }
    )
  })
})
