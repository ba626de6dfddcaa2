/**
 * Paths as git writes them in a diff's header lines: C-style quoted when they hold special or
 * non-ASCII bytes (`core.quotePath`), with the `a/` and `b/` prefixes, and, on the `diff --git`
 * line, two unquoted names that may hold spaces.
 */

const ESCAPES: Readonly<Record<string, number>> = {
  a: 7,
  b: 8,
  t: 9,
  n: 10,
  v: 11,
  f: 12,
  r: 13,
  '"': 34,
  '\\': 92
}

/**
 * Reads a C-style quoted name starting at `text[start] === '"'`, as git writes names with special
 * or (with the default `core.quotePath`) non-ASCII bytes: octal escapes are bytes of UTF-8.
 * Returns the decoded name and the index after the closing quote (or the end, if unterminated).
 */
export function unquoteCString(text: string, start = 0): { value: string; end: number } {
  const bytes: number[] = []
  let i = start + 1
  while (i < text.length) {
    const ch = text[i] as string
    if (ch === '"') return { value: decodeUtf8(bytes), end: i + 1 }
    if (ch === '\\' && i + 1 < text.length) {
      const next = text[i + 1] as string
      const octal = /^[0-7]{3}/.exec(text.slice(i + 1, i + 4))
      if (octal !== null) {
        bytes.push(parseInt(octal[0], 8) & 0xff)
        i += 4
        continue
      }
      const escaped = ESCAPES[next]
      if (escaped !== undefined) {
        bytes.push(escaped)
        i += 2
        continue
      }
      bytes.push(92)
      i += 1
      continue
    }
    const cp = text.codePointAt(i) as number
    const n = cp > 0xffff ? 2 : 1
    for (const b of Buffer.from(text.slice(i, i + n), 'utf8')) bytes.push(b)
    i += n
  }
  return { value: decodeUtf8(bytes), end: text.length }
}

const utf8 = new TextDecoder('utf-8')

function decodeUtf8(bytes: number[]): string {
  return utf8.decode(Uint8Array.from(bytes))
}

/** A name from a header line: quoted or not; unquoted names end at a tab (GNU diff's timestamp). */
export function headerName(raw: string): string {
  if (raw.startsWith('"')) return unquoteCString(raw).value
  const tab = raw.indexOf('\t')
  return tab === -1 ? raw : raw.slice(0, tab)
}

export function stripPrefix(name: string, prefix: string): string {
  return name.startsWith(prefix) ? name.slice(prefix.length) : name
}

/**
 * The two names of `diff --git A B`. Unquoted names may hold spaces, so, like `git apply`, prefer
 * the split where both names agree; the rename and `---`/`+++` lines, when present, win anyway.
 */
export function gitNames(rest: string): [string | undefined, string | undefined] {
  if (rest.startsWith('"')) {
    const a = unquoteCString(rest)
    const tail = rest.slice(a.end).replace(/^ /, '')
    const b = tail.startsWith('"') ? unquoteCString(tail).value : tail
    return [stripPrefix(a.value, 'a/'), stripPrefix(b, 'b/')]
  }
  const quoted = rest.lastIndexOf(' "')
  if (quoted !== -1 && rest.endsWith('"')) {
    return [
      stripPrefix(rest.slice(0, quoted), 'a/'),
      stripPrefix(unquoteCString(rest, quoted + 1).value, 'b/')
    ]
  }
  let first: [string, string] | undefined
  // Git paths are at most a few KiB; a longer line is not worth a quadratic search.
  if (rest.length > 16384) return [undefined, undefined]
  for (let i = rest.indexOf(' '); i !== -1; i = rest.indexOf(' ', i + 1)) {
    const a = stripPrefix(rest.slice(0, i), 'a/')
    const b = stripPrefix(rest.slice(i + 1), 'b/')
    if (a === b) return [a, b]
    if (first === undefined && rest.startsWith('b/', i + 1)) first = [a, b]
  }
  return first ?? [undefined, undefined]
}
