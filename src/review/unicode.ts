/** Whether cutting `text` before index `at` would separate the two halves of a surrogate pair. */
export function splitsSurrogatePair(text: string, at: number): boolean {
  const before = text.charCodeAt(at - 1)
  const after = text.charCodeAt(at)
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff
}

/** `at`, moved back one unit if a cut there would separate a surrogate pair. */
export function pairSafeCut(text: string, at: number): number {
  return at > 0 && splitsSurrogatePair(text, at) ? at - 1 : at
}
