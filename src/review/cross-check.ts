/**
 * GitHub counts the added and deleted lines of every file itself (`additions`, `deletions` of the
 * files list and of the pull request). When what the parser read differs, some change did not
 * reach the review: the coverage must say so rather than call the review complete.
 */
import type { DiffFile } from './diff.js'

export interface LineCounts {
  additions: number
  deletions: number
}

function counts(c: LineCounts): string {
  return `+${c.additions} −${c.deletions}`
}

/** Why a file's parsed counts are not GitHub's; undefined when they agree or GitHub gave none. */
export function countProblem(read: LineCounts, github: Partial<LineCounts>): string | undefined {
  if (github.additions === undefined || github.deletions === undefined) return undefined
  if (read.additions === github.additions && read.deletions === github.deletions) return undefined
  return `GitHub counts ${counts(github as LineCounts)} lines, the patch read gives ${counts(read)}`
}

/**
 * The coverage note for a collected diff: the files whose counts differ from GitHub's, and for
 * the diff media type (which carries no per-file counts) the whole diff against the pull
 * request's totals. Undefined when everything agrees. Binary files count 0 lines on both sides.
 */
export function coverageMismatch(files: readonly DiffFile[], prTotals?: LineCounts): string | undefined {
  const notes: string[] = []
  const mismatched = files.filter(f => f.problem !== undefined).length
  if (mismatched > 0) {
    notes.push(`${mismatched} file${mismatched === 1 ? '' : 's'} could not be read completely (listed below)`)
  }
  if (prTotals !== undefined) {
    const read: LineCounts = { additions: 0, deletions: 0 }
    for (const f of files) {
      read.additions += f.additions
      read.deletions += f.deletions
    }
    if (read.additions !== prTotals.additions || read.deletions !== prTotals.deletions) {
      notes.push(
        `the diff read holds ${counts(read)} lines where GitHub counts ${counts(prTotals)} for the pull request, so some changes may be missing`
      )
    }
  }
  return notes.length > 0 ? notes.join('; ') : undefined
}
