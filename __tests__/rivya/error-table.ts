/** Rivya's error table (RIVYA_API.md "Errors", from api-errors-and-limits): code, HTTP status, retried. */
export const ERROR_TABLE: readonly (readonly [code: string, status: number, retried: boolean])[] = [
  ['public_api_disabled', 503, true],
  ['api_key_missing', 401, false],
  ['api_key_invalid', 401, false],
  ['api_key_revoked', 401, false],
  ['api_key_expired', 401, false],
  ['api_scope_denied', 403, false],
  ['rate_limited', 429, true],
  ['validation_failed', 400, false],
  ['not_found', 404, false],
  ['chat_model_not_supported', 400, false],
  ['chat_session_conflict', 409, false],
  ['chat_attachment_not_supported', 400, false],
  ['idempotency_conflict', 409, false],
  // The status is ASSUMED (the docs do not give one); only the code is relied on.
  ['insufficient_credits', 402, false]
]
