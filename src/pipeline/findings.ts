/**
 * The findings of a review, posted and kept: the inline comments in one PR review, the findings
 * and SARIF files for the workflow, and what the comment's state line keeps for the next run.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TokenIdentity } from '../github/comments.js'
import type { PullRequestInfo } from '../github/pull-request.js'
import { postedFindings, postReview, type InlineComment } from '../github/reviews.js'
import { describeFailure } from '../failure.js'
import { fingerprint } from '../review/findings.js'
import type { StoredFinding } from '../review/comment-state.js'
import type { DiffFile } from '../review/diff.js'
import { inlineCommentBody, readFindingMarker, reviewBody } from '../review/inline.js'
import { asFinding, findingsOutcome, type FindingsOutcome, type PlacedFinding } from '../review/outcome.js'
import { toSarif } from '../review/sarif.js'
import { ACTION_VERSION } from '../version.js'
import type { PipelineContext } from './context.js'

export interface FindingsRun {
  pr: PullRequestInfo
  /** The last part's answer, if the review got that far. */
  answer: string | undefined
  files: readonly DiffFile[]
  skipped: ReadonlyMap<string, string>
  incomplete: boolean
  /** What the previous review's comment left open. */
  previous: readonly StoredFinding[]
  reviewedPaths?: ReadonlySet<string>
  /** The token's identity; undefined when it could not be read (then nothing is posted inline). */
  identity: TokenIdentity | undefined
  /** The review comment's URL, when an earlier run made it (a new one's is not known yet). */
  commentUrl?: string
}

export interface PublishedFindings {
  outcome: FindingsOutcome
  /** The PR review holding the inline comments, when one was posted. */
  review?: { id: number; url: string }
  /** Fingerprints of the findings posted inline, now or by an earlier run. */
  posted: Set<string>
}

/**
 * Reads the findings of the answer, posts the inline ones in one PR review (unless
 * `post-comment` is false) and moves any GitHub refused into the summary.
 */
export async function publishFindings(
  context: PipelineContext,
  run: FindingsRun
): Promise<PublishedFindings> {
  const { github, inputs, log } = context
  const { repo } = context.run
  const alreadyPosted = new Set(run.previous.filter(f => f.inline === true).map(f => f.fp))
  if (inputs.postComment && run.identity !== undefined) {
    try {
      const listed = await postedFindings(github, repo, run.pr.number, run.identity, readFindingMarker)
      for (const fp of listed) alreadyPosted.add(fp)
    } catch (error) {
      log.info(
        `Earlier inline comments could not be listed (${context.scrub(describeFailure(error))}); the comment's record is used.`
      )
    }
  }
  const outcome = findingsOutcome({
    answer: run.answer,
    files: run.files,
    skipped: run.skipped,
    incomplete: run.incomplete,
    failOn: inputs.failOn,
    maxInline: inputs.maxInlineComments,
    minSeverity: inputs.minInlineSeverity,
    alreadyPosted,
    previous: run.previous,
    ...(run.reviewedPaths === undefined ? {} : { reviewedPaths: run.reviewedPaths })
  })
  const posted = new Set([...alreadyPosted].filter(fp => outcome.findings.some(f => f.fingerprint === fp)))
  const inline = outcome.findings.filter(f => f.placement === 'inline')
  if (inline.length === 0) return { outcome, posted }
  if (!inputs.postComment || run.identity === undefined) {
    const why = !inputs.postComment ? 'post-comment is false' : 'the token’s identity could not be read'
    for (const f of inline) moveToSummary(f, why)
    return { outcome, posted }
  }
  const byComment = new Map<InlineComment, PlacedFinding>()
  const comments = inline.map(f => {
    const comment: InlineComment = {
      path: f.finding.path,
      line: f.finding.line,
      side: f.finding.side,
      ...(f.finding.startLine === undefined ? {} : { startLine: f.finding.startLine }),
      body: context.scrub(inlineCommentBody(f.finding, f.fingerprint))
    }
    byComment.set(comment, f)
    return comment
  })
  const result = await postReview(github, repo, run.pr.number, {
    headSha: run.pr.headSha,
    body: reviewBody(run.commentUrl, {
      inline: comments.length,
      summaryOnly: outcome.findings.length - comments.length
    }),
    comments,
    identity: run.identity
  })
  for (const { comment, reason } of result.refused) {
    const f = byComment.get(comment)
    if (f !== undefined) moveToSummary(f, reason)
  }
  if ('notPosted' in result) {
    const problem = context.scrub(result.notPosted)
    log.warning(
      `The inline comments could not be posted (${problem}); the summary comment lists every finding.`
    )
    return { outcome, posted }
  }
  for (const comment of result.posted) {
    const f = byComment.get(comment)
    if (f !== undefined) posted.add(f.fingerprint)
  }
  log.info(`PR review ${result.url}: ${result.posted.length} inline comment(s).`)
  return { outcome, posted, review: { id: result.id, url: result.url } }
}

function moveToSummary(f: PlacedFinding, reason: string): void {
  f.placement = 'summary'
  f.reason = reason
}

/** The findings as the workflow reads them from `findings-file`. */
function findingsJson(run: FindingsRun, published: PublishedFindings): Record<string, unknown> {
  const { outcome } = published
  return {
    verdict: outcome.verdict.verdict,
    headSha: run.pr.headSha,
    pullRequest: run.pr.number,
    ...(outcome.unreadable === undefined ? {} : { unreadable: outcome.unreadable }),
    findings: outcome.findings.map(f => ({
      path: f.finding.path,
      line: f.finding.line,
      ...(f.finding.startLine === undefined ? {} : { startLine: f.finding.startLine }),
      side: f.finding.side,
      severity: f.finding.severity,
      title: f.finding.title,
      body: f.finding.body,
      ...(f.finding.snippet === undefined ? {} : { snippet: f.finding.snippet }),
      ...(f.finding.suggestion === undefined ? {} : { suggestion: f.finding.suggestion }),
      fingerprint: f.fingerprint,
      inline: f.placement === 'inline',
      ...(f.placement === 'earlier' ? { postedEarlier: true } : {}),
      ...(f.reason === undefined ? {} : { reason: f.reason })
    })),
    // Entries the block gave a severity but no usable place: they count for the verdict.
    unplaced: outcome.unplaced.map(f => ({ path: f.path, severity: f.severity, title: f.title })),
    carriedOver: outcome.carried,
    noLongerSeen: outcome.noLongerSeen,
    blocking: outcome.verdict.blocking.map(f => ({
      path: f.path,
      line: f.line,
      severity: f.severity,
      title: f.title
    })),
    notes: outcome.notes
  }
}

/** The action's own repository, when the runner names it (`uses: owner/name@ref`), as SARIF's tool URL. */
function informationUri(context: PipelineContext): string {
  const repository = process.env.GITHUB_ACTION_REPOSITORY ?? ''
  if (/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(repository)) return `${context.run.serverUrl}/${repository}`
  return 'https://rivya.ai'
}

/**
 * Writes `findings.json` and `findings.sarif` into a new folder under the runner's temporary
 * directory; a failure to write is said, never fatal (the comment holds the findings).
 */
export async function writeFindingsFiles(
  context: PipelineContext,
  run: FindingsRun,
  published: PublishedFindings
): Promise<{ findingsFile: string; sarifFile: string }> {
  try {
    const dir = await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'codex-review-'))
    const findingsFile = join(dir, 'findings.json')
    const sarifFile = join(dir, 'findings.sarif')
    const sarif = toSarif(
      [
        ...published.outcome.findings.map(f => ({ finding: f.finding, fingerprint: f.fingerprint })),
        ...published.outcome.unplaced.map(f => ({ finding: f, fingerprint: fingerprint(f) })),
        ...published.outcome.carried.map(f => ({ finding: asFinding(f), fingerprint: f.fp }))
      ],
      { name: 'rivya-codex-review', version: ACTION_VERSION, informationUri: informationUri(context) }
    )
    await writeFile(findingsFile, `${context.scrub(JSON.stringify(findingsJson(run, published), null, 2))}\n`)
    await writeFile(sarifFile, `${context.scrub(JSON.stringify(sarif, null, 2))}\n`)
    return { findingsFile, sarifFile }
  } catch (error) {
    context.log.warning(`The findings files could not be written: ${context.scrub(describeFailure(error))}`)
    return { findingsFile: '', sarifFile: '' }
  }
}
