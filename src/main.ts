import * as core from '@actions/core'
import { InputError, parseInputs } from './inputs.js'

/** Text for a failure of any kind, thrown values that are not `Error`s included. */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'string') return error
  try {
    return `Unexpected failure: ${JSON.stringify(error)}`
  } catch {
    return `Unexpected failure: ${String(error)}`
  }
}

/** The action: context → diff → chunks → session → comment. */
export async function run(): Promise<void> {
  try {
    // Masked before anything else runs, so no later log line, error or output can show it.
    const key = core.getInput('rivya-api-key')
    if (key !== '') core.setSecret(key)
    const token = core.getInput('github-token')
    if (token !== '') core.setSecret(token)

    const inputs = parseInputs(name => core.getInput(name))
    core.info(
      `Reviewing with ${inputs.model} (reasoning effort ${inputs.reasoningEffort}) at ${inputs.apiBaseUrl}`
    )
    await Promise.resolve()
  } catch (error) {
    core.setFailed(error instanceof InputError ? error.message : describeFailure(error))
  }
}
