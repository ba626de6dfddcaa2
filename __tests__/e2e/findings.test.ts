/**
 * Findings end to end (issue 12): dist/index.js started as the runner starts it, a multi-part
 * review whose last answer holds a findings block, against the GitHub emulator that checks inline
 * comments as GitHub does. What lands inline, what goes to the summary, the verdict, the gate,
 * the findings and SARIF files, and no repeats on a re-run.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { GitHubEmulator } from '../../emulators/github/index.js'
import { GitRepo } from '../../emulators/github/git-repo.js'
import { RivyaEmulator } from '../../emulators/rivya/index.js'
import { pullRequestEvent, reviewComments } from './events.js'
import { sarifErrors } from '../fixtures/sarif.js'
import { runAction } from '../../scripts/runner.js'

jest.setTimeout(90_000)

const TOKEN = 'ghs_e2e_findings_token_0123456789'
const PR = 11

let repo: GitRepo
let gh: GitHubEmulator
let rivya: RivyaEmulator
let base: string
let head: string

const appLines = (n: number) => Array.from({ length: n }, (_, i) => `export const a${i + 1} = ${i + 1}`)

/**
 * src/app.ts: line 10 changed (hunk 1), old line 30 removed (hunk 2), old line 50 changed, new
 * line 49 (hunk 3);
 * src/big.ts: a new file long enough for several parts at the smallest message size.
 */
function buildRepo(): void {
  repo = GitRepo.create()
  repo.write('src/app.ts', appLines(60).join('\n') + '\n')
  base = repo.commit('base')
  const lines = appLines(60)
  lines[9] = 'export const a10 = fetchUser(id) // changed'
  lines[49] = 'export const a50 = query(`SELECT * FROM t WHERE id = ${id}`)'
  lines.splice(29, 1)
  repo.write('src/app.ts', lines.join('\n') + '\n')
  repo.write(
    'src/big.ts',
    Array.from({ length: 160 }, (_, i) => `export const big${i} = '${'y'.repeat(40)}'`).join('\n') + '\n'
  )
  head = repo.commit('head')
}

beforeEach(async () => {
  buildRepo()
  gh = await GitHubEmulator.start({ repo, owner: 'octo-org', name: 'demo', token: TOKEN })
  gh.addPullRequest({ number: PR, base, head, title: 'Fetch users', user: { login: 'alice', type: 'User' } })
  rivya = await RivyaEmulator.start()
})

afterEach(async () => {
  await gh?.close()
  await rivya?.close()
  repo?.destroy()
})

const payload = () => pullRequestEvent({ number: PR, head, base })

function run(inputs: Record<string, string> = {}) {
  return runAction({
    eventName: 'pull_request',
    payload: payload(),
    githubUrl: gh.url,
    githubToken: TOKEN,
    inputs: {
      'rivya-api-key': rivya.validKey,
      'api-base-url': rivya.url,
      'max-message-chars': '3000',
      ...inputs
    }
  })
}

const FINDINGS = [
  // On an added line, with its snippet: inline.
  {
    path: 'src/app.ts',
    line: 10,
    side: 'RIGHT',
    severity: 'major',
    title: 'Unchecked fetch',
    body: 'The result is not checked.',
    snippet: 'export const a10 = fetchUser(id) // changed'
  },
  // On a removed line (old-file numbering): inline on the LEFT.
  {
    path: 'src/app.ts',
    line: 30,
    side: 'LEFT',
    severity: 'minor',
    title: 'Export removed',
    body: 'Used elsewhere?'
  },
  // Four lines off, its snippet on line 49 (line 50 before the removal above it): moved there.
  {
    path: 'src/app.ts',
    line: 53,
    severity: 'CRITICAL',
    title: 'SQL injection',
    body: 'Use a parameter.',
    snippet: 'export const a50 = query(`SELECT * FROM t WHERE id = ${id}`)',
    suggestion: 'export const a50 = query("SELECT * FROM t WHERE id = ?", [id])'
  },
  // A range across two hunks: GitHub would refuse it.
  { path: 'src/app.ts', start_line: 10, line: 50, severity: 'major', title: 'Spans hunks', body: 'x' },
  // Not in the diff at all.
  { file: 'src/nope.ts', line: 3, severity: 'major', title: 'Unknown file', body: 'x' },
  { path: '../etc/passwd', line: 1, severity: 'major', title: 'Outside the repository', body: 'x' },
  // Below min-inline-severity.
  { path: 'src/big.ts', line: 5, severity: 'nit', title: 'Naming', body: 'x' }
]

const block = (findings: unknown) => '```json\n' + JSON.stringify({ findings }) + '\n```'

function reviewComment() {
  const found = reviewComments(gh, PR)
  expect(found).toHaveLength(1)
  return found[0]!.body
}

describe('findings end to end', () => {
  it('posts one review whose inline comments GitHub accepts; every other finding is in the summary', async () => {
    rivya.reply = { findingsBlock: block(FINDINGS) }
    const result = await run()
    expect(result.code).toBe(0)
    const turns = rivya.requests.filter(r => r.path.startsWith('/api/v1/chat/completions'))
    expect(turns.length).toBeGreaterThan(2)

    const [review, ...more] = gh.reviews.reviews(PR)
    expect(more).toHaveLength(0)
    expect(review).toMatchObject({ state: 'COMMENTED', commit_id: head })
    const inline = gh.reviews.comments(PR).map(c => [c.path, c.side, c.line, c.start_line])
    expect(inline).toEqual([
      ['src/app.ts', 'RIGHT', 49, null],
      ['src/app.ts', 'RIGHT', 10, null],
      ['src/app.ts', 'LEFT', 30, null]
    ])
    const sql = gh.reviews.comments(PR)[0]!.body
    expect(sql).toContain(
      '```suggestion\nexport const a50 = query("SELECT * FROM t WHERE id = ?", [id])\n```'
    )

    expect(result.outputs).toMatchObject({
      verdict: 'pass',
      'findings-count': '7',
      'review-id': String(review!.id)
    })
    const body = reviewComment()
    for (const title of ['Spans hunks', 'Unknown file', 'Outside the repository', 'Naming', 'SQL injection'])
      expect(body).toContain(title)
    expect(body).toContain('span more than one hunk')

    const written = JSON.parse(result.outputFiles['findings-file'] ?? '{}') as {
      verdict: string
      findings: { title: string; inline: boolean; line: number; reason?: string }[]
    }
    expect(written.verdict).toBe('pass')
    expect(written.findings.filter(f => f.inline).map(f => f.title)).toEqual([
      'SQL injection',
      'Unchecked fetch',
      'Export removed'
    ])
    expect(written.findings.find(f => f.title === 'SQL injection')?.line).toBe(49)
    const sarif = JSON.parse(result.outputFiles['sarif-file'] ?? '{}') as { runs: { results: unknown[] }[] }
    expect(sarifErrors(sarif)).toBe('No errors')
    expect(sarif.runs[0]!.results).toHaveLength(7)
  })

  it('does not post the same findings again on a re-run, and names those it no longer sees', async () => {
    rivya.reply = { findingsBlock: block(FINDINGS) }
    expect((await run()).code).toBe(0)
    expect((await run()).code).toBe(0)
    expect(gh.reviews.reviews(PR)).toHaveLength(1)
    expect(gh.reviews.comments(PR)).toHaveLength(3)
    rivya.reply = { findingsBlock: block(FINDINGS.slice(1)) }
    expect((await run({ 'extra-instructions': 'again' })).code).toBe(0)
    expect(gh.reviews.reviews(PR)).toHaveLength(1)
    expect(reviewComment()).toMatch(/no longer/i)
    expect(reviewComment()).toContain('Unchecked fetch')
  })

  it('moves the comments GitHub still refuses into the summary, after posting the review without them', async () => {
    rivya.reply = { findingsBlock: block(FINDINGS) }
    gh.reviews.refuseLine = c => c.line === 10
    const result = await run()
    expect(result.code).toBe(0)
    expect(gh.reviews.reviews(PR)).toHaveLength(1)
    expect(gh.reviews.comments(PR)).toHaveLength(0)
    expect(result.outputs['review-id']).toBe(String(gh.reviews.reviews(PR)[0]!.id))
    expect(reviewComment()).toContain('GitHub refused')
  })

  it('fail-on fails the step after posting, naming the blocking findings', async () => {
    rivya.reply = { findingsBlock: block(FINDINGS) }
    const result = await run({ 'fail-on': 'major' })
    expect(result.code).not.toBe(0)
    expect(result.outputs.verdict).toBe('fail')
    expect(result.annotations.join('\n')).toMatch(/Verdict fail: .*critical src\/app\.ts:49 SQL injection/)
    expect(gh.reviews.reviews(PR)).toHaveLength(1)
    reviewComment()
  })

  it('an unreadable findings block is unknown, never a pass, and fails any gate', async () => {
    rivya.reply = { findingsBlock: '```json\n{"findings": [{"path": "src/app.ts",\n```' }
    const open = await run()
    expect(open.code).toBe(0)
    expect(open.outputs).toMatchObject({ verdict: 'unknown', 'findings-count': '0', 'review-id': '' })
    expect(reviewComment()).toMatch(/unknown/i)
    const gated = await run({ 'fail-on': 'nit', 'extra-instructions': 'gate' })
    expect(gated.code).not.toBe(0)
    expect(gated.annotations.join('\n')).toContain('could not be read')
  })

  it('a review stopped by max-turns is partial and does not pass a gate', async () => {
    rivya.reply = { findingsBlock: block([]) }
    const result = await run({ 'max-turns': '1', 'fail-on': 'critical' })
    expect(result.outputs.verdict).toBe('partial')
    expect(result.code).not.toBe(0)
    expect(result.annotations.join('\n')).toContain('partial')
  })
})
