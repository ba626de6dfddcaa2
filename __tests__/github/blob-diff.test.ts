/**
 * Blob diffs: the hunks made locally for a file GitHub sends no patch for, checked against git's
 * own diff of the same two texts, and for every input (fast-check): each changed line once, the
 * +/- counts of a minimal diff, and the new text given back by applying the hunks to the old.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { BLOB_DIFF_LIMITS, blobPatch, blobText, hunksBetween } from '../../src/github/blob-diff.js'
import { GitRepo } from '../../emulators/github/git-repo.js'
import { hunkLines, parseHunks } from '../../src/review/diff.js'

const bytes = (text: string) => new TextEncoder().encode(text)

/** The lines of a text as git counts them: split after each LF; the last may lack one. */
function lines(text: string): string[] {
  const out = text.split(/(?<=\n)/)
  return out[out.length - 1] === '' ? out.slice(0, -1) : out
}

/** The new text rebuilt from the old one and the hunks, as `patch` would apply them. */
function apply(oldText: string, patch: string): string {
  const old = lines(oldText)
  const out: string[] = []
  let at = 0
  for (const hunk of parseHunks(patch).hunks) {
    const start = hunk.oldLines === 0 ? hunk.oldStart : hunk.oldStart - 1
    while (at < start) out.push(old[at++] as string)
    const body = hunkLines(hunk)
    body.forEach((line, i) => {
      if (line.startsWith('\\')) return
      const noNewline = body[i + 1]?.startsWith('\\') === true
      const text = line.slice(1) + (noNewline ? '' : '\n')
      if (line.startsWith(' ') || line.startsWith('-')) {
        expect(old[at]).toBe(text)
        at++
      }
      if (line.startsWith(' ') || line.startsWith('+')) out.push(text)
    })
  }
  while (at < old.length) out.push(old[at++] as string)
  return out.join('')
}

/** Length of a longest common subsequence of lines: a minimal diff changes the rest. */
function lcs(a: string[], b: string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0)
  for (const x of a) {
    const row = [0]
    b.forEach((y, j) =>
      row.push(x === y ? (prev[j] as number) + 1 : Math.max(prev[j + 1] as number, row[j] as number))
    )
    prev = row
  }
  return prev[b.length] as number
}

describe('hunksBetween, against git', () => {
  let repo: GitRepo
  beforeAll(() => {
    repo = GitRepo.create()
  })
  afterAll(() => repo.destroy())

  const CASES: [string, string, string][] = [
    ['a change in the middle', 'a\nb\nc\nd\ne\nf\ng\nh\ni\n', 'a\nb\nc\nd\nE\nf\ng\nh\ni\n'],
    ['CRLF lines (the CR is content)', 'a\r\nb\r\nc\r\n', 'a\r\nB\r\nc\r\n'],
    ['a lone CR splits nothing', 'a\rb\nc\n', 'a\rB\nc\n'],
    ['no final newline, both sides', 'x\ny', 'x\nz'],
    ['a final newline added', 'x\ny', 'x\ny\n'],
    ['an added file', '', 'one\ntwo\n'],
    ['a removed file', 'one\ntwo\n', ''],
    ['unicode', 'grüß\ndich\n', 'grüß\nDich 🎉\n'],
    [
      'two hunks far apart',
      `${'same\n'.repeat(20)}a\n${'same\n'.repeat(20)}b\n`,
      `${'same\n'.repeat(20)}A\n${'same\n'.repeat(20)}B\n`
    ]
  ]

  it.each(CASES)('%s: the same hunks as git', (_name, oldText, newText) => {
    repo.write('f.txt', oldText)
    const before = repo.commit('old')
    repo.write('f.txt', newText)
    const after = repo.commit('new')
    const git = repo.git('diff', '--no-color', before, after, '--', 'f.txt')
    const ours = hunksBetween(oldText, newText, 1000) ?? ''
    expect(ours).toBe(git.slice(git.search(/^@@ /m)).replace(/\n$/, ''))
  })
})

describe('hunksBetween, for every pair of texts', () => {
  const line = fc.constantFrom('a', 'b', 'c', 'a\r', '', ' ', 'ü')
  const text = fc
    .tuple(fc.array(line, { maxLength: 30 }), fc.boolean())
    .map(([ls, finalNewline]) => ls.join('\n') + (finalNewline && ls.length > 0 ? '\n' : ''))

  it('gives back the new text from the old, with a minimal diff’s counts', () => {
    fc.assert(
      fc.property(text, text, (oldText, newText) => {
        const patch = hunksBetween(oldText, newText, 1000) as string
        expect(apply(oldText, patch)).toBe(newText)
        const { additions, deletions } = parseHunks(patch)
        const common = lcs(lines(oldText), lines(newText))
        expect([additions, deletions]).toEqual([
          lines(newText).length - common,
          lines(oldText).length - common
        ])
      }),
      { numRuns: 300 }
    )
  })
})

describe('blobPatch', () => {
  it('a NUL byte or bytes that are not UTF-8 make a binary file', () => {
    expect(blobText(Uint8Array.from([0x61, 0, 0x62]))).toBeUndefined()
    expect(blobText(Uint8Array.from([0xc3, 0x28]))).toBeUndefined()
    expect(blobText(bytes('grüß\n'))).toBe('grüß\n')
    expect(blobPatch(bytes('a\n'), Uint8Array.from([0xff, 0xfe]))).toEqual({ kind: 'binary' })
    expect(blobPatch(undefined, Uint8Array.from([1, 0, 2]))).toEqual({ kind: 'binary' })
  })

  it('an added and a removed file diff against nothing', () => {
    expect(blobPatch(undefined, bytes('x\n'))).toEqual({ kind: 'patch', patch: '@@ -0,0 +1 @@\n+x' })
    expect(blobPatch(bytes('x\ny\n'), undefined)).toEqual({ kind: 'patch', patch: '@@ -1,2 +0,0 @@\n-x\n-y' })
  })

  it('past the caps: too large, with the reason', () => {
    const limits = { ...BLOB_DIFF_LIMITS, maxBytes: 10, maxChangedLines: 3 }
    expect(blobPatch(bytes('a\n'), bytes('b'.repeat(11)), limits)).toEqual({
      kind: 'too-large',
      detail: '11 bytes, over the 10-byte cap of a blob diff'
    })
    expect(blobPatch(bytes('a\nb\n'), bytes('c\nd\n'), limits)).toEqual({
      kind: 'too-large',
      detail: 'more than 3 changed lines, the cap of a blob diff'
    })
    expect(blobPatch(bytes('a\nb\n'), bytes('a\nc\n'), limits)).toEqual({
      kind: 'patch',
      patch: '@@ -1,2 +1,2 @@\n a\n-b\n+c'
    })
  })
})
