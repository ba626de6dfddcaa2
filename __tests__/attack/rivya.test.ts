/**
 * An attacker's read of the Rivya client after issues 9 and 10: a hostile or broken server (or a
 * proxy in front of it) answering with a shape, size or timing the hardening did not reach.
 */
import { beforeEach, describe, expect, it } from '@jest/globals'
import type { RivyaClient, RivyaClientOptions } from '../../src/rivya/client.js'
import type { RivyaEmulator } from '../../emulators/rivya/index.js'
import type { RetryEvent } from '../../src/rivya/retry.js'
import { rivyaClientBench } from '../fixtures/rivya-client.js'

const MODEL = 'gpt-5.4-codex-chat'
const ACCOUNT = 'acct_test'

const bench = rivyaClientBench()
let rivya: RivyaEmulator
let retries: RetryEvent[]

beforeEach(() => {
  ;({ rivya, retries } = bench())
})

const client = (options: Partial<RivyaClientOptions> = {}): RivyaClient => bench().client(options)

let counter = 0
async function chat(c: RivyaClient, stream: boolean) {
  counter += 1
  return c.chat(
    { model: MODEL, message: 'hello' },
    {
      idempotencyKey: `idem-a-${counter}`,
      clientRequestId: `crid-a-${counter}`,
      stream,
      onRetry: e => retries.push(e)
    }
  )
}

describe('error answers of any size', () => {
  // The size cap of issue 9 covers 2xx answers only: the body of a non-2xx answer was read whole
  // with `body.text()`, so a proxy's 502 page that never ends grew in memory until the process
  // died (or held the turn for undici's 20-minute body timeout when it trickled). Fix: read an
  // error body up to a small cap (64 KiB) and within the short body timeout, then decide by status.
  it.each([false, true])(
    'a 502 whose body never ends fails the attempt by its status, and the retry is answered (stream: %s)',
    async stream => {
      rivya.injectFault({ kind: 'endless-json', status: 502, everyMs: 1, times: 1 })
      const completion = await chat(client({ maxAnswerBytes: 256 * 1024 }), stream)
      expect(completion.attempts).toBe(2)
      expect(retries.map(e => e.error.status)).toEqual([502])
      expect(rivya.chargedTurns(ACCOUNT)).toHaveLength(1)
    },
    20_000
  )
})

describe('a model list that shrinks the prompt limit', () => {
  // Issue 10 bounded a listed max_prompt_length above the documented one, but one far below it was
  // taken silently: a list (broken, or a proxy's) saying 2,000 for a model documented at 20,000
  // makes every review ten times as many turns, and with history billed on every turn about fifty
  // times the input tokens, or with max-turns a review of a tenth of the files, with no word of
  // why. Fixed: a listed limit under half the documented one is kept (Rivya would refuse more)
  // but warned about.
  it('says so when the listed limit of a known model is a tenth of its documented one', async () => {
    const listed = rivya.models.find(m => m.id === MODEL)!
    listed.max_prompt_length = 2000
    const model = await client().getModel(MODEL)
    expect(model.maxPromptLength).toBe(2000)
    expect(model.warnings.join('\n')).toContain('2000')
  })
})
