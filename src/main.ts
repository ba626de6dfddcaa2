import * as core from '@actions/core'
import { readRunContext } from './github/context.js'
import { decideTrigger, secretsWithheld } from './github/event.js'
import { describeFailure } from './failure.js'
import { parseInputs } from './inputs.js'
import { notice } from './outputs.js'
import { watchCancellation } from './pipeline/cancellation.js'
import { runCommentCommand } from './pipeline/comment-command.js'
import { withPipeline, type Log, type PipelineContext } from './pipeline/context.js'
import { reviewPullRequest } from './pipeline/review.js'
import { scrub, secretParts } from './secrets.js'

const log: Log = { info: line => core.info(line), warning: line => core.warning(line) }

/** The action: mask the secrets, read the run and the inputs, decide what the event asks, do it; any failure fails the step. */
export async function run(): Promise<void> {
  // Masked before anything else runs, so no later log line, error or output can show them.
  const key = core.getInput('rivya-api-key')
  const secrets = secretParts([key, core.getInput('github-token')])
  for (const secret of secrets) core.setSecret(secret)
  const cancellation = watchCancellation(log.info)
  try {
    const runContext = readRunContext()
    const keyWithheld = key.trim() === '' && secretsWithheld(runContext, runContext.actor)
    // Where GitHub withheld the secret, the other inputs still decide whether this event reviews.
    const inputs = parseInputs(name => core.getInput(name), { keyWithheld })
    const trigger = decideTrigger(runContext, inputs)
    if (trigger.kind === 'skip') return core.info(trigger.reason)
    if (keyWithheld) return await notice(WITHHELD.title, WITHHELD.text)
    core.info(`Codex review: ${trigger.reason}`)
    const { signal } = cancellation
    await withPipeline({ run: runContext, inputs, trigger, secrets, signal, log }, dispatch)
  } catch (error) {
    core.setFailed(scrub(describeFailure(error), secrets))
  } finally {
    cancellation.stop()
  }
}

function dispatch(context: PipelineContext): Promise<void> {
  const { trigger } = context
  if (trigger.kind === 'comment') return runCommentCommand({ ...context, trigger })
  return reviewPullRequest(context)
}

const WITHHELD = {
  title: 'Codex review skipped: no Rivya key',
  text: 'GitHub withholds secrets from pull requests opened from forks (and by Dependabot), so rivya-api-key is empty and nothing was reviewed or answered. A maintainer can comment /codex on the pull request to review it, or see the README on pull_request_target.'
}
