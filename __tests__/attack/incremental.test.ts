/**
 * A PR author against incremental reviews (issue 13), in-process against both emulators: a review
 * that did not see everything must not become the base of an incremental one, or a small push
 * after it would leave the files it never reached unreviewed for good, and the gate would pass.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import type { ActiveTrigger } from '../../src/pipeline/context.js'
import { reviewPullRequest } from '../../src/pipeline/review.js'
import { Harness, PR, removeRunnerFiles } from '../pipeline/harness.js'

jest.setTimeout(30_000)

let h: Harness

beforeEach(async () => {
  h = await Harness.start()
})

afterEach(async () => {
  await h.close()
})

afterAll(removeRunnerFiles)

function pullRequest(headSha: string, action: string): ActiveTrigger {
  return { kind: 'pull-request', pullNumber: PR, reason: `pull_request.${action}`, headSha }
}

const REVIEWED = ['src/app.ts', 'src/new.ts']

function messages(from = 0): string[] {
  return h
    .chatTurns()
    .slice(from)
    .map(r => (r.body as { message: string }).message)
}

/** The files named by a diff header in the turns from the `from`th on. */
function filesSent(from = 0): string[] {
  const text = messages(from).join('\n')
  return REVIEWED.filter(path => text.includes(`=== ${path}`))
}

describe('incremental after an incomplete review', () => {
  it('a push after a review stopped by max-turns still reviews the files that review never reached', async () => {
    const partial = { 'max-message-chars': '2000', 'max-turns': '1' }
    await h.within(pullRequest(h.head, 'opened'), reviewPullRequest, {
      inputs: partial,
      payload: { action: 'opened' }
    })
    const first = filesSent()
    expect(h.reviewComments()[0]!.body).toMatch(/stopped by max-turns \(1\)/)
    const neverReached = REVIEWED.filter(path => !first.includes(path))
    expect(neverReached).toHaveLength(1)

    // The author pushes a one-line change to one file (whichever the first review reached).
    const turnsBefore = h.chatTurns().length
    h.repo.write('src/new.ts', 'export function add(a: number, b: number) {\n  return a + b + 0\n}\n')
    const pushed = h.repo.commit('push')
    h.gh.addPullRequest({ number: PR, base: h.base, head: pushed, title: 'Double every value' })
    await h.within(pullRequest(pushed, 'synchronize'), reviewPullRequest, {
      payload: { action: 'synchronize' }
    })

    expect(filesSent(turnsBefore)).toEqual(expect.arrayContaining(neverReached))
    expect(h.reviewComments()[0]!.body).toContain(
      `the review of ${h.head.slice(0, 7)} did not cover everything; reviewed again in full`
    )
  })

  it('a push after a review whose findings block could not be read still reviews every file', async () => {
    h.rivya.reply = { findings: 'broken-json' }
    await h.within(pullRequest(h.head, 'opened'), reviewPullRequest, { payload: { action: 'opened' } })
    expect(h.outputs().verdict).toBe('unknown')
    expect(filesSent()).toEqual(REVIEWED)

    h.rivya.reply = {}
    const turnsBefore = h.chatTurns().length
    h.repo.write('src/new.ts', 'export function add(a: number, b: number) {\n  return a + b + 0\n}\n')
    const pushed = h.repo.commit('push')
    h.gh.addPullRequest({ number: PR, base: h.base, head: pushed, title: 'Double every value' })
    await h.within(pullRequest(pushed, 'synchronize'), reviewPullRequest, {
      payload: { action: 'synchronize' }
    })
    // What the unreadable block held about src/app.ts is unknown: it must be asked again.
    expect(filesSent(turnsBefore)).toEqual(REVIEWED)
  })
})
