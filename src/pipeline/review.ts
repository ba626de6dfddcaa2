import {
  findReviewComment,
  tokenIdentity,
  upsertReviewComment,
  type TokenIdentity
} from '../github/comments.js'
import { compareCommits } from '../github/compare.js'
import { collectPullRequestDiff, type CollectedDiff } from '../github/diff-source.js'
import { getPullRequest, isNewerHead, type PullRequestInfo } from '../github/pull-request.js'
import { describeFailure, failureOf } from '../failure.js'
import { messageLimit } from '../inputs.js'
import { notice, setFindingsOutputs, setReviewOutputs, writeJobSummary } from '../outputs.js'
import { planWithinTurns, type TurnBudgetPlan } from '../review/budget.js'
import { coverageMismatch } from '../review/cross-check.js'
import { readCommentState, type CommentState } from '../review/comment-state.js'
import { reviewedImageCount, withImageOutcome } from '../review/images.js'
import type { DiffFile } from '../review/diff.js'
import { proseWithoutFindings } from '../review/findings.js'
import { incrementalIntro, narrowToPushedHunks, restrictToChanged } from '../review/incremental.js'
import { asFinding, storedFindings } from '../review/outcome.js'
import { gateFails, type FailOn } from '../review/verdict.js'
import { renderComment, type FindingRow, type FindingsSection, type ReviewReport } from '../review/render.js'
import { runReviewLoop, type ReviewLoopResult } from '../review/turn-loop.js'
import { isInsufficientCredits } from '../rivya/errors.js'
import { describeRetry } from '../rivya/retry.js'
import { RivyaSession } from '../rivya/session.js'
import { runKeys, sessionOptions, type PipelineContext } from './context.js'
import { publishFindings, writeFindingsFiles, type PublishedFindings } from './findings.js'
import { prepareImages, type PreparedImages } from './images.js'
import { decideScope } from './incremental.js'
import { readModel } from './model.js'

const short = (sha: string) => sha.slice(0, 12)

/**
 * A review of the trigger's pull request: its diff in parts of one Rivya session, one comment
 * (updated in place), the outputs and the job summary. Throws, after posting what was reviewed,
 * when the review failed, was cancelled, or could not be posted.
 */
export async function reviewPullRequest(context: PipelineContext): Promise<void> {
  const { inputs, signal, log } = context
  const read = await readPullRequest(context)
  if ('movedOn' in read) {
    await notice('Codex review skipped: the pull request moved on', read.movedOn)
    return
  }
  const { pr, diff } = read
  const earlier = await readEarlierReview(context, pr.number)
  const model = await readModel(context).catch((error: unknown) => {
    if (signal.aborted)
      throw new Error(`Cancelled (${describeFailure(signal.reason)}) before any turn was sent.`)
    throw error
  })
  const limit = messageLimit(inputs, model.maxPromptLength)
  const scope = await reviewScope(context, pr, diff, earlier.state)
  const plan = planWithinTurns(
    scope.files,
    {
      include: inputs.include,
      exclude: inputs.exclude,
      limit,
      pullNumber: pr.number,
      title: pr.title,
      extraInstructions: inputs.extraInstructions,
      ...(scope.intro === undefined ? {} : { intro: scope.intro })
    },
    inputs.maxTurns
  )
  const left =
    plan.dropped.length > 0 ? ` (max-turns ${inputs.maxTurns} leaves ${plan.dropped.length} file(s) out)` : ''

  const session = new RivyaSession(context.rivya, sessionOptions(inputs))
  const keys = runKeys(
    context,
    pr,
    context.trigger.kind === 'comment' ? context.trigger.commentId : undefined
  )
  const images = await prepareImages(context, pr, diff.files, plan.messages, model)
  log.info(
    `#${pr.number} at ${short(pr.headSha)}: ${plan.full.files.length} file(s) to review, ${plan.full.skipped.length} skipped, ${images.messages.length} turn(s) of at most ${limit} characters${left}${images.count > 0 ? `, ${images.count} image(s) attached` : ''}`
  )
  const loop = await runReviewLoop({
    signal,
    messages: images.messages,
    attachments: images.attachments,
    plainTexts: images.plainTexts,
    session,
    maxCredits: inputs.maxCredits,
    baseCredits: model.baseCredits ?? 1,
    reasoningEffort: inputs.reasoningEffort,
    log: log.info,
    turnOptions: (turnIndex, message, sessionId, attachments) => ({
      ...keys(turnIndex, message, sessionId, attachments),
      onRetry: event => log.info(describeRetry(event)),
      signal
    })
  })

  const report = await reportOf(context, { pr, diff, plan, images, loop, session })
  const findingsRun = {
    pr,
    answer: loop.summary,
    files: diff.files,
    skipped: new Map(report.skipped.map(f => [f.path, f.reason])),
    incomplete:
      report.stoppedBy !== undefined || report.failure !== undefined || report.mismatch !== undefined,
    previous: earlier.state?.findings ?? [],
    // A review that stopped early did not look at every file again: the earlier findings on the
    // files it never reached stay open rather than read as no longer seen.
    ...reviewedAgain(scope, report.stoppedBy !== undefined ? loop.reviewed : undefined),
    identity: earlier.identity,
    ...(earlier.url === undefined ? {} : { commentUrl: earlier.url })
  }
  const published = await publishFindings(context, findingsRun)
  const files = await writeFindingsFiles(context, findingsRun, published)
  report.findings = findingsSection(published, inputs.failOn, pr.htmlUrl)
  report.stateFindings = storedFindings(published.outcome, published.posted)
  const total = earlier.state?.total
  report.carry = {
    ...(loop.summary === undefined ? {} : { summary: summaryForNextReview(loop.summary) }),
    ...(scope.incremental === undefined ? {} : { incremental: scope.incremental }),
    ...incompleteState(findingsRun.incomplete, published)
  }
  if (scope.range !== undefined) report.range = scope.range
  if (scope.fullBecause !== undefined) report.fullBecause = scope.fullBecause
  report.prTotal = {
    reviews: (total?.reviews ?? 0) + 1,
    credits: (total?.credits ?? 0) + report.usage.creditsFinal
  }
  const body = context.scrub(renderComment(report))
  const posted = inputs.postComment ? await postComment(context, pr, body, earlier.identity) : {}
  setReviewOutputs(report, posted.comment)
  setFindingsOutputs({
    verdict: published.outcome.verdict.verdict,
    findingsCount: published.outcome.findings.length,
    ...files,
    reviewId: published.review?.id
  })
  const why = inputs.postComment ? (posted.postError ?? posted.keptNewer) : 'post-comment is false'
  await writeJobSummary(report, posted.comment, why === undefined ? undefined : { body, why })
  conclude(context, report, loop, images.messages.length, posted)
  gate(context, published)
}

/** The files the review looked at again: the scope's (incremental), narrowed to those it reached when it stopped early. */
function reviewedAgain(
  scope: PlannedScope,
  reached: ReadonlySet<string> | undefined
): { reviewedPaths?: Set<string> } {
  if (reached === undefined)
    return scope.reviewedPaths === undefined ? {} : { reviewedPaths: scope.reviewedPaths }
  const within = scope.reviewedPaths
  return { reviewedPaths: new Set([...reached].filter(path => within === undefined || within.has(path))) }
}

/** What this review sends: the whole pull request, or what changed since the last review. */
interface PlannedScope {
  /** The diff to plan. */
  files: readonly DiffFile[]
  /** The first part's intro of an incremental review. */
  intro?: string
  /** The files an incremental review looked at again; undefined for a full review. */
  reviewedPaths?: Set<string>
  /** The comment's words on it. */
  range?: string
  fullBecause?: string
  /** What the state keeps of it, for a re-run to send the same turns. */
  incremental?: { since: string; intro: string }
}

/**
 * Incremental on a push after a review of an ancestor head (issue 13): only the files the push
 * changed, narrowed to the lines around its changes, with the earlier summary and open findings
 * as the intro. A re-run of an incremental review (the same head as recorded) sends the same
 * intro from the same base, so its turns are replayed, not paid again.
 */
async function reviewScope(
  context: PipelineContext,
  pr: PullRequestInfo,
  diff: CollectedDiff,
  state: CommentState | undefined
): Promise<PlannedScope> {
  const { github, inputs, log } = context
  // An incomplete review is no base, not even for its own re-run: it is redone in full.
  const incomplete = state?.incomplete
  const rerun = incomplete === undefined && state?.headSha === pr.headSha ? state.incremental : undefined
  const scope = await decideScope({
    trigger: context.trigger,
    event: context.run,
    incremental: inputs.incremental,
    recordedHead: rerun?.since ?? state?.headSha,
    ...(incomplete === undefined ? {} : { recordedIncomplete: incomplete }),
    head: pr.headSha,
    compare: (base, head) => compareCommits(github, context.run.repo, base, head)
  })
  if (scope.kind === 'full') {
    if (scope.why !== undefined) log.info(`Full review: ${scope.why}.`)
    // Said in the comment only where a push found an earlier review and still got a full one.
    const push = context.run.payload.action === 'synchronize' && inputs.incremental
    const say = push && state?.headSha !== undefined ? scope.why : undefined
    return { files: diff.files, ...(say === undefined ? {} : { fullBecause: say }) }
  }
  const { files, unchanged } = restrictToChanged(diff.files, scope.files)
  const intro =
    rerun?.intro ??
    incrementalIntro({
      since: scope.since,
      files: files.map(f => f.path),
      ...(state?.summary === undefined ? {} : { previousSummary: state.summary }),
      openFindings: state?.findings ?? []
    })
  const range = `changes since ${scope.since.slice(0, 7)}: ${files.length} file(s)${unchanged.length > 0 ? `; ${unchanged.length} file(s) unchanged since then, their earlier findings carried over` : ''}`
  log.info(`Incremental review: ${range}.`)
  return {
    files: narrowToPushedHunks(files, scope.pushDiff),
    intro,
    reviewedPaths: new Set(files.map(f => f.path)),
    range,
    incremental: { since: scope.since, intro }
  }
}

interface EarlierReview {
  /** The token's identity, undefined when GitHub would not say. */
  identity: TokenIdentity | undefined
  /** What the previous review's comment recorded. */
  state: CommentState | undefined
  /** That comment's URL. */
  url?: string
}

/** The token's identity and what the previous review's comment recorded; nothing is lost when GitHub will not say. */
async function readEarlierReview(context: PipelineContext, pullNumber: number): Promise<EarlierReview> {
  const { github, log } = context
  let identity: TokenIdentity | undefined
  try {
    identity = await tokenIdentity(github)
    const comment = await findReviewComment(github, context.run.repo, pullNumber, identity)
    if (comment === undefined) return { identity, state: undefined }
    return { identity, state: readCommentState(comment.body ?? ''), url: comment.html_url }
  } catch (error) {
    log.info(
      `The previous review comment could not be read (${context.scrub(describeFailure(error))}); reviewing without it.`
    )
    return { identity, state: undefined }
  }
}

function gateReason(verdict: string, failOn: string, named: string, unreadable: string | undefined): string {
  if (verdict === 'fail') return `findings at or above ${failOn}: ${named}`
  if (verdict === 'partial') {
    const so = named !== '' ? `; blocking so far: ${named}` : ''
    return `the review is partial (not everything was reviewed), so it cannot pass fail-on: ${failOn}${so}`
  }
  return `the review's findings could not be read (${unreadable ?? 'no findings block'}), so it cannot pass fail-on: ${failOn}`
}

/** `fail-on`: after everything is posted, the step fails unless the verdict is pass. */
function gate(context: PipelineContext, published: PublishedFindings): void {
  const { failOn } = context.inputs
  const { verdict, blocking } = published.outcome.verdict
  if (!gateFails(verdict, failOn)) return
  const named = blocking
    .slice(0, 10)
    .map(f => `${f.severity} ${f.path}:${f.line} ${f.title}`)
    .join('; ')
  const more = blocking.length > 10 ? ` and ${blocking.length - 10} more` : ''
  const why = gateReason(verdict, failOn, named + more, published.outcome.unreadable)
  throw new Error(context.scrub(`Verdict ${verdict}: ${why}.`))
}

/**
 * The pull request and its diff, of one head: the head is read again once the diff is in, as a
 * push between the two reads would mix them. A pull_request run reviews the head its event names
 * (a re-run of an old run after a push would otherwise pay for the new head under the new run's
 * nose); when the pull request has moved on, the run for the new head reviews it.
 */
async function readPullRequest(
  context: PipelineContext
): Promise<{ pr: PullRequestInfo; diff: CollectedDiff } | { movedOn: string }> {
  const { github, trigger, log } = context
  const { repo } = context.run
  const eventHead = trigger.kind === 'pull-request' ? trigger.headSha : undefined
  let previous: string | undefined
  for (let attempt = 1; ; attempt++) {
    const pr = await getPullRequest(github, repo, trigger.pullNumber)
    if (eventHead !== undefined && pr.headSha !== eventHead) {
      return {
        movedOn: `Pull request #${pr.number} has moved on from ${short(eventHead)} (the head this run's event names) to ${short(pr.headSha)}: the run started for the new head reviews it, so this run stops before paying for a review.`
      }
    }
    const diff = await collectPullRequestDiff(github, repo, pr.number, pr.changedFiles, log.info)
    const after = await getPullRequest(github, repo, trigger.pullNumber)
    if (after.headSha === pr.headSha) return { pr, diff }
    previous ??= pr.headSha
    if (eventHead !== undefined || attempt >= 2) {
      return {
        movedOn: `Pull request #${pr.number} moved from ${short(previous)} to ${short(after.headSha)} while its diff was read, so the diff may mix two heads; nothing was sent to Rivya. ${eventHead !== undefined ? 'The run started for the new head reviews it.' : 'Ask again once the pushes have settled.'}`
      }
    }
    log.info(`#${pr.number} moved to ${short(after.headSha)} while its diff was read; reading it again.`)
  }
}

interface ReviewRun {
  pr: PullRequestInfo
  diff: CollectedDiff
  plan: TurnBudgetPlan
  images: PreparedImages
  loop: ReviewLoopResult
  session: RivyaSession
}

/** What the comment, the outputs and the job summary say of the review. */
async function reportOf(
  context: PipelineContext,
  { pr, diff, plan, images, loop, session }: ReviewRun
): Promise<ReviewReport> {
  const { inputs } = context
  const stoppedBy = loop.stoppedBy ?? (plan.dropped.length > 0 ? `max-turns (${inputs.maxTurns})` : undefined)
  const failure = loop.error === undefined ? undefined : failureOf(loop.error)
  if (failure !== undefined && isInsufficientCredits(loop.error)) {
    const balance = await context.rivya.getCredits().catch(() => undefined)
    if (balance !== undefined) failure.message += ` Balance now: ${balance} credits.`
  }
  const skipped = withImageOutcome(plan.full.skipped, images, loop.refusedAttachments)
  const shownImages = reviewedImageCount(images, loop.refusedAttachments)
  if (diff.unlisted !== undefined)
    skipped.push({ path: '(files beyond GitHub’s list)', reason: diff.unlisted })
  // What the session holds after its last turn, for a later question's estimate.
  const last = session.turns.at(-1)
  return {
    pullNumber: pr.number,
    headSha: pr.headSha,
    model: inputs.model,
    reasoningEffort: inputs.reasoningEffort,
    sessionId: loop.sessionId,
    summary: loop.summary ?? nothingReviewed(images.messages.length, plan, inputs.maxTurns),
    notes: loop.notes,
    usage: loop.usage,
    reviewedFiles: loop.reviewed.size,
    totalFiles: plan.full.files.length,
    stoppedBy,
    unreviewed: stoppedBy !== undefined ? plan.full.files.filter(path => !loop.reviewed.has(path)) : [],
    skipped,
    mismatch: coverageMismatch(diff.files, diff.source === 'diff' ? pr : undefined),
    failure,
    runUrl: context.run.runUrl,
    ...(last === undefined ? {} : { historyTokens: last.usage.inputTokens + last.usage.outputTokens }),
    ...(inputs.maxCredits === undefined ? {} : { maxCredits: inputs.maxCredits }),
    ...(shownImages > 0 ? { images: shownImages } : {})
  }
}

/** The start of the model's prose, headings left out: the next incremental review's intro quotes it. */
function summaryForNextReview(answer: string): string {
  return proseWithoutFindings(answer)
    .replace(/^#{1,6}[ \t].*$/gm, '')
    .replace(/\n{2,}/g, '\n')
    .trim()
    .slice(0, 400)
}

/**
 * What makes this review no base for an incremental one: coverage it did not complete, or findings
 * the state line cannot carry over (a block that could not be read, severe entries it could not
 * place): an incremental review would never ask about the files the push did not touch again.
 */
function incompleteState(coverage: boolean, published: PublishedFindings): Pick<CommentState, 'incomplete'> {
  if (coverage) return { incomplete: 'coverage' }
  const { unreadable, unplaced } = published.outcome
  return unreadable !== undefined || unplaced.length > 0 ? { incomplete: 'findings' } : {}
}

/** What the comment shows of the findings: every one, with where it went and why. */
function findingsSection(published: PublishedFindings, failOn: FailOn, prUrl: string): FindingsSection {
  const { outcome } = published
  const rows: FindingRow[] = outcome.findings.map(f => ({
    finding: f.finding,
    placement: f.placement,
    ...(f.reason === undefined ? {} : { reason: f.reason })
  }))
  for (const f of outcome.carried) {
    rows.push({
      finding: asFinding(f),
      placement: f.inline === true ? 'earlier' : 'summary',
      reason: 'carried over from an earlier review',
      carried: true
    })
  }
  const moved = outcome.findings.flatMap(f => f.notes.map(note => `${f.finding.title}: ${note}`))
  return {
    verdict: outcome.verdict.verdict,
    failOn,
    ...(outcome.unreadable === undefined ? {} : { unreadable: outcome.unreadable }),
    rows,
    ...(outcome.unplaced.length === 0 ? {} : { unplaced: outcome.unplaced }),
    noLongerSeen: outcome.noLongerSeen.map(f => ({ path: f.path, title: f.title })),
    parserNotes: [...outcome.notes, ...moved],
    prUrl
  }
}

/** The summary's stand-in when no turn was sent at all. */
function nothingReviewed(parts: number, plan: TurnBudgetPlan, maxTurns: number): string | undefined {
  if (parts > 0) return undefined
  if (plan.dropped.length > 0)
    return `Nothing reviewed: no changed file fits in max-turns (${maxTurns}) turns (listed below).`
  return 'Nothing to review: every changed file was skipped (listed below).'
}

interface Posting {
  comment?: { id: number; url: string }
  /** Why the comment could not be posted. */
  postError?: string
  /** Why the comment was left as it is (it shows a newer head). */
  keptNewer?: string
}

/** Creates or updates the review comment; a failure is kept, not thrown: what Rivya was paid for still reaches the outputs and the job summary. */
async function postComment(
  context: PipelineContext,
  pr: PullRequestInfo,
  body: string,
  known: TokenIdentity | undefined
): Promise<Posting> {
  const { github, log } = context
  const { repo } = context.run
  try {
    const identity = known ?? (await tokenIdentity(github))
    const posted = await upsertReviewComment(github, repo, pr.number, body, {
      identity,
      headSha: pr.headSha,
      isNewer: recorded => isNewerHead(github, repo, pr.number, pr.headSha, recorded),
      recordedHead: text => readCommentState(text)?.headSha
    })
    if ('newerHead' in posted) {
      const keptNewer = `the comment already shows the review of a newer head (${short(posted.newerHead)}), which this review of ${short(pr.headSha)} does not overwrite`
      log.info(`Review comment ${posted.url} left as it is: ${keptNewer}.`)
      return { keptNewer }
    }
    log.info(`Review comment: ${posted.url}`)
    return { comment: posted }
  } catch (error) {
    return { postError: `the review comment could not be posted (${context.scrub(describeFailure(error))})` }
  }
}

/** Fails the step when the review was cancelled, failed or could not be posted; warns when it is partial. */
function conclude(
  context: PipelineContext,
  report: ReviewReport,
  loop: ReviewLoopResult,
  parts: number,
  { comment, postError }: Posting
): void {
  const posting = postError === undefined ? '' : ` Then ${postError}; the job summary holds the review.`
  if (loop.cancelledBy !== undefined) {
    const done = report.notes.length + (report.summary !== undefined ? 1 : 0)
    throw new Error(
      `The run was cancelled (${loop.cancelledBy}) after ${done} of ${parts} part(s), ${loop.usage.turns} turn(s), ${loop.usage.creditsFinal} credits; the partial review was ${comment !== undefined ? 'posted' : 'kept in the job summary'}.${posting}`
    )
  }
  if (report.failure !== undefined) {
    throw new Error(
      `The review failed after ${loop.usage.turns} turn(s): ${report.failure.message}${posting}`
    )
  }
  if (posting !== '') {
    throw new Error(
      `The review ran (${loop.usage.turns} turn(s), ${loop.usage.creditsFinal} credits).${posting}`
    )
  }
  if (report.stoppedBy !== undefined) {
    context.log.warning(
      `Partial review: reviewed ${report.reviewedFiles} of ${report.totalFiles} files; stopped by ${report.stoppedBy}.`
    )
  }
}
