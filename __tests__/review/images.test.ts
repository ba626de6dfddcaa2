/**
 * The pure part of the image review: the signature sniffing, which changed files are worth a
 * look (from git's own diff), the verdict on what was read, the placement of images on parts
 * (every message within the limit) and the estimate of what an attached image costs.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { GitRepo } from '../../emulators/github/git-repo.js'
import type { ChunkMessage } from '../../src/review/chunk.js'
import { parseUnifiedDiff, type DiffFile } from '../../src/review/diff.js'
import { DEFAULT_EXCLUDES } from '../../src/review/filter.js'
import {
  DEFAULT_IMAGE_LIMIT_BYTES,
  IMAGE_NAME_GLOB,
  attachmentCount,
  imageCandidates,
  imageLine,
  judgeImage,
  placeImages,
  reviewedImageCount,
  sniffImage,
  withImageOutcome,
  type ReadVersion,
  type ReviewImage
} from '../../src/review/images.js'
import { planReview } from '../../src/review/plan.js'
import { IMAGE_TOKENS_ESTIMATE, estimateNextTurn } from '../../src/review/turn-loop.js'
import { gif, jpeg, notImage, png, webp } from '../fixtures/images.js'

describe('sniffImage', () => {
  it('tells PNG, JPEG and WebP by their bytes', () => {
    expect(sniffImage(png())).toEqual({ kind: 'image', format: 'png', mime: 'image/png' })
    expect(sniffImage(jpeg())).toEqual({ kind: 'image', format: 'jpeg', mime: 'image/jpeg' })
    expect(sniffImage(webp())).toEqual({ kind: 'image', format: 'webp', mime: 'image/webp' })
  })

  it('names the image formats Rivya does not take, and calls the rest no image', () => {
    expect(sniffImage(gif())).toEqual({ kind: 'unsupported', what: 'GIF' })
    expect(sniffImage(Buffer.from([0x42, 0x4d, ...new Array<number>(20).fill(0)]))).toEqual({
      kind: 'unsupported',
      what: 'BMP'
    })
    expect(sniffImage(Buffer.from([0, 0, 1, 0, 1, 0]))).toEqual({ kind: 'unsupported', what: 'ICO' })
    expect(sniffImage(notImage())).toEqual({ kind: 'none' })
    // A RIFF that is not WebP (a WAV) is no image.
    expect(sniffImage(Buffer.from('RIFF\0\0\0\0WAVEfmt '))).toEqual({ kind: 'none' })
    expect(sniffImage(new Uint8Array(0))).toEqual({ kind: 'none' })
  })
})

describe('imageCandidates, on git’s own diff', () => {
  let repo: GitRepo
  let files: DiffFile[]

  beforeAll(() => {
    repo = GitRepo.create()
    repo
      .write('ui/button.png', png(2, 0x10))
      .write('ui/old-name.png', png(2, 0x20))
      .write('ui/same.png', png(2, 0x30))
      .write('gone.png', png())
    const base = repo.commit('base')
    repo
      .write('ui/button.png', png(2, 0x11))
      .write('shots/new.webp', webp())
      .write('photo.JPG', jpeg())
      // Named like text, an image by its bytes.
      .write('assets/logo.txt', png(2, 0x40))
      .write('anim.gif', gif())
      .write('icon.svg', '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>\n')
      .write('vendor/lib.png', png(2, 0x50))
      .write('ui/same.png', png(2, 0x30))
      .remove('gone.png')
    repo.rename('ui/old-name.png', 'ui/new-name.png').write('ui/new-name.png', png(2, 0x21))
    const head = repo.commit('head')
    files = parseUnifiedDiff(repo.diff(base, head))
  })
  afterAll(() => repo.destroy())

  it('takes the binary files added, modified or moved that the globs let through, whatever their names', () => {
    const candidates = imageCandidates(files, { include: [], exclude: ['defaults'] })
    expect(candidates).toEqual(
      expect.arrayContaining([
        { path: 'ui/button.png', change: 'modified', basePath: 'ui/button.png' },
        { path: 'shots/new.webp', change: 'added' },
        { path: 'photo.JPG', change: 'added' },
        { path: 'assets/logo.txt', change: 'added' },
        { path: 'anim.gif', change: 'added' }
      ])
    )
    const paths = candidates.map(c => c.path)
    // A text image is a text diff; a removed or unchanged file has no head to show; vendored
    // files stay excluded by their default rule.
    expect(paths).not.toContain('icon.svg')
    expect(paths).not.toContain('gone.png')
    expect(paths).not.toContain('ui/same.png')
    expect(paths).not.toContain('vendor/lib.png')
    const moved = candidates.find(c => c.path === 'ui/new-name.png')
    // git pairs a changed binary move only when it is similar enough; either way it is looked at.
    expect(moved?.change === 'added' || moved?.basePath === 'ui/old-name.png').toBe(true)
  })

  it("keeps the user's own exclusions and include list", () => {
    const paths = (exclude: string[], include: string[] = []) =>
      imageCandidates(files, { include, exclude }).map(c => c.path)
    expect(paths(['defaults', 'shots/**'])).not.toContain('shots/new.webp')
    expect(paths(['defaults', '*.png'])).not.toContain('ui/button.png')
    expect(paths(['defaults'], ['ui/**'])).toEqual(['ui/button.png', 'ui/new-name.png'])
  })

  it('sets aside exactly the default name rule for images, which is a default exclude', () => {
    expect(DEFAULT_EXCLUDES).toContain(IMAGE_NAME_GLOB)
  })
})

const whole = (bytes: Uint8Array): ReadVersion => ({ bytes, size: bytes.length, complete: true })

describe('judgeImage', () => {
  it('takes an image within the limit, and a modified one whose base is an image too', () => {
    expect(judgeImage([whole(png())], DEFAULT_IMAGE_LIMIT_BYTES)).toEqual({
      kind: 'image',
      mime: 'image/png',
      format: 'png'
    })
    expect(judgeImage([whole(webp()), whole(png())], DEFAULT_IMAGE_LIMIT_BYTES)).toMatchObject({
      kind: 'image',
      mime: 'image/webp'
    })
  })

  it('skips, with the reason, an oversize image, another format, or a base that is no accepted image', () => {
    const big: ReadVersion = { bytes: jpeg(32), size: 12 * 1024 * 1024, complete: false }
    expect(judgeImage([big], DEFAULT_IMAGE_LIMIT_BYTES)).toEqual({
      kind: 'skip',
      reason: "image of 12.0 MB, over Rivya's 10.0 MB image limit"
    })
    expect(judgeImage([{ ...big, size: undefined }], DEFAULT_IMAGE_LIMIT_BYTES)).toMatchObject({
      reason: "image of over 10.0 MB, over Rivya's 10.0 MB image limit"
    })
    expect(judgeImage([whole(gif())], DEFAULT_IMAGE_LIMIT_BYTES)).toEqual({
      kind: 'skip',
      reason: 'GIF image: Rivya takes PNG, JPEG and WebP images only'
    })
    expect(judgeImage([whole(png()), whole(gif())], DEFAULT_IMAGE_LIMIT_BYTES)).toMatchObject({
      kind: 'skip',
      reason: expect.stringContaining('base version is a GIF image')
    })
    expect(judgeImage([whole(notImage())], DEFAULT_IMAGE_LIMIT_BYTES)).toEqual({ kind: 'not-image' })
  })
})

/** Messages as the planner makes them, from files of `lines` added lines each. */
function plannedMessages(sizes: readonly number[], limit: number): ChunkMessage[] {
  const files: DiffFile[] = sizes.map((lines, i) => ({
    path: `src/f${i}.ts`,
    status: 'added',
    hunks: [
      {
        oldStart: 0,
        newStart: 1,
        oldLines: 0,
        newLines: lines,
        section: '',
        body: Array.from({ length: lines }, (_, n) => `+const v${n} = ${n} // ${'x'.repeat(40)}\n`).join('')
      }
    ],
    additions: lines,
    deletions: 0,
    binary: false,
    patchMissing: false,
    extraHeaders: []
  }))
  return planReview(files, { include: [], exclude: [], limit, pullNumber: 7, title: 't' }).messages
}

const added = (path: string): ReviewImage => ({ path, change: 'added' })
const modified = (path: string): ReviewImage => ({ path, change: 'modified' })

describe('imageLine', () => {
  it('says which attachment is which', () => {
    expect(imageLine(modified('ui/a.png'), 1)).toBe(
      '=== ui/a.png (image, modified: attachment 1 is the base version, attachment 2 the head version)'
    )
    expect(imageLine(added('b.webp'), 3)).toBe('=== b.webp (image, added: attachment 3)')
    expect(imageLine(added('odd\nname.png'), 1)).toBe('=== "odd\\nname.png" (image, added: attachment 1)')
    expect(attachmentCount(modified('x'))).toBe(2)
    expect(attachmentCount(added('x'))).toBe(1)
  })
})

describe('placeImages', () => {
  const limit = 4000

  it('puts the images on the last part, inside its diff, numbered in order', () => {
    const messages = plannedMessages([40, 40, 10], limit)
    expect(messages.length).toBeGreaterThan(1)
    const placed = placeImages(messages, [modified('a.png'), added('b.webp')], limit)
    const last = placed.messages.at(-1)!.text
    expect(placed.images.at(-1)).toEqual([modified('a.png'), added('b.webp')])
    expect(placed.images.slice(0, -1).flat()).toEqual([])
    const lines = [imageLine(modified('a.png'), 1), imageLine(added('b.webp'), 3)]
    expect(last).toContain(`${lines.join('\n')}\n</diff>\n`)
    expect(placed.messages.slice(0, -1).map(m => m.text)).toEqual(messages.slice(0, -1).map(m => m.text))
    expect(placed.skipped).toEqual([])
  })

  it('uses the latest part with room when the last is full, and skips an image no part has room for', () => {
    const messages = plannedMessages([40, 40, 40], limit)
    const texts = messages.map(m => m.text.length)
    const roomy = texts.findLastIndex(n => n + 120 <= limit)
    const full = messages.map((m, i) =>
      i === roomy
        ? m
        : { ...m, text: m.text.replace('</diff>', `${'#'.repeat(limit - m.text.length - 1)}\n</diff>`) }
    )
    const placed = placeImages(full, [added('a.png')], limit)
    expect(placed.images[roomy]).toEqual([added('a.png')])
    const none = placeImages(
      full.map((m, i) => (i === roomy ? { ...m, text: m.text.padEnd(limit, ' ') } : m)),
      [added('a.png')],
      limit
    )
    expect(none.skipped).toEqual([{ path: 'a.png', reason: 'image: no part had room for its line' }])
    expect(placeImages([], [added('a.png')], limit).skipped[0]?.reason).toBe('image: no part to attach it to')
  })

  it('keeps every message within the limit and every image on one part at most', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.record({ path: fc.string({ minLength: 1, maxLength: 80 }), modified: fc.boolean() }), {
          maxLength: 30
        }),
        (sizes, specs) => {
          const messages = plannedMessages(sizes, limit)
          const images = specs.map(
            s => ({ path: s.path, change: s.modified ? 'modified' : 'added' }) as const
          )
          const placed = placeImages(messages, images, limit)
          expect(placed.messages.every(m => m.text.length <= limit)).toBe(true)
          expect(placed.images.flat().length + placed.skipped.length).toBe(images.length)
          for (const [i, carried] of placed.images.entries()) {
            let n = 1
            for (const image of carried) {
              expect(placed.messages[i]!.text).toContain(imageLine(image, n))
              n += attachmentCount(image)
            }
          }
        }
      ),
      { numRuns: 60 }
    )
  })
})

describe('the max-credits estimate of a turn with images', () => {
  it(`counts ${IMAGE_TOKENS_ESTIMATE} input tokens an attachment`, () => {
    const plain = estimateNextTurn([], 4, 3000)
    const two = estimateNextTurn([], 4, 3000, { attachments: 2 })
    // At the price assumed before any turn settled, a credit per thousand tokens, rounded up.
    expect(two - plain).toBeGreaterThanOrEqual(Math.floor((2 * IMAGE_TOKENS_ESTIMATE) / 1000))
    expect(two - plain).toBeLessThanOrEqual(Math.ceil((2 * IMAGE_TOKENS_ESTIMATE) / 1000))
    expect(two).toBeGreaterThan(plain)
  })
})

describe('withImageOutcome', () => {
  const plan = [
    { path: 'a.png', reason: "excluded by default pattern '*.{png,jpg}'" },
    { path: 'b.gif', reason: 'binary file' },
    { path: 'c.zip', reason: 'binary file' },
    { path: 'package-lock.json', reason: "excluded by default pattern 'package-lock.json'" }
  ]
  const outcome = {
    reviewed: ['a.png', 'd.webp'],
    skipped: [
      { path: 'b.gif', reason: 'GIF image: Rivya takes PNG, JPEG and WebP images only' },
      { path: 'e.jpg', reason: 'image: over max-images (1; a modified image counts its base and head)' }
    ],
    images: [[], [added('a.png'), added('d.webp')]]
  }

  it('drops the reviewed images, gives the skipped ones their reasons, and keeps the rest in order', () => {
    expect(withImageOutcome(plan, outcome)).toEqual([
      { path: 'b.gif', reason: 'GIF image: Rivya takes PNG, JPEG and WebP images only' },
      plan[2],
      plan[3],
      outcome.skipped[1]
    ])
  })

  it('lists the images of a part whose attachments Rivya refused', () => {
    const listed = withImageOutcome(plan, outcome, [1])
    expect(listed.map(s => s.path)).toEqual([
      'a.png',
      'b.gif',
      'c.zip',
      'package-lock.json',
      'e.jpg',
      'd.webp'
    ])
    expect(listed[0]?.reason).toContain('chat_attachment_not_supported')
  })

  it('counts the images shown, less those refused', () => {
    expect(reviewedImageCount(outcome)).toBe(2)
    expect(reviewedImageCount(outcome, [1])).toBe(0)
    expect(reviewedImageCount(outcome, [0])).toBe(2)
  })
})
