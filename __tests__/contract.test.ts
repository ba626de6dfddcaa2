/**
 * The names are a contract: action.yml declares every input and output PRODUCT.md lists, with the
 * defaults it gives, the README documents the same, and the code's own defaults agree with
 * action.yml's (the runner applies those; the action must behave the same when an input arrives
 * empty).
 */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { parseInputs } from '../src/inputs.js'
import { actionDefaults } from '../scripts/runner.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const PRODUCT = readFileSync(join(ROOT, '..', 'shared', 'PRODUCT.md'), 'utf8')
const README = readFileSync(join(ROOT, 'README.md'), 'utf8')

interface ActionYml {
  name: string
  description: string
  branding: { icon: string; color: string }
  inputs: Record<string, { description: string; required?: boolean; default?: string }>
  outputs: Record<string, { description: string }>
  runs: { using: string; main: string }
}

const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionYml

/** The rows of the markdown table that follows `heading`: cells without their backticks kept. */
function tableAfter(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(heading)
  if (start < 0) throw new Error(`no section ${heading}`)
  const rows: string[][] = []
  for (const line of markdown.slice(start).split('\n').slice(1)) {
    if (!line.startsWith('|')) {
      if (rows.length > 0) break
      continue
    }
    const cells = line
      .slice(1, -1)
      .split('|')
      .map(c => c.trim())
    if (cells.every(c => /^[-: ]+$/.test(c))) continue
    rows.push(cells)
  }
  return rows.slice(1) // the header row
}

/** `a` / `b` cells name two inputs with two defaults. */
function productInputs(): Map<string, string> {
  const inputs = new Map<string, string>()
  for (const [names, defaults] of tableAfter(PRODUCT, '## Inputs')) {
    const nameList = [...(names ?? '').matchAll(/`([a-z-]+)`/g)].map(m => m[1] as string)
    const defaultList = (defaults ?? '').split(' / ')
    nameList.forEach((name, i) => inputs.set(name, (defaultList[i] ?? defaultList[0] ?? '').trim()))
  }
  return inputs
}

describe('action.yml', () => {
  it('declares exactly the inputs PRODUCT.md lists, each described', () => {
    const listed = [...productInputs().keys()].sort()
    expect(listed.length).toBeGreaterThan(15)
    expect(Object.keys(action.inputs).sort()).toEqual(listed)
    for (const [name, input] of Object.entries(action.inputs)) {
      expect([name, input.description.length > 10]).toEqual([name, true])
    }
    expect(action.inputs['rivya-api-key']?.required).toBe(true)
  })

  it('gives the defaults PRODUCT.md names literally', () => {
    for (const [name, product] of productInputs()) {
      const literal = /^`(.*)`$/.exec(product)?.[1]
      const declared = action.inputs[name]?.default ?? ''
      if (literal !== undefined) expect([name, declared]).toEqual([name, literal])
      else if (/^(none|empty|— \(required\)|from the event|the model's limit)$/.test(product)) {
        expect([name, declared]).toEqual([name, ''])
      } else {
        // "a documented cap", "a documented list": a value the README must then document.
        expect([name, declared]).not.toEqual([name, ''])
      }
    }
  })

  it('declares exactly the outputs PRODUCT.md lists, each described', () => {
    const section = PRODUCT.slice(PRODUCT.indexOf('## Outputs'))
    const sentence = /Outputs:([^.]*)\./.exec(section)?.[1] ?? ''
    const listed = [...sentence.matchAll(/`([a-z-]+)`/g)].map(m => m[1]).sort()
    expect(listed).toHaveLength(11)
    expect(Object.keys(action.outputs).sort()).toEqual(listed)
    for (const output of Object.values(action.outputs)) expect(output.description.length).toBeGreaterThan(10)
  })

  it('runs on node24 from the bundled dist/index.js and has Marketplace branding', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
    expect(action.branding.icon).not.toBe('')
    expect(action.branding.color).not.toBe('')
    expect(action.name).not.toBe('')
  })

  it('is read by the end-to-end runner as a YAML parser reads it', () => {
    const parsed = Object.fromEntries(Object.entries(action.inputs).map(([n, i]) => [n, i.default]))
    expect(actionDefaults()).toEqual(parsed)
  })

  it('has defaults the code applies itself to inputs that arrive empty', () => {
    const key = 'rvya_sk_contract_0123456789'
    const withDefaults = (name: string) =>
      name === 'rivya-api-key' ? key : name === 'github-token' ? '' : (action.inputs[name]?.default ?? '')
    const empty = (name: string) => (name === 'rivya-api-key' ? key : '')
    expect(parseInputs(withDefaults)).toEqual(parseInputs(empty))
  })
})

describe('README', () => {
  it('documents every input with action.yml’s default, and every output', () => {
    const rows = tableAfter(README, '## Inputs')
    const documented = new Map(rows.map(([name, def]) => [/`([a-z-]+)`/.exec(name ?? '')?.[1], def ?? '']))
    expect([...documented.keys()].sort()).toEqual(Object.keys(action.inputs).sort())
    for (const [name, input] of Object.entries(action.inputs)) {
      if (input.default === undefined || input.default === '') continue
      expect([name, documented.get(name)]).toEqual([name, `\`${input.default}\``])
    }
    const outputs = tableAfter(README, '## Outputs').flatMap(([names]) =>
      [...(names ?? '').matchAll(/`([a-z-]+)`/g)].map(m => m[1])
    )
    expect(outputs.sort()).toEqual(Object.keys(action.outputs).sort())
  })

  it('starts with the two set-up commands', () => {
    const setUp = README.slice(README.indexOf('## Set up'))
    expect(README.indexOf('## Set up')).toBeLessThan(README.indexOf('## Use it'))
    expect(/```sh\n(.*)\n(.*)\n```/.exec(setUp)?.slice(1, 3)).toEqual(['npm ci && npm run demo', 'npm test'])
  })
})
