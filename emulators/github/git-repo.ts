import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/**
 * A throwaway git repository for tests and the demo, so every diff the project handles is git's
 * own output. Git is run with fixed identity, dates and config so results are reproducible.
 */
export class GitRepo {
  private constructor(readonly dir: string) {}

  static create(prefix = 'rivya-review-repo-'): GitRepo {
    const repo = new GitRepo(mkdtempSync(join(tmpdir(), prefix)))
    repo.git('init', '--quiet', '--initial-branch=main')
    repo.git('config', 'user.name', 'Test Author')
    repo.git('config', 'user.email', 'author@example.com')
    repo.git('config', 'core.autocrlf', 'false')
    repo.git('config', 'core.fileMode', 'true')
    repo.git('config', 'commit.gpgsign', 'false')
    return repo
  }

  /** A throwaway clone of an existing repository (a local path: no network), for a real history. */
  static cloneOf(source: string, prefix = 'rivya-review-clone-'): GitRepo {
    const dir = mkdtempSync(join(tmpdir(), prefix))
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', source, dir], { stdio: 'ignore' })
    const repo = new GitRepo(dir)
    repo.git('config', 'core.autocrlf', 'false')
    return repo
  }

  /** Runs git in the repository and returns its standard output (as bytes decoded UTF-8). */
  git(...args: string[]): string {
    return execFileSync('git', args, {
      cwd: this.dir,
      encoding: 'utf8',
      maxBuffer: 1024 * 1024 * 1024,
      // git's complaints (an unknown ref the emulator answers 404 for) go into the thrown error,
      // not onto the test output.
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
        GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        LC_ALL: 'C'
      }
    })
  }

  write(path: string, content: string | Uint8Array): this {
    const full = join(this.dir, path)
    mkdirSync(dirname(full), { recursive: true })
    writeFileSync(full, content)
    return this
  }

  remove(path: string): this {
    this.git('rm', '--quiet', '--', path)
    return this
  }

  rename(from: string, to: string): this {
    mkdirSync(dirname(join(this.dir, to)), { recursive: true })
    this.git('mv', '--', from, to)
    return this
  }

  /** Makes `path` a symbolic link to `target` (git's mode 120000), replacing what was there. */
  symlink(path: string, target: string): this {
    const full = join(this.dir, path)
    mkdirSync(dirname(full), { recursive: true })
    rmSync(full, { recursive: true, force: true })
    symlinkSync(target, full)
    return this
  }

  /**
   * Makes `path` a submodule pointer (git's mode 160000, a "gitlink") to a commit of a nested
   * repository made there, replacing what was there; returns the commit it points at.
   */
  submodule(path: string, content = 'sub\n'): string {
    const full = join(this.dir, path)
    rmSync(full, { recursive: true, force: true })
    mkdirSync(full, { recursive: true })
    const nested = new GitRepo(full)
    nested.git('init', '--quiet', '--initial-branch=main')
    nested.write('README', content)
    nested.git('add', '--all')
    nested.git('-c', 'user.name=Sub', '-c', 'user.email=sub@example.com', 'commit', '--quiet', '-m', 'sub')
    return nested.git('rev-parse', 'HEAD').trim()
  }

  chmod(path: string, mode: number): this {
    chmodSync(join(this.dir, path), mode)
    return this
  }

  /** Stages everything and commits; returns the new commit's SHA. */
  commit(message = 'change'): string {
    this.git('add', '--all')
    this.git('commit', '--quiet', '--allow-empty', '-m', message)
    return this.git('rev-parse', 'HEAD').trim()
  }

  branch(name: string, at = 'HEAD'): this {
    this.git('branch', '--force', name, at)
    return this
  }

  checkout(ref: string): this {
    this.git('checkout', '--quiet', ref)
    return this
  }

  /** The diff GitHub shows for a pull request: from the merge base of base and head, renames found. */
  diff(base: string, head: string): string {
    return this.git('diff', '--no-color', '--no-ext-diff', '-M', `${base}...${head}`)
  }

  destroy(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}
