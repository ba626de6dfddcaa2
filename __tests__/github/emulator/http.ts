/** Plain-fetch access to the GitHub emulator for its own tests: no octokit, no mocking. */
import type { GitHubEmulator } from '../../../src/github/emulator/index.js'

export const TOKEN = 'ghs_emulator_test_token'
export const OWNER = 'octo-org'
export const NAME = 'demo'
export const REPO_PATH = `/repos/${OWNER}/${NAME}`
export const JSON_MEDIA = 'application/vnd.github+json'
export const DIFF_MEDIA = 'application/vnd.github.diff'

export interface Answer {
  status: number
  headers: Headers
  text: string
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown
}

export interface CallOptions {
  method?: string
  /** The token to send; null sends no Authorization header. */
  token?: string | null
  scheme?: 'token' | 'Bearer'
  accept?: string
  body?: unknown
  /** A body sent as is (for invalid JSON). */
  raw?: string
}

/** A request to `path` (absolute on the emulator, or a full URL as found in a `Link` header). */
export async function call(gh: GitHubEmulator, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { accept: options.accept ?? JSON_MEDIA }
  const token = options.token === undefined ? TOKEN : options.token
  if (token !== null) headers.authorization = `${options.scheme ?? 'token'} ${token}`
  const body = options.raw ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined)
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(path.startsWith('http') ? path : `${gh.url}${path}`, {
    method: options.method ?? (body !== undefined ? 'POST' : 'GET'),
    headers,
    body
  })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, text, json }
}

/** A request under `/repos/octo-org/demo`. */
export function repoCall(gh: GitHubEmulator, path: string, options: CallOptions = {}): Promise<Answer> {
  return call(gh, `${REPO_PATH}${path}`, options)
}

/** The `Link` header as `{ rel: url }` (RFC 8288, as GitHub writes it). */
export function links(answer: Answer): Record<string, string> {
  const header = answer.headers.get('link')
  if (header === null) return {}
  const out: Record<string, string> = {}
  for (const part of header.split(',')) {
    const m = /^\s*<([^>]+)>;\s*rel="([^"]+)"\s*$/.exec(part)
    if (m === null) throw new Error(`malformed Link part: ${part}`)
    out[m[2] as string] = m[1] as string
  }
  return out
}

/** Every item of a paginated list, following `rel="next"` from `path`; also how many pages it took. */
export async function walk<T>(
  gh: GitHubEmulator,
  path: string
): Promise<{ items: T[]; pages: number; last: Answer }> {
  const items: T[] = []
  let answer = await call(gh, path)
  let pages = 1
  for (;;) {
    if (answer.status !== 200) throw new Error(`page ${pages} answered ${answer.status}: ${answer.text}`)
    items.push(...(answer.json as T[]))
    const next = links(answer).next
    if (next === undefined) return { items, pages, last: answer }
    answer = await call(gh, next)
    pages += 1
  }
}

export interface ErrorBody {
  message: string
  documentation_url?: string
  status?: string
  errors?: { resource?: string; field?: string; code?: string; message?: string }[]
}

export function errorBody(answer: Answer): ErrorBody {
  return answer.json as ErrorBody
}
