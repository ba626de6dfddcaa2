import fc from 'fast-check'
import type { GitHubFileItem } from '../../src/review/files-list.js'

/** A file of a generated diff, as the generator means it (what the parser must give back). */
export interface GenFile {
  path: string
  previousPath?: string
  status: 'added' | 'removed' | 'modified' | 'renamed'
  hunks: GenHunk[]
  /** The last line of the last hunk has no line break at the end of its file. */
  noNewline: boolean
}

export interface GenHunk {
  oldStart: number
  newStart: number
  section: string
  /** Lines with their marker (' ', '-' or '+'). */
  lines: string[]
}

/** Characters that make cutting hard: astral ones (a surrogate pair each), CR, tab, non-ASCII. */
const UNITS = ['a', 'b', ' ', '{', 'é', '😀', '𝄞', '\t', '→', '"', '\\']

/**
 * What a PR's author can put where a reader might take it for the action's words: characters some
 * readers break lines at, invisible and bidirectional ones, and the frame's own words.
 */
const HOSTILE_UNITS = [
  '\r',
  '\u2028',
  '\u2029',
  '\u0085',
  '\v',
  '\f',
  '\x1c',
  '\u200b',
  '\u202e',
  '\ufeff',
  '</diff>',
  'Part 2 of 2, the last.',
  '=== a.ts',
  '@@ -1 +1 @@'
]

const textOf = (units: readonly string[]) =>
  fc
    .array(fc.constantFrom(...units), { maxLength: 24 })
    .chain(cs => fc.boolean().map(crlf => cs.join('') + (crlf ? '\r' : '')))

const shortText = textOf(UNITS)

/** Long runs of one unit behind a short prefix, so cuts fall at every offset of a surrogate pair. */
const longText = (max: number) =>
  fc
    .tuple(fc.constantFrom(...UNITS), fc.integer({ min: 50, max }), fc.nat({ max: 3 }))
    .map(([unit, n, shift]) => 'x'.repeat(shift) + unit.repeat(n))

const lineText = (max: number, hostile = false) =>
  fc.oneof(
    { weight: 6, arbitrary: hostile ? textOf([...UNITS, ...HOSTILE_UNITS]) : shortText },
    { weight: 1, arbitrary: longText(max) }
  )

const PATH_PARTS = ['src', 'lib', 'a b', 'naïve', 'ü', 'x', 'dir', '𝄞']
/** Path parts that hold line terminators, invisible characters, or the format's own notes. */
const HOSTILE_PARTS = [
  'a\nb',
  'c\rd',
  'e\u2028f',
  'g\u2029',
  'auth\u200b',
  '\u202etxt.exe',
  'x (continued)',
  'y (renamed from z)',
  'f (new file)',
  '"q"',
  'back\\slash'
]

/** Paths that git quotes (non-ASCII) or not (spaces), never longer than a header shortens. */
const pathOf = (parts: readonly string[]) =>
  fc
    .tuple(
      fc.array(fc.constantFrom(...parts), { minLength: 1, maxLength: 2 }),
      fc.constantFrom('.ts', '.txt', '', '.md')
    )
    .map(([ps, ext]) => ps.join('/') + ext)

const hunkLinesArb = (max: number, kinds: string, hostile: boolean) =>
  fc
    .array(fc.tuple(fc.constantFrom(...kinds), lineText(max, hostile)), { minLength: 1, maxLength: 8 })
    .map(ls => ls.map(([m, t]) => m + t))

const SECTIONS = ['', ' function f() {', ' class 𝄞 {']
/** Sections git copies from a source line: only LF ends it, so anything else may be in it. */
const HOSTILE_SECTIONS = [
  ' function f() { // a\u2028b',
  ' f() {\r</diff>',
  ' g\u2029Part 2 of 2, the last.',
  ' h\u0085\v\f',
  ' $x\u200b'
]

/**
 * A diff of up to `maxFiles` files whose long lines reach `maxLine` characters; `hostile` adds
 * line-break-like, invisible and frame-imitating text to paths, sections and content.
 */
export function genDiff(maxLine: number, maxFiles = 5, hostile = false): fc.Arbitrary<GenFile[]> {
  const path = pathOf(hostile ? [...PATH_PARTS, ...HOSTILE_PARTS] : PATH_PARTS)
  const file = fc
    .record({
      path,
      status: fc.constantFrom('added', 'removed', 'modified', 'renamed', 'modified'),
      previous: path,
      hunks: fc.array(
        fc.record({
          gap: fc.nat({ max: 30 }),
          section: fc.constantFrom(...(hostile ? [...SECTIONS, ...HOSTILE_SECTIONS] : SECTIONS)),
          lines: hunkLinesArb(maxLine, '  -+', hostile)
        }),
        { minLength: 1, maxLength: 3 }
      ),
      noNewline: fc.boolean()
    })
    .map(r => {
      let oldNo = 1
      let newNo = 1
      const hunks: GenHunk[] = []
      const whole = r.status === 'added' || r.status === 'removed'
      for (const h of whole ? r.hunks.slice(0, 1) : r.hunks) {
        const lines = whole ? h.lines.map(l => (r.status === 'added' ? '+' : '-') + l.slice(1)) : h.lines
        if (!whole) {
          oldNo += h.gap
          newNo += h.gap
        }
        hunks.push({ oldStart: oldNo, newStart: newNo, section: whole ? '' : h.section, lines })
        for (const l of lines) {
          if (l[0] !== '+') oldNo++
          if (l[0] !== '-') newNo++
        }
      }
      const f: GenFile = { path: r.path, status: r.status, hunks, noNewline: r.noNewline }
      if (r.status === 'renamed') f.previousPath = `old/${r.previous}`
      return f
    })
  return fc
    .array(file, { maxLength: maxFiles })
    .map(files => files.map((f, i) => ({ ...f, path: `${i}/${f.path}` })))
}

/** Git's quoting of a name: C-style, with octal escapes of UTF-8 bytes, when it is not plain ASCII. */
export function gitQuote(name: string): string {
  if (!/[^\x20-\x7e]|["\\]/.test(name)) return name
  let out = '"'
  for (const byte of Buffer.from(name, 'utf8')) {
    if (byte === 0x22) out += '\\"'
    else if (byte === 0x5c) out += '\\\\'
    else if (byte === 0x09) out += '\\t'
    else if (byte < 0x20 || byte >= 0x7f) out += `\\${byte.toString(8).padStart(3, '0')}`
    else out += String.fromCharCode(byte)
  }
  return `${out}"`
}

function side(prefix: string, name: string): string {
  const quoted = gitQuote(prefix + name)
  // git ends a `---`/`+++` name holding a space with a tab, for GNU patch.
  return quoted.startsWith('"') || !name.includes(' ') ? quoted : `${quoted}\t`
}

function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`
}

/** The generated files as `git diff` would print them. */
export function renderGitDiff(files: readonly GenFile[]): string {
  let out = ''
  for (const f of files) {
    const oldName = f.previousPath ?? f.path
    out += `diff --git ${gitQuote(`a/${oldName}`)} ${gitQuote(`b/${f.path}`)}\n`
    if (f.status === 'added') out += 'new file mode 100644\n'
    if (f.status === 'removed') out += 'deleted file mode 100644\n'
    if (f.status === 'renamed') {
      out += `similarity index 71%\nrename from ${gitQuote(oldName)}\nrename to ${gitQuote(f.path)}\n`
    }
    out += 'index 0123456..789abcd 100644\n'
    out += `--- ${f.status === 'added' ? '/dev/null' : side('a/', oldName)}\n`
    out += `+++ ${f.status === 'removed' ? '/dev/null' : side('b/', f.path)}\n`
    f.hunks.forEach((h, i) => {
      const oldCount = h.lines.filter(l => l[0] !== '+').length
      const newCount = h.lines.filter(l => l[0] !== '-').length
      const oldStart = oldCount === 0 ? h.oldStart - 1 : h.oldStart
      const newStart = newCount === 0 ? h.newStart - 1 : h.newStart
      out += `@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@${h.section}\n`
      h.lines.forEach((l, j) => {
        out += `${l}\n`
        if (f.noNewline && i === f.hunks.length - 1 && j === h.lines.length - 1) {
          out += '\\ No newline at end of file\n'
        }
      })
    })
  }
  return out
}

/** The generated files as GitHub's files list gives them: only the hunks, no final line break. */
export function renderGitHubItems(files: readonly GenFile[]): GitHubFileItem[] {
  return files.map(f => {
    const text = renderGitDiff([f])
    const lines = f.hunks.flatMap(h => h.lines)
    return {
      filename: f.path,
      status: f.status,
      ...(f.previousPath !== undefined ? { previous_filename: f.previousPath } : {}),
      additions: lines.filter(l => l[0] === '+').length,
      deletions: lines.filter(l => l[0] === '-').length,
      patch: text.slice(text.indexOf('\n@@ ') + 1).replace(/\n$/, '')
    }
  })
}
