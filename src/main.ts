import * as core from '@actions/core'
import { createGitHubClient, type GitHubClient } from './github/client.js'
import {
  collaboratorPermission,
  createComment,
  findReviewComment,
  react,
  tokenIdentity,
  upsertReviewComment,
  type TokenIdentity
} from './github/comments.js'
import { readRunContext, type RunContext } from './github/context.js'
import { collectPullRequestDiff } from './github/diff-source.js'
import { decideTrigger, secretsWithheld, type Trigger } from './github/event.js'
import { commandPermissionRefusal, permits } from './github/permission.js'
import { getPullRequest, isNewerHead, type PullRequestInfo } from './github/pull-request.js'
import { messageLimit, parseInputs, type Inputs } from './inputs.js'
import { notice, setReviewOutputs, setUsageOutputs, writeAnswerSummary, writeJobSummary } from './outputs.js'
import { helpText } from './review/command.js'
import { turnKeys, type TurnIdentity, type TurnKeys } from './review/keys.js'
import { planWithinTurns } from './review/budget.js'
import { coverageMismatch } from './review/cross-check.js'
import { answerQuestion, BudgetError } from './review/question.js'
import { readCommentState } from './review/comment-state.js'
import { inertId } from './review/markdown.js'
import { overspend, renderComment, renderReply, type ReviewReport } from './review/render.js'
import { runReviewLoop } from './review/turn-loop.js'
import type { CollectedDiff } from './github/diff-source.js'
import { RivyaClient } from './rivya/client.js'
import type { ModelInfo } from './rivya/models.js'
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
  const cancellation = watchCancellation(line => core.info(line))
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
            command.question,
            cancellation.signal
          )
        )
        return
      }
    }
    await withRivya(inputs, rivya => review(gh, rivya, ctx, inputs, secrets, trigger, cancellation.signal))
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

/**
 * The runner cancels a step (cancel button, `timeout-minutes`, `cancel-in-progress`) with SIGINT,
 * then SIGTERM 7.5 s later, then SIGKILL 2.5 s after that (actions/runner, ProcessInvoker.cs:
 * `_sigintTimeout` 7500 ms, `_sigtermTimeout` 2500 ms). The first signal aborts the Rivya turn in
 * flight so the partial review can be posted; later ones are only logged, so the posting goes on;
 * a timer ends the process (step failed) before SIGKILL could, in case posting hangs.
 */
const SIGKILL_AFTER_FIRST_MS = 10_000
const SIGKILL_AFTER_SIGTERM_MS = 2_500
const HARD_STOP_MARGIN_MS = 700

interface Cancellation {
  signal: AbortSignal
}

function watchCancellation(log: (line: string) => void): Cancellation {
  const controller = new AbortController()
  const stopAt = (ms: number) => {
    setTimeout(() => {
      log('Ending the step before the runner kills it; whatever was posted stays.')
      process.exit(1)
    }, ms - HARD_STOP_MARGIN_MS).unref()
  }
  const onSignal = (name: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      log(`${name}: the run is being cancelled; stopping the turn in flight and posting what was reviewed.`)
      process.exitCode = 1
      controller.abort(new Error(name))
      // A SIGTERM first (another supervisor than the runner) may be followed by SIGKILL just as soon.
      stopAt(name === 'SIGTERM' ? SIGKILL_AFTER_SIGTERM_MS : SIGKILL_AFTER_FIRST_MS)
      return
    }
    log(`${name}: still posting what was reviewed.`)
    if (name === 'SIGTERM') stopAt(SIGKILL_AFTER_SIGTERM_MS)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return { signal: controller.signal }
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

/**
 * The keys of a turn, from what it sends: no run id, so any run reviewing identical content
 * replays; the comment id only for an explicit `/codex` command (PRODUCT.md "Rivya session").
 */
function keysFor(
  inputs: Inputs,
  base: Omit<
    TurnIdentity,
    'turnIndex' | 'message' | 'sessionId' | 'model' | 'reasoningEffort' | 'enableWebSearch'
  >
): (turnIndex: number, message: string, sessionId: string | undefined) => TurnKeys {
  return (turnIndex, message, sessionId) =>
    turnKeys(inputs.rivyaApiKey, { ...base, turnIndex, message, ...requestIdentity(inputs), sessionId })
}

/**
 * The pull request and its diff, of one head: the head is read again once the diff is in, as a
 * push between the two reads would mix them. A pull_request run reviews the head its event names
 * (a re-run of an old run after a push would otherwise pay for the new head under the new run's
 * nose); when the pull request has moved on, the run for the new head reviews it.
 */
async function readPullRequest(
  gh: GitHubClient,
  ctx: RunContext,
  trigger: Exclude<Trigger, { kind: 'skip' }>
): Promise<{ pr: PullRequestInfo; diff: CollectedDiff } | { movedOn: string }> {
  const eventHead = trigger.kind === 'pull-request' ? trigger.headSha : undefined
  const short = (sha: string) => sha.slice(0, 12)
  let previous: string | undefined
  for (let attempt = 1; ; attempt++) {
    const pr = await getPullRequest(gh, ctx.repo, trigger.pullNumber)
    if (eventHead !== undefined && pr.headSha !== eventHead) {
      return {
        movedOn: `Pull request #${pr.number} has moved on from ${short(eventHead)} (the head this run's event names) to ${short(pr.headSha)}: the run started for the new head reviews it, so this run stops before paying for a review.`
      }
    }
    const diff = await collectPullRequestDiff(gh, ctx.repo, pr.number, pr.changedFiles, line =>
      core.info(line)
    )
    const after = await getPullRequest(gh, ctx.repo, trigger.pullNumber)
    if (after.headSha === pr.headSha) return { pr, diff }
    previous ??= pr.headSha
    if (eventHead !== undefined || attempt >= 2) {
      return {
        movedOn: `Pull request #${pr.number} moved from ${short(previous)} to ${short(after.headSha)} while its diff was read, so the diff may mix two heads; nothing was sent to Rivya. ${eventHead !== undefined ? 'The run started for the new head reviews it.' : 'Ask again once the pushes have settled.'}`
      }
    }
    core.info(`#${pr.number} moved to ${short(after.headSha)} while its diff was read; reading it again.`)
  }
}

async function review(
  gh: GitHubClient,
  rivya: RivyaClient,
  ctx: RunContext,
  inputs: Inputs,
  secrets: readonly string[],
  trigger: Exclude<Trigger, { kind: 'skip' }>,
  signal: AbortSignal
): Promise<void> {
  const read = await readPullRequest(gh, ctx, trigger)
  if ('movedOn' in read) {
    await notice('Codex review skipped: the pull request moved on', read.movedOn)
    return
  }
  const { pr, diff } = read
  const model = await rivya.getModel(inputs.model, signal, wantedOf(inputs)).catch((error: unknown) => {
    if (signal.aborted)
      throw new Error(`Cancelled (${describeFailure(signal.reason)}) before any turn was sent.`)
    throw error
  })
  reportModel(model)
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
  const keys = keysFor(inputs, {
    repository: ctx.repository,
    pullNumber: pr.number,
    headSha: pr.headSha,
    commentId: trigger.kind === 'comment' ? trigger.commentId : undefined
  })
  const loop = await runReviewLoop({
    signal,
    messages: plan.messages,
    session,
    maxCredits: inputs.maxCredits,
    baseCredits: model.baseCredits ?? 1,
    reasoningEffort: inputs.reasoningEffort,
    log: line => core.info(line),
    turnOptions: (turnIndex, message, sessionId) => ({
      ...keys(turnIndex, message, sessionId),
      onRetry: event => core.info(describeRetry(event)),
      signal
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
    mismatch: coverageMismatch(diff.files, diff.source === 'diff' ? pr : undefined),
    failure,
    runUrl: ctx.runUrl,
    ...historyOf(session),
    ...(inputs.maxCredits === undefined ? {} : { maxCredits: inputs.maxCredits })
  }
  const body = scrub(renderComment(report), secrets)
  let comment: { id: number; url: string } | undefined
  let postError: string | undefined
  let keptNewer: string | undefined
  if (inputs.postComment) {
    try {
      const identity = await tokenIdentity(gh)
      const posted = await upsertReviewComment(gh, ctx.repo, pr.number, body, {
        identity,
        headSha: pr.headSha,
        isNewer: recorded => isNewerHead(gh, ctx.repo, pr.number, pr.headSha, recorded),
        recordedHead: text => readCommentState(text)?.headSha
      })
      if ('newerHead' in posted) {
        keptNewer = `the comment already shows the review of a newer head (${posted.newerHead.slice(0, 12)}), which this review of ${pr.headSha.slice(0, 12)} does not overwrite`
        core.info(`Review comment ${posted.url} left as it is: ${keptNewer}.`)
      } else {
        comment = posted
        core.info(`Review comment: ${comment.url}`)
      }
    } catch (error) {
      // What Rivya was paid for is never lost: the outputs and the job summary still get it.
      postError = `the review comment could not be posted (${scrub(describeFailure(error), secrets)})`
    }
  }
  setReviewOutputs(report, comment)
  const why = inputs.postComment ? (postError ?? keptNewer) : 'post-comment is false'
  await writeJobSummary(report, comment, why === undefined ? undefined : { body, why })
  const posting = postError === undefined ? '' : ` Then ${postError}; the job summary holds the review.`
  if (loop.cancelledBy !== undefined) {
    throw new Error(
      `The run was cancelled (${loop.cancelledBy}) after ${report.notes.length + (report.summary !== undefined ? 1 : 0)} of ${plan.messages.length} part(s), ${loop.usage.turns} turn(s), ${loop.usage.creditsFinal} credits; the partial review was ${comment !== undefined ? 'posted' : 'kept in the job summary'}.${posting}`
    )
  }
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

/** What the session holds after its last turn, for a later question's estimate. */
function historyOf(session: RivyaSession): { historyTokens?: number } {
  const last = session.turns.at(-1)
  return last === undefined ? {} : { historyTokens: last.usage.inputTokens + last.usage.outputTokens }
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
  question: string,
  signal: AbortSignal
): Promise<void> {
  const pr = await getPullRequest(gh, ctx.repo, pullNumber)
  const identity: TokenIdentity = await tokenIdentity(gh)
  const existing = await findReviewComment(gh, ctx.repo, pullNumber, identity)
  const state = existing !== undefined ? readCommentState(existing.body ?? '') : undefined
  const model = await rivya.getModel(inputs.model, signal, wantedOf(inputs))
  reportModel(model)
  const limit = messageLimit(inputs, model.maxPromptLength)
  const keys = keysFor(inputs, {
    repository: ctx.repository,
    pullNumber: pr.number,
    headSha: pr.headSha,
    commentId
  })
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
      keys,
      signal,
      maxCredits: inputs.maxCredits,
      baseCredits: model.baseCredits ?? 1,
      log: line => core.info(line)
    })
  } catch (error) {
    // The asker saw the command taken (a reaction): the answer's failure is said where they look.
    const f = failureOf(error)
    const what =
      isRivyaError(error) || error instanceof BudgetError
        ? `${f.message}${f.code !== undefined ? ` (${inertId(f.code)}${f.requestId !== undefined ? `, request ${inertId(f.requestId)}` : ''})` : ''}`
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
  const over = overspend(t.creditsFinal, inputs.maxCredits)
  const footer = `Answer to ${commenter} · ${t.turns} turn, ${t.totalTokens} tokens, ${t.creditsFinal} credits · session ${result.sessionId !== undefined ? inertId(result.sessionId) : '—'}${over !== undefined ? ` · ${over}` : ''}`
  const body = scrub(renderReply(result.text, footer), secrets)
  // The answer is paid for: it reaches the outputs and the job summary before the reply is tried.
  setUsageOutputs(t, result.sessionId, undefined)
  await writeAnswerSummary(pr.number, body)
  let reply: { id: number; url: string }
  try {
    reply = await createComment(gh, ctx.repo, pullNumber, body)
  } catch (error) {
    throw new Error(
      `The question was answered (${t.turns} turn, ${t.creditsFinal} credits), but the reply could not be posted (${scrub(describeFailure(error), secrets)}); the job summary holds the answer.`,
      { cause: error }
    )
  }
  core.setOutput('comment-id', String(reply.id))
  core.setOutput('comment-url', reply.url)
}

/** The features the inputs ask of the model, so the model list can say which it lacks. */
function wantedOf(inputs: Inputs): { enableWebSearch: boolean } {
  return { enableWebSearch: inputs.enableWebSearch }
}

/** What the model list said that a user should know: a note in the log, each doubt as a warning. */
function reportModel(model: ModelInfo): void {
  if (model.note !== undefined) core.info(model.note)
  for (const warning of model.warnings) core.warning(warning)
}
