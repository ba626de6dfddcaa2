import { describe, expect, it } from '@jest/globals'
import { RivyaError } from '../../src/rivya/errors.js'
import { chatProblem, fallbackModel, modelFromList, readModelList } from '../../src/rivya/models.js'

const codex = {
  id: 'gpt-5.4-codex-chat',
  max_prompt_length: 18000,
  base_credits: 4,
  billing_type: 'TOKEN_BASED',
  api_status: 'active',
  supported_api_inputs: ['text', 'file'],
  chat_capabilities: { reasoning_effort: true },
  extra_field: 'tolerated'
}
const image = { id: 'image-gen', chat_capabilities: null, api_status: 'active' }
const off = { id: 'old-chat', max_prompt_length: 8000, api_status: 'disabled' }

function caught(fn: () => unknown): RivyaError {
  try {
    fn()
  } catch (error) {
    if (error instanceof RivyaError) return error
    throw error
  }
  throw new Error('expected a RivyaError')
}

describe('readModelList', () => {
  it.each([
    ['a bare array', [codex, image]],
    ['{ data: [...] }', { object: 'list', data: [codex, image] }],
    ['{ models: [...] }', { models: [codex, image] }],
    ['{ data: { models: [...] } }', { data: { models: [codex, image] } }]
  ])('reads %s', (_name, json) => {
    expect(readModelList(json)?.map(m => m.id)).toEqual(['gpt-5.4-codex-chat', 'image-gen'])
  })

  it('skips entries without an id and tolerates odd field values', () => {
    const models = readModelList([{ name: 'x' }, { id: 'm', max_prompt_length: 'big', base_credits: null }])
    expect(models).toEqual([expect.objectContaining({ id: 'm', max_prompt_length: undefined })])
  })

  it.each([{}, { data: 'x' }, 'text', null, 42])('finds no list in %j', json => {
    expect(readModelList(json)).toBeUndefined()
  })
})

describe('modelFromList', () => {
  const models = readModelList([codex, image, off]) ?? []

  it("takes Rivya's values", () => {
    expect(modelFromList(models, 'gpt-5.4-codex-chat')).toEqual({
      id: 'gpt-5.4-codex-chat',
      maxPromptLength: 18000,
      baseCredits: 4,
      billingType: 'TOKEN_BASED',
      source: 'api'
    })
  })

  it('reports a model Rivya does not list, naming usable ones', () => {
    const error = caught(() => modelFromList(models, 'gpt-9'))
    expect(error.code).toBe('model_unavailable')
    expect(error.message).toBe(
      "Rivya does not list the model 'gpt-9' (model_unavailable): set the model input to a chat model Rivya lists, such as gpt-5.4-codex-chat"
    )
  })

  it('reports a non-chat model and a disabled one', () => {
    expect(caught(() => modelFromList(models, 'image-gen')).message).toContain(
      "The Rivya model 'image-gen' is not a chat model"
    )
    expect(caught(() => modelFromList(models, 'old-chat')).message).toContain(
      'is disabled for the public API (api_status disabled)'
    )
  })

  it('uses the documented limit when the list leaves it out', () => {
    const info = modelFromList(readModelList([{ id: 'gpt-5.4-codex-chat' }]) ?? [], 'gpt-5.4-codex-chat')
    expect(info).toMatchObject({ maxPromptLength: 20000, baseCredits: 4, source: 'api' })
    expect(info.note).toContain('without max_prompt_length')
  })
})

describe('chatProblem', () => {
  it.each([
    [{ id: 'a' }, undefined],
    [{ id: 'a', api_status: 'enabled' }, undefined],
    [{ id: 'a', api_status: false }, 'is disabled for the public API (api_status false)'],
    [{ id: 'a', api_status: 'Unavailable' }, 'is disabled for the public API (api_status Unavailable)'],
    [{ id: 'a', chat_capabilities: false }, 'is not a chat model (no chat_capabilities)'],
    [{ id: 'a', supported_api_inputs: ['image'] }, 'does not take text (supported_api_inputs image)'],
    [{ id: 'a', supported_api_inputs: ['TEXT'] }, undefined]
  ])('%j → %j', (raw, problem) => {
    const [model] = readModelList([raw]) ?? []
    expect(model && chatProblem(model)).toBe(problem)
  })
})

describe('fallbackModel', () => {
  const why = new RivyaError({ code: 'network_error', message: 'Could not reach Rivya', retryable: true })

  it('falls back to the documented 20000 characters for gpt-5.4-codex-chat', () => {
    expect(fallbackModel('gpt-5.4-codex-chat', why)).toMatchObject({
      maxPromptLength: 20000,
      baseCredits: 4,
      source: 'fallback',
      note: "Could not read Rivya's model list (network_error); using the documented 20000 characters for gpt-5.4-codex-chat"
    })
  })

  it('cannot guess the limit of a model it does not know', () => {
    const error = caught(() => fallbackModel('other', why))
    expect(error).toMatchObject({ code: 'model_unavailable', cause: why })
    expect(error.message).toContain("Could not read the prompt limit of 'other'")
  })
})
