/**
 * The emulator's files list against git's own answers for every kind of change: statuses, names,
 * SHAs and counts from `--raw -z` / `--numstat -z`, and each patch from git's diff of that file
 * alone, so a file can never carry another file's patch.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { changedFiles, type ChangedFile } from '../../../emulators/github/git-files.js'
import { GitRepo } from '../../../emulators/github/git-repo.js'

let repo: GitRepo
let base: string
let head: string

beforeAll(() => {
  repo = GitRepo.create()
  repo
    .write('crlf.txt', 'a\r\nb\r\nc\r\n')
    .write('nonl.txt', 'x\ny')
    .write('gone.txt', 'bye\nnow\n')
    .write('old name.txt', 'same\ncontent\nfor\na\nrename\n')
    .write('moved.ts', 'export const a = 1\nexport const b = 2\nexport const c = 3\nexport const d = 4\n')
    .write('logo.png', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]))
    .write('img.bin', Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]))
    .write('tool.bin', Uint8Array.from([0, 9, 9, 9]))
    .write('run.sh', '#!/bin/sh\necho hi\n')
    .write('becomes-link.txt', 'a file\nfor now\n')
    .write('a-then.txt', 'before\n')
    .write('tab\tname.txt', 'one\n')
    .symlink('was-link', 'target.txt')
  base = repo.commit('base')
  repo
    .write('crlf.txt', 'a\r\nB\r\nc\r\n')
    .write('nonl.txt', 'x\nz')
    .remove('gone.txt')
    .rename('old name.txt', 'dir/new näme.txt')
    .rename('moved.ts', 'src/moved.ts')
    .write('src/moved.ts', 'export const a = 1\nexport const b = 2\nexport const c = 3\nexport const d = 5\n')
    .write('logo.png', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 4]))
    .rename('img.bin', 'images/img.bin')
    .write('images/img.bin', Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 99]))
    .write('tool.bin', Uint8Array.from([0, 9, 9, 8]))
    .chmod('tool.bin', 0o755)
    .chmod('run.sh', 0o755)
    .symlink('becomes-link.txt', '/etc/passwd')
    .write('a-then.txt', 'after\n')
    .write('tab\tname.txt', 'two\n')
    .write('new\nline.txt', 'hello\n')
    .write('empty.txt', '')
    .symlink('passwd', '/etc/passwd')
    .remove('was-link')
    .write('was-link', 'now a file\n')
  repo.submodule('sub')
  head = repo.commit('every kind of change')
}, 60_000)

afterAll(() => repo?.destroy())

interface RawEntry {
  oldMode: string
  newMode: string
  oldSha: string
  newSha: string
  letter: string
  paths: string[]
}

function raw(): RawEntry[] {
  const fields = repo.git('diff', '-M', '--raw', '-z', '--no-abbrev', `${base}...${head}`).split('\0')
  const entries: RawEntry[] = []
  for (let i = 0; i < fields.length - 1;) {
    const [oldMode, newMode, oldSha, newSha, status] = (fields[i++] as string).slice(1).split(' ')
    const letter = (status as string).charAt(0)
    const paths = letter === 'R' || letter === 'C' ? [fields[i++], fields[i++]] : [fields[i++]]
    entries.push({ oldMode, newMode, oldSha, newSha, letter, paths } as RawEntry)
  }
  return entries
}

function numstat(): Map<string, [string, string]> {
  const fields = repo.git('diff', '-M', '--numstat', '-z', `${base}...${head}`).split('\0')
  const counts = new Map<string, [string, string]>()
  for (let i = 0; i < fields.length - 1;) {
    const [, add, del, path] = /^([^\t]*)\t([^\t]*)\t(.*)$/s.exec(
      fields[i++] as string
    ) as unknown as string[]
    const name = path === '' ? (fields[(i += 2) - 1] as string) : (path as string)
    counts.set(name, [add as string, del as string])
  }
  return counts
}

/** The hunks git prints for these paths alone, every section's, as GitHub's `patch` holds them. */
function ownPatch(paths: string[]): string | undefined {
  const text = repo.git('diff', '--no-color', '-M', `${base}...${head}`, '--', ...paths)
  const hunks = text
    .split(/^(?=diff --git )/m)
    .map(section => {
      const at = section.search(/^@@ /m)
      return at === -1 ? '' : section.slice(at).replace(/\n$/, '')
    })
    .filter(h => h !== '')
  return hunks.length > 0 ? hunks.join('\n') : undefined
}

describe('changedFiles, the emulator’s files list', () => {
  let files: ChangedFile[]
  beforeAll(() => {
    files = changedFiles(repo, base, head, 1024 * 1024)
  })

  it('holds every kind of change the test meant to make', () => {
    const letters = raw().map(e => `${e.letter}:${e.newMode}`)
    for (const kind of ['T:120000', 'T:100644', 'A:120000', 'A:160000', 'R:100644', 'M:100755', 'D:000000'])
      expect(letters).toContain(kind)
  })

  it('gives each file git’s status, names, blob and counts, and its own patch', () => {
    const counts = numstat()
    const expected = raw().map(e => {
      const filename = e.paths.at(-1) as string
      const [add, del] = counts.get(filename) ?? ['?', '?']
      const binary = add === '-'
      const status =
        { A: 'added', D: 'removed', R: 'renamed', C: 'copied', T: 'changed' }[e.letter] ??
        (e.oldSha === e.newSha ? 'changed' : 'modified')
      const patch = binary ? undefined : ownPatch(e.paths)
      return {
        filename,
        ...(e.paths.length === 2 ? { previousFilename: e.paths[0] } : {}),
        status,
        additions: binary ? 0 : Number(add),
        deletions: binary ? 0 : Number(del),
        sha: e.letter === 'D' ? e.oldSha : e.newSha,
        ...(patch !== undefined ? { patch } : {}),
        binary
      }
    })
    expect(files).toEqual(expected)
  })

  it('calls a binary file with a new mode and new content modified, and a mode-only change changed', () => {
    expect(files.find(f => f.filename === 'tool.bin')?.status).toBe('modified')
    expect(files.find(f => f.filename === 'run.sh')?.status).toBe('changed')
  })

  it('keeps every later file’s patch its own after a file becomes a symlink', () => {
    expect(files.find(f => f.filename === 'becomes-link.txt')?.patch).toBe(
      '@@ -1,2 +0,0 @@\n-a file\n-for now\n@@ -0,0 +1 @@\n+/etc/passwd\n\\ No newline at end of file'
    )
    expect(files.find(f => f.filename === 'crlf.txt')?.patch).toContain('+B\r')
  })
})
