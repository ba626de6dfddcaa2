/**
 * What the last part asks for after the markdown review: the findings block that
 * `parseFindings` reads (PRODUCT.md, "Findings"). Billed on every turn that follows it in the
 * session's history, so it is as short as the contract allows.
 */

/** Appended to the last part's request, after the markdown review's format. */
export const FINDINGS_INSTRUCTIONS = [
  'After the review, end with one fenced ```json block, nothing after it:',
  '{"findings":[{"path":"src/a.ts","line":42,"start_line":40,"side":"RIGHT","severity":"major","title":"one line","body":"markdown","snippet":"exact code of line 42","suggestion":"replacement for lines 40-42"}]}',
  '- path: as in the diff. line: the new-file line ("side":"RIGHT", an added or unchanged line of a hunk), or the old-file line of a removed line ("side":"LEFT"). start_line: only for a range, in the same hunk.',
  '- snippet: the exact code of `line`, copied from the diff without its marker.',
  '- severity: critical = breaks behaviour, loses data or opens a hole (a crash, an injection, a leaked secret); major = a real bug or risk to fix before merging (a wrong condition, an unhandled error); minor = a small defect or maintainability cost (a misleading name, a missing test for an edge); nit = style or wording. When unsure, pick the lower one.',
  '- suggestion: optional; GitHub replaces exactly lines start_line..line (or line alone) of the new file with it, so give those lines complete, as they should read; only on the RIGHT side.',
  '- No findings: {"findings":[]}.'
].join('\n')

/** Asked of every part but the last: its answer is billed again as history on each later turn. */
export const INTERMEDIATE_NOTES = 'Reply with brief notes only; no findings block yet.'
