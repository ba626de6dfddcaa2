import { createHash } from 'node:crypto'

/** What makes one turn of one review the same logical turn, across retries and workflow re-runs. */
export interface TurnIdentity {
  repository: string
  pullNumber: number
  headSha: string
  /** The workflow run id (same across re-runs of a run) or the command comment's id. */
  trigger: string
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
 * turn and for a re-run of the same workflow run (so Rivya replays instead of charging twice),
 * different as soon as anything that shapes the turn differs.
 */
export function turnKeys(turn: TurnIdentity): TurnKeys {
  const digest = sha256(
    JSON.stringify([
      'rivya-codex-review/v1',
      turn.repository,
      turn.pullNumber,
      turn.headSha,
      turn.trigger,
      turn.turnIndex,
      sha256(turn.message),
      turn.model,
      turn.reasoningEffort,
      turn.enableWebSearch,
      turn.sessionId ?? null
    ])
  )
  return {
    idempotencyKey: `rcr-${digest.slice(0, 48)}`,
    clientRequestId: `rcr-${turn.pullNumber}-${turn.turnIndex}-${digest.slice(0, 16)}`
  }
}
