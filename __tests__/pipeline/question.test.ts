/** `/codex <question>` and the other comment commands in-process, against the emulators. */
import { afterAll, afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { runCommentCommand } from '../../src/pipeline/comment-command.js'
import { answerQuestion } from '../../src/pipeline/question.js'
import { reviewPullRequest } from '../../src/pipeline/review.js'
import { parseCommand } from '../../src/review/command.js'
import { FINDING_MARKER, Harness, PR, removeRunnerFiles } from './harness.js'

// Each case builds a git repository and talks HTTP to two servers on a shared machine.
jest.setTimeout(30_000)

let h: Harness

beforeEach(async () => {
  h = await Harness.start()
  h.gh.setPermission('maintainer', 'write')
})
afterEach(async () => {
  await h.close()
})
afterAll(removeRunnerFiles)

/** A command comment seeded on the pull request, and the trigger it makes. */
function command(body: string, question = body.replace(/^\/codex\s*/, '')) {
  const seeded = h.gh.addComment(PR, { body, user: { login: 'maintainer', type: 'User' } })
  return {
    kind: 'comment',
    pullNumber: PR,
    reason: `/codex by @maintainer`,
    command: { kind: 'question', question },
    commentId: seeded.id,
    commenter: 'maintainer'
  } as const
}

describe('answerQuestion', () => {
  it('continues the review session, so the diff is not sent again, and replies with the usage', async () => {
    await h.within({ kind: 'dispatch', pullNumber: PR, reason: 'workflow_dispatch' }, reviewPullRequest)
    const session = h.rivya.sessions[0]!
    const before = session.turns.length
    await h.within(command('/codex is add() safe for NaN?'), answerQuestion)
    expect(h.rivya.sessions).toHaveLength(1)
    expect(session.turns).toHaveLength(before + 1)
    const asked = session.turns.at(-1)!.message
    expect(asked).toContain('maintainer asks about pull request #7, titled "Double every value".')
    expect(asked).toContain('<question>\nis add() safe for NaN?\n</question>')
    expect(asked).not.toContain('<diff>')
    const reply = h.gh.comments(PR).at(-1)!
    expect(reply.body).toContain('Emulated answer')
    expect(reply.body).toMatch(
      /Answer to maintainer · 1 turn, \d+ tokens, \d+ credits · session chat_session_\w+/
    )
    expect(h.outputs()).toMatchObject({
      'comment-id': String(reply.id),
      'session-id': session.id,
      turns: '1'
    })
    expect(h.summary()).toContain('## Codex answer on #7')
  })

  it('asks in a fresh session, with the diff, when there is no review to continue, and says so', async () => {
    await h.within(command('/codex why double?'), answerQuestion)
    const message = h.rivya.sessions[0]!.turns[0]!.message
    expect(message).toContain('src/new.ts')
    expect(message).not.toContain('package-lock.json')
    expect(h.gh.comments(PR).at(-1)!.body).toContain('No earlier review session was found')
  })

  it('after Rivya lost the session asks in a fresh one, and the log and the answer say so', async () => {
    await h.within({ kind: 'dispatch', pullNumber: PR, reason: 'workflow_dispatch' }, reviewPullRequest)
    const reviewed = h.rivya.sessions[0]!.id
    h.rivya.dropSession(reviewed)
    await h.within(command('/codex why?'), answerQuestion)
    expect(h.lines).toContain(
      `The review's session ${reviewed} is gone (not_found); answering in a fresh session.`
    )
    expect(h.gh.comments(PR).at(-1)!.body).toContain('comes from a fresh session')
  })

  it('after the workflow changed `model` asks in a fresh session at once, without trying the review’s', async () => {
    await h.within({ kind: 'dispatch', pullNumber: PR, reason: 'workflow_dispatch' }, reviewPullRequest)
    const reviewed = h.rivya.sessions[0]!
    const before = reviewed.turns.length
    const turnsBefore = h.chatTurns().length
    // Rivya answers any turn in a session made with another model 409 chat_session_conflict, which
    // the client would wait out for conflictWaitMs (10 minutes) as if the session were busy.
    await h.within(command('/codex why?'), answerQuestion, { inputs: { model: 'gpt-5.4-mini-chat' } })
    const asked = h.chatTurns().slice(turnsBefore)
    expect(asked).toHaveLength(1)
    expect(asked[0]!.status).toBe(200)
    expect(asked[0]!.body).not.toHaveProperty('session_id')
    expect(reviewed.turns).toHaveLength(before)
    expect(h.rivya.sessions.at(-1)!.model).toBe('gpt-5.4-mini-chat')
    expect(h.rivya.sessions.at(-1)!.turns[0]!.message).toContain('src/new.ts')
    expect(h.lines).toContain(
      `The review's session ${reviewed.id} was made with gpt-5.4-codex-chat, not gpt-5.4-mini-chat; answering in a fresh session.`
    )
    expect(h.gh.comments(PR).at(-1)!.body).toContain(
      '_The review’s Rivya session was made with another model (gpt-5.4-codex-chat), so this answer comes from a fresh session._'
    )
  })

  it('a question that cannot be answered says why on the pull request, reacts confused, and fails', async () => {
    h.rivya.setCredits('acct_test', 0)
    const trigger = command('/codex why?')
    await expect(h.within(trigger, answerQuestion)).rejects.toThrow(/insufficient_credits/)
    expect(h.gh.comments(PR).at(-1)!.body).toMatch(
      /The question could not be answered: .*\(insufficient_credits, request req_\w+\)/
    )
    expect(h.gh.reactions(trigger.commentId).map(r => r.content)).toEqual(['confused'])
  })

  it('a question over max-credits is refused before any turn, and the reply says so', async () => {
    const failure = h.within(command('/codex why?'), answerQuestion, { inputs: { 'max-credits': '1' } })
    await expect(failure).rejects.toThrow(/over max-credits \(1\); nothing was sent to Rivya/)
    expect(h.chatTurns()).toHaveLength(0)
    expect(h.gh.comments(PR).at(-1)!.body).toContain(
      'The question could not be answered: The answer could cost'
    )
  })
})

describe('runCommentCommand', () => {
  it('/codex help reacts and replies with the commands, without Rivya', async () => {
    const trigger = { ...command('/codex help'), command: { kind: 'help' } } as const
    await h.within(trigger, runCommentCommand)
    expect(h.gh.reactions(trigger.commentId).map(r => r.content)).toEqual(['eyes'])
    const reply = h.gh.comments(PR).at(-1)!
    expect(reply.body).toContain('`/codex help`')
    expect(h.outputs()['comment-id']).toBe(String(reply.id))
    expect(h.rivya.requests).toHaveLength(0)
  })

  it('does nothing for a commenter without the permission', async () => {
    h.gh.setPermission('maintainer', 'read')
    const trigger = { ...command('/codex'), command: { kind: 'review' } } as const
    await h.within(trigger, runCommentCommand)
    expect(h.gh.reactions(trigger.commentId)).toEqual([])
    expect(h.rivya.requests).toHaveLength(0)
    expect(h.lines.join('\n')).toContain('@maintainer does not have the write permission on octo-org/demo')
  })

  it('/codex review reviews', async () => {
    const trigger = { ...command('/codex review'), command: { kind: 'review' } } as const
    await h.within(trigger, runCommentCommand)
    expect(h.reviewComments()).toHaveLength(1)
    expect(h.gh.reactions(trigger.commentId).map(r => r.content)).toEqual(['eyes'])
  })
})

describe('a command in a review thread', () => {
  /** A reply seeded in the thread of `rootId`, and the trigger decideTrigger makes of it. */
  function reply(rootId: number, body: string, login = 'maintainer') {
    const seeded = h.gh.reviews.addReply(PR, rootId, { body, user: { login, type: 'User' } })
    return {
      kind: 'comment',
      pullNumber: PR,
      reason: `/codex by @${login} in a review thread`,
      command: parseCommand(body, '/codex')!,
      commentId: seeded.id,
      commenter: login,
      thread: { rootId }
    } as const
  }

  const threadReplies = (rootId: number) => h.gh.reviews.comments(PR).filter(c => c.in_reply_to_id === rootId)

  it('answers a question in the thread, with its file, line, hunk and finding, in the review session', async () => {
    await h.within({ kind: 'dispatch', pullNumber: PR, reason: 'workflow_dispatch' }, reviewPullRequest)
    const session = h.rivya.sessions[0]!
    const before = session.turns.length
    const issueComments = h.gh.comments(PR).length
    const root = h.inlineComment()
    const trigger = reply(root.id, '/codex is NaN handled here?')
    await h.within(trigger, runCommentCommand)
    expect(h.rivya.sessions).toHaveLength(1)
    expect(session.turns).toHaveLength(before + 1)
    const asked = session.turns.at(-1)!.message
    expect(asked).toContain('It is asked in the review thread on src/new.ts, new-file line 2.')
    expect(asked).toContain(
      '<hunk>\n@@ -0,0 +1,3 @@\n+export function add(a: number, b: number) {\n+  return a + b\n</hunk>'
    )
    expect(asked).toContain('<comment>\n**major** add() ignores NaN\n\nCheck the inputs.\n</comment>')
    expect(asked).not.toContain(FINDING_MARKER)
    expect(asked).toContain('<question>\nis NaN handled here?\n</question>')
    expect(asked).not.toContain('<diff>')
    const answers = threadReplies(root.id).filter(c => c.user.login === 'github-actions[bot]')
    expect(answers).toHaveLength(1)
    expect(answers[0]!.body).toContain('Emulated answer')
    expect(answers[0]!.body).toMatch(/Answer to maintainer · 1 turn, \d+ tokens, \d+ credits/)
    expect(answers[0]).toMatchObject({ path: 'src/new.ts', line: 2 })
    // Nothing on the pull request's conversation: the answer is where the question was asked.
    expect(h.gh.comments(PR)).toHaveLength(issueComments)
    expect(h.gh.reactions(trigger.commentId).map(r => r.content)).toEqual(['eyes'])
    expect(h.outputs()['comment-id']).toBe(String(answers[0]!.id))
  })

  it('asks in a fresh session with the thread and the diff when no review session is recorded', async () => {
    const root = h.inlineComment({ path: 'src/app.ts', line: 3 })
    await h.within(reply(root.id, '/codex why double?'), runCommentCommand)
    const message = h.rivya.sessions[0]!.turns[0]!.message
    expect(message).toContain('review thread on src/app.ts, new-file line 3.')
    expect(message.indexOf('</thread>')).toBeLessThan(message.indexOf('<question>'))
    expect(message).toContain('<diff>')
    expect(threadReplies(root.id).at(-1)!.body).toContain('No earlier review session was found')
  })

  it('/codex help replies in the thread, without Rivya', async () => {
    const root = h.inlineComment()
    const trigger = reply(root.id, '/codex help')
    await h.within(trigger, runCommentCommand)
    expect(threadReplies(root.id).at(-1)!.body).toContain('`/codex help`')
    expect(h.gh.reactions(trigger.commentId).map(r => r.content)).toEqual(['eyes'])
    expect(h.rivya.requests).toHaveLength(0)
  })

  it('/codex review in a thread reviews the whole pull request', async () => {
    const root = h.inlineComment()
    const trigger = reply(root.id, '/codex review')
    await h.within(trigger, runCommentCommand)
    expect(h.reviewComments()).toHaveLength(1)
    expect(h.gh.reactions(trigger.commentId).map(r => r.content)).toEqual(['eyes'])
  })

  it.each([
    ['a person’s comment quoting the marker', { user: { login: 'mallory', type: 'User' as const } }],
    ['the bot’s comment without the marker', { body: 'A note from another workflow' }],
    ['the marker not on a line of its own', { body: `See ${FINDING_MARKER} here` }],
    ['another bot’s comment with the marker', { user: { login: 'other-app[bot]', type: 'Bot' as const } }]
  ])('skips a thread on %s: a log line, no reaction, no Rivya call', async (_, options) => {
    const root = h.inlineComment(options)
    const trigger = reply(root.id, '/codex why?')
    const before = h.gh.reviews.comments(PR).length
    await h.within(trigger, runCommentCommand)
    expect(h.lines).toContain(
      `The review thread of comment ${trigger.commentId} is not on one of this action's inline comments; /codex there is not for it, nothing was done.`
    )
    expect(h.gh.reactions(trigger.commentId)).toEqual([])
    expect(h.gh.reviews.comments(PR)).toHaveLength(before)
    expect(h.rivya.requests).toHaveLength(0)
  })

  it('skips a command that starts a thread of its own (its root is the person’s comment)', async () => {
    const own = h.inlineComment({ body: '/codex why?', user: { login: 'maintainer', type: 'User' } })
    const trigger = { ...reply(own.id, '/codex why?'), commentId: own.id, thread: { rootId: own.id } }
    await h.within(trigger, runCommentCommand)
    expect(h.lines.join('\n')).toContain('is not on one of this action')
    expect(h.rivya.requests).toHaveLength(0)
  })

  it('denies a commenter without the permission in the action’s thread', async () => {
    h.gh.setPermission('reader', 'read')
    const root = h.inlineComment()
    const trigger = reply(root.id, '/codex why?', 'reader')
    await h.within(trigger, runCommentCommand)
    expect(h.gh.reactions(trigger.commentId)).toEqual([])
    expect(h.rivya.requests).toHaveLength(0)
    expect(h.lines.join('\n')).toContain('@reader does not have the write permission')
  })

  it('a question that cannot be answered says why in the thread, reacts confused, and fails', async () => {
    h.rivya.setCredits('acct_test', 0)
    const root = h.inlineComment()
    const trigger = reply(root.id, '/codex why?')
    await expect(h.within(trigger, runCommentCommand)).rejects.toThrow(/insufficient_credits/)
    expect(threadReplies(root.id).at(-1)!.body).toMatch(
      /The question could not be answered: .*\(insufficient_credits, request req_\w+\)/
    )
    expect(h.gh.reactions(trigger.commentId).map(r => r.content)).toEqual(['eyes', 'confused'])
  })
})
