/**
 * Images of a pull request, reviewed through Rivya's Files API (issue 14): which changed files are
 * images the model may see (told by the bytes' signature, never by the name), which of them fit
 * the limits, and where each goes: which part carries which attachments, and the line that part
 * gains naming them. Pure: the bytes come from the caller.
 */
import { DIFF_CLOSE } from './prompts.js'
import { FILE_MARK, type ChunkMessage } from './chunk.js'
import type { DiffFile } from './diff.js'
import { DEFAULT_EXCLUDE_WORD } from '../inputs.js'
import { DEFAULT_EXCLUDES, makePathFilter, type FilterOptions, type SkippedFile } from './filter.js'
import { displayPath } from './visible.js'

/** The image types Rivya's Files API takes for `kind: image` (RIVYA_API.md "Files API"). */
export type ImageFormat = 'png' | 'jpeg' | 'webp'

export const IMAGE_MIME_TYPES: Readonly<Record<ImageFormat, string>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp'
}

/** Rivya's default image limit: "image 10 MB" (RIVYA_API.md "Files API"; some models differ). */
export const DEFAULT_IMAGE_LIMIT_BYTES = 10 * 1024 * 1024

/** Bytes enough to tell every signature {@link sniffImage} knows. */
export const SIGNATURE_BYTES = 32

/**
 * The default exclude glob that names image files. Images are told by their bytes, so this name
 * rule does not keep them from review; every other rule (the user's own, vendored folders) does.
 */
export const IMAGE_NAME_GLOB = '*.{png,jpg,jpeg,gif,bmp,ico,icns,webp,avif,heic,tif,tiff,psd}'

export type Sniffed =
  | { kind: 'image'; format: ImageFormat; mime: string }
  /** An image format Rivya does not take: `what` names it. */
  | { kind: 'unsupported'; what: string }
  /** Not an image at all (an archive, a font, random bytes). */
  | { kind: 'none' }

function startsWith(bytes: Uint8Array, signature: readonly number[], at = 0): boolean {
  return signature.every((b, i) => bytes[at + i] === b)
}

const ascii = (text: string) => [...text].map(c => c.charCodeAt(0))

/** Formats Rivya does not take, by their signatures (file(1)'s magic numbers). */
const UNSUPPORTED: readonly { what: string; test: (b: Uint8Array) => boolean }[] = [
  { what: 'GIF', test: b => startsWith(b, ascii('GIF87a')) || startsWith(b, ascii('GIF89a')) },
  { what: 'BMP', test: b => startsWith(b, ascii('BM')) && b.length >= 14 },
  { what: 'ICO', test: b => startsWith(b, [0, 0, 1, 0]) },
  { what: 'CUR', test: b => startsWith(b, [0, 0, 2, 0]) },
  { what: 'TIFF', test: b => startsWith(b, [0x49, 0x49, 0x2a, 0]) || startsWith(b, [0x4d, 0x4d, 0, 0x2a]) },
  { what: 'PSD', test: b => startsWith(b, ascii('8BPS')) },
  { what: 'ICNS', test: b => startsWith(b, ascii('icns')) },
  { what: 'AVIF', test: b => startsWith(b, ascii('ftypavif'), 4) || startsWith(b, ascii('ftypavis'), 4) },
  { what: 'HEIC', test: b => /^ftyp(heic|heix|mif1|msf1)$/.test(String.fromCharCode(...b.subarray(4, 12))) }
]

/** What the first bytes of a file say it is: PNG, JPEG and WebP are taken (Rivya checks the same). */
export function sniffImage(bytes: Uint8Array): Sniffed {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return image('png')
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return image('jpeg')
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return image('webp')
  const other = UNSUPPORTED.find(u => u.test(bytes))
  return other === undefined ? { kind: 'none' } : { kind: 'unsupported', what: other.what }
}

function image(format: ImageFormat): Sniffed {
  return { kind: 'image', format, mime: IMAGE_MIME_TYPES[format] }
}

/** A changed binary file that may be an image: the versions to look at. */
export interface ImageCandidate {
  path: string
  change: 'added' | 'modified'
  /** Where the base version is (the old path of a move); only for `modified`. */
  basePath?: string
}

/**
 * The changed files whose bytes are worth a look: binary (or patchless) files added, modified,
 * moved or copied, that the globs let through once the default name rule for images is set aside.
 * SVG and other text images have a text diff, so they are reviewed as text and are not here.
 */
export function imageCandidates(files: readonly DiffFile[], filter: FilterOptions): ImageCandidate[] {
  // The defaults spelled out without the image rule (they then match case-sensitively, as the
  // user's own patterns do).
  const exclude = filter.exclude.flatMap(p =>
    p.trim() === DEFAULT_EXCLUDE_WORD ? DEFAULT_EXCLUDES.filter(g => g !== IMAGE_NAME_GLOB) : [p]
  )
  const reasonFor = makePathFilter(filter.include, exclude)
  const passes = (path: string) => reasonFor(path) === undefined
  const out: ImageCandidate[] = []
  for (const file of files) {
    if (!file.binary && !file.patchMissing) continue
    if (file.status === 'added') {
      if (passes(file.path)) out.push({ path: file.path, change: 'added' })
    } else if (file.status === 'modified' || file.status === 'renamed' || file.status === 'copied') {
      if (passes(file.path)) {
        out.push({ path: file.path, change: 'modified', basePath: file.previousPath ?? file.path })
      }
    }
  }
  return out
}

/** One version of a candidate as read: its first bytes, and its whole size when known. */
export interface ReadVersion {
  /** At least {@link SIGNATURE_BYTES} bytes, or all of them; all of them when `complete`. */
  bytes: Uint8Array
  /** The file's size in bytes, when known (a header, or everything was read). */
  size: number | undefined
  /** Every byte was read (the file is within the limit it was read with). */
  complete: boolean
}

/** A candidate's verdict once its versions were read. */
export type ImageVerdict =
  | { kind: 'image'; mime: string; format: ImageFormat }
  | { kind: 'skip'; reason: string }
  | { kind: 'not-image' }

const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`

/** Whether a candidate's versions (head first, then base when modified) make an image to attach. */
export function judgeImage(versions: readonly ReadVersion[], limitBytes: number): ImageVerdict {
  const sniffed = versions.map(v => sniffImage(v.bytes))
  const head = sniffed[0]
  if (head === undefined || head.kind === 'none') return { kind: 'not-image' }
  if (head.kind === 'unsupported') {
    return { kind: 'skip', reason: `${head.what} image: Rivya takes PNG, JPEG and WebP images only` }
  }
  const base = sniffed[1]
  if (base !== undefined && base.kind !== 'image') {
    const what = base.kind === 'unsupported' ? `a ${base.what} image` : 'not an image'
    return {
      kind: 'skip',
      reason: `image whose base version is ${what}: Rivya takes PNG, JPEG and WebP images only`
    }
  }
  const over = versions.find(v => !v.complete)
  if (over !== undefined) {
    const size = over.size === undefined ? `over ${mb(limitBytes)}` : mb(over.size)
    return { kind: 'skip', reason: `image of ${size}, over Rivya's ${mb(limitBytes)} image limit` }
  }
  return { kind: 'image', mime: head.mime, format: head.format }
}

/** An image to attach: one file for an added image, base and head for a modified one. */
export interface ReviewImage {
  path: string
  change: 'added' | 'modified'
}

/** How many attachments an image takes (a modified image shows before and after). */
export function attachmentCount(image: ReviewImage): number {
  return image.change === 'modified' ? 2 : 1
}

/** As long as an image line shows a path (the diff's own file lines show longer ones). */
const PATH_SHOWN_MAX = 300

/**
 * The line a part gains for an image whose attachments start at number `first` (1-based, in the
 * order the part's attachments are sent).
 */
export function imageLine(image: ReviewImage, first: number): string {
  const path = displayPath(image.path, PATH_SHOWN_MAX)
  const which =
    image.change === 'modified'
      ? `modified: attachment ${first} is the base version, attachment ${first + 1} the head version`
      : `added: attachment ${first}`
  return `${FILE_MARK}${path} (image, ${which})`
}

export interface ImagePlacement {
  /** The messages, each holding the lines of the images it carries. */
  messages: ChunkMessage[]
  /** Per message, the images it carries, in attachment order. */
  images: ReviewImage[][]
  /** Images no part had room for. */
  skipped: SkippedFile[]
}

/** Where in a message the image lines go: before the diff's closing line, else at its end. */
function insertAt(text: string): number {
  const close = text.lastIndexOf(`\n${DIFF_CLOSE}`)
  return close === -1 ? text.length : close + 1
}

/**
 * Puts each image on a part, keeping every message within `limit` characters: the last part when
 * its line fits (an attachment sent early is billed again as history on every later turn), else
 * the latest part with room; an image no part has room for is skipped.
 */
export function placeImages(
  messages: readonly ChunkMessage[],
  images: readonly ReviewImage[],
  limit: number
): ImagePlacement {
  const texts = messages.map(m => m.text)
  const carried: ReviewImage[][] = messages.map(() => [])
  const skipped: SkippedFile[] = []
  for (const image of images) {
    let placed = false
    for (let i = texts.length - 1; i >= 0 && !placed; i--) {
      const text = texts[i] as string
      const first = (carried[i] as ReviewImage[]).reduce((n, im) => n + attachmentCount(im), 0) + 1
      const line = `${imageLine(image, first)}\n`
      if (text.length + line.length > limit) continue
      const at = insertAt(text)
      // A text that does not end its diff with a line break gets one before the image line.
      const gap = at > 0 && text[at - 1] !== '\n' ? '\n' : ''
      if (text.length + gap.length + line.length > limit) continue
      texts[i] = `${text.slice(0, at)}${gap}${line}${text.slice(at)}`
      ;(carried[i] as ReviewImage[]).push(image)
      placed = true
    }
    if (!placed) {
      skipped.push({
        path: image.path,
        reason: texts.length === 0 ? 'image: no part to attach it to' : 'image: no part had room for its line'
      })
    }
  }
  return {
    messages: messages.map((m, i) => ({ ...m, text: texts[i] as string })),
    images: carried,
    skipped
  }
}

/**
 * The review's skipped list with the images' outcome: a reviewed image leaves it (the plan lists
 * images as binary or excluded by name), an image skipped for its own reason gets that reason,
 * and the images of parts whose attachments Rivya refused (`refused`: message indices, as the
 * turn loop reports them) are listed as such.
 */
export function withImageOutcome(
  planSkipped: readonly SkippedFile[],
  images: {
    reviewed: readonly string[]
    skipped: readonly SkippedFile[]
    images: readonly (readonly ReviewImage[])[]
  },
  refused: readonly number[] = []
): SkippedFile[] {
  const refusedPaths = refused.flatMap(i => (images.images[i] ?? []).map(image => image.path))
  const own = new Map<string, string>(images.skipped.map(s => [s.path, s.reason]))
  for (const path of refusedPaths) {
    own.set(
      path,
      'image: Rivya refused it as an attachment (chat_attachment_not_supported); the part was sent without it'
    )
  }
  const reviewed = new Set(images.reviewed.filter(path => !refusedPaths.includes(path)))
  const out: SkippedFile[] = []
  for (const entry of planSkipped) {
    if (reviewed.has(entry.path)) continue
    const reason = own.get(entry.path)
    out.push(reason === undefined ? entry : { path: entry.path, reason })
    own.delete(entry.path)
  }
  for (const [path, reason] of own) out.push({ path, reason })
  return out
}

/** Images the review showed the model: those attached, less those of parts whose attachments were refused. */
export function reviewedImageCount(
  images: { images: readonly (readonly ReviewImage[])[] },
  refused: readonly number[] = []
): number {
  return images.images.reduce((n, carried, i) => n + (refused.includes(i) ? 0 : carried.length), 0)
}
