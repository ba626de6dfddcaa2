/** `run()` in-process, as the runner starts it: environment variables in, the step's result out. */
import { afterAll, afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run } from '../src/main.js'
import { actionDefaults } from '../scripts/runner.js'
import { example } from './fixtures/webhooks.js'
import { Harness, PR, TOKEN, removeRunnerFiles } from './pipeline/harness.js'

// Each case builds a git repository and talks HTTP to two servers on a shared machine.
jest.setTimeout(30_000)

const dir = mkdtempSync(join(tmpdir(), 'main-test-'))
let h: Harness
let stdout: string

beforeEach(async () => {
  h = await Harness.start()
  stdout = ''
  jest.spyOn(process.stdout, 'write').mockImplementation(chunk => {
    stdout += String(chunk)
    return true
  })
})
afterEach(async () => {
  jest.restoreAllMocks()
  process.exitCode = undefined
  await h.close()
})
afterAll(() => {
  removeRunnerFiles()
  rmSync(dir, { recursive: true, force: true })
})

/** Runs the action for an event, with action.yml's defaults under the inputs given, as the runner does. */
async function runFor(
  eventName: string,
  payload: Record<string, unknown>,
  inputs: Record<string, string> = {}
) {
  const eventPath = join(dir, 'event.json')
  writeFileSync(eventPath, JSON.stringify(payload))
  h.setEnv('GITHUB_EVENT_NAME', eventName)
  h.setEnv('GITHUB_EVENT_PATH', eventPath)
  h.setEnv('GITHUB_REPOSITORY', 'octo-org/demo')
  h.setEnv('GITHUB_ACTOR', 'octocat')
  h.setEnv('GITHUB_API_URL', h.gh.url)
  const given = { 'rivya-api-key': h.rivya.validKey, 'api-base-url': h.rivya.url, ...inputs }
  for (const [name, fallback] of Object.entries(actionDefaults())) {
    const value = given[name as keyof typeof given] ?? (fallback === '${{ github.token }}' ? TOKEN : fallback)
    h.setEnv(`INPUT_${name.toUpperCase()}`, value ?? '')
  }
  await run()
  return { failed: process.exitCode === 1, errors: stdout.split('\n').filter(l => l.startsWith('::error')) }
}

function forkPullRequest(action: string): Record<string, unknown> {
  const payload = example('pull_request', 'opened')
  const pr = payload.pull_request as { number: number; head: { sha: string; repo: { full_name: string } } }
  payload.action = action
  pr.number = PR
  pr.head.sha = h.head
  pr.head.repo.full_name = 'someone/fork'
  return payload
}

describe('run', () => {
  it('reviews the pull request a workflow_dispatch names', async () => {
    const result = await runFor('workflow_dispatch', example('workflow_dispatch'), {
      'pull-request': String(PR)
    })
    expect(result).toEqual({ failed: false, errors: [] })
    expect(h.reviewComments()).toHaveLength(1)
    expect(stdout).toContain('Codex review: workflow_dispatch')
    expect(h.outputs()['comment-id']).toBe(String(h.reviewComments()[0]!.id))
  })

  it('an event that does not review logs why and calls nothing', async () => {
    const result = await runFor('push', example('push'))
    expect(result.failed).toBe(false)
    expect(stdout).toContain('The push event does not start a review')
    expect(h.rivya.requests).toHaveLength(0)
    expect(h.gh.requests).toHaveLength(0)
  })

  it('where GitHub withheld the key, a reviewing event gets a notice and one that does not review a log line', async () => {
    const withheld = await runFor('pull_request', forkPullRequest('opened'), { 'rivya-api-key': '' })
    expect(withheld.failed).toBe(false)
    expect(stdout).toMatch(/^::warning title=Codex review skipped%3A no Rivya key::GitHub withholds secrets/m)
    expect(h.summary()).toContain('## Codex review skipped: no Rivya key')
    stdout = ''
    const quiet = await runFor('pull_request', forkPullRequest('labeled'), { 'rivya-api-key': '' })
    expect(quiet.failed).toBe(false)
    expect(stdout).toContain('pull_request.labeled does not start a review')
    expect(stdout).not.toContain('::warning')
    expect(h.rivya.requests).toHaveLength(0)
  })

  it('an empty key where GitHub did not withhold it fails the step with the input to fix', async () => {
    const result = await runFor('workflow_dispatch', example('workflow_dispatch'), {
      'rivya-api-key': '',
      'pull-request': String(PR)
    })
    expect(result.failed).toBe(true)
    expect(result.errors.join('\n')).toContain('Input rivya-api-key is required')
  })

  it('fails the step with a message that never quotes the key', async () => {
    const key = 'rvya_sk_wrong_key_0123456789'
    const result = await runFor('workflow_dispatch', example('workflow_dispatch'), {
      'rivya-api-key': key,
      'pull-request': String(PR)
    })
    expect(result.failed).toBe(true)
    expect(result.errors.join('\n')).toMatch(
      /^::error::The review failed after 0 turn\(s\): .*api_key_invalid/
    )
    expect(stdout.replace(/^::add-mask::.*$/gm, '')).not.toContain(key)
  })
})
