/** The SARIF log against the official SARIF 2.1.0 JSON schema (see __tests__/fixtures/sarif.ts). */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { SEVERITIES, type Finding } from '../../src/review/findings.js'
import { pathToUri, toSarif, type SarifFinding } from '../../src/review/sarif.js'
import { sarifErrors } from '../fixtures/sarif.js'

const TOOL = {
  name: 'rivya-codex-review',
  version: '0.1.0',
  informationUri: 'https://github.com/rivya/codex-review'
}

function item(over: Partial<Finding> = {}, fingerprint = 'f'.repeat(32)): SarifFinding {
  return {
    finding: {
      path: 'src/a.ts',
      line: 42,
      side: 'RIGHT',
      severity: 'major',
      title: 'Off by one',
      body: 'why',
      ...over
    },
    fingerprint
  }
}

function expectValid(log: unknown): void {
  expect(sarifErrors(log)).toBe('No errors')
}

type Result = {
  ruleId: string
  level: string
  locations: { physicalLocation: { artifactLocation: { uri: string }; region?: Record<string, number> } }[]
  partialFingerprints: Record<string, string>
}

function results(log: Record<string, unknown>): Result[] {
  return (log.runs as { results: Result[] }[])[0]?.results ?? []
}

describe('toSarif', () => {
  it('is valid SARIF 2.1.0, empty or not', () => {
    expectValid(toSarif([], TOOL))
    expectValid(toSarif([item({ startLine: 40 }), item({ severity: 'nit', side: 'LEFT' })], TOOL))
  })

  it('points a finding the model gave no line at its file only, and stays valid', () => {
    const log = toSarif([item({ line: 0 })], TOOL)
    expectValid(log)
    const [result] = results(log) as { locations: { physicalLocation: Record<string, unknown> }[] }[]
    expect(result!.locations[0]!.physicalLocation).not.toHaveProperty('region')
  })

  it('maps severities to levels and one rule per severity', () => {
    const log = toSarif(
      SEVERITIES.map(severity => item({ severity })),
      TOOL
    )
    expect(results(log).map(r => r.level)).toEqual(['error', 'error', 'warning', 'note'])
    const driver = (log.runs as { tool: { driver: { rules: { id: string }[]; name: string } } }[])[0]?.tool
      .driver
    expect(driver?.rules.map(r => r.id)).toEqual(SEVERITIES.map(s => `codex-review/${s}`))
    expect(results(log).map(r => r.ruleId)).toEqual(SEVERITIES.map(s => `codex-review/${s}`))
  })

  it('gives the region of a RIGHT range, none for a LEFT line, and the fingerprint', () => {
    const [range, left] = results(toSarif([item({ startLine: 40 }, 'abc'), item({ side: 'LEFT' })], TOOL))
    expect(range?.locations[0]?.physicalLocation.region).toEqual({ startLine: 40, endLine: 42 })
    expect(range?.partialFingerprints).toEqual({ 'codexFindingHash/v1': 'abc' })
    expect(left?.locations[0]?.physicalLocation.region).toBeUndefined()
  })

  it('a path out of the repository gets no location', () => {
    expect(results(toSarif([item({ path: '../etc/passwd' })], TOOL))[0]?.locations).toEqual([])
  })

  it('percent-encodes paths as URI references', () => {
    expect(pathToUri('src/a b#1?%.ts')).toBe('src/a%20b%231%3F%25.ts')
    expect(pathToUri('c:/x.ts')).toBe('c%3A/x.ts')
    expect(pathToUri('naïve/ü.ts')).toBe('na%C3%AFve/%C3%BC.ts')
  })

  it('is valid, and each uri decodes back to the path, for any findings', () => {
    const finding = fc.record({
      path: fc.string({
        minLength: 1,
        unit: fc.constantFrom('a', '/', ' ', '#', '%', '?', ':', 'é', '😀', '.', '\\')
      }),
      line: fc.integer({ min: 2, max: 1000 }),
      side: fc.constantFrom<'LEFT' | 'RIGHT'>('LEFT', 'RIGHT'),
      severity: fc.constantFrom(...SEVERITIES),
      title: fc.string(),
      body: fc.string()
    })
    fc.assert(
      fc.property(fc.array(finding, { maxLength: 5 }), fc.boolean(), (fs, ranged) => {
        const items = fs.map(f => item(ranged ? { ...f, startLine: 1 } : f))
        const log = toSarif(items, TOOL)
        expectValid(log)
        results(log).forEach(r => {
          const location = r.locations[0]
          if (location === undefined) return
          const uri = location.physicalLocation.artifactLocation.uri
          expect(uri).not.toMatch(/[ #?]/)
          expect(decodeURIComponent(uri)).toBe(uri.split('/').map(decodeURIComponent).join('/'))
        })
      }),
      { numRuns: 50 }
    )
  })
})
