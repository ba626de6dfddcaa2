/**
 * The rule the whole diff pipeline keeps, whatever the PR's author writes into paths, hunk
 * sections and lines: every changed line reaches the model exactly once, under its own file's
 * header, or its file is listed as skipped with a reason; and no reader, whatever it takes for a
 * line break, sees the action's frame where the PR's text is.
 */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { parseUnifiedDiff, type DiffFile } from '../../src/review/diff.js'
import { filesFromPatches } from '../../src/review/files-list.js'
import { planReview, type ReviewPlanOptions } from '../../src/review/plan.js'
import { REASONS } from '../../src/review/filter.js'
import { displayPath, visibleContent } from '../../src/review/visible.js'
import { DIFF_CLOSE } from '../../src/review/prompts.js'
import { genDiff, renderGitDiff, renderGitHubItems, type GenFile } from '../fixtures/diff-gen.js'
import { reassemble } from '../fixtures/reassemble.js'

/** Where readers other than an LF-only one break lines (Python's `str.splitlines`, Unicode). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const READER_BREAKS = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/

function check(gen: GenFile[], files: DiffFile[], limit: number): void {
  const options: ReviewPlanOptions = { include: ['**'], exclude: [], limit, pullNumber: 1, title: 'x' }
  const plan = planReview(files, options)
  const texts = plan.messages.map(m => m.text)
  const skipped = new Map(plan.skipped.map(s => [s.path, s.reason]))
  for (const reason of skipped.values()) expect(reason.length).toBeGreaterThan(5)

  // The frame's own lines, as any reader splits lines: one "Part" line and one close per message.
  texts.forEach((text, i) => {
    const lines = text.split(READER_BREAKS)
    expect(lines.filter(l => l === DIFF_CLOSE)).toHaveLength(1)
    expect(lines.filter(l => /^Part \d+ of \d+/.test(l))).toEqual([
      expect.stringMatching(new RegExp(`^Part ${i + 1} of ${texts.length}[.,]`))
    ])
  })

  // Parts are sent shortest first; a file's pieces join in diff order.
  const sent = reassemble(
    [...plan.messages].sort((a, b) => a.originalIndex - b.originalIndex).map(m => m.text)
  )
  let k = 0
  for (const g of gen) {
    const reason = skipped.get(g.path)
    if (reason !== undefined && reason !== REASONS.deleted) continue
    const file = sent[k++]
    const shown = `=== ${displayPath(g.path, 1000)}`
    expect(file?.header === shown || file?.header.startsWith(`${shown} (`)).toBe(true)
    if (reason === REASONS.deleted) {
      expect(file?.lines).toEqual([])
      continue
    }
    const lines = file?.lines.map(l => l.text).filter(t => !t.startsWith('\\'))
    expect(lines).toEqual(g.hunks.flatMap(h => h.lines).map(visibleContent))
  }
  expect(k).toBe(sent.length)
}

describe('nothing hidden from the review', () => {
  const limits = fc.constantFrom(20000, 3000)

  it('sends every changed line of a hostile diff once, or lists its file as skipped (diff media type)', () => {
    fc.assert(
      fc.property(genDiff(400, 5, true), limits, (gen, limit) => {
        check(gen, parseUnifiedDiff(renderGitDiff(gen)), limit)
      }),
      { numRuns: 150 }
    )
  })

  it('does the same from the files list', () => {
    fc.assert(
      fc.property(genDiff(400, 5, true), limits, (gen, limit) => {
        check(gen, filesFromPatches(renderGitHubItems(gen)), limit)
      }),
      { numRuns: 150 }
    )
  })
})
