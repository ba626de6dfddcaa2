import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

/** Real webhook payloads, as GitHub documents them, from @octokit/webhooks-examples. */
interface ExampleSet {
  name: string
  examples: Record<string, unknown>[]
}

const require = createRequire(import.meta.url)
const sets = JSON.parse(
  readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8')
) as ExampleSet[]

/** Every example payload of an event (optionally of one action), deep-copied so tests may edit them. */
export function examples(event: string, action?: string): Record<string, unknown>[] {
  const set = sets.find(s => s.name === event)
  if (set === undefined) throw new Error(`no webhook examples for ${event}`)
  const found = set.examples.filter(e => action === undefined || e.action === action)
  if (found.length === 0) throw new Error(`no webhook example for ${event}.${action}`)
  return found.map(e => structuredClone(e))
}

/** The first example payload of an event (and action). */
export function example(event: string, action?: string): Record<string, unknown> {
  return examples(event, action)[0] as Record<string, unknown>
}
