import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'

export type GitHubClient = ReturnType<typeof getOctokit>

export interface Repo {
  owner: string
  repo: string
}

export interface GitHubClientOptions {
  token: string
  /** GITHUB_API_URL: https://api.github.com, a GHES `/api/v3` root, or the emulator. */
  baseUrl: string
  log: (message: string) => void
  /** Longest rate-limit wait worth sitting through (seconds); past it the call fails. */
  maxRateLimitWait?: number
}

/**
 * Statuses never worth a blind retry. @octokit/plugin-retry's own list leaves out 406, which is
 * GitHub's final "diff too large" answer, and it would retry a POST after a 5xx even though the
 * comment may already exist; comment creation therefore asks for no retries (see comments.ts).
 * 429 is left to the throttling plugin, which waits as long as GitHub says (`retry-after`); the
 * retry plugin would retry it after 1, 4 and 9 s whatever the header, where GitHub's docs say not
 * to retry before `retry-after` seconds have passed ("Rate limits for the REST API").
 */
export const DO_NOT_RETRY = [400, 401, 403, 404, 406, 410, 422, 429, 451]

/**
 * Octokit with GitHub's documented rate-limit handling (primary and secondary limits, honouring
 * `retry-after` and `x-ratelimit-reset`, through @octokit/plugin-throttling) and bounded retries of
 * transient server errors (@octokit/plugin-retry).
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const maxWait = options.maxRateLimitWait ?? 120
  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const again = retryCount < 2 && retryAfter <= maxWait
      options.log(
        `GitHub ${kind} rate limit on ${request.method} ${request.url}: ${again ? `retrying in ${retryAfter} s` : 'giving up'}`
      )
      return again
    }
  return getOctokit(
    options.token,
    {
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      retry: { doNotRetry: DO_NOT_RETRY, retries: 3 },
      throttle: { onRateLimit: onLimit('primary'), onSecondaryRateLimit: onLimit('secondary') }
    },
    retry,
    throttling
  )
}

/** The HTTP status of an Octokit request error, if it is one. */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status
  return typeof status === 'number' ? status : undefined
}
