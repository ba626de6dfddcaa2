/**
 * Shapes of Rivya's answers (RIVYA_API.md, from Rivya's api-chat, api-errors-and-limits, api-credits
 * and api-models pages). Tolerant on purpose: unknown fields are allowed, and only what the action
 * uses is required.
 */
import { z } from 'zod'

const count = z.number().finite().nonnegative()

/** A finished turn, as `POST /api/v1/chat/completions` answers and the stream's `done` event carries. */
export const completionSchema = z.object({
  id: z.string().optional(),
  session_id: z.string().min(1),
  model: z.string().optional(),
  created_at: z.string().optional(),
  message: z
    .object({
      id: z.string().optional(),
      role: z.string().optional(),
      content: z.string().optional()
    })
    .optional(),
  usage: z.object({
    input_tokens: count,
    output_tokens: count,
    total_tokens: count.optional()
  }),
  // The docs show both; `reserved` falls back to `final` rather than failing a paid turn.
  credits: z.object({ reserved: count.optional(), final: count })
})

/**
 * The part of a turn that says what it cost: `credits.final` (and usage when readable). Read
 * apart from the rest so that a charged answer broken elsewhere still counts what it cost.
 */
export const settlementSchema = z.object({
  usage: z
    .object({ input_tokens: count, output_tokens: count, total_tokens: count.optional() })
    .optional()
    .catch(undefined),
  credits: z.object({ reserved: count.optional().catch(undefined), final: count })
})

/** `{ "error": { "code", "message", "requestId" } }` (api-errors-and-limits). */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string().min(1),
    message: z.string().optional(),
    requestId: z.string().optional()
  })
})

/** `GET /api/v1/credits` → `{ "current_credits": 123 }` (api-credits). */
export const creditsSchema = z.object({ current_credits: z.number().finite() })

/** One entry of `GET /api/v1/models` (api-models); every field but `id` may be missing or null. */
export const modelSchema = z.object({
  id: z.string().min(1),
  max_prompt_length: z.number().int().positive().nullish().catch(undefined),
  base_credits: z.number().finite().nonnegative().nullish().catch(undefined),
  billing_type: z.string().nullish().catch(undefined),
  api_status: z.union([z.string(), z.boolean()]).nullish().catch(undefined),
  supported_api_inputs: z.unknown().optional(),
  chat_capabilities: z.unknown().optional()
})
export type RawModel = z.infer<typeof modelSchema>

/**
 * A `PublicApiFile`, as `POST /api/v1/files` and `GET /api/v1/files/{fileId}` answer (api-files):
 * its fields are NOT DOCUMENTED beyond an id used as `file_id`, a `url` and metadata, so `id` or
 * `file_id` is read and the rest only where present.
 */
export const fileSchema = z.object({
  id: z.string().min(1).optional(),
  file_id: z.string().min(1).optional(),
  kind: z.string().optional().catch(undefined),
  mime_type: z.string().optional().catch(undefined),
  size_bytes: count.optional().catch(undefined),
  url: z.string().optional().catch(undefined)
})
