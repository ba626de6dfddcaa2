import { errorTag, isRivyaError } from './rivya/errors.js'
import { inertId } from './review/markdown.js'
import type { Failure } from './review/render.js'

/** Text for a failure of any kind, thrown values that are not `Error`s included. */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'string') return error
  try {
    return `Unexpected failure: ${JSON.stringify(error)}`
  } catch {
    return `Unexpected failure: ${String(error)}`
  }
}

/** What the comment, the reply and the job summary say of a failure: Rivya's code and request id when it has them. */
export function failureOf(error: unknown): Failure {
  if (isRivyaError(error)) {
    return {
      message: error.message,
      code: error.code,
      ...(error.requestId ? { requestId: error.requestId } : {})
    }
  }
  return { message: describeFailure(error) }
}

/** ` (code, request req_x)` as markdown shows it (ids from Rivya are data), or nothing without a code. */
export function failureTag(failure: Failure): string {
  if (failure.code === undefined) return ''
  const requestId = failure.requestId === undefined ? undefined : inertId(failure.requestId)
  return ` ${errorTag(inertId(failure.code), requestId)}`
}
