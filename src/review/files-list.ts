/**
 * GitHub's files list of a pull request (`GET /repos/{owner}/{repo}/pulls/{n}/files`, whose
 * `patch` holds only the hunks) read into the same model as the unified diff (diff.ts).
 */
import { countProblem } from './cross-check.js'
import { parseHunks, type DiffFile, type FileStatus } from './diff.js'

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

const STATUSES: readonly string[] = [
  'added',
  'removed',
  'modified',
  'renamed',
  'copied',
  'changed',
  'unchanged'
]

/**
 * Statuses under which a file may change without any line changing (a mode change). A rename or
 * copy is not one of them on the files list: GitHub sends a binary file changed in the move with
 * no patch and 0 lines too, so a patchless move may hide changed content.
 */
const CONTENTLESS: readonly FileStatus[] = ['changed', 'unchanged']

/** Git's id of the empty blob, in SHA-1 and SHA-256 repositories (`git hash-object -t blob /dev/null`). */
const EMPTY_BLOBS: readonly string[] = [
  'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391',
  '473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813'
]

/**
 * The files list of a pull request as the same model {@link parseUnifiedDiff} gives. GitHub sends
 * no `patch` for binary files, for files too large to diff, and for changes without line changes;
 * only a `changed` (mode) status without added or removed lines is taken as complete, as is an
 * added empty file (its `sha` is git's empty blob); every other patchless file, a pure rename
 * included (it cannot be told from a binary file renamed and changed), is marked
 * {@link DiffFile.patchMissing}.
 */
export function filesFromPatches(items: readonly GitHubFileItem[]): DiffFile[] {
  return items.map(item => {
    const status: FileStatus = STATUSES.includes(item.status) ? (item.status as FileStatus) : 'modified'
    const additions = item.additions ?? 0
    const deletions = item.deletions ?? 0
    const patch = typeof item.patch === 'string' ? item.patch : ''
    const parsed = patch !== '' ? parseHunks(patch) : undefined
    const previous = item.previous_filename ?? undefined
    const problem = parsed === undefined ? undefined : (parsed.problem ?? countProblem(parsed, item))
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
      extraHeaders: [],
      ...(problem !== undefined ? { problem } : {})
    }
  })
}
