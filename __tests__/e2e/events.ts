/**
 * What the end-to-end tests hand the action: GitHub's example webhook payloads
 * (@octokit/webhooks-examples) made to name the emulated pull request, and the chat turns and
 * review comment they read back.
 */
import type { GitHubEmulator, User } from '../../emulators/github/index.js'
import type { RivyaEmulator } from '../../emulators/rivya/index.js'
import { example } from '../fixtures/webhooks.js'

export const REPOSITORY = 'octo-org/demo'
export const MARKER = '<!-- rivya-codex-review -->'

interface PullPayload {
  number: number
  draft: boolean
  head: { sha: string; repo: { full_name: string } }
  base: { sha: string; repo: { full_name: string } }
}

/** A `pull_request` payload of `action` for pull request `number` at `head` over `base`. */
export function pullRequestEvent(o: {
  number: number
  head: string
  base: string
  action?: string
}): Record<string, unknown> {
  const payload = example('pull_request', 'opened')
  const pr = payload.pull_request as PullPayload
  payload.action = o.action ?? 'opened'
  payload.number = o.number
  pr.number = o.number
  pr.draft = false
  pr.head.sha = o.head
  pr.base.sha = o.base
  pr.head.repo.full_name = REPOSITORY
  pr.base.repo.full_name = REPOSITORY
  return payload
}

/**
 * An `issue_comment.created` payload of `body` by `user`, on pull request `number` (or, with
 * `onPr: false`, on a plain issue of that number). The comment is seeded in the emulator, as it
 * exists on GitHub when the event fires.
 */
export function issueCommentEvent(
  gh: GitHubEmulator,
  o: { number: number; body: string; user?: User; onPr?: boolean }
): Record<string, unknown> {
  const user = o.user ?? { login: 'maintainer', type: 'User' }
  const onPr = o.onPr ?? true
  const payload = example('issue_comment', 'created')
  const issue = payload.issue as Record<string, unknown>
  issue.number = o.number
  if (onPr) issue.pull_request = { url: `${gh.url}/repos/${REPOSITORY}/pulls/${o.number}` }
  else delete issue.pull_request
  const seeded = gh.addComment(o.number, { body: o.body, user })
  const comment = payload.comment as Record<string, unknown>
  comment.id = seeded.id
  comment.body = o.body
  comment.user = { ...(comment.user as object), ...user }
  return payload
}

/** The chat turns Rivya was sent (any endpoint, streaming or not), oldest first. */
export function chatTurns(rivya: RivyaEmulator) {
  return rivya.requests.filter(r => r.method === 'POST' && r.path.startsWith('/api/v1/chat/completions'))
}

/** The messages of the chat turns, from the `from`th on. */
export function chatMessages(rivya: RivyaEmulator, from = 0): string[] {
  return chatTurns(rivya)
    .slice(from)
    .map(r => (r.body as { message: string }).message)
}

/** The action's review comments on pull request `number` (one, when all went well). */
export function reviewComments(gh: GitHubEmulator, number: number) {
  return gh.comments(number).filter(c => c.body.startsWith(MARKER))
}
