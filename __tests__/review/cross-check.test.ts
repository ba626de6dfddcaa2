import { describe, expect, it } from '@jest/globals'
import { parseUnifiedDiff } from '../../src/review/diff.js'
import { filesFromPatches } from '../../src/review/files-list.js'
import { countProblem, coverageMismatch } from '../../src/review/cross-check.js'
import { selectFiles } from '../../src/review/filter.js'

const DIFF = [
  'diff --git a/a.ts b/a.ts',
  '--- a/a.ts',
  '+++ b/a.ts',
  '@@ -1,2 +1,2 @@',
  '-one',
  '+ONE',
  ' two',
  ''
].join('\n')

describe('countProblem', () => {
  it('is silent when the counts agree or GitHub gave none, and names both counts otherwise', () => {
    expect(countProblem({ additions: 2, deletions: 1 }, { additions: 2, deletions: 1 })).toBeUndefined()
    expect(countProblem({ additions: 2, deletions: 1 }, {})).toBeUndefined()
    expect(countProblem({ additions: 1, deletions: 1 }, { additions: 2, deletions: 1 })).toBe(
      'GitHub counts +2 −1 lines, the patch read gives +1 −1'
    )
  })
})

describe('the files list checked against its own counts', () => {
  it('does not count a file as reviewed when its patch holds fewer lines than GitHub counts', () => {
    const files = filesFromPatches([
      // GitHub says 3 lines were added; the patch that came shows 1.
      { filename: 'a.ts', status: 'modified', additions: 3, deletions: 1, patch: '@@ -1 +1 @@\n-a\n+A' },
      { filename: 'b.ts', status: 'modified', additions: 1, deletions: 1, patch: '@@ -1 +1 @@\n-b\n+B' }
    ])
    const selection = selectFiles(files, { include: ['**'], exclude: [] })
    expect(selection.skipped).toEqual([
      { path: 'a.ts', reason: 'not fully reviewed: GitHub counts +3 −1 lines, the patch read gives +1 −1' }
    ])
    expect(selection.files.map(s => [s.file.path, s.incomplete === true])).toEqual([
      ['a.ts', true],
      ['b.ts', false]
    ])
    expect(coverageMismatch(files)).toBe('1 file could not be read completely (listed below)')
  })
})

describe('the diff media type checked against the pull request’s totals', () => {
  it('agrees with totals equal to what was read', () => {
    expect(coverageMismatch(parseUnifiedDiff(DIFF), { additions: 1, deletions: 1 })).toBeUndefined()
  })

  it('names a difference, whichever way it goes', () => {
    const files = parseUnifiedDiff(DIFF)
    expect(coverageMismatch(files, { additions: 5, deletions: 1 })).toBe(
      'the diff read holds +1 −1 lines where GitHub counts +5 −1 for the pull request, so some changes may be missing'
    )
    expect(coverageMismatch(files, { additions: 1, deletions: 0 })).toContain('GitHub counts +1 −0')
  })
})
