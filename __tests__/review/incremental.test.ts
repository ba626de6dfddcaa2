import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { parseUnifiedDiff } from '../../src/review/diff.js'
import {
  INTRO_MAX_CHARS,
  PUSH_CONTEXT_LINES,
  incrementalIntro,
  narrowToPushedHunks,
  restrictToChanged,
  type OpenFinding
} from '../../src/review/incremental.js'
import { GitRepo } from '../../emulators/github/git-repo.js'

describe('restrictToChanged', () => {
  it('keeps the PR diff of the files a push touched, a rename under either name, and lists the rest', () => {
    const repo = GitRepo.create()
    try {
      repo
        .write('a.ts', 'a\n')
        .write('b.ts', 'b\n')
        .write('old.ts', 'same\ncontent\nfor\na\nrename\n')
        .write('c.ts', 'c\n')
      const base = repo.commit('base')
      repo.write('a.ts', 'A\n').write('b.ts', 'B\n').rename('old.ts', 'new.ts').write('d.ts', 'd\n')
      const head = repo.commit('the pull request')
      const diff = parseUnifiedDiff(repo.diff(base, head))
      expect(diff.map(f => f.path)).toEqual(['a.ts', 'b.ts', 'd.ts', 'new.ts'])

      // A push that touched b.ts, the rename's old name and a path outside the PR (from the base).
      const pushed = restrictToChanged(diff, new Set(['b.ts', 'old.ts', 'README.md']))
      expect(pushed.files.map(f => f.path)).toEqual(['b.ts', 'new.ts'])
      expect(pushed.files[0]).toBe(diff[1])
      expect(pushed.unchanged).toEqual(['a.ts', 'd.ts'])
      // ... or the new name.
      expect(restrictToChanged(diff, new Set(['new.ts'])).files.map(f => f.path)).toEqual(['new.ts'])
      expect(restrictToChanged(diff, new Set()).files).toEqual([])
    } finally {
      repo.destroy()
    }
  })
})

describe('narrowToPushedHunks', () => {
  it('keeps the hunks of the PR diff the push changed, and the files it cannot tell', () => {
    const repo = GitRepo.create()
    try {
      const lines = (tag: (i: number) => string) =>
        Array.from({ length: 60 }, (_, i) => `${tag(i)}\n`).join('')
      repo
        .write(
          'a.ts',
          lines(i => `line ${i}`)
        )
        .write(
          'b.ts',
          lines(i => `b ${i}`)
        )
        .write(
          'c.ts',
          lines(i => `c ${i}`)
        )
      const base = repo.commit('base')
      // The pull request: a.ts changed near its top and its bottom, b.ts near its top, c.ts.
      repo
        .write(
          'a.ts',
          lines(i => (i === 2 || i === 55 ? `changed ${i}` : `line ${i}`))
        )
        .write(
          'b.ts',
          lines(i => (i === 3 ? `changed ${i}` : `b ${i}`))
        )
        .write(
          'c.ts',
          lines(i => (i === 0 ? 'C 0' : `c ${i}`))
        )
      const reviewed = repo.commit('reviewed')
      // The push: a.ts at the bottom again, b.ts back to the base, c.ts renamed only.
      repo
        .write(
          'a.ts',
          lines(i => (i === 55 ? 'again 55' : `${i === 2 ? 'changed' : 'line'} ${i}`))
        )
        .write(
          'b.ts',
          lines(i => `b ${i}`)
        )
        .rename('c.ts', 'd.ts')
      const head = repo.commit('pushed')
      const pr = parseUnifiedDiff(repo.diff(base, head))
      const push = parseUnifiedDiff(repo.diff(reviewed, head))
      const scope = restrictToChanged(pr, new Set(push.flatMap(f => [f.path, f.previousPath ?? f.path])))
      expect(scope.files.map(f => f.path)).toEqual(['a.ts', 'd.ts'])
      const narrowed = narrowToPushedHunks(scope.files, push)
      expect(narrowed.map(f => f.path)).toEqual(['a.ts', 'd.ts'])
      const a = narrowed[0]
      expect(a?.hunks).toHaveLength(1)
      expect(a?.hunks[0]?.body).toContain('+again 55')
      expect(a?.hunks[0]?.body).not.toContain('changed 2')
      // d.ts: the push only renamed it; its PR diff is kept whole.
      expect(narrowed[1]).toBe(scope.files[1])
      // A file the push undid to the base is not in the PR diff at all: nothing to review.
      expect(pr.map(f => f.path)).not.toContain('b.ts')
      // A push with no hunks for a file, or no push diff at all, narrows nothing.
      expect(narrowToPushedHunks(scope.files, [])).toEqual(scope.files)
    } finally {
      repo.destroy()
    }
  })
})

describe('narrowToPushedHunks, within a hunk', () => {
  it('keeps the PR lines around the push’s change, numbered as at the head', () => {
    const repo = GitRepo.create()
    try {
      repo.write('README.md', 'x\n')
      const base = repo.commit('base')
      const file = (edit: number) =>
        Array.from({ length: 200 }, (_, i) => `${i + 1 === edit ? 'edited' : 'line'} ${i + 1}\n`).join('')
      repo.write('new.ts', file(0))
      const reviewed = repo.commit('a new file')
      repo.write('new.ts', file(100))
      const head = repo.commit('one line edited')
      const pr = parseUnifiedDiff(repo.diff(base, head))
      const [narrowed] = narrowToPushedHunks(pr, parseUnifiedDiff(repo.diff(reviewed, head)))
      // Line 100 replaced: the gap before it (from line 99) and line 100 itself changed.
      const from = 99 - PUSH_CONTEXT_LINES
      const to = 100 + PUSH_CONTEXT_LINES
      expect(narrowed?.hunks.map(h => [h.oldStart, h.oldLines, h.newStart, h.newLines])).toEqual([
        [0, 0, from, to - from + 1]
      ])
      const expected = file(100)
        .split('\n')
        .slice(from - 1, to)
        .map(l => `+${l}\n`)
        .join('')
      expect(narrowed?.hunks[0]?.body).toBe(expected)
      expect([narrowed?.additions, narrowed?.deletions]).toEqual([to - from + 1, 0])
    } finally {
      repo.destroy()
    }
  })
})

describe('narrowToPushedHunks, for any pair of edits', () => {
  /** Lines `at` of `lines` replaced (or, for a negative entry, removed) — an edit of a file. */
  function edited(lines: readonly string[], changes: readonly number[], tag: string): string[] {
    const out = [...lines]
    for (const c of [...changes].sort((a, b) => Math.abs(b) - Math.abs(a))) {
      const at = Math.abs(c) % out.length
      if (c < 0 && out.length > 1) out.splice(at, 1)
      else out[at] = `${tag} ${at}`
    }
    return out
  }

  it('keeps every line the push added that the PR adds, each numbered as in the base and the head', () => {
    const edits = fc.array(fc.integer({ min: -400, max: 400 }), { minLength: 1, maxLength: 8 })
    fc.assert(
      fc.property(edits, edits, (prEdits, pushEdits) => {
        const repo = GitRepo.create()
        try {
          const baseLines = Array.from({ length: 200 }, (_, i) => `line ${i}`)
          const text = (lines: readonly string[]) => `${lines.join('\n')}\n`
          repo.write('f.ts', text(baseLines))
          const base = repo.commit('base')
          const reviewedLines = edited(baseLines, prEdits, 'pr')
          repo.write('f.ts', text(reviewedLines))
          const reviewed = repo.commit('reviewed')
          const headLines = edited(reviewedLines, pushEdits, 'push')
          repo.write('f.ts', text(headLines))
          const head = repo.commit('pushed')
          const pr = parseUnifiedDiff(repo.diff(base, head))
          const push = parseUnifiedDiff(repo.diff(reviewed, head))
          const narrowed = narrowToPushedHunks(pr, push)
          const kept = new Set<string>()
          for (const h of narrowed[0]?.hunks ?? []) {
            let oldNo = h.oldLines > 0 ? h.oldStart : h.oldStart + 1
            let newNo = h.newLines > 0 ? h.newStart : h.newStart + 1
            for (const line of h.body.slice(0, -1).split('\n')) {
              const marker = line.charAt(0)
              if (marker !== '+') expect(baseLines[oldNo++ - 1]).toBe(line.slice(1))
              if (marker !== '-') expect(headLines[newNo++ - 1]).toBe(line.slice(1))
              if (marker === '+') kept.add(`${newNo - 1}:${line}`)
            }
          }
          // What the push added and the PR still adds against the base is sent.
          const prAdds = new Set<string>()
          for (const h of pr[0]?.hunks ?? []) {
            let newNo = h.newLines > 0 ? h.newStart : h.newStart + 1
            for (const line of h.body.slice(0, -1).split('\n')) {
              if (line.startsWith('+')) prAdds.add(`${newNo}:${line}`)
              if (!line.startsWith('-')) newNo++
            }
          }
          for (const h of push[0]?.hunks ?? []) {
            let newNo = h.newLines > 0 ? h.newStart : h.newStart + 1
            for (const line of h.body.slice(0, -1).split('\n')) {
              const key = `${newNo}:${line}`
              if (line.startsWith('+') && prAdds.has(key)) expect(kept.has(key)).toBe(true)
              if (!line.startsWith('-')) newNo++
            }
          }
        } finally {
          repo.destroy()
        }
      }),
      { numRuns: 25 }
    )
  })
})

describe('incrementalIntro', () => {
  const findings: OpenFinding[] = [
    { path: 'src/a.ts', line: 12, severity: 'major', title: 'Off by one' },
    { path: 'src/b.ts', line: 3, severity: 'minor', title: 'Unused import' }
  ]

  it('names the range and shows the earlier summary and the open findings on the files reviewed again', () => {
    const text = incrementalIntro({
      since: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
      files: ['src/a.ts', 'src/c.ts'],
      previousSummary: 'Adds a parser.\nLooks fine.',
      openFindings: findings
    })
    expect(text.split('\n')[0]).toMatch(
      /^Incremental review: changes since a1b2c3d in 2 file\(s\); the earlier review's summary and open findings on these files follow as data/
    )
    expect(text).toContain('Earlier summary: "Adds a parser.\\nLooks fine."')
    expect(text).toContain('- major src/a.ts:12 "Off by one"')
    expect(text).not.toContain('src/b.ts')
    expect(text).toContain('Open findings (1):')
  })

  it('leaves out what there is not', () => {
    const text = incrementalIntro({ since: 'a1b2c3d4', files: ['x.ts'], openFindings: [] })
    expect(text.split('\n')).toHaveLength(1)
    expect(text).toContain('since a1b2c3d in 1 file(s)')
  })

  it('stays short and on its own lines whatever the earlier texts say', () => {
    const hostile = fc.string({ unit: 'binary', maxLength: 3000 })
    fc.assert(
      fc.property(
        hostile,
        fc.array(fc.record({ path: hostile, line: fc.integer(), severity: hostile, title: hostile }), {
          maxLength: 30
        }),
        (summary, open) => {
          const text = incrementalIntro({
            since: summary,
            files: open.map(f => f.path),
            previousSummary: summary,
            openFindings: open
          })
          expect(text.length).toBeLessThanOrEqual(INTRO_MAX_CHARS)
          const lines = text.split('\n')
          // One header, the summary, the findings' heading, at most five findings and a "more".
          const expected =
            1 + (summary.trim() === '' ? 0 : 1) + (open.length > 0 ? 1 + Math.min(5, open.length) : 0)
          expect(lines).toHaveLength(expected + (open.length > 5 ? 1 : 0))
          // eslint-disable-next-line no-control-regex -- control characters must not pass through
          for (const line of lines) expect(/[\u0000-\u001f\u2028\u2029\u202e]/.test(line)).toBe(false)
        }
      ),
      { numRuns: 200 }
    )
  })
})
