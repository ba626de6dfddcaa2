/**
 * The findings as a SARIF 2.1.0 log (OASIS SARIF 2.1.0, errata 01), the format GitHub code
 * scanning's `upload-sarif` action takes: one rule per severity, one result per finding with its
 * file and lines, and `partialFingerprints` so code scanning tracks a finding across runs.
 */
import { SEVERITIES, type Finding, type Severity } from './findings.js'
import { normalisePath } from './anchor.js'

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json'

/** SARIF `level` per severity: error, warning and note are SARIF's three result levels (§3.27.10). */
const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  major: 'error',
  minor: 'warning',
  nit: 'note'
}

const RULE_TEXT: Record<Severity, string> = {
  critical: 'Critical: a defect that breaks behaviour, loses data or opens a security hole',
  major: 'Major: a bug or risk that should be fixed before merging',
  minor: 'Minor: a small defect or a maintainability problem',
  nit: 'Nit: style or wording'
}

export interface SarifTool {
  name: string
  version: string
  informationUri: string
}

export interface SarifFinding {
  finding: Finding
  fingerprint: string
}

/**
 * A repository-relative path as a URI reference: each segment percent-encoded, so `#`, `?`, `%`,
 * spaces and a `:` that would read as a scheme stay part of the name (RFC 3986, §4.2).
 */
export function pathToUri(path: string): string {
  return path
    .split('/')
    .map(segment => encodeURIComponent(segment))
    .join('/')
}

function ruleId(severity: Severity): string {
  return `codex-review/${severity}`
}

/**
 * The SARIF log of `findings`. A RIGHT finding points at its lines in the new file; a LEFT one
 * (a removed line, which the new file no longer has) and one whose path is not a repository path
 * keep only what can be said truthfully: the file, or no location at all.
 */
export function toSarif(findings: readonly SarifFinding[], tool: SarifTool): Record<string, unknown> {
  const rules = SEVERITIES.map(severity => ({
    id: ruleId(severity),
    name: `${severity[0]?.toUpperCase() ?? ''}${severity.slice(1)}Finding`,
    shortDescription: { text: RULE_TEXT[severity] },
    defaultConfiguration: { level: LEVEL[severity] },
    properties: { severity }
  }))
  const results = findings.map(({ finding, fingerprint }) => {
    const path = normalisePath(finding.path)
    const locations =
      path === undefined
        ? []
        : [
            {
              physicalLocation: {
                artifactLocation: { uri: pathToUri(path), uriBaseId: '%SRCROOT%' },
                // A finding the model gave no line (line 0) points at its file only.
                ...(finding.side === 'RIGHT' && finding.line >= 1
                  ? { region: { startLine: finding.startLine ?? finding.line, endLine: finding.line } }
                  : {})
              }
            }
          ]
    const where = finding.side === 'LEFT' ? `\n\n(On removed line ${finding.line} of the old file.)` : ''
    return {
      ruleId: ruleId(finding.severity),
      ruleIndex: SEVERITIES.indexOf(finding.severity),
      level: LEVEL[finding.severity],
      message: { text: `${finding.title}${finding.body !== '' ? `\n\n${finding.body}` : ''}${where}` },
      locations,
      partialFingerprints: { 'codexFindingHash/v1': fingerprint }
    }
  })
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: { name: tool.name, version: tool.version, informationUri: tool.informationUri, rules }
        },
        results
      }
    ]
  }
}
