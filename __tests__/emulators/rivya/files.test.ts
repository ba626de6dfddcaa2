/**
 * The Rivya emulator's Files API with plain fetch and the platform's FormData: the multipart
 * upload, the type told by the signature, limits, scopes, model checks, owner-only reads, upload
 * replay, and chat turns that attach files (which files, whose, for which model, at what cost).
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { RivyaEmulator, tokens } from '../../../emulators/rivya/index.js'
import { gif, jpeg, png, webp } from '../../fixtures/images.js'

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
  json: Record<string, unknown>
}

async function answer(res: Response): Promise<Answer> {
  return { status: res.status, json: (await res.json()) as Record<string, unknown> }
}

interface UploadInit {
  bytes?: Uint8Array
  name?: string
  type?: string
  kind?: string | null
  model?: string
  clientRequestId?: string
  key?: string
  idem?: string
}

async function upload(init: UploadInit = {}): Promise<Answer> {
  const form = new FormData()
  if (init.kind !== null) form.set('kind', init.kind ?? 'image')
  if (init.model !== undefined) form.set('model', init.model)
  if (init.clientRequestId !== undefined) form.set('client_request_id', init.clientRequestId)
  form.set('file', new Blob([init.bytes ?? png()], { type: init.type ?? 'image/png' }), init.name ?? 'a.png')
  const headers: Record<string, string> = { authorization: `Bearer ${init.key ?? rivya.validKey}` }
  if (init.idem !== undefined) headers['idempotency-key'] = init.idem
  return answer(await fetch(`${rivya.url}/api/v1/files`, { method: 'POST', headers, body: form }))
}

async function getFile(id: string, key = rivya.validKey): Promise<Answer> {
  return answer(
    await fetch(`${rivya.url}/api/v1/files/${id}`, { headers: { authorization: `Bearer ${key}` } })
  )
}

async function chat(body: Record<string, unknown>, key = rivya.validKey): Promise<Answer> {
  return answer(
    await fetch(`${rivya.url}/api/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, ...body })
    })
  )
}

function code(a: Answer): string | undefined {
  return (a.json.error as { code?: string } | undefined)?.code
}

function otherKey(scopes: string[], account = 'acct_other'): string {
  const key = `rvya_sk_test_${account}_${scopes.join('_').replace(/:/g, '')}`
  rivya.addKey({ key, account, scopes })
  return key
}

describe('POST /api/v1/files', () => {
  it('stores an image with the type its signature gives, whatever its name and declared type', async () => {
    const stored = await upload({ bytes: png(), name: 'photo.jpg', type: 'image/jpeg', model: MODEL })
    expect(stored.status).toBe(200)
    expect(stored.json).toMatchObject({ kind: 'image', mime_type: 'image/png', size_bytes: png().length })
    expect(stored.json.id).toMatch(/^file_[0-9a-f]{16}$/)
    for (const [bytes, mime] of [
      [jpeg(), 'image/jpeg'],
      [webp(), 'image/webp']
    ] as const) {
      expect((await upload({ bytes, name: 'x.png' })).json.mime_type).toBe(mime)
    }
  })

  it.each([
    ['a GIF', gif()],
    ['text named .png', Buffer.from('not an image at all\n')]
  ])('refuses %s as an image (validation_failed)', async (_what, bytes) => {
    const refused = await upload({ bytes, name: 'x.png' })
    expect([refused.status, code(refused)]).toEqual([400, 'validation_failed'])
    expect(rivya.files.uploads('acct_test')).toHaveLength(0)
  })

  it('holds each kind to its size limit', async () => {
    rivya.files.limits.image = png().length
    expect((await upload()).status).toBe(200)
    const over = await upload({ bytes: Buffer.concat([png(), Buffer.alloc(1)]) })
    expect([over.status, code(over)]).toEqual([400, 'validation_failed'])
  })

  it('checks kind, model and client_request_id', async () => {
    expect(code(await upload({ kind: null }))).toBe('validation_failed')
    expect(code(await upload({ kind: 'document' }))).toBe('validation_failed')
    // A model that takes no images, and one not callable through the API.
    expect(code(await upload({ model: 'gpt-5.4-mini-chat' }))).toBe('validation_failed')
    expect(code(await upload({ model: 'gpt-6-preview-chat' }))).toBe('validation_failed')
    expect(code(await upload({ model: 'no-such-model' }))).toBe('validation_failed')
    expect(code(await upload({ clientRequestId: 'x'.repeat(129) }))).toBe('validation_failed')
    expect((await upload({ clientRequestId: 'x'.repeat(128), model: MODEL })).status).toBe(200)
  })

  it('needs files:create to upload and files:read to read', async () => {
    const chatOnly = otherKey(['chat:create', 'chat:read'], 'acct_test')
    const denied = await upload({ key: chatOnly })
    expect([denied.status, code(denied)]).toEqual([403, 'api_scope_denied'])
    const stored = await upload()
    const read = await getFile(stored.json.id as string, chatOnly)
    expect([read.status, code(read)]).toEqual([403, 'api_scope_denied'])
  })

  it('replays an upload with the same Idempotency-Key and refuses the key for other bytes', async () => {
    const first = await upload({ idem: 'img-1' })
    const again = await upload({ idem: 'img-1' })
    expect(again.json.id).toBe(first.json.id)
    expect(rivya.files.uploads('acct_test')).toHaveLength(1)
    const other = await upload({ idem: 'img-1', bytes: png(2, 0x10) })
    expect([other.status, code(other)]).toEqual([409, 'idempotency_conflict'])
    // The key is the account's own: another account's same key stores its own file.
    const theirs = await upload({ idem: 'img-1', key: otherKey(['files:create']) })
    expect(theirs.json.id).not.toBe(first.json.id)
  })
})

describe('GET /api/v1/files/{fileId}', () => {
  it('answers the owning account only', async () => {
    const stored = await upload()
    const id = stored.json.id as string
    expect((await getFile(id)).json).toEqual(stored.json)
    const stranger = await getFile(id, otherKey(['files:read']))
    expect([stranger.status, code(stranger)]).toEqual([404, 'not_found'])
    expect(code(await getFile('file_0000000000000000'))).toBe('not_found')
  })
})

describe('chat attachments', () => {
  it('takes image files of the account, bills them on their turn and as history, and names them', async () => {
    const a = (await upload({ name: 'base.png' })).json.id as string
    const b = (await upload({ bytes: png(2, 0x10), name: 'head.png' })).json.id as string
    const first = await chat({ message: 'look', attachments: [{ file_id: a }, { file_id: b }] })
    expect(first.status).toBe(200)
    const content = (first.json.message as { content: string }).content
    expect(content).toContain(`attachments: ${a} (base.png), ${b} (head.png)`)
    const usage = first.json.usage as { input_tokens: number; output_tokens: number }
    expect(usage.input_tokens).toBe(tokens('look') + 2 * rivya.imageTokens)
    const second = await chat({ message: 'more', session_id: first.json.session_id })
    expect((second.json.message as { content: string }).content).not.toContain('attachments:')
    expect((second.json.usage as { input_tokens: number }).input_tokens).toBe(
      usage.input_tokens + usage.output_tokens + tokens('more')
    )
  })

  it("answers not_found for another account's file, and chat_attachment_not_supported for a URL or a model without images", async () => {
    const theirs = await upload({ key: otherKey(['files:create']) })
    expect(code(await chat({ message: 'x', attachments: [{ file_id: theirs.json.id }] }))).toBe('not_found')
    expect(code(await chat({ message: 'x', attachments: [{ url: 'https://x/y.png' }] }))).toBe(
      'chat_attachment_not_supported'
    )
    const mine = (await upload()).json.id as string
    const mini = await chat({ model: 'gpt-5.4-mini-chat', message: 'x', attachments: [{ file_id: mine }] })
    expect([mini.status, code(mini)]).toEqual([400, 'chat_attachment_not_supported'])
    expect(rivya.chargedTurns('acct_test')).toHaveLength(0)
  })

  it('answers chat_attachment_not_supported for a file that is not an image', async () => {
    rivya.files.limits.audio = 1024
    const form = new FormData()
    form.set('kind', 'audio')
    form.set('file', new Blob([Buffer.concat([Buffer.from('ID3'), Buffer.alloc(20)])]), 'a.mp3')
    const stored = await answer(
      await fetch(`${rivya.url}/api/v1/files`, {
        method: 'POST',
        headers: { authorization: `Bearer ${rivya.validKey}` },
        body: form
      })
    )
    expect(stored.json.kind).toBe('audio')
    expect(code(await chat({ message: 'x', attachments: [{ file_id: stored.json.id }] }))).toBe(
      'chat_attachment_not_supported'
    )
  })
})
