/**
 * The images of a review (issue 14, `review-images`): the PNG, JPEG and WebP files the pull
 * request adds or modifies are read from GitHub, uploaded to Rivya's Files API and attached to the
 * part that names them. Whatever goes wrong with one image (GitHub will not serve it, Rivya
 * refuses the upload) costs that image only, listed with the reason; nothing else is lost.
 */
import { createHash, createHmac } from 'node:crypto'
import { httpStatus } from '../github/client.js'
import { readFileBytes } from '../github/images.js'
import type { PullRequestInfo } from '../github/pull-request.js'
import { messageLimit } from '../inputs.js'
import type { ChunkMessage } from '../review/chunk.js'
import type { DiffFile } from '../review/diff.js'
import type { SkippedFile } from '../review/filter.js'
import {
  DEFAULT_IMAGE_LIMIT_BYTES,
  SIGNATURE_BYTES,
  attachmentCount,
  imageCandidates,
  judgeImage,
  placeImages,
  sniffImage,
  type ImageCandidate,
  type ImageFormat,
  type ReadVersion,
  type ReviewImage
} from '../review/images.js'
import { isRivyaError } from '../rivya/errors.js'
import { MAX_CLIENT_REQUEST_ID } from '../rivya/files.js'
import type { ModelInfo } from '../rivya/models.js'
import { reviewFrame } from '../review/prompts.js'
import type { PipelineContext } from './context.js'

export interface PreparedImages {
  /** The messages to send, each holding the lines that name its images. */
  messages: ChunkMessage[]
  /** Per message index, the `file_id`s its turn attaches (in the order its lines number them). */
  attachments: string[][]
  /** Per message index, its text without the image lines: what to send if Rivya refuses them. */
  plainTexts: string[]
  /** Per message index, the images it carries. */
  images: ReviewImage[][]
  /** Changed images not reviewed, with the reason. */
  skipped: SkippedFile[]
  /** Images attached (a modified image, with its two versions, counts once). */
  count: number
  /** Paths of the images attached. */
  reviewed: string[]
}

/** An image read and judged, waiting for its upload. */
interface ReadImage {
  image: ReviewImage
  format: ImageFormat
  mime: string
  /** Base first for a modified image, then head: the order its line numbers them. */
  versions: Uint8Array[]
}

/** Codes after which no further upload can succeed: the key or the model, not the image. */
const FINAL_UPLOAD_CODES = new Set([
  'api_scope_denied',
  'api_key_missing',
  'api_key_invalid',
  'api_key_revoked',
  'api_key_expired',
  'chat_attachment_not_supported',
  'public_api_disabled'
])

/**
 * Reads, uploads and places the images of the pull request: call it after planning, send message
 * `i` with `attachments[i]`, and show `count` in the usage table. Without `review-images` the
 * messages come back as they were. `model` says whether images may be attached at all.
 */
export async function prepareImages(
  context: PipelineContext,
  pr: PullRequestInfo,
  diffFiles: readonly DiffFile[],
  messages: readonly ChunkMessage[],
  model: ModelInfo
): Promise<PreparedImages> {
  const unchanged = (skipped: SkippedFile[] = []): PreparedImages => ({
    messages: [...messages],
    attachments: messages.map(() => []),
    plainTexts: messages.map(m => m.text),
    images: messages.map(() => []),
    skipped,
    count: 0,
    reviewed: []
  })
  const { inputs } = context
  if (!inputs.reviewImages) return unchanged()
  const candidates = imageCandidates(diffFiles, { include: inputs.include, exclude: inputs.exclude })
  if (candidates.length === 0) return unchanged()
  const refusal = modelRefusal(model)
  if (refusal !== undefined) return unchanged(await skipAll(context, pr, candidates, refusal))

  const { read, skipped } = await readImages(context, pr, candidates)
  if (read.length === 0) return unchanged(skipped)
  const limit = messageLimit(inputs, model.maxPromptLength)
  // A pull request that changes images only has no part yet: one is made for them.
  const parts = messages.length > 0 ? messages : [imagesOnlyPart(pr, inputs.extraInstructions)]
  const planned = placeImages(
    parts,
    read.map(r => r.image),
    limit
  )
  const placed = new Set(planned.images.flat())
  const uploaded = new Map<ReviewImage, string[]>()
  let stop: string | undefined
  for (const item of read.filter(r => placed.has(r.image))) {
    if (stop !== undefined) {
      skipped.push({ path: item.image.path, reason: stop })
      continue
    }
    try {
      uploaded.set(item.image, await upload(context, model, item))
    } catch (error) {
      if (context.signal.aborted) throw error
      const reason = uploadReason(error)
      skipped.push({ path: item.image.path, reason })
      if (isRivyaError(error) && FINAL_UPLOAD_CODES.has(error.code)) stop = reason
    }
  }
  if (uploaded.size === 0) return unchanged([...skipped, ...planned.skipped])
  // Placed again with only what was uploaded: fewer lines never take more room.
  const final = placeImages(parts, [...uploaded.keys()], limit)
  skipped.push(...planned.skipped, ...final.skipped)
  const fileIds = final.images.map(images => images.flatMap(image => uploaded.get(image) ?? []))
  for (const [i, ids] of fileIds.entries()) {
    if (ids.length > 0) context.log.info(`Part ${i + 1} carries ${ids.length} image attachment(s).`)
  }
  const reviewed = final.images.flat().map(image => image.path)
  return {
    messages: final.messages,
    attachments: fileIds,
    plainTexts: parts.map(m => m.text),
    images: final.images,
    skipped,
    count: reviewed.length,
    reviewed
  }
}

/** The one part of a review of images only: a single part's frame, with nothing else in its diff. */
function imagesOnlyPart(pr: PullRequestInfo, extraInstructions: string): ChunkMessage {
  const frame = reviewFrame({ pullNumber: pr.number, title: pr.title, extraInstructions })(1, 1)
  return { text: `${frame.head}${frame.tail}`, completes: [], files: [], originalIndex: 0 }
}

/** Why the model cannot take images, or undefined when it can. */
function modelRefusal(model: ModelInfo): string | undefined {
  if (model.imageAttachments === true) return undefined
  if (model.imageAttachments === false) {
    return `image: Rivya's model list says '${model.id}' takes no image attachments (chat_capabilities)`
  }
  if (model.supportedInputs?.some(i => /^(file|image)s?$/i.test(i)) === true) return undefined
  return model.source === 'fallback'
    ? `image: Rivya's model list could not be read to see whether '${model.id}' takes images`
    : `image: Rivya's model list does not say that '${model.id}' takes image attachments`
}

/** Every candidate that is an image, skipped with `reason` (only its first bytes are read). */
async function skipAll(
  context: PipelineContext,
  pr: PullRequestInfo,
  candidates: readonly ImageCandidate[],
  reason: string
): Promise<SkippedFile[]> {
  const skipped: SkippedFile[] = []
  for (const candidate of candidates) {
    const head = await readVersion(context, candidate.path, pr.headSha, SIGNATURE_BYTES)
    if ('bytes' in head && sniffImage(head.bytes).kind !== 'none')
      skipped.push({ path: candidate.path, reason })
  }
  return skipped
}

/**
 * The candidates that are images to attach, read whole, within the image limit and `max-images`
 * (a modified image counts its two versions); the images that are not, with the reason. A
 * candidate whose bytes are not an image is not listed here: the plan lists it as binary.
 */
async function readImages(
  context: PipelineContext,
  pr: PullRequestInfo,
  candidates: readonly ImageCandidate[]
): Promise<{ read: ReadImage[]; skipped: SkippedFile[] }> {
  const { inputs, log } = context
  const read: ReadImage[] = []
  const skipped: SkippedFile[] = []
  let used = 0
  let mergeBase: string | undefined
  for (const candidate of candidates) {
    const image: ReviewImage = { path: candidate.path, change: candidate.change }
    const full = used + attachmentCount(image) > inputs.maxImages
    // Past the cap only the first bytes are read: enough to say whether it is an image.
    const head = await readVersion(
      context,
      candidate.path,
      pr.headSha,
      full ? SIGNATURE_BYTES : DEFAULT_IMAGE_LIMIT_BYTES
    )
    if (!('bytes' in head)) {
      skipped.push({ path: candidate.path, reason: head.failed })
      continue
    }
    const sniffed = sniffImage(head.bytes)
    if (sniffed.kind === 'none') continue
    if (full && sniffed.kind === 'image') {
      skipped.push({
        path: candidate.path,
        reason: `image: over max-images (${inputs.maxImages}; a modified image counts its base and head)`
      })
      continue
    }
    const versions: ReadVersion[] = [head]
    if (candidate.change === 'modified' && sniffed.kind === 'image' && head.complete) {
      try {
        mergeBase ??= await mergeBaseOf(context, pr)
      } catch (error) {
        skipped.push({ path: candidate.path, reason: githubReason('the base commit', error) })
        continue
      }
      const base = await readVersion(
        context,
        candidate.basePath ?? candidate.path,
        mergeBase,
        DEFAULT_IMAGE_LIMIT_BYTES
      )
      if (!('bytes' in base)) {
        skipped.push({ path: candidate.path, reason: base.failed })
        continue
      }
      versions.push(base)
    }
    const verdict = judgeImage(versions, DEFAULT_IMAGE_LIMIT_BYTES)
    if (verdict.kind === 'not-image') continue
    if (verdict.kind === 'skip') {
      skipped.push({ path: candidate.path, reason: verdict.reason })
      continue
    }
    used += attachmentCount(image)
    // Head was read first; the line numbers the base first.
    const bytes = versions.map(v => v.bytes)
    read.push({ image, format: verdict.format, mime: verdict.mime, versions: bytes.reverse() })
    log.info(`${candidate.path}: ${verdict.mime} image to attach (${image.change}).`)
  }
  return { read, skipped }
}

/** One version's bytes from GitHub, or why GitHub would not give them. */
async function readVersion(
  context: PipelineContext,
  path: string,
  ref: string,
  maxBytes: number
): Promise<ReadVersion | { failed: string }> {
  // A file whose first bytes are no image (an archive, a font) is not downloaded further.
  const isImage = (start: Uint8Array) => sniffImage(start).kind !== 'none'
  try {
    const { github, run, signal } = context
    return await readFileBytes(github, run.repo, { path, ref }, maxBytes, signal, isImage)
  } catch (error) {
    if (context.signal.aborted) throw error
    return { failed: githubReason(`its bytes at ${ref.slice(0, 12)}`, error) }
  }
}

function githubReason(what: string, error: unknown): string {
  const status = httpStatus(error)
  return `binary file: GitHub would not give ${what}${status === undefined ? '' : ` (HTTP ${status})`}, so it was not checked for an image`
}

/** The commit the pull request's diff starts from (the compare API's `merge_base_commit`). */
async function mergeBaseOf(context: PipelineContext, pr: PullRequestInfo): Promise<string> {
  const { data } = await context.github.rest.repos.compareCommitsWithBasehead({
    ...context.run.repo,
    basehead: `${pr.baseSha}...${pr.headSha}`,
    per_page: 1
  })
  return data.merge_base_commit.sha
}

/** Uploads an image's versions (base, then head), each under a key made from its content. */
async function upload(context: PipelineContext, model: ModelInfo, item: ReadImage): Promise<string[]> {
  const ids: string[] = []
  for (const bytes of item.versions) {
    const keys = uploadKeys(context.inputs.rivyaApiKey, model.id, bytes)
    const file = await context.rivya.uploadFile(
      {
        bytes,
        // Named by content, as the keys are: the same bytes make the same request wherever they
        // come from (a base here, a head in another pull request), so a replay meets no conflict.
        filename: `${keys.clientRequestId}.${item.format === 'jpeg' ? 'jpg' : item.format}`,
        mimeType: item.mime,
        kind: 'image',
        model: model.id
      },
      { ...keys, signal: context.signal }
    )
    ids.push(file.id)
  }
  return ids
}

/**
 * An upload's `Idempotency-Key` and `client_request_id`: an HMAC under the Rivya key (as a turn's
 * keys are, review/keys.ts) of the model and the bytes and nothing else, so any run uploading the
 * same image for the same model (a re-run, another pull request) sends the same request and gets
 * the stored file back instead of a second one.
 */
export function uploadKeys(
  secret: string,
  modelId: string,
  bytes: Uint8Array
): { idempotencyKey: string; clientRequestId: string } {
  const content = createHash('sha256').update(bytes).digest('hex')
  const digest = createHmac('sha256', secret)
    .update(JSON.stringify(['rivya-codex-review/file/v1', modelId, content]), 'utf8')
    .digest('hex')
  return {
    idempotencyKey: `rcf-${digest.slice(0, 48)}`,
    clientRequestId: `rcf-${digest.slice(48, 64)}`.slice(0, MAX_CLIENT_REQUEST_ID)
  }
}

/** An upload's failure as a skipped image's reason. */
function uploadReason(error: unknown): string {
  if (!isRivyaError(error)) return `image: the upload failed (${String(error)})`
  const tag = error.requestId === undefined ? error.code : `${error.code}, request ${error.requestId}`
  switch (error.code) {
    case 'api_scope_denied':
      return `image: Rivya refused the upload (${tag}): give the key the files:create scope`
    case 'validation_failed':
      return `image: Rivya rejected the upload as invalid (${tag})`
    case 'chat_attachment_not_supported':
      return `image: Rivya does not take it as an attachment (${tag})`
    default:
      return `image: the upload failed (${tag})`
  }
}
