import { describe, expect, it } from '@jest/globals'
import { filesFromPatches } from '../../src/review/files-list.js'

describe('filesFromPatches', () => {
  it('marks files without a patch, a move included, but not a mode change that has no lines', () => {
    const files = filesFromPatches([
      { filename: 'big.json', status: 'modified', additions: 90000, deletions: 3 },
      { filename: 'logo.png', status: 'added', additions: 0, deletions: 0, patch: null },
      { filename: 'b.txt', status: 'renamed', previous_filename: 'a.txt', additions: 0, deletions: 0 },
      { filename: 'run.sh', status: 'changed', additions: 0, deletions: 0 },
      { filename: 'x.ts', status: 'surprise', additions: 1, deletions: 0, patch: '@@ -0,0 +1 @@\n+x' }
    ])
    expect(files.map(f => [f.path, f.status, f.patchMissing, f.previousPath])).toEqual([
      ['big.json', 'modified', true, undefined],
      ['logo.png', 'added', true, undefined],
      // A binary file renamed and changed comes without a patch and with 0 lines too.
      ['b.txt', 'renamed', true, 'a.txt'],
      ['run.sh', 'changed', false, undefined],
      ['x.ts', 'modified', false, undefined]
    ])
    expect(files[0]?.additions).toBe(90000)
    expect(files[4]?.hunks).toEqual([
      { oldStart: 0, newStart: 1, oldLines: 0, newLines: 1, section: '', body: '+x' }
    ])
  })

  it('takes an added file whose blob is the empty blob as empty, not as missing its patch', () => {
    const files = filesFromPatches([
      { filename: 'empty', status: 'added', additions: 0, deletions: 0, sha: EMPTY_BLOB },
      { filename: 'empty256', status: 'added', additions: 0, deletions: 0, sha: EMPTY_BLOB_SHA256 },
      { filename: 'logo.png', status: 'added', additions: 0, deletions: 0, sha: 'a'.repeat(40) },
      { filename: 'huge', status: 'added', additions: 90000, deletions: 0, sha: EMPTY_BLOB },
      { filename: 'unknown', status: 'added', additions: 0, deletions: 0, sha: null }
    ])
    expect(files.map(f => [f.path, f.patchMissing, f.hunks])).toEqual([
      ['empty', false, []],
      ['empty256', false, []],
      ['logo.png', true, []],
      ['huge', true, []],
      ['unknown', true, []]
    ])
  })
})

/** `git hash-object -t blob /dev/null`, in a SHA-1 and in a SHA-256 repository. */
const EMPTY_BLOB = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'
const EMPTY_BLOB_SHA256 = '473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813'
