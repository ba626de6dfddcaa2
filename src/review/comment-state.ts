/**
 * The comment's identity: the hidden marker that tells the action's own comment, and the state
 * line after it that records the session, its model and the reviewed head for a later run or question.
 */
import { PLAIN_ID } from './markdown.js'

/** Hidden first line that marks the action's own comment (searched together with a bot author). */
export const COMMENT_MARKER = '<!-- rivya-codex-review -->'

const STATE_PATTERN = /^<!-- rivya-codex-review:state (\{[^\n]*\}) -->$/m

export interface CommentState {
  sessionId?: string
  headSha?: string
  /** Tokens the session holds after the review (its last turn's input and output): what a question there carries. */
  historyTokens?: number
  /**
   * The model the session was made with: Rivya refuses a turn in it with any other model, 409
   * `chat_session_conflict` (RIVYA_API.md "Errors"). Absent in comments written before it was
   * recorded: then the model is unknown.
   */
  model?: string
}

/** The hidden second line that records the session and head for later runs. */
export function stateLine(state: CommentState): string {
  return `<!-- rivya-codex-review:state ${JSON.stringify({ sessionId: plainId(state.sessionId), headSha: plainId(state.headSha), historyTokens: tokenCount(state.historyTokens), model: plainId(state.model) })} -->`
}

/** An id recorded in the state line only in the plain shape a real id has: anything else is dropped. */
function plainId(v: unknown): string | undefined {
  return typeof v === 'string' && PLAIN_ID.test(v) ? v : undefined
}

function tokenCount(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined
}

/** Reads the session and head a previous review recorded in its comment (first state line only). */
export function readCommentState(body: string): CommentState | undefined {
  const lines = body.split('\n', 3)
  if (lines[0]?.trim() !== COMMENT_MARKER) return undefined
  const match = STATE_PATTERN.exec(lines[1] ?? '')
  if (match?.[1] === undefined) return undefined
  try {
    const parsed = JSON.parse(match[1]) as Record<string, unknown>
    const historyTokens = tokenCount(parsed.historyTokens)
    const model = plainId(parsed.model)
    return {
      sessionId: plainId(parsed.sessionId),
      headSha: plainId(parsed.headSha),
      ...(historyTokens === undefined ? {} : { historyTokens }),
      ...(model === undefined ? {} : { model })
    }
  } catch {
    return undefined
  }
}
