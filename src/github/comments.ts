import type { CollaboratorPermission } from './permission.js'
import { httpStatus, type GitHubClient, type Repo } from './client.js'
import { COMMENT_MARKER } from '../review/comment-state.js'

export interface PostedComment {
  id: number
  url: string
  created: boolean
}

/** The comment left as it is because it shows a newer head than this run reviewed. */
export interface KeptNewerComment {
  id: number
  url: string
  /** The head the comment records. */
  newerHead: string
}

interface CommentLike {
  id: number
  body?: string | null
  html_url: string
  created_at?: string
  user: { login: string; type: string } | null
}

/** Who the token writes as: comments by anyone else are never the action's. */
export interface TokenIdentity {
  login: string
  bot: boolean
}

/** The workflow token's identity (GitHub's "GITHUB_TOKEN" docs: its comments show as github-actions[bot]). */
export const WORKFLOW_BOT: TokenIdentity = { login: 'github-actions[bot]', bot: true }

/** A bot's login with and without `[bot]`: REST shows `name[bot]`, GraphQL's `Bot.login` only `name`. */
function sameLogin(a: string, b: string): boolean {
  const bare = (login: string) => login.replace(/\[bot\]$/i, '').toLowerCase()
  return bare(a) === bare(b)
}

/**
 * The identity of the token. `GET /user` answers for a personal access token (classic or
 * fine-grained) with its user; for an installation token (the workflow token is one) it answers
 * 403 "Resource not accessible by integration" (GitHub's REST docs list no installation access
 * for it). Then GraphQL's `viewer` names the app's bot; where that fails too, the workflow bot is
 * assumed, and the comment the action creates corrects it (its author is the token's identity).
 */
export async function tokenIdentity(gh: GitHubClient): Promise<TokenIdentity> {
  try {
    const { data } = await gh.rest.users.getAuthenticated()
    return { login: data.login, bot: data.type === 'Bot' }
  } catch (error) {
    const status = httpStatus(error)
    if (status !== 401 && status !== 403 && status !== 404) throw error
  }
  try {
    const data = await gh.graphql<{ viewer?: { login?: unknown } }>('query { viewer { login } }')
    const login = data.viewer?.login
    if (typeof login === 'string' && /^[A-Za-z0-9-]+(\[bot\])?$/.test(login)) return { login, bot: true }
  } catch {
    // Not every installation token may read the viewer; the fallback below is corrected on posting.
  }
  return WORKFLOW_BOT
}

/** Whether the token's identity wrote a comment by `user` (a bot's login with or without `[bot]`). */
export function writtenBy(user: { login: string; type: string } | null, identity: TokenIdentity): boolean {
  return user !== null && (user.type === 'Bot') === identity.bot && sameLogin(user.login, identity.login)
}

/** The action's own comment: it starts with the marker AND the token's identity wrote it. */
export function isReviewComment(comment: CommentLike, identity: TokenIdentity): boolean {
  if (!writtenBy(comment.user, identity)) return false
  return (comment.body ?? '').split('\n', 1)[0]?.trim() === COMMENT_MARKER
}

/** Every review comment of the action on the pull request, oldest first. */
async function listReviewComments(
  gh: GitHubClient,
  repo: Repo,
  issueNumber: number,
  identity: TokenIdentity
): Promise<CommentLike[]> {
  const found: CommentLike[] = []
  for await (const page of gh.paginate.iterator(gh.rest.issues.listComments, {
    ...repo,
    issue_number: issueNumber,
    per_page: 100
  })) {
    found.push(...page.data.filter(c => isReviewComment(c, identity)))
  }
  // GitHub lists issue comments in ascending creation order; ids grow with it too.
  return found.sort((a, b) => a.id - b.id)
}

/** The review comment of an earlier run on this pull request (the oldest, if runs raced), if there is one. */
export async function findReviewComment(
  gh: GitHubClient,
  repo: Repo,
  issueNumber: number,
  identity: TokenIdentity
): Promise<CommentLike | undefined> {
  return (await listReviewComments(gh, repo, issueNumber, identity))[0]
}

export interface UpsertOptions {
  identity: TokenIdentity
  /** The head this run reviewed. */
  headSha: string
  /** Whether `recordedHead`, the head an existing comment shows, is newer than `headSha`. */
  isNewer: (recordedHead: string) => Promise<boolean>
  /** The head an existing comment records (see readCommentState). */
  recordedHead: (body: string) => string | undefined
}

/**
 * Creates or updates in place the one review comment of the pull request, never overwriting the
 * review of a newer head. Runs racing each other may each create one: after creating, the
 * comments are listed again and the oldest is kept, the others deleted, so one comment is left.
 */
export async function upsertReviewComment(
  gh: GitHubClient,
  repo: Repo,
  issueNumber: number,
  body: string,
  options: UpsertOptions
): Promise<PostedComment | KeptNewerComment> {
  const existing = await listReviewComments(gh, repo, issueNumber, options.identity)
  const keep = existing[0]
  if (keep !== undefined) {
    const written = await updateUnlessNewer(gh, repo, keep, body, options)
    if ('newerHead' in written) return written
    await deleteComments(gh, repo, existing.slice(1))
    return written
  }
  const created = await createComment(gh, repo, issueNumber, body, true, options.identity)
  // The author of what the token just wrote is its identity, whatever was assumed before.
  const identity = created.author ?? options.identity
  const now = await listReviewComments(gh, repo, issueNumber, identity)
  const first = now[0]
  if (first === undefined || first.id === created.id) {
    await deleteComments(gh, repo, now.slice(1))
    return { id: created.id, url: created.url, created: true }
  }
  // Another run created one first: that one stays, with the newer of the two reviews.
  await deleteComments(
    gh,
    repo,
    now.filter(c => c.id !== first.id)
  )
  return updateUnlessNewer(gh, repo, first, body, options)
}

/** Reads of the comment before giving up on seeing it hold still (each run writes it once). */
const STABLE_READS = 3

/**
 * Updates `comment` with `body` unless it records a newer head. Deciding "newer" takes GitHub
 * calls, and a newer run may write the comment meanwhile: the comment is read again just before
 * the update and decided again when it changed. GitHub has no conditional update of a comment,
 * so a write between that read and the update can still land first; the window is one request.
 */
async function updateUnlessNewer(
  gh: GitHubClient,
  repo: Repo,
  comment: CommentLike,
  body: string,
  options: UpsertOptions
): Promise<PostedComment | KeptNewerComment> {
  let current = comment
  for (let read = 0; read < STABLE_READS; read++) {
    const kept = await keptIfNewer(current, options)
    if (kept !== undefined) return kept
    const { data: fresh } = await gh.rest.issues.getComment({ ...repo, comment_id: current.id })
    if ((fresh.body ?? '') === (current.body ?? '')) break
    current = { ...current, body: fresh.body ?? '' }
    if (read === STABLE_READS - 1) {
      const last = await keptIfNewer(current, options)
      if (last !== undefined) return last
    }
  }
  const { data } = await gh.rest.issues.updateComment({ ...repo, comment_id: current.id, body })
  return { id: data.id, url: data.html_url, created: false }
}

async function keptIfNewer(
  comment: CommentLike,
  options: UpsertOptions
): Promise<KeptNewerComment | undefined> {
  const recorded = options.recordedHead(comment.body ?? '')
  if (recorded === undefined || recorded === options.headSha) return undefined
  if (!(await options.isNewer(recorded))) return undefined
  return { id: comment.id, url: comment.html_url, newerHead: recorded }
}

async function deleteComments(gh: GitHubClient, repo: Repo, comments: readonly CommentLike[]): Promise<void> {
  for (const c of comments) {
    await gh.rest.issues.deleteComment({ ...repo, comment_id: c.id }).catch((error: unknown) => {
      // Another run deleting the same duplicate first is the race going right.
      if (httpStatus(error) !== 404) throw error
    })
  }
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
  isReview = false,
  identity: TokenIdentity = WORKFLOW_BOT
): Promise<{ id: number; url: string; author?: TokenIdentity }> {
  try {
    const { data } = await gh.rest.issues.createComment({
      ...repo,
      issue_number: issueNumber,
      body,
      request: { retries: 0 }
    })
    const author = data.user === null ? undefined : { login: data.user.login, bot: data.user.type === 'Bot' }
    return { id: data.id, url: data.html_url, ...(author === undefined ? {} : { author }) }
  } catch (error) {
    if (isReview) {
      const found = await findReviewComment(gh, repo, issueNumber, identity).catch(() => undefined)
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
