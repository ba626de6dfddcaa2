/**
 * `/codex` in a reply to one of the action's inline comments, end to end: dist/index.js started as
 * the runner starts it for `pull_request_review_comment`, against the GitHub and Rivya emulators,
 * with GitHub's example payload of the event made into that reply.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { GitHubEmulator, type User } from '../../emulators/github/index.js'
import { GitRepo } from '../../emulators/github/git-repo.js'
import { RivyaEmulator } from '../../emulators/rivya/index.js'
import { threadReply } from '../fixtures/webhooks.js'
import { pullRequestEvent } from './events.js'
import { runAction, visibleOutput } from '../../scripts/runner.js'

// The bundled action runs twice as a child process.
jest.setTimeout(60_000)

const TOKEN = 'ghs_e2e_thread_token_0123456789'
const PR = 7
const ACTIONS_BOT: User = { login: 'github-actions[bot]', type: 'Bot', id: 41898282 }
/** The hidden line of the action's inline comments (src/review/inline.ts). */
const FINDING_MARKER = '<!-- rivya-codex-finding 00112233445566778899aabbccddeeff -->'

let repo: GitRepo
let gh: GitHubEmulator
let rivya: RivyaEmulator
let base: string
let head: string

beforeEach(async () => {
  repo = GitRepo.create()
  repo.write('src/app.ts', 'export const v = 1\n')
  base = repo.commit('base')
  repo.write('src/new.ts', 'export function add(a: number, b: number) {\n  return a + b\n}\n')
  head = repo.commit('head')
  gh = await GitHubEmulator.start({ repo, owner: 'octo-org', name: 'demo', token: TOKEN })
  gh.addPullRequest({ number: PR, base, head, title: 'Add add()', user: { login: 'alice', type: 'User' } })
  gh.setPermission('maintainer', 'write')
  rivya = await RivyaEmulator.start()
})

afterEach(async () => {
  await gh?.close()
  await rivya?.close()
  repo?.destroy()
})

function run(eventName: string, payload: Record<string, unknown>) {
  return runAction({
    eventName,
    payload,
    githubUrl: gh.url,
    githubToken: TOKEN,
    inputs: { 'rivya-api-key': rivya.validKey, 'api-base-url': rivya.url }
  })
}

const opened = () => pullRequestEvent({ number: PR, head, base })

describe('/codex in a review thread', () => {
  it('answers a reply in the thread of an inline comment, there, in the review session, with its file and line', async () => {
    const review = await run('pull_request', opened())
    expect(review.code).toBe(0)
    const session = rivya.sessions[0]!
    const before = session.turns.length
    // The action's inline comment on the new file's line 2, and a maintainer's reply to it.
    const root = gh.reviews.addReview(
      PR,
      {
        comments: [{ path: 'src/new.ts', line: 2, body: `**minor** NaN passes through\n\n${FINDING_MARKER}` }]
      },
      ACTIONS_BOT
    ).comments[0]!
    const body = '/codex does NaN reach the caller?'
    const reply = gh.reviews.addReply(PR, root.id, { body, user: { login: 'maintainer', type: 'User' } })
    const payload = threadReply({
      pullNumber: PR,
      commentId: reply.id,
      inReplyTo: root.id,
      body,
      user: { login: 'maintainer', type: 'User' },
      path: 'src/new.ts'
    })

    const result = await run('pull_request_review_comment', payload)

    expect(result.code).toBe(0)
    expect(result.annotations).toEqual([])
    expect(result.stdout).toContain('Codex review: /codex question by @maintainer in a review thread')
    expect(rivya.sessions).toHaveLength(1)
    expect(session.turns).toHaveLength(before + 1)
    const asked = session.turns.at(-1)!.message
    expect(asked).toContain('It is asked in the review thread on src/new.ts, new-file line 2.')
    expect(asked).toContain('+  return a + b\n</hunk>')
    expect(asked).toContain('**minor** NaN passes through')
    expect(asked).toContain('<question>\ndoes NaN reach the caller?\n</question>')
    const answers = gh.reviews.comments(PR).filter(c => c.in_reply_to_id === root.id && c.id !== reply.id)
    expect(answers).toHaveLength(1)
    expect(answers[0]!.body).toContain('Emulated answer')
    expect(answers[0]!.user.login).toBe('github-actions[bot]')
    expect(result.outputs['comment-id']).toBe(String(answers[0]!.id))
    expect(gh.reactions(reply.id).map(r => r.content)).toEqual(['eyes'])
    for (const text of [visibleOutput(result), answers[0]!.body, JSON.stringify(result.outputs)]) {
      expect(text).not.toContain(rivya.validKey)
      expect(text).not.toContain(TOKEN)
    }
  })
})
