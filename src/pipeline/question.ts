import { findReviewComment, tokenIdentity } from '../github/comments.js'
import { collectPullRequestDiff } from '../github/diff-source.js'
import { getPullRequest, type PullRequestInfo } from '../github/pull-request.js'
import {
  reactToCommand,
  replyToCommand,
  withoutFindingMarker,
  type ThreadComment
} from '../github/review-comments.js'
import { describeFailure, failureOf, failureTag } from '../failure.js'
import { messageLimit } from '../inputs.js'
import { setCommentOutputs, setUsageOutputs, writeAnswerSummary } from '../outputs.js'
import {
  BudgetError,
  checkQuestionBudget,
  freshQuestion,
  movedOnNote,
  otherModelNote,
  sessionQuestion,
  type Question,
  type ThreadContext
} from '../review/question.js'
import { readCommentState, type CommentState } from '../review/comment-state.js'
import { inertId } from '../review/markdown.js'
import { overspend, renderReply, type Usage } from '../review/render.js'
import { isNotFound, isRivyaError } from '../rivya/errors.js'
import { RivyaSession, type TurnOptions } from '../rivya/session.js'
import { runKeys, sessionOptions, type PipelineContext, type QuestionTrigger } from './context.js'
import { readModel } from './model.js'

interface Answer {
  text: string
  sessionId: string | undefined
  usage: Usage
}

/**
 * Answers `/codex <question>` in a reply where it was asked (on the pull request, or in the review
 * thread whose first comment is `root`, with that file and line as context), with the usage in its
 * footer, the outputs and the job summary. When it cannot be answered, the reply says why and the
 * step fails.
 */
export async function answerQuestion(
  context: PipelineContext<QuestionTrigger>,
  root?: ThreadComment
): Promise<void> {
  const { github, inputs, trigger } = context
  const { repo } = context.run
  const pr = await getPullRequest(github, repo, trigger.pullNumber)
  const identity = await tokenIdentity(github)
  const existing = await findReviewComment(github, repo, trigger.pullNumber, identity)
  const recorded = existing !== undefined ? readCommentState(existing.body ?? '') : undefined
  const model = await readModel(context)
  const question: Question = {
    pr,
    question: trigger.command.question,
    asker: trigger.commenter,
    limit: messageLimit(inputs, model.maxPromptLength),
    ...(root !== undefined ? { thread: threadContext(root) } : {})
  }
  let answer: Answer
  try {
    answer = await ask(context, pr, question, recorded, model.baseCredits ?? 1)
  } catch (error) {
    await replyFailure(context, error)
    throw error
  }
  const t = answer.usage
  const over = overspend(t.creditsFinal, inputs.maxCredits)
  const footer = `Answer to ${trigger.commenter} · ${t.turns} turn, ${t.totalTokens} tokens, ${t.creditsFinal} credits · session ${answer.sessionId !== undefined ? inertId(answer.sessionId) : '—'}${over !== undefined ? ` · ${over}` : ''}`
  const body = context.scrub(renderReply(answer.text, footer))
  // The answer is paid for: it reaches the outputs and the job summary before the reply is tried.
  setUsageOutputs(t, answer.sessionId, undefined)
  await writeAnswerSummary(pr.number, body)
  let reply: { id: number; url: string }
  try {
    reply = await replyToCommand(github, repo, trigger, body)
  } catch (error) {
    throw new Error(
      `The question was answered (${t.turns} turn, ${t.creditsFinal} credits), but the reply could not be posted (${context.scrub(describeFailure(error))}); the job summary holds the answer.`,
      { cause: error }
    )
  }
  setCommentOutputs(reply)
}

/** The asker saw the command taken (a reaction): the answer's failure is said where they look. */
async function replyFailure(context: PipelineContext<QuestionTrigger>, error: unknown): Promise<void> {
  const { github, trigger } = context
  const { repo } = context.run
  const failure = failureOf(error)
  const what =
    isRivyaError(error) || error instanceof BudgetError
      ? `${failure.message}${failureTag(failure)}`
      : 'an unexpected error; the workflow run’s log has the details'
  const body = renderReply(
    `The question could not be answered: ${what}`,
    `Question from ${trigger.commenter}`
  )
  await replyToCommand(github, repo, trigger, context.scrub(body)).catch((postError: unknown) => {
    context.log.warning(`Could not post the failure reply: ${describeFailure(postError)}`)
  })
  await reactToCommand(github, repo, trigger, 'confused').catch(() => undefined)
}

/** What the question's message says of the thread it was asked in. */
function threadContext(root: ThreadComment): ThreadContext {
  return {
    path: root.path,
    line: root.line,
    originalLine: root.originalLine,
    side: root.side,
    diffHunk: root.diffHunk,
    comment: withoutFindingMarker(root.body)
  }
}

/**
 * The answer, in the review's recorded session when Rivya still has it (the diff is then not paid
 * for again), else in a fresh session given as much of the diff as one message holds; the answer
 * says which, and whether the pull request moved on since the review.
 */
async function ask(
  context: PipelineContext<QuestionTrigger>,
  pr: PullRequestInfo,
  question: Question,
  recorded: CommentState | undefined,
  baseCredits: number
): Promise<Answer> {
  const { inputs, log } = context
  const budget = { maxCredits: inputs.maxCredits, baseCredits }
  const settings = sessionOptions(inputs)
  const keys = runKeys(context, pr, context.trigger.commentId)
  const turnOptions = (turnIndex: number, message: string, sessionId: string | undefined): TurnOptions => ({
    ...keys(turnIndex, message, sessionId),
    signal: context.signal
  })
  const notes: string[] = []
  // Rivya refuses every turn in a session made with another model (409 `chat_session_conflict`,
  // RIVYA_API.md "Errors": "owned by the same account and model"), which the client cannot tell
  // from a busy session and would wait out for `conflictWaitMs`. A state line from before the model was recorded (model unknown)
  // is tried as before: the conflict fallback below still answers it.
  if (recorded?.sessionId !== undefined && recorded.model !== undefined && recorded.model !== inputs.model) {
    log.info(
      `The review's session ${recorded.sessionId} was made with ${recorded.model}, not ${inputs.model}; answering in a fresh session.`
    )
    notes.push(otherModelNote(recorded.model))
  } else if (recorded?.sessionId !== undefined) {
    const session = new RivyaSession(context.rivya, { ...settings, sessionId: recorded.sessionId })
    const message = sessionQuestion(question)
    try {
      checkQuestionBudget(budget, message.length, recorded.historyTokens ?? 0)
      const turn = await session.send(message, turnOptions(0, message, recorded.sessionId))
      if (recorded.headSha !== undefined && recorded.headSha !== pr.headSha)
        notes.push(movedOnNote(recorded.headSha, pr.headSha))
      return {
        text: [turn.content, ...notes].join('\n\n'),
        sessionId: session.sessionId,
        usage: session.totals
      }
    } catch (error) {
      if (isNotFound(error)) {
        log.info(
          `The review's session ${recorded.sessionId} is gone (not_found); answering in a fresh session.`
        )
        notes.push('_The review’s Rivya session is gone, so this answer comes from a fresh session._')
      } else if (isRivyaError(error) && error.code === 'chat_session_conflict') {
        // Busy with a review running now, or bound to another model than the `model` input.
        log.info(
          `The review's session ${recorded.sessionId} is busy or bound to another model (chat_session_conflict); answering in a fresh session.`
        )
        notes.push(
          '_The review’s Rivya session is busy or belongs to another model, so this answer comes from a fresh session._'
        )
      } else throw error
    }
  } else {
    notes.push('_No earlier review session was found, so this answer comes from a fresh session._')
  }

  const diff = await collectPullRequestDiff(
    context.github,
    context.run.repo,
    pr.number,
    pr.changedFiles,
    log.info
  )
  const fresh = freshQuestion(question, diff.files, inputs)
  if (fresh.note !== undefined) notes.push(fresh.note)
  checkQuestionBudget(budget, fresh.message.length, 0)
  const session = new RivyaSession(context.rivya, settings)
  const turn = await session.send(fresh.message, turnOptions(1, fresh.message, undefined))
  return { text: [turn.content, ...notes].join('\n\n'), sessionId: session.sessionId, usage: session.totals }
}
