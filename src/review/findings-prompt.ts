/**
 * What the last part asks for after the markdown review: the findings block that
 * `parseFindings` reads (PRODUCT.md, "Findings"). Sent with the last part only (prompts.ts
 * REVIEW_REQUEST), yet billed again with every question asked later in the session, so it is as
 * short as the contract allows.
 */

/** Appended to the last part's request, after the markdown review's format. */
export const FINDINGS_INSTRUCTIONS = [
  'End with one fenced ```json block, nothing after it:',
  '{"findings":[{"path":"src/a.ts","line":42,"start_line":40,"side":"RIGHT","severity":"major","title":"one line","body":"markdown","snippet":"exact code of line 42","suggestion":"replacement for lines 40-42"}]}',
  'line: the new-file line of an added or unchanged line (RIGHT), or the old-file line of a removed one (LEFT); start_line only for a range in one hunk; snippet: the code of line; suggestion (RIGHT only): GitHub replaces exactly lines start_line..line with it.',
  'severity: critical = a crash, data loss or security hole; major = a bug to fix before merging; minor = a small defect or maintainability cost; nit = style. If unsure, the lower.',
  'No findings: {"findings":[]}.'
].join('\n')

/**
 * Asked of every part but the last: its answer is billed again as history on each later turn. The
 * findings block is not named: the model learns of it only from the last part.
 */
export const INTERMEDIATE_NOTES = 'Reply with one line of notes, under 200 characters.'
