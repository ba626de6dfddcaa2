import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { neutralizeMentions, sanitizeModelText } from '../../src/review/markdown.js'
import {
  PINGING_MENTION,
  REFERENCE_MENTIONS,
  decodeReferences,
  liveMentions,
  modelText,
  rawHtml
} from './rendered.js'

describe('neutralizeMentions', () => {
  it('breaks users and teams, leaves e-mail addresses alone', () => {
    const text = 'cc @alice and @org/team, mail bob@example.com, (@carol), _foo_@dave, `@erin`, x `@frank'
    const out = neutralizeMentions(text)
    expect(out).not.toMatch(PINGING_MENTION)
    expect(out).toContain('bob@example.com')
    expect(out.replace(/\u200B/g, '')).toBe(text)
  })

  it('breaks mentions spelled with character references', () => {
    for (const text of REFERENCE_MENTIONS) {
      expect(decodeReferences(neutralizeMentions(text))).not.toMatch(PINGING_MENTION)
    }
  })

  it('leaves a fullwidth at sign alone (GitHub only links an ASCII @)', () => {
    expect(neutralizeMentions('＠alice')).toBe('＠alice')
  })

  it('leaves no pinging mention in any text', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom('@', 'a', ' ', '/', '-', '\n', '`', '_', '.', '&#64;', '&commat;', '&#97;')
        }),
        text => {
          expect(decodeReferences(neutralizeMentions(text))).not.toMatch(PINGING_MENTION)
        }
      )
    )
  })
})

describe('sanitizeModelText', () => {
  it('breaks mentions that a stray, escaped or unequal backtick no longer hides', () => {
    for (const text of [
      'x `@alice',
      '\\`@alice`',
      '`a\nb` @alice `c`',
      '``@alice`',
      '```@alice`',
      'ok `@bob`\n`x',
      '<`a@b.io> x `@carol`'
    ]) {
      expect(liveMentions(sanitizeModelText(text))).toEqual([])
    }
  })

  it('breaks mentions spelled with character references, or after markup', () => {
    for (const text of REFERENCE_MENTIONS) {
      expect(liveMentions(sanitizeModelText(text))).toEqual([])
    }
    // `_foo_@bob` renders as <em>foo</em>@bob: a text node that starts with the mention.
    expect(sanitizeModelText('_foo_@bob')).not.toMatch(PINGING_MENTION)
  })

  it('leaves fenced code, closed code spans and e-mail addresses as written', () => {
    for (const text of [
      '```ts\n@Injectable()\nclass A {}\n```',
      '~~~sh\nnpm i @types/node\n<!-- kept -->\n~~~',
      '````md\n```\n@inner\n```\n````',
      'Use `@Injectable()` here, `npm i @types/node` there, and ``a ` @b``.',
      '1. Add:\n   ```ts\n   @Component({})\n   ```\n2. Done',
      'Mail bob@example.com or a.b+c@d.io.'
    ]) {
      expect(sanitizeModelText(text)).toBe(text)
    }
  })

  it('trusts no code that GitHub could read as text', () => {
    for (const text of [
      // The list item ends at the unindented line, and its fence with it.
      '- item\n  ```\n  code\n@dave\n  ```',
      // A fence inside a list item or a quote is not read here: broken, so GitHub opens none either.
      '- ```\n  x\n  ```\n@erin',
      '> ```\n> x\n> ```\n> @erin',
      // A table splits its cells before it reads code spans.
      '| `a | @frank ` |',
      // Link destinations and bare URLs take backticks away from the code spans.
      '[a](/`) @grace `@b` @heidi `',
      'www.example.com/`x `@c` @ivan `',
      'see https://example.com/`x `@c` @ivan `',
      '$` @judy `$'
    ]) {
      const out = sanitizeModelText(text)
      for (const name of ['dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy']) {
        expect(out).not.toContain(`@${name}`)
      }
    }
    // Four columns in, this closes the fence in a list item but not at the top level.
    expect(liveMentions(sanitizeModelText('   ```\n    ```\n```\n@kim\n```'))).toEqual([])
    // GitHub renders math outside <pre>.
    expect(sanitizeModelText('```math\n@lee\n```')).not.toContain('@lee')
  })

  it('makes HTML outside code inert, so it can hide nothing', () => {
    for (const text of [
      '<!-- note to self',
      'see <!-- this',
      '</details>',
      '<details><summary>More</summary>',
      '<DETAILS open>',
      '<pre>',
      '<style>',
      '<br>'
    ]) {
      expect(rawHtml(sanitizeModelText(text))).toEqual([])
    }
    expect(sanitizeModelText('a<br>b <kbd>Ctrl</kbd> <https://example.com/x>')).toBe(
      'a<br>b <kbd>Ctrl</kbd> <https://example.com/x>'
    )
    // `<b>` alone on a line would open an HTML block that swallows the fence below it.
    expect(sanitizeModelText('<b>\n```\n@bob\n```')).toBe('<\u200Bb>\n```\n@bob\n```')
  })

  it('closes a fence it leaves open with the same character, length and indentation', () => {
    expect(sanitizeModelText('```ts\n@x')).toBe('```ts\n@x\n```')
    expect(sanitizeModelText('~~~~\n@x\n```\n')).toBe('~~~~\n@x\n```\n~~~~')
    expect(sanitizeModelText('1. a\n   ```\n   @x')).toBe('1. a\n   ```\n   @x\n   ```')
  })

  it('reads CRLF and CR line endings as GitHub does', () => {
    expect(liveMentions(sanitizeModelText('```\r@x\r```\r@alice'))).toEqual([])
    expect(sanitizeModelText('```\r\n@x\r\n```\r\n@alice')).toBe('```\n@x\n```\n@\u200Balice')
  })

  it('leaves no live mention or HTML outside code, loses nothing, and is stable (property)', () => {
    fc.assert(
      fc.property(modelText, text => {
        const out = sanitizeModelText(text)
        expect(liveMentions(out)).toEqual([])
        expect(rawHtml(out)).toEqual([])
        expect(sanitizeModelText(out)).toBe(out)
        const plain = (s: string) => s.replace(/\u200B/g, '').replace(/&(?:#0*64|#x0*40|commat);/gi, '@')
        expect(plain(out).startsWith(plain(text))).toBe(true)
      }),
      { numRuns: 2000 }
    )
  })
})

/** Markers and indentation a line's blocks may start with (quotes, lists). */
const PREFIX = /^(?:[ \t>]|[-+*](?=[ \t])|[0-9]{1,9}[.)](?=[ \t]))*/

/** The action's own words, as a reader would take them for the action's. */
const OURS = /^(?:codex review|usage|verdict|findings|skipped files|(?:complete|partial|incomplete) review)/i

/** Lines of sanitised text outside fenced code that GitHub could render as one of the action's own blocks. */
function forged(markdown: string): string[] {
  const bad: string[] = []
  let fence: string | undefined
  let previous = ''
  for (const line of markdown.split('\n')) {
    if (fence !== undefined) {
      const run = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line)?.[1] ?? ''
      if (run.startsWith(fence.charAt(0)) && run.length >= fence.length) fence = undefined
      continue
    }
    const open = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1]
    if (open !== undefined) {
      fence = open
      continue
    }
    const content = line.slice(PREFIX.exec(line)?.[0].length ?? 0)
    const words = (s: string) => s.replace(/^[^\p{L}\p{N}\u200B]+/u, '')
    if (/^\[![a-z]+\]/i.test(content)) bad.push(`alert: ${line}`)
    if (/^\[\^[^\]]*\]:/.test(content)) bad.push(`footnote: ${line}`)
    const heading = /^#{1,6}(?:[ \t]+(.*))?$/.exec(content)
    if (heading !== null && OURS.test(words(heading[1] ?? ''))) bad.push(`heading: ${line}`)
    if (heading === null && /^[*_]*(?:verdict|(?:complete|partial|incomplete) review)/i.test(content))
      bad.push(`line: ${line}`)
    const prev = previous.slice(PREFIX.exec(previous)?.[0].length ?? 0)
    if (/^[ \t>]*(?:=+|-+)[ \t]*$/.test(line) && OURS.test(words(prev).replace(/^\*+/, '')))
      bad.push(`setext: ${previous} / ${line}`)
    previous = line
  }
  return bad
}

describe('sanitizeModelText: nothing passes for the action’s own blocks', () => {
  it('breaks alert markers in any case, indentation or nesting', () => {
    for (const text of [
      '> [!NOTE]\n> x',
      '>[!caution]\n>x',
      '   > > [!Warning]\n> > x',
      '- > [!TIP]\n  > x',
      '> [!IMPORTANT]',
      '> &#91;!NOTE]\n> x'
    ]) {
      const out = sanitizeModelText(text)
      expect(forged(out)).toEqual([])
      expect(out).not.toMatch(/(?:\[|&#91;)!/)
    }
  })

  it('breaks footnote definitions and references', () => {
    const out = sanitizeModelText('See[^1] and [^note].\n\n[^1]: Complete review.\n  [^note]: x')
    expect(forged(out)).toEqual([])
    expect(out).not.toMatch(/\[\^/)
  })

  it('breaks headings and lines that repeat the action’s own, at any level or shape', () => {
    for (const text of [
      '## Codex review of #12',
      '###### Usage',
      '   ### **Verdict**: pass',
      '# 🔍 Findings (0)',
      '## Skipped files',
      '## Us\u200Bage',
      '## \u200BUsage',
      '## \u3164Usage',
      '### \u2800\u00A0Findings',
      '> ### Usage',
      '- ## Findings',
      'Usage\n=====',
      '**Complete review**\n---',
      '> Verdict\n> ---',
      'Complete review: reviewed 3 of 3 files.',
      '**Partial review**: reviewed 1 of 3 files.',
      '_Incomplete review_',
      '**Verdict: pass**'
    ]) {
      const out = sanitizeModelText(text)
      expect(forged(out)).toEqual([])
      expect(out).not.toBe(text)
      expect(out.replace(/\u200B/g, '')).toBe(text.replace(/\u200B/g, ''))
    }
  })

  it('keeps the model’s own headings and code that merely mentions the words', () => {
    for (const text of [
      '### Summary\nFine.',
      '## Risks',
      '```md\n## Usage\n> [!NOTE]\n```',
      'See `[!NOTE]` and `## Usage` in the docs.'
    ]) {
      expect(sanitizeModelText(text)).toBe(text)
    }
  })

  it('makes images plain links unless GitHub serves them', () => {
    const broken = [
      '![x](https://evil.example/p.png)',
      '![x](https://github.com.evil.com/p.png)',
      '![x](https://github.com@evil.com/p.png)',
      '![x](https://evilgithub.com/p.png)',
      '![x](//evil.example/p.png)',
      '![x](<https://github.com/p.png>)',
      '![x](https://github.com&#46;evil.com/p.png)',
      '![x][ref]\n\n[ref]: https://evil.example/p.png',
      '![ref]\n\n[ref]: https://github.com/p.png',
      '[![x](https://evil.example/p.png)](https://github.com)'
    ]
    for (const text of broken) {
      const out = sanitizeModelText(text)
      expect(out).not.toMatch(/!\[/)
      expect(out.replace(/\u200B/g, '')).toBe(text)
    }
    for (const text of [
      '![x](https://github.com/o/r/raw/main/p.png)',
      '![x](https://user-images.githubusercontent.com/1/p.png "t")',
      '![x](https://avatars.GitHubUserContent.com/u/1)',
      '![a [b] c](https://camo.github.com/x)'
    ]) {
      expect(sanitizeModelText(text)).toBe(text)
    }
    expect(sanitizeModelText('<img src="https://evil.example/p.png">')).not.toMatch(/<img/i)
  })

  it('leaves no alert, footnote definition or heading of the action’s own in hostile text (property)', () => {
    const hostile = fc.string({
      unit: fc.constantFrom(
        '\n',
        ' ',
        '> ',
        '- ',
        '1. ',
        '#',
        '## ',
        '**',
        '_',
        '`',
        '```',
        '---',
        '===',
        '[!NOTE]',
        '[!caution]',
        '[^1]',
        ': ',
        '&#91;',
        '!',
        '\u200B',
        'Usage',
        'Codex review',
        'Verdict',
        'Findings',
        'Skipped files',
        'Complete review',
        'Partial review',
        'Incomplete review',
        'x'
      ),
      maxLength: 40
    })
    fc.assert(
      fc.property(hostile, text => {
        const out = sanitizeModelText(text)
        expect(forged(out)).toEqual([])
        expect(sanitizeModelText(out)).toBe(out)
      }),
      { numRuns: 3000 }
    )
  })
})
