import type { GitRepo } from './git-repo.js'

/** One entry of GitHub's files list, derived from git (REST "List pull requests files"). */
export interface ChangedFile {
  filename: string
  previousFilename?: string
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed'
  additions: number
  deletions: number
  /** The new blob's SHA (the old one for a removed file). */
  sha: string
  /** The hunks only, as GitHub gives `patch`; absent for binary files and over the size limit. */
  patch?: string
  binary: boolean
}

const STATUS: Record<string, ChangedFile['status']> = {
  A: 'added',
  D: 'removed',
  M: 'modified',
  R: 'renamed',
  C: 'copied',
  T: 'changed'
}

/**
 * The files changed between the merge base of `base` and `head`, as GitHub lists them: git's raw
 * and numstat output for status, counts and SHAs, and each file's hunks from git's own diff.
 */
export function changedFiles(
  repo: GitRepo,
  base: string,
  head: string,
  patchLimitBytes: number
): ChangedFile[] {
  const range = `${base}...${head}`
  const raw = repo.git('diff', '--no-color', '-M', '--raw', '-z', '--no-abbrev', range).split('\0')
  const numstat = repo.git('diff', '--no-color', '-M', '--numstat', '-z', range).split('\0')
  const sections = splitDiff(repo.diff(base, head))
  const files: ChangedFile[] = []
  let r = 0
  let n = 0
  let next = 0
  while (r < raw.length && raw[r] !== '') {
    const meta = (raw[r++] as string).slice(1).split(' ')
    const [oldMode, newMode, oldSha, newSha, letters] = meta as [string, string, string, string, string]
    const letter = letters.charAt(0)
    const twoPaths = letter === 'R' || letter === 'C'
    const first = raw[r++] as string
    const second = twoPaths ? (raw[r++] as string) : undefined
    // numstat: "added\tdeleted\tpath" or, for two paths, "added\tdeleted\t" then old, new.
    const counts = (numstat[n++] as string).split('\t')
    if (twoPaths) n += 2
    const binary = counts[0] === '-'
    // Git prints a type change (file to symlink, file to submodule) as two sections, a deletion
    // and a creation of the same path (diff.c, "break" of a changed type); `--raw` lists it once.
    const own = letter === 'T' ? sections.slice(next, next + 2) : sections.slice(next, next + 1)
    next += own.length
    const hunks = own.map(hunksOf).filter(h => h !== '')
    let patch = hunks.length > 0 ? hunks.join('\n') : undefined
    if (patch !== undefined && Buffer.byteLength(patch) > patchLimitBytes) patch = undefined
    // Only the mode changed: the blob is the same (a binary file's new content has no hunk either).
    const modeOnly = letter === 'M' && oldMode !== newMode && oldSha === newSha
    files.push({
      filename: second ?? first,
      ...(twoPaths ? { previousFilename: first } : {}),
      status: modeOnly ? 'changed' : (STATUS[letter] ?? 'modified'),
      additions: binary ? 0 : Number(counts[0]),
      deletions: binary ? 0 : Number(counts[1]),
      sha: letter === 'D' ? oldSha : newSha,
      ...(binary || patch === undefined ? {} : { patch }),
      binary
    })
  }
  return files
}

/** The hunks of one file's section, as GitHub's `patch` holds them: no headers, no final LF. */
function hunksOf(section: string): string {
  const at = section.search(/^@@ /m)
  return at >= 0 ? section.slice(at).replace(/\n$/, '') : ''
}

/** `git diff` output cut into one text per file, in order. */
function splitDiff(text: string): string[] {
  const sections: string[] = []
  let start = text.startsWith('diff --git ') ? 0 : text.indexOf('\ndiff --git ')
  while (start >= 0 && start < text.length) {
    const from = text.startsWith('diff --git ', start) ? start : start + 1
    const next = text.indexOf('\ndiff --git ', from)
    sections.push(text.slice(from, next < 0 ? text.length : next + 1))
    start = next
  }
  return sections
}
