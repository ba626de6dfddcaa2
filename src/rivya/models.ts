/**
 * What `GET /api/v1/models` says about a model (Rivya api-models page, RIVYA_API.md "Models": the
 * list is `{"object":"list","data":[...]}`; each model has `id`, `max_prompt_length`,
 * `base_credits`, `billing_type`, `api_status` (`available`, `coming_soon`, `studio_only`),
 * `supported_api_inputs`, `chat_capabilities` whose keys are NOT DOCUMENTED). Read tolerantly:
 * other envelopes and values are accepted where they cannot mislead.
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
  /**
   * Whether the model can search the web, from `chat_capabilities`; undefined when the list does
   * not say in a way this client can read.
   */
  webSearch: boolean | undefined
  /**
   * Whether the model takes image file attachments, from `chat_capabilities` (read as
   * {@link imageAttachmentCapability}); undefined when the list does not say.
   */
  imageAttachments: boolean | undefined
  /** `supported_api_inputs` as listed, e.g. `['text', 'file']`. */
  supportedInputs: string[] | undefined
  /** Things the user should know, for `core.warning` (a setting the model ignores, a bounded limit). */
  warnings: string[]
}

/** What the caller means to use, so that `getModel` can warn about what the model lacks. */
export interface ModelWanted {
  enableWebSearch?: boolean
}

/**
 * The largest prompt limit believed from the list for a model this client has no documented value
 * for. A list that says 10^9 would make every chunk one message far past what any model takes.
 */
export const MAX_TRUSTED_PROMPT_LENGTH = 200_000
/** How far above its documented limit a known model's listed limit is believed. */
const KNOWN_LIMIT_HEADROOM = 10

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

/** `api_status` values of the api-models page other than `available`, and what they mean there. */
const DOCUMENTED_STATUS: Readonly<Record<string, string>> = {
  coming_soon: 'is not exposed through the Public API yet (api_status coming_soon)',
  studio_only: 'is offered in Rivya Studio only, not through Public API v1 (api_status studio_only)'
}

/** Why a listed model cannot serve this action's chat turns, or undefined when it can. */
export function chatProblem(model: RawModel): string | undefined {
  const status = model.api_status
  const documented = typeof status === 'string' ? DOCUMENTED_STATUS[status.trim().toLowerCase()] : undefined
  if (documented !== undefined) return documented
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

/**
 * Whether `chat_capabilities` says the model searches the web. Its keys are NOT DOCUMENTED
 * (RIVYA_API.md "Models"), so a `web_search`-like key holding a boolean (or `{ supported }` /
 * `{ enabled }`), or a list of capability names, are read; anything else is "unknown".
 */
export function webSearchCapability(capabilities: unknown): boolean | undefined {
  return namedCapability(capabilities, name =>
    /^(web[_ -]?search|search|browsing|browse|internet)$/i.test(name)
  )
}

/**
 * Whether `chat_capabilities` says the model takes image file attachments (the api-models page:
 * "image file attachments"; the key is NOT DOCUMENTED, `image_attachments` is ASSUMED): an
 * `image_attachments`-, `images`- or `vision`-like key, read as {@link webSearchCapability} reads.
 */
export function imageAttachmentCapability(capabilities: unknown): boolean | undefined {
  return namedCapability(capabilities, name =>
    /^(images?[_ -]?(file[_ -]?)?attachments?|images?|image[_ -]?input|vision)$/i.test(name)
  )
}

/** A capability's flag in `chat_capabilities`, found by its key's name; undefined when unknown. */
function namedCapability(capabilities: unknown, named: (name: string) => boolean): boolean | undefined {
  if (Array.isArray(capabilities)) {
    const names = capabilities.filter((c): c is string => typeof c === 'string')
    if (names.length === 0) return undefined
    return names.some(named)
  }
  if (typeof capabilities !== 'object' || capabilities === null) return undefined
  for (const [key, value] of Object.entries(capabilities)) {
    if (!named(key.replace(/([a-z])([A-Z])/g, '$1_$2'))) continue
    if (typeof value === 'boolean') return value
    if (typeof value === 'object' && value !== null) {
      const flag = (value as Record<string, unknown>).supported ?? (value as Record<string, unknown>).enabled
      if (typeof flag === 'boolean') return flag
    }
  }
  return undefined
}

/** The listed prompt limit if believable; else a bounded one and the reason, for a warning. */
function promptLimit(id: string, listed: number): { limit: number; warning?: string } {
  const known = FALLBACK_MODELS[id]?.maxPromptLength
  const cap = known === undefined ? MAX_TRUSTED_PROMPT_LENGTH : known * KNOWN_LIMIT_HEADROOM
  // A much lower limit is kept (sending more than Rivya accepts fails the turn), but said: it
  // multiplies the turns of every review, and history makes each turn dearer.
  if (known !== undefined && listed < known / 2) {
    return {
      limit: listed,
      warning: `Rivya lists max_prompt_length ${listed} for '${id}', less than half its documented ${known}; using ${listed} characters, so reviews take more turns`
    }
  }
  if (listed <= cap) return { limit: listed }
  const limit = known ?? MAX_TRUSTED_PROMPT_LENGTH
  const why =
    known === undefined
      ? `more than the ${MAX_TRUSTED_PROMPT_LENGTH} this action believes from the list`
      : `more than ${KNOWN_LIMIT_HEADROOM} times its documented ${known}`
  return {
    limit,
    warning: `Rivya lists max_prompt_length ${listed} for '${id}', ${why}; using ${limit} characters (set max-message-chars to choose)`
  }
}

/** The model `id` from a list read from Rivya; throws `model_unavailable` when it cannot be used. */
export function modelFromList(models: RawModel[], id: string, wanted: ModelWanted = {}): ModelInfo {
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
  const warnings: string[] = []
  const status = model.api_status
  if (typeof status === 'string' && status.trim().toLowerCase() !== 'available') {
    warnings.push(
      `Rivya lists '${id}' with api_status ${status}, which its docs do not describe; trying it anyway`
    )
  }
  let limit = known?.maxPromptLength ?? DEFAULT_PROMPT_LIMIT
  if (model.max_prompt_length !== undefined && model.max_prompt_length !== null) {
    const bounded = promptLimit(id, model.max_prompt_length)
    limit = bounded.limit
    if (bounded.warning !== undefined) warnings.push(bounded.warning)
  }
  const webSearch = webSearchCapability(model.chat_capabilities)
  const imageAttachments = imageAttachmentCapability(model.chat_capabilities)
  if (wanted.enableWebSearch === true && webSearch === false) {
    warnings.push(
      `enable-web-search is set, but Rivya's model list says '${id}' has no web search (chat_capabilities): the review runs without it`
    )
  }
  const inputs = model.supported_api_inputs
  return {
    id,
    maxPromptLength: limit,
    baseCredits: model.base_credits ?? known?.baseCredits,
    billingType: model.billing_type ?? undefined,
    source: 'api',
    webSearch,
    imageAttachments,
    supportedInputs: Array.isArray(inputs)
      ? inputs.filter((i): i is string => typeof i === 'string')
      : undefined,
    warnings,
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
    webSearch: undefined,
    imageAttachments: undefined,
    supportedInputs: undefined,
    warnings: [],
    note: `Could not read Rivya's model list (${why.code}); using the documented ${known.maxPromptLength} characters for ${id}`
  }
}
