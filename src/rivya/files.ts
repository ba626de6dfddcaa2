/**
 * Rivya's Files API (RIVYA_API.md "Files API"): `POST /api/v1/files` uploads one file as
 * `multipart/form-data` (`file`, `kind`, `model`, `client_request_id`) and answers a
 * `PublicApiFile`, whose id a chat turn attaches as `{ "file_id" }`; `GET /api/v1/files/{fileId}`
 * reads the same for a file the key's account owns. Scopes: `files:create`, `files:read`.
 */
import { Blob } from 'node:buffer'
import { FormData } from 'undici'
import { RivyaError } from './errors.js'
import { isSafeTraceId } from './ids.js'
import { fileSchema } from './schemas.js'

/** `kind` of an upload; chat attachments are `image`. */
export type FileKind = 'image' | 'video' | 'audio'

export interface FileUpload {
  bytes: Uint8Array
  /** The name the form gives the file (Rivya reads the signature, not the name). */
  filename: string
  /** The type the bytes' signature says, e.g. `image/png`. */
  mimeType: string
  kind: FileKind
  /** "When present, Rivya validates that the model accepts this file kind": pass it. */
  model?: string
}

export interface FileUploadOptions {
  /** Sent as `Idempotency-Key` on every attempt: the same content uploads once. */
  idempotencyKey: string
  /** `client_request_id`, "up to 128 characters". */
  clientRequestId: string
  signal?: AbortSignal
}

/** What the action reads of a `PublicApiFile`. */
export interface RivyaFile {
  /** What a chat turn attaches as `file_id`. */
  id: string
  kind: string | undefined
  mimeType: string | undefined
  sizeBytes: number | undefined
  url: string | undefined
}

/** Rivya's documented `client_request_id` bound on uploads (api-files: "up to 128 characters"). */
export const MAX_CLIENT_REQUEST_ID = 128

/** The multipart form of one upload; a new one per attempt, so a retry sends the same bytes afresh. */
export function uploadForm(upload: FileUpload, clientRequestId: string): FormData {
  const form = new FormData()
  form.set('kind', upload.kind)
  if (upload.model !== undefined) form.set('model', upload.model)
  form.set('client_request_id', clientRequestId)
  form.set('file', new Blob([upload.bytes], { type: upload.mimeType }), upload.filename)
  return form
}

/**
 * The file an answer describes: the `PublicApiFile` at the root or under `data` / `file`. Throws
 * `invalid_response` when it has no plausible id (the id goes back to Rivya in a chat turn).
 */
export function readFile(json: unknown): RivyaFile {
  const record = json as Record<string, unknown> | null
  const candidates = [json, record?.data, record?.file]
  for (const candidate of candidates) {
    const parsed = fileSchema.safeParse(candidate)
    if (!parsed.success) continue
    const id = parsed.data.id ?? parsed.data.file_id
    if (!isSafeTraceId(id)) continue
    return {
      id,
      kind: parsed.data.kind,
      mimeType: parsed.data.mime_type,
      sizeBytes: parsed.data.size_bytes,
      url: parsed.data.url
    }
  }
  throw new RivyaError({
    code: 'invalid_response',
    message:
      "Rivya's answer was not what its API documents (invalid_response): an uploaded file had no plausible id",
    retryable: false
  })
}
