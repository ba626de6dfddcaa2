import { describe, expect, it } from '@jest/globals'
import type { DiffFile } from '../../src/review/diff.js'
import {
  DEFAULT_EXCLUDES,
  REASONS,
  expandExcludes,
  makePathFilter,
  selectFiles
} from '../../src/review/filter.js'

function file(path: string, over: Partial<DiffFile> = {}): DiffFile {
  return {
    path,
    status: 'modified',
    hunks: [{ oldStart: 1, newStart: 1, oldLines: 1, newLines: 1, section: '', body: '-a\n+b\n' }],
    additions: 1,
    deletions: 1,
    binary: false,
    patchMissing: false,
    extraHeaders: [],
    ...over
  }
}

describe('DEFAULT_EXCLUDES through `defaults`', () => {
  const reason = makePathFilter(['**'], ['defaults'])

  it.each([
    ['package-lock.json', 'package-lock.json'],
    ['packages/web/yarn.lock', 'yarn.lock'],
    ['pnpm-lock.yaml', 'pnpm-lock.yaml'],
    ['crates/x/Cargo.lock', 'Cargo.lock'],
    ['poetry.lock', 'poetry.lock'],
    ['Gemfile.lock', 'Gemfile.lock'],
    ['composer.lock', 'composer.lock'],
    ['go.sum', 'go.sum'],
    ['public/js/app.min.js', '*.min.js'],
    ['styles/site.min.css', '*.min.css'],
    ['out/app.js.map', '*.map'],
    ['dist/index.js', '**/dist/**'],
    ['packages/ui/dist/ui.js', '**/dist/**'],
    ['build/output.txt', 'build/**'],
    ['src/api.generated.ts', '*.generated.*'],
    ['proto/user.pb.go', '*.pb.go'],
    ['src/__snapshots__/a.test.ts.snap', '**/__snapshots__/**'],
    ['vendor/github.com/x/y.go', '**/vendor/**'],
    ['web/node_modules/left-pad/index.js', '**/node_modules/**'],
    ['third_party/zlib/zlib.h', '**/third_party/**'],
    ['assets/Logo.PNG', '*.{png,jpg,jpeg,gif,bmp,ico,icns,webp,avif,heic,tif,tiff,psd}'],
    ['release.tar.gz', '*.{zip,tar,gz,tgz,bz2,xz,zst,7z,rar,jar,war,ear,whl,nupkg}'],
    ['fonts/inter.woff2', '*.{woff,woff2,ttf,otf,eot}'],
    ['bin/tool.exe', '*.{exe,dll,so,dylib,a,lib,o,obj,class,pyc,pyo,wasm,bin,dat}'],
    // Yarn's committed release bundle and Plug'n'Play loaders (one 5.4 MB bundle is ~270 messages).
    ['.yarn/releases/yarn-4.1.0.cjs', '.yarn/releases/**'],
    ['.pnp.cjs', '.pnp.cjs'],
    ['.pnp.loader.mjs', '.pnp.loader.mjs']
  ])('excludes %s by %s', (path, pattern) => {
    expect(reason(path)).toBe(`excluded by default pattern '${pattern}'`)
  })

  it.each([
    'src/index.ts',
    '.github/workflows/ci.yml',
    '.eslintrc.json',
    'src/build/compile.ts',
    'docs/logo.svg',
    'package.json',
    'a b/ünï.ts'
  ])('keeps %s', path => {
    expect(reason(path)).toBeUndefined()
  })

  it('expands only the word, keeping the other globs in place', () => {
    expect(expandExcludes(['docs/**', 'defaults', '*.md'])).toEqual(['docs/**', ...DEFAULT_EXCLUDES, '*.md'])
  })
})

describe('makePathFilter', () => {
  it('keeps every file, dotfiles included, with `**` and no exclude', () => {
    const reason = makePathFilter(['**'], [])
    for (const p of ['a', '.env.example', 'x/.hidden/y', 'package-lock.json'])
      expect(reason(p)).toBeUndefined()
  })

  it('matches paths holding line terminators like any other path', () => {
    // picomatch's `.` is a regular-expression `.`, which stops at LF, CR, U+2028 and U+2029.
    const reason = makePathFilter(['**'], ['*.md'])
    for (const p of ['a\nb.ts', 'dir\r/x.ts', 'x\u2028y/z.ts', 'q\u2029.ts', '\n', 'd/\n/e'])
      expect([p, reason(p)]).toEqual([p, undefined])
    expect(reason('a\nb.md')).toBe("excluded by pattern '*.md'")
    expect(makePathFilter(['src/**'], [])('src/a\u2028b.ts')).toBeUndefined()
  })

  it('matches slash-less globs in any folder, anchored ones from the root, and folders by a trailing slash', () => {
    const reason = makePathFilter(['**'], ['*.md', '/top.txt', 'docs/', 'generated/**'])
    expect(reason('a/b/README.md')).toBe("excluded by pattern '*.md'")
    expect(reason('top.txt')).toBe("excluded by pattern '/top.txt'")
    expect(reason('sub/top.txt')).toBeUndefined()
    expect(reason('docs/guide/x.ts')).toBe("excluded by pattern 'docs/'")
    expect(reason('src/generated/x.ts')).toBeUndefined()
  })

  it('lets a later `!glob` take a file back, as in .gitignore', () => {
    const reason = makePathFilter(['**'], ['defaults', '!package-lock.json'])
    expect(reason('package-lock.json')).toBeUndefined()
    expect(reason('yarn.lock')).toBe("excluded by default pattern 'yarn.lock'")
  })

  it('reviews only what include matches, and says so', () => {
    const reason = makePathFilter(['src/**', '!src/legacy/**'], [])
    expect(reason('src/a.ts')).toBeUndefined()
    expect(reason('src/legacy/a.ts')).toBe(REASONS.notIncluded)
    expect(reason('test/a.ts')).toBe(REASONS.notIncluded)
    expect(makePathFilter([], [])('any/thing')).toBeUndefined()
  })
})

describe('selectFiles', () => {
  it('gives every file not sent line by line a reason, in diff order', () => {
    const files = [
      file('src/a.ts'),
      file('yarn.lock'),
      file('img/raw.data', { binary: true, hunks: [] }),
      file('huge.json', { patchMissing: true, hunks: [] }),
      file('old.ts', { status: 'removed', additions: 0, deletions: 7 }),
      file('src/new-name.ts', { status: 'renamed', previousPath: 'lib/old-name.lock' }),
      file('docs/x.md')
    ]
    const selection = selectFiles(files, { include: ['**'], exclude: ['defaults', 'docs/**'] })
    expect(selection.files.map(s => [s.file.path, s.summarise])).toEqual([
      ['src/a.ts', false],
      ['old.ts', true],
      ['src/new-name.ts', false]
    ])
    expect(selection.skipped).toEqual([
      { path: 'yarn.lock', reason: "excluded by default pattern 'yarn.lock'" },
      { path: 'img/raw.data', reason: 'binary file' },
      { path: 'huge.json', reason: 'no patch from GitHub (too large or binary)' },
      { path: 'old.ts', reason: 'deleted file (summarised)' },
      { path: 'docs/x.md', reason: "excluded by pattern 'docs/**'" }
    ])
  })

  it('sends removed files line by line when asked, and never a binary one', () => {
    const selection = selectFiles(
      [
        file('old.ts', { status: 'removed' }),
        file('old.bin', { status: 'removed', binary: true, hunks: [] })
      ],
      { include: ['**'], exclude: [], includeDeleted: true }
    )
    expect(selection.files.map(s => [s.file.path, s.summarise])).toEqual([['old.ts', false]])
    expect(selection.skipped).toEqual([{ path: 'old.bin', reason: 'binary file' }])
  })
})
