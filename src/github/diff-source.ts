import type { GitHubClient, Repo } from './client.js'
import { httpStatus } from './client.js'
import { filesFromPatches, parseUnifiedDiff, type DiffFile, type GitHubFileItem } from '../review/diff.js'

/**
 * GitHub's documented caps: the pull-request files list returns at most 3000 files, and the
 * compare API's `files` at most 300 ("List pull requests files", "Compare two commits").
 */
export const FILES_LIST_CAP = 3000
export const COMPARE_FILES_CAP = 300

export interface CollectedDiff {
  files: DiffFile[]
  /** Which of GitHub's two forms the files came from. */
  source: 'diff' | 'files'
  /** Set when GitHub listed fewer files than the change has (a cap): says how many are missing. */
  unlisted?: string
}

/** GitHub's "diff too large" answer to the diff media type: 406 (with `errors[].code: too_large`). */
function isDiffTooLarge(error: unknown): boolean {
  return httpStatus(error) === 406
}

/**
 * The pull request's changes: the diff media type first, and on GitHub's "too large" answer the
 * paginated files list (100 a page, up to GitHub's 3000-file cap), whose files without a patch
 * come back marked so the review lists them as skipped.
 */
export async function collectPullRequestDiff(
  gh: GitHubClient,
  repo: Repo,
  pullNumber: number,
  changedFiles: number,
  log: (line: string) => void
): Promise<CollectedDiff> {
  try {
    const { data } = await gh.rest.pulls.get({
      ...repo,
      pull_number: pullNumber,
      mediaType: { format: 'diff' }
    })
    return { files: parseUnifiedDiff(data as unknown as string), source: 'diff' }
  } catch (error) {
    if (!isDiffTooLarge(error)) throw error
  }
  log(`GitHub says the diff of #${pullNumber} is too large for one answer; reading the files list instead.`)
  const items: GitHubFileItem[] = []
  for await (const page of gh.paginate.iterator(gh.rest.pulls.listFiles, {
    ...repo,
    pull_number: pullNumber,
    per_page: 100
  })) {
    items.push(...page.data)
    if (items.length >= FILES_LIST_CAP) break
  }
  const files = filesFromPatches(items.slice(0, FILES_LIST_CAP))
  const missing = changedFiles - files.length
  return {
    files,
    source: 'files',
    unlisted:
      missing > 0
        ? `GitHub lists at most ${FILES_LIST_CAP} files of a pull request; ${missing} more file${missing === 1 ? ' was' : 's were'} not reviewed.`
        : undefined
  }
}

/**
 * The changes between two commits (the compare API, `base...head`), for reviewing only what is
 * new since an earlier review; the diff media type first, the JSON files list (capped at 300 by
 * GitHub) when the diff is too large.
 */
export async function collectCompareDiff(
  gh: GitHubClient,
  repo: Repo,
  base: string,
  head: string,
  log: (line: string) => void
): Promise<CollectedDiff> {
  const basehead = `${base}...${head}`
  try {
    const { data } = await gh.rest.repos.compareCommitsWithBasehead({
      ...repo,
      basehead,
      mediaType: { format: 'diff' }
    })
    return { files: parseUnifiedDiff(data as unknown as string), source: 'diff' }
  } catch (error) {
    if (!isDiffTooLarge(error)) throw error
  }
  log(`GitHub says the diff ${basehead} is too large for one answer; reading the compare files list instead.`)
  const { data } = await gh.rest.repos.compareCommitsWithBasehead({ ...repo, basehead, per_page: 100 })
  const files = filesFromPatches(data.files ?? [])
  return {
    files,
    source: 'files',
    unlisted:
      files.length >= COMPARE_FILES_CAP
        ? `GitHub lists at most ${COMPARE_FILES_CAP} files of a comparison; any further files were not reviewed.`
        : undefined
  }
}
