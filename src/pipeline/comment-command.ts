import { collaboratorPermission, createComment, react } from '../github/comments.js'
import { commandPermissionRefusal, permits } from '../github/permission.js'
import { describeFailure } from '../failure.js'
import { setCommentOutputs } from '../outputs.js'
import { helpText } from '../review/command.js'
import { renderReply } from '../review/render.js'
import type { CommentTrigger, PipelineContext } from './context.js'
import { answerQuestion } from './question.js'
import { reviewPullRequest } from './review.js'

/** A `/codex` comment: for a commenter allowed to run it, a reaction, then the help reply, the answer or the review. */
export async function runCommentCommand(context: PipelineContext<CommentTrigger>): Promise<void> {
  const { github, trigger } = context
  const { repo } = context.run
  if (!(await commenterMayRun(context))) return
  await react(github, repo, trigger.commentId, 'eyes').catch((error: unknown) => {
    context.log.warning(`Could not react to the command comment: ${describeFailure(error)}`)
  })
  const { command } = trigger
  switch (command.kind) {
    case 'help': {
      const reply = await createComment(
        github,
        repo,
        trigger.pullNumber,
        renderReply(helpText(context.inputs.triggerPhrase), '')
      )
      setCommentOutputs(reply)
      return
    }
    case 'question':
      return answerQuestion({ ...context, trigger: { ...trigger, command } })
    case 'review':
      return reviewPullRequest(context)
  }
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
