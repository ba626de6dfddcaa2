/**
 * The pull-request review that holds the inline comments (REST "Create a review for a pull
 * request"): one per run, `event: COMMENT` (never APPROVE: the action has no say in a merge),
 * `commit_id` = the head reviewed, so GitHub checks the lines against that commit's diff.
 *
 * GitHub creates a review all or nothing, and its 422 does not say which comment it refused
 * ("Line could not be resolved", "Path could not be resolved", "… start line must be part of the
 * same hunk as the line": none names an index, see docs/emulators.md). The lines are checked in
 * code before posting (src/review/anchor.ts), so a refusal means GitHub disagrees with that check:
 * the review is posted once more without any inline comment, and the refused ones are the
 * caller's to list in the summary. Never one call per comment, never lost.
 */
import { httpStatus, type GitHubClient, type Repo } from './client.js'
import { writtenBy, type TokenIdentity } from './comments.js'

/** One inline comment as the review API takes it. */
export interface InlineComment {
  path: string
  line: number
  side: 'LEFT' | 'RIGHT'
  startLine?: number
  body: string
}

export interface ReviewPosting {
  /** The head reviewed: the review's `commit_id`. */
  headSha: string
  /** The review's own text (a link to the summary comment). */
  body: string
  comments: readonly InlineComment[]
  identity: TokenIdentity
}

export type PostedReview =
  | {
      id: number
      url: string
      /** The comments GitHub holds in this review. */
      posted: InlineComment[]
      /** Comments GitHub refused (all of them when it would not take the review with them), and why. */
      refused: { comment: InlineComment; reason: string }[]
    }
  | { notPosted: string; refused: { comment: InlineComment; reason: string }[] }

/** Hidden first line of the action's reviews, with the head: a review found after a lost answer is ours. */
const REVIEW_MARKER = (headSha: string) => `<!-- rivya-codex-review:review ${headSha} -->`

const MAX_REASON = 300

/** GitHub's words of a refusal: its `errors` sentences or its message, bounded, on one line. */
function refusalText(error: unknown): string {
  const response = (error as { response?: { data?: unknown } } | null)?.response?.data
  const data = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {}
  const errors = Array.isArray(data.errors)
    ? data.errors.map(e => (typeof e === 'string' ? e : JSON.stringify(e)))
    : []
  const message = typeof data.message === 'string' ? data.message : ''
  const words = errors.length > 0 ? errors.join('; ') : message
  const text = (words || (error instanceof Error ? error.message : String(error))).replace(/\s+/g, ' ').trim()
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text
}

function apiComment(c: InlineComment): Record<string, unknown> {
  return {
    path: c.path,
    line: c.line,
    side: c.side,
    ...(c.startLine === undefined ? {} : { start_line: c.startLine, start_side: c.side }),
    body: c.body
  }
}

/**
 * Posts the run's review with its inline comments; on a 422 once more without them. Nothing to
 * post inline: no review (a review without comments would only repeat the summary comment).
 */
export async function postReview(
  gh: GitHubClient,
  repo: Repo,
  pullNumber: number,
  posting: ReviewPosting
): Promise<PostedReview> {
  if (posting.comments.length === 0) return { notPosted: 'no inline comment to post', refused: [] }
  const body = `${REVIEW_MARKER(posting.headSha)}\n${posting.body}`
  try {
    const review = await create(gh, repo, pullNumber, posting, body, posting.comments)
    return { ...review, posted: [...posting.comments], refused: [] }
  } catch (error) {
    if (httpStatus(error) !== 422) {
      return { notPosted: refusalText(error), refused: refuseAll(posting.comments, refusalText(error)) }
    }
    const reason = `GitHub refused the review's inline comments (${refusalText(error)})`
    const refused = refuseAll(posting.comments, reason)
    const note = `\n\n${posting.comments.length} inline comment(s) could not be placed on the diff; the summary comment lists them.`
    try {
      const review = await create(gh, repo, pullNumber, posting, body + note, [])
      return { ...review, posted: [], refused }
    } catch (again) {
      return { notPosted: refusalText(again), refused }
    }
  }
}

function refuseAll(comments: readonly InlineComment[], reason: string) {
  return comments.map(comment => ({ comment, reason }))
}

/**
 * One POST, never retried blindly (a lost answer may hide a review that exists): after a failure
 * other than GitHub's refusal, the reviews are listed and one of ours for this head is taken.
 */
async function create(
  gh: GitHubClient,
  repo: Repo,
  pullNumber: number,
  posting: ReviewPosting,
  body: string,
  comments: readonly InlineComment[]
): Promise<{ id: number; url: string }> {
  try {
    const { data } = await gh.rest.pulls.createReview({
      ...repo,
      pull_number: pullNumber,
      commit_id: posting.headSha,
      event: 'COMMENT',
      body,
      comments: comments.map(apiComment) as never,
      request: { retries: 0 }
    })
    return { id: data.id, url: data.html_url }
  } catch (error) {
    const status = httpStatus(error)
    if (status !== undefined && status < 500) throw error
    const found = await findReview(gh, repo, pullNumber, body, posting.identity).catch(() => undefined)
    if (found === undefined) throw error
    return found
  }
}

/** Our review with exactly `body` (its marker names the head), if GitHub holds one. */
async function findReview(
  gh: GitHubClient,
  repo: Repo,
  pullNumber: number,
  body: string,
  identity: TokenIdentity
): Promise<{ id: number; url: string } | undefined> {
  for await (const page of gh.paginate.iterator(gh.rest.pulls.listReviews, {
    ...repo,
    pull_number: pullNumber,
    per_page: 100
  })) {
    const ours = page.data.find(r => writtenBy(r.user, identity) && r.body === body)
    if (ours !== undefined) return { id: ours.id, url: ours.html_url }
  }
  return undefined
}

/**
 * The marked inline comments the token's identity has left on the pull request: what an earlier
 * run posted, so the same finding is not posted again. `marker` reads a body's finding id.
 */
export async function postedFindings(
  gh: GitHubClient,
  repo: Repo,
  pullNumber: number,
  identity: TokenIdentity,
  marker: (body: string) => string | undefined
): Promise<Set<string>> {
  const found = new Set<string>()
  for await (const page of gh.paginate.iterator(gh.rest.pulls.listReviewComments, {
    ...repo,
    pull_number: pullNumber,
    per_page: 100
  })) {
    for (const c of page.data) {
      if (!writtenBy(c.user, identity)) continue
      const id = marker(c.body)
      if (id !== undefined) found.add(id)
    }
  }
  return found
}
