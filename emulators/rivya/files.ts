/**
 * The Rivya emulator's Files API, after RIVYA_API.md "Files API": `POST /api/v1/files`
 * (multipart: `file`, `kind`, `model`, `client_request_id`), `GET /api/v1/files/{fileId}` for the
 * owning account only, and the check a chat turn makes of its `attachments`. The form is parsed by
 * the platform (`Request#formData()`, undici's multipart parser in Node), the type is told from
 * the signature, never the name, and an upload is replayed by its Idempotency-Key.
 */
import { createHash, randomBytes } from 'node:crypto'

export type FileKind = 'image' | 'video' | 'audio'
const KINDS: readonly FileKind[] = ['image', 'video', 'audio']

/** Rivya's default limits (RIVYA_API.md: image 10 MB, video 50 MB, audio 10 MB). */
export const DEFAULT_FILE_LIMITS: Readonly<Record<FileKind, number>> = {
  image: 10 * 1024 * 1024,
  video: 50 * 1024 * 1024,
  audio: 10 * 1024 * 1024
}

/** Documented bound of `client_request_id` on uploads ("up to 128 characters"). */
const CLIENT_REQUEST_ID_MAX = 128

/** A stored file. The `PublicApiFile` fields beyond `id` and `url` are ASSUMED (NOT DOCUMENTED). */
export interface EmulatedFile {
  id: string
  account: string
  kind: FileKind
  mimeType: string
  sizeBytes: number
  filename: string
  model: string | undefined
  clientRequestId: string | undefined
  createdAt: string
  /** sha256 of the bytes, for tests. */
  sha256: string
}

/** A refusal, in the shape the emulator's error answers take. */
export class FileApiError extends Error {
  readonly headers: Record<string, string> = {}
  requestId: string | undefined
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message)
  }
}

/** What the files routes need to know of a model (the emulator's model list entry). */
export interface FileModel {
  id: string
  api_status: string
  chat_capabilities: Readonly<Record<string, boolean>> | null
  supported_api_inputs: readonly string[]
}

const starts = (b: Uint8Array, sig: readonly number[], at = 0) => sig.every((x, i) => b[at + i] === x)
const ascii = (text: string) => [...text].map(c => c.charCodeAt(0))

/** The MIME type the bytes' signature gives, per kind; undefined when none that kind takes. */
export function detectMime(bytes: Uint8Array, kind: FileKind): string | undefined {
  if (kind === 'image') {
    if (starts(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png'
    if (starts(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg'
    if (starts(bytes, ascii('RIFF')) && starts(bytes, ascii('WEBP'), 8)) return 'image/webp'
    return undefined
  }
  if (kind === 'video') {
    if (starts(bytes, ascii('ftyp'), 4)) return 'video/mp4'
    if (starts(bytes, [0x1a, 0x45, 0xdf, 0xa3])) return 'video/webm'
    return undefined
  }
  if (starts(bytes, ascii('ID3')) || (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0))
    return 'audio/mpeg'
  if (starts(bytes, ascii('RIFF')) && starts(bytes, ascii('WAVE'), 8)) return 'audio/wav'
  if (starts(bytes, ascii('OggS'))) return 'audio/ogg'
  return undefined
}

/** Whether a chat model takes image attachments: its `chat_capabilities.image_attachments` (ASSUMED key). */
export function takesImages(model: FileModel): boolean {
  return model.chat_capabilities?.image_attachments === true
}

interface UploadRecord {
  bodyHash: string
  file: EmulatedFile
}

export class EmulatedFiles {
  /** Per-kind size limits; a test may lower one (RIVYA_API.md: "some models have different limits"). */
  limits: Record<FileKind, number> = { ...DEFAULT_FILE_LIMITS }
  readonly #files = new Map<string, EmulatedFile>()
  readonly #byKey = new Map<string, UploadRecord>()
  /** Uploads that stored a file (a replay is not one). */
  readonly #stored: { account: string; id: string }[] = []

  /** Files stored for an account, in order (an idempotent replay stores none). */
  uploads(account: string): EmulatedFile[] {
    return this.#stored.filter(s => s.account === account).map(s => this.#files.get(s.id) as EmulatedFile)
  }

  /** `POST /api/v1/files`: the stored (or replayed) file as its JSON answer. */
  async upload(
    account: string,
    contentType: string,
    body: Buffer,
    idempotencyKey: string | undefined,
    models: readonly FileModel[]
  ): Promise<Record<string, unknown>> {
    if (!/^multipart\/form-data\b/i.test(contentType)) {
      throw invalid('The body must be multipart/form-data with a file and its kind.')
    }
    let form: FormData
    try {
      form = await new Request('http://emulator/api/v1/files', {
        method: 'POST',
        headers: { 'content-type': contentType },
        body
      }).formData()
    } catch {
      throw invalid('The multipart body could not be read.')
    }
    const file = form.get('file')
    if (file === null || typeof file === 'string') throw invalid('file is required and must be a file part.')
    const kind = form.get('kind')
    if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) {
      throw invalid(`kind must be one of ${KINDS.join(', ')}.`)
    }
    const fileKind = kind as FileKind
    const clientRequestId = optionalText(form, 'client_request_id')
    if (clientRequestId !== undefined && clientRequestId.length > CLIENT_REQUEST_ID_MAX) {
      throw invalid(`client_request_id is longer than ${CLIENT_REQUEST_ID_MAX} characters.`)
    }
    const modelId = optionalText(form, 'model')
    if (modelId !== undefined) checkModel(modelId, fileKind, models)
    const bytes = new Uint8Array(await file.arrayBuffer())
    const limit = this.limits[fileKind]
    if (bytes.length > limit) {
      throw invalid(`The ${fileKind} is ${bytes.length} bytes; ${fileKind} files may hold at most ${limit}.`)
    }
    const mimeType = detectMime(bytes, fileKind)
    if (mimeType === undefined) {
      throw invalid(
        `The file's signature is not an accepted ${fileKind} type (checked: its bytes, not its name).`
      )
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const bodyHash = createHash('sha256')
      .update(JSON.stringify([sha256, fileKind, modelId ?? null, clientRequestId ?? null, file.name]))
      .digest('hex')
    const scope = idempotencyKey === undefined ? undefined : `${account}\u0000${idempotencyKey}`
    if (scope !== undefined) {
      const record = this.#byKey.get(scope)
      if (record !== undefined) {
        if (record.bodyHash !== bodyHash) {
          throw new FileApiError(
            409,
            'idempotency_conflict',
            'This Idempotency-Key was used with a different request.'
          )
        }
        return fileJson(record.file)
      }
    }
    const stored: EmulatedFile = {
      id: `file_${randomBytes(8).toString('hex')}`,
      account,
      kind: fileKind,
      mimeType,
      sizeBytes: bytes.length,
      filename: file.name,
      model: modelId,
      clientRequestId,
      createdAt: new Date().toISOString(),
      sha256
    }
    this.#files.set(stored.id, stored)
    this.#stored.push({ account, id: stored.id })
    if (scope !== undefined) this.#byKey.set(scope, { bodyHash, file: stored })
    return fileJson(stored)
  }

  /** `GET /api/v1/files/{fileId}`: only the owning account sees it ("not owned" is `not_found`). */
  get(account: string, id: string): Record<string, unknown> {
    const file = this.#files.get(id)
    if (file === undefined || file.account !== account) throw notFound(id)
    return fileJson(file)
  }

  /**
   * The files a chat turn attaches, checked: each a file of the same account (`not_found`
   * otherwise), an image (`chat_attachment_not_supported` otherwise), for a model that takes
   * images (`chat_attachment_not_supported`).
   */
  attachments(account: string, attachments: readonly unknown[], model: FileModel): EmulatedFile[] {
    const files: EmulatedFile[] = []
    for (const attachment of attachments) {
      const fileId = (attachment as { file_id?: unknown } | null)?.file_id
      const keys = typeof attachment === 'object' && attachment !== null ? Object.keys(attachment) : []
      if (typeof fileId !== 'string' || keys.length !== 1) {
        throw new FileApiError(
          400,
          'chat_attachment_not_supported',
          'Attachments must be { "file_id": "..." } from the Files API; URLs are not accepted.'
        )
      }
      const file = this.#files.get(fileId)
      if (file === undefined || file.account !== account) throw notFound(fileId)
      if (file.kind !== 'image') {
        throw new FileApiError(
          400,
          'chat_attachment_not_supported',
          `File ${fileId} is a ${file.kind} file: upload an image through Files API and pass its file_id.`
        )
      }
      files.push(file)
    }
    if (files.length > 0 && !takesImages(model)) {
      throw new FileApiError(
        400,
        'chat_attachment_not_supported',
        `The model ${model.id} does not take image attachments.`
      )
    }
    return files
  }
}

function optionalText(form: FormData, name: string): string | undefined {
  const value = form.get(name)
  if (value === null) return undefined
  if (typeof value !== 'string') throw invalid(`${name} must be a text field.`)
  return value
}

/** "When present, Rivya validates that the model accepts this file kind" (api-files). */
function checkModel(id: string, kind: FileKind, models: readonly FileModel[]): void {
  const model = models.find(m => m.id === id)
  if (model === undefined || model.api_status !== 'available') {
    throw invalid(`The model ${id} is not a model of the public API.`)
  }
  const chat = model.chat_capabilities !== null
  const accepts = kind === 'image' && chat ? takesImages(model) : model.supported_api_inputs.includes('file')
  if (!accepts) throw invalid(`The model ${id} does not accept ${kind} files.`)
}

function invalid(message: string): FileApiError {
  return new FileApiError(400, 'validation_failed', message)
}

function notFound(id: string): FileApiError {
  return new FileApiError(404, 'not_found', `File ${id} does not exist or is not owned by the account.`)
}

/** The `PublicApiFile` answer; fields beyond `id` and `url` are ASSUMED. */
function fileJson(file: EmulatedFile): Record<string, unknown> {
  return {
    id: file.id,
    object: 'file',
    kind: file.kind,
    mime_type: file.mimeType,
    size_bytes: file.sizeBytes,
    filename: file.filename,
    url: `https://files.rivya.invalid/${file.id}`,
    created_at: file.createdAt
  }
}
