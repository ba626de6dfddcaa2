import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { hunkLines, parseHunks, parseUnifiedDiff, type DiffFile } from '../../src/review/diff.js'
import { filesFromPatches } from '../../src/review/files-list.js'
import { GitRepo } from '../../emulators/github/git-repo.js'
import { genDiff, renderGitDiff } from '../fixtures/diff-gen.js'
import { githubItems } from '../fixtures/git-items.js'

describe('parseUnifiedDiff, for every generated diff', () => {
  it('gives back the files, statuses, names and lines that were written', () => {
    fc.assert(
      fc.property(genDiff(300), gen => {
        const files = parseUnifiedDiff(renderGitDiff(gen))
        expect(
          files.map(f => ({
            path: f.path,
            previousPath: f.previousPath,
            status: f.status,
            hunks: f.hunks.map(h => ({
              oldStart: h.oldLines > 0 ? h.oldStart : h.oldStart + 1,
              newStart: h.newLines > 0 ? h.newStart : h.newStart + 1,
              section: h.section,
              lines: hunkLines(h).filter(l => !l.startsWith('\\'))
            }))
          }))
        ).toEqual(
          gen.map(g => ({
            path: g.path,
            previousPath: g.previousPath,
            status: g.status,
            hunks: g.hunks.map(h => ({
              oldStart: h.oldStart,
              newStart: h.newStart,
              section: h.section,
              lines: h.lines
            }))
          }))
        )
        for (const [i, f] of files.entries()) {
          const lines = gen[i]?.hunks.flatMap(h => h.lines) ?? []
          expect(f.additions).toBe(lines.filter(l => l.startsWith('+')).length)
          expect(f.deletions).toBe(lines.filter(l => l.startsWith('-')).length)
        }
      }),
      { numRuns: 100 }
    )
  })

  it('never throws, whatever the text', () => {
    const diffish = fc
      .array(
        fc.oneof(
          fc.constantFrom(
            'diff --git a/x b/x',
            'diff --git "a/\\303" b',
            'diff --cc x',
            '--- a/x',
            '+++ b/x',
            '--- /dev/null',
            '@@ -1,2 +1 @@',
            '@@ -0,0 +0,0 @@',
            '@@ -99999999999999999999 +1,x @@',
            'GIT binary patch',
            'Binary files a and b differ',
            'rename from "unterminated',
            '\\ No newline at end of file',
            '',
            '\r'
          ),
          fc
            .tuple(fc.constantFrom(' ', '+', '-', '@', 'd', '\\'), fc.string({ maxLength: 12 }))
            .map(([m, s]) => m + s)
        ),
        { maxLength: 30 }
      )
      .map(lines => lines.join('\n'))
    fc.assert(
      fc.property(fc.oneof(diffish, fc.string({ maxLength: 200 })), text => {
        const files = parseUnifiedDiff(text)
        for (const f of files) expect(typeof f.path).toBe('string')
        expect(() => parseHunks(text)).not.toThrow()
      }),
      { numRuns: 300 }
    )
  })
})

describe('parseUnifiedDiff', () => {
  it('returns no file for an empty diff', () => {
    expect(parseUnifiedDiff('')).toEqual([])
    expect(parseUnifiedDiff('\n')).toEqual([])
  })

  it('reads a plain `diff -u` diff without git headers, and keeps lines a header undercounts', () => {
    const files = parseUnifiedDiff(
      '--- old/a.c\t2026-01-01 00:00:00\n+++ new/a.c\t2026-01-02 00:00:00\n@@ -1 +1 @@\n-a\n+b\n+c\n' +
        '--- /dev/null\n+++ b/new.c\n@@ -0,0 +1 @@\n+x\n'
    )
    expect(files.map(f => [f.path, f.status])).toEqual([
      ['new/a.c', 'modified'],
      ['new.c', 'added']
    ])
    expect(files[0]?.hunks[0]).toMatchObject({ oldLines: 1, newLines: 2, body: '-a\n+b\n+c\n' })
  })

  it('trusts the counts over look-alike lines: a removed `-- x` line is not a file header', () => {
    const [file] = parseUnifiedDiff(
      'diff --git a/a.md b/a.md\n--- a/a.md\n+++ b/a.md\n@@ -1,2 +1,2 @@\n--- x\n+++ y\n a\n'
    )
    expect(file?.hunks[0]?.body).toBe('--- x\n+++ y\n a\n')
    expect(file?.deletions).toBe(1)
  })

  it('ends a hunk that overcounts at the next header and keeps unknown header lines', () => {
    const files = parseUnifiedDiff(
      'diff --git a/a b/a\nweird header\n--- a/a\n+++ b/a\n@@ -1,5 +1,5 @@\n a\ndiff --git a/b b/b\n--- a/b\n+++ b/b\n'
    )
    expect(files.map(f => f.path)).toEqual(['a', 'b'])
    expect(files[0]?.extraHeaders).toEqual(['weird header'])
    expect(files[0]?.hunks[0]).toMatchObject({ oldLines: 1, newLines: 1, body: ' a\n' })
  })
})

describe('parseUnifiedDiff on real git diffs', () => {
  let repo: GitRepo
  let base: string

  beforeAll(() => {
    repo = GitRepo.create()
    repo
      .write('keep.txt', 'line1\nline2\nline3\n')
      .write('crlf.txt', 'a\r\nb\r\nc\r\n')
      .write('nonl.txt', 'x\ny')
      .write('gone.txt', 'bye\nnow\n')
      .write('run.sh', '#!/bin/sh\necho hi\n')
      .write('old name.txt', 'same\ncontent\nfor\na\nrename\n')
      .write('moved.ts', 'export const a = 1\nexport const b = 2\nexport const c = 3\nexport const d = 4\n')
      .write('logo.png', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]))
    base = repo.commit('base')
  })

  afterAll(() => repo.destroy())

  function change(
    edit: (r: GitRepo) => void,
    findArgs = ['-M']
  ): { files: DiffFile[]; text: string; head: string } {
    repo.checkout(base)
    edit(repo)
    const head = repo.commit('change')
    const text = repo.git('diff', '--no-color', ...findArgs, `${base}...${head}`)
    return { files: parseUnifiedDiff(text), text, head }
  }

  it('reads a rename without changes (similarity 100%) to a quoted UTF-8 name', () => {
    const { files, text } = change(r => r.rename('old name.txt', 'new näme.txt'))
    expect(text).toContain('"b/new n\\303\\244me.txt"')
    expect(files).toEqual([
      {
        path: 'new näme.txt',
        previousPath: 'old name.txt',
        status: 'renamed',
        hunks: [],
        additions: 0,
        deletions: 0,
        binary: false,
        patchMissing: false,
        extraHeaders: []
      }
    ])
  })

  it('reads a rename with changes', () => {
    const { files } = change(r => {
      r.rename('moved.ts', 'src/moved.ts')
      r.write(
        'src/moved.ts',
        'export const a = 1\nexport const b = 2\nexport const c = 3\nexport const d = 5\n'
      )
    })
    expect(files).toHaveLength(1)
    expect(files[0]).toMatchObject({
      path: 'src/moved.ts',
      previousPath: 'moved.ts',
      status: 'renamed'
    })
    expect(hunkLines(files[0]?.hunks[0] as never)).toEqual([
      ' export const a = 1',
      ' export const b = 2',
      ' export const c = 3',
      '-export const d = 4',
      '+export const d = 5'
    ])
  })

  it('reads a copy when git is asked to find copies', () => {
    const { files } = change(
      r =>
        r.write(
          'copy.ts',
          'export const a = 1\nexport const b = 2\nexport const c = 3\nexport const d = 4\n'
        ),
      ['-M', '-C', '--find-copies-harder']
    )
    expect(files).toHaveLength(1)
    expect(files[0]).toMatchObject({ path: 'copy.ts', previousPath: 'moved.ts', status: 'copied', hunks: [] })
  })

  it('keeps the CR of CRLF lines as content', () => {
    const { files } = change(r => r.write('crlf.txt', 'a\r\nB\r\nc\r\n'))
    expect(hunkLines(files[0]?.hunks[0] as never)).toEqual([' a\r', '-b\r', '+B\r', ' c\r'])
  })

  it('keeps `\\ No newline at end of file` after the line it is about', () => {
    const { files } = change(r => r.write('nonl.txt', 'x\nz'))
    expect(files[0]?.hunks[0]).toMatchObject({ oldLines: 2, newLines: 2 })
    expect(hunkLines(files[0]?.hunks[0] as never)).toEqual([
      ' x',
      '-y',
      '\\ No newline at end of file',
      '+z',
      '\\ No newline at end of file'
    ])
  })

  it('reads a deleted file, an added file and a binary file', () => {
    const { files } = change(r => {
      r.remove('gone.txt')
      r.write('a b/ünï code.ts', 'export {}\n')
      r.write('logo.png', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 9, 9, 9, 0]))
    })
    expect(files.map(f => [f.path, f.status, f.binary, f.additions, f.deletions])).toEqual([
      ['a b/ünï code.ts', 'added', false, 1, 0],
      ['gone.txt', 'removed', false, 0, 2],
      ['logo.png', 'modified', true, 0, 0]
    ])
    expect(files[0]?.newMode).toBe('100644')
    expect(files[1]?.oldMode).toBe('100644')
  })

  it('reads a `GIT binary patch` without taking its data for lines', () => {
    const { files, text } = change(
      r =>
        r
          .write('logo.png', Uint8Array.from([1, 2, 3, 0, 4]))
          .write('keep.txt', 'line1\nline2\nline3\nline4\n'),
      ['-M', '--binary']
    )
    expect(text).toContain('GIT binary patch')
    expect(files.map(f => [f.path, f.binary, f.hunks.length, f.extraHeaders])).toEqual([
      ['keep.txt', false, 1, []],
      ['logo.png', true, 0, []]
    ])
  })

  it('reads a mode change without content change as `changed`', () => {
    const { files } = change(r => r.chmod('run.sh', 0o755))
    expect(files).toEqual([
      expect.objectContaining({
        path: 'run.sh',
        status: 'changed',
        oldMode: '100644',
        newMode: '100755',
        hunks: []
      })
    ])
  })

  it('reads a minified one-line file', () => {
    const line = `var a=${'"x",'.repeat(5000)};`
    const { files } = change(r => r.write('dist-app.min.js', line))
    expect(hunkLines(files[0]?.hunks[0] as never)).toEqual([`+${line}`, '\\ No newline at end of file'])
  })

  it('reads an empty diff', () => {
    expect(change(() => undefined).files).toEqual([])
  })

  it.each([
    ['U+2028', '\u2028'],
    ['U+2029', '\u2029'],
    ['a lone CR', '\r']
  ])("keeps a hunk whose section (git's function context) holds %s, on both collection paths", (_, ch) => {
    // Git copies the nearest earlier line starting with a letter, `_` or `$` after the second
    // `@@`; only LF ends that line, so the character lands in the header.
    const lines = [`function f() { // a${ch}b`, '1', '2', '3', '4', '5', '6', '-- a/keep.txt', '7', '8', '9']
    repo.checkout(base)
    repo.write('ctx.js', `${lines.join('\n')}\n`)
    const before = repo.commit('section base')
    lines[7] = '++ b/keep.txt'
    repo.write('ctx.js', `${lines.join('\n')}\n`)
    const head = repo.commit('section change')
    const text = repo.git('diff', '--no-color', '-M', `${before}...${head}`)
    expect(text).toContain(`@@ function f() { // a${ch}b\n`)
    const expected = {
      path: 'ctx.js',
      status: 'modified',
      additions: 1,
      deletions: 1,
      section: ` function f() { // a${ch}b`,
      lines: [' 4', ' 5', ' 6', '--- a/keep.txt', '+++ b/keep.txt', ' 7', ' 8', ' 9']
    }
    const shape = (f: DiffFile) => ({
      path: f.path,
      status: f.status,
      additions: f.additions,
      deletions: f.deletions,
      section: f.hunks[0]?.section,
      lines: f.hunks.flatMap(hunkLines)
    })
    expect(parseUnifiedDiff(text).map(shape)).toEqual([expected])
    expect(filesFromPatches(githubItems(repo, before, head)).map(shape)).toEqual([expected])
  })

  it('gives the same files from the files list as from the diff', () => {
    const { files, head } = change(r => {
      r.rename('moved.ts', 'src/moved.ts')
      r.write(
        'src/moved.ts',
        'export const a = 1\nexport const b = 2\nexport const c = 3\nexport const d = 5\n'
      )
      r.rename('old name.txt', 'dir/new näme.txt')
      r.write('crlf.txt', 'a\r\nB\r\nc\r\n')
      r.write('nonl.txt', 'x\nz')
      r.remove('gone.txt')
      r.chmod('run.sh', 0o755)
    })
    const fromList = filesFromPatches(githubItems(repo, base, head))
    const shape = (f: DiffFile) => ({
      path: f.path,
      previousPath: f.previousPath,
      status: f.status,
      additions: f.additions,
      deletions: f.deletions,
      hunks: f.hunks.map(h => ({ ...h, body: hunkLines(h) }))
    })
    expect(fromList.map(shape)).toEqual(files.map(shape))
  })
})
