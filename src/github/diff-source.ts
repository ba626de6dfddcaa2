import type { GitHubClient, Repo } from './client.js'
import { httpStatus } from './client.js'
import { BLOB_DIFF_LIMITS, githubBlobReader, patchFromBlobs, type BlobDiffLimits } from './blob-diff.js'
import { parseUnifiedDiff, type DiffFile } from '../review/diff.js'
import { filesFromPatches, type GitHubFileItem } from '../review/files-list.js'

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

/**
 * Why GitHub would not give the diff media type, when it is one of its two answers the files list
 * gets around: 406 "diff too large" (`errors[].code: too_large`), or 422 `not_available` "Sorry,
 * this diff is taking too long to generate", which GitHub gives at times even for small pull
 * requests (googleapis/repo-automation-bots#4475; sonichi/sutando#3159).
 */
function diffRefusal(error: unknown): 'too large for one answer' | 'taking too long to generate' | undefined {
  const status = httpStatus(error)
  if (status === 406) return 'too large for one answer'
  if (status !== 422) return undefined
  const errors = (error as { response?: { data?: { errors?: unknown } } }).response?.data?.errors
  const unavailable =
    Array.isArray(errors) && errors.some(e => (e as { code?: unknown } | null)?.code === 'not_available')
  return unavailable ? 'taking too long to generate' : undefined
}

/**
 * The pull request's changes: the diff media type first, and when GitHub will not give it (too
 * large, or taking too long) the paginated files list (100 a page, up to GitHub's 3000-file cap),
 * whose text files without a patch are diffed from their blobs (see blob-diff.ts); binary files
 * and files past the blob-diff cap come back marked so the review lists them as skipped.
 */
export async function collectPullRequestDiff(
  gh: GitHubClient,
  repo: Repo,
  pullNumber: number,
  changedFiles: number,
  log: (line: string) => void
): Promise<CollectedDiff> {
  let refusal: ReturnType<typeof diffRefusal>
  try {
    const { data } = await gh.rest.pulls.get({
      ...repo,
      pull_number: pullNumber,
      mediaType: { format: 'diff' }
    })
    return { files: parseUnifiedDiff(data as unknown as string), source: 'diff' }
  } catch (error) {
    refusal = diffRefusal(error)
    if (refusal === undefined) throw error
  }
  log(`GitHub says the diff of #${pullNumber} is ${refusal}; reading the files list instead.`)
  const items: GitHubFileItem[] = []
  for await (const page of gh.paginate.iterator(gh.rest.pulls.listFiles, {
    ...repo,
    pull_number: pullNumber,
    per_page: 100
  })) {
    items.push(...page.data)
    if (items.length >= FILES_LIST_CAP) break
  }
  const mergeBase = async () => {
    const { data: pull } = await gh.rest.pulls.get({ ...repo, pull_number: pullNumber })
    return compareMergeBase(gh, repo, `${pull.base.sha}...${pull.head.sha}`)
  }
  const files = await withBlobPatches(gh, repo, items.slice(0, FILES_LIST_CAP), mergeBase, log)
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
  let refusal: ReturnType<typeof diffRefusal>
  try {
    const { data } = await gh.rest.repos.compareCommitsWithBasehead({
      ...repo,
      basehead,
      mediaType: { format: 'diff' }
    })
    return { files: parseUnifiedDiff(data as unknown as string), source: 'diff' }
  } catch (error) {
    refusal = diffRefusal(error)
    if (refusal === undefined) throw error
  }
  log(`GitHub says the diff ${basehead} is ${refusal}; reading the compare files list instead.`)
  const { data } = await gh.rest.repos.compareCommitsWithBasehead({ ...repo, basehead, per_page: 100 })
  const mergeBase = data.merge_base_commit.sha
  const files = await withBlobPatches(gh, repo, data.files ?? [], () => Promise.resolve(mergeBase), log)
  return {
    files,
    source: 'files',
    unlisted:
      files.length >= COMPARE_FILES_CAP
        ? `GitHub lists at most ${COMPARE_FILES_CAP} files of a comparison; any further files were not reviewed.`
        : undefined
  }
}

/** The commit a three-dot comparison starts from (the compare API's `merge_base_commit`). */
async function compareMergeBase(gh: GitHubClient, repo: Repo, basehead: string): Promise<string> {
  const { data } = await gh.rest.repos.compareCommitsWithBasehead({ ...repo, basehead, per_page: 1 })
  return data.merge_base_commit.sha
}

/**
 * The files of a files list, each text file GitHub sent no patch for diffed from its blobs (at
 * most `limits.maxFiles` of them). A file that cannot be diffed stays marked as missing its patch
 * (binary files as binary), with the reason in the log; a failed read costs that file only.
 */
export async function withBlobPatches(
  gh: GitHubClient,
  repo: Repo,
  items: readonly GitHubFileItem[],
  mergeBase: () => Promise<string>,
  log: (line: string) => void,
  limits: BlobDiffLimits = BLOB_DIFF_LIMITS
): Promise<DiffFile[]> {
  const files = filesFromPatches(items)
  const reader = githubBlobReader(gh, repo)
  let base: string | undefined
  let diffed = 0
  for (let i = 0; i < files.length; i++) {
    const file = files[i] as DiffFile
    const item = items[i] as GitHubFileItem
    if (!file.patchMissing) continue
    if (diffed >= limits.maxFiles) {
      log(
        `${file.path}: no patch from GitHub, and past the ${limits.maxFiles} files a review diffs from blobs.`
      )
      continue
    }
    diffed++
    try {
      base ??= await mergeBase()
      const result = await patchFromBlobs(reader, item, base, limits)
      if (result.kind === 'patch' && result.patch === '') {
        // Equal blobs: a pure move (or a mode change), which the files list cannot tell from a
        // binary file moved and changed; the blobs can.
        files[i] = { ...file, patchMissing: false }
      } else if (result.kind === 'patch') {
        files[i] = filesFromPatches([{ ...item, patch: result.patch }])[0] as DiffFile
      } else if (result.kind === 'binary') {
        files[i] = { ...file, binary: true, patchMissing: false }
      } else {
        log(`${file.path}: no patch from GitHub and not diffed from its blobs: ${result.detail}.`)
      }
    } catch (error) {
      log(`${file.path}: no patch from GitHub, and its blobs could not be read (${String(error)}).`)
    }
  }
  return files
}
