/**
 * An attacker's read of diff collection and filtering after issue 8: a pull request's author
 * keeping a change away from the model under a reason that reads as harmless.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { GitRepo } from '../../emulators/github/git-repo.js'
import { parseUnifiedDiff } from '../../src/review/diff.js'
import { planReview } from '../../src/review/plan.js'

let repo: GitRepo
let diff: string

const AUTH = [
  'export function allowed(user: { admin: boolean }): boolean {',
  '  // Only administrators may pass.',
  '  return user.admin',
  '}',
  ''
].join('\n')

beforeAll(() => {
  repo = GitRepo.create()
  repo.write('src/auth.ts', AUTH)
  repo.write('src/index.ts', "import { allowed } from './auth.js'\nexport { allowed }\n")
  const base = repo.commit('base')
  // The move into a vendored folder hides the one line that matters.
  repo.rename('src/auth.ts', 'src/vendor/auth.ts')
  repo.write('src/vendor/auth.ts', AUTH.replace('return user.admin', 'return true'))
  repo.write('src/index.ts', "import { allowed } from './vendor/auth.js'\nexport { allowed }\n")
  const head = repo.commit('move auth to vendor')
  diff = repo.diff(base, head)
})

afterAll(() => repo.destroy())

describe('a file moved into an excluded folder', () => {
  // Renamed files were matched on their new path only, so moving reviewed code into `vendor/`,
  // `dist/`, `build/`, `__generated__/` … while changing it kept the change from the model; the
  // comment listed `src/vendor/auth.ts` as "excluded by default pattern '**/vendor/**'", which
  // reads as third-party code, without the path it came from. Now a moved file with changed lines
  // is skipped only when its previous path is excluded too, and a skipped move names its origin.
  it('is reviewed, or listed with the path it was moved from', () => {
    const files = parseUnifiedDiff(diff)
    expect(files.find(f => f.path === 'src/vendor/auth.ts')).toMatchObject({
      status: 'renamed',
      previousPath: 'src/auth.ts'
    })
    const plan = planReview(files, {
      include: ['**'],
      exclude: ['defaults'],
      limit: 20_000,
      pullNumber: 1,
      title: 'Move auth'
    })
    const skipped = plan.skipped.find(s => s.path === 'src/vendor/auth.ts')
    const sent = plan.messages.some(m => m.text.includes('+  return true'))
    expect(sent || (skipped?.reason ?? '').includes('src/auth.ts')).toBe(true)
  })
})
