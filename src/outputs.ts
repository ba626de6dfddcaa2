import * as core from '@actions/core'
import { failureTag } from './failure.js'
import { inertText } from './review/markdown.js'
import { usageTable, type ReviewReport, type Usage } from './review/render.js'

/** The action's outputs (PRODUCT.md, "Outputs"), set from one review report. */
export function setReviewOutputs(
  report: ReviewReport,
  comment: { id: number; url: string } | undefined
): void {
  setUsageOutputs(report.usage, report.sessionId, comment)
  core.setOutput('reviewed-files', String(report.reviewedFiles))
  core.setOutput('skipped-files', String(report.skipped.length))
}

/** What a review's findings left for a workflow (PRODUCT.md, "Outputs"). */
export interface FindingsOutputs {
  verdict: string
  findingsCount: number
  /** Paths of the written files; empty when none could be written. */
  findingsFile: string
  sarifFile: string
  /** The PR review holding the inline comments; undefined when none was posted. */
  reviewId: number | undefined
}

/** The verdict, the findings count, the findings and SARIF files and the PR review's id. */
export function setFindingsOutputs(o: FindingsOutputs): void {
  core.setOutput('verdict', o.verdict)
  core.setOutput('findings-count', String(o.findingsCount))
  core.setOutput('findings-file', o.findingsFile)
  core.setOutput('sarif-file', o.sarifFile)
  core.setOutput('review-id', o.reviewId === undefined ? '' : String(o.reviewId))
}

/** The outputs every Rivya conversation has: the session, the comment, the usage sums. */
export function setUsageOutputs(
  u: Usage,
  sessionId: string | undefined,
  comment: { id: number; url: string } | undefined
): void {
  core.setOutput('session-id', sessionId ?? '')
  core.setOutput('comment-id', comment !== undefined ? String(comment.id) : '')
  core.setOutput('comment-url', comment?.url ?? '')
  core.setOutput('turns', String(u.turns))
  core.setOutput('input-tokens', String(u.inputTokens))
  core.setOutput('output-tokens', String(u.outputTokens))
  core.setOutput('total-tokens', String(u.totalTokens))
  core.setOutput('credits-reserved', String(u.creditsReserved))
  core.setOutput('credits-final', String(u.creditsFinal))
}

/** The outputs of a reply that holds no review (the help, an answer). */
export function setCommentOutputs(comment: { id: number; url: string }): void {
  core.setOutput('comment-id', String(comment.id))
  core.setOutput('comment-url', comment.url)
}

/**
 * The job summary: the same usage table as the comment, with coverage and a link to the comment;
 * when no comment holds the review (`post-comment: false`, or posting failed), the review itself.
 */
export async function writeJobSummary(
  report: ReviewReport,
  comment: { url: string } | undefined,
  unposted?: { body: string; why: string }
): Promise<void> {
  const lines = [
    `## Codex review of #${report.pullNumber}`,
    '',
    outcome(report),
    '',
    usageTable(report),
    '',
    comment !== undefined
      ? `[The review comment](${comment.url})`
      : `No comment was posted: ${unposted?.why ?? 'post-comment is false'}.`
  ]
  if (unposted !== undefined) lines.push('', '---', '', reviewSection(unposted.body))
  await appendSummary(lines.join('\n'))
}

/** The summary's first line: failed (with Rivya's code and request id), partial, or complete. */
function outcome(report: ReviewReport): string {
  const verdict = report.findings !== undefined ? `**Verdict: ${report.findings.verdict}**. ` : ''
  return verdict + coverage(report)
}

function coverage(report: ReviewReport): string {
  if (report.failure !== undefined)
    return `**Failed**${failureTag(report.failure)}: ${inertText(report.failure.message)}`
  if (report.stoppedBy !== undefined)
    return `**Partial**: reviewed ${report.reviewedFiles} of ${report.totalFiles} files; stopped by ${report.stoppedBy}.`
  return `Reviewed ${report.reviewedFiles} of ${report.totalFiles} files; ${report.skipped.length} skipped.`
}

/**
 * The job summary of a `/codex` answer, written before the reply is posted: the answer is paid for,
 * so a reply GitHub refuses must not lose it. `reply` is the rendered (already safe) reply body.
 */
export async function writeAnswerSummary(pullNumber: number, reply: string): Promise<void> {
  await appendSummary([`## Codex answer on #${pullNumber}`, '', reply].join('\n'))
}

/** The comment's body from its review on: without the hidden marker lines and the title the summary has. */
function reviewSection(body: string): string {
  const title = body.indexOf('\n## ')
  const start = title < 0 ? 0 : body.indexOf('\n', title + 1) + 1
  return body.slice(start).trim()
}

/** Appends to the job summary when the runner offers one (GITHUB_STEP_SUMMARY), else does nothing. */
async function appendSummary(markdown: string): Promise<void> {
  if ((process.env.GITHUB_STEP_SUMMARY ?? '') === '') return
  await core.summary.addRaw(markdown, true).write()
}

/** A notice in the log (as a warning annotation, so the check is not a silent green) and in the job summary. */
export async function notice(title: string, text: string): Promise<void> {
  core.warning(text, { title })
  await appendSummary(`## ${title}\n\n${text}\n`)
}
