import type { RunContext } from '../github/context.js'
import { createGitHubClient, type GitHubClient } from '../github/client.js'
import type { Trigger } from '../github/event.js'
import type { Inputs } from '../inputs.js'
import type { Command } from '../review/command.js'
import { keysFor, type TurnKeysOf } from '../review/keys.js'
import { RivyaClient } from '../rivya/client.js'
import type { RivyaSessionOptions } from '../rivya/session.js'
import { scrub } from '../secrets.js'

/** Where the pipeline's log lines go: the runner's log (`core.info`, `core.warning`) in the action. */
export interface Log {
  info: (line: string) => void
  warning: (line: string) => void
}

/** A trigger that runs something. */
export type ActiveTrigger = Exclude<Trigger, { kind: 'skip' }>
export type CommentTrigger = Extract<Trigger, { kind: 'comment' }>
export type QuestionTrigger = CommentTrigger & { command: Extract<Command, { kind: 'question' }> }

/** Everything one run works with, built once by `run()` and handed to the review, the question or the command. */
export interface PipelineContext<T extends ActiveTrigger = ActiveTrigger> {
  run: RunContext
  inputs: Inputs
  trigger: T
  github: GitHubClient
  rivya: RivyaClient
  /** Takes the key and the token out of text that is posted or shown. */
  scrub: (text: string) => string
  /** Aborted when the runner cancels the step. */
  signal: AbortSignal
  log: Log
}

interface PipelineSetup<T extends ActiveTrigger> {
  run: RunContext
  inputs: Inputs
  trigger: T
  /** The secrets' parts to scrub (`secretParts`). */
  secrets: readonly string[]
  signal: AbortSignal
  log: Log
}

/** Opens the GitHub and Rivya clients of one run, hands the context to `work`, and closes them after it. */
export async function withPipeline<T extends ActiveTrigger>(
  setup: PipelineSetup<T>,
  work: (context: PipelineContext<T>) => Promise<void>
): Promise<void> {
  const { inputs, secrets, log } = setup
  if (inputs.githubToken === '')
    throw new Error('Input github-token is empty: pass ${{ github.token }} or a token')
  const github = createGitHubClient({ token: inputs.githubToken, baseUrl: setup.run.apiUrl, log: log.info })
  const rivya = new RivyaClient({ baseUrl: inputs.apiBaseUrl, apiKey: inputs.rivyaApiKey })
  try {
    await work({
      run: setup.run,
      inputs,
      trigger: setup.trigger,
      github,
      rivya,
      scrub: text => scrub(text, secrets),
      signal: setup.signal,
      log
    })
  } finally {
    await rivya.close()
  }
}

/** The session settings the inputs give every turn of a run (a question adds the session to continue). */
export function sessionOptions(inputs: Inputs): RivyaSessionOptions {
  return {
    model: inputs.model,
    reasoningEffort: inputs.reasoningEffort,
    enableWebSearch: inputs.enableWebSearch,
    stream: inputs.stream
  }
}

/** The keys of this run's turns on the pull request at `headSha`; a command's comment id makes them its own. */
export function runKeys(
  context: PipelineContext,
  pr: { number: number; headSha: string },
  commentId: number | undefined
): TurnKeysOf {
  return keysFor(context.inputs, {
    repository: context.run.repository,
    pullNumber: pr.number,
    headSha: pr.headSha,
    commentId
  })
}
