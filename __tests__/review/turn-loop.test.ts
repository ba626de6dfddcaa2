/**
 * The review loop against the Rivya emulator: the credit budget is never exceeded, whatever the
 * messages, and a stop keeps what was answered.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { parseUnifiedDiff } from '../../src/review/diff.js'
import { planReview } from '../../src/review/plan.js'
import { estimateNextTurn, runReviewLoop } from '../../src/review/turn-loop.js'
import { turnKeys } from '../../src/review/keys.js'
import { RivyaClient } from '../../src/rivya/client.js'
import { RivyaEmulator } from '../../emulators/rivya/index.js'
import { RivyaSession, type SessionTurn } from '../../src/rivya/session.js'

const MODEL = 'gpt-5.4-codex-chat'
const BASE_CREDITS = 4

let rivya: RivyaEmulator
let client: RivyaClient

beforeAll(async () => {
  rivya = await RivyaEmulator.start()
  client = new RivyaClient({ baseUrl: rivya.url, apiKey: rivya.validKey })
})

afterAll(async () => {
  await client.close()
  await rivya.close()
})

/** A diff of `files` new files of `lines` lines each. */
function diffOf(files: number, lines: number): string {
  let text = ''
  for (let f = 0; f < files; f++) {
    const path = `src/file${f}.ts`
    const body = Array.from({ length: lines }, (_, i) => `+export const v${f}_${i} = '${'y'.repeat(30)}'`)
    text += `diff --git a/${path} b/${path}\nnew file mode 100644\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1,${lines} @@\n${body.join('\n')}\n`
  }
  return text
}

let run = 0

async function review(diff: string, limit: number, maxCredits: number | undefined) {
  const plan = planReview(parseUnifiedDiff(diff), {
    include: ['**'],
    exclude: [],
    limit,
    pullNumber: 1,
    title: 'Budget'
  })
  run += 1
  const session = new RivyaSession(client, { model: MODEL })
  const result = await runReviewLoop({
    messages: plan.messages,
    session,
    maxCredits,
    baseCredits: BASE_CREDITS,
    log: () => undefined,
    turnOptions: (turnIndex, message, sessionId) =>
      turnKeys(`secret-${run}`, {
        repository: 'o/r',
        pullNumber: 1,
        headSha: 'a'.repeat(40),
        commentId: undefined,
        turnIndex,
        message,
        model: MODEL,
        reasoningEffort: 'default',
        enableWebSearch: false,
        sessionId
      })
  })
  return { plan, result, turns: session.turns }
}

describe('runReviewLoop with max-credits', () => {
  it('never settles more credits than the budget, for small and large turns alike', async () => {
    for (const [files, lines, limit] of [
      [1, 400, 20000],
      [3, 150, 6100],
      [12, 40, 3000]
    ] as const) {
      const unbounded = await review(diffOf(files, lines), limit, undefined)
      const total = unbounded.result.usage.creditsFinal
      expect(unbounded.result.stoppedBy).toBeUndefined()
      for (const budget of [BASE_CREDITS, Math.floor(total / 3), Math.floor(total / 2), total - 1]) {
        const { result } = await review(diffOf(files, lines), limit, budget)
        expect([files, budget, result.usage.creditsFinal <= budget]).toEqual([files, budget, true])
        expect(result.stoppedBy).toMatch(/^max-credits/)
        expect(result.error).toBeUndefined()
      }
      const roomy = await review(diffOf(files, lines), limit, total * 3)
      expect(roomy.result.stoppedBy).toBeUndefined()
      expect(roomy.result.summary).toBeDefined()
    }
  })

  it('holds at a price four times the assumed one, from the first turn’s settlement on', async () => {
    rivya.creditsPerThousandTokens = 4
    try {
      const unbounded = await review(diffOf(12, 40), 3000, undefined)
      const total = unbounded.result.usage.creditsFinal
      const first = unbounded.turns[0]!.credits.final
      for (const budget of [Math.floor(total / 3), Math.floor(total / 2), total - 1]) {
        const { result } = await review(diffOf(12, 40), 3000, budget)
        // Only the first turn can be priced wrong: nothing tells the price before it settles.
        expect([budget, result.usage.creditsFinal <= Math.max(budget, first)]).toEqual([budget, true])
        expect(result.stoppedBy).toMatch(/^max-credits/)
      }
    } finally {
      rivya.creditsPerThousandTokens = 1
    }
  })

  it('keeps the notes of the turns answered before the stop', async () => {
    const unbounded = await review(diffOf(12, 40), 3000, undefined)
    const budget = Math.ceil(unbounded.result.usage.creditsFinal / 2)
    const { result, turns } = await review(diffOf(12, 40), 3000, budget)
    expect(turns.length).toBeGreaterThan(0)
    expect(result.notes).toHaveLength(turns.length)
    expect(result.summary).toBeUndefined()
    expect(result.reviewed.size).toBeGreaterThan(0)
  })
})

describe('estimateNextTurn', () => {
  const turn = (input: number, output: number, final: number): SessionTurn => ({
    index: 1,
    sessionId: 's',
    messageChars: 0,
    content: '',
    usage: { inputTokens: input, outputTokens: output, totalTokens: input + output },
    credits: { reserved: final, final },
    attempts: 1,
    completionId: undefined,
    requestId: undefined
  })

  it('prices the first turn by its message, not by the base credits alone', () => {
    // 100 characters: 34 tokens and the 1024-token answer reserve, at the assumed 1 credit per 1000.
    expect(estimateNextTurn([], 4, 100)).toBe(6)
    expect(estimateNextTurn([], 4, 20000)).toBeGreaterThan(9)
  })

  it('gives the summary turn a reserve that grows with reasoning-effort', () => {
    const turns = [turn(900, 100, 6)]
    const at = (effort: string) =>
      estimateNextTurn(turns, 4, 3000, { summary: true, reasoningEffort: effort })
    const plain = estimateNextTurn(turns, 4, 3000)
    expect(at('minimal')).toBe(plain)
    expect(at('low')).toBeGreaterThan(plain)
    expect(at('high')).toBeGreaterThan(at('low'))
    expect(at('xhigh')).toBeGreaterThan(at('high'))
  })

  it('is never below what Rivya reserved or settled for the last turn', () => {
    const reservedHigh = { ...turn(900, 100, 6), credits: { reserved: 40, final: 6 } }
    expect(estimateNextTurn([reservedHigh], 4, 10)).toBeGreaterThanOrEqual(40)
  })

  it('counts the history of a session continued from the review', () => {
    expect(estimateNextTurn([], 4, 100, { historyTokens: 30_000 })).toBeGreaterThan(
      estimateNextTurn([], 4, 100)
    )
  })

  it('counts the session history, the longest answer twice over, and the highest rate seen', () => {
    // 2 credits over the base for 1000 tokens: 0.002 a token.
    const turns = [turn(900, 100, 6)]
    // history 1000 + 3000 chars / 3 + max(1024, 200) output = 3024 tokens → 4 + ceil(6.048) = 11.
    expect(estimateNextTurn(turns, 4, 3000)).toBe(11)
  })
})
