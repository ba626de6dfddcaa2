/**
 * The emulator's assistant: deterministic replies derived from the message, so tests can check
 * what reached the model. It reads the message as data and never follows anything in it. The
 * answer to the review request ends with a findings block derived from the diff lines the whole
 * session received (see {@link derivedFindings}), or a sloppy one on request ({@link FindingsMode}).
 */

/**
 * The findings block of the review answer:
 * - `derived` (default): one finding per file on its first whole added line (RIGHT, the line's text
 *   as snippet; lines over 500 characters passed over), or on its first removed line (LEFT) when the
 *   file only lost lines; severities cycle minor, major, nit, critical over the files in path order.
 * - `none`: no block at all (the review reads as prose; verdict unknown).
 * - `empty`: `{"findings":[]}`.
 * - `broken-json`: a `json` block that does not parse.
 * - `wrong-lines`: the derived findings with lines 3 too far, snippets right (re-anchoring).
 * - `unknown-paths`: the derived findings on files not in the diff, and one on `../outside.ts`.
 * - `inflated`: the derived findings, all `critical`.
 * - `untagged`: the derived findings in a fence without `json`, `file` for `path`, severity in caps.
 */
export type FindingsMode =
  'derived' | 'none' | 'empty' | 'broken-json' | 'wrong-lines' | 'unknown-paths' | 'inflated' | 'untagged'

export interface ReplyOptions {
  /** Add `@user` and `@org/team` mentions, to test that the action neutralises them. */
  mentions?: boolean
  /** Pad the reply to this many characters, to test truncation (the findings block stays last). */
  hugeChars?: number
  /** The findings block of the review answer; default `derived`. */
  findings?: FindingsMode
  /** Sent as it is in place of the findings block (a test's own block, fence and all). */
  findingsBlock?: string
}

/** Paths named in a message: the action's `=== path` file lines and git's `diff --git` headers. */
export function filesIn(message: string): string[] {
  const files: string[] = []
  for (const line of message.split('\n')) {
    const ours = /^=== (.+?)(?: \((?:continued|[^)]*)\))?$/.exec(line)
    const git = /^diff --git a\/(.+) b\/(.+)$/.exec(line)
    const path = ours?.[1] ?? git?.[2]
    if (path !== undefined && !files.includes(path)) files.push(path)
  }
  return files
}

/** Diff lines (added, removed, context) in a message. */
export function diffLinesIn(message: string): number {
  let count = 0
  for (const line of message.split('\n')) {
    if (/^[+\- ]/.test(line) && !line.startsWith('+++ ') && !line.startsWith('--- ')) count += 1
  }
  return count
}

// Anchored at a line start so that the same words inside a diff line (`+`, `-`, ` `) are not read
// as the action's own request.
const SUMMARY_REQUEST = /^Now write the review of the whole pull request/m
const QUESTION = /^<question>\n([\s\S]*?)\n<\/question>$/m

export interface DerivedFinding {
  path: string
  line: number
  side: 'LEFT' | 'RIGHT'
  severity: 'critical' | 'major' | 'minor' | 'nit'
  title: string
  body: string
  snippet: string
}

/** What the diff of a session showed of one file: its added and removed lines, by number. */
interface SeenFile {
  added: Map<number, string>
  removed: Map<number, string>
}

/** The diff text of a message: what lies between `<diff>` and `</diff>`, or all of it without them. */
function diffText(message: string): string[] {
  const lines = message.split('\n')
  const open = lines.indexOf('<diff>')
  const close = lines.lastIndexOf('</diff>')
  return open >= 0 && close > open ? lines.slice(open + 1, close) : lines
}

/** A path as the messages show it: plain, or quoted with escapes (read back as JSON reads them). */
function unquote(shown: string): string | undefined {
  if (!shown.startsWith('"')) return shown
  try {
    const path: unknown = JSON.parse(shown.replace(/" \[sha256 [0-9a-f]+\]$/, '"'))
    return typeof path === 'string' && !path.includes('…') ? path : undefined
  } catch {
    return undefined
  }
}

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/

/**
 * Reads one message's diff into `files`. A line next to a `\` remark other than git's "No newline"
 * is a piece of a line cut between parts: it is left out, so a snippet is always a whole line.
 */
function readDiff(message: string, files: Map<string, SeenFile>): void {
  const lines = diffText(message)
  let file: SeenFile | undefined
  let oldNo = 0
  let newNo = 0
  const cut = (i: number) => {
    const near = [lines[i - 1], lines[i + 1]]
    return near.some(l => l !== undefined && l.startsWith('\\') && !/no newline/i.test(l))
  }
  lines.forEach((line, i) => {
    const header = /^=== (.+?)(?: \((?:continued|[^)]*)\))?$/.exec(line)
    if (header !== null) {
      const path = unquote(header[1] as string)
      file = undefined
      if (path === undefined) return
      file = files.get(path) ?? { added: new Map(), removed: new Map() }
      files.set(path, file)
      return
    }
    const hunk = HUNK.exec(line)
    if (hunk !== null) {
      oldNo = Number(hunk[1])
      newNo = Number(hunk[2])
      return
    }
    if (file === undefined || line.startsWith('\\')) return
    const marker = line.charAt(0)
    if (marker === '+') {
      if (!cut(i)) file.added.set(newNo, line.slice(1))
      newNo++
    } else if (marker === '-') {
      if (!cut(i)) file.removed.set(oldNo, line.slice(1))
      oldNo++
    } else if (marker === ' ') {
      oldNo++
      newNo++
    }
  })
}

const CYCLE = ['minor', 'major', 'nit', 'critical'] as const

/** Longest line quoted as a snippet: a model would not copy a minified line whole. */
const SNIPPET_MAX = 500

/** The lowest-numbered line with a letter or digit, short enough to quote. */
function first(lines: Map<number, string>): [number, string] | undefined {
  return [...lines.entries()]
    .filter(([, text]) => /[\p{L}\p{N}]/u.test(text) && text.length <= SNIPPET_MAX)
    .sort(([a], [b]) => a - b)[0]
}

/**
 * The findings a careful model would write about the diff lines of `messages` (the whole session,
 * in any order): one per file, on its first added line with a letter or digit and at most 500
 * characters (RIGHT), else on its first such removed line (LEFT); severities cycle {@link CYCLE}
 * over the files sorted by path.
 */
export function derivedFindings(messages: readonly string[]): DerivedFinding[] {
  const files = new Map<string, SeenFile>()
  for (const message of messages) readDiff(message, files)
  const out: DerivedFinding[] = []
  for (const path of [...files.keys()].sort()) {
    const seen = files.get(path) as SeenFile
    const added = first(seen.added)
    const removed = added === undefined ? first(seen.removed) : undefined
    const at = added ?? removed
    if (at === undefined) continue
    const side = added !== undefined ? 'RIGHT' : 'LEFT'
    const [line, text] = at
    out.push({
      path,
      line,
      side,
      severity: CYCLE[out.length % CYCLE.length] as DerivedFinding['severity'],
      title: `Emulated finding in ${path.split('/').pop() ?? path}`,
      body: `Emulated: the ${side === 'RIGHT' ? 'added' : 'removed'} line ${line} of this file.`,
      snippet: text
    })
  }
  return out
}

const FENCE = '```'

/** The findings block `mode` asks for, after the review's prose (empty for `none`). */
export function findingsBlock(messages: readonly string[], mode: FindingsMode = 'derived'): string {
  const derived = derivedFindings(messages)
  const block = (findings: unknown[], info = 'json') =>
    `${FENCE}${info}\n${JSON.stringify({ findings }, null, 1)}\n${FENCE}`
  switch (mode) {
    case 'none':
      return ''
    case 'empty':
      return block([])
    case 'broken-json':
      return `${FENCE}json\n{"findings": [{"path": "a.ts", "line": 1,, "severity": "major"}\n${FENCE}`
    case 'wrong-lines':
      return block(derived.map(f => ({ ...f, line: f.line + 3 })))
    case 'unknown-paths':
      return block([
        ...derived.map(f => ({ ...f, path: `not/in/the/diff/${f.path}` })),
        { path: '../outside.ts', line: 1, severity: 'major', title: 'Outside the repository', body: 'x' }
      ])
    case 'inflated':
      return block(derived.map(f => ({ ...f, severity: 'critical' })))
    case 'untagged':
      return block(
        derived.map(({ path, severity, ...rest }) => ({
          file: path,
          ...rest,
          severity: severity.toUpperCase()
        })),
        ''
      )
    case 'derived':
      return block(derived)
  }
}

/**
 * The answer to `message`, the session's latest; `history` holds the session's earlier messages,
 * so the review answer can speak of every part.
 */
export function reply(message: string, options: ReplyOptions = {}, history: readonly string[] = []): string {
  const files = filesIn(message)
  const lines = diffLinesIn(message)
  const fileList = files.length > 0 ? files.map(f => `\`${f}\``).join(', ') : 'no files'
  let text: string
  let block = ''
  const question = QUESTION.exec(message)?.[1]
  if (question !== undefined) {
    text = `Emulated answer to a question of ${question.length} characters, with ${files.length} file(s) of diff in this message.`
  } else if (SUMMARY_REQUEST.test(message)) {
    text = [
      '### Summary',
      `Emulated review: the last part held ${lines} diff line(s) in ${files.length} file(s): ${fileList}.`
    ].join('\n')
    block = options.findingsBlock ?? findingsBlock([...history, message], options.findings)
  } else {
    text = `- notes: ${lines} diff line(s) in ${files.length} file(s): ${fileList}.`
  }
  if (options.mentions === true) text += '\n\ncc @octocat and @octo-org/reviewers, thanks @alice!'
  const tail = block !== '' ? `\n\n${block}` : ''
  const huge = options.hugeChars ?? 0
  if (huge > text.length + tail.length) {
    const filler = '\nfiller line of the emulated huge reply @octocat ✓'
    const room = huge - text.length - tail.length
    text += filler.repeat(Math.ceil(room / filler.length)).slice(0, room)
  }
  return text + tail
}
