import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { SUMMARY_DROPPED, planWithinTurns } from '../../src/review/budget.js'
import type { ChunkMessage } from '../../src/review/chunk.js'
import { parseUnifiedDiff } from '../../src/review/diff.js'
import { planReview } from '../../src/review/plan.js'

const OPTIONS = { include: ['**'], exclude: ['defaults'], limit: 2000, pullNumber: 7, title: 'Budget' }

/** A git diff adding `lines` lines of 40 characters to `path`. */
function added(path: string, lines: number): string {
  const body = Array.from(
    { length: lines },
    (_, i) => `+const line${String(i).padStart(4, '0')} = '${'x'.repeat(20)}'`
  )
  return `diff --git a/${path} b/${path}\nnew file mode 100644\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1,${lines} @@\n${body.join('\n')}\n`
}

/** The files sent for review, in diff order (messages are sent shortest first, not in diff order). */
function sentPaths(messages: readonly ChunkMessage[]): string[] {
  const paths = [...messages]
    .sort((a, b) => a.originalIndex - b.originalIndex)
    .flatMap(m => m.files.filter(f => f.last && f.coverage !== 'summary').map(f => f.path))
  // Each is reviewed once the last of its pieces to be sent is answered.
  expect(messages.flatMap(m => m.completes).sort()).toEqual([...paths].sort())
  return paths
}

describe('planWithinTurns', () => {
  it('keeps the whole plan when it fits', () => {
    const diff = parseUnifiedDiff(added('a.ts', 10) + added('b.ts', 10))
    const plan = planWithinTurns(diff, OPTIONS, 5)
    expect(plan.dropped).toEqual([])
    expect(plan.messages).toEqual(planReview(diff, OPTIONS).messages)
  })

  it('passes over a first file too big for the turns and reviews the smaller files after it', () => {
    const diff = parseUnifiedDiff(added('src/0big.ts', 200) + added('src/a.ts', 1) + added('src/b.ts', 1))
    expect(planReview(diff, OPTIONS).messages.length).toBeGreaterThan(2)
    const plan = planWithinTurns(diff, OPTIONS, 2)
    expect(plan.dropped).toEqual(['src/0big.ts'])
    expect(sentPaths(plan.messages)).toEqual(['src/a.ts', 'src/b.ts'])
    expect(plan.messages.at(-1)?.text).toContain('Now write the review of the whole pull request')
  })

  it('fills the turns left with later files once an earlier one does not fit', () => {
    // Turn 1 holds the instructions and a.ts; b.ts would need two more turns; c.ts and d.ts fit in one.
    const diff = parseUnifiedDiff(
      added('a.ts', 10) + added('b.ts', 60) + added('c.ts', 20) + added('d.ts', 5)
    )
    const plan = planWithinTurns(diff, OPTIONS, 2)
    expect(plan.messages).toHaveLength(2)
    expect(plan.dropped).toEqual(['b.ts'])
    expect(sentPaths(plan.messages)).toEqual(['a.ts', 'c.ts', 'd.ts'])
  })

  it('never exceeds the turns, keeps the diff order, and accounts for every file', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 6 }),
        (sizes, maxTurns) => {
          const paths = sizes.map((_, i) => `f${String(i).padStart(2, '0')}.ts`)
          const diff = parseUnifiedDiff(sizes.map((n, i) => added(paths[i] as string, n)).join(''))
          const plan = planWithinTurns(diff, OPTIONS, maxTurns)
          const sent = sentPaths(plan.messages)
          expect(plan.messages.length).toBeLessThanOrEqual(maxTurns)
          expect(sent).toEqual([...sent].sort())
          expect([...sent, ...plan.dropped].sort()).toEqual(paths)
          // Within one turn of the best packing: the smallest file dropped would not fit beside
          // what was kept, or what was kept fills all turns but one.
          const smallest = plan.dropped
            .map(path => ({ path, lines: sizes[paths.indexOf(path)] as number }))
            .sort((a, b) => a.lines - b.lines)[0]
          if (smallest !== undefined) {
            const withIt = diff.filter(f => sent.includes(f.path) || f.path === smallest.path)
            const sentChars = plan.messages.reduce((n, m) => n + m.text.length, 0)
            expect([
              planReview(withIt, OPTIONS).messages.length > maxTurns ||
                plan.messages.length >= maxTurns - 1 ||
                sentChars >= (maxTurns - 1) * OPTIONS.limit,
              sizes,
              maxTurns
            ]).toEqual([true, sizes, maxTurns])
          }
        }
      ),
      { numRuns: 60 }
    )
  })

  it('fills the turns with the many small files after a big early one', () => {
    // The big file needs more than the 10 turns; the 1000 small ones after it fit in about 6.
    const small = Array.from({ length: 1000 }, (_, i) => added(`small/f${String(i).padStart(4, '0')}.ts`, 2))
    const diff = parseUnifiedDiff(added('a-big.ts', 6000) + small.join(''))
    const options = { ...OPTIONS, limit: 20000 }
    const plan = planWithinTurns(diff, options, 10)
    expect(plan.messages.length).toBeLessThanOrEqual(10)
    expect(plan.dropped).toEqual(['a-big.ts'])
    expect(sentPaths(plan.messages)).toHaveLength(1000)
  })

  it('never plans more turns than max-turns, sending reviewable files before summaries of deleted ones', () => {
    const deleted = (path: string) =>
      `diff --git a/${path} b/${path}\ndeleted file mode 100644\n--- a/${path}\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n`
    const gone = Array.from({ length: 2500 }, (_, i) => deleted(`old/removed-file-${i}.ts`))
    const fresh = Array.from({ length: 50 }, (_, i) => added(`src/new-${i}.ts`, 10))
    // Deletions first in diff order, as `old/` sorts before `src/`.
    const diff = parseUnifiedDiff(gone.join('') + fresh.join(''))
    const options = { ...OPTIONS, limit: 20000 }
    expect(planReview(diff, options).messages.length).toBeGreaterThan(3)
    const plan = planWithinTurns(diff, options, 3)
    expect(plan.messages.length).toBeLessThanOrEqual(3)
    expect(plan.dropped).toEqual([])
    expect(sentPaths(plan.messages)).toHaveLength(50)
    const summaries = plan.messages.flatMap(m => m.files.filter(f => f.coverage === 'summary'))
    expect(summaries.length).toBeGreaterThan(0)
    expect(summaries.length).toBeLessThan(2500)
    const unsent = plan.full.skipped.filter(s => s.reason === SUMMARY_DROPPED)
    expect(unsent).toHaveLength(2500 - summaries.length)

    // Deletions alone: still within the cap.
    const onlyGone = parseUnifiedDiff(gone.join(''))
    expect(planWithinTurns(onlyGone, options, 2).messages.length).toBeLessThanOrEqual(2)
  })
})
