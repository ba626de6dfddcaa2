import { z } from 'zod'

/** The model this action is built for, and its documented prompt limit (Rivya model page). */
export const DEFAULT_MODEL = 'gpt-5.4-codex-chat'
export const DEFAULT_PROMPT_LIMIT = 20000

/** Prompt limits known without asking Rivya, so a bad `max-message-chars` fails before any call. */
export const KNOWN_PROMPT_LIMITS: Readonly<Record<string, number>> = { [DEFAULT_MODEL]: DEFAULT_PROMPT_LIMIT }

/** A message must hold the review instructions and a file header besides the diff. */
export const MIN_MESSAGE_CHARS = 2000

export const REASONING_EFFORTS = ['default', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number]

/** Repository permissions in increasing order (GitHub collaborator-permission API role names). */
export const PERMISSIONS = ['read', 'triage', 'write', 'maintain', 'admin'] as const
export type Permission = (typeof PERMISSIONS)[number]

/**
 * The values of `command-permission`: a least permission, or `everyone` (anyone may run commands,
 * the deliberate opt-in that `read` on a public repository amounts to; see permission.ts).
 */
export const COMMAND_PERMISSIONS = [...PERMISSIONS, 'everyone'] as const
export type CommandPermission = (typeof COMMAND_PERMISSIONS)[number]

/** The word in `exclude` that stands for the built-in noise list. */
export const DEFAULT_EXCLUDE_WORD = 'defaults'

export const INPUT_DEFAULTS = {
  model: DEFAULT_MODEL,
  'api-base-url': 'https://rivya.ai',
  'reasoning-effort': 'default',
  'enable-web-search': 'false',
  stream: 'false',
  include: '**',
  exclude: DEFAULT_EXCLUDE_WORD,
  'max-turns': '20',
  'trigger-phrase': '/codex',
  'command-permission': 'write',
  'post-comment': 'true',
  'review-drafts': 'false',
  incremental: 'true',
  'max-inline-comments': '10',
  'min-inline-severity': 'minor',
  'fail-on': 'none',
  'review-images': 'false',
  'max-images': '10'
} as const

/** Finding severities, most severe first (the findings block's `severity`). */
export const SEVERITY_VALUES = ['critical', 'major', 'minor', 'nit'] as const
export type SeverityValue = (typeof SEVERITY_VALUES)[number]
/** `fail-on`: a severity, or `none` (never fail on findings). */
export const FAIL_ON_VALUES = [...SEVERITY_VALUES, 'none'] as const
export type FailOnValue = (typeof FAIL_ON_VALUES)[number]

export interface Inputs {
  rivyaApiKey: string
  githubToken: string
  model: string
  apiBaseUrl: string
  reasoningEffort: ReasoningEffort
  enableWebSearch: boolean
  stream: boolean
  /** Undefined: use the model's limit. */
  maxMessageChars: number | undefined
  include: string[]
  /** May contain {@link DEFAULT_EXCLUDE_WORD}, expanded by the filter. */
  exclude: string[]
  maxTurns: number
  maxCredits: number | undefined
  triggerPhrase: string
  commandPermission: CommandPermission
  pullRequest: number | undefined
  extraInstructions: string
  postComment: boolean
  reviewDrafts: boolean
  /** After a push, review only what changed since the last review (issue 13). */
  incremental: boolean
  /** Inline comments per run; 0 posts none (every finding stays in the summary). */
  maxInlineComments: number
  /** Findings below it stay in the summary. */
  minInlineSeverity: SeverityValue
  /** Fail the step when a finding reaches this severity; `none` never does. */
  failOn: FailOnValue
  /** Attach changed PNG/JPEG/WebP images to the turn that shows them (Files API). */
  reviewImages: boolean
  /** Images per review. */
  maxImages: number
}

export class InputError extends Error {
  override name = 'InputError'
}

/** Reads one raw input; the Actions toolkit's `core.getInput` fits. */
export type InputReader = (name: string) => string

const TRUE_WORDS = ['true', 'True', 'TRUE']
const FALSE_WORDS = ['false', 'False', 'FALSE']

function oneOf<T extends string>(name: string, values: readonly T[]) {
  return z.string().refine((v): v is T => (values as readonly string[]).includes(v), {
    error: issue => `Invalid ${name} '${String(issue.input)}': expected one of ${values.join(', ')}`
  }) as unknown as z.ZodType<T, string>
}

function boolean(name: string) {
  // The YAML 1.2 core-schema words, as `core.getBooleanInput` accepts them.
  return z.string().transform((v, ctx) => {
    if (TRUE_WORDS.includes(v)) return true
    if (FALSE_WORDS.includes(v)) return false
    ctx.addIssue({ code: 'custom', message: `Invalid ${name} '${v}': expected true or false` })
    return z.NEVER
  })
}

function positiveInteger(name: string, what = 'a positive whole number') {
  return z.string().transform((v, ctx) => {
    if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) {
      ctx.addIssue({ code: 'custom', message: `Invalid ${name} '${v}': expected ${what}` })
      return z.NEVER
    }
    return Number(v)
  })
}

/** 0 or more (0 turns the feature off), capped so a typo cannot ask for millions. */
function wholeNumber(name: string, max = 1000) {
  return z.string().transform((v, ctx) => {
    if (!/^\d+$/.test(v) || Number(v) > max) {
      ctx.addIssue({
        code: 'custom',
        message: `Invalid ${name} '${v}': expected a whole number from 0 to ${max}`
      })
      return z.NEVER
    }
    return Number(v)
  })
}

function optional<T>(schema: z.ZodType<T, string>) {
  return z.string().transform((v, ctx): T | undefined => {
    if (v === '') return undefined
    const r = schema.safeParse(v)
    if (r.success) return r.data
    for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message })
    return z.NEVER
  })
}

/** The URL text for a message, without anything that may be `user:password@` and on one line. */
function withoutUserinfo(text: string): string {
  return text
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/]*@/i, '$1…@')
    .replace(/[\p{Cc}\u2028\u2029]/gu, ' ')
    .slice(0, 100)
}

/** Loopback names and addresses (RFC 6761 `localhost`, 127.0.0.0/8, ::1): traffic never leaves the machine. */
function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase()
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host)
}

/** Splits a newline- or comma-separated list, dropping blanks and `#` comment lines. */
export function splitList(raw: string): string[] {
  return raw
    .split(/[\n,]/)
    .map(s => s.trim())
    .filter(s => s !== '' && !s.startsWith('#'))
}

const KEY_WHITE_SPACE = 'Input rivya-api-key holds white space or a line break: check the secret'

/** The key's checks (their messages never quote it: it is a secret); empty passes only where GitHub withheld it. */
function rivyaApiKey(keyWithheld: boolean) {
  if (keyWithheld) return z.string().regex(/^\S*$/, { error: KEY_WHITE_SPACE })
  return z
    .string()
    .min(1, {
      error:
        'Input rivya-api-key is required: add your Rivya key as a repository secret and pass it as rivya-api-key'
    })
    .regex(/^\S+$/, { error: KEY_WHITE_SPACE })
}

const inputSchema = (keyWithheld: boolean) =>
  z
    .object({
      'rivya-api-key': rivyaApiKey(keyWithheld),
      'github-token': z
        .string()
        .regex(/^\S*$/, { error: 'Input github-token holds white space or a line break: check the secret' }),
      model: z.string().regex(/^[A-Za-z0-9._:-]+$/, { error: i => `Invalid model '${String(i.input)}'` }),
      'api-base-url': z.string().transform((v, ctx) => {
        let url: URL
        try {
          url = new URL(v)
        } catch {
          ctx.addIssue({
            code: 'custom',
            message: `Invalid api-base-url '${withoutUserinfo(v)}': expected an http(s) URL`
          })
          return z.NEVER
        }
        if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
          ctx.addIssue({
            code: 'custom',
            message: `Invalid api-base-url '${url.protocol}//${url.host}': expected an http(s) URL without credentials`
          })
          return z.NEVER
        }
        // Plain HTTP would send the key in clear text to every hop; only this machine is safe.
        if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
          ctx.addIssue({
            code: 'custom',
            message: `Invalid api-base-url 'http://${url.host}': plain http:// would send the Rivya key in clear text; use https://, or http:// only to localhost / 127.0.0.1 / [::1]`
          })
          return z.NEVER
        }
        return url.toString().replace(/\/+$/, '')
      }),
      'reasoning-effort': oneOf('reasoning-effort', REASONING_EFFORTS),
      'enable-web-search': boolean('enable-web-search'),
      stream: boolean('stream'),
      'max-message-chars': optional(positiveInteger('max-message-chars')),
      include: z.string().transform(splitList),
      exclude: z.string().transform(splitList),
      'max-turns': positiveInteger('max-turns'),
      'max-credits': optional(
        z.string().transform((v, ctx) => {
          const n = Number(v)
          if (!/^\d+(\.\d+)?$/.test(v) || !(n > 0)) {
            ctx.addIssue({
              code: 'custom',
              message: `Invalid max-credits '${v}': expected a positive number`
            })
            return z.NEVER
          }
          return n
        })
      ),
      'trigger-phrase': z.string().regex(/^\S+$/, {
        error: i => `Invalid trigger-phrase '${String(i.input)}': expected one word, such as /codex`
      }),
      'command-permission': oneOf('command-permission', COMMAND_PERMISSIONS),
      'pull-request': optional(positiveInteger('pull-request', 'a pull request number')),
      'extra-instructions': z.string(),
      'post-comment': boolean('post-comment'),
      'review-drafts': boolean('review-drafts'),
      incremental: boolean('incremental'),
      'max-inline-comments': wholeNumber('max-inline-comments'),
      'min-inline-severity': oneOf('min-inline-severity', SEVERITY_VALUES),
      'fail-on': oneOf('fail-on', FAIL_ON_VALUES),
      'review-images': boolean('review-images'),
      'max-images': wholeNumber('max-images')
    })
    .superRefine((v, ctx) => {
      const limit = KNOWN_PROMPT_LIMITS[v.model]
      const max = v['max-message-chars']
      if (max !== undefined)
        checkMessageChars(max, limit, v.model, m => ctx.addIssue({ code: 'custom', message: m }))
    })

type RawName = keyof z.input<ReturnType<typeof inputSchema>>

/** The checks `max-message-chars` must pass, against a limit known now or read from Rivya later. */
function checkMessageChars(
  max: number,
  modelLimit: number | undefined,
  model: string,
  fail: (message: string) => void
): void {
  if (max < MIN_MESSAGE_CHARS) {
    fail(
      `Invalid max-message-chars '${max}': expected at least ${MIN_MESSAGE_CHARS}, room for the instructions`
    )
  } else if (modelLimit !== undefined && max > modelLimit) {
    fail(
      `Invalid max-message-chars '${max}': ${model} accepts at most ${modelLimit} characters per message; it can be lowered, not raised`
    )
  }
}

/**
 * The size every message is cut to: the user's `max-message-chars` (if any) checked against the
 * model's limit as Rivya reports it. Throws an {@link InputError} when the user asks for more.
 */
export function messageLimit(inputs: Pick<Inputs, 'maxMessageChars' | 'model'>, modelLimit: number): number {
  if (inputs.maxMessageChars === undefined) return modelLimit
  checkMessageChars(inputs.maxMessageChars, modelLimit, inputs.model, m => {
    throw new InputError(m)
  })
  return inputs.maxMessageChars
}

interface ParseOptions {
  /**
   * GitHub withheld the secret (a fork's or Dependabot's pull request, see `secretsWithheld`): an
   * empty `rivya-api-key` is then accepted, so that the other inputs still decide whether the event
   * reviews; the caller stops before anything needs the key.
   */
  keyWithheld?: boolean
}

/**
 * Reads every input once, applies the `action.yml` defaults to empty ones (the runner does not when
 * a workflow passes an empty string), and validates them all, reporting every bad input at once.
 */
export function parseInputs(read: InputReader, options: ParseOptions = {}): Inputs {
  const schema = inputSchema(options.keyWithheld ?? false)
  const names = Object.keys(schema.shape) as RawName[]
  const raw = Object.fromEntries(
    names.map(name => {
      const value = read(name).trim()
      const fallback = (INPUT_DEFAULTS as Record<string, string>)[name]
      return [name, value === '' && fallback !== undefined ? fallback : value]
    })
  )
  const result = schema.safeParse(raw)
  if (!result.success) {
    throw new InputError(result.error.issues.map(i => i.message).join('\n'))
  }
  const v = result.data
  return {
    rivyaApiKey: v['rivya-api-key'],
    githubToken: v['github-token'],
    model: v.model,
    apiBaseUrl: v['api-base-url'],
    reasoningEffort: v['reasoning-effort'],
    enableWebSearch: v['enable-web-search'],
    stream: v.stream,
    maxMessageChars: v['max-message-chars'],
    include: v.include.length > 0 ? v.include : ['**'],
    exclude: v.exclude,
    maxTurns: v['max-turns'],
    maxCredits: v['max-credits'],
    triggerPhrase: v['trigger-phrase'],
    commandPermission: v['command-permission'],
    pullRequest: v['pull-request'],
    extraInstructions: v['extra-instructions'],
    postComment: v['post-comment'],
    reviewDrafts: v['review-drafts'],
    incremental: v.incremental,
    maxInlineComments: v['max-inline-comments'],
    minInlineSeverity: v['min-inline-severity'],
    failOn: v['fail-on'],
    reviewImages: v['review-images'],
    maxImages: v['max-images']
  }
}
