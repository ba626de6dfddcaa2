/** JSON text read without throwing: Rivya's answers are untrusted and may be cut short or not JSON at all. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    return { ok: false }
  }
}
