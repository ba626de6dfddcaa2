import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { parseUnifiedDiff } from '../../src/review/diff.js'
import { filesFromPatches } from '../../src/review/files-list.js'
import { planReview, type ReviewPlanOptions } from '../../src/review/plan.js'
import { REASONS } from '../../src/review/filter.js'
import { incrementalIntro } from '../../src/review/incremental.js'
import { GitRepo } from '../../emulators/github/git-repo.js'
import { githubItems } from '../fixtures/git-items.js'
import { diffLines, hasLoneSurrogate, reassemble } from '../fixtures/reassemble.js'

const FIND = ['-M', '-C', '--find-copies-harder']
const MINIFIED = `(function(){${'var a="é😀",b=1;'.repeat(400)}})();`

describe('planReview on a real pull request, from either form GitHub gives', () => {
  let repo: GitRepo
  let base: string
  let head: string

  beforeAll(() => {
    repo = GitRepo.create()
    repo
      .write('src/app.ts', Array.from({ length: 60 }, (_, i) => `export const v${i} = ${i}\n`).join(''))
      .write('src/util.ts', 'export function add(a: number, b: number) {\n  return a + b\n}\n')
      .write('old name.txt', 'same\ncontent\nfor\na\nrename\n')
      .write('moved.ts', 'export const a = 1\nexport const b = 2\nexport const c = 3\nexport const d = 4\n')
      .write('windows.bat', '@echo off\r\necho one\r\necho two\r\n')
      .write('nonl.txt', 'x\ny')
      .write('gone.txt', 'bye\nnow\n')
      .write('run.sh', '#!/bin/sh\necho hi\n')
      .write('data/blob.raw', Uint8Array.from([0, 1, 2, 3, 4]))
      .write('package-lock.json', '{\n  "lockfileVersion": 3\n}\n')
    base = repo.commit('base')
    repo
      .write(
        'src/app.ts',
        Array.from({ length: 60 }, (_, i) => `export const v${i} = ${i % 7 === 0 ? `'${i}'` : i}\n`).join('')
      )
      .write('src/util-copy.ts', 'export function add(a: number, b: number) {\n  return a + b\n}\n')
      .rename('old name.txt', 'docs/new näme with spaces.txt')
      .rename('moved.ts', 'src/moved.ts')
      .write(
        'src/moved.ts',
        'export const a = 1\nexport const b = 2\nexport const c = 3\nexport const d = 5\n'
      )
      .write('windows.bat', '@echo off\r\necho ONE\r\necho two\r\n')
      .write('nonl.txt', 'x\nz')
      .remove('gone.txt')
      .chmod('run.sh', 0o755)
      .write('data/blob.raw', Uint8Array.from([0, 9, 9, 9, 4]))
      .write('public/app.min.js', MINIFIED)
      .write('public/app.js', `${MINIFIED}\n`)
      .write('package-lock.json', '{\n  "lockfileVersion": 3,\n  "packages": {}\n}\n')
    head = repo.commit('head')
  })

  afterAll(() => repo.destroy())

  function plans(options: ReviewPlanOptions) {
    const text = repo.git('diff', '--no-color', ...FIND, `${base}...${head}`)
    const fromDiff = planReview(parseUnifiedDiff(text), options)
    const fromList = planReview(filesFromPatches(githubItems(repo, base, head, FIND)), options)
    return { fromDiff, fromList }
  }

  const options: ReviewPlanOptions = {
    limit: 20000,
    include: ['**'],
    exclude: ['defaults'],
    pullNumber: 7,
    title: 'Tidy up'
  }

  // At the small limit the parts are cut where the frame's sizes put them; the mode note below
  // differs in length between the two forms, so a limit is chosen where it moves no cut (the
  // last part's tail grew with the findings request, and 2600 no longer was one).
  it.each([20000, 3200])(
    'sends the same messages from the diff and from the files list (limit %i)',
    limit => {
      const { fromDiff, fromList } = plans({ ...options, limit })
      // The files list cannot tell a pure move from a binary file moved and changed (both come
      // without a patch and with 0 lines), nor says what a mode change was: only those differ.
      const moves = ['docs/new näme with spaces.txt', 'src/util-copy.ts']
      const { fromDiff: diffWithoutMoves } = plans({ ...options, limit, exclude: ['defaults', ...moves] })
      const modeNote = (text: string) =>
        text.replace(
          '=== run.sh (mode 100644 → 100755, now executable, no content change)',
          '=== run.sh (mode or type changed, no content change)'
        )
      expect(fromList.messages).toEqual(
        diffWithoutMoves.messages.map(m => ({ ...m, text: modeNote(m.text) }))
      )
      expect(fromList.files).toEqual(fromDiff.files.filter(f => !moves.includes(f)))
      expect(fromList.skipped.filter(s => moves.includes(s.path))).toEqual(
        moves.map(path => ({ path, reason: REASONS.moveWithoutPatch }))
      )
      // Only GitHub's files list cannot tell a binary file from one too large to diff.
      expect(fromList.skipped.map(s => s.path).sort()).toEqual(
        [...fromDiff.skipped.map(s => s.path), ...moves].sort()
      )
      expect(fromDiff.skipped.find(s => s.path === 'data/blob.raw')?.reason).toBe('binary file')
      expect(fromList.skipped.find(s => s.path === 'data/blob.raw')?.reason).toBe(
        'no patch from GitHub (too large or binary)'
      )
      for (const m of fromDiff.messages) {
        expect(m.text.length).toBeLessThanOrEqual(limit)
        expect(hasLoneSurrogate(m.text)).toBe(false)
      }
    }
  )

  it('shows every kind of change the way the instructions describe', () => {
    const { fromDiff } = plans(options)
    expect(fromDiff.messages).toHaveLength(1)
    const lines = diffLines(fromDiff.messages[0]?.text ?? '')
    expect(lines.filter(l => l.startsWith('=== '))).toEqual([
      '=== docs/new näme with spaces.txt (renamed from old name.txt, no content change)',
      '=== gone.txt (deleted: 2 lines removed, not shown)',
      '=== nonl.txt',
      '=== public/app.js (new file)',
      '=== run.sh (mode 100644 → 100755, now executable, no content change)',
      '=== src/app.ts',
      '=== src/moved.ts (renamed from moved.ts)',
      '=== src/util-copy.ts (copied from src/util.ts, no content change)',
      '=== windows.bat'
    ])
    expect(lines).toContain('+echo ONE\r')
    expect(lines).toContain('\\ No newline at end of file')
    expect(fromDiff.files).toEqual([
      'docs/new näme with spaces.txt',
      'nonl.txt',
      'public/app.js',
      'run.sh',
      'src/app.ts',
      'src/moved.ts',
      'src/util-copy.ts',
      'windows.bat'
    ])
    expect(fromDiff.skipped).toEqual([
      { path: 'data/blob.raw', reason: 'binary file' },
      { path: 'gone.txt', reason: 'deleted file (summarised)' },
      { path: 'package-lock.json', reason: "excluded by default pattern 'package-lock.json'" },
      { path: 'public/app.min.js', reason: "excluded by default pattern '*.min.js'" }
    ])
  })

  it('cuts the long minified line across parts and gives it back whole', () => {
    const { fromDiff } = plans({ ...options, limit: 2600 })
    expect(fromDiff.messages.length).toBeGreaterThan(3)
    // Parts are sent shortest first; a file's pieces join in diff order.
    const inDiffOrder = [...fromDiff.messages].sort((a, b) => a.originalIndex - b.originalIndex)
    const files = reassemble(inDiffOrder.map(m => m.text))
    const app = files.find(f => f.header === '=== public/app.js (new file)')
    expect(app?.lines).toEqual([{ new: 1, text: `+${MINIFIED}` }])
    // "reviewed k of n files" can be told after any part.
    const completed = fromDiff.messages.flatMap(m => m.completes)
    expect([...completed].sort()).toEqual([...fromDiff.files].sort())
  })

  it('sends the deleted file line by line when asked', () => {
    const { fromDiff } = plans({ ...options, includeDeleted: true })
    const lines = diffLines(fromDiff.messages[0]?.text ?? '')
    expect(lines).toContain('=== gone.txt (deleted)')
    expect(lines).toContain('-bye')
    expect(fromDiff.skipped.map(s => s.path)).not.toContain('gone.txt')
  })

  it('has nothing to send when everything is excluded', () => {
    const { fromDiff } = plans({ ...options, include: ['nothing/**'] })
    expect(fromDiff.messages).toEqual([])
    expect(fromDiff.skipped).toHaveLength(12)
  })
})

describe('planReview of a file the parser cannot read completely', () => {
  const options: ReviewPlanOptions = { include: ['**'], exclude: [], limit: 20000, pullNumber: 1, title: 't' }
  // The second header is not one git writes (`x` where a count belongs).
  const text = [
    'diff --git a/a.ts b/a.ts',
    '--- a/a.ts',
    '+++ b/a.ts',
    '@@ -1 +1 @@',
    '-one',
    '+ONE',
    '@@ -9,x +9 @@',
    '-nine',
    '+NINE',
    'diff --git a/b.ts b/b.ts',
    '--- a/b.ts',
    '+++ b/b.ts',
    '@@ -1 +1 @@',
    '-b',
    '+B',
    ''
  ].join('\n')

  it('sends what it read but lists the file as skipped with the reason, never as reviewed', () => {
    const plan = planReview(parseUnifiedDiff(text), options)
    expect(plan.files).toEqual(['b.ts'])
    expect(plan.skipped).toEqual([
      {
        path: 'a.ts',
        reason: 'not fully reviewed: a hunk header the parser could not read: its lines may be missing'
      }
    ])
    expect(plan.messages.flatMap(m => m.completes)).toEqual(['b.ts'])
    expect(diffLines(plan.messages[0]?.text ?? '')).toContain('+ONE')
  })

  it('does the same for a files-list patch with lines outside any hunk', () => {
    const files = filesFromPatches([
      { filename: 'a.ts', status: 'modified', additions: 1, deletions: 1, patch: '-one\n+ONE' },
      { filename: 'b.ts', status: 'modified', additions: 1, deletions: 1, patch: '@@ -1 +1 @@\n-b\n+B' }
    ])
    const plan = planReview(files, options)
    expect(plan.files).toEqual(['b.ts'])
    expect(plan.skipped.map(s => s.path)).toEqual(['a.ts'])
  })
})

describe('planReview tells the reviewer what git knows of modes, symlinks and submodules', () => {
  let repo: GitRepo
  let base: string
  let head: string
  const options: ReviewPlanOptions = { include: ['**'], exclude: [], limit: 20000, pullNumber: 1, title: 't' }

  beforeAll(() => {
    repo = GitRepo.create()
    repo
      .write('tool.sh', 'echo hi\n')
      .write('becomes-link.txt', 'a file\n')
      .write('img.dat', Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]))
    base = repo.commit('base')
    repo
      .chmod('tool.sh', 0o755)
      .symlink('passwd', '/etc/passwd')
      .symlink('becomes-link.txt', '/etc/shadow')
      .rename('img.dat', 'moved/img.dat')
      .write('moved/img.dat', Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 99]))
    repo.submodule('sub')
    head = repo.commit('head')
  })

  afterAll(() => repo.destroy())

  it('names a new mode, a symlink and its target, a submodule and a type change (diff media type)', () => {
    const text = repo.git('diff', '--no-color', '-M', `${base}...${head}`)
    const plan = planReview(parseUnifiedDiff(text), options)
    const lines = diffLines(plan.messages[0]?.text ?? '')
    expect(lines.filter(l => l.startsWith('=== '))).toEqual([
      '=== becomes-link.txt (deleted: 1 line removed, not shown)',
      '=== becomes-link.txt (new symlink, type change: was a file, its lines are symlink targets)',
      '=== passwd (new symlink, its lines are symlink targets)',
      '=== sub (new submodule, its lines are submodule commit ids)',
      '=== tool.sh (mode 100644 → 100755, now executable, no content change)'
    ])
    expect(lines).toContain('+/etc/passwd')
    expect(plan.skipped).toContainEqual({ path: 'moved/img.dat', reason: 'binary file' })
  })

  it('never calls a binary file renamed and changed unchanged (files list)', () => {
    const plan = planReview(filesFromPatches(githubItems(repo, base, head)), options)
    const text = plan.messages.map(m => m.text).join('\n')
    expect(text).not.toContain('moved/img.dat')
    expect(plan.skipped).toContainEqual({ path: 'moved/img.dat', reason: REASONS.moveWithoutPatch })
  })
})

describe('planReview sends the shortest part first', () => {
  /** A git diff adding `lines` lines of 40 characters to `path`. */
  function added(path: string, lines: number): string {
    const body = Array.from(
      { length: lines },
      (_, i) => `+const line${String(i).padStart(4, '0')} = '${'x'.repeat(20)}'`
    )
    return `diff --git a/${path} b/${path}\nnew file mode 100644\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1,${lines} @@\n${body.join('\n')}\n`
  }
  const options: ReviewPlanOptions = {
    include: ['**'],
    exclude: [],
    limit: 3000,
    pullNumber: 3,
    title: 'Order'
  }

  it('puts the short remainder first, with the instructions, and keeps the review request last', () => {
    // Two full parts and a short remainder in diff order.
    const plan = planReview(parseUnifiedDiff(added('a.ts', 100) + added('b.ts', 8)), options)
    expect(plan.messages.length).toBeGreaterThanOrEqual(3)
    const first = plan.messages[0]
    expect(first?.originalIndex).toBe(plan.messages.length - 1)
    expect(first?.text).toContain('Review pull request #3')
    expect(first?.text).toContain(`Part 1 of ${plan.messages.length}.`)
    expect(plan.messages.slice(1).some(m => m.text.includes('Review pull request #3'))).toBe(false)
    expect(plan.messages.at(-1)?.text).toContain('Now write the review of the whole pull request')
    for (const m of plan.messages) expect(m.text.length).toBeLessThanOrEqual(options.limit)
    // Billed input (each message re-read on every later turn) is no more than in diff order.
    const billed = (lengths: number[]) => lengths.reduce((sum, len, k) => sum + len * (lengths.length - k), 0)
    const byDiff = [...plan.messages].sort((a, b) => a.originalIndex - b.originalIndex)
    const diffOrderFramed = byDiff.map(m => m.text.length)
    expect(billed(plan.messages.map(m => m.text.length))).toBeLessThan(billed(diffOrderFramed))
    // a.ts spans the parts; it is reviewed once the last of its pieces sent is answered.
    expect(plan.messages.flatMap(m => m.completes).sort()).toEqual(['a.ts', 'b.ts'])
    expect(plan.messages.at(-1)?.completes).toContain('a.ts')
  })

  it('starts the first part sent, and only it, with the intro, within the limit', () => {
    const intro = incrementalIntro({ since: 'a1b2c3d4e5', files: ['a.ts'], openFindings: [] })
    const diff = parseUnifiedDiff(added('a.ts', 100) + added('b.ts', 8))
    const plain = planReview(diff, options)
    const plan = planReview(diff, { ...options, intro })
    expect(plan.messages[0]?.text.startsWith(`${intro}\n\nReview pull request #3`)).toBe(true)
    expect(plan.messages.filter(m => m.text.includes('Incremental review:'))).toHaveLength(1)
    for (const m of plan.messages) expect(m.text.length).toBeLessThanOrEqual(options.limit)
    expect(plan.files).toEqual(plain.files)
  })
})
