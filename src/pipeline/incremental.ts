import type { Comparison } from '../github/compare.js'
import type { Incomplete } from '../review/comment-state.js'
import type { EventContext } from '../github/event.js'
import { describeFailure } from '../failure.js'
import type { DiffFile } from '../review/diff.js'
import type { ActiveTrigger } from './context.js'

/** What a review covers: the whole pull request, or the files changed since the reviewed head. */
export type ReviewScope =
  | {
      kind: 'full'
      /** Why not incremental, for the comment and the log; absent when there is no earlier review. */
      why?: string
    }
  | {
      kind: 'incremental'
      /** The head the earlier review covered. */
      since: string
      /** Paths changed since then (both names of a renamed file). */
      files: Set<string>
      /** The changes since then, file by file (`narrowToPushedHunks`). */
      pushDiff: DiffFile[]
    }

export interface ScopeInput {
  trigger: ActiveTrigger
  /** The run's event, whose `action` tells a push (`synchronize`) from the other pull_request actions. */
  event: EventContext
  /** The `incremental` input. */
  incremental: boolean
  /** The head the comment's state says was reviewed last. */
  recordedHead: string | undefined
  /** Set when the comment's state says its review is no base for an incremental one (comment-state.ts). */
  recordedIncomplete?: Incomplete
  /** The head this run reviews (the pull request's, as read with its diff). */
  head: string
  /** `compareCommits` bound to the repository. */
  compare: (base: string, head: string) => Promise<Comparison>
}

const sha7 = (sha: string) => sha.slice(0, 7)

/**
 * Why an incomplete earlier review is no base: what it never reached (or the findings it could not
 * keep) lies outside what a push changed, so an incremental review would never look at it again.
 */
const INCOMPLETE_WHY: Readonly<Record<Incomplete, (sha: string) => string>> = {
  coverage: sha => `the review of ${sha} did not cover everything; reviewed again in full`,
  findings: sha => `not every open finding of the review of ${sha} is on record; reviewed again in full`
}

/** The reason a trigger asks for a full review, or undefined for a push. */
function fullByTrigger(trigger: ActiveTrigger, event: EventContext): string | undefined {
  if (trigger.kind === 'dispatch') return 'a workflow_dispatch run reviews in full'
  if (trigger.kind === 'comment') return `${trigger.reason} asks for a full review`
  const action = typeof event.payload.action === 'string' ? event.payload.action : undefined
  if (action !== 'synchronize') return `${event.eventName}.${action ?? '?'} reviews in full`
  return undefined
}

/**
 * Whether this review covers only what changed since the reviewed head (PRODUCT.md, "Diff
 * collection"): on a push, when that head is an ancestor of the new one (the compare API's
 * `ahead`), and the comparison lists every file. Anything else is a full review, with the reason:
 * `incremental: false`, a trigger other than a push (`/codex review`, workflow_dispatch, a PR
 * opened, reopened or marked ready), no earlier review, history rewritten (a force-push or rebase:
 * `behind`, `diverged`, the old commit gone), more files than the comparison lists, or a
 * comparison that failed (a full review costs more but is never wrong), or an earlier review that
 * was incomplete (its coverage, or the findings its comment could keep).
 *
 * The same head as recorded (a re-run, a second event for the head) is reviewed in full as well:
 * an incremental review would have nothing to send and no summary to show, and a full review of
 * an unchanged head sends the turns an earlier full review sent, which Rivya replays under their
 * Idempotency-Keys instead of billing them again.
 */
export async function decideScope(input: ScopeInput): Promise<ReviewScope> {
  if (!input.incremental) return { kind: 'full', why: 'incremental is off' }
  const byTrigger = fullByTrigger(input.trigger, input.event)
  if (byTrigger !== undefined) return { kind: 'full', why: byTrigger }
  const since = input.recordedHead
  if (since === undefined) return { kind: 'full' }
  if (input.recordedIncomplete !== undefined) {
    return { kind: 'full', why: INCOMPLETE_WHY[input.recordedIncomplete](sha7(since)) }
  }
  const same = `the comment already shows a review of ${sha7(since)}, the head now; reviewed again in full`
  if (since === input.head) return { kind: 'full', why: same }
  let comparison: Comparison
  try {
    comparison = await input.compare(since, input.head)
  } catch (error) {
    return {
      kind: 'full',
      why: `the changes since ${sha7(since)} could not be read (${describeFailure(error)})`
    }
  }
  if ('missing' in comparison) {
    return {
      kind: 'full',
      why: `${sha7(since)}, the head reviewed before, is gone (history rewritten by a force-push)`
    }
  }
  switch (comparison.status) {
    case 'identical':
      return { kind: 'full', why: same }
    case 'behind':
    case 'diverged':
      return {
        kind: 'full',
        why: `history was rewritten since ${sha7(since)} (force-push or rebase: the new head is ${comparison.status === 'behind' ? 'behind it' : 'not a descendant of it'})`
      }
    case 'ahead':
      break
  }
  if (comparison.truncated === true) {
    return {
      kind: 'full',
      why: `more files changed since ${sha7(since)} than GitHub's comparison lists (300)`
    }
  }
  return { kind: 'incremental', since, files: new Set(comparison.files), pushDiff: comparison.diff }
}
