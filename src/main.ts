import * as core from '@actions/core'
import { createGitHubClient, type GitHubClient } from './github/client.js'
import {
  collaboratorPermission,
  createComment,
  findReviewComment,
  react,
  upsertReviewComment
} from './github/comments.js'
import { readRunContext, type RunContext } from './github/context.js'
import { collectPullRequestDiff } from './github/diff-source.js'
import { decideTrigger, secretsWithheld, type Trigger } from './github/event.js'
import { commandPermissionRefusal, permits } from './github/permission.js'
import { getPullRequest, type PullRequestInfo } from './github/pull-request.js'
import { messageLimit, parseInputs, type Inputs } from './inputs.js'
import { notice, setReviewOutputs, setUsageOutputs, writeJobSummary } from './outputs.js'
import { helpText } from './review/command.js'
import { turnKeys } from './review/keys.js'
import { planWithinTurns } from './review/budget.js'
import { answerQuestion } from './review/question.js'
import { readCommentState, renderComment, renderReply, type ReviewReport } from './review/render.js'
import { runReviewLoop } from './review/review.js'
import { RivyaClient } from './rivya/client.js'
import { isInsufficientCredits, isRivyaError } from './rivya/errors.js'
import { describeRetry } from './rivya/retry.js'
import { RivyaSession } from './rivya/session.js'

/** Text for a failure of any kind, thrown values that are not `Error`s included. */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'string') return error
  try {
    return `Unexpected failure: ${JSON.stringify(error)}`
  } catch {
    return `Unexpected failure: ${String(error)}`
  }
}

/** The action: context → diff → chunks → session → comment. */
export async function run(): Promise<void> {
  // Masked before anything else runs, so no later log line, error or output can show them; each
  // line too, as an error may quote a malformed value cut at a line break.
  const key = core.getInput('rivya-api-key')
  const token = core.getInput('github-token')
  const secrets = secretParts([key, token])
  for (const secret of secrets) core.setSecret(secret)
  try {
    const ctx = readRunContext()
    const withheld = key.trim() === '' && secretsWithheld(ctx, ctx.actor)
    // Where GitHub withheld the secret, the other inputs still decide whether this event reviews.
    const inputs = parseInputs(name =>
      withheld && name === 'rivya-api-key' ? 'withheld' : core.getInput(name)
    )
    const trigger = decideTrigger(ctx, inputs)
    if (trigger.kind === 'skip') {
      core.info(trigger.reason)
      return
    }
    if (withheld) {
      await notice(
        'Codex review skipped: no Rivya key',
        'GitHub withholds secrets from pull requests opened from forks (and by Dependabot), so rivya-api-key is empty and this pull request was not reviewed. A maintainer can comment /codex to review it, or see the README on pull_request_target.'
      )
      return
    }
    core.info(`Codex review: ${trigger.reason}`)
    if (inputs.githubToken === '')
      throw new Error('Input github-token is empty: pass ${{ github.token }} or a token')
    const gh = createGitHubClient({
      token: inputs.githubToken,
      baseUrl: ctx.apiUrl,
      log: line => core.info(line)
    })

    if (trigger.kind === 'comment') {
      if (!(await commenterMayRun(gh, ctx, trigger.commenter, inputs))) return
      await react(gh, ctx.repo, trigger.commentId, 'eyes').catch((error: unknown) => {
        core.warning(`Could not react to the command comment: ${describeFailure(error)}`)
      })
      if (trigger.command.kind === 'help') {
        const reply = await createComment(
          gh,
          ctx.repo,
          trigger.pullNumber,
          renderReply(helpText(inputs.triggerPhrase), '')
        )
        core.setOutput('comment-id', String(reply.id))
        core.setOutput('comment-url', reply.url)
        return
      }
      const { command } = trigger
      if (command.kind === 'question') {
        await withRivya(inputs, rivya =>
          answer(
            gh,
            rivya,
            ctx,
            inputs,
            secrets,
            trigger.pullNumber,
            trigger.commentId,
            trigger.commenter,
            command.question
          )
        )
        return
      }
    }
    await withRivya(inputs, rivya => review(gh, rivya, ctx, inputs, secrets, trigger))
  } catch (error) {
    core.setFailed(scrub(describeFailure(error), secrets))
  }
}

async function withRivya<T>(inputs: Inputs, work: (rivya: RivyaClient) => Promise<T>): Promise<T> {
  const rivya = new RivyaClient({ baseUrl: inputs.apiBaseUrl, apiKey: inputs.rivyaApiKey })
  try {
    return await work(rivya)
  } finally {
    await rivya.close()
  }
}

/** Only a commenter whose repository permission reaches `command-permission` may run a command; a failed check denies. */
async function commenterMayRun(
  gh: GitHubClient,
  ctx: RunContext,
  user: string,
  inputs: Inputs
): Promise<boolean> {
  const refusal = commandPermissionRefusal(inputs.commandPermission, ctx.payload)
  if (refusal !== undefined) throw new Error(refusal)
  if (inputs.commandPermission === 'everyone') return true
  let allowed = false
  try {
    allowed = permits(await collaboratorPermission(gh, ctx.repo, user), inputs.commandPermission)
  } catch (error) {
    core.info(
      `Could not check the permission of @${user} (${describeFailure(error)}); the command is denied.`
    )
    return false
  }
  if (!allowed) {
    core.info(
      `@${user} does not have the ${inputs.commandPermission} permission on ${ctx.repository} that ${inputs.triggerPhrase} commands need; nothing was done.`
    )
  }
  return allowed
}

function triggerId(ctx: RunContext, trigger: Exclude<Trigger, { kind: 'skip' }>): string {
  // A re-run keeps GITHUB_RUN_ID (only GITHUB_RUN_ATTEMPT changes), so its turns get the same keys.
  return trigger.kind === 'comment' ? `comment-${trigger.commentId}` : `run-${ctx.runId}`
}

/**
 * Text without the key or the token in it, whatever error text reached it: GitHub shows comments
 * unmasked (the runner masks only its own log).
 */
function scrub(text: string, secrets: readonly string[]): string {
  let clean = text
  for (const secret of secrets) clean = clean.split(secret).join('***')
  return clean
}

/**
 * The values to mask and scrub: each secret and each of its lines (an error may quote a malformed
 * value cut at a line break), longest first so a line does not leave the rest of its value behind;
 * none so short that masking it would garble ordinary text.
 */
function secretParts(values: readonly string[]): string[] {
  return values
    .flatMap(v => [v, ...v.split(/\r?\n/)])
    .filter(v => v.trim().length >= 8)
    .sort((a, b) => b.length - a.length)
}

/** The settings that shape every turn's request body, part of its keys. */
function requestIdentity(inputs: Inputs): {
  model: string
  reasoningEffort: string
  enableWebSearch: boolean
} {
  return {
    model: inputs.model,
    reasoningEffort: inputs.reasoningEffort,
    enableWebSearch: inputs.enableWebSearch
  }
}

async function review(
  gh: GitHubClient,
  rivya: RivyaClient,
  ctx: RunContext,
  inputs: Inputs,
  secrets: readonly string[],
  trigger: Exclude<Trigger, { kind: 'skip' }>
): Promise<void> {
  const pr: PullRequestInfo = await getPullRequest(gh, ctx.repo, trigger.pullNumber)
  const diff = await collectPullRequestDiff(gh, ctx.repo, pr.number, pr.changedFiles, line => core.info(line))
  const model = await rivya.getModel(inputs.model)
  if (model.note !== undefined) core.info(model.note)
  const limit = messageLimit(inputs, model.maxPromptLength)
  const plan = planWithinTurns(
    diff.files,
    {
      include: inputs.include,
      exclude: inputs.exclude,
      limit,
      pullNumber: pr.number,
      title: pr.title,
      extraInstructions: inputs.extraInstructions
    },
    inputs.maxTurns
  )
  const { full } = plan
  core.info(
    `#${pr.number} at ${pr.headSha.slice(0, 12)}: ${full.files.length} file(s) to review, ${full.skipped.length} skipped, ${plan.messages.length} turn(s) of at most ${limit} characters${plan.dropped.length > 0 ? ` (max-turns ${inputs.maxTurns} leaves ${plan.dropped.length} file(s) out)` : ''}`
  )

  const session = new RivyaSession(rivya, {
    model: inputs.model,
    reasoningEffort: inputs.reasoningEffort,
    enableWebSearch: inputs.enableWebSearch,
    stream: inputs.stream
  })
  const id = triggerId(ctx, trigger)
  const loop = await runReviewLoop({
    messages: plan.messages,
    session,
    maxCredits: inputs.maxCredits,
    baseCredits: model.baseCredits ?? 1,
    log: line => core.info(line),
    turnOptions: (turnIndex, message, sessionId) => ({
      ...turnKeys({
        repository: ctx.repository,
        pullNumber: pr.number,
        headSha: pr.headSha,
        trigger: id,
        turnIndex,
        message,
        ...requestIdentity(inputs),
        sessionId
      }),
      onRetry: event => core.info(describeRetry(event))
    })
  })

  const stoppedBy = loop.stoppedBy ?? (plan.dropped.length > 0 ? `max-turns (${inputs.maxTurns})` : undefined)
  const unreviewed = full.files.filter(path => !loop.reviewed.has(path))
  const failure = loop.error === undefined ? undefined : failureOf(loop.error)
  if (failure !== undefined && isInsufficientCredits(loop.error)) {
    const balance = await rivya.getCredits().catch(() => undefined)
    if (balance !== undefined) failure.message += ` Balance now: ${balance} credits.`
  }
  const skipped = [...full.skipped]
  if (diff.unlisted !== undefined)
    skipped.push({ path: '(files beyond GitHub’s list)', reason: diff.unlisted })
  const report: ReviewReport = {
    pullNumber: pr.number,
    headSha: pr.headSha,
    model: inputs.model,
    reasoningEffort: inputs.reasoningEffort,
    sessionId: loop.sessionId,
    summary:
      loop.summary ??
      (plan.messages.length === 0
        ? plan.dropped.length > 0
          ? `Nothing reviewed: no changed file fits in max-turns (${inputs.maxTurns}) turns (listed below).`
          : 'Nothing to review: every changed file was skipped (listed below).'
        : undefined),
    notes: loop.notes,
    usage: loop.usage,
    reviewedFiles: loop.reviewed.size,
    totalFiles: full.files.length,
    stoppedBy,
    unreviewed: stoppedBy !== undefined ? unreviewed : [],
    skipped,
    failure,
    runUrl: ctx.runUrl
  }
  const body = scrub(renderComment(report), secrets)
  let comment: { id: number; url: string } | undefined
  let postError: string | undefined
  if (inputs.postComment) {
    try {
      comment = await upsertReviewComment(gh, ctx.repo, pr.number, body)
      core.info(`Review comment: ${comment.url}`)
    } catch (error) {
      // What Rivya was paid for is never lost: the outputs and the job summary still get it.
      postError = `the review comment could not be posted (${scrub(describeFailure(error), secrets)})`
    }
  }
  setReviewOutputs(report, comment)
  const why = inputs.postComment ? postError : 'post-comment is false'
  await writeJobSummary(report, comment, why === undefined ? undefined : { body, why })
  const posting = postError === undefined ? '' : ` Then ${postError}; the job summary holds the review.`
  if (failure !== undefined) {
    throw new Error(`The review failed after ${loop.usage.turns} turn(s): ${failure.message}${posting}`)
  }
  if (posting !== '') {
    throw new Error(
      `The review ran (${loop.usage.turns} turn(s), ${loop.usage.creditsFinal} credits).${posting}`
    )
  }
  if (stoppedBy !== undefined) {
    core.warning(
      `Partial review: reviewed ${report.reviewedFiles} of ${report.totalFiles} files; stopped by ${stoppedBy}.`
    )
  }
}

function failureOf(error: unknown): { message: string; code?: string; requestId?: string } {
  if (isRivyaError(error)) {
    return {
      message: error.message,
      code: error.code,
      ...(error.requestId ? { requestId: error.requestId } : {})
    }
  }
  return { message: describeFailure(error) }
}

async function answer(
  gh: GitHubClient,
  rivya: RivyaClient,
  ctx: RunContext,
  inputs: Inputs,
  secrets: readonly string[],
  pullNumber: number,
  commentId: number,
  commenter: string,
  question: string
): Promise<void> {
  const pr = await getPullRequest(gh, ctx.repo, pullNumber)
  const existing = await findReviewComment(gh, ctx.repo, pullNumber)
  const state = existing !== undefined ? readCommentState(existing.body ?? '') : undefined
  const model = await rivya.getModel(inputs.model)
  const limit = messageLimit(inputs, model.maxPromptLength)
  let result: Awaited<ReturnType<typeof answerQuestion>>
  try {
    result = await answerQuestion({
      rivya,
      inputs,
      pr,
      question,
      asker: commenter,
      limit,
      recorded: state,
      diff: () => collectPullRequestDiff(gh, ctx.repo, pr.number, pr.changedFiles, line => core.info(line)),
      keys: (turnIndex, message, sessionId) =>
        turnKeys({
          repository: ctx.repository,
          pullNumber: pr.number,
          headSha: pr.headSha,
          trigger: `comment-${commentId}`,
          turnIndex,
          message,
          ...requestIdentity(inputs),
          sessionId
        }),
      log: line => core.info(line)
    })
  } catch (error) {
    // The asker saw the command taken (a reaction): the answer's failure is said where they look.
    const f = failureOf(error)
    const what = isRivyaError(error)
      ? `${f.message}${f.code !== undefined ? ` (${f.code}${f.requestId !== undefined ? `, request ${f.requestId}` : ''})` : ''}`
      : 'an unexpected error; the workflow run’s log has the details'
    await createComment(
      gh,
      ctx.repo,
      pullNumber,
      scrub(renderReply(`The question could not be answered: ${what}`, `Question from ${commenter}`), secrets)
    ).catch((postError: unknown) => {
      core.warning(`Could not post the failure reply: ${describeFailure(postError)}`)
    })
    await react(gh, ctx.repo, commentId, 'confused').catch(() => undefined)
    throw error
  }
  const t = result.usage
  const footer = `Answer to ${commenter} · ${t.turns} turn, ${t.totalTokens} tokens, ${t.creditsFinal} credits · session ${result.sessionId ?? '—'}`
  const reply = await createComment(
    gh,
    ctx.repo,
    pullNumber,
    scrub(renderReply(result.text, footer), secrets)
  )
  setUsageOutputs(t, result.sessionId, reply)
}
