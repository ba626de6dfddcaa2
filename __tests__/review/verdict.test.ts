import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { SEVERITIES, type Finding, type Severity } from '../../src/review/findings.js'
import {
  atLeast,
  computeVerdict,
  gateFails,
  selectInline,
  type FailOn,
  type InlineCandidate
} from '../../src/review/verdict.js'

function finding(severity: Severity, over: Partial<Finding> = {}): Finding {
  return { path: 'a.ts', line: 1, side: 'RIGHT', severity, title: severity, body: '', ...over }
}

const FAIL_ONS: FailOn[] = ['none', ...SEVERITIES]

describe('computeVerdict', () => {
  it('unknown when the findings block was unreadable, whatever else', () => {
    for (const failOn of FAIL_ONS) {
      for (const incomplete of [true, false]) {
        expect(computeVerdict({ findings: 'unreadable', incomplete, failOn }).verdict).toBe('unknown')
      }
    }
  })

  it('partial when coverage is incomplete, even with a blocking finding (still named)', () => {
    const r = computeVerdict({ findings: [finding('critical')], incomplete: true, failOn: 'major' })
    expect(r.verdict).toBe('partial')
    expect(r.blocking.map(f => f.severity)).toEqual(['critical'])
    expect(computeVerdict({ findings: [], incomplete: true, failOn: 'none' }).verdict).toBe('partial')
  })

  it.each([
    ['major', ['major'], 'fail'],
    ['major', ['critical', 'nit'], 'fail'],
    ['major', ['minor', 'nit'], 'pass'],
    ['nit', ['nit'], 'fail'],
    ['critical', ['major'], 'pass'],
    ['none', ['critical'], 'pass'],
    ['minor', [], 'pass']
  ] as const)('fail-on %s with %j → %s', (failOn, severities, verdict) => {
    const r = computeVerdict({ findings: severities.map(s => finding(s)), incomplete: false, failOn })
    expect(r.verdict).toBe(verdict)
  })

  it('blocking lists exactly the findings at or above fail-on, most severe first', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...SEVERITIES)),
        fc.constantFrom(...FAIL_ONS),
        (severities, failOn) => {
          const findings = severities.map((s, i) => finding(s, { line: i + 1 }))
          const r = computeVerdict({ findings, incomplete: false, failOn })
          const expected =
            failOn === 'none'
              ? []
              : findings.filter(f => SEVERITIES.indexOf(f.severity) <= SEVERITIES.indexOf(failOn))
          expect(r.blocking).toHaveLength(expected.length)
          expect(r.verdict).toBe(expected.length > 0 ? 'fail' : 'pass')
          const ranks = r.blocking.map(f => SEVERITIES.indexOf(f.severity))
          expect(ranks).toEqual([...ranks].sort((a, b) => a - b))
        }
      )
    )
  })
})

describe('gateFails', () => {
  it('only pass passes a gate; without fail-on there is no gate', () => {
    for (const verdict of ['pass', 'fail', 'partial', 'unknown'] as const) {
      expect(gateFails(verdict, 'none')).toBe(false)
      for (const failOn of SEVERITIES) expect(gateFails(verdict, failOn)).toBe(verdict !== 'pass')
    }
  })
})

describe('atLeast', () => {
  it('orders critical > major > minor > nit', () => {
    expect(atLeast('critical', 'major')).toBe(true)
    expect(atLeast('major', 'major')).toBe(true)
    expect(atLeast('minor', 'major')).toBe(false)
    expect(atLeast('nit', 'minor')).toBe(false)
  })
})

describe('selectInline', () => {
  const candidate = (severity: Severity, line: number, fp = `${severity}-${line}`): InlineCandidate => ({
    finding: finding(severity, { line, title: `t${line}` }),
    fingerprint: fp
  })

  it('filters by min severity, skips what was posted before, caps, most severe first', () => {
    const all = [
      candidate('nit', 1),
      candidate('minor', 2),
      candidate('critical', 3),
      candidate('major', 4),
      candidate('major', 5, 'seen'),
      candidate('minor', 6)
    ]
    const r = selectInline(all, { max: 2, minSeverity: 'minor', alreadyPosted: new Set(['seen']) })
    expect(r.inline.map(c => c.finding.line)).toEqual([3, 4])
    expect(r.summaryOnly.map(s => [s.candidate.finding.line, s.reason])).toEqual([
      [5, 'already-posted'],
      [2, 'over-cap'],
      [6, 'over-cap'],
      [1, 'below-min-severity']
    ])
  })

  it('posts the same finding once when the answer repeats it', () => {
    const r = selectInline([candidate('major', 1, 'x'), candidate('major', 1, 'x')], {
      max: 10,
      minSeverity: 'nit'
    })
    expect(r.inline).toHaveLength(1)
  })

  it('for any candidates: nothing lost, cap and filter hold, order does not depend on input order', () => {
    const arb = fc.array(
      fc.record({
        severity: fc.constantFrom(...SEVERITIES),
        line: fc.integer({ min: 1, max: 20 }),
        fp: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f')
      }),
      { maxLength: 30 }
    )
    fc.assert(
      fc.property(arb, fc.nat({ max: 12 }), fc.constantFrom(...SEVERITIES), (raw, max, minSeverity) => {
        const candidates = raw.map(r => candidate(r.severity, r.line, r.fp))
        const r = selectInline(candidates, { max, minSeverity })
        expect(r.inline.length + r.summaryOnly.length).toBe(candidates.length)
        expect(r.inline.length).toBeLessThanOrEqual(max)
        for (const c of r.inline) expect(atLeast(c.finding.severity, minSeverity)).toBe(true)
        const reversed = selectInline([...candidates].reverse(), { max, minSeverity })
        expect(reversed.inline.map(c => [c.fingerprint, c.finding.line])).toEqual(
          r.inline.map(c => [c.fingerprint, c.finding.line])
        )
      })
    )
  })
})
