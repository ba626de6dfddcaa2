import { createHash, createHmac } from 'node:crypto'
import type { Inputs } from '../inputs.js'

/**
 * What makes one turn the same logical turn: what it sends, and where. Not the workflow run: any
 * run that sends identical content (a re-run, a second job, the next event for the same head)
 * must replay the stored answer instead of paying again.
 */
export interface TurnIdentity {
  repository: string
  pullNumber: number
  headSha: string
  /**
   * The command comment's id for an explicit `/codex` command (PRODUCT.md: a fresh review, or a
   * question, each time someone asks); undefined for every other review.
   */
  commentId: number | undefined
  turnIndex: number
  message: string
  /**
   * The rest of the request body: another model, effort, web-search setting or session makes
   * another turn (two jobs of one run with other settings must not share keys: Rivya would
   * answer the second with `idempotency_conflict`).
   */
  model: string
  reasoningEffort: string
  enableWebSearch: boolean
  /** Undefined for a session's first turn. */
  sessionId: string | undefined
  /**
   * The image `file_id`s the turn attaches: another image is another turn. Left out of the key
   * when there are none, so turns without images keep the keys they always had.
   */
  attachments?: readonly string[]
}

export interface TurnKeys {
  idempotencyKey: string
  clientRequestId: string
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/**
 * The `Idempotency-Key` and `client_request_id` of a turn: equal for every attempt of the same
 * turn and for any run sending the same content (so Rivya replays instead of charging twice),
 * different as soon as anything that shapes the turn differs. An HMAC under the Rivya key
 * (`secret`): repository, PR, head and diff are public, and RIVYA_API.md does not say that an
 * Idempotency-Key is scoped to the account, so a plain hash could be computed and claimed first by
 * anyone (a replay of their answer, or an `idempotency_conflict` that blocks the review).
 */
export function turnKeys(secret: string, turn: TurnIdentity): TurnKeys {
  const digest = createHmac('sha256', secret)
    .update(
      JSON.stringify([
        'rivya-codex-review/v2',
        turn.repository,
        turn.pullNumber,
        turn.headSha,
        turn.commentId ?? null,
        turn.turnIndex,
        sha256(turn.message),
        turn.model,
        turn.reasoningEffort,
        turn.enableWebSearch,
        turn.sessionId ?? null,
        ...(turn.attachments === undefined || turn.attachments.length === 0 ? [] : [turn.attachments])
      ]),
      'utf8'
    )
    .digest('hex')
  return {
    idempotencyKey: `rcr-${digest.slice(0, 48)}`,
    clientRequestId: `rcr-${turn.pullNumber}-${turn.turnIndex}-${digest.slice(0, 16)}`
  }
}

/** The keys of turn `turnIndex` sending `message` (with `attachments`) in session `sessionId` (undefined: the first). */
export type TurnKeysOf = (
  turnIndex: number,
  message: string,
  sessionId: string | undefined,
  attachments?: readonly string[]
) => TurnKeys

/** The turn identity's part that one review or question shares across its turns. */
type TurnScope = Pick<TurnIdentity, 'repository' | 'pullNumber' | 'headSha' | 'commentId'>

/**
 * The keys of each turn of one review or question, from what it sends: no run id, so any run
 * reviewing identical content replays; the comment id only for an explicit `/codex` command
 * (PRODUCT.md "Rivya session").
 */
export function keysFor(
  inputs: Pick<Inputs, 'rivyaApiKey' | 'model' | 'reasoningEffort' | 'enableWebSearch'>,
  scope: TurnScope
): TurnKeysOf {
  return (turnIndex, message, sessionId, attachments) =>
    turnKeys(inputs.rivyaApiKey, {
      ...scope,
      turnIndex,
      message,
      model: inputs.model,
      reasoningEffort: inputs.reasoningEffort,
      enableWebSearch: inputs.enableWebSearch,
      sessionId,
      ...(attachments === undefined ? {} : { attachments })
    })
}
