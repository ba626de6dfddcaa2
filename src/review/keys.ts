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
      sha256(turn.message)
    ])
  )
  return {
    idempotencyKey: `rcr-${digest.slice(0, 48)}`,
    clientRequestId: `rcr-${turn.pullNumber}-${turn.turnIndex}-${digest.slice(0, 16)}`
  }
}
