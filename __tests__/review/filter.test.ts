import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import type { DiffFile } from '../../src/review/diff.js'
import {
  DEFAULT_EXCLUDES,
  REASONS,
  expandExcludes,
  makePathFilter,
  selectFiles
} from '../../src/review/filter.js'
import { displayPath } from '../../src/review/visible.js'

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

  it('reviews a changed file moved out of reach of the globs unless its old path is out of reach too', () => {
    const moved = (path: string, previousPath: string, over: Partial<DiffFile> = {}) =>
      file(path, { status: 'renamed', previousPath, ...over })
    const selection = selectFiles(
      [
        moved('src/vendor/auth.ts', 'src/auth.ts'),
        file('src/vendor/copy.ts', { status: 'copied', previousPath: 'src/util.ts' }),
        moved('lib/vendor/b.ts', 'lib/vendor/a.ts'),
        moved('dist/pure.js', 'src/pure.js', { hunks: [], additions: 0, deletions: 0 }),
        moved('other/x.ts', 'docs/x.ts')
      ],
      { include: ['**'], exclude: ['defaults', 'docs/**', 'other/**'] }
    )
    expect(selection.files.map(s => s.file.path)).toEqual(['src/vendor/auth.ts', 'src/vendor/copy.ts'])
    expect(selection.skipped).toEqual([
      {
        path: 'lib/vendor/b.ts',
        reason: "moved from lib/vendor/a.ts; excluded by default pattern '**/vendor/**'"
      },
      { path: 'dist/pure.js', reason: "moved from src/pure.js; excluded by default pattern '**/dist/**'" },
      { path: 'other/x.ts', reason: "moved from docs/x.ts; excluded by pattern 'other/**'" }
    ])
    const narrow = selectFiles([moved('test/a.ts', 'src/a.ts'), moved('test/b.ts', 'lib/b.ts')], {
      include: ['src/**'],
      exclude: []
    })
    expect(narrow.files.map(s => s.file.path)).toEqual(['test/a.ts'])
    expect(narrow.skipped).toEqual([
      { path: 'test/b.ts', reason: `moved from lib/b.ts; ${REASONS.notIncluded}` }
    ])
  })

  it('never lets a move alone keep changed lines from the review, and names where a skipped move came from', () => {
    const segment = fc.constantFrom('src', 'vendor', 'dist', 'docs', 'a.ts', 'b.lock', 'x\u200b.ts', 'c d')
    const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map(parts => parts.join('/'))
    const glob = fc.constantFrom('defaults', 'docs/**', '*.ts', '!src/**', '/src/', 'vendor/')
    fc.assert(
      fc.property(
        path,
        path,
        fc.constantFrom('renamed' as const, 'copied' as const),
        fc.boolean(),
        fc.array(glob, { maxLength: 3 }),
        fc.array(glob, { maxLength: 3 }),
        (to, from, status, changed, include, exclude) => {
          const lines = changed ? {} : { hunks: [], additions: 0, deletions: 0 }
          const moved = file(to, { status, previousPath: from, ...lines })
          const selection = selectFiles([moved], { include, exclude })
          const reason = makePathFilter(include, exclude)
          const sent = selection.files.some(s => s.file === moved)
          expect(sent).toBe(reason(to) === undefined || (changed && reason(from) === undefined))
          if (!sent) {
            expect(selection.skipped).toEqual([
              {
                path: to,
                reason: `${status === 'copied' ? 'copied' : 'moved'} from ${displayPath(from, 1024)}; ${reason(to) as string}`
              }
            ])
          }
        }
      )
    )
  })
})
