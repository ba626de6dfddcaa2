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
