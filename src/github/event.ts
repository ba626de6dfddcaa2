import type { Command } from '../review/command.js'
import { parseCommand } from '../review/command.js'

/** The pull_request actions that start a review (PRODUCT.md, "Triggers"). */
export const REVIEW_ACTIONS = ['opened', 'synchronize', 'reopened', 'ready_for_review'] as const

/** What the event asks of the action, decided from the event alone, before any API call. */
export type Trigger =
  | {
      kind: 'pull-request'
      pullNumber: number
      /** Why the review runs, for the log. */
      reason: string
      headSha: string | undefined
    }
  | {
      kind: 'comment'
      pullNumber: number
      reason: string
      command: Command
      /** The command's comment: an issue comment, or a review comment when `thread` is set. */
      commentId: number
      commenter: string
      /** Set when the command is a reply in a review thread (`pull_request_review_comment`). */
      thread?: ReviewThreadRef
    }
  | { kind: 'dispatch'; pullNumber: number; reason: string }
  | { kind: 'skip'; reason: string }

/**
 * The review thread a command was written in. Only the thread's root says whether the thread is
 * one of the action's inline comments, and reading it takes an API call, so the pipeline checks it.
 */
export interface ReviewThreadRef {
  /** The thread's first comment: the one the reply's `in_reply_to_id` names, or the comment itself. */
  rootId: number
}

export interface EventContext {
  eventName: string
  payload: Record<string, unknown>
}

export interface TriggerOptions {
  triggerPhrase: string
  reviewDrafts: boolean
  /** The `pull-request` input. */
  pullRequest: number | undefined
}

export class TriggerError extends Error {
  override name = 'TriggerError'
}

type Json = Record<string, unknown>

function object(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function number(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined
}

/** A bot account: GitHub marks apps with `type: Bot`; their logins end in `[bot]`. */
export function isBot(user: Json | undefined): boolean {
  return user?.type === 'Bot' || (text(user?.login) ?? '').endsWith('[bot]')
}

/** Decides, from the event name and payload only, whether and why to run. */
export function decideTrigger(event: EventContext, options: TriggerOptions): Trigger {
  const { eventName, payload } = event
  const action = text(payload.action)
  switch (eventName) {
    case 'pull_request':
    case 'pull_request_target': {
      const pr = object(payload.pull_request)
      const pullNumber = number(pr?.number) ?? number(payload.number)
      if (pr === undefined || pullNumber === undefined) {
        return { kind: 'skip', reason: `The ${eventName} event carries no pull request; nothing to review.` }
      }
      if (!(REVIEW_ACTIONS as readonly string[]).includes(action ?? '')) {
        return {
          kind: 'skip',
          reason: `${eventName}.${action ?? '?'} does not start a review (reviewed on: ${REVIEW_ACTIONS.join(', ')}).`
        }
      }
      if (pr.draft === true && !options.reviewDrafts) {
        return {
          kind: 'skip',
          reason: `Pull request #${pullNumber} is a draft; it is reviewed when marked ready (or set review-drafts: true).`
        }
      }
      return {
        kind: 'pull-request',
        pullNumber,
        reason: `${eventName}.${action}`,
        headSha: text(object(pr.head)?.sha)
      }
    }
    case 'issue_comment': {
      const issue = object(payload.issue)
      const comment = object(payload.comment)
      const pullNumber = number(issue?.number)
      const commentId = number(comment?.id)
      if (action !== 'created') {
        return {
          kind: 'skip',
          reason: `issue_comment.${action ?? '?'} is ignored; only new comments are commands.`
        }
      }
      if (
        issue === undefined ||
        comment === undefined ||
        pullNumber === undefined ||
        commentId === undefined
      ) {
        return { kind: 'skip', reason: 'The issue_comment event carries no issue or comment; nothing to do.' }
      }
      if (object(issue.pull_request) === undefined) {
        return {
          kind: 'skip',
          reason: `#${pullNumber} is an issue, not a pull request; comment commands work on pull requests.`
        }
      }
      const command = parseCommand(text(comment.body) ?? '', options.triggerPhrase)
      if (command === undefined) {
        return {
          kind: 'skip',
          reason: `The comment does not start with ${options.triggerPhrase}; nothing to do.`
        }
      }
      const user = object(comment.user)
      const commenter = text(user?.login) ?? ''
      if (isBot(user)) {
        return {
          kind: 'skip',
          reason: `The comment is by a bot (${commenter || 'unknown'}); bots never trigger a review.`
        }
      }
      return {
        kind: 'comment',
        pullNumber,
        reason: `${options.triggerPhrase} ${command.kind} by @${commenter}`,
        command,
        commentId,
        commenter
      }
    }
    case 'pull_request_review_comment':
      return decideThreadReply(payload, action, options)
    case 'workflow_dispatch': {
      if (options.pullRequest === undefined) {
        throw new TriggerError(
          'workflow_dispatch needs the pull request number: pass it as the pull-request input (for example pull-request: ${{ inputs.pr }})'
        )
      }
      return { kind: 'dispatch', pullNumber: options.pullRequest, reason: 'workflow_dispatch' }
    }
    default:
      return {
        kind: 'skip',
        reason: `The ${eventName || 'unknown'} event does not start a review (use pull_request, pull_request_target, issue_comment, pull_request_review_comment or workflow_dispatch).`
      }
  }
}

/**
 * A new review comment (PRODUCT.md, "Triggers"): a command when it starts with the trigger phrase
 * and a person wrote it. Whether its thread is one of the action's is the pipeline's to check.
 */
function decideThreadReply(payload: Json, action: string | undefined, options: TriggerOptions): Trigger {
  if (action !== 'created') {
    return {
      kind: 'skip',
      reason: `pull_request_review_comment.${action ?? '?'} is ignored; only new replies in a review thread are commands.`
    }
  }
  const comment = object(payload.comment)
  const pullNumber = number(object(payload.pull_request)?.number)
  const commentId = number(comment?.id)
  if (comment === undefined || pullNumber === undefined || commentId === undefined) {
    return {
      kind: 'skip',
      reason: 'The pull_request_review_comment event carries no pull request or comment; nothing to do.'
    }
  }
  const command = parseCommand(text(comment.body) ?? '', options.triggerPhrase)
  if (command === undefined) {
    return {
      kind: 'skip',
      reason: `The review comment does not start with ${options.triggerPhrase}; nothing to do.`
    }
  }
  const user = object(comment.user)
  const commenter = text(user?.login) ?? ''
  if (isBot(user)) {
    return {
      kind: 'skip',
      reason: `The review comment is by a bot (${commenter || 'unknown'}); bots never trigger a review.`
    }
  }
  return {
    kind: 'comment',
    pullNumber,
    reason: `${options.triggerPhrase} ${command.kind} by @${commenter} in a review thread`,
    command,
    commentId,
    commenter,
    thread: { rootId: number(comment.in_reply_to_id) ?? commentId }
  }
}

/**
 * Whether a pull_request run is one where GitHub withholds secrets (a fork's PR, or Dependabot's),
 * which is why the key arrives empty there and the right answer is a visible notice, not a failure.
 * A review comment on a fork's PR runs the same way (GitHub's "Events that trigger workflows" gives
 * `pull_request_review_comment` the forked-repository rules of `pull_request`).
 */
export function secretsWithheld(event: EventContext, actor: string): boolean {
  if (event.eventName !== 'pull_request' && event.eventName !== 'pull_request_review_comment') return false
  const pr = object(event.payload.pull_request)
  const headRepo = text(object(object(pr?.head)?.repo)?.full_name)
  const baseRepo = text(object(object(pr?.base)?.repo)?.full_name)
  const fromFork = headRepo === undefined || (baseRepo !== undefined && headRepo !== baseRepo)
  return fromFork || actor === 'dependabot[bot]'
}
