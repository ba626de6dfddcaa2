/**
 * Cutting text to a size in UTF-8 bytes (GitHub's comment limit) without breaking what renders:
 * a cut at a line boundary, never inside a surrogate pair, a code fence left open closed again.
 */
import { closingLine, fencedBlocks, sanitizeModelText } from './markdown.js'
import { pairSafeCut } from './unicode.js'

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

/**
 * The longest prefix within `maxBytes` UTF-8 bytes, at a line (else character) boundary, never inside a
 * surrogate pair.
 */
function cutToBytes(text: string, maxBytes: number): string {
  // Binary search the longest prefix (in UTF-16 units) whose UTF-8 size fits.
  let lo = 0
  let hi = text.length
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    if (utf8Length(text.slice(0, mid)) <= maxBytes) lo = mid
    else hi = mid - 1
  }
  let cut = pairSafeCut(text, lo)
  const newline = text.lastIndexOf('\n', cut)
  if (newline > cut / 2) cut = newline
  return text.slice(0, cut)
}

/**
 * Cuts text to at most `maxBytes` UTF-8 bytes at a line (else character) boundary, never inside a
 * surrogate pair, closing a code fence left open (same character, length and indentation, as a shorter
 * or other fence would not close it) so the rest of the comment still renders.
 */
export function truncateText(text: string, maxBytes: number, note: string): string {
  if (utf8Length(text) <= maxBytes) return text
  let room = maxBytes - utf8Length(note) - 2
  while (room > 0) {
    const head = cutToBytes(text, room)
    const lines = head.split('\n')
    const open = [...fencedBlocks(lines)].find(block => block.end >= lines.length)
    const cut = `${open !== undefined ? `${head}\n${closingLine(open.fence)}` : head}\n\n${note}`
    const over = utf8Length(cut) - maxBytes
    if (over <= 0) return cut
    room -= over
  }
  return ''
}

/**
 * Sanitised text cut to fit, sanitised again: a cut can leave a code span without its closing backticks,
 * which would bring a mention in it back to life.
 */
export function fitSanitized(text: string, maxBytes: number, note: string): string {
  if (utf8Length(text) <= maxBytes) return text
  for (let room = maxBytes; room > 0;) {
    const cut = sanitizeModelText(truncateText(text, room, note))
    const over = utf8Length(cut) - maxBytes
    if (over <= 0) return cut
    room -= Math.max(over, Math.ceil(room / 16))
  }
  return ''
}
