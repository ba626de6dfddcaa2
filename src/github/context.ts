import { readFileSync } from 'node:fs'
import type { Repo } from './client.js'
import type { EventContext } from './event.js'

/** What the runner tells the action about the run, read from its documented environment variables. */
export interface RunContext extends EventContext {
  repo: Repo
  /** `owner/name`. */
  repository: string
  actor: string
  runId: string
  runAttempt: string
  apiUrl: string
  serverUrl: string
  /** Link to this run, for the comment's footer. */
  runUrl: string | undefined
}

export class ContextError extends Error {
  override name = 'ContextError'
}

/**
 * Reads the run's context from the variables the Actions runner sets (GITHUB_EVENT_NAME,
 * GITHUB_EVENT_PATH, GITHUB_REPOSITORY, …; "Default environment variables" in GitHub's docs).
 */
export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const eventName = env.GITHUB_EVENT_NAME ?? ''
  let payload: Record<string, unknown> = {}
  const path = env.GITHUB_EVENT_PATH
  if (path !== undefined && path !== '') {
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown
      if (typeof parsed === 'object' && parsed !== null) payload = parsed as Record<string, unknown>
    } catch (error) {
      throw new ContextError(`Cannot read the event payload at GITHUB_EVENT_PATH (${path})`, { cause: error })
    }
  }
  const repository = env.GITHUB_REPOSITORY ?? ''
  const [owner, repo] = repository.split('/')
  if (owner === undefined || owner === '' || repo === undefined || repo === '') {
    throw new ContextError(
      `GITHUB_REPOSITORY must be owner/name, got '${repository}': is this running in GitHub Actions?`
    )
  }
  const serverUrl = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '')
  const runId = env.GITHUB_RUN_ID ?? ''
  return {
    eventName,
    payload,
    repo: { owner, repo },
    repository,
    actor: env.GITHUB_ACTOR ?? '',
    runId,
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
    apiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
    serverUrl,
    runUrl: runId !== '' ? `${serverUrl}/${repository}/actions/runs/${runId}` : undefined
  }
}
