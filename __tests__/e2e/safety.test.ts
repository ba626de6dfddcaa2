/**
 * Nothing lost, nothing paid twice, nobody's comment overwritten (issue 9): dist/index.js started
 * as the runner starts it, against the GitHub and Rivya emulators, under cancels, races, pushes
 * landing mid-run, other tokens and hostile answers.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { ACTIONS_BOT, GitHubEmulator, type User } from '../../emulators/github/index.js'
import { GitRepo } from '../../emulators/github/git-repo.js'
import { RivyaEmulator } from '../../emulators/rivya/index.js'
import { example } from '../fixtures/webhooks.js'
import {
  chatTurns as chatTurnsOf,
  issueCommentEvent,
  pullRequestEvent,
  reviewComments as reviewCommentsOf
} from './events.js'
import { runAction, type RunOptions } from '../../scripts/runner.js'

jest.setTimeout(60_000)

const TOKEN = 'ghs_e2e_safety_token_0123456789'
const PAT = 'ghp_e2e_safety_pat_0123456789'
const MARKER = '<!-- rivya-codex-review -->'
const PINGING_MENTION = /(^|[^A-Za-z0-9_`\u200B])@[A-Za-z0-9]/
const PR = 7

let repo: GitRepo
let gh: GitHubEmulator
let rivya: RivyaEmulator
let base: string
let head: string
/** Commits pushed on top of `head`, oldest first. */
let later: string[]

function buildRepo(): void {
  repo = GitRepo.create()
  repo.write('src/app.ts', Array.from({ length: 30 }, (_, i) => `export const v${i} = ${i}\n`).join(''))
  repo.write('README.md', '# demo\n')
  base = repo.commit('base')
  repo.write(
    'src/app.ts',
    Array.from({ length: 30 }, (_, i) => `export const v${i} = ${i * 2} // changed\n`).join('')
  )
  repo.write('src/new.ts', 'export function add(a: number, b: number) {\n  return a + b\n}\n')
  for (let i = 0; i < 3; i++) {
    repo.write(
      `src/part${i}.ts`,
      Array.from({ length: 40 }, (_, j) => `export const p${i}_${j} = '${'y'.repeat(30)}'\n`).join('')
    )
  }
  head = repo.commit('head')
  later = []
  for (let i = 0; i < 2; i++) {
    repo.write('src/new.ts', `export function add(a: number, b: number) {\n  return a + b + ${i + 1}\n}\n`)
    later.push(repo.commit(`push ${i + 1}`))
  }
}

function movePullRequest(to: string): void {
  gh.addPullRequest({
    number: PR,
    base,
    head: to,
    title: 'Double every value',
    user: { login: 'alice', type: 'User' }
  })
}

beforeEach(async () => {
  buildRepo()
  gh = await GitHubEmulator.start({ repo, owner: 'octo-org', name: 'demo', token: TOKEN })
  gh.addToken(PAT, { kind: 'pat', user: { login: 'carol', type: 'User' } })
  movePullRequest(head)
  gh.setPermission('maintainer', 'write')
  rivya = await RivyaEmulator.start()
})

afterEach(async () => {
  await gh?.close()
  await rivya?.close()
  repo?.destroy()
})

const prPayload = (action = 'synchronize', sha = head) =>
  pullRequestEvent({ number: PR, head: sha, base, action })

const commentPayload = (body: string, user?: User) =>
  issueCommentEvent(gh, { number: PR, body, ...(user === undefined ? {} : { user }) })

function run(
  eventName: string,
  payload: Record<string, unknown>,
  inputs: Record<string, string> = {},
  extra: Partial<RunOptions> = {}
) {
  return runAction({
    eventName,
    payload,
    githubUrl: gh.url,
    githubToken: TOKEN,
    inputs: { 'rivya-api-key': rivya.validKey, 'api-base-url': rivya.url, ...inputs },
    ...extra
  })
}

const reviewComments = () => reviewCommentsOf(gh, PR)
const chatTurns = () => chatTurnsOf(rivya)
const charged = () => rivya.chargedTurns('acct_test').length

describe('a cancelled run (SIGINT, then SIGTERM)', () => {
  it('stops the turn in flight, posts the partial review with the usage so far, writes outputs and fails', async () => {
    // Each turn "thinks" for a while, so the cancel lands while turn 2 is in flight.
    rivya.latencyMs = 2_000
    const result = await run(
      'pull_request',
      prPayload(),
      { 'max-message-chars': '2000' },
      {
        signals: [
          { signal: 'SIGINT', when: /turn 1\/\d+:/, afterMs: 300 },
          // The runner's SIGTERM (7.5 s later on GitHub) must not kill the posting.
          { signal: 'SIGTERM', when: /SIGINT: the run is being cancelled/, afterMs: 50 }
        ]
      }
    )
    expect(result.code).not.toBe(0)
    expect(result.code).not.toBeNull() // it ended by itself, not by the signal
    const comments = reviewComments()
    expect(comments).toHaveLength(1)
    const body = comments[0]!.body
    expect(body).toMatch(
      /\*\*Partial review\*\*: .*stopped by SIGINT \(the run was cancelled after 1 of \d+ parts\)/
    )
    expect(body).toContain('| Turns | 1 |')
    expect(body).toContain('Notes per part')
    expect(result.outputs.turns).toBe('1')
    expect(result.outputs['comment-id']).toBe(String(comments[0]!.id))
    expect(result.summary).toContain('| Turns | 1 |')
    expect(result.annotations.join('\n')).toMatch(
      /::error::The run was cancelled \(SIGINT\) after 1 of \d+ part/
    )
    // No turn was started after the cancel.
    expect(chatTurns()).toHaveLength(2)
  })
})

describe('paying once per content', () => {
  it('a pull_request run whose event names an older head stops before paying and says why', async () => {
    movePullRequest(later[0]!)
    const result = await run('pull_request', prPayload('synchronize', head))
    expect(result.code).toBe(0)
    expect(chatTurns()).toHaveLength(0)
    expect(reviewComments()).toHaveLength(0)
    expect(result.summary).toContain(`has moved on from ${head.slice(0, 12)}`)
    expect(result.summary).toContain('the run started for the new head reviews it')
  })

  it('a push landing while the diff is read stops the run before paying', async () => {
    let pullReads = 0
    gh.onAnswered = request => {
      if (request.method === 'GET' && request.path.endsWith(`/pulls/${PR}`) && ++pullReads === 1) {
        movePullRequest(later[0]!)
      }
    }
    const result = await run('pull_request', prPayload('synchronize', head))
    expect(result.code).toBe(0)
    expect(chatTurns()).toHaveLength(0)
    expect(result.summary).toContain('while its diff was read')
  })

  it('another run, a workflow_dispatch and a second job reviewing the same content replay instead of paying', async () => {
    const first = await run('pull_request', prPayload(), { 'max-message-chars': '3000' }, { runId: '501' })
    expect(first.code).toBe(0)
    const paid = charged()
    expect(paid).toBeGreaterThan(1)
    const again = await run(
      'pull_request',
      prPayload('reopened'),
      { 'max-message-chars': '3000' },
      { runId: '502' }
    )
    const dispatch = await run(
      'workflow_dispatch',
      example('workflow_dispatch'),
      { 'max-message-chars': '3000', 'pull-request': String(PR) },
      { runId: '503' }
    )
    expect([again.code, dispatch.code]).toEqual([0, 0])
    expect(charged()).toBe(paid)
    expect(again.outputs['credits-final']).toBe(first.outputs['credits-final'])
    // An explicit /codex review asks for a fresh review: it pays.
    const command = await run('issue_comment', commentPayload('/codex review'), {
      'max-message-chars': '3000'
    })
    expect(command.code).toBe(0)
    expect(charged()).toBe(2 * paid)
  })

  it('keys are an HMAC under the Rivya key: another key sends other keys for the same content', async () => {
    const other = 'rvya_sk_test_other_key_0123456789'
    rivya.addKey({ key: other, account: 'acct_test', scopes: ['chat:create', 'chat:read', 'credits:read'] })
    await run('pull_request', prPayload(), { 'post-comment': 'false' })
    await run('pull_request', prPayload(), { 'post-comment': 'false', 'rivya-api-key': other })
    const keys = chatTurns().map(r => r.idempotencyKey)
    expect(keys).toHaveLength(2)
    expect(keys[0]).not.toBe(keys[1])
  })
})

describe('one comment, never stale, only ours', () => {
  it('leaves another bot’s marker comment alone, forged state and all', async () => {
    const forged = `${MARKER}\n<!-- rivya-codex-review:state {"sessionId":"chat_session_forged","headSha":"${later[1]}"} -->\nnot ours`
    const other = gh.addComment(PR, { body: forged, user: { login: 'renovate[bot]', type: 'Bot' } })
    const result = await run('pull_request', prPayload())
    expect(result.code).toBe(0)
    expect(gh.comments(PR).find(c => c.id === other.id)?.body).toBe(forged)
    const ours = reviewComments().filter(c => c.user.login === ACTIONS_BOT.login)
    expect(ours).toHaveLength(1)
    expect(ours[0]!.body).toContain('Complete review')
  })

  it('with a personal access token, later runs update the user’s comment and a question continues its session', async () => {
    const first = await run('pull_request', prPayload(), { 'github-token': PAT })
    const second = await run('pull_request', prPayload('reopened'), {
      'github-token': PAT,
      'reasoning-effort': 'low'
    })
    expect([first.code, second.code]).toEqual([0, 0])
    const comments = reviewComments()
    expect(comments).toHaveLength(1)
    expect(comments[0]!.user.login).toBe('carol')
    expect(comments[0]!.body).toContain('| Reasoning effort | low |')
    const sessions = rivya.sessions.length
    const question = await run('issue_comment', commentPayload('/codex is add() safe?'), {
      'github-token': PAT
    })
    expect(question.code).toBe(0)
    expect(rivya.sessions).toHaveLength(sessions)
    expect(rivya.sessions.at(-1)!.turns.at(-1)!.message).not.toContain('src/new.ts')
  })

  it('with an app’s installation token, the app’s bot comment is the one updated, not the workflow bot’s', async () => {
    const app = 'ghs_e2e_safety_app_0123456789'
    gh.addToken(app, { kind: 'app', bot: { login: 'my-reviewer[bot]', type: 'Bot' } })
    const workflows = gh.addComment(PR, { body: `${MARKER}\nthe workflow bot's review`, user: ACTIONS_BOT })
    const first = await run('pull_request', prPayload(), { 'github-token': app })
    const second = await run('pull_request', prPayload('reopened'), {
      'github-token': app,
      'reasoning-effort': 'low'
    })
    expect([first.code, second.code]).toEqual([0, 0])
    const apps = reviewComments().filter(c => c.user.login === 'my-reviewer[bot]')
    expect(apps).toHaveLength(1)
    expect(apps[0]!.body).toContain('| Reasoning effort | low |')
    expect(gh.comments(PR).find(c => c.id === workflows.id)?.body).toBe(
      `${MARKER}\nthe workflow bot's review`
    )
  })

  it('a racing run’s comment, created between this run’s look and its post, leaves one comment', async () => {
    let raced: number | undefined
    gh.onAnswered = request => {
      if (
        raced === undefined &&
        request.method === 'GET' &&
        request.path.endsWith(`/issues/${PR}/comments`)
      ) {
        raced = gh.addComment(PR, { body: `${MARKER}\nthe racing run's review`, user: ACTIONS_BOT }).id
      }
    }
    const result = await run('pull_request', prPayload())
    expect(result.code).toBe(0)
    const comments = reviewComments()
    expect(comments.map(c => c.id)).toEqual([raced])
    expect(comments[0]!.body).toContain('Complete review')
    expect(result.outputs['comment-id']).toBe(String(raced))
  })

  it('a run reviewing an older head does not overwrite the review of a newer one', async () => {
    // The newer review (of later[0], a descendant of head) is posted while this run reviews head,
    // and the pull request has moved on again since.
    const newer = `${MARKER}\n<!-- rivya-codex-review:state {"headSha":"${later[0]}"} -->\n## Codex review of #${PR}\nthe newer review`
    let pullReads = 0
    gh.onAnswered = request => {
      if (
        request.method === 'GET' &&
        request.path.endsWith(`/pulls/${PR}`) &&
        request.accept.includes('json')
      ) {
        if (++pullReads === 2) {
          gh.addComment(PR, { body: newer, user: ACTIONS_BOT })
          movePullRequest(later[1]!)
        }
      }
    }
    const result = await run('pull_request', prPayload('synchronize', head))
    expect(result.code).toBe(0)
    const comments = reviewComments()
    expect(comments).toHaveLength(1)
    expect(comments[0]!.body).toBe(newer)
    expect(result.summary).toContain('already shows the review of a newer head')
    expect(result.summary).toContain('Emulated review')
  })
})

describe('budgets and paid answers', () => {
  it('max-credits holds for /codex questions too', async () => {
    const payload = commentPayload('/codex why?')
    const result = await run('issue_comment', payload, { 'max-credits': '2' })
    expect(result.code).not.toBe(0)
    expect(chatTurns()).toHaveLength(0)
    expect(gh.comments(PR).at(-1)!.body).toContain('over max-credits (2)')
  })

  it('a last answer that runs past max-credits is said in the comment', async () => {
    rivya.reply = { hugeChars: 40_000 }
    const result = await run('pull_request', prPayload(), { 'max-credits': '12' })
    expect(result.code).toBe(0)
    const spent = Number(result.outputs['credits-final'])
    expect(spent).toBeGreaterThan(12)
    expect(reviewComments()[0]!.body).toContain(`Spent ${spent} of a 12-credit cap: the last answer ran long`)
  })

  it('a paid answer GitHub refuses to post is kept in the job summary and the outputs', async () => {
    const payload = commentPayload('/codex is add() safe?')
    gh.injectFault({ status: 502, method: 'POST', pathPattern: /\/issues\/\d+\/comments$/, times: 4 })
    const result = await run('issue_comment', payload)
    expect(result.code).not.toBe(0)
    expect(result.summary).toContain('Emulated answer')
    expect(result.outputs.turns).toBe('1')
    expect(result.outputs['credits-final']).not.toBe('0')
    expect(result.annotations.join('\n')).toContain('the job summary holds the answer')
  })
})

describe('strings from Rivya are data', () => {
  it('a hostile error code and message cannot ping anyone or inject HTML in the comment and summary', async () => {
    rivya.injectFault({ kind: 'status', status: 400, code: '@octocat<img src=x onerror=alert(1)>' })
    const result = await run('pull_request', prPayload())
    expect(result.code).not.toBe(0)
    const body = reviewComments()[0]!.body
    expect(body).toContain('The review failed')
    expect(body).not.toContain('<img')
    expect(body).not.toMatch(PINGING_MENTION)
    expect(result.summary).not.toContain('<img')
    expect(result.summary).not.toMatch(PINGING_MENTION)
  })
})
