/**
 * Review threads (REST "Pull request review comments"): read a review comment, tell whether a
 * thread is one of the action's inline comments, reply in it, react to a reply. A `/codex` command
 * is answered where it was written, so the command's replies and reactions are chosen here too.
 */
import type { GitHubClient, Repo } from './client.js'
import { createComment, react, writtenBy, type TokenIdentity } from './comments.js'
import type { ReviewThreadRef } from './event.js'

/**
 * The hidden line each inline comment of the action holds (written by src/review/inline.ts): a
 * finding's fingerprint. Matched as a whole line, so a comment quoting it inline is not one.
 */
const FINDING_MARKER_LINE = /^<!-- rivya-codex-finding [0-9a-f]{32} -->$/i

/** A review comment, as much of it as a thread's context and its authorship need. */
export interface ThreadComment {
  id: number
  body: string
  user: { login: string; type: string } | null
  path: string
  /** The line in the pull request's current diff; GitHub leaves it out once the comment is outdated. */
  line: number | undefined
  /** The line when the comment was written. */
  originalLine: number | undefined
  side: 'LEFT' | 'RIGHT'
  /** GitHub's hunk of the comment: from the hunk's `@@` line down to the commented line. */
  diffHunk: string
  /** Set on a reply: the thread's first comment. */
  inReplyToId: number | undefined
}

/** A review comment by id (`GET /repos/{o}/{r}/pulls/comments/{id}`). */
export async function readReviewComment(
  gh: GitHubClient,
  repo: Repo,
  commentId: number
): Promise<ThreadComment> {
  const { data } = await gh.rest.pulls.getReviewComment({ ...repo, comment_id: commentId })
  const user = data.user
  return {
    id: data.id,
    body: data.body,
    user: user === null ? null : { login: user.login, type: user.type },
    path: data.path,
    line: data.line ?? undefined,
    originalLine: data.original_line ?? undefined,
    side: data.side === 'LEFT' ? 'LEFT' : 'RIGHT',
    diffHunk: data.diff_hunk,
    inReplyToId: data.in_reply_to_id ?? undefined
  }
}

/**
 * Whether a body ends with the finding marker line, as the action's inline comments do (GitHub may
 * hand it back with CRLF breaks or trailing blank lines). A marker anywhere else is a quote: the
 * same token writes other comments (another workflow's linter, a PAT's human) that can quote a line
 * of the pull request holding it.
 */
export function holdsFindingMarker(body: string): boolean {
  const last = body
    .split('\n')
    .map(line => line.trim())
    .filter(line => line !== '')
    .at(-1)
  return last !== undefined && FINDING_MARKER_LINE.test(last)
}

/** The body without its finding marker line: the marker is for the action, not for the model. */
export function withoutFindingMarker(body: string): string {
  return body
    .split('\n')
    .filter(line => !FINDING_MARKER_LINE.test(line.trim()))
    .join('\n')
}

/**
 * One of the action's inline comments: the token's identity wrote it AND it holds the finding
 * marker. Neither alone: a human can quote the marker, and the same bot writes other comments.
 */
export function isActionInlineComment(comment: ThreadComment, identity: TokenIdentity): boolean {
  return writtenBy(comment.user, identity) && holdsFindingMarker(comment.body)
}

/** Where a `/codex` command was written, as its trigger names it. */
export interface CommandComment {
  pullNumber: number
  commentId: number
  thread?: ReviewThreadRef | undefined
}

/**
 * Replies where the command was written: in its review thread, else on the pull request. A reply
 * goes to the thread's root: GitHub's "Create a reply for a review comment" does not support
 * replies to replies. Like any comment, it is posted without a blind retry (see createComment).
 */
export async function replyToCommand(
  gh: GitHubClient,
  repo: Repo,
  command: CommandComment,
  body: string
): Promise<{ id: number; url: string }> {
  if (command.thread === undefined) return createComment(gh, repo, command.pullNumber, body)
  const { data } = await gh.rest.pulls.createReplyForReviewComment({
    ...repo,
    pull_number: command.pullNumber,
    comment_id: command.thread.rootId,
    body,
    request: { retries: 0 }
  })
  return { id: data.id, url: data.html_url }
}

/** Reacts to the command's comment: issue comments and review comments have endpoints of their own. */
export async function reactToCommand(
  gh: GitHubClient,
  repo: Repo,
  command: CommandComment,
  content: 'eyes' | 'confused'
): Promise<void> {
  if (command.thread === undefined) return react(gh, repo, command.commentId, content)
  await gh.rest.reactions.createForPullRequestReviewComment({
    ...repo,
    comment_id: command.commentId,
    content
  })
}
