/**
 * The pull request's diff as files and hunks, read from either of GitHub's two forms: the whole
 * unified diff (the `application/vnd.github.diff` media type, which is `git diff` output) or the
 * files list (`GET /repos/{owner}/{repo}/pulls/{n}/files`, whose `patch` holds only the hunks).
 * Both lead to the same model, so a review reads the same whichever form GitHub could give.
 *
 * The parsers never throw: a line they cannot place is kept (`extraHeaders`) or ends the hunk.
 */

import { BACKSLASH, CR, LF, MINUS, PLUS, SPACE } from './char-codes.js'

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
  oldMode?: string
  newMode?: string
  /** Percent from `similarity index` of a rename or copy. */
  similarity?: number
  /** Header lines this parser does not model, as they came (the `index` line is dropped). */
  extraHeaders: string[]
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

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$/

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

/** A header line without the `\r` a CRLF-converted diff would leave on it. */
function headerLine(text: string, pos: number, end: number): string {
  return end > pos && text.charCodeAt(end - 1) === CR ? text.slice(pos, end - 1) : text.slice(pos, end)
}

/**
 * Reads the hunk whose `@@` header is `header` and whose body starts at `pos`. The header's counts
 * decide where a well-formed hunk ends (a removed line may well read `--- x`); past them, further
 * diff lines still belong to the hunk (a header that undercounts), unless a new file begins there.
 */
function scanHunk(text: string, pos: number, header: string): HunkScan | undefined {
  const m = HUNK_HEADER.exec(header)
  if (m === null) return undefined
  const oldCount = m[2] === undefined ? 1 : Number(m[2])
  const newCount = m[4] === undefined ? 1 : Number(m[4])
  const oldFirst = oldCount === 0 ? Number(m[1]) + 1 : Number(m[1])
  const newFirst = newCount === 0 ? Number(m[3]) + 1 : Number(m[3])
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
      section: m[5] ?? '',
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

/** The `---`/`+++` name: undefined for `/dev/null`. */
function sideName(raw: string, prefix: string): string | undefined {
  const name = headerName(raw)
  return name === '/dev/null' ? undefined : stripPrefix(name, prefix)
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

function finish(b: FileBuilder): DiffFile {
  const f = b.file
  const oldPath = b.renameFrom ?? b.copyFrom ?? (b.minus === null ? undefined : b.minus) ?? b.gitOld
  const newPath = b.renameTo ?? b.copyTo ?? (b.plus === null ? undefined : b.plus) ?? b.gitNew
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
function readExtendedHeader(b: FileBuilder, line: string): boolean {
  const f = b.file
  const after = (prefix: string) => (line.startsWith(prefix) ? line.slice(prefix.length) : undefined)
  let v: string | undefined
  if ((v = after('old mode ')) !== undefined) f.oldMode = v
  else if ((v = after('new mode ')) !== undefined) f.newMode = v
  else if ((v = after('deleted file mode ')) !== undefined) {
    b.deleted = true
    f.oldMode = v
  } else if ((v = after('new file mode ')) !== undefined) {
    b.added = true
    f.newMode = v
  } else if ((v = after('similarity index ')) !== undefined) f.similarity = parseInt(v, 10)
  else if ((v = after('rename from ')) !== undefined) b.renameFrom = headerName(v)
  else if ((v = after('rename to ')) !== undefined) b.renameTo = headerName(v)
  else if ((v = after('copy from ')) !== undefined) b.copyFrom = headerName(v)
  else if ((v = after('copy to ')) !== undefined) b.copyTo = headerName(v)
  else if (line.startsWith('index ')) {
    // Blob ids tell a reviewer nothing; dropped.
  } else if (line.startsWith('Binary files ') || line === 'GIT binary patch') f.binary = true
  else return false
  return true
}

/**
 * Parses a unified diff (`git diff` output, GitHub's diff media type, or plain `diff -u` text) into
 * files. Total: odd input yields what could be read, never an exception.
 */
export function parseUnifiedDiff(text: string): DiffFile[] {
  const files: DiffFile[] = []
  let current: FileBuilder | undefined
  let inBinaryPatch = false
  const close = () => {
    if (current !== undefined) files.push(finish(current))
    current = undefined
    inBinaryPatch = false
  }
  let pos = 0
  const length = text.length
  while (pos < length) {
    const end = lineEndAt(text, pos)
    const next = end < length ? end + 1 : length
    const c = text.charCodeAt(pos)

    if (c === 100 /* d */ && text.startsWith('diff ', pos)) {
      close()
      current = newBuilder()
      const line = headerLine(text, pos, end)
      if (line.startsWith('diff --git ')) [current.gitOld, current.gitNew] = gitNames(line.slice(11))
      else if (/^diff --(cc|combined) /.test(line)) {
        current.gitNew = headerName(line.replace(/^diff --(cc|combined) /, ''))
        current.gitOld = current.gitNew
      } else current.file.extraHeaders.push(line)
      pos = next
      continue
    }
    if (inBinaryPatch) {
      pos = next
      continue
    }
    if (c === 64 /* @ */ && current !== undefined && text.startsWith('@@ ', pos)) {
      const header = headerLine(text, pos, end)
      const scan = scanHunk(text, next, header)
      if (scan !== undefined) {
        current.file.hunks.push(scan.hunk)
        current.file.additions += scan.additions
        current.file.deletions += scan.deletions
        pos = scan.end
        continue
      }
    }
    if (c === MINUS && startsNewFile(text, pos, end)) {
      // A `---`/`+++` pair after a hunk (or with no `diff` line at all) begins a new file.
      if (current === undefined || current.file.hunks.length > 0 || current.minus !== undefined) {
        close()
        current = newBuilder()
      }
      const plusEnd = lineEndAt(text, next)
      current.minus = sideName(headerLine(text, pos + 4, end), 'a/') ?? null
      current.plus = sideName(headerLine(text, next + 4, plusEnd), 'b/') ?? null
      pos = plusEnd < length ? plusEnd + 1 : length
      continue
    }
    if (current !== undefined) {
      const line = headerLine(text, pos, end)
      if (line === 'GIT binary patch') {
        current.file.binary = true
        // The base85 data that follows runs to the next `diff` line.
        inBinaryPatch = true
      } else if (!readExtendedHeader(current, line)) current.file.extraHeaders.push(line)
    }
    pos = next
  }
  close()
  return files
}

/** Hunks of a `patch` from GitHub's files list (or any text that starts at an `@@` line). */
export function parseHunks(patch: string): { hunks: DiffHunk[]; additions: number; deletions: number } {
  const hunks: DiffHunk[] = []
  let additions = 0
  let deletions = 0
  let pos = 0
  while (pos < patch.length) {
    const end = lineEndAt(patch, pos)
    const next = end < patch.length ? end + 1 : patch.length
    if (patch.startsWith('@@ ', pos)) {
      const scan = scanHunk(patch, next, headerLine(patch, pos, end))
      if (scan !== undefined) {
        hunks.push(scan.hunk)
        additions += scan.additions
        deletions += scan.deletions
        pos = scan.end
        continue
      }
    }
    pos = next
  }
  return { hunks, additions, deletions }
}

/** Statuses under which a file may change without any line changing (a rename, a mode change). */
const CONTENTLESS: readonly FileStatus[] = ['renamed', 'copied', 'changed', 'unchanged']

/** Git's id of the empty blob, in SHA-1 and SHA-256 repositories (`git hash-object -t blob /dev/null`). */
const EMPTY_BLOBS: readonly string[] = [
  'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391',
  '473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813'
]

/**
 * The files list of a pull request as the same model {@link parseUnifiedDiff} gives. GitHub sends
 * no `patch` for binary files, for files too large to diff, and for changes without line changes;
 * only the last kind (no added or removed lines under a rename/copy/changed status) is taken as
 * complete, as is an added empty file (its `sha` is git's empty blob); every other patchless file
 * is marked {@link DiffFile.patchMissing}.
 */
export function filesFromPatches(items: readonly GitHubFileItem[]): DiffFile[] {
  return items.map(item => {
    const status: FileStatus = STATUSES.includes(item.status) ? (item.status as FileStatus) : 'modified'
    const additions = item.additions ?? 0
    const deletions = item.deletions ?? 0
    const patch = typeof item.patch === 'string' ? item.patch : ''
    const parsed = patch !== '' ? parseHunks(patch) : undefined
    const previous = item.previous_filename ?? undefined
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
      extraHeaders: []
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
