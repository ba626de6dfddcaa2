import type { CollaboratorPermission } from './permission.js'
import type { GitHubClient, Repo } from './client.js'
import { COMMENT_MARKER } from '../review/render.js'

export interface PostedComment {
  id: number
  url: string
  created: boolean
}

interface CommentLike {
  id: number
  body?: string | null
  html_url: string
  user: { login: string; type: string } | null
}

/** The action's own comment: it starts with the marker AND a bot wrote it (a person quoting the marker never counts). */
export function isReviewComment(comment: CommentLike): boolean {
  return comment.user?.type === 'Bot' && (comment.body ?? '').split('\n', 1)[0]?.trim() === COMMENT_MARKER
}

/** The review comment of an earlier run on this pull request, if there is one. */
export async function findReviewComment(
  gh: GitHubClient,
  repo: Repo,
  issueNumber: number
): Promise<CommentLike | undefined> {
  for await (const page of gh.paginate.iterator(gh.rest.issues.listComments, {
    ...repo,
    issue_number: issueNumber,
    per_page: 100
  })) {
    const found = page.data.find(isReviewComment)
    if (found !== undefined) return found
  }
  return undefined
}

/** Creates or updates in place the one review comment of the pull request. */
export async function upsertReviewComment(
  gh: GitHubClient,
  repo: Repo,
  issueNumber: number,
  body: string,
  existing?: CommentLike
): Promise<PostedComment> {
  const current = existing ?? (await findReviewComment(gh, repo, issueNumber))
  if (current !== undefined) {
    const { data } = await gh.rest.issues.updateComment({ ...repo, comment_id: current.id, body })
    return { id: data.id, url: data.html_url, created: false }
  }
  return { ...(await createComment(gh, repo, issueNumber, body, true)), created: true }
}

/**
 * Posts a new comment. A POST is never retried blindly (a lost answer may hide a comment that
 * exists); for the review comment, a failed POST is followed by a look for the comment instead.
 */
export async function createComment(
  gh: GitHubClient,
  repo: Repo,
  issueNumber: number,
  body: string,
  isReview = false
): Promise<{ id: number; url: string }> {
  try {
    const { data } = await gh.rest.issues.createComment({
      ...repo,
      issue_number: issueNumber,
      body,
      request: { retries: 0 }
    })
    return { id: data.id, url: data.html_url }
  } catch (error) {
    if (isReview) {
      const found = await findReviewComment(gh, repo, issueNumber).catch(() => undefined)
      if (found !== undefined) return { id: found.id, url: found.html_url }
    }
    throw error
  }
}

/** Acknowledges a command comment so its author sees it was taken. */
export async function react(
  gh: GitHubClient,
  repo: Repo,
  commentId: number,
  content: 'eyes' | 'confused'
): Promise<void> {
  await gh.rest.reactions.createForIssueComment({ ...repo, comment_id: commentId, content })
}

/** A user's permission on the repository, from the collaborator-permission API. */
export async function collaboratorPermission(
  gh: GitHubClient,
  repo: Repo,
  username: string
): Promise<CollaboratorPermission> {
  const { data } = await gh.rest.repos.getCollaboratorPermissionLevel({ ...repo, username })
  return { permission: data.permission, role_name: data.role_name }
}
