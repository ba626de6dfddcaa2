/**
 * Where a finding can be posted as an inline comment, decided by code from the parsed diff, never
 * taken from the model. GitHub accepts a review comment only on a line of the pull request's diff:
 * RIGHT on an added or context line, LEFT on a removed one (old-file numbering), and a multi-line
 * comment only when `start_line` and `line` are in the same hunk (REST "Create a review for a pull
 * request"; refusals seen as 422 "Line could not be resolved" and "start line must be part of the
 * same hunk as the line", see docs/emulators.md). A finding the rules refuse goes to the summary.
 */
import { hunkLines, type DiffFile } from './diff.js'
import type { Finding, Side } from './findings.js'

/** How far from the model's line a matching `snippet` is looked for. */
export const REANCHOR_WINDOW = 30

export interface Commentable {
  commentable: true
  /** The finding as it can be posted: lines moved by re-anchoring, suggestion dropped when it cannot apply. */
  finding: Finding
  /** The text of the line commented on (for the fingerprint when the finding has no snippet). */
  lineText: string
  /** The model's line, when the snippet moved the finding elsewhere. */
  movedFrom?: number
  /** What was changed or dropped, and why (for the summary). */
  notes: string[]
}

export interface NotCommentable {
  commentable: false
  finding: Finding
  reason: string
  notes: string[]
}

export type Anchored = Commentable | NotCommentable

export interface AnchorOptions {
  /** Files left out of the review, with the reason shown in the summary. */
  skipped?: ReadonlyMap<string, string>
}

interface DiffLine {
  hunk: number
  text: string
}

/** The commentable lines of one file: new-file numbers on the RIGHT, old-file numbers on the LEFT. */
interface FileLines {
  right: Map<number, DiffLine>
  left: Map<number, DiffLine>
}

const linesCache = new WeakMap<DiffFile, FileLines>()

/** The lines of each side GitHub accepts a comment on, read from the file's hunks. */
function commentableLines(file: DiffFile): FileLines {
  const cached = linesCache.get(file)
  if (cached !== undefined) return cached
  const right = new Map<number, DiffLine>()
  const left = new Map<number, DiffLine>()
  file.hunks.forEach((hunk, index) => {
    let oldNo = hunk.oldStart
    let newNo = hunk.newStart
    for (const line of hunkLines(hunk)) {
      const marker = line.charAt(0)
      if (marker === '\\') continue
      const text = line.slice(1)
      if (marker === '-') left.set(oldNo++, { hunk: index, text })
      else if (marker === '+') right.set(newNo++, { hunk: index, text })
      else {
        // A context line (an empty line is one whose space was stripped).
        right.set(newNo++, { hunk: index, text })
        oldNo++
      }
    }
  })
  const lines = { right, left }
  linesCache.set(file, lines)
  return lines
}

/**
 * The path as the diff names it: a leading `./` dropped, nothing else; undefined for a path no
 * diff file can have (absolute, `..` segments, empty, a NUL), which is never resolved or case-folded.
 */
export function normalisePath(path: string): string | undefined {
  let p = path
  while (p.startsWith('./')) p = p.slice(2)
  if (p === '' || p.startsWith('/') || p.includes('\0') || /^[A-Za-z]:[\\/]/.test(p)) return undefined
  if (p.split(/[\\/]/).some(segment => segment === '..')) return undefined
  return p
}

function trimmed(text: string): string {
  return text.trim()
}

/**
 * The snippet as one line to compare with: its last non-blank line (the snippet is meant to be the
 * code of `line`, the end of a range). Undefined when it holds no letter or digit: a `}` alone
 * would "match" any closing brace near the line.
 */
function snippetKey(snippet: string | undefined): string | undefined {
  if (snippet === undefined) return undefined
  const lines = snippet
    .split('\n')
    .map(trimmed)
    .filter(l => l !== '')
  const last = lines[lines.length - 1]
  return last !== undefined && /[\p{L}\p{N}]/u.test(last) ? last : undefined
}

/** Nearest line of `side` within the window whose trimmed text is `key`; the lower one on a tie. */
function nearestMatch(lines: Map<number, DiffLine>, around: number, key: string): number | undefined {
  for (let d = 1; d <= REANCHOR_WINDOW; d++) {
    for (const n of [around - d, around + d]) {
      const l = lines.get(n)
      if (l !== undefined && trimmed(l.text) === key) return n
    }
  }
  return undefined
}

/** Why `start..line` on `side` is not a range GitHub accepts, or undefined when it is. */
function rangeProblem(
  lines: Map<number, DiffLine>,
  start: number | undefined,
  line: number
): string | undefined {
  const end = lines.get(line)
  if (end === undefined) return `line ${line} is not in the diff`
  if (start === undefined) return undefined
  const first = lines.get(start)
  if (first === undefined) return `start_line ${start} is not in the diff`
  if (first.hunk !== end.hunk) return `lines ${start}-${line} span more than one hunk`
  return undefined
}

function sideWords(side: Side): string {
  return side === 'RIGHT' ? 'an added or unchanged line' : 'a removed line'
}

/** Decides, for one finding, whether and where GitHub will accept it as an inline comment. */
export function anchorFinding(
  finding: Finding,
  files: readonly DiffFile[],
  options: AnchorOptions = {}
): Anchored {
  const notes: string[] = []
  const refuse = (reason: string): NotCommentable => ({ commentable: false, finding, reason, notes })
  const path = normalisePath(finding.path)
  if (path === undefined) return refuse('the path is not a path inside the repository')
  const skipped = options.skipped?.get(path)
  if (skipped !== undefined) return refuse(`the file was not reviewed: ${skipped}`)
  const file = files.find(f => f.path === path)
  if (file === undefined) return refuse('the file is not part of this diff')
  if (file.hunks.length === 0) {
    return refuse(file.binary ? 'the file is binary' : 'the diff shows no lines of this file')
  }
  const lines = commentableLines(file)
  const sideLines = finding.side === 'RIGHT' ? lines.right : lines.left
  let line = finding.line
  let startLine = finding.startLine
  let movedFrom: number | undefined
  let dropSuggestion: string | undefined
  const key = snippetKey(finding.snippet)
  const atLine = sideLines.get(line)
  if (key !== undefined && (atLine === undefined || trimmed(atLine.text) !== key)) {
    const match = nearestMatch(sideLines, line, key)
    if (match !== undefined) {
      movedFrom = line
      if (startLine !== undefined) startLine += match - line
      line = match
      notes.push(`moved from line ${movedFrom} to line ${line}, where its snippet is`)
    } else if (atLine !== undefined) {
      notes.push(`its snippet is not on line ${line} nor near it`)
      // The model's line numbers and its code disagree: the comment still names the line, but a
      // suggestion would replace code the model did not mean.
      dropSuggestion = 'its snippet is not on the lines it would replace'
    }
  }
  let problem = rangeProblem(sideLines, startLine, line)
  if (problem !== undefined && movedFrom !== undefined && startLine !== undefined) {
    // The moved range does not fit any more; the line the snippet names still does.
    notes.push(`range dropped after the move: ${problem}`)
    startLine = undefined
    dropSuggestion ??= 'its range no longer fits after the move'
    problem = rangeProblem(sideLines, startLine, line)
  }
  if (problem !== undefined) {
    const onSide = sideLines.has(line) ? '' : `: not ${sideWords(finding.side)} of a hunk (${finding.side})`
    return refuse(`${problem}${onSide}`)
  }
  const posted: Finding = { ...finding, path, line }
  if (startLine === undefined) delete posted.startLine
  else posted.startLine = startLine
  if (posted.suggestion !== undefined) {
    // GitHub replaces exactly start_line..line of the new file with the suggestion: on removed
    // lines it has nothing to replace.
    dropSuggestion ??= finding.side === 'LEFT' ? 'a suggestion cannot apply to removed lines' : undefined
    if (dropSuggestion !== undefined) {
      delete posted.suggestion
      notes.push(`suggestion dropped: ${dropSuggestion}`)
    }
  }
  const result: Commentable = {
    commentable: true,
    finding: posted,
    lineText: (sideLines.get(line) as DiffLine).text,
    notes
  }
  if (movedFrom !== undefined) result.movedFrom = movedFrom
  return result
}
