import type { GitHubFileItem } from '../../src/review/files-list.js'
import type { GitRepo } from '../../src/github/emulator/git-repo.js'

/**
 * The pull-request files list GitHub would answer for `base...head`, built from git's own output
 * rather than from our parser: statuses and names from `--name-status -z`, counts from
 * `--numstat -z`, and each `patch` cut from the file's section of `git diff` the way GitHub gives
 * it: from the first `@@` line, without the headers and without the final line break; no patch
 * for binary files or changes without lines.
 */
export function githubItems(repo: GitRepo, base: string, head: string, findArgs = ['-M']): GitHubFileItem[] {
  const range = `${base}...${head}`
  const names = repo.git('diff', '--name-status', '-z', ...findArgs, range).split('\0')
  const numbers = repo.git('diff', '--numstat', '-z', ...findArgs, range).split('\0')
  const text = repo.git('diff', '--no-color', ...findArgs, range)
  const sections = text === '' ? [] : text.split(/^(?=diff --git )/m)

  const items: GitHubFileItem[] = []
  let n = 0
  let s = 0
  for (let i = 0; i < names.length - 1;) {
    const code = names[i++] as string
    const letter = code[0]
    const first = names[i++] as string
    const second = letter === 'R' || letter === 'C' ? (names[i++] as string) : undefined

    // numstat -z: "add\tdel\tpath\0" or, for a rename or copy, "add\tdel\t\0old\0new\0".
    const stat = numbers[n++] as string
    const [add, del, statPath] = stat.split('\t')
    if (statPath === '') n += 2
    const binary = add === '-'

    // A type change (file to symlink) is two sections of git's diff, a deletion and a creation.
    const own = sections.slice(s, (s += letter === 'T' ? 2 : 1))
    const hunks = own
      .map(section => {
        const at = section.search(/^@@ /m)
        return at === -1 ? '' : section.slice(at).replace(/\n$/, '')
      })
      .filter(h => h !== '')
    const patch = hunks.length > 0 ? hunks.join('\n') : undefined

    const status =
      letter === 'A'
        ? 'added'
        : letter === 'D'
          ? 'removed'
          : letter === 'R'
            ? 'renamed'
            : letter === 'C'
              ? 'copied'
              : letter === 'T'
                ? 'changed'
                : // ASSUMED: GitHub reports a mode-only change as `changed` (the REST enum has it; the docs do not say when).
                  patch === undefined && !binary
                  ? 'changed'
                  : 'modified'
    items.push({
      filename: second ?? first,
      status,
      ...(second !== undefined ? { previous_filename: first } : {}),
      additions: binary ? 0 : Number(add),
      deletions: binary ? 0 : Number(del),
      ...(patch !== undefined ? { patch } : {})
    })
  }
  return items
}
