/**
 * Hunks for a file GitHub's files list gives no `patch` for (it leaves it out for large files),
 * made locally from the file's two blobs with jsdiff, in the same form as GitHub's `patch`, so
 * the review parses them as it parses GitHub's.
 */
import { structuredPatch } from 'diff'
import type { GitHubClient, Repo } from './client.js'
import { httpStatus } from './client.js'
import type { GitHubFileItem } from '../review/files-list.js'

/**
 * The cap on a blob diff. jsdiff's Myers diff costs about (lines of both sides) × (changed lines):
 * a 20,000-line file with 2,000 changed lines took about 1 s, with 5,700 about 8.5 s, and a full
 * rewrite of it (40,000 changed lines) several minutes (jsdiff 9, one core of the CI machine); past
 * `maxChangedLines` (GitHub's additions + deletions, which also bound jsdiff's edit length) a file
 * is not diffed. `maxBytes` holds each side, `maxFiles` the blob diffs of one review.
 */
export const BLOB_DIFF_LIMITS = { maxBytes: 1024 * 1024, maxChangedLines: 2000, maxFiles: 300 }

export type BlobDiffLimits = typeof BLOB_DIFF_LIMITS

/** What a blob diff gives: the hunks as GitHub writes `patch`, or why there are none. */
export type BlobPatch =
  { kind: 'patch'; patch: string } | { kind: 'binary' } | { kind: 'too-large'; detail: string }

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** The text of a blob, or undefined when it is binary: a NUL byte or bytes that are not UTF-8 (git's own test is the NUL). */
export function blobText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined
  try {
    return utf8.decode(bytes)
  } catch {
    return undefined
  }
}

/**
 * The hunks between two texts (empty for a side that does not exist) as git writes them with
 * three lines of context: `@@ -a,b +c,d @@` headers (a side without lines numbered by the line
 * before it, `-0,0` for an added file) with git's default function context, only LF ending a line (a `\r` before it is content), and
 * `\ No newline at end of file` after a last line without one. Undefined when the texts differ by
 * more than `maxEditLength` lines (jsdiff stops there).
 */
export function hunksBetween(oldText: string, newText: string, maxEditLength: number): string | undefined {
  // jsdiff splits at `\n` and `\r\n` but keeps each line's ending in its token, so a `\r` stays
  // content as in git; a lone `\r` splits nothing, as in git.
  const patch = structuredPatch('a', 'b', oldText, newText, '', '', { context: 3, maxEditLength })
  if (patch === undefined) return undefined
  const oldLines = oldText.split('\n')
  return patch.hunks
    .map(h => {
      const range = (start: number, lines: number) =>
        `${lines === 0 ? start - 1 : start}${lines === 1 ? '' : `,${lines}`}`
      const section = h.oldLines === 0 ? '' : functionContext(oldLines, h.oldStart - 1)
      return `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@${section}\n${h.lines.join('\n')}`
    })
    .join('\n')
}

/**
 * What git writes after a hunk header without a diff driver: the nearest old line before the
 * hunk that starts with an ASCII letter, `_` or `$`, cut to 80 bytes, trailing white space
 * dropped (xdiff's `def_ff` in git's xdiff/xemit.c), after a space; empty when there is none.
 */
function functionContext(oldLines: readonly string[], hunkStart: number): string {
  for (let i = hunkStart - 1; i >= 0; i--) {
    const line = oldLines[i] as string
    if (!/^[A-Za-z_$]/.test(line)) continue
    const cut = Buffer.from(line, 'utf8').subarray(0, 80).toString('utf8')
    return ` ${cut.replace(/[ \t\n\v\f\r]+$/, '')}`
  }
  return ''
}

/** The blob diff of two sides' bytes (undefined: the side does not exist), within `limits`. */
export function blobPatch(
  oldBytes: Uint8Array | undefined,
  newBytes: Uint8Array | undefined,
  limits: BlobDiffLimits = BLOB_DIFF_LIMITS
): BlobPatch {
  const size = Math.max(oldBytes?.length ?? 0, newBytes?.length ?? 0)
  if (size > limits.maxBytes) {
    return { kind: 'too-large', detail: `${size} bytes, over the ${limits.maxBytes}-byte cap of a blob diff` }
  }
  const oldText = oldBytes === undefined ? '' : blobText(oldBytes)
  const newText = newBytes === undefined ? '' : blobText(newBytes)
  if (oldText === undefined || newText === undefined) return { kind: 'binary' }
  const patch = hunksBetween(oldText, newText, limits.maxChangedLines)
  if (patch === undefined) {
    return {
      kind: 'too-large',
      detail: `more than ${limits.maxChangedLines} changed lines, the cap of a blob diff`
    }
  }
  return { kind: 'patch', patch }
}

/** Reads blobs of the repository; `base` is the commit the pull request's diff starts from. */
export interface BlobReader {
  /** A blob by its id (git data API), as bytes. */
  blob(sha: string): Promise<Uint8Array>
  /** The blob id of `path` at `ref` (contents API), or undefined when there is no such file. */
  blobAt(path: string, ref: string): Promise<string | undefined>
}

export function githubBlobReader(gh: GitHubClient, repo: Repo): BlobReader {
  return {
    async blob(sha) {
      const { data } = await gh.rest.git.getBlob({ ...repo, file_sha: sha })
      if (data.encoding !== 'base64')
        throw new Error(`GitHub sent blob ${sha} as '${data.encoding}', not base64`)
      // Buffer's base64 decoder skips the line breaks GitHub puts every 60 characters.
      return Buffer.from(data.content, 'base64')
    },
    async blobAt(path, ref) {
      try {
        const { data } = await gh.rest.repos.getContent({ ...repo, path, ref })
        return !Array.isArray(data) && data.type === 'file' ? data.sha : undefined
      } catch (error) {
        if (httpStatus(error) === 404) return undefined
        throw error
      }
    }
  }
}

/**
 * The files-list entry with a `patch` made from its blobs, or the reason it has none. The old side
 * is the file at `mergeBase` (under `previous_filename` for a rename or copy), absent for an added
 * file; the new side is the entry's `sha`, absent for a removed file.
 */
export async function patchFromBlobs(
  reader: BlobReader,
  item: GitHubFileItem,
  mergeBase: string,
  limits: BlobDiffLimits = BLOB_DIFF_LIMITS
): Promise<BlobPatch> {
  const changed = (item.additions ?? 0) + (item.deletions ?? 0)
  if (changed > limits.maxChangedLines) {
    return {
      kind: 'too-large',
      detail: `${changed} changed lines, over the cap of ${limits.maxChangedLines}`
    }
  }
  const oldPath =
    (item.status === 'renamed' || item.status === 'copied') && item.previous_filename
      ? item.previous_filename
      : item.filename
  const oldSha = item.status === 'added' ? undefined : await reader.blobAt(oldPath, mergeBase)
  const newSha = item.status === 'removed' ? undefined : (item.sha ?? undefined)
  if (item.status !== 'added' && oldSha === undefined) {
    throw new Error(`GitHub has no file ${oldPath} at ${mergeBase} to diff ${item.filename} against`)
  }
  if (item.status !== 'removed' && newSha === undefined) {
    throw new Error(`GitHub listed ${item.filename} without its blob id`)
  }
  const oldBytes = oldSha === undefined ? undefined : await reader.blob(oldSha)
  const newBytes = newSha === undefined ? undefined : await reader.blob(newSha)
  return blobPatch(oldBytes, newBytes, limits)
}
