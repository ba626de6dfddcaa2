/**
 * The action end to end: dist/index.js started as the runner starts it, against the GitHub and
 * Rivya emulators, with webhook payloads from @octokit/webhooks-examples.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { GitHubEmulator, type User } from '../../emulators/github/index.js'
import { GitRepo } from '../../emulators/github/git-repo.js'
import { RivyaEmulator } from '../../emulators/rivya/index.js'
import { example } from '../fixtures/webhooks.js'
import {
  chatTurns as chatTurnsOf,
  issueCommentEvent,
  pullRequestEvent,
  reviewComments as reviewCommentsOf
} from './events.js'
import { runAction, visibleOutput, type RunResult } from '../../scripts/runner.js'

// Each case starts the bundled action as a child process, and retries wait for real.
jest.setTimeout(60_000)

const TOKEN = 'ghs_e2e_token_0123456789'
const MARKER = '<!-- rivya-codex-review -->'
const PINGING_MENTION = /(^|[^A-Za-z0-9_`])@[A-Za-z0-9]/
const PR = 7

let repo: GitRepo
let gh: GitHubEmulator
let rivya: RivyaEmulator
let base: string
let head: string

/** A small real change: a few source files, a lockfile, a binary, a removed file. */
function buildRepo(extraFiles = 0, lines = 30): void {
  repo = GitRepo.create()
  repo.write('src/app.ts', Array.from({ length: lines }, (_, i) => `export const v${i} = ${i}\n`).join(''))
  repo.write('src/old.ts', 'export const old = 1\n')
  repo.write('README.md', '# demo\n')
  base = repo.commit('base')
  repo.write(
    'src/app.ts',
    Array.from({ length: lines }, (_, i) => `export const v${i} = ${i * 2} // changed\n`).join('')
  )
  repo.write('src/new.ts', 'export function add(a: number, b: number) {\n  return a + b\n}\n')
  repo.write('package-lock.json', '{"lockfileVersion": 3}\n')
  repo.write('logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 0, 0, 255]))
  for (let i = 0; i < extraFiles; i++) {
    repo.write(
      `src/gen/file${i}.ts`,
      Array.from({ length: lines }, (_, j) => `export const f${i}_${j} = '${'x'.repeat(40)}'\n`).join('')
    )
  }
  repo.remove('src/old.ts')
  head = repo.commit('head')
}

async function start(options: { diffLimits?: { maxFiles: number; maxLines: number } } = {}): Promise<void> {
  gh = await GitHubEmulator.start({ repo, owner: 'octo-org', name: 'demo', token: TOKEN, ...options })
  gh.addPullRequest({
    number: PR,
    base,
    head,
    title: 'Double every value',
    user: { login: 'alice', type: 'User' }
  })
  rivya = await RivyaEmulator.start()
}

afterEach(async () => {
  await gh?.close()
  await rivya?.close()
  repo?.destroy()
})

const prPayload = (action = 'opened') => pullRequestEvent({ number: PR, head, base, action })

// A plain issue (`onPr: false`) is issue 8, next to the pull request.
const commentPayload = (body: string, user?: User, onPr = true) =>
  issueCommentEvent(gh, { number: onPr ? PR : 8, body, ...(user === undefined ? {} : { user }), onPr })

function run(
  eventName: string,
  payload: Record<string, unknown>,
  inputs: Record<string, string> = {},
  extra = {}
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

function expectNoSecrets(result: RunResult): void {
  const visible = visibleOutput(result)
  expect(visible).not.toContain(rivya.validKey)
  expect(visible).not.toContain(TOKEN)
  for (const c of gh.comments(PR)) {
    expect(c.body).not.toContain(rivya.validKey)
    expect(c.body).not.toContain(TOKEN)
  }
  expect(JSON.stringify(result.outputs)).not.toContain(rivya.validKey)
}

describe('a pull_request review', () => {
  beforeEach(async () => {
    buildRepo()
    await start()
  })

  it('reviews, posts one comment whose usage equals what Rivya returned, and sets the outputs', async () => {
    const result = await run('pull_request', prPayload())
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const comments = reviewComments()
    expect(comments).toHaveLength(1)
    const body = comments[0]!.body
    const session = rivya.sessions[0]!
    expect(rivya.sessions).toHaveLength(1)
    const sum = (f: (t: (typeof session.turns)[number]) => number) =>
      session.turns.reduce((n, t) => n + f(t), 0)
    const fmt = (n: number) => n.toLocaleString('en-US')
    expect(body).toContain(`| Turns | ${session.turns.length} |`)
    expect(body).toContain(`| Input tokens | ${fmt(sum(t => t.usage.input_tokens))} |`)
    expect(body).toContain(`| Output tokens | ${fmt(sum(t => t.usage.output_tokens))} |`)
    expect(body).toContain(`| Credits final | ${fmt(sum(t => t.credits.final))} |`)
    expect(body).toContain(`| Session | \`${session.id}\` |`)
    expect(body).toContain(`| Reviewed head | \`${head.slice(0, 12)}\` |`)
    expect(body).toContain('### Summary')
    expect(body).toContain('`package-lock.json`')
    expect(body).toContain('`logo.png`')
    expect(body).toContain('`src/old.ts`')
    expect(result.outputs).toMatchObject({
      'session-id': session.id,
      'comment-id': String(comments[0]!.id),
      turns: String(session.turns.length),
      'input-tokens': String(sum(t => t.usage.input_tokens)),
      'output-tokens': String(sum(t => t.usage.output_tokens)),
      'total-tokens': String(sum(t => t.usage.total_tokens)),
      'credits-reserved': String(sum(t => t.credits.reserved)),
      'credits-final': String(sum(t => t.credits.final)),
      'reviewed-files': '2'
    })
    expect(Number(result.outputs['skipped-files'])).toBeGreaterThanOrEqual(3)
    expect(result.summary).toContain(`| Turns | ${session.turns.length} |`)
    expect(result.stdout).toMatch(/turn 1\/1: [\d,]+ chars sent, [\d,]+ tokens, [\d,]+ credits/)
    expectNoSecrets(result)
  })

  it('a multi-part review keeps one session, sends every message under the limit, and a second run updates the same comment', async () => {
    const human = gh.addComment(PR, {
      body: `${MARKER}\nquoting the bot`,
      user: { login: 'bob', type: 'User' }
    })
    const first = await run('pull_request', prPayload(), { 'max-message-chars': '2000' })
    expect(first.code).toBe(0)
    const turns = chatTurns()
    expect(turns.length).toBeGreaterThan(1)
    const bodies = turns.map(t => t.body as { message: string; session_id?: string })
    expect(bodies[0]!.session_id).toBeUndefined()
    const id = rivya.sessions[0]!.id
    for (const b of bodies.slice(1)) expect(b.session_id).toBe(id)
    for (const b of bodies) expect(b.message.length).toBeLessThanOrEqual(2000)
    const second = await run('pull_request', prPayload('synchronize'), {}, { runId: '1002' })
    expect(second.code).toBe(0)
    expect(reviewComments().filter(c => c.user.type === 'Bot')).toHaveLength(1)
    const humanNow = gh.comments(PR).find(c => c.id === human.id)
    expect(humanNow?.body).toBe(`${MARKER}\nquoting the bot`)
  })

  it('streams when asked', async () => {
    const result = await run('pull_request', prPayload(), { stream: 'true' })
    expect(result.code).toBe(0)
    expect(chatTurns().every(t => t.path === '/api/v1/chat/completions/stream')).toBe(true)
    expect(reviewComments()[0]!.body).toContain('### Summary')
  })

  it('rides out 429, 503, a reset and a cut stream, charging each turn once', async () => {
    rivya.injectFault({ kind: 'status', status: 429, code: 'rate_limited', retryAfter: '1' })
    rivya.injectFault({ kind: 'status', status: 503, code: 'public_api_disabled' })
    rivya.injectFault({ kind: 'reset', when: 'after' })
    rivya.injectFault({ kind: 'cut' })
    const result = await run('pull_request', prPayload(), { stream: 'true', 'max-message-chars': '3000' })
    expect(result.code).toBe(0)
    const turns = rivya.sessions[0]!.turns.length
    expect(rivya.chargedTurns('acct_test')).toHaveLength(turns)
    expect(result.outputs.turns).toBe(String(turns))
    expect(result.stdout).toContain('rate_limited')
  })

  it('a rejected key fails the job, and the comment names the code and the request id', async () => {
    const result = await run('pull_request', prPayload(), { 'rivya-api-key': 'rvya_sk_wrong_key_123' })
    expect(result.code).not.toBe(0)
    expect(result.annotations.join('\n')).toContain('api_key_invalid')
    const body = reviewComments()[0]!.body
    expect(body).toMatch(/The review failed \(api_key_invalid, request req_\w+\)/)
    expect(visibleOutput(result)).not.toContain('rvya_sk_wrong_key_123')
  })

  it('a token holding a line break fails before any call and is never quoted', async () => {
    const token = 'ghs_first_line_0123\nsecond_line_4567'
    const result = await run('pull_request', prPayload(), { 'github-token': token })
    expect(result.code).not.toBe(0)
    expect(result.annotations.join('\n')).toContain('::error::')
    expect(visibleOutput(result)).not.toContain('ghs_first_line_0123')
    expect(visibleOutput(result)).not.toContain('second_line_4567')
    expect(rivya.requests).toHaveLength(0)
    expect(gh.requests).toHaveLength(0)
  })

  it('credits running out mid-review keep what was reviewed, and a re-run resumes without paying twice', async () => {
    // Enough for the first turn of ~2000 characters (reserve 6, settle 5), not the second.
    rivya.setCredits('acct_test', 8)
    const first = await run('pull_request', prPayload(), { 'max-message-chars': '2000' })
    expect(first.code).not.toBe(0)
    const paid = rivya.chargedTurns('acct_test').length
    expect(paid).toBeGreaterThanOrEqual(1)
    const partial = reviewComments()[0]!.body
    expect(partial).toContain('insufficient_credits')
    expect(partial).toContain('**Partial review**')
    expect(partial).toContain('Notes per part')
    rivya.setCredits('acct_test', 10_000)
    const rerun = await run('pull_request', prPayload(), { 'max-message-chars': '2000' }, { runAttempt: '2' })
    expect(rerun.code).toBe(0)
    const total = Number(rerun.outputs.turns)
    // The re-run's turns were replayed for the first `paid`, charged only for the rest.
    expect(rivya.chargedTurns('acct_test')).toHaveLength(total)
    expect(reviewComments()).toHaveLength(1)
    expect(reviewComments()[0]!.body).toContain('Complete review')
  })

  it('max-turns stops before exceeding and says what it covered', async () => {
    const result = await run('pull_request', prPayload(), { 'max-message-chars': '2000', 'max-turns': '1' })
    expect(result.code).toBe(0)
    expect(chatTurns()).toHaveLength(1)
    const body = reviewComments()[0]!.body
    expect(body).toMatch(/reviewed \d of 2 files; stopped by max-turns \(1\)/)
    expect(result.annotations.join('\n')).toContain('Partial review')
  })

  it('neutralises a huge reply full of @mentions and stays under GitHub’s limit', async () => {
    rivya.reply = { mentions: true, hugeChars: 90_000 }
    const result = await run('pull_request', prPayload())
    expect(result.code).toBe(0)
    const body = reviewComments()[0]!.body
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(65536)
    expect(body).not.toMatch(PINGING_MENTION)
  })

  it('skips drafts and other actions without calling Rivya', async () => {
    const draft = prPayload()
    ;(draft.pull_request as Record<string, unknown>).draft = true
    for (const [eventName, payload] of [
      ['pull_request', draft],
      ['pull_request', prPayload('labeled')],
      ['push', example('push')]
    ] as const) {
      const result = await run(eventName, payload)
      expect(result.code).toBe(0)
    }
    expect(rivya.requests).toHaveLength(0)
    expect(gh.comments(PR)).toHaveLength(0)
  })

  it('pull_request_target reviews a fork’s pull request through the API, without its code', async () => {
    const payload = prPayload('synchronize')
    ;(payload.pull_request as { head: { repo: { full_name: string } } }).head.repo.full_name = 'someone/fork'
    const result = await run('pull_request_target', payload)
    expect(result.code).toBe(0)
    expect(reviewComments()).toHaveLength(1)
    expect(reviewComments()[0]!.body).toContain('Complete review')
    expect(rivya.sessions).toHaveLength(1)
  })

  it('waits out GitHub’s secondary rate limits, posting the comment once', async () => {
    gh.injectFault({ status: 429, secondary: true, retryAfter: 1, method: 'GET', pathPattern: /\/comments$/ })
    gh.injectFault({
      status: 403,
      secondary: true,
      retryAfter: 1,
      method: 'POST',
      pathPattern: /\/comments$/
    })
    const result = await run('pull_request', prPayload())
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('secondary rate limit')
    expect(reviewComments()).toHaveLength(1)
    const posts = gh.requests.filter(r => r.method === 'POST' && r.path.endsWith(`/issues/${PR}/comments`))
    expect(posts.map(r => r.status)).toEqual([403, 201])
    const lists = gh.requests.filter(r => r.method === 'GET' && r.path.endsWith(`/issues/${PR}/comments`))
    // The read of the earlier review's state (after waiting out the limit), the look just before
    // posting, then the look for a racing run's duplicate after creating.
    expect(lists.map(r => r.status)).toEqual([429, 200, 200, 200])
    expect(rivya.chargedTurns('acct_test')).toHaveLength(rivya.sessions[0]!.turns.length)
  })

  it('a comment GitHub refuses still leaves the paid review in the job summary and the outputs', async () => {
    gh.injectFault({ status: 502, method: 'POST', pathPattern: /\/comments$/ })
    const result = await run('pull_request', prPayload())
    expect(result.code).not.toBe(0)
    expect(reviewComments()).toHaveLength(0)
    expect(result.annotations.join('\n')).toMatch(/review comment could not be posted/)
    expect(result.summary).toContain('### Summary')
    expect(result.summary).toContain('Emulated review')
    expect(result.outputs.turns).toBe(String(rivya.sessions[0]!.turns.length))
    expect(result.outputs['credits-final']).not.toBe('0')
  })

  it('with post-comment false the review itself is in the job summary', async () => {
    const result = await run('pull_request', prPayload(), { 'post-comment': 'false' })
    expect(result.code).toBe(0)
    expect(gh.comments(PR)).toHaveLength(0)
    expect(result.summary).toContain('post-comment is false')
    expect(result.summary).toContain('Emulated review')
    expect(result.summary).not.toContain(MARKER)
  })

  it('two jobs of one run with other settings do not share idempotency keys', async () => {
    const low = await run('pull_request', prPayload(), { 'reasoning-effort': 'low', 'post-comment': 'false' })
    const high = await run('pull_request', prPayload(), {
      'reasoning-effort': 'high',
      'post-comment': 'false'
    })
    expect([low.code, high.code]).toEqual([0, 0])
    expect(rivya.sessions).toHaveLength(2)
    expect(visibleOutput(high)).not.toContain('idempotency_conflict')
  })

  it('max-turns passes over a file too big for it and reviews the files after it', async () => {
    repo.destroy()
    repo = GitRepo.create()
    repo.write('README.md', '# demo\n')
    base = repo.commit('base')
    repo.write('src/0big.ts', Array.from({ length: 700 }, (_, i) => `export const big${i} = ${i}\n`).join(''))
    repo.write('src/a.ts', 'export const a = 1\n')
    repo.write('src/b.ts', 'export const b = 2\n')
    head = repo.commit('head')
    await gh.close()
    await rivya.close()
    await start()
    const result = await run('pull_request', prPayload(), { 'max-message-chars': '4000', 'max-turns': '2' })
    expect(result.code).toBe(0)
    const body = reviewComments()[0]!.body
    expect(body).toMatch(/reviewed 2 of 3 files; stopped by max-turns \(2\)/)
    expect(body).toContain('`src/0big.ts`')
    expect(body).toContain('### Summary')
    expect(chatTurns().length).toBeLessThanOrEqual(2)
  })

  it('a fork pull request without the secret gets a visible notice, not a silent green check', async () => {
    const payload = prPayload()
    ;(payload.pull_request as { head: { repo: { full_name: string } } }).head.repo.full_name = 'someone/fork'
    const result = await run('pull_request', payload, { 'rivya-api-key': '' })
    expect(result.code).toBe(0)
    expect(result.annotations.join('\n')).toContain('::warning')
    expect(result.summary).toContain('no Rivya key')
    expect(rivya.requests).toHaveLength(0)
    // An action that never reviews gets a log line, not the notice.
    const labeled = prPayload('labeled')
    ;(labeled.pull_request as { head: { repo: { full_name: string } } }).head.repo.full_name = 'someone/fork'
    const quiet = await run('pull_request', labeled, { 'rivya-api-key': '' })
    expect(quiet.code).toBe(0)
    expect(quiet.annotations).toEqual([])
    expect(quiet.summary).toBe('')
  })
})

describe('comment commands and workflow_dispatch', () => {
  beforeEach(async () => {
    buildRepo()
    await start()
    gh.setPermission('maintainer', 'write')
    gh.setPermission('reader', 'read')
  })

  it('/codex reviews for a writer and reacts to the command', async () => {
    const payload = commentPayload('/codex')
    const commentId = (payload.comment as { id: number }).id
    const result = await run('issue_comment', payload)
    expect(result.code).toBe(0)
    expect(reviewComments()).toHaveLength(1)
    expect(gh.reactions(commentId).map(r => r.content)).toContain('eyes')
  })

  it('ignores a reader, a bot and a plain issue, without calling Rivya', async () => {
    gh.addIssue({ number: 8 })
    const payloads = [
      commentPayload('/codex', { login: 'reader', type: 'User' }),
      commentPayload('/codex', { login: 'stranger', type: 'User' }),
      commentPayload('/codex', { login: 'github-actions[bot]', type: 'Bot' }),
      commentPayload('/codex', { login: 'maintainer', type: 'User' }, false)
    ]
    const commands = gh.comments(PR).length
    for (const payload of payloads) {
      const result = await run('issue_comment', payload)
      expect(result.code).toBe(0)
    }
    expect(rivya.requests).toHaveLength(0)
    expect(gh.comments(PR)).toHaveLength(commands)
    expect(gh.comments(8)).toHaveLength(1)
  })

  it('/codex help replies with the commands', async () => {
    const result = await run('issue_comment', commentPayload('/codex help'))
    expect(result.code).toBe(0)
    expect(gh.comments(PR).at(-1)?.body).toContain('`/codex help`')
    expect(rivya.requests.filter(r => r.path.startsWith('/api/v1/chat'))).toHaveLength(0)
  })

  it('/codex <question> continues the review session, so the diff is not sent again', async () => {
    await run('pull_request', prPayload())
    const session = rivya.sessions[0]!
    const before = session.turns.length
    const result = await run('issue_comment', commentPayload('/codex is add() safe for NaN?'))
    expect(result.code).toBe(0)
    expect(rivya.sessions).toHaveLength(1)
    expect(session.turns).toHaveLength(before + 1)
    const question = session.turns.at(-1)!.message
    expect(question).toContain('is add() safe for NaN?')
    expect(question).not.toContain('<diff>')
    expect(gh.comments(PR).at(-1)?.body).toContain('Emulated answer')
  })

  it('/codex <question> after Rivya lost the session asks in a fresh one, and the answer says so', async () => {
    await run('pull_request', prPayload())
    const reviewed = rivya.sessions[0]!.id
    rivya.dropSession(reviewed)
    const result = await run('issue_comment', commentPayload('/codex is add() safe for NaN?'))
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`session ${reviewed} is gone`)
    const fresh = rivya.sessions
    expect(fresh).toHaveLength(1)
    expect(fresh[0]!.id).not.toBe(reviewed)
    const message = fresh[0]!.turns[0]!.message
    expect(message).toContain('is add() safe for NaN?')
    expect(message).toContain('src/new.ts')
    const answer = gh.comments(PR).at(-1)!.body
    expect(answer).toContain('Emulated answer')
    expect(answer).toContain('comes from a fresh session')
  })

  it('a question that cannot be answered says so on the pull request', async () => {
    rivya.setCredits('acct_test', 0)
    const payload = commentPayload('/codex why?')
    const commentId = (payload.comment as { id: number }).id
    const result = await run('issue_comment', payload)
    expect(result.code).not.toBe(0)
    const reply = gh.comments(PR).at(-1)!
    expect(reply.user.type).toBe('Bot')
    expect(reply.body).toMatch(/could not be answered: .*\(insufficient_credits, request req_\w+\)/)
    expect(gh.reactions(commentId).map(r => r.content)).toEqual(['eyes', 'confused'])
  })

  it('workflow_dispatch reviews the pull request given as input', async () => {
    const result = await run('workflow_dispatch', example('workflow_dispatch'), {
      'pull-request': String(PR)
    })
    expect(result.code).toBe(0)
    expect(reviewComments()).toHaveLength(1)
  })
})

describe('a pull request too large for the diff media type', () => {
  it('falls back to the files list and reviews the same files', async () => {
    buildRepo(4)
    await start({ diffLimits: { maxFiles: 3, maxLines: 100_000 } })
    const result = await run('pull_request', prPayload())
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('too large')
    expect(result.outputs['reviewed-files']).toBe('6')
    expect(gh.requests.some(r => r.path.endsWith(`/pulls/${PR}/files`))).toBe(true)
  })
})
