/**
 * Cuts the selected files into messages that each fit the model's prompt limit, wrapping text
 * included, packed tightly: files in order, whole where they fit in what is left of the message,
 * else split between hunks, else between lines, and a line that does not fit split by characters.
 *
 * The diff text of a message, the format the instructions describe (see prompts.ts):
 *
 *     === src/a.ts (renamed from src/b.ts)      a file starts
 *     @@ -10,3 +10,4 @@ function f() {          a hunk, counts recomputed for every piece
 *      context / -removed / +added lines        as git wrote them (a `\r` before the break kept)
 *     === src/a.ts (continued)                  the same file, in a later part
 *     === old.ts (deleted: 40 lines removed, not shown)
 *
 * A line cut by characters ends its part with {@link CONTINUES_LINE}; the part holding the rest
 * repeats the file and hunk headers, then {@link CONTINUED_LINE}, then the line's marker and the
 * rest. Parts are sent shortest first ({@link sendShortestFirst}), so the pieces of a file may
 * arrive in any order: the marks name no direction, the recomputed hunk headers say where a piece sits.
 * Lengths are JavaScript string lengths (UTF-16 units), never looser than code points
 * (RIVYA_API.md, "Limits"), and no cut falls inside a surrogate pair.
 */
import type { DiffHunk } from './diff.js'
import type { SelectedFile } from './filter.js'
import { pairSafeCut } from './unicode.js'
import { SHORTENED_EXTRA, displayPath, displayText, visibleContent } from './visible.js'

export const FILE_MARK = '=== '
export const CONTINUED_NOTE = ' (continued)'
/** Git's own convention for remarks about the line above (`\ No newline at end of file`). */
export const CONTINUES_LINE = '\\ (line continues in another part)'
export const CONTINUED_LINE = '\\ (line continued from another part)'

/**
 * The text around the diff of part `part` of `parts`. Its length may depend on the numbers only
 * through their count of digits and on whether the part is the first and/or the last.
 */
export type MessageFrame = (part: number, parts: number) => { head: string; tail: string }

export interface ChunkOptions {
  /** Most characters in a message, frame included. */
  limit: number
  frame: MessageFrame
}

export interface MessageFile {
  path: string
  /** `whole`: all of the file's diff; `part`: a piece of it; `summary`: a one-line note (removed file). */
  coverage: 'whole' | 'part' | 'summary'
  /** The file ends in this message. */
  last: boolean
  /** Sent as far as it could be read ({@link SelectedFile.incomplete}): never counted as reviewed. */
  incomplete?: boolean
}

export interface ChunkMessage {
  text: string
  /** Files sent for review whose last piece is in this message: reviewed once it is answered. */
  completes: string[]
  files: MessageFile[]
  /**
   * Where the message stands in diff order (0-based): the order its files' pieces join in. The
   * messages are sent in another order ({@link sendShortestFirst}); `files[].last` keeps to diff order.
   */
  originalIndex: number
}

export interface ChunkPlan {
  messages: ChunkMessage[]
  /** Paths of the files sent for review (summarised and incomplete files not counted), in order. */
  files: string[]
  /** Characters of the diff text if it went in one message: what there is to send. */
  diffChars: number
  /**
   * Characters of that text every message but the last is sure to carry: the smallest room a
   * frame leaves, less what a split can cost at either end of a message (a repeated file and
   * hunk header, continuation lines, an unfilled tail). `messages.length` never exceeds
   * `ceil(diffChars / usableChars) + 1`. 0 when the limit is too close to the frame's size for
   * that guarantee (the packing is as tight; only the bound is not proven).
   */
  usableChars: number
}

function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`
}

/** A hunk header as git writes it (a count of 1 left out). */
export function formatHunkHeader(
  oldStart: number,
  oldLines: number,
  newStart: number,
  newLines: number,
  section: string
): string {
  return `@@ -${range(oldStart, oldLines)} +${range(newStart, newLines)} @@${section}`
}

function decimalLength(n: number): number {
  return String(n).length
}

/** Number of the first line of a side of the hunk (the line after, when the side is empty). */
function firstLine(start: number, count: number): number {
  return count > 0 ? start : start + 1
}

/** A `\` remark longer than this is not git's and stands as a line of its own. */
const MAX_REMARK = 64

/** A hunk as the packer uses it: counts taken from its lines, never from a header that may lie. */
interface Hunk {
  body: string
  /** The body lacks a final line break, which is added when it is sent: {@link emitted}. */
  open: boolean
  /** Number of the first line of each side (the line after, when the side has none). */
  oldFirst: number
  newFirst: number
  oldLines: number
  newLines: number
  section: string
  /** The header of the whole hunk, line break included. */
  header: string
}

interface Entry {
  sel: SelectedFile
  /** One line: a summary or a file without hunks. */
  single: boolean
  header: string
  /** The path as {@link displayPath} shows it; the `(continued)` header is made only when needed. */
  shownPath: string
  hunks: Hunk[]
  size: number
  /** Longest hunk header a piece of this file can need. */
  reserveMax: number
}

function lineEnd(body: string, pos: number): number {
  const i = body.indexOf('\n', pos)
  return i === -1 ? body.length : i
}

/** End of the unit starting at `pos` whose line ends at `end`: the line and a short `\` remark after it. */
function unitEnd(body: string, end: number): number {
  const next = end + 1
  if (next >= body.length) return body.length
  if (body.charAt(next) === '\\') {
    const remarkEnd = lineEnd(body, next)
    if (remarkEnd - next <= MAX_REMARK) return remarkEnd < body.length ? remarkEnd + 1 : body.length
  }
  return next
}

/** The characters emitting `body.slice(from, to)` costs: a final line break is added if missing. */
function emitted(body: string, from: number, to: number): number {
  return to - from + (to === body.length && to > from && body.charAt(to - 1) !== '\n' ? 1 : 0)
}

function contHeader(e: Entry): string {
  return `${FILE_MARK}${e.shownPath}${CONTINUED_NOTE}\n`
}

function contHeaderLength(e: Entry): number {
  return FILE_MARK.length + e.shownPath.length + CONTINUED_NOTE.length + 1
}

const SYMLINK = '120000'
const SUBMODULE = '160000'

/** What git's modes stand for (git's index format, "object type" and "unix permission"). */
const KINDS: Readonly<Record<string, string>> = {
  '100644': 'file',
  '100755': 'executable file',
  [SYMLINK]: 'symlink',
  [SUBMODULE]: 'submodule'
}

const MODE_CHANGES: Readonly<Record<string, string>> = {
  '100644>100755': 'now executable',
  '100755>100644': 'no longer executable'
}

function headerLine(sel: SelectedFile, path: string, pathMax: number): string {
  const f = sel.file
  if (sel.summarise) {
    const removed = f.deletions > 0 ? `: ${f.deletions} line${f.deletions === 1 ? '' : 's'} removed` : ''
    return `${FILE_MARK}${path} (deleted${removed}, not shown)\n`
  }
  const notes: string[] = []
  if (f.status === 'added') {
    notes.push(f.newMode !== undefined && f.newMode in KINDS ? `new ${KINDS[f.newMode]}` : 'new file')
    if (f.oldMode !== undefined)
      notes.push(`type change: was a ${KINDS[f.oldMode] ?? `mode ${f.oldMode} entry`}`)
  } else if (f.status === 'removed') notes.push('deleted')
  else if (f.status === 'renamed' || f.status === 'copied') {
    const verb = f.status === 'renamed' ? 'renamed' : 'copied'
    notes.push(f.previousPath !== undefined ? `${verb} from ${displayPath(f.previousPath, pathMax)}` : verb)
  }
  if (f.status !== 'added' && f.oldMode !== undefined && f.newMode !== undefined && f.oldMode !== f.newMode) {
    const meaning = MODE_CHANGES[`${f.oldMode}>${f.newMode}`]
    notes.push(`mode ${f.oldMode} → ${f.newMode}${meaning !== undefined ? `, ${meaning}` : ''}`)
  } else if (f.status === 'changed' && f.oldMode === undefined) notes.push('mode or type changed')
  // A symlink's content is its target and a submodule's a commit id: not code to read as such.
  const mode = f.newMode ?? f.oldMode
  if (mode === SYMLINK && f.hunks.length > 0) notes.push('its lines are symlink targets')
  if (mode === SUBMODULE && f.hunks.length > 0) notes.push('its lines are submodule commit ids')
  if (f.hunks.length === 0) notes.push(f.status === 'added' ? 'empty' : 'no content change')
  return `${FILE_MARK}${path}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}\n`
}

function bodySize(h: Hunk): number {
  return h.open ? h.body.length + 1 : h.body.length
}

/** The longest header a piece starting after `oldDone`/`newDone` finished lines can get. */
function reserveFor(h: Hunk, oldDone: number, newDone: number): number {
  // Starts never exceed these, counts never exceed what is left, and a comma is always counted:
  // the length of `@@ -${oldStart},${oldCount} +${newStart},${newCount} @@${section}\n`.
  return (
    decimalLength(h.oldFirst + oldDone) +
    decimalLength(h.oldLines - oldDone) +
    decimalLength(h.newFirst + newDone) +
    decimalLength(h.newLines - newDone) +
    h.section.length +
    12
  )
}

function toHunk(h: DiffHunk, sectionMax: number): Hunk {
  // Content cannot end its line early for a reader that breaks lines at more than LF.
  const body = visibleContent(h.body)
  // Counts taken from the lines, not from the hunk's fields.
  let oldLines = 0
  let newLines = 0
  for (let pos = 0; pos < body.length; pos = lineEnd(body, pos) + 1) {
    const c = body.charAt(pos)
    if (c === ' ' || c === '\n') {
      oldLines += 1
      newLines += 1
    } else if (c === '-') oldLines += 1
    else if (c === '+') newLines += 1
  }
  const oldFirst = firstLine(h.oldStart, h.oldLines)
  const newFirst = firstLine(h.newStart, h.newLines)
  const section = displayText(h.section, sectionMax)
  const header = `${formatHunkHeader(
    oldLines > 0 ? oldFirst : oldFirst - 1,
    oldLines,
    newLines > 0 ? newFirst : newFirst - 1,
    newLines,
    section
  )}\n`
  const open = body.length > 0 && !body.endsWith('\n')
  return { body, open, oldFirst, newFirst, oldLines, newLines, section, header }
}

function makeEntry(sel: SelectedFile, pathMax: number, sectionMax: number): Entry {
  const f = sel.file
  const shownPath = displayPath(f.path, pathMax)
  const header = headerLine(sel, shownPath, pathMax)
  const single = sel.summarise || f.hunks.length === 0
  const hunks: Hunk[] = []
  let size = header.length
  let reserveMax = 0
  if (!single) {
    for (const dh of f.hunks) {
      const h = toHunk(dh, sectionMax)
      hunks.push(h)
      size += h.header.length + bodySize(h)
      // Starts grow as lines are done: room for their extra digits.
      const grow =
        decimalLength(h.oldFirst + h.oldLines) -
        decimalLength(h.oldFirst) +
        decimalLength(h.newFirst + h.newLines) -
        decimalLength(h.newFirst)
      reserveMax = Math.max(reserveMax, reserveFor(h, 0, 0) + grow)
    }
  }
  return { sel, single, header, shownPath, hunks, size, reserveMax }
}

/** Where the split of a file stands. */
interface Cursor {
  hunk: number
  /** Start of the next unsent line in the hunk's body. */
  pos: number
  /** Characters of the line at `pos` already sent (marker included); 0 when none. */
  cut: number
  oldDone: number
  newDone: number
}

interface Work {
  /** The diff text so far. */
  diff: string
  used: number
  room: number
  files: MessageFile[]
}

class Packer {
  readonly messages: Work[] = []
  private cur: Work

  constructor(
    private readonly roomFirst: number,
    private readonly roomRest: number,
    private readonly cutFrom: number
  ) {
    this.cur = this.open()
  }

  private open(): Work {
    const work: Work = {
      diff: '',
      used: 0,
      room: this.messages.length === 0 ? this.roomFirst : this.roomRest,
      files: []
    }
    this.messages.push(work)
    return work
  }

  private free(): number {
    return this.cur.room - this.cur.used
  }

  private next(): void {
    if (this.cur.used === 0) throw new Error('Internal error: a diff piece does not fit an empty message')
    this.cur = this.open()
  }

  private push(parts: string[], size: number, file: MessageFile): void {
    for (const p of parts) this.cur.diff += p
    this.cur.used += size
    this.cur.files.push(file)
  }

  add(e: Entry): void {
    if (e.single) {
      if (e.header.length > this.free()) this.next()
      this.cur.diff += e.header
      this.cur.used += e.header.length
      this.cur.files.push(fileOf(e, e.sel.summarise ? 'summary' : 'whole', true))
      return
    }
    if (e.size <= this.free()) {
      // The common case, a file that fits whole: no list of its parts is made.
      let text = this.cur.diff + e.header
      for (const h of e.hunks) {
        text += h.header
        text += h.body
        if (h.open) text += '\n'
      }
      this.cur.diff = text
      this.cur.used += e.size
      this.cur.files.push(fileOf(e, 'whole', true))
      return
    }
    const cursor: Cursor = { hunk: 0, pos: 0, cut: 0, oldDone: 0, newDone: 0 }
    let started = false
    for (;;) {
      const placed = this.piece(e, cursor, started)
      const done = cursor.hunk >= e.hunks.length
      if (placed) started = true
      if (done) return
      this.next()
    }
  }

  /** Puts as much of the file as fits into the current message; false if nothing fitted. */
  private piece(e: Entry, c: Cursor, started: boolean): boolean {
    const free = this.free()
    const header = started ? contHeader(e) : e.header
    if (header.length >= free) return false
    const parts = [header]
    let used = header.length
    const hunks = e.hunks
    while (c.hunk < hunks.length) {
      const h = hunks[c.hunk] as Hunk
      if (c.pos === 0 && c.cut === 0) {
        const whole = h.header.length + bodySize(h)
        if (used + whole <= free) {
          parts.push(h.header, h.body)
          if (h.open) parts.push('\n')
          used += whole
          c.hunk += 1
          continue
        }
      }
      const size = this.hunkPiece(h, c, free - used, parts)
      if (size === 0) break
      used += size
      if (c.pos < h.body.length || c.cut > 0) break
      c.hunk += 1
      c.pos = 0
      c.oldDone = 0
      c.newDone = 0
    }
    if (parts.length === 1) return false
    const last = c.hunk >= hunks.length
    this.push(parts, used, fileOf(e, !started && last ? 'whole' : 'part', last))
    return true
  }

  /**
   * Appends to `out` a piece of the hunk from the cursor: a recomputed header and the lines that
   * fit in `avail`, the last of them cut by characters when the room left is worth filling.
   * Returns the characters appended (0: nothing fitted) and moves the cursor.
   */
  private hunkPiece(h: Hunk, c: Cursor, avail: number, out: string[]): number {
    const body = h.body
    const room = avail - reserveFor(h, c.oldDone, c.newDone)
    if (room <= 0) return 0
    const lines: string[] = []
    let used = 0
    let oldN = 0
    let newN = 0
    let oldDone = 0
    let newDone = 0
    let pos = c.pos
    let cut = c.cut
    const count = (marker: string, done: boolean) => {
      const old = marker === ' ' || marker === '\n' || marker === '-'
      const neu = marker === ' ' || marker === '\n' || marker === '+'
      if (old) {
        oldN += 1
        if (done) oldDone += 1
      }
      if (neu) {
        newN += 1
        if (done) newDone += 1
      }
    }

    if (cut > 0) {
      // The rest of a line cut in the previous part.
      const end = lineEnd(body, pos)
      const uEnd = unitEnd(body, end)
      const marker = body[pos] as string
      const cost = CONTINUED_LINE.length + 1 + 1 + emitted(body, pos + cut, uEnd)
      if (cost <= room) {
        lines.push(`${CONTINUED_LINE}\n${marker}`, body.slice(pos + cut, uEnd))
        if (emitted(body, pos + cut, uEnd) > uEnd - pos - cut) lines.push('\n')
        used += cost
        count(body.charAt(pos), true)
        pos = uEnd
        cut = 0
      } else {
        const fixed = CONTINUED_LINE.length + 1 + 1 + 1 + CONTINUES_LINE.length + 1
        const to = safeCut(body, pos + cut, Math.min(pos + cut + room - fixed, end - 1))
        if (to <= pos + cut) return 0
        lines.push(`${CONTINUED_LINE}\n${marker}`, body.slice(pos + cut, to), `\n${CONTINUES_LINE}\n`)
        used += fixed + (to - pos - cut)
        count(body.charAt(pos), false)
        cut = to - pos
      }
    }

    if (cut === 0) {
      let wholeFrom = pos
      const flush = () => {
        if (pos > wholeFrom) {
          lines.push(body.slice(wholeFrom, pos))
          if (emitted(body, wholeFrom, pos) > pos - wholeFrom) lines.push('\n')
        }
      }
      while (pos < body.length) {
        const end = lineEnd(body, pos)
        const uEnd = unitEnd(body, end)
        const size = emitted(body, pos, uEnd)
        if (used + size <= room) {
          count(body.charAt(pos), true)
          used += size
          pos = uEnd
          continue
        }
        const left = room - used
        if (left >= this.cutFrom) {
          const fixed = 1 + CONTINUES_LINE.length + 1
          const to = safeCut(body, pos, Math.min(pos + left - fixed, end - 1))
          if (to >= pos + 2) {
            flush()
            lines.push(body.slice(pos, to), `\n${CONTINUES_LINE}\n`)
            used += fixed + (to - pos)
            count(body.charAt(pos), false)
            cut = to - pos
            wholeFrom = pos
            break
          }
        }
        break
      }
      if (cut === 0) flush()
    }

    if (lines.length === 0) return 0
    const oldStart = h.oldFirst + c.oldDone
    const newStart = h.newFirst + c.newDone
    const header = `${formatHunkHeader(
      oldN > 0 ? oldStart : oldStart - 1,
      oldN,
      newN > 0 ? newStart : newStart - 1,
      newN,
      h.section
    )}\n`
    out.push(header, ...lines)
    c.pos = pos
    c.cut = cut
    c.oldDone += oldDone
    c.newDone += newDone
    return header.length + used
  }
}

function fileOf(e: Entry, coverage: MessageFile['coverage'], last: boolean): MessageFile {
  const file: MessageFile = { path: e.sel.file.path, coverage, last }
  if (e.sel.incomplete === true) file.incomplete = true
  return file
}

/** `to`, moved back one unit if it would separate a surrogate pair. */
function safeCut(text: string, from: number, to: number): number {
  return to > from ? pairSafeCut(text, to) : to
}

function digits(n: number): number {
  return String(Math.max(1, n)).length
}

/** The longest frame of each kind for part numbers of `d` digits. */
function frameSizes(frame: MessageFrame, d: number): { first: number; rest: number } {
  const top = 10 ** d - 1
  const size = (part: number, parts: number) => {
    const f = frame(part, parts)
    return f.head.length + f.tail.length
  }
  return {
    first: Math.max(size(1, 1), size(1, Math.max(2, top))),
    rest: Math.max(size(Math.max(1, top - 1), Math.max(2, top)), size(top, top))
  }
}

/** How long a path and a hunk section may be shown in messages of `limit` characters. */
function displayLimits(limit: number): { pathMax: number; sectionMax: number } {
  // Long paths are shortened in the middle so a header can never crowd out the diff.
  const pathMax = Math.max(SHORTENED_EXTRA + 24, Math.min(300, Math.floor(limit / 40)))
  return { pathMax, sectionMax: Math.min(80, pathMax) }
}

/** The characters each file's whole diff text takes in messages of `limit` characters (no split). */
export function fileSizes(selected: readonly SelectedFile[], limit: number): number[] {
  const { pathMax, sectionMax } = displayLimits(limit)
  return selected.map(sel => makeEntry(sel, pathMax, sectionMax).size)
}

/**
 * Cuts the files into messages within `options.limit`. Throws only when the limit leaves no room
 * for a diff once the frame (instructions) is in.
 */
export function chunkFiles(selected: readonly SelectedFile[], options: ChunkOptions): ChunkPlan {
  const { limit, frame } = options
  const { pathMax, sectionMax } = displayLimits(limit)
  const entries = selected.map(sel => makeEntry(sel, pathMax, sectionMax))
  const files: string[] = []
  let diffChars = 0
  // What a split can cost at one end of a message.
  let splitCost = 0
  for (const e of entries) {
    const sel = e.sel
    if (!sel.summarise && sel.incomplete !== true) files.push(sel.file.path)
    diffChars += e.size
    splitCost = Math.max(
      splitCost,
      e.single
        ? e.header.length
        : Math.max(e.header.length, contHeaderLength(e)) +
            e.reserveMax +
            CONTINUED_LINE.length +
            CONTINUES_LINE.length +
            MAX_REMARK +
            8
    )
  }

  for (let d = 1; d <= 15; d++) {
    const sizes = frameSizes(frame, d)
    const roomFirst = limit - sizes.first
    const roomRest = limit - sizes.rest
    const minRoom = Math.min(roomFirst, roomRest)
    const cutFrom = Math.max(16, Math.min(200, Math.floor(minRoom / 16)))
    const usableChars = Math.max(0, minRoom - 2 * splitCost - cutFrom)
    if (selected.length === 0) return { messages: [], files, diffChars, usableChars }
    // An empty message must take at least the start of any file.
    if (minRoom < splitCost + cutFrom) {
      throw new Error(
        `A message of ${limit} characters leaves no room for the diff once the instructions (${sizes.first} characters) and file headers are in: raise max-message-chars or shorten extra-instructions`
      )
    }
    // Part numbers are written with the digits the most messages there can be need; a packing
    // that needs more (only possible without the guarantee) is redone with wider numbers.
    const bound = usableChars > 0 ? Math.ceil(diffChars / usableChars) + 1 : 0
    if (digits(bound) > d) continue

    const packer = new Packer(roomFirst, roomRest, cutFrom)
    for (const e of entries) packer.add(e)
    const works = packer.messages.filter(w => w.used > 0)
    const n = works.length
    // More parts than `d` digits can number (possible only without the guarantee): redo wider.
    if (digits(n) > d) continue
    const messages = works.map((w, i) => {
      const { head, tail } = frame(i + 1, n)
      const text = head + w.diff + tail
      if (text.length > limit) throw new Error(`Internal error: part ${i + 1} has ${text.length} characters`)
      const completes: string[] = []
      for (const f of w.files) {
        if (f.last && f.coverage !== 'summary' && f.incomplete !== true) completes.push(f.path)
      }
      return { text, completes, files: w.files, originalIndex: i }
    })
    return { messages, files, diffChars, usableChars }
  }
  throw new Error('Internal error: the diff could not be cut into messages')
}

/** The diff text of each message, framed as chunkFiles framed it (by its place in diff order); undefined if a text is not so framed. */
function bodiesOf(messages: readonly ChunkMessage[], frame: MessageFrame): string[] | undefined {
  const n = messages.length
  const bodies: string[] = []
  for (const m of messages) {
    const { head, tail } = frame(m.originalIndex + 1, n)
    if (!m.text.startsWith(head) || !m.text.endsWith(tail) || head.length + tail.length > m.text.length)
      return undefined
    bodies.push(m.text.slice(head.length, m.text.length - tail.length))
  }
  return bodies
}

/**
 * For each message in diff order, the files it completes when the messages are sent in `order`
 * (`order[k]`: the diff-order index of the k-th message sent): a file is reviewed once the last
 * of its pieces to be sent is answered, whichever piece that is.
 */
function completionsFor(messages: readonly ChunkMessage[], order: readonly number[]): string[][] {
  const sentAt = new Array<number>(messages.length)
  order.forEach((original, position) => (sentAt[original] = position))
  const completes = messages.map((): string[] => [])
  messages.forEach((m, i) => {
    m.files.forEach((f, j) => {
      if (!f.last || f.coverage === 'summary' || f.incomplete === true) return
      // Pieces of a file sit in consecutive messages: going back while the message before ends
      // in the middle of a file, up to the message where it is not the only file.
      let start = i
      if (j === 0) {
        while (start > 0 && messages[start - 1]?.files.at(-1)?.last === false) {
          start--
          if ((messages[start]?.files.length ?? 0) > 1) break
        }
      }
      let done = i
      for (let k = start; k < i; k++) if ((sentAt[k] as number) > (sentAt[done] as number)) done = k
      completes[done]?.push(f.path)
    })
  })
  return completes
}

/**
 * The plan's messages in the order that bills least. Every turn re-bills the session's history, so
 * the k-th of n messages is paid n − k + 1 times: sending the diff texts shortest first (frames are
 * fixed by position) minimises the input billed. Each text is re-framed for its new place — the
 * first sent carries the instructions, the last asks for the review — and the order is kept only
 * if every message still fits `options.limit`; otherwise the plan keeps diff order (never over
 * the limit). Files keep diff order inside each message; `completes` follows the sending order.
 */
export function sendShortestFirst(plan: ChunkPlan, options: ChunkOptions): ChunkPlan {
  const { messages } = plan
  const n = messages.length
  if (n < 2) return plan
  const bodies = bodiesOf(messages, options.frame)
  if (bodies === undefined) return plan
  const order = messages
    .map((_, i) => i)
    .sort((a, b) => (bodies[a] as string).length - (bodies[b] as string).length || a - b)
  if (order.every((original, position) => original === position)) return plan
  const texts = order.map((original, position) => {
    const { head, tail } = options.frame(position + 1, n)
    return head + (bodies[original] as string) + tail
  })
  if (texts.some(text => text.length > options.limit)) return plan
  const completes = completionsFor(messages, order)
  return {
    ...plan,
    messages: order.map((original, position) => {
      const m = messages[original] as ChunkMessage
      return { ...m, text: texts[position] as string, completes: completes[original] as string[] }
    })
  }
}
