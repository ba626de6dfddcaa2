/**
 * `npm run demo` on any copy of the repository: its last commit when it has history, a sample
 * change when it has none (a shallow clone, a downloaded archive), the whole pipeline either way.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GitRepo } from '../../emulators/github/git-repo.js'
import { changeToReview, demo, type DemoChange } from '../../scripts/demo.js'

jest.setTimeout(60_000)

const cleanup: (() => void)[] = []
afterEach(() => {
  for (const undo of cleanup.splice(0)) undo()
})

/** A source repository of two commits, and a shallow (one-commit) clone of it. */
function sources(): { full: GitRepo; shallow: string } {
  const full = GitRepo.create('demo-source-')
  full.write('a.txt', 'one\n')
  full.commit('first')
  full.write('a.txt', 'two\n')
  full.commit('second: two')
  const shallow = mkdtempSync(join(tmpdir(), 'demo-shallow-'))
  execFileSync('git', ['clone', '--quiet', '--depth', '1', `file://${full.dir}`, shallow], {
    stdio: 'ignore'
  })
  cleanup.push(() => full.destroy())
  cleanup.push(() => rmSync(shallow, { recursive: true, force: true }))
  return { full, shallow }
}

function track(change: DemoChange): DemoChange {
  cleanup.push(() => change.repo.destroy())
  return change
}

describe('the change the demo reviews', () => {
  it("is the source's last commit when it has history", () => {
    const { full } = sources()
    const change = track(changeToReview(full.dir))
    expect(change.sample).toBeUndefined()
    expect(change.subject).toBe('second: two')
    expect(change.repo.git('rev-parse', `${change.head}~1`).trim()).toBe(change.base)
  })

  it('is the sample change in a shallow clone and in a folder that is no repository', () => {
    const { shallow } = sources()
    const plain = mkdtempSync(join(tmpdir(), 'demo-plain-'))
    cleanup.push(() => rmSync(plain, { recursive: true, force: true }))
    writeFileSync(join(plain, 'a.txt'), 'no history\n')
    for (const [source, why] of [
      [shallow, 'a single commit'],
      [plain, 'not a git repository']
    ] as const) {
      const change = track(changeToReview(source))
      expect(change.sample).toContain(why)
      expect(change.repo.diff(change.base, change.head)).toContain('+export async function retry<T>')
    }
  })

  it('is an error, not the sample, when a range that was asked for does not exist', () => {
    const { shallow } = sources()
    expect(() => changeToReview(shallow, { base: 'HEAD~1' })).toThrow('--base HEAD~1 is not a commit')
  })
})

describe('the demo', () => {
  it('prints a review of the sample change from a shallow clone, with its usage', async () => {
    const { shallow } = sources()
    const change = track(changeToReview(shallow))
    const printed: string[] = []
    const result = await demo(change, line => printed.push(line))
    expect(result.code).toBe(0)
    expect(result.comment).toMatch(/^## Codex review of #1/m)
    expect(result.comment).toMatch(/^\| Credits final \| [0-9]/m)
    expect(result.comment).toContain('src/backoff.ts')
    expect(printed.join('\n')).toContain('No history to review here')
    expect(Number(result.outputs['turns'])).toBeGreaterThan(0)
  })
})
