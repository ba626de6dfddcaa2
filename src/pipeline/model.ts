import type { ModelInfo } from '../rivya/models.js'
import type { PipelineContext } from './context.js'

/**
 * The model's entry in Rivya's model list (its prompt limit and base credits); what the list said
 * that a user should know goes to the log, each doubt as a warning.
 */
export async function readModel(context: PipelineContext): Promise<ModelInfo> {
  const { inputs, log } = context
  const model = await context.rivya.getModel(inputs.model, context.signal, {
    enableWebSearch: inputs.enableWebSearch
  })
  if (model.note !== undefined) log.info(model.note)
  for (const warning of model.warnings) log.warning(warning)
  return model
}
