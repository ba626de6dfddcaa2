/** How GitHub would read a comment's Markdown: what shows as text, live mentions, raw HTML. */
import fc from 'fast-check'

/** Mentions spelled with character references, which GitHub renders as `@login`. */
export const REFERENCE_MENTIONS = [
  '&#64;alice',
  '&#x40;alice',
  '&#X040;bob',
  '&#0064;carol',
  '&commat;dave',
  '&COMMAT;erin',
  '@&#97;lice'
]

/**
 * A mention GitHub could link (html-pipeline's MentionFilter: `(?:^|\W)@login` in a rendered text node).
 * Stricter than the filter about what comes before: `_foo_@bob` renders `@bob` at the start of a node.
 */
export const PINGING_MENTION = /(?<![A-Za-z0-9])@[A-Za-z0-9]/

/** Character references as GitHub renders them, so `&#64;bob` is tested as the `@bob` it shows. */
export function decodeReferences(text: string): string {
  return text
    .replace(/&#[xX]([0-9a-fA-F]{1,6});/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#([0-9]{1,7});/g, (_, dec: string) => String.fromCodePoint(parseInt(dec, 10)))
    .replace(/&commat;/gi, '@')
}

/**
 * The paragraphs GitHub shows for Markdown made of paragraphs and fenced code blocks only (no lists, quotes,
 * tables, links or HTML), each code span in them replaced by a NUL: CommonMark fences read line by line,
 * then code spans read across each paragraph's lines, as GitHub reads them (not line by line, as the code
 * under test does).
 */
function textOutsideCode(markdown: string): string[] {
  const texts: string[] = []
  let paragraph: string[] = []
  const endParagraph = () => {
    if (paragraph.length > 0) texts.push(withoutCodeSpans(paragraph.join('\n')))
    paragraph = []
  }
  let fence: string | undefined
  for (const line of markdown.split('\n')) {
    if (fence !== undefined) {
      const run = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line)?.[1] ?? ''
      if (run.startsWith(fence.charAt(0)) && run.length >= fence.length) fence = undefined
      continue
    }
    const open = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line)
    if (open?.[1] !== undefined && !(open[1].startsWith('`') && (open[2] ?? '').includes('`'))) {
      endParagraph()
      fence = open[1]
    } else if (/^[ \t]*$/.test(line)) endParagraph()
    else paragraph.push(line)
  }
  endParagraph()
  return texts
}

function withoutCodeSpans(paragraph: string): string {
  let text = ''
  let i = 0
  while (i < paragraph.length) {
    if (paragraph[i] === '\\' && /[!-/:-@[-`{-~]/.test(paragraph[i + 1] ?? '')) {
      text += paragraph.slice(i, i + 2)
      i += 2
    } else if (paragraph[i] === '`') {
      const ticks = /^`+/.exec(paragraph.slice(i))?.[0] ?? '`'
      const close = new RegExp(`(?<!\`)${ticks}(?!\`)`, 'g')
      close.lastIndex = i + ticks.length
      const found = close.exec(paragraph)
      if (found === null) {
        text += ticks
        i += ticks.length
      } else {
        text += '\0'
        i = found.index + ticks.length
      }
    } else {
      text += paragraph[i]
      i += 1
    }
  }
  return text
}

/** Live mentions in what GitHub would show as text, for Markdown {@link textOutsideCode} can read. */
export function liveMentions(markdown: string): string[] {
  return textOutsideCode(markdown).flatMap(
    text => decodeReferences(text).match(/(?<![A-Za-z0-9])@[A-Za-z0-9][\w-]*/g) ?? []
  )
}

/** Raw HTML in what GitHub would show as text: anything but an inline `<br>`, `<kbd>`, `<sub>` or `<sup>`. */
export function rawHtml(markdown: string): string[] {
  return textOutsideCode(markdown).flatMap(text =>
    [...text.matchAll(/<[A-Za-z/!?][^>\n]*>?/g)]
      .filter(m => !/^<\/?(br|kbd|sub|sup)>$/.test(m[0]) || /(^|\n)[ \t]*$/.test(text.slice(0, m.index)))
      .map(m => m[0])
  )
}

/** What of a comment GitHub shows as text: the rest of the comment must be there, after the model's text. */
export function outline(body: string): string {
  return textOutsideCode(body).join('\n\n')
}

/** Model text rich in what could ping, hide or open code: for the property tests. */
export const modelText = fc.string({
  unit: fc.constantFrom(
    '@',
    '@al',
    'a',
    'Z',
    '9',
    '.',
    ' ',
    '  ',
    '\t',
    '\n',
    '\n',
    '\n\n',
    '`',
    '``',
    '```',
    '~~~',
    '````',
    '\\',
    '&#64;',
    '&#x40;',
    '&commat;',
    '&#97;',
    '<!--',
    '-->',
    '<details>',
    '</details>',
    '<b>',
    '<br>',
    'x@y.io'
  ),
  maxLength: 60
})
