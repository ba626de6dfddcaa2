import type { DiffFile } from '../review/diff.js'
import { filesFromPatches, type GitHubFileItem } from '../review/files-list.js'
import { httpStatus, type GitHubClient, type Repo } from './client.js'

/** The compare API's `status` of `head` against `base` (GitHub's "Compare two commits" docs). */
export type CompareStatus = 'ahead' | 'behind' | 'diverged' | 'identical'

export type Comparison =
  | {
      status: CompareStatus
      /** Paths changed between the merge base and `head`, both names of a renamed file. */
      files: string[]
      /**
       * The changes themselves, from the listed files' patches (a file GitHub gives no patch for
       * is marked `patchMissing`): what narrows an incremental review to the hunks a push changed.
       */
      diff: DiffFile[]
      /** The answer lists at most {@link COMPARE_FILES_CAP} files: more may have changed. */
      truncated?: boolean
    }
  /** A commit GitHub does not know (any more): gone after a force-push, or never pushed. */
  | { missing: true }

/**
 * Most files a comparison lists: "the list of changed files is only shown on the first page of
 * results, and it includes up to 300 changed files for the entire comparison" (GitHub's REST docs,
 * "Compare two commits"). The answer has no total, so a full list is taken as possibly cut.
 */
export const COMPARE_FILES_CAP = 300

const STATUSES: readonly string[] = ['ahead', 'behind', 'diverged', 'identical'] satisfies CompareStatus[]

/**
 * What changed from `base` to `head` (`GET /repos/{o}/{r}/compare/{base}...{head}`). GitHub answers
 * 404 for a commit it does not know and 422 when no comparison can be made between the two ("No
 * common ancestor", an unknown ref): both mean the recorded commit is not a base to compare from.
 */
export async function compareCommits(
  github: GitHubClient,
  repo: Repo,
  base: string,
  head: string
): Promise<Comparison> {
  let data: { status: string; files?: (GitHubFileItem & { previous_filename?: string })[] }
  try {
    ;({ data } = await github.rest.repos.compareCommitsWithBasehead({
      ...repo,
      basehead: `${base}...${head}`
    }))
  } catch (error) {
    const status = httpStatus(error)
    if (status === 404 || status === 422) return { missing: true }
    throw error
  }
  if (!STATUSES.includes(data.status)) {
    throw new Error(`GitHub's comparison of ${base}...${head} has an unknown status '${data.status}'`)
  }
  const listed = data.files ?? []
  const files: string[] = []
  for (const f of listed) {
    files.push(f.filename)
    if (f.previous_filename !== undefined && f.previous_filename !== f.filename)
      files.push(f.previous_filename)
  }
  return {
    status: data.status as CompareStatus,
    files,
    diff: filesFromPatches(listed),
    ...(listed.length >= COMPARE_FILES_CAP ? { truncated: true } : {})
  }
}
