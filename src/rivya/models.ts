/**
 * What `GET /api/v1/models` says about a model (Rivya api-models page: each model has `id`,
 * `max_prompt_length`, `base_credits`, `billing_type`, `api_status`, `supported_api_inputs`,
 * `chat_capabilities`). The docs do not show the list's envelope nor the values of `api_status`,
 * so both are read tolerantly.
 */
import { DEFAULT_MODEL, DEFAULT_PROMPT_LIMIT } from '../inputs.js'
import { RivyaError } from './errors.js'
import { modelSchema, type RawModel } from './schemas.js'

export interface ModelInfo {
  id: string
  /** Characters one `message` may hold. */
  maxPromptLength: number
  baseCredits: number | undefined
  billingType: string | undefined
  /** `api`: read from Rivya now; `fallback`: Rivya's list could not be read, known values used. */
  source: 'api' | 'fallback'
  /** Why a known value stands in for Rivya's (for a log line). */
  note?: string
}

/** Used when the list cannot be read: the `gpt-5.4-codex-chat` model page (20000 chars, 4 base credits). */
export const FALLBACK_MODELS: Readonly<Record<string, { maxPromptLength: number; baseCredits: number }>> = {
  [DEFAULT_MODEL]: { maxPromptLength: DEFAULT_PROMPT_LIMIT, baseCredits: 4 }
}

/**
 * The models in a `/api/v1/models` answer, whatever the envelope: a bare array, `{ data: [...] }`
 * or `{ models: [...] }` (also one level deeper). Entries without an `id` are skipped. Undefined
 * when no list is found.
 */
export function readModelList(json: unknown): RawModel[] | undefined {
  const list = findList(json, 0)
  if (list === undefined) return undefined
  const models: RawModel[] = []
  for (const entry of list) {
    const parsed = modelSchema.safeParse(entry)
    if (parsed.success) models.push(parsed.data)
  }
  return models
}

function findList(json: unknown, depth: number): unknown[] | undefined {
  if (Array.isArray(json)) return json as unknown[]
  if (depth > 1 || typeof json !== 'object' || json === null) return undefined
  const record = json as Record<string, unknown>
  for (const key of ['data', 'models', 'items', 'results']) {
    const found = findList(record[key], depth + 1)
    if (found !== undefined) return found
  }
  return undefined
}

const DISABLED_STATUS = /^(disabled?|inactive|unavailable|off|retired|deprecated|blocked|suspended|false)$/i

/** Why a listed model cannot serve this action's chat turns, or undefined when it can. */
export function chatProblem(model: RawModel): string | undefined {
  const status = model.api_status
  if (status === false || (typeof status === 'string' && DISABLED_STATUS.test(status.trim()))) {
    return `is disabled for the public API (api_status ${String(status)})`
  }
  if (model.chat_capabilities === null || model.chat_capabilities === false) {
    return 'is not a chat model (no chat_capabilities)'
  }
  const inputs = model.supported_api_inputs
  if (
    Array.isArray(inputs) &&
    inputs.length > 0 &&
    inputs.every(i => typeof i === 'string') &&
    !inputs.some(i => /text/i.test(i))
  ) {
    return `does not take text (supported_api_inputs ${inputs.join(', ')})`
  }
  return undefined
}

function unavailable(message: string, cause?: unknown): RivyaError {
  return new RivyaError({ code: 'model_unavailable', message, retryable: false, cause })
}

/** The model `id` from a list read from Rivya; throws `model_unavailable` when it cannot be used. */
export function modelFromList(models: RawModel[], id: string): ModelInfo {
  const model = models.find(m => m.id === id)
  if (model === undefined) {
    const usable = models.filter(m => chatProblem(m) === undefined).map(m => m.id)
    const some = usable.length > 0 ? `, such as ${usable.slice(0, 8).join(', ')}` : ''
    return fail(
      `Rivya does not list the model '${id}' (model_unavailable): set the model input to a chat model Rivya lists${some}`
    )
  }
  const problem = chatProblem(model)
  if (problem !== undefined) {
    return fail(`The Rivya model '${id}' ${problem} (model_unavailable): set the model input to a chat model`)
  }
  const known = FALLBACK_MODELS[id]
  const limit = model.max_prompt_length ?? known?.maxPromptLength ?? DEFAULT_PROMPT_LIMIT
  return {
    id,
    maxPromptLength: limit,
    baseCredits: model.base_credits ?? known?.baseCredits,
    billingType: model.billing_type ?? undefined,
    source: 'api',
    ...(model.max_prompt_length === undefined || model.max_prompt_length === null
      ? { note: `Rivya lists '${id}' without max_prompt_length; using ${limit} characters` }
      : {})
  }
}

function fail(message: string): never {
  throw unavailable(message)
}

/** Known values for `id` when Rivya's list could not be read (`why`); throws for a model not known here. */
export function fallbackModel(id: string, why: RivyaError): ModelInfo {
  const known = FALLBACK_MODELS[id]
  if (known === undefined) {
    throw unavailable(
      `Could not read the prompt limit of '${id}' from Rivya's model list (model_unavailable): ${why.message}`,
      why
    )
  }
  return {
    id,
    maxPromptLength: known.maxPromptLength,
    baseCredits: known.baseCredits,
    billingType: undefined,
    source: 'fallback',
    note: `Could not read Rivya's model list (${why.code}); using the documented ${known.maxPromptLength} characters for ${id}`
  }
}
