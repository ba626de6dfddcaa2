import { afterAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ContextError, readRunContext } from '../../src/github/context.js'
import { example } from '../fixtures/webhooks.js'

const dir = mkdtempSync(join(tmpdir(), 'ctx-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('readRunContext', () => {
  it('reads the runner variables and the event file', () => {
    const payload = example('pull_request', 'opened')
    const path = join(dir, 'event.json')
    writeFileSync(path, JSON.stringify(payload))
    const ctx = readRunContext({
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: path,
      GITHUB_REPOSITORY: 'octo-org/demo',
      GITHUB_ACTOR: 'alice',
      GITHUB_RUN_ID: '42',
      GITHUB_RUN_ATTEMPT: '2',
      GITHUB_API_URL: 'http://127.0.0.1:9/',
      GITHUB_SERVER_URL: 'https://github.example'
    })
    expect(ctx).toEqual({
      eventName: 'pull_request',
      payload,
      repo: { owner: 'octo-org', repo: 'demo' },
      repository: 'octo-org/demo',
      actor: 'alice',
      runId: '42',
      runAttempt: '2',
      apiUrl: 'http://127.0.0.1:9',
      serverUrl: 'https://github.example',
      runUrl: 'https://github.example/octo-org/demo/actions/runs/42'
    })
  })

  it('fails clearly outside Actions or on a broken event file', () => {
    expect(() => readRunContext({})).toThrow(ContextError)
    expect(() => readRunContext({})).toThrow('is this running in GitHub Actions?')
    const path = join(dir, 'broken.json')
    writeFileSync(path, '{')
    expect(() => readRunContext({ GITHUB_REPOSITORY: 'o/r', GITHUB_EVENT_PATH: path })).toThrow(
      'Cannot read the event payload'
    )
  })
})
