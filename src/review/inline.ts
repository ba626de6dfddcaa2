// TEMPORARY stand-in until wt-p lands the real inline.ts (take theirs on merge).
import type { Finding } from './findings.js'
import { sanitizeModelText } from './markdown.js'

const MARKER = /^<!-- rivya-codex-finding ([0-9a-f]{32}) -->$/m

export function inlineCommentBody(finding: Finding, fingerprint: string): string {
  return `**${finding.severity}**: ${sanitizeModelText(finding.title)}\n\n${sanitizeModelText(finding.body)}\n<!-- rivya-codex-finding ${fingerprint} -->`
}

export function readFindingMarker(body: string): string | undefined {
  return MARKER.exec(body)?.[1]
}

export function reviewBody(commentUrl: string | undefined, counts: { inline: number; total: number }): string {
  return `Codex review: ${counts.inline} of ${counts.total} finding(s) inline.${commentUrl === undefined ? '' : ` [Summary](${commentUrl})`}`
}
