/**
 * The pull request's diff as files and hunks, read from either of GitHub's two forms: the whole
 * unified diff (the `application/vnd.github.diff` media type, which is `git diff` output) or the
 * files list (read in files-list.ts, whose `patch` holds only the hunks). Both lead to the same
 * model, so a review reads the same whichever form GitHub could give.
 *
 * The parsers never throw: a line they cannot place is kept (`extraHeaders`) or ends the hunk.
 */

import { gitNames, headerName, stripPrefix, unquoteCString } from './git-path.js'

/** GitHub's file statuses (REST "List pull requests files", `status` enum); git's are mapped onto them. */
export type FileStatus = 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged'

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
  /** Header lines this parser does not model, as they came (the `index` line is dropped). */
  extraHeaders: string[]
  /**
   * Why not every change of the file could be read (a hunk header git would not write, counts
   * that differ from GitHub's): the file is then listed as skipped with this reason, never
   * counted as reviewed.
   */
  problem?: string
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
  return end > pos && text.charAt(end - 1) === '\r' ? end - 1 : end
}

/** A header line without the `\r` a CRLF-converted diff would leave on it. */
function headerLine(text: string, pos: number, end: number): string {
  return text.slice(pos, headerEnd(text, pos, end))
}

/** A hunk header git writes: `@@ -A[,B] +C[,D] @@` and then any text up to the LF. */
const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$/s

/**
 * Reads the hunk whose `@@` header is `text[headerPos, headerEndPos)` and whose body starts at
 * `pos`. The header's counts decide where a well-formed hunk ends (a removed line may well read
 * `--- x`); past them, further diff lines still belong to the hunk (a header that undercounts),
 * unless a new file begins there.
 */
function scanHunk(text: string, headerPos: number, headerEndPos: number, pos: number): HunkScan | undefined {
  const match = HUNK_HEADER.exec(text.slice(headerPos, headerEndPos))
  if (match === null) return undefined
  const oldNumber = Number(match[1])
  const oldCount = match[2] !== undefined ? Number(match[2]) : 1
  const newNumber = Number(match[3])
  const newCount = match[4] !== undefined ? Number(match[4]) : 1
  // The section is any text up to the LF: git copies a source line there (its "function
  // context"), and only LF ends a line in a unified diff, so a CR, U+2028 or U+2029 is part of it.
  const section = match[5] ?? ''
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
    const c = text.charAt(pos)
    const end = lineEndAt(text, pos)
    if (oldLeft > 0 || newLeft > 0) {
      if (c === ' ' || c === '\n') {
        // An empty line within the counts is a context line whose space was stripped (mail, editors).
        oldLeft--
        newLeft--
        oldSeen++
        newSeen++
      } else if (c === '-') {
        oldLeft--
        oldSeen++
        deletions++
      } else if (c === '+') {
        newLeft--
        newSeen++
        additions++
      } else if (c !== '\\') break
    } else if (c === ' ') {
      oldSeen++
      newSeen++
    } else if (c === '-' && !startsNewFile(text, pos, end)) {
      oldSeen++
      deletions++
    } else if (c === '+') {
      newSeen++
      additions++
    } else if (c !== '\\') break
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

/**
 * The `---`/`+++` name of the header line `text[from, end)` (its marker left out): undefined for
 * `/dev/null`. An unquoted name is cut from the text directly, without slicing the line first.
 */
function sideName(text: string, from: number, end: number, prefix: string): string | undefined {
  const to = headerEnd(text, from, end)
  if (from < to && text.charAt(from) === '"') {
    const name = unquoteCString(text.slice(from, to)).value
    return name === '/dev/null' ? undefined : stripPrefix(name, prefix)
  }
  let stop = from
  while (stop < to && text.charAt(stop) !== '\t') stop++
  if (stop - from === 9 && text.startsWith('/dev/null', from)) return undefined
  const strip = stop - from >= prefix.length && text.startsWith(prefix, from) ? prefix.length : 0
  return text.slice(from + strip, stop)
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
  // How similar a rename's or copy's two sides are tells the review nothing it uses; dropped.
  ['similarity index ', () => undefined],
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

function addHunk(f: DiffFile, scan: HunkScan): void {
  f.hunks.push(scan.hunk)
  f.additions += scan.additions
  f.deletions += scan.deletions
}

/**
 * Parses a unified diff (`git diff` output, GitHub's diff media type, or plain `diff -u` text) into
 * files. Total: odd input yields what could be read, never an exception.
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

    if (text.startsWith('diff ', pos)) {
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
    if (current !== undefined && text.startsWith('@@ ', pos)) {
      const scan = scanHunk(text, pos, headerEnd(text, pos, end), next)
      if (scan !== undefined) {
        addHunk(current.file, scan)
        pos = scan.end
        continue
      }
      current.file.problem ??= UNREADABLE_HUNK
    }
    if (startsNewFile(text, pos, end)) {
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
    if (current !== undefined && !text.startsWith('index ', pos)) {
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

/** The lines of a hunk body, without their line breaks. */
export function hunkLines(hunk: DiffHunk): string[] {
  if (hunk.body === '') return []
  const lines = hunk.body.split('\n')
  if (hunk.body.endsWith('\n')) lines.pop()
  return lines
}
