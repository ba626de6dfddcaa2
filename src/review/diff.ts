/**
 * The pull request's diff as files and hunks, read from either of GitHub's two forms: the whole
 * unified diff (the `application/vnd.github.diff` media type, which is `git diff` output) or the
 * files list (`GET /repos/{owner}/{repo}/pulls/{n}/files`, whose `patch` holds only the hunks).
 * Both lead to the same model, so a review reads the same whichever form GitHub could give.
 *
 * The parsers never throw: a line they cannot place is kept (`extraHeaders`) or ends the hunk.
 */

import {
  AT,
  BACKSLASH,
  COMMA,
  CR,
  DIGIT_0,
  DIGIT_9,
  LF,
  LOWER_D,
  LOWER_I,
  MINUS,
  PLUS,
  QUOTE,
  SPACE,
  TAB
} from './char-codes.js'
import { countProblem } from './cross-check.js'

/** GitHub's file statuses (REST "List pull requests files", `status` enum); git's are mapped onto them. */
export type FileStatus = 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged'

const STATUSES: readonly string[] = [
  'added',
  'removed',
  'modified',
  'renamed',
  'copied',
  'changed',
  'unchanged'
]

export interface DiffHunk {
  /**
   * Start lines in unified-diff convention for the lines the body holds: the first line's number,
   * or, when the side has no line, the number of the line before.
   */
  oldStart: number
  newStart: number
  /** Lines of each side present in the body (counted, not taken from the header). */
  oldLines: number
  newLines: number
  /** What follows the closing `@@` (git's function context), leading space kept, line break removed. */
  section: string
  /** The hunk's lines, each ending in `\n` except perhaps the last; a `\r` before it is content. */
  body: string
}

export interface DiffFile {
  /** The path after the change; for a removed file, the path it had. */
  path: string
  /** The path before a rename or copy. */
  previousPath?: string
  status: FileStatus
  hunks: DiffHunk[]
  additions: number
  deletions: number
  /** Git reported the file as binary (`Binary files … differ` or `GIT binary patch`). */
  binary: boolean
  /** GitHub sent no patch for a file that has textual changes, or may have: too large or binary. */
  patchMissing: boolean
  /** Git's modes (100644, 100755, 120000 symlink, 160000 submodule); on the creation half of a type change, the mode the path had. */
  oldMode?: string
  newMode?: string
  /** Percent from `similarity index` of a rename or copy. */
  similarity?: number
  /** Header lines this parser does not model, as they came (the `index` line is dropped). */
  extraHeaders: string[]
  /**
   * Why not every change of the file could be read (a hunk header git would not write, counts
   * that differ from GitHub's): the file is then listed as skipped with this reason, never
   * counted as reviewed.
   */
  problem?: string
}

/** One entry of GitHub's pull-request files list; only the fields the review needs. */
export interface GitHubFileItem {
  filename: string
  status: string
  previous_filename?: string | null
  additions?: number
  deletions?: number
  /** Only the hunks; absent for binary files and files GitHub finds too large. */
  patch?: string | null
  /** The blob's id: tells an empty file (which has no patch either) from a binary or huge one. */
  sha?: string | null
}

interface HunkScan {
  hunk: DiffHunk
  /** Index just past the hunk's last line. */
  end: number
  additions: number
  deletions: number
}

function lineEndAt(text: string, pos: number): number {
  const i = text.indexOf('\n', pos)
  return i === -1 ? text.length : i
}

/** End of the header line `text[pos, end)` without the `\r` a CRLF-converted diff would leave on it. */
function headerEnd(text: string, pos: number, end: number): number {
  return end > pos && text.charCodeAt(end - 1) === CR ? end - 1 : end
}

/** A header line without the `\r` a CRLF-converted diff would leave on it. */
function headerLine(text: string, pos: number, end: number): string {
  return text.slice(pos, headerEnd(text, pos, end))
}

/** Index past the ASCII digits from `pos`. */
function digitsEnd(text: string, pos: number): number {
  let c = text.charCodeAt(pos)
  while (c >= DIGIT_0 && c <= DIGIT_9) c = text.charCodeAt(++pos)
  return pos
}

/** The number the ASCII digits `text[from, to)` write, as `Number()` reads them. */
function digitsValue(text: string, from: number, to: number): number {
  // Up to 15 digits the sum is exact; beyond, leave the rounding to Number().
  if (to - from > 15) return Number(text.slice(from, to))
  let n = 0
  for (let i = from; i < to; i++) n = n * 10 + (text.charCodeAt(i) - DIGIT_0)
  return n
}

/**
 * Reads the hunk whose `@@` header is `text[headerPos, headerEndPos)` and whose body starts at
 * `pos`. The header's counts decide where a well-formed hunk ends (a removed line may well read
 * `--- x`); past them, further diff lines still belong to the hunk (a header that undercounts),
 * unless a new file begins there.
 *
 * The header must read `@@ -A[,B] +C[,D] @@` and then any text up to the LF (what
 * `/^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$/s` accepts), checked by hand: this runs once
 * per hunk, and a match array and its captures per hunk are most of a small file's garbage.
 */
function scanHunk(text: string, headerPos: number, headerEndPos: number, pos: number): HunkScan | undefined {
  if (!text.startsWith('@@ -', headerPos)) return undefined
  let i = headerPos + 4
  const oldAt = i
  i = digitsEnd(text, i)
  if (i === oldAt) return undefined
  const oldNumber = digitsValue(text, oldAt, i)
  let oldCount = 1
  if (text.charCodeAt(i) === COMMA) {
    const from = i + 1
    i = digitsEnd(text, from)
    if (i === from) return undefined
    oldCount = digitsValue(text, from, i)
  }
  if (!text.startsWith(' +', i)) return undefined
  i += 2
  const newAt = i
  i = digitsEnd(text, i)
  if (i === newAt) return undefined
  const newNumber = digitsValue(text, newAt, i)
  let newCount = 1
  if (text.charCodeAt(i) === COMMA) {
    const from = i + 1
    i = digitsEnd(text, from)
    if (i === from) return undefined
    newCount = digitsValue(text, from, i)
  }
  if (!text.startsWith(' @@', i)) return undefined
  i += 3
  // The section is any text up to the LF: git copies a source line there (its "function
  // context"), and only LF ends a line in a unified diff, so a CR, U+2028 or U+2029 is part of it.
  const section = i < headerEndPos ? text.slice(i, headerEndPos) : ''
  const oldFirst = oldCount === 0 ? oldNumber + 1 : oldNumber
  const newFirst = newCount === 0 ? newNumber + 1 : newNumber
  let oldLeft = oldCount
  let newLeft = newCount
  let oldSeen = 0
  let newSeen = 0
  let additions = 0
  let deletions = 0
  const start = pos
  const length = text.length
  while (pos < length) {
    const c = text.charCodeAt(pos)
    const end = lineEndAt(text, pos)
    if (oldLeft > 0 || newLeft > 0) {
      if (c === SPACE || c === LF) {
        // An empty line within the counts is a context line whose space was stripped (mail, editors).
        oldLeft--
        newLeft--
        oldSeen++
        newSeen++
      } else if (c === MINUS) {
        oldLeft--
        oldSeen++
        deletions++
      } else if (c === PLUS) {
        newLeft--
        newSeen++
        additions++
      } else if (c !== BACKSLASH) break
    } else if (c === SPACE) {
      oldSeen++
      newSeen++
    } else if (c === MINUS && !startsNewFile(text, pos, end)) {
      oldSeen++
      deletions++
    } else if (c === PLUS) {
      newSeen++
      additions++
    } else if (c !== BACKSLASH) break
    pos = end < length ? end + 1 : length
  }
  return {
    hunk: {
      oldStart: oldSeen > 0 ? oldFirst : Math.max(0, oldFirst - 1),
      newStart: newSeen > 0 ? newFirst : Math.max(0, newFirst - 1),
      oldLines: oldSeen,
      newLines: newSeen,
      section,
      body: text.slice(start, pos)
    },
    end: pos,
    additions,
    deletions
  }
}

/** A `--- ` line followed by a `+++ ` line: the headers of a plain (non-git) unified diff's next file. */
function startsNewFile(text: string, pos: number, end: number): boolean {
  return text.startsWith('--- ', pos) && end < text.length && text.startsWith('+++ ', end + 1)
}

const ESCAPES: Readonly<Record<string, number>> = {
  a: 7,
  b: 8,
  t: 9,
  n: 10,
  v: 11,
  f: 12,
  r: 13,
  '"': 34,
  '\\': 92
}

/**
 * Reads a C-style quoted name starting at `text[start] === '"'`, as git writes names with special
 * or (with the default `core.quotePath`) non-ASCII bytes: octal escapes are bytes of UTF-8.
 * Returns the decoded name and the index after the closing quote (or the end, if unterminated).
 */
export function unquoteCString(text: string, start = 0): { value: string; end: number } {
  const bytes: number[] = []
  let i = start + 1
  while (i < text.length) {
    const ch = text[i] as string
    if (ch === '"') return { value: decodeUtf8(bytes), end: i + 1 }
    if (ch === '\\' && i + 1 < text.length) {
      const next = text[i + 1] as string
      const octal = /^[0-7]{3}/.exec(text.slice(i + 1, i + 4))
      if (octal !== null) {
        bytes.push(parseInt(octal[0], 8) & 0xff)
        i += 4
        continue
      }
      const escaped = ESCAPES[next]
      if (escaped !== undefined) {
        bytes.push(escaped)
        i += 2
        continue
      }
      bytes.push(92)
      i += 1
      continue
    }
    const cp = text.codePointAt(i) as number
    const n = cp > 0xffff ? 2 : 1
    for (const b of Buffer.from(text.slice(i, i + n), 'utf8')) bytes.push(b)
    i += n
  }
  return { value: decodeUtf8(bytes), end: text.length }
}

const utf8 = new TextDecoder('utf-8')

function decodeUtf8(bytes: number[]): string {
  return utf8.decode(Uint8Array.from(bytes))
}

/** A name from a header line: quoted or not; unquoted names end at a tab (GNU diff's timestamp). */
function headerName(raw: string): string {
  if (raw.startsWith('"')) return unquoteCString(raw).value
  const tab = raw.indexOf('\t')
  return tab === -1 ? raw : raw.slice(0, tab)
}

function stripPrefix(name: string, prefix: string): string {
  return name.startsWith(prefix) ? name.slice(prefix.length) : name
}

/**
 * The `---`/`+++` name of the header line `text[from, end)` (its marker left out): undefined for
 * `/dev/null`. An unquoted name is cut from the text directly, without slicing the line first.
 */
function sideName(text: string, from: number, end: number, prefix: string): string | undefined {
  const to = headerEnd(text, from, end)
  if (from < to && text.charCodeAt(from) === QUOTE) {
    const name = unquoteCString(text.slice(from, to)).value
    return name === '/dev/null' ? undefined : stripPrefix(name, prefix)
  }
  let stop = from
  while (stop < to && text.charCodeAt(stop) !== TAB) stop++
  if (stop - from === 9 && text.startsWith('/dev/null', from)) return undefined
  const strip = stop - from >= prefix.length && text.startsWith(prefix, from) ? prefix.length : 0
  return text.slice(from + strip, stop)
}

/**
 * The two names of `diff --git A B`. Unquoted names may hold spaces, so, like `git apply`, prefer
 * the split where both names agree; the rename and `---`/`+++` lines, when present, win anyway.
 */
function gitNames(rest: string): [string | undefined, string | undefined] {
  if (rest.startsWith('"')) {
    const a = unquoteCString(rest)
    const tail = rest.slice(a.end).replace(/^ /, '')
    const b = tail.startsWith('"') ? unquoteCString(tail).value : tail
    return [stripPrefix(a.value, 'a/'), stripPrefix(b, 'b/')]
  }
  const quoted = rest.lastIndexOf(' "')
  if (quoted !== -1 && rest.endsWith('"')) {
    return [
      stripPrefix(rest.slice(0, quoted), 'a/'),
      stripPrefix(unquoteCString(rest, quoted + 1).value, 'b/')
    ]
  }
  let first: [string, string] | undefined
  // Git paths are at most a few KiB; a longer line is not worth a quadratic search.
  if (rest.length > 16384) return [undefined, undefined]
  for (let i = rest.indexOf(' '); i !== -1; i = rest.indexOf(' ', i + 1)) {
    const a = stripPrefix(rest.slice(0, i), 'a/')
    const b = stripPrefix(rest.slice(i + 1), 'b/')
    if (a === b) return [a, b]
    if (first === undefined && rest.startsWith('b/', i + 1)) first = [a, b]
  }
  return first ?? [undefined, undefined]
}

interface FileBuilder {
  /**
   * Where the names of the `diff --git` line start and end (-1: no such line). They are read only
   * if no later header names the file: most files have `---`/`+++` lines, which win anyway.
   */
  gitFrom: number
  gitTo: number
  gitOld?: string
  gitNew?: string
  minus?: string | null
  plus?: string | null
  renameFrom?: string
  renameTo?: string
  copyFrom?: string
  copyTo?: string
  added: boolean
  deleted: boolean
  file: DiffFile
}

function newBuilder(): FileBuilder {
  return {
    gitFrom: -1,
    gitTo: -1,
    added: false,
    deleted: false,
    file: {
      path: '',
      status: 'modified',
      hunks: [],
      additions: 0,
      deletions: 0,
      binary: false,
      patchMissing: false,
      extraHeaders: []
    }
  }
}

function finish(b: FileBuilder, text: string): DiffFile {
  const f = b.file
  let oldPath = b.renameFrom ?? b.copyFrom ?? (b.minus === null ? undefined : b.minus)
  let newPath = b.renameTo ?? b.copyTo ?? (b.plus === null ? undefined : b.plus)
  if ((oldPath === undefined || newPath === undefined) && b.gitFrom !== -1) {
    ;[b.gitOld, b.gitNew] = gitNames(text.slice(b.gitFrom, b.gitTo))
  }
  oldPath ??= b.gitOld
  newPath ??= b.gitNew
  if (b.deleted || (b.plus === null && b.minus !== null)) {
    f.status = 'removed'
    f.path = oldPath ?? newPath ?? ''
  } else if (b.added || (b.minus === null && b.plus !== null)) {
    f.status = 'added'
    f.path = newPath ?? oldPath ?? ''
  } else {
    f.path = newPath ?? oldPath ?? ''
    if (b.renameFrom !== undefined || b.renameTo !== undefined) f.status = 'renamed'
    else if (b.copyFrom !== undefined || b.copyTo !== undefined) f.status = 'copied'
    else if (f.hunks.length === 0 && !f.binary && f.oldMode !== f.newMode) f.status = 'changed'
    if ((f.status === 'renamed' || f.status === 'copied') && oldPath !== undefined) f.previousPath = oldPath
  }
  return f
}

/** Extended header lines of `git diff`, with what each sets (git-diff(1), "generating patch text"). */
const EXTENDED_HEADERS: readonly (readonly [string, (b: FileBuilder, value: string) => void])[] = [
  ['old mode ', (b, v) => (b.file.oldMode = v)],
  ['new mode ', (b, v) => (b.file.newMode = v)],
  [
    'deleted file mode ',
    (b, v) => {
      b.deleted = true
      b.file.oldMode = v
    }
  ],
  [
    'new file mode ',
    (b, v) => {
      b.added = true
      b.file.newMode = v
    }
  ],
  ['similarity index ', (b, v) => (b.file.similarity = parseInt(v, 10))],
  ['rename from ', (b, v) => (b.renameFrom = headerName(v))],
  ['rename to ', (b, v) => (b.renameTo = headerName(v))],
  ['copy from ', (b, v) => (b.copyFrom = headerName(v))],
  ['copy to ', (b, v) => (b.copyTo = headerName(v))],
  // Blob ids tell a reviewer nothing; dropped.
  ['index ', () => undefined],
  ['Binary files ', b => (b.file.binary = true)]
]

function readExtendedHeader(b: FileBuilder, line: string): boolean {
  for (const [prefix, apply] of EXTENDED_HEADERS) {
    if (line.startsWith(prefix)) {
      apply(b, line.slice(prefix.length))
      return true
    }
  }
  if (line === 'GIT binary patch') {
    b.file.binary = true
    return true
  }
  return false
}

/** Adds a hunk to the file: a file's first hunk gets an array of its own size, not the 17 of a push. */
function addHunk(f: DiffFile, scan: HunkScan): void {
  if (f.hunks.length === 0) f.hunks = [scan.hunk]
  else f.hunks.push(scan.hunk)
  f.additions += scan.additions
  f.deletions += scan.deletions
}

/**
 * Parses a unified diff (`git diff` output, GitHub's diff media type, or plain `diff -u` text) into
 * files. Total: odd input yields what could be read, never an exception.
 *
 * Lines are read in place (`charCodeAt`, `startsWith` at an index); only what a file keeps is
 * sliced out, so a small file costs a few objects, not a string per header line.
 */
export function parseUnifiedDiff(text: string): DiffFile[] {
  const files: DiffFile[] = []
  let current: FileBuilder | undefined
  let inBinaryPatch = false
  let pos = 0
  const length = text.length
  while (pos < length) {
    const end = lineEndAt(text, pos)
    const next = end < length ? end + 1 : length
    const c = text.charCodeAt(pos)

    if (c === LOWER_D && text.startsWith('diff ', pos)) {
      if (current !== undefined) files.push(finish(current, text))
      inBinaryPatch = false
      current = newBuilder()
      if (text.startsWith('diff --git ', pos)) {
        current.gitFrom = pos + 11
        current.gitTo = headerEnd(text, pos, end)
      } else {
        const line = headerLine(text, pos, end)
        if (/^diff --(cc|combined) /.test(line)) {
          current.gitNew = headerName(line.replace(/^diff --(cc|combined) /, ''))
          current.gitOld = current.gitNew
        } else current.file.extraHeaders.push(line)
      }
      pos = next
      continue
    }
    if (inBinaryPatch) {
      pos = next
      continue
    }
    if (c === AT && current !== undefined && text.startsWith('@@ ', pos)) {
      const scan = scanHunk(text, pos, headerEnd(text, pos, end), next)
      if (scan !== undefined) {
        addHunk(current.file, scan)
        pos = scan.end
        continue
      }
      current.file.problem ??= UNREADABLE_HUNK
    }
    if (c === MINUS && startsNewFile(text, pos, end)) {
      // A `---`/`+++` pair after a hunk (or with no `diff` line at all) begins a new file.
      if (current === undefined || current.file.hunks.length > 0 || current.minus !== undefined) {
        if (current !== undefined) files.push(finish(current, text))
        current = newBuilder()
      }
      const plusEnd = lineEndAt(text, next)
      current.minus = sideName(text, pos + 4, end, 'a/') ?? null
      current.plus = sideName(text, next + 4, plusEnd, 'b/') ?? null
      pos = plusEnd < length ? plusEnd + 1 : length
      continue
    }
    if (current !== undefined && !(c === LOWER_I && text.startsWith('index ', pos))) {
      // (An `index` line, the most common header, is dropped unread.)
      const line = headerLine(text, pos, end)
      if (line === 'GIT binary patch') {
        current.file.binary = true
        // The base85 data that follows runs to the next `diff` line.
        inBinaryPatch = true
      } else if (!readExtendedHeader(current, line)) current.file.extraHeaders.push(line)
    }
    pos = next
  }
  if (current !== undefined) files.push(finish(current, text))
  markTypeChanges(files)
  return files
}

/**
 * Git prints a type change (a file becoming a symlink or a submodule, or back) as a deletion and
 * a creation of the same path; the creation keeps the mode the path had, so it can be told.
 */
function markTypeChanges(files: DiffFile[]): void {
  for (let i = 1; i < files.length; i++) {
    const removed = files[i - 1] as DiffFile
    const added = files[i] as DiffFile
    if (removed.status === 'removed' && added.status === 'added' && removed.path === added.path) {
      added.oldMode = removed.oldMode
    }
  }
}

/** Why a file with a hunk header that cannot be read is not counted as reviewed. */
export const UNREADABLE_HUNK = 'a hunk header the parser could not read: its lines may be missing'

/** Why a patch with text outside its hunks is not counted as reviewed. */
export const STRAY_LINES = 'patch lines outside any hunk: they may be missing'

/** Hunks of a `patch` from GitHub's files list (or any text that starts at an `@@` line). */
export function parseHunks(patch: string): {
  hunks: DiffHunk[]
  additions: number
  deletions: number
  problem?: string
} {
  const hunks: DiffHunk[] = []
  let additions = 0
  let deletions = 0
  let problem: string | undefined
  let pos = 0
  while (pos < patch.length) {
    const end = lineEndAt(patch, pos)
    const next = end < patch.length ? end + 1 : patch.length
    if (patch.startsWith('@@ ', pos)) {
      const scan = scanHunk(patch, pos, headerEnd(patch, pos, end), next)
      if (scan !== undefined) {
        hunks.push(scan.hunk)
        additions += scan.additions
        deletions += scan.deletions
        pos = scan.end
        continue
      }
      problem ??= UNREADABLE_HUNK
    } else problem ??= STRAY_LINES
    pos = next
  }
  return { hunks, additions, deletions, ...(problem !== undefined ? { problem } : {}) }
}

/**
 * Statuses under which a file may change without any line changing (a mode change). A rename or
 * copy is not one of them on the files list: GitHub sends a binary file changed in the move with
 * no patch and 0 lines too, so a patchless move may hide changed content.
 */
const CONTENTLESS: readonly FileStatus[] = ['changed', 'unchanged']

/** Git's id of the empty blob, in SHA-1 and SHA-256 repositories (`git hash-object -t blob /dev/null`). */
const EMPTY_BLOBS: readonly string[] = [
  'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391',
  '473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813'
]

/**
 * The files list of a pull request as the same model {@link parseUnifiedDiff} gives. GitHub sends
 * no `patch` for binary files, for files too large to diff, and for changes without line changes;
 * only a `changed` (mode) status without added or removed lines is taken as complete, as is an
 * added empty file (its `sha` is git's empty blob); every other patchless file, a pure rename
 * included (it cannot be told from a binary file renamed and changed), is marked
 * {@link DiffFile.patchMissing}.
 */
export function filesFromPatches(items: readonly GitHubFileItem[]): DiffFile[] {
  return items.map(item => {
    const status: FileStatus = STATUSES.includes(item.status) ? (item.status as FileStatus) : 'modified'
    const additions = item.additions ?? 0
    const deletions = item.deletions ?? 0
    const patch = typeof item.patch === 'string' ? item.patch : ''
    const parsed = patch !== '' ? parseHunks(patch) : undefined
    const previous = item.previous_filename ?? undefined
    const problem = parsed === undefined ? undefined : (parsed.problem ?? countProblem(parsed, item))
    return {
      path: item.filename,
      ...((status === 'renamed' || status === 'copied') && previous !== undefined && previous !== ''
        ? { previousPath: previous }
        : {}),
      status,
      hunks: parsed?.hunks ?? [],
      additions: parsed?.additions ?? additions,
      deletions: parsed?.deletions ?? deletions,
      binary: false,
      patchMissing:
        parsed === undefined &&
        !(
          (CONTENTLESS.includes(status) || EMPTY_BLOBS.includes(item.sha ?? '')) &&
          additions === 0 &&
          deletions === 0
        ),
      extraHeaders: [],
      ...(problem !== undefined ? { problem } : {})
    }
  })
}

/** The lines of a hunk body, without their line breaks. */
export function hunkLines(hunk: DiffHunk): string[] {
  if (hunk.body === '') return []
  const lines = hunk.body.split('\n')
  if (hunk.body.endsWith('\n')) lines.pop()
  return lines
}
