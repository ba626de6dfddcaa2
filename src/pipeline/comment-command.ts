import { collaboratorPermission, tokenIdentity } from '../github/comments.js'
import type { ReviewThreadRef } from '../github/event.js'
import {
  isActionInlineComment,
  reactToCommand,
  readReviewComment,
  replyToCommand,
  type ThreadComment
} from '../github/review-comments.js'
import { commandPermissionRefusal, permits } from '../github/permission.js'
import { describeFailure } from '../failure.js'
import { setCommentOutputs } from '../outputs.js'
import { helpText } from '../review/command.js'
import { renderReply } from '../review/render.js'
import type { CommentTrigger, PipelineContext } from './context.js'
import { answerQuestion } from './question.js'
import { reviewPullRequest } from './review.js'

/**
 * A `/codex` comment, on the pull request or in a review thread of the action's: for a commenter
 * allowed to run it, a reaction, then the help reply, the answer (where the command was written)
 * or the review.
 */
export async function runCommentCommand(context: PipelineContext<CommentTrigger>): Promise<void> {
  const { github, trigger } = context
  const { repo } = context.run
  let root: ThreadComment | undefined
  if (trigger.thread !== undefined) {
    root = await actionThreadRoot(context, trigger.thread)
    if (root === undefined) return
  }
  if (!(await commenterMayRun(context))) return
  await reactToCommand(github, repo, trigger, 'eyes').catch((error: unknown) => {
    context.log.warning(`Could not react to the command comment: ${describeFailure(error)}`)
  })
  const { command } = trigger
  switch (command.kind) {
    case 'help': {
      const reply = await replyToCommand(
        github,
        repo,
        trigger,
        renderReply(helpText(context.inputs.triggerPhrase), '')
      )
      setCommentOutputs(reply)
      return
    }
    case 'question':
      return answerQuestion({ ...context, trigger: { ...trigger, command } }, root)
    case 'review':
      return reviewPullRequest(context)
  }
}

/**
 * The first comment of the command's review thread when it is one of the action's inline
 * comments; otherwise undefined, with the log line saying why (a command elsewhere in review
 * threads is not for the action, and costs nothing).
 */
async function actionThreadRoot(
  context: PipelineContext<CommentTrigger>,
  thread: ReviewThreadRef
): Promise<ThreadComment | undefined> {
  const { github, log } = context
  const { repo } = context.run
  let root: ThreadComment
  let ours: boolean
  try {
    root = await readReviewComment(github, repo, thread.rootId)
    ours = isActionInlineComment(root, await tokenIdentity(github))
  } catch (error) {
    log.info(
      `Could not read the review thread's first comment ${thread.rootId} (${describeFailure(error)}); nothing was done.`
    )
    return undefined
  }
  if (!ours) {
    log.info(
      `The review thread of comment ${context.trigger.commentId} is not on one of this action's inline comments; ${context.inputs.triggerPhrase} there is not for it, nothing was done.`
    )
    return undefined
  }
  return root
}

/** Only a commenter whose repository permission reaches `command-permission` may run a command; a failed check denies. */
async function commenterMayRun(context: PipelineContext<CommentTrigger>): Promise<boolean> {
  const { inputs, run, log } = context
  const user = context.trigger.commenter
  const refusal = commandPermissionRefusal(inputs.commandPermission, run.payload)
  if (refusal !== undefined) throw new Error(refusal)
  if (inputs.commandPermission === 'everyone') return true
  let allowed = false
  try {
    allowed = permits(await collaboratorPermission(context.github, run.repo, user), inputs.commandPermission)
  } catch (error) {
    log.info(`Could not check the permission of @${user} (${describeFailure(error)}); the command is denied.`)
    return false
  }
  if (!allowed) {
    log.info(
      `@${user} does not have the ${inputs.commandPermission} permission on ${run.repository} that ${inputs.triggerPhrase} commands need; nothing was done.`
    )
  }
  return allowed
}
