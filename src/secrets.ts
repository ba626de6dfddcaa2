/**
 * The values to mask and scrub: each secret and each of its lines (an error may quote a malformed
 * value cut at a line break), longest first so a line does not leave the rest of its value behind;
 * none so short that masking it would garble ordinary text.
 */
export function secretParts(values: readonly string[]): string[] {
  return values
    .flatMap(v => [v, ...v.split(/\r?\n/)])
    .filter(v => v.trim().length >= 8)
    .sort((a, b) => b.length - a.length)
}

/**
 * Text without any of `secrets` (from {@link secretParts}) in it, whatever error text reached it:
 * GitHub shows comments unmasked, and the runner masks only its own log.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  let clean = text
  for (const secret of secrets) clean = clean.split(secret).join('***')
  return clean
}
