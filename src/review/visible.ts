/**
 * The PR's words in the action's messages, in a form that cannot pass for the action's own: a
 * content line never breaks where a reader might see a new line, and a path is shown so that
 * two different paths never look the same and no path looks like a path with the format's notes.
 */
import { createHash } from 'node:crypto'
import { pairSafeCut, splitsSurrogatePair } from './unicode.js'

/**
 * What some readers take as a line break besides LF: CR alone, VT, FF, the file/group/record
 * separators, NEL, U+2028 and U+2029 (Unicode's line-breaking characters, UAX #14, and the set
 * Python's `str.splitlines` splits at). A CR before LF (a CRLF file) or at the end of a text
 * (whose LF is added when it is sent) stays: it ends the line where LF does.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const LINE_BREAK_LIKE = /[\v\f\x1c-\x1e\x85\u2028\u2029]|\r(?!\n|$)/g
// eslint-disable-next-line no-control-regex -- the same set, tested without the global flag
const HAS_LINE_BREAK_LIKE = /[\v\f\x1c-\x1e\x85\u2028\u2029]|\r(?!\n|$)/

/** The escape of one code point: `\n`, `\r`, `\t`, else `\uXXXX` (`\u{XXXXX}` beyond the BMP). */
export function escapeCodePoint(cp: number): string {
  if (cp === 10) return '\\n'
  if (cp === 13) return '\\r'
  if (cp === 9) return '\\t'
  return cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, '0')}`
}

/** Diff content (hunk lines) with every line-break-like character but LF escaped. */
export function visibleContent(text: string): string {
  if (!HAS_LINE_BREAK_LIKE.test(text)) return text
  return text.replace(LINE_BREAK_LIKE, ch => escapeCodePoint(ch.charCodeAt(0)))
}

/** Control and bidirectional-override characters would let a file name rewrite the layout. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f\u0085\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/**
 * One-line, visible form of outside text (a hunk's section, a title): line breaks and control
 * characters escaped, and at most `max` characters, shortened in the middle without splitting a
 * surrogate pair.
 */
export function displayText(text: string, max: number): string {
  const escaped = text.replace(UNSAFE, ch => escapeCodePoint(ch.charCodeAt(0)))
  if (escaped.length <= max) return escaped
  const keep = Math.max(0, max - 1)
  const head = pairSafeCut(escaped, Math.ceil(keep / 2))
  let tail = escaped.length - (keep - Math.ceil(keep / 2))
  if (splitsSurrogatePair(escaped, tail)) tail += 1
  return `${escaped.slice(0, head)}…${escaped.slice(tail)}`
}

/**
 * Characters a path is not shown plainly with: controls and format characters (zero-width
 * spaces and joiners, U+2060, BOM, bidirectional marks and overrides, Arabic letter mark, tags),
 * line and paragraph separators, lone surrogates, private-use and unassigned code points, spaces
 * other than U+0020, and the default-ignorable letters and marks that render as nothing
 * (Unicode's DerivedCoreProperties.txt, Default_Ignorable_Code_Point).
 */
const UNCLEAR =
  // eslint-disable-next-line no-misleading-character-class -- invisible combining marks are the point, each tested alone
  /[\p{C}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\u{e0100}-\u{e01ef}]/u

/** Shown without quotes: nothing to escape, no quote or backslash, no ` (` a note could start with. */
function isPlainPath(path: string): boolean {
  if (path === '' || path.startsWith(' ') || path.endsWith(' ') || path.includes(' (')) return false
  let ascii = true
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i)
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x7f) return false
    if (c > 0x7e) ascii = false
  }
  return ascii || !UNCLEAR.test(path)
}

/** The quoted form's pieces, one per code point: cut between them, never inside an escape. */
function quotedTokens(path: string): string[] {
  const tokens: string[] = []
  for (const ch of path) {
    const cp = ch.codePointAt(0) as number
    if (ch === '"') tokens.push('\\"')
    else if (ch === '\\') tokens.push('\\\\')
    else if (UNCLEAR.test(ch)) tokens.push(escapeCodePoint(cp))
    else tokens.push(ch)
  }
  return tokens
}

/** Longest length {@link displayPath} needs room for beyond what it keeps of the path. */
export const SHORTENED_EXTRA = ' [sha256 0123456789abcdef]'.length + 3

/**
 * A path as the messages show it, at most `max` characters (`max` ≥ {@link SHORTENED_EXTRA} + 2).
 * A plain path is itself. Any other path is quoted, C-style: `\\`, `\"`, and every character
 * that is invisible or could break the line escaped; a path too long is cut in the middle (`…`)
 * and followed by the start of its SHA-256, so two different paths never show the same.
 */
export function displayPath(path: string, max: number): string {
  if (path.length <= max && isPlainPath(path)) return path
  const tokens = quotedTokens(path)
  const quoted = `"${tokens.join('')}"`
  if (quoted.length <= max) return quoted
  const digest = createHash('sha256').update(path, 'utf8').digest('hex').slice(0, 16)
  const room = Math.max(2, max - SHORTENED_EXTRA)
  let head = ''
  let i = 0
  while (i < tokens.length && head.length + (tokens[i] as string).length <= Math.ceil(room / 2)) {
    head += tokens[i]
    i++
  }
  let tail = ''
  for (let j = tokens.length - 1; j >= i; j--) {
    const t = tokens[j] as string
    if (head.length + tail.length + t.length > room) break
    tail = t + tail
  }
  return `"${head}…${tail}" [sha256 ${digest}]`
}
