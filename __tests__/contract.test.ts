/**
 * The names are a contract, held in the repository itself (a clone alone must pass): the input
 * parser reads exactly the inputs action.yml declares, the code sets exactly the outputs it
 * declares, the README documents the same with the same defaults, and the code's own defaults
 * agree with action.yml's (the runner applies those; the action must behave the same when an
 * input arrives empty).
 */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { INPUT_DEFAULTS, parseInputs } from '../src/inputs.js'
import { actionDefaults } from '../scripts/runner.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
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

/** The inputs the parser reads, in the order it asks for them. */
function parserInputs(): string[] {
  const asked: string[] = []
  parseInputs(name => {
    asked.push(name)
    return name === 'rivya-api-key' ? 'rvya_sk_contract_0123456789' : ''
  })
  return asked
}

/** The outputs the code sets: every `core.setOutput('name'` in src/. */
function codeOutputs(): string[] {
  const found = new Set<string>()
  for (const file of ['src/outputs.ts', 'src/main.ts']) {
    const text = readFileSync(join(ROOT, file), 'utf8')
    for (const m of text.matchAll(/setOutput\(\s*'([a-z-]+)'/g)) found.add(m[1] as string)
  }
  return [...found]
}

describe('action.yml', () => {
  it('declares exactly the inputs the parser reads, each described', () => {
    const read = parserInputs().sort()
    expect(read.length).toBeGreaterThan(15)
    expect(Object.keys(action.inputs).sort()).toEqual(read)
    for (const [name, input] of Object.entries(action.inputs)) {
      expect([name, input.description.length > 10]).toEqual([name, true])
    }
    expect(action.inputs['rivya-api-key']?.required).toBe(true)
  })

  it('gives the defaults the parser applies, and none where the parser has none', () => {
    for (const name of parserInputs()) {
      const coded = (INPUT_DEFAULTS as Record<string, string>)[name]
      const declared = action.inputs[name]?.default
      const expected = name === 'github-token' ? '${{ github.token }}' : (coded ?? '')
      expect([name, declared ?? '']).toEqual([name, expected])
    }
  })

  it('declares exactly the outputs the code sets, each described', () => {
    const set = codeOutputs().sort()
    expect(set.length).toBeGreaterThanOrEqual(11)
    expect(Object.keys(action.outputs).sort()).toEqual(set)
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

  it('is read by the end-to-end runner as YAML, in every spelling YAML allows', () => {
    const text = [
      'name: spellings',
      'inputs:',
      '  quoted: { description: "flow style", default: "a # not a comment" }',
      '  commented:',
      "    default: 'x' # a comment",
      '  number:',
      '    default: 20',
      '  folded:',
      '    default: >-',
      '      two',
      '      lines',
      '  none:',
      '    description: no default',
      'runs: { using: node24, main: dist/index.js }'
    ].join('\n')
    expect(actionDefaults(text)).toEqual({
      quoted: 'a # not a comment',
      commented: 'x',
      number: '20',
      folded: 'two lines',
      none: undefined
    })
  })

  it('has defaults the code applies itself to inputs that arrive empty', () => {
    const key = 'rvya_sk_contract_0123456789'
    const given: Record<string, string> = { 'rivya-api-key': key, 'github-token': '' }
    const withDefaults = (name: string) => given[name] ?? action.inputs[name]?.default ?? ''
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
