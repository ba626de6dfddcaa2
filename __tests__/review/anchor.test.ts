import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { GitRepo } from '../../emulators/github/git-repo.js'
import { REANCHOR_WINDOW, anchorFinding, normalisePath, type Commentable } from '../../src/review/anchor.js'
import { parseUnifiedDiff, type DiffFile } from '../../src/review/diff.js'
import { filesFromPatches } from '../../src/review/files-list.js'
import type { Finding } from '../../src/review/findings.js'
import { genDiff, renderGitDiff, renderGitHubItems, type GenFile } from '../fixtures/diff-gen.js'

const numbered = (n: number, f: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => f(i + 1)).join('\n') + '\n'

function finding(over: Partial<Finding>): Finding {
  return { path: 'src/a.ts', line: 1, side: 'RIGHT', severity: 'major', title: 't', body: 'b', ...over }
}

function posted(a: ReturnType<typeof anchorFinding>): Commentable {
  if (!a.commentable) throw new Error(`not commentable: ${a.reason}`)
  return a
}

describe('anchorFinding on a diff made by git', () => {
  let repo: GitRepo
  let files: DiffFile[]

  beforeAll(() => {
    repo = GitRepo.create()
    repo.write(
      'src/a.ts',
      numbered(80, i => `const a${i} = ${i}`)
    )
    repo.write('src/gone.ts', 'export const gone = 1\n')
    repo.write('logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 0, 3]))
    const base = repo.commit('base')
    // Hunk 0 around line 10 (one line changed), hunk 1 around line 60 (one removed, two added).
    const lines = numbered(80, i => `const a${i} = ${i}`).split('\n')
    lines[9] = 'const a10 = 10 // changed'
    lines.splice(59, 1, 'const b60 = 60', 'const c60 = 60')
    repo.write('src/a.ts', lines.join('\n'))
    repo.remove('src/gone.ts')
    repo.write('logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 9, 9, 0, 9]))
    const head = repo.commit('head')
    files = parseUnifiedDiff(repo.diff(base, head))
  })
  afterAll(() => repo.destroy())

  it('RIGHT on an added line and on a context line of a hunk', () => {
    expect(posted(anchorFinding(finding({ line: 10 }), files)).lineText).toBe('const a10 = 10 // changed')
    expect(posted(anchorFinding(finding({ line: 8 }), files)).lineText).toBe('const a8 = 8')
  })

  it('LEFT only on a removed line, in old-file numbering', () => {
    expect(posted(anchorFinding(finding({ side: 'LEFT', line: 60 }), files)).lineText).toBe('const a60 = 60')
    expect(anchorFinding(finding({ side: 'LEFT', line: 58 }), files)).toMatchObject({ commentable: false })
    expect(
      posted(anchorFinding(finding({ path: 'src/gone.ts', side: 'LEFT', line: 1 }), files)).lineText
    ).toBe('export const gone = 1')
  })

  it('a line outside every hunk is not commentable, with the reason', () => {
    const a = anchorFinding(finding({ line: 30 }), files)
    expect(a).toMatchObject({
      commentable: false,
      reason: expect.stringContaining('line 30 is not in the diff')
    })
  })

  it('a range within one hunk is kept; a range across hunks is refused', () => {
    expect(posted(anchorFinding(finding({ startLine: 8, line: 11 }), files)).finding).toMatchObject({
      startLine: 8,
      line: 11
    })
    const across = anchorFinding(finding({ startLine: 10, line: 60 }), files)
    expect(across).toMatchObject({
      commentable: false,
      reason: expect.stringContaining('more than one hunk')
    })
  })

  it.each([
    ['an unknown file', 'src/none.ts', 'not part of this diff'],
    ['a path out of the repository', '../etc/passwd', 'not a path inside'],
    ['an absolute path', '/src/a.ts', 'not a path inside'],
    ['a path with .. inside', 'src/../src/a.ts', 'not a path inside'],
    ['another case', 'SRC/a.ts', 'not part of this diff'],
    ['a binary file', 'logo.png', 'binary']
  ])('%s is not commentable', (_, path, reason) => {
    expect(anchorFinding(finding({ path, line: 10 }), files)).toMatchObject({
      commentable: false,
      reason: expect.stringContaining(reason)
    })
  })

  it('a skipped file is not commentable, with the skip reason', () => {
    const skipped = new Map([['src/a.ts', 'excluded by a glob']])
    expect(anchorFinding(finding({ line: 10 }), files, { skipped })).toMatchObject({
      commentable: false,
      reason: expect.stringContaining('excluded by a glob')
    })
  })

  it('./ is dropped from a path', () => {
    expect(posted(anchorFinding(finding({ path: './src/a.ts', line: 10 }), files)).finding.path).toBe(
      'src/a.ts'
    )
  })

  it('re-anchors by snippet to the nearest commentable line, moving the range with it', () => {
    const a = posted(anchorFinding(finding({ line: 30, snippet: '  const a11 = 11 ' }), files))
    expect(a.finding.line).toBe(11)
    expect(a.movedFrom).toBe(30)
    const ranged = posted(
      anchorFinding(finding({ startLine: 7, line: 9, snippet: 'const a10 = 10 // changed' }), files)
    )
    expect(ranged.finding).toMatchObject({ startLine: 8, line: 10 })
  })

  it('moves a finding whose line is commentable but whose snippet is on another line nearby', () => {
    expect(posted(anchorFinding(finding({ line: 8, snippet: 'const a12 = 12' }), files)).finding.line).toBe(
      12
    )
  })

  it('does not re-anchor beyond the window, nor on a snippet without letters or digits', () => {
    expect(
      anchorFinding(finding({ line: 11 + REANCHOR_WINDOW + 5, snippet: 'const a11 = 11' }), files).commentable
    ).toBe(false)
    expect(anchorFinding(finding({ line: 30, snippet: '}' }), files).commentable).toBe(false)
  })

  it('keeps a suggestion on the RIGHT inside one hunk, drops it on the LEFT', () => {
    const right = posted(anchorFinding(finding({ startLine: 9, line: 10, suggestion: 'x' }), files))
    expect(right.finding.suggestion).toBe('x')
    const left = posted(anchorFinding(finding({ side: 'LEFT', line: 60, suggestion: 'x' }), files))
    expect(left.finding.suggestion).toBeUndefined()
    expect(left.notes.join('\n')).toContain('suggestion dropped')
  })

  it('drops the range and the suggestion when a moved range no longer fits one hunk', () => {
    // The snippet is on line 58 (context of hunk 1); a range of 20 lines above it would leave the hunk.
    const a = posted(
      anchorFinding(finding({ startLine: 20, line: 40, snippet: 'const a58 = 58', suggestion: 'x' }), files)
    )
    expect(a.finding.line).toBe(58)
    expect(a.finding.startLine).toBeUndefined()
    expect(a.finding.suggestion).toBeUndefined()
  })
})

describe('normalisePath', () => {
  it.each([
    ['./a.ts', 'a.ts'],
    ['././a/b.ts', 'a/b.ts'],
    ['a/./b.ts', 'a/./b.ts'],
    ['A.ts', 'A.ts'],
    ['..', undefined],
    ['a/../../b', undefined],
    ['/abs', undefined],
    ['C:\\x', undefined],
    ['', undefined]
  ])('%s → %s', (input, output) => {
    expect(normalisePath(input)).toBe(output)
  })
})

/**
 * What GitHub accepts, computed from the generator's own hunks (not from the parser nor the
 * anchorer): each side's line numbers with the hunk they belong to.
 */
function acceptedLines(file: GenFile): { right: Map<number, number>; left: Map<number, number> } {
  const right = new Map<number, number>()
  const left = new Map<number, number>()
  file.hunks.forEach((h, index) => {
    let o = h.oldStart
    let n = h.newStart
    for (const l of h.lines) {
      if (l[0] === '-') left.set(o++, index)
      else if (l[0] === '+') right.set(n++, index)
      else {
        right.set(n++, index)
        o++
      }
    }
  })
  return { right, left }
}

describe('anchoring, for every diff and every finding', () => {
  /** Findings on the diff's own lines, often, so that ranges within and across hunks are common. */
  const findingFor = (files: GenFile[]) => {
    const pick = fc.integer({ min: 0, max: Math.max(0, files.length - 1) })
    const side = fc.constantFrom<'LEFT' | 'RIGHT'>('LEFT', 'RIGHT')
    return fc.tuple(pick, side).chain(([index, s]) => {
      const file = files[index]
      const own =
        file === undefined
          ? []
          : [...(s === 'RIGHT' ? acceptedLines(file).right : acceptedLines(file).left).keys()]
      const lineArb =
        own.length > 0
          ? fc.oneof(fc.integer({ min: 1, max: 120 }), fc.constantFrom(...own), fc.constantFrom(...own))
          : fc.integer({ min: 1, max: 120 })
      return fc.record({
        path:
          file !== undefined
            ? fc.oneof(fc.constant(file.path), fc.constant(file.path), fc.string())
            : fc.string(),
        line: lineArb,
        start: fc.option(lineArb, { nil: undefined }),
        side: fc.constant(s),
        snippet: fc.option(fc.constantFrom('a', 'ab', 'b', 'é', '{', 'a b'), { nil: undefined }),
        suggestion: fc.option(fc.string(), { nil: undefined })
      })
    })
  }

  it('calls commentable only what GitHub would accept, and refuses with a reason otherwise', () => {
    fc.assert(
      fc.property(
        genDiff(80, 4).chain(files =>
          fc.tuple(fc.constant(files), fc.array(findingFor(files), { maxLength: 12 }))
        ),
        ([gen, raw]) => {
          // Both of GitHub's forms: the diff media type and the files list's patches.
          const forms = [parseUnifiedDiff(renderGitDiff(gen)), filesFromPatches(renderGitHubItems(gen))]
          for (const [r, parsed] of raw.flatMap(r => forms.map(p => [r, p] as const))) {
            const f = finding({
              path: r.path,
              line: r.line,
              side: r.side,
              ...(r.start !== undefined && r.start < r.line ? { startLine: r.start } : {}),
              ...(r.snippet !== undefined ? { snippet: r.snippet } : {}),
              ...(r.suggestion !== undefined ? { suggestion: r.suggestion } : {})
            })
            const a = anchorFinding(f, parsed)
            if (!a.commentable) {
              expect(a.reason).not.toBe('')
              continue
            }
            const file = gen.find(g => g.path === a.finding.path)
            expect(file).toBeDefined()
            const accepted = acceptedLines(file as GenFile)
            const side = a.finding.side === 'RIGHT' ? accepted.right : accepted.left
            expect(a.finding.side).toBe(f.side)
            const hunk = side.get(a.finding.line)
            expect(hunk).toBeDefined()
            if (a.finding.startLine !== undefined) {
              expect(a.finding.startLine).toBeLessThan(a.finding.line)
              expect(side.get(a.finding.startLine)).toBe(hunk)
            }
            if (a.finding.suggestion !== undefined) {
              expect(a.finding.side).toBe('RIGHT')
              for (let n = a.finding.startLine ?? a.finding.line; n <= a.finding.line; n++) {
                expect(accepted.right.get(n)).toBe(hunk)
              }
            }
          }
        }
      )
    )
  })

  it('a finding on an accepted line without a snippet is always commentable there', () => {
    fc.assert(
      fc.property(genDiff(80, 4), gen => {
        const parsed = parseUnifiedDiff(renderGitDiff(gen))
        for (const file of gen) {
          const accepted = acceptedLines(file)
          for (const [side, lines] of [
            ['RIGHT', accepted.right],
            ['LEFT', accepted.left]
          ] as const) {
            for (const line of lines.keys()) {
              const a = anchorFinding(finding({ path: file.path, line, side }), parsed)
              expect(a).toMatchObject({ commentable: true, finding: { line, side } })
            }
          }
        }
      })
    )
  })
})
