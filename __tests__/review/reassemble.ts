import { hunkLines, type DiffFile } from '../../src/review/diff.js'
import { CONTINUED_LINE, CONTINUED_NOTE, CONTINUES_LINE } from '../../src/review/chunk.js'
import { DIFF_CLOSE, DIFF_OPEN } from '../../src/review/prompts.js'

/** A diff line with the numbers it has on each side (none for a `\` remark). */
export interface NumberedLine {
  old?: number
  new?: number
  text: string
}

export interface ReassembledFile {
  header: string
  lines: NumberedLine[]
}

/** The diff text between the delimiters of a message, as lines. */
export function diffLines(message: string): string[] {
  const open = message.indexOf(`\n${DIFF_OPEN}\n`)
  const close = message.lastIndexOf(DIFF_CLOSE)
  if (open === -1 || close === -1) throw new Error('message without diff delimiters')
  const body = message.slice(open + DIFF_OPEN.length + 2, close)
  if (body === '') return []
  if (!body.endsWith('\n')) throw new Error('diff text does not end with a line break')
  return body.slice(0, -1).split('\n')
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/

/**
 * Reads the files back out of the messages as the model would: pieces marked "(continued)" are
 * joined to the file before, lines cut by characters are joined again, and every hunk header is
 * checked against the lines under it (its counts) and used to number them.
 */
export function reassemble(messages: readonly string[]): ReassembledFile[] {
  const files: ReassembledFile[] = []
  let file: ReassembledFile | undefined
  let open: NumberedLine | undefined
  for (const [m, message] of messages.entries()) {
    const lines = diffLines(message)
    let i = 0
    let firstPiece = true
    while (i < lines.length) {
      const header = lines[i++] as string
      if (!header.startsWith('=== '))
        throw new Error(`message ${m + 1}: expected a file header, got ${header}`)
      if (header.endsWith(CONTINUED_NOTE)) {
        if (file === undefined || !firstPiece)
          throw new Error(`message ${m + 1}: a continuation out of place`)
        if (!file.header.startsWith(header.slice(0, -CONTINUED_NOTE.length)))
          throw new Error(`message ${m + 1}: continues ${header}, but the open file is ${file.header}`)
      } else {
        if (open !== undefined) throw new Error(`message ${m + 1}: a cut line was never continued`)
        file = { header, lines: [] }
        files.push(file)
      }
      firstPiece = false
      while (i < lines.length && lines[i]?.startsWith('@@ ')) {
        const h = HUNK.exec(lines[i++] as string)
        if (h === null) throw new Error(`message ${m + 1}: bad hunk header ${lines[i - 1]}`)
        const oldCount = h[2] === undefined ? 1 : Number(h[2])
        const newCount = h[4] === undefined ? 1 : Number(h[4])
        let oldNo = oldCount === 0 ? Number(h[1]) + 1 : Number(h[1])
        let newNo = newCount === 0 ? Number(h[3]) + 1 : Number(h[3])
        let oldSeen = 0
        let newSeen = 0
        let continuing = false
        while (i < lines.length && !lines[i]?.startsWith('=== ') && !lines[i]?.startsWith('@@ ')) {
          const text = lines[i++] as string
          if (text === CONTINUES_LINE) {
            if (open !== undefined) throw new Error(`message ${m + 1}: two cuts in a row`)
            open = file?.lines.at(-1)
            if (open === undefined) throw new Error(`message ${m + 1}: a cut with no line`)
            continue
          }
          if (text === CONTINUED_LINE) {
            if (open === undefined) throw new Error(`message ${m + 1}: a continuation of nothing`)
            continuing = true
            continue
          }
          const marker = text[0]
          const hasOld = marker === ' ' || marker === '-' || text === ''
          const hasNew = marker === ' ' || marker === '+' || text === ''
          const line: NumberedLine = { text }
          if (hasOld) {
            line.old = oldNo++
            oldSeen++
          }
          if (hasNew) {
            line.new = newNo++
            newSeen++
          }
          if (continuing) {
            if (
              open === undefined ||
              open.text[0] !== marker ||
              open.old !== line.old ||
              open.new !== line.new
            )
              throw new Error(`message ${m + 1}: a continuation does not match the line it continues`)
            open.text += text.slice(1)
            open = undefined
            continuing = false
          } else {
            if (open !== undefined) throw new Error(`message ${m + 1}: a cut line was not continued first`)
            file?.lines.push(line)
          }
        }
        if (oldSeen !== oldCount || newSeen !== newCount)
          throw new Error(
            `message ${m + 1}: hunk header says -${oldCount} +${newCount}, lines say -${oldSeen} +${newSeen}`
          )
      }
    }
  }
  if (open !== undefined) throw new Error('the last cut line was never continued')
  return files
}

/** What {@link reassemble} should give for a parsed file: every line of every hunk, numbered. */
export function expectedLines(file: DiffFile): NumberedLine[] {
  const out: NumberedLine[] = []
  for (const h of file.hunks) {
    let oldNo = h.oldLines > 0 ? h.oldStart : h.oldStart + 1
    let newNo = h.newLines > 0 ? h.newStart : h.newStart + 1
    for (const text of hunkLines(h)) {
      const marker = text[0]
      const line: NumberedLine = { text }
      if (marker === ' ' || marker === '-' || text === '') line.old = oldNo++
      if (marker === ' ' || marker === '+' || text === '') line.new = newNo++
      out.push(line)
    }
  }
  return out
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text)
}
