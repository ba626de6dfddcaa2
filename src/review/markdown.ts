/**
 * Markdown safety: outside text (model output, paths, ids, error messages) made safe to embed in
 * a comment GitHub renders: no mention that pings anyone, no HTML that hides what follows, no
 * code block left open, no forged marker of the action's own comment.
 */
import { pairSafeCut } from './unicode.js'

const ZERO_WIDTH_SPACE = '\u200B'

/** Character references that render as `@`: `&#64;`, `&#x40;`, `&commat;`, in any case, leading zeros too. */
const AT_REFERENCE = /&(?:#0*64|#x0*40|commat);/gi

/**
 * An `@` GitHub could link. Its mention filter (html-pipeline's MentionFilter) matches `(?:^|\W)@login` in
 * each rendered text node, skipping only `pre`, `code` and `a`. Only a letter or digit right before the `@`
 * surely stays in the same node (`_foo_@bob` renders as `<em>foo</em>@bob`, a node that starts with `@bob`).
 * After it: any letter or digit (the filter's case-insensitive `[a-z]` also takes `K` and `ſ`), or a
 * character reference (`@&#97;lice` renders as `@alice`).
 */
const LIVE_AT = /(?<![A-Za-z0-9])@(?=[\p{L}\p{N}&])/gu

/**
 * Breaks every `@user` and `@org/team` so GitHub does not notify anyone: a zero-width space after the `@`
 * keeps the text readable while no longer matching a mention. E-mail addresses are left as they are. Reads
 * no Markdown, so it is safe anywhere (a table cell, a quote), code included; model output goes through
 * {@link sanitizeModelText}, which leaves code alone.
 */
export function neutralizeMentions(text: string): string {
  return text.replace(AT_REFERENCE, `@${ZERO_WIDTH_SPACE}`).replace(LIVE_AT, `@${ZERO_WIDTH_SPACE}`)
}

/**
 * A URI autolink (CommonMark): a link, and no HTML (a tag name has no `:`). One with a backtick is left out,
 * as it would take that backtick away from the code spans read here.
 */
const AUTOLINK = /<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>`]*>/y

/** Tags without attributes that hide nothing, kept where they are inline. */
const HARMLESS_TAG = /<\/?(?:br|kbd|sub|sup)[ \t]*\/?>/iy

/** What may stand before the first character of a block: indentation, quote and list markers. */
const BLOCK_PREFIX = /^[ \t>*+\-.)0-9]*/

function matchesAt(pattern: RegExp, text: string, at: number): boolean {
  pattern.lastIndex = at
  return pattern.test(text)
}

/**
 * Text outside code made inert: no mention, and no `<` that could open a tag, a comment, a declaration or an
 * e-mail autolink. So model text can start no HTML block (an unclosed `<!--`, `<pre>` or `<style>` would take
 * the rest of the comment with it, `<b>` alone on a line the fence below it) and cannot close or open the
 * comment's `<details>`. A zero-width space after the `<` shows as nothing. Kept: URI autolinks, and
 * {@link HARMLESS_TAG}s unless first on a line, where `<br>` alone would open an HTML block.
 */
export function neutralizeText(text: string, atLineStart: boolean): string {
  // `[!NOTE]` opens a GitHub alert and `[^1]:` a footnote shown below the action's footer: model
  // text would pass for the action's own boxes and last words.
  return breakImages(neutralizeMentions(text))
    .replace(/\[(?=[!^])/g, `[${ZERO_WIDTH_SPACE}`)
    .replace(BRACKET_REFERENCE, ref => ref + ZERO_WIDTH_SPACE)
    .split('\n')
    .map((line, n) => {
      const blockStart = n > 0 || atLineStart ? (BLOCK_PREFIX.exec(line)?.[0].length ?? 0) : -1
      return line.replace(/<(?![ \t\u200B]|$)/g, (lt: string, at: number) =>
        matchesAt(AUTOLINK, line, at) || (at !== blockStart && matchesAt(HARMLESS_TAG, line, at))
          ? lt
          : lt + ZERO_WIDTH_SPACE
      )
    })
    .join('\n')
}

/** `[` spelled as a character reference before `!` or `^`: kept apart from them like a plain `[`. */
const BRACKET_REFERENCE = /&(?:#0*91|#x0*5b|lsqb|lbrack);(?=[!^])/gi

/**
 * Hosts whose images GitHub serves itself: an image elsewhere is a beacon (GitHub's image proxy
 * fetches it when the comment is viewed, so injected text could carry a private diff out in its URL).
 */
function isGitHubHost(host: string): boolean {
  return ['github.com', 'githubusercontent.com'].some(h => host === h || host.endsWith(`.${h}`))
}

/**
 * The destination of the inline image whose `![` is at `at`, when it is plain enough to be read the
 * same way here and by GitHub (no escape, reference, space or angle bracket in it); else undefined.
 */
function inlineImageDestination(text: string, at: number): string | undefined {
  let depth = 0
  for (let i = at; i < text.length; i++) {
    const c = text[i]
    if (c === '\\') i += 1
    else if (c === '[') depth += 1
    else if (c === ']' && --depth === 0) {
      return /^\(([^\s()<>\\&]+)(?=[\s)])/.exec(text.slice(i + 1, i + 1 + 4096))?.[1]
    }
  }
  return undefined
}

function allowedImage(text: string, at: number): boolean {
  const destination = inlineImageDestination(text, at)
  if (destination === undefined) return false
  try {
    const url = new URL(destination)
    return (url.protocol === 'https:' || url.protocol === 'http:') && isGitHubHost(url.hostname)
  } catch {
    return false
  }
}

/**
 * Every image (`![alt](url)`, `![alt][ref]`, `![ref]`) made a plain link by a zero-width space
 * between `!` and `[`, but for an inline one served by GitHub itself ({@link isGitHubHost}). HTML
 * `<img>` needs nothing here: {@link neutralizeText} makes every such tag inert.
 */
function breakImages(text: string): string {
  return text.replace(/!(?=\[)/g, (bang: string, at: number) =>
    allowedImage(text, at + 1) ? bang : bang + ZERO_WIDTH_SPACE
  )
}

/**
 * The action's own headings and its coverage and verdict lines, by their first words: model text that
 * starts a line (or a heading) with them would pass for the action's own facts.
 */
const OWN_HEADING =
  /^(?:codex review|usage|verdict|findings|skipped files|not reviewed|notes per part|the model.s review|part \d+|(?:complete|partial|incomplete) review)/i
const OWN_LINE = /^(?:verdict|(?:complete|partial|incomplete) review)/i

/** Quote and list markers and indentation before a line's content. */
const LINE_PREFIX = /^(?:[ \t>]|[-+*](?=[ \t])|[0-9]{1,9}[.)](?=[ \t]))*/

/** Characters that show as nothing: format characters, and the blank "letters" (Hangul fillers, braille blank). */
const INVISIBLE = /[\p{Cf}\u115F\u1160\u3164\uFFA0\u2800]/gu

/** The words a heading's text starts with: invisible characters, emoji and markup left out. */
function headingWords(text: string): string {
  return text.replace(INVISIBLE, '').replace(/^[^\p{L}\p{N}]+/u, '')
}

/** The words a line starts with: invisible characters and emphasis left out (not `|`, a table's). */
function lineWords(text: string): string {
  return text.replace(INVISIBLE, '').replace(/^[*_~\s]+/u, '')
}

/** Whether a line's content (after {@link LINE_PREFIX}) reads as one of the action's own. */
function imitates(content: string): boolean {
  const heading = /^#{1,6}(?=[ \t]|$)/.exec(content)
  if (heading !== null) return OWN_HEADING.test(headingWords(content.slice(heading[0].length)))
  const words = lineWords(content)
  return OWN_LINE.test(words) || OWN_HEADING.test(words)
}

/** Whether a line would read as one of the action's headings if a setext underline followed it. */
function headingText(content: string): boolean {
  return OWN_HEADING.test(headingWords(content))
}

const SETEXT_UNDERLINE = /^[ \t>]*(?:=+|-+)[ \t]*$/

/**
 * The lines of a run that would pass for the action's own (an ATX heading or a line starting with its
 * words, a setext underline below such a line) get a zero-width space before their content: an ATX
 * heading then reads as a paragraph, an underline as text, and no line starts with the words. A line
 * whose content already starts with one is left as it is (so sanitising twice changes nothing), but
 * still counts for the underline below it.
 */
function breakImitations(lines: string[]): string[] {
  let seen = false
  return lines.map(line => {
    if (seen && SETEXT_UNDERLINE.test(line)) {
      const at = /^[ \t>]*/.exec(line)?.[0].length ?? 0
      return line.slice(0, at) + ZERO_WIDTH_SPACE + line.slice(at)
    }
    const prefix = LINE_PREFIX.exec(line)?.[0] ?? ''
    const content = line.slice(prefix.length)
    seen ||= headingText(content)
    if (!imitates(content)) return line
    seen = true
    return content.startsWith(ZERO_WIDTH_SPACE) ? line : prefix + ZERO_WIDTH_SPACE + content
  })
}

/** A fenced code block: its fence and how far the opening line is indented. */
interface Fence {
  char: string
  length: number
  indent: number
  /** False for `math`, which GitHub renders outside `<pre>`: its text is made inert like any other. */
  verbatim: boolean
}

const BLANK = /^[ \t]*$/

/** The fence a line opens at the top level (CommonMark: up to three spaces in, no backtick after ```). */
function fenceOpener(line: string): Fence | undefined {
  const match = /^( {0,3})(`{3,}|~{3,})([\s\S]*)$/.exec(line)
  const [indent, run, info] = [match?.[1] ?? '', match?.[2] ?? '', match?.[3] ?? '']
  if (run === '' || (run.startsWith('`') && info.includes('`'))) return undefined
  return { char: run.charAt(0), length: run.length, indent: indent.length, verbatim: !/math/i.test(info) }
}

/** Columns of leading whitespace, tabs to the next multiple of four (CommonMark). */
function indentWidth(line: string): number {
  let width = 0
  for (const c of line) {
    if (c === ' ') width += 1
    else if (c === '\t') width += 4 - (width % 4)
    else break
  }
  return width
}

/** Whether a line could close `fence` under some indentation: only that fence's character, long enough. */
function closerRun(line: string, fence: Fence): boolean {
  const run = /^[ \t]*(`+|~+)[ \t]*$/.exec(line)?.[1] ?? ''
  return run.startsWith(fence.char) && run.length >= fence.length
}

/**
 * The line that closes the fence opened on line `start` (`lines.length` when none does), or undefined when
 * GitHub might not read a fence there. At column 0 it is a top-level fence for sure: no list item or quote
 * goes on at column 0, and model text opens no HTML block. Indented by one to three spaces, it may instead
 * sit in a list item, which any less indented line would end, fence and all; so it counts only if it is
 * closed (within three columns, as both readings then agree) before such a line, or runs to the end.
 */
function fenceEnd(lines: readonly string[], start: number, fence: Fence): number | undefined {
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (fence.indent === 0) {
      if (closerRun(line, fence) && indentWidth(line) <= 3) return i
    } else if (!BLANK.test(line)) {
      const width = indentWidth(line)
      if (width < fence.indent) return undefined
      if (closerRun(line, fence)) return width <= 3 ? i : undefined
    }
  }
  return lines.length
}

/** A fence GitHub will see: its opening line, and its closing line (`lines.length` when left open). */
interface FencedBlock {
  fence: Fence
  start: number
  end: number
}

/** The fenced code blocks of `lines` that GitHub will read as this module does. */
export function* fencedBlocks(lines: readonly string[]): Generator<FencedBlock> {
  for (let start = 0; start < lines.length; start++) {
    const fence = fenceOpener(lines[start] ?? '')
    const end = fence !== undefined ? fenceEnd(lines, start, fence) : undefined
    if (fence === undefined || end === undefined) continue
    yield { fence, start, end }
    start = end
  }
}

export function closingLine(fence: Fence): string {
  return ' '.repeat(fence.indent) + fence.char.repeat(fence.length)
}

/**
 * What could be a fence inside a list item, a quote or a footnote, or an indented fence that
 * {@link fenceEnd} does not vouch for: everything up to its ``` or ~~~.
 */
const FENCE_LIKE = /^(?:[ \t>]|[-+*](?=[ \t])|[0-9]{1,9}[.)](?=[ \t])|\[\^[^\]]*\]:)*(?=```|~~~)/

/** A zero-width space before the fence, so GitHub opens or closes no code block there either. */
function breakFence(line: string): string {
  const prefix = FENCE_LIKE.exec(line)?.[0]
  return prefix === undefined ? line : `${prefix}${ZERO_WIDTH_SPACE}${line.slice(prefix.length)}`
}

/** ASCII punctuation, which a backslash escapes (CommonMark). */
const ESCAPABLE = /[!-/:-@[-`{-~]/

/**
 * The code spans of one line read alone, as CommonMark reads them (a backtick string closed by the next
 * string of the same length, a backslash escaping an opening backtick but not a closing one), and whether
 * every backtick string found its match.
 */
function codeSpans(line: string): { spans: [number, number][]; paired: boolean } {
  const spans: [number, number][] = []
  let paired = true
  let i = 0
  while (i < line.length) {
    if (line[i] === '\\' && ESCAPABLE.test(line[i + 1] ?? '')) {
      i += 2
      continue
    }
    if (line[i] !== '`') {
      i += 1
      continue
    }
    const ticks = /`+/g
    ticks.lastIndex = i
    const open = ticks.exec(line)?.[0].length ?? 1
    let close = ticks.exec(line)
    while (close !== null && close[0].length !== open) close = ticks.exec(line)
    if (close === null) {
      paired = false
      i += open
    } else {
      spans.push([i, close.index + open])
      i = close.index + open
    }
  }
  return { spans, paired }
}

/**
 * Inline syntax GitHub reads raw, backticks and all: link destinations, titles and labels, bare URLs (GFM's
 * autolinks take `www.x/`y` whole) and math.
 */
const RAW_INLINE = /\]\(|\]\[|www\.|:\/\/|\$/i

/**
 * Lines between blank lines and fences, which GitHub may read as one paragraph or as several blocks (list
 * items, quotes, headings, table rows), made inert but for their code spans. A code span counts only when
 * every line of the run pairs all its backticks by itself: then no reading of where the blocks break can pair
 * them otherwise. Not in a line with `|` (a table splits its cells first) nor in a run with links or math.
 */
function neutralizeRun(lines: readonly string[]): string[] {
  const read = lines.map(codeSpans)
  const trusted = read.every(r => r.paired) && !lines.some(line => RAW_INLINE.test(line))
  const inert = lines.map((line, k) => {
    const spans = trusted && !line.includes('|') ? (read[k]?.spans ?? []) : []
    let out = ''
    let at = 0
    for (const [from, to] of spans) {
      out += neutralizeText(line.slice(at, from), at === 0) + line.slice(from, to)
      at = to
    }
    return out + neutralizeText(line.slice(at), at === 0)
  })
  return breakImitations(inert)
}

/** The action's marker or state line, forged (a reply could otherwise make a later run adopt a session). */
const FORGED_MARKER = /<!--\s*rivya-codex-review/gi

/**
 * Model output made safe to embed in the comment: no mention that pings (not even entity-encoded), no HTML
 * that could hide the rest of the comment or forge the action's marker or state, no code block left open.
 * Code stays as written where GitHub will surely read it as code (fenced blocks, closed code spans), as
 * GitHub links no mention there; what could be read either way is made inert.
 */
export function sanitizeModelText(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').replace(FORGED_MARKER, '&lt;!-- rivya-codex-review').split('\n')
  const out: string[] = []
  let run: string[] = []
  const endRun = () => {
    for (const line of neutralizeRun(run)) out.push(line)
    run = []
  }
  const prose = (from: number, to: number) => {
    for (const line of lines.slice(from, to)) {
      if (BLANK.test(line)) {
        endRun()
        out.push(line)
      } else run.push(breakFence(line))
    }
    endRun()
  }
  let next = 0
  for (const { fence, start, end } of fencedBlocks(lines)) {
    prose(next, start)
    const body = lines.slice(start + 1, end)
    out.push(lines[start] ?? '')
    for (const line of body) out.push(fence.verbatim ? line : neutralizeText(line, true))
    if (end < lines.length) out.push(lines[end] ?? '')
    else {
      if (body.length > 0 && out[out.length - 1] === '') out.pop()
      out.push(closingLine(fence))
    }
    next = end + 1
  }
  prose(next, lines.length)
  return out.join('\n')
}

/** A table cell (a path from the diff, a reason): one line, inert, no way out of its code span or cell. */
export function escapeCell(text: string): string {
  return neutralizeText(text, true)
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .replace(/`/g, "'")
}

/** Text from outside (an error message) on one line of the job summary or a reply: no mention, no HTML. */
export function inertText(text: string): string {
  return escapeCell(text)
}

export const PLAIN_ID = /^[A-Za-z0-9_.:-]{1,200}$/

/**
 * An id from Rivya (session id, error code, request id) as shown in the comment, a reply or the job
 * summary: data, whatever a hostile or broken server sent (no live mention, no HTML, no way out of a
 * code span or a table cell, at most 200 characters). Ids of the usual shape are left as they are.
 */
export function inertId(id: string): string {
  if (PLAIN_ID.test(id)) return id
  const cut = id.length > 200 ? `${id.slice(0, pairSafeCut(id, 200))}…` : id
  return escapeCell(cut)
}
