/**
 * A file's bytes from GitHub for the image review, read only as far as the image limit: the
 * contents API by path and ref, or the git data API by blob id, both with the raw media type
 * (GitHub's "Get repository content" and "Get a blob": `application/vnd.github.raw` returns the
 * bytes themselves, for files up to 100 MB). A file over the limit is read no further than its
 * first bytes, which are enough to say what it is.
 */
import type { GitHubClient, Repo } from './client.js'
import { SIGNATURE_BYTES, type ReadVersion } from '../review/images.js'

/** Where a file's bytes are: a path at a commit, or a blob id. */
export type FileSource = { path: string; ref: string } | { sha: string }

/**
 * The bytes of a file, all of them when it holds at most `maxBytes`; else its first bytes (at
 * least {@link SIGNATURE_BYTES}) and `complete: false`. When `wanted` says of the first bytes
 * that the rest is not worth reading (no image), they alone come back, `complete: false`.
 * Octokit's errors (a 404, a 403) are thrown.
 */
export async function readFileBytes(
  gh: GitHubClient,
  repo: Repo,
  source: FileSource,
  maxBytes: number,
  signal?: AbortSignal,
  wanted: (start: Uint8Array) => boolean = () => true
): Promise<ReadVersion> {
  const request = { parseSuccessResponseBody: false, ...(signal === undefined ? {} : { signal }) }
  const response =
    'sha' in source
      ? await gh.request('GET /repos/{owner}/{repo}/git/blobs/{file_sha}', {
          ...repo,
          file_sha: source.sha,
          headers: { accept: 'application/vnd.github.raw+json' },
          request
        })
      : await gh.request('GET /repos/{owner}/{repo}/contents/{path}', {
          ...repo,
          path: source.path,
          ref: source.ref,
          headers: { accept: 'application/vnd.github.raw' },
          request
        })
  const body = response.data as unknown as ReadableStream<Uint8Array> | null
  const headers = response.headers as Record<string, string | undefined>
  const type = headers['content-type'] ?? ''
  const length = Number(headers['content-length'])
  const size = Number.isSafeInteger(length) && length >= 0 ? length : undefined
  if (body === null) return { bytes: new Uint8Array(0), size: 0, complete: true }
  // A server that ignores the raw media type answers the JSON object with base64 content.
  if (/application\/json/i.test(type)) {
    // Base64 takes 4 characters for 3 bytes; the rest of the object is small.
    const cap = Math.ceil((maxBytes * 4) / 3) + JSON_OVERHEAD
    const read = await readUpTo(body, cap + 1, () => true)
    return read.bytes.length <= cap ? fromJson(read, maxBytes) : startOfJson(read.bytes)
  }
  const most = size !== undefined && size > maxBytes ? SIGNATURE_BYTES : maxBytes + 1
  const { bytes, stopped } = await readUpTo(body, most, wanted)
  const complete = !stopped && bytes.length <= maxBytes && (size === undefined || size <= maxBytes)
  return {
    bytes: complete ? bytes : bytes.subarray(0, Math.min(bytes.length, maxBytes)),
    size: size ?? (complete ? bytes.length : undefined),
    complete
  }
}

/** What a JSON contents or blob answer holds besides the base64 content (names, URLs, sha). */
const JSON_OVERHEAD = 64 * 1024

/**
 * Up to `most` bytes of a stream; the rest is not downloaded (the stream is cancelled). Once
 * {@link SIGNATURE_BYTES} are in, `wanted` may stop the read there (`stopped`).
 */
async function readUpTo(
  stream: ReadableStream<Uint8Array>,
  most: number,
  wanted: (start: Uint8Array) => boolean
): Promise<{ bytes: Uint8Array; stopped: boolean }> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  let asked = false
  let stopped = false
  try {
    while (total < most) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      total += value.byteLength
      if (!asked && total >= SIGNATURE_BYTES) {
        asked = true
        if (!wanted(Buffer.concat(chunks))) {
          stopped = true
          break
        }
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined)
  }
  const all = Buffer.concat(chunks)
  return { bytes: all.subarray(0, Math.min(all.length, most)), stopped }
}

/** The bytes of a JSON blob or contents answer (`content` in base64). */
function fromJson({ bytes: raw }: { bytes: Uint8Array }, maxBytes: number): ReadVersion {
  const json = JSON.parse(Buffer.from(raw).toString('utf8')) as {
    content?: unknown
    encoding?: unknown
  }
  if (json.encoding !== 'base64' || typeof json.content !== 'string') {
    throw new Error(`GitHub sent the file as '${String(json.encoding)}', neither its bytes nor base64`)
  }
  const bytes = Buffer.from(json.content, 'base64')
  const complete = bytes.length <= maxBytes
  return { bytes: complete ? bytes : bytes.subarray(0, maxBytes), size: bytes.length, complete }
}

/**
 * The first bytes of a file whose JSON answer is over the limit, read from the start of its
 * base64 `content` (enough to say what it is), and its `size` when the answer gives it before.
 */
function startOfJson(raw: Uint8Array): ReadVersion {
  const text = Buffer.from(raw).toString('utf8')
  const content = /"content"\s*:\s*"((?:[A-Za-z0-9+/=]|\\n)*)/.exec(text)?.[1]
  if (content === undefined) throw new Error('GitHub’s JSON answer for the file is over the image limit')
  const base64 = content.replace(/\\n/g, '')
  const start = Buffer.from(base64.slice(0, Math.floor(base64.length / 4) * 4).slice(0, 4 * 16), 'base64')
  const size = Number(/"size"\s*:\s*(\d{1,15})/.exec(text)?.[1])
  return { bytes: start, size: Number.isSafeInteger(size) ? size : undefined, complete: false }
}
