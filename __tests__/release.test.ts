/**
 * scripts/release.sh on a throwaway repository shaped like this one (package.json with a `bundle`
 * script, CHANGELOG.md, a committed dist/): it tags only a clean, fresh, declared version, and
 * moves the major tag users pin (`@v1`) while the exact tags stay put.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GitRepo } from '../emulators/github/git-repo.js'

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'release.sh')

// The "bundle" of the stand-in: dist/index.js is src/index.txt upper-cased.
const BUILD = `const fs = require('fs'); fs.mkdirSync('dist', { recursive: true }); fs.writeFileSync('dist/index.js', fs.readFileSync('src/index.txt', 'utf8').toUpperCase())`

let repo: GitRepo | undefined
afterEach(() => {
  repo?.destroy()
  repo = undefined
})

function project(version: string, changelog: string[], source = 'code'): GitRepo {
  const r = GitRepo.create('release-test-')
  mkdirSync(join(r.dir, 'scripts'), { recursive: true })
  copyFileSync(SCRIPT, join(r.dir, 'scripts', 'release.sh'))
  r.write(
    'package.json',
    JSON.stringify({ name: 'x', version, private: true, scripts: { bundle: 'node build.cjs' } })
  )
  r.write('build.cjs', BUILD)
  r.write(
    'CHANGELOG.md',
    ['# Changelog', '', '## [Unreleased]', '', ...changelog.map(v => `## [${v}] - 2026-12-01\n`)].join('\n')
  )
  r.write('src/index.txt', source)
  r.write('dist/index.js', source.toUpperCase())
  r.commit('release candidate')
  return r
}

function release(r: GitRepo, ...args: string[]): { code: number | null; output: string } {
  const run = spawnSync('bash', ['scripts/release.sh', ...args], { cwd: r.dir, encoding: 'utf8' })
  return { code: run.status, output: run.stdout + run.stderr }
}

/** The commit each tag points at. */
function tags(r: GitRepo): Record<string, string> {
  const out = r.git('for-each-ref', '--format=%(refname:short) %(*objectname)', 'refs/tags').trim()
  return Object.fromEntries(out === '' ? [] : out.split('\n').map(l => l.split(' ') as [string, string]))
}

describe('scripts/release.sh', () => {
  it('tags vX.Y.Z and moves the major tag; a later release moves only the major tag', () => {
    repo = project('1.2.3', ['1.2.3'])
    const first = repo.git('rev-parse', 'HEAD').trim()
    expect(release(repo, '1.2.3').code).toBe(0)
    expect(tags(repo)).toEqual({ v1: first, 'v1.2.3': first })

    repo.write('package.json', repo.git('show', 'HEAD:package.json').replace('1.2.3', '1.3.0'))
    repo.write('CHANGELOG.md', `${repo.git('show', 'HEAD:CHANGELOG.md')}\n## [1.3.0] - 2026-12-02\n`)
    const second = repo.commit('1.3.0')
    expect(release(repo, '1.3.0').code).toBe(0)
    expect(tags(repo)).toEqual({ v1: second, 'v1.2.3': first, 'v1.3.0': second })
  })

  it('refuses a dist/ that is not a fresh build, and leaves the work tree as it was', () => {
    repo = project('1.0.0', ['1.0.0'])
    repo.write('src/index.txt', 'changed code')
    repo.commit('source changed, dist not rebuilt')
    const result = release(repo, '1.0.0')
    expect(result.code).toBe(1)
    expect(result.output).toContain('dist/ differs from a fresh build')
    expect(tags(repo)).toEqual({})
    expect(repo.git('status', '--porcelain')).toBe('')
  })

  it.each([
    [['1.0'], 'usage: scripts/release.sh X.Y.Z'],
    [['v1.0.0'], 'usage: scripts/release.sh X.Y.Z'],
    [['1.0.0', '--force'], "unknown option '--force'"],
    [['1.0.1'], 'package.json says version 1.0.0'],
    [['1.0.0'], "CHANGELOG.md has no '## [1.0.0]' section"]
  ])('refuses %j: %s', (args, message) => {
    repo = project('1.0.0', args[0] === '1.0.0' ? [] : ['1.0.0', '1.0.1'])
    const result = release(repo, ...args)
    expect(result.code).toBe(1)
    expect(result.output).toContain(message)
    expect(tags(repo)).toEqual({})
  })

  it('refuses uncommitted changes and a version already tagged', () => {
    repo = project('2.0.0', ['2.0.0'])
    repo.write('notes.txt', 'draft')
    expect(release(repo, '2.0.0').output).toContain('the work tree has changes')
    repo.git('clean', '-qfd')
    expect(release(repo, '2.0.0').code).toBe(0)
    const again = release(repo, '2.0.0')
    expect(again.code).toBe(1)
    expect(again.output).toContain('tag v2.0.0 already exists')
  })
})
