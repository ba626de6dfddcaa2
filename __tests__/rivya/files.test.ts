/**
 * The client's Files API calls against the Rivya emulator over real HTTP: the multipart upload
 * as Rivya reads it, the file read back, the refusals as typed errors, and a chat turn that
 * attaches what was uploaded.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { RivyaEmulator } from '../../emulators/rivya/index.js'
import { RivyaClient } from '../../src/rivya/client.js'
import { RivyaError } from '../../src/rivya/errors.js'
import { readFile, type FileUpload } from '../../src/rivya/files.js'
import { imageAttachmentCapability } from '../../src/rivya/models.js'
import { RivyaSession } from '../../src/rivya/session.js'
import { gif, png } from '../fixtures/images.js'

const MODEL = 'gpt-5.4-codex-chat'
let rivya: RivyaEmulator
let clients: RivyaClient[]

beforeEach(async () => {
  rivya = await RivyaEmulator.start()
  clients = []
})
afterEach(async () => {
  await Promise.all(clients.map(c => c.close()))
  await rivya.close()
})

function client(apiKey = rivya.validKey): RivyaClient {
  const c = new RivyaClient({ baseUrl: rivya.url, apiKey, sleep: () => Promise.resolve() })
  clients.push(c)
  return c
}

const image = (bytes: Uint8Array = png()): FileUpload => ({
  bytes,
  filename: 'head.png',
  mimeType: 'image/png',
  kind: 'image',
  model: MODEL
})

async function failure(promise: Promise<unknown>): Promise<RivyaError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof RivyaError) return error
    throw error
  }
  throw new Error('expected a RivyaError')
}

describe('uploadFile', () => {
  it('sends the file, its kind, the model and client_request_id as Rivya stores them, under the Idempotency-Key', async () => {
    const bytes = png(3, 0x42)
    const file = await client().uploadFile(image(bytes), {
      idempotencyKey: 'rcf-1',
      clientRequestId: 'rcf-7-1'
    })
    const [stored, ...others] = rivya.files.uploads('acct_test')
    expect(others).toHaveLength(0)
    expect(stored).toMatchObject({
      id: file.id,
      kind: 'image',
      mimeType: 'image/png',
      sizeBytes: bytes.length,
      filename: 'head.png',
      model: MODEL,
      clientRequestId: 'rcf-7-1'
    })
    expect(file).toMatchObject({ kind: 'image', mimeType: 'image/png', sizeBytes: bytes.length })
    const request = rivya.requests.find(r => r.path === '/api/v1/files')
    expect(request?.idempotencyKey).toBe('rcf-1')
  })

  it('gets the stored file back for the same content and key: one upload, one id', async () => {
    const options = { idempotencyKey: 'rcf-same', clientRequestId: 'rcf-7-2' }
    const first = await client().uploadFile(image(), options)
    const again = await client().uploadFile(image(), options)
    expect(again.id).toBe(first.id)
    expect(rivya.files.uploads('acct_test')).toHaveLength(1)
  })

  it('throws what Rivya refused, not retried: a GIF (validation_failed), a key without files:create (api_scope_denied)', async () => {
    const gifError = await failure(
      client().uploadFile(image(gif()), { idempotencyKey: 'k1', clientRequestId: 'c1' })
    )
    expect(gifError).toMatchObject({ code: 'validation_failed', status: 400, retryable: false })
    const chatOnly = 'rvya_sk_test_chat_only_0000'
    rivya.addKey({ key: chatOnly, account: 'acct_test', scopes: ['chat:create', 'chat:read'] })
    const denied = await failure(
      client(chatOnly).uploadFile(image(), { idempotencyKey: 'k2', clientRequestId: 'c2' })
    )
    expect(denied).toMatchObject({ code: 'api_scope_denied', status: 403, retryable: false })
    expect(denied.message).not.toContain(chatOnly)
    expect(rivya.requests.filter(r => r.path === '/api/v1/files')).toHaveLength(2)
  })

  it('needs its keys', async () => {
    await expect(client().uploadFile(image(), { idempotencyKey: '', clientRequestId: 'c' })).rejects.toThrow(
      TypeError
    )
  })
})

describe('getFile', () => {
  it("reads the account's own file, and not_found for another account's", async () => {
    const file = await client().uploadFile(image(), { idempotencyKey: 'k', clientRequestId: 'c' })
    expect((await client().getFile(file.id)).id).toBe(file.id)
    const stranger = 'rvya_sk_test_stranger_0000'
    rivya.addKey({ key: stranger, account: 'acct_stranger', scopes: ['files:read'] })
    expect(await failure(client(stranger).getFile(file.id))).toMatchObject({ code: 'not_found' })
  })
})

describe('readFile', () => {
  it('reads the id at the root, under data or file, as id or file_id', () => {
    expect(readFile({ id: 'file_a', kind: 'image' }).id).toBe('file_a')
    expect(readFile({ data: { file_id: 'file_b' } }).id).toBe('file_b')
    expect(readFile({ file: { id: 'file_c', size_bytes: 'big' } })).toMatchObject({
      id: 'file_c',
      sizeBytes: undefined
    })
  })

  it('refuses an answer without a plausible id (it goes back to Rivya in a turn)', () => {
    expect(() => readFile({ id: 'file <img>' })).toThrow(/invalid_response/)
    expect(() => readFile({ url: 'https://x' })).toThrow(/invalid_response/)
  })
})

describe('a turn with attachments', () => {
  it('sends the file ids as attachments, and the reply names them', async () => {
    const file = await client().uploadFile(image(), { idempotencyKey: 'k', clientRequestId: 'c' })
    const session = new RivyaSession(client(), { model: MODEL })
    const turn = await session.send('=== a.png (image, added: attachment 1)', {
      idempotencyKey: 'turn-1',
      clientRequestId: 'turn-1',
      attachments: [file.id]
    })
    expect(turn.content).toContain(`attachments: ${file.id} (head.png)`)
    const body = rivya.requests.find(r => r.path === '/api/v1/chat/completions')?.body
    expect(body).toMatchObject({ attachments: [{ file_id: file.id }] })
  })
})

describe('imageAttachmentCapability', () => {
  it('reads an image-attachment flag from chat_capabilities, and says nothing when the list does not', () => {
    expect(imageAttachmentCapability({ web_search: true, image_attachments: true })).toBe(true)
    expect(imageAttachmentCapability({ imageAttachments: false })).toBe(false)
    expect(imageAttachmentCapability({ vision: { supported: true } })).toBe(true)
    expect(imageAttachmentCapability(['text', 'images'])).toBe(true)
    expect(imageAttachmentCapability(['web_search'])).toBe(false)
    expect(imageAttachmentCapability({ web_search: true })).toBeUndefined()
    expect(imageAttachmentCapability(null)).toBeUndefined()
  })

  it("is in the model's info as the emulator lists it", async () => {
    expect((await client().getModel(MODEL)).imageAttachments).toBe(true)
    expect((await client().getModel('gpt-5.4-mini-chat')).imageAttachments).toBe(false)
  })
})
