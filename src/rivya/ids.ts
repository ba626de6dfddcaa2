/**
 * Strings Rivya sends that the action shows or sends back (session ids, error codes, request and
 * completion ids) are data from outside: they reach the comment, the job summary, outputs and
 * logs. Each passes a strict pattern at the client boundary, so none can carry markup, a mention,
 * a line break or a novel. The patterns take every id shape Rivya documents (`chat_session_…`,
 * `req_…`, `chatcmpl_…`, snake_case codes: RIVYA_API.md) and the usual others (UUIDs, ULIDs).
 */

/** Session ids: the same pattern the comment's state line checks (src/review/comment-state.ts). */
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/
/** Request and completion ids. */
const TRACE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/
/** Error codes: documented ones are snake_case; dots and dashes are tolerated. */
const ERROR_CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/

/** Stands in for an error code that is not a plausible code; the status then decides. */
export const UNREADABLE_CODE = 'unreadable_error_code'
/** Stands in for a request id that is not a plausible id. */
export const UNREADABLE_REQUEST_ID = 'unreadable-request-id'

export function isSafeSessionId(value: unknown): value is string {
  return typeof value === 'string' && SESSION_ID.test(value)
}

export function isSafeTraceId(value: unknown): value is string {
  return typeof value === 'string' && TRACE_ID.test(value)
}

/** Rivya's error code, or {@link UNREADABLE_CODE} when it is not a plausible code. */
export function safeErrorCode(value: string): string {
  return ERROR_CODE.test(value) ? value : UNREADABLE_CODE
}

/** A request id as sent, undefined when absent, {@link UNREADABLE_REQUEST_ID} when not plausible. */
export function safeRequestId(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined
  return isSafeTraceId(value) ? value : UNREADABLE_REQUEST_ID
}
