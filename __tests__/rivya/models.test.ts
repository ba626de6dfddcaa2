import { describe, expect, it } from '@jest/globals'
import { RivyaError } from '../../src/rivya/errors.js'
import { chatProblem, fallbackModel, modelFromList, readModelList } from '../../src/rivya/models.js'

const codex = {
  id: 'gpt-5.4-codex-chat',
  max_prompt_length: 18000,
  base_credits: 4,
  billing_type: 'TOKEN_BASED',
  api_status: 'available',
  supported_api_inputs: ['text', 'file'],
  chat_capabilities: { reasoning_effort: true },
  extra_field: 'tolerated'
}
const image = { id: 'image-gen', chat_capabilities: null, api_status: 'available' }
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
      source: 'api',
      webSearch: undefined,
      supportedInputs: ['text', 'file'],
      warnings: []
    })
  })

  it.each([
    ['coming_soon', 'is not exposed through the Public API yet (api_status coming_soon)'],
    ['studio_only', 'is offered in Rivya Studio only, not through Public API v1 (api_status studio_only)']
  ])('refuses a model whose api_status is %s, saying what it means', (status, says) => {
    const listed = readModelList([{ ...codex, api_status: status }]) ?? []
    const error = caught(() => modelFromList(listed, 'gpt-5.4-codex-chat'))
    expect(error).toMatchObject({ code: 'model_unavailable', retryable: false })
    expect(error.message).toBe(
      `The Rivya model 'gpt-5.4-codex-chat' ${says} (model_unavailable): set the model input to a chat model`
    )
  })

  it('tries a model whose api_status the docs do not describe, with a warning', () => {
    const listed = readModelList([{ ...codex, api_status: 'beta' }]) ?? []
    expect(modelFromList(listed, 'gpt-5.4-codex-chat').warnings).toEqual([
      "Rivya lists 'gpt-5.4-codex-chat' with api_status beta, which its docs do not describe; trying it anyway"
    ])
  })

  it.each([
    [{ web_search: false }, false],
    [{ webSearch: { supported: false } }, false],
    [['reasoning', 'images'], false],
    [{ web_search: true }, true],
    [['web_search'], true],
    [{ reasoning: true }, undefined],
    [null, undefined]
  ])('reads web search from chat_capabilities %j as %p', (capabilities, webSearch) => {
    const listed = readModelList([{ ...codex, chat_capabilities: capabilities }]) ?? []
    const info = () => modelFromList(listed, 'gpt-5.4-codex-chat', { enableWebSearch: true })
    if (capabilities === null) return expect(caught(info).code).toBe('model_unavailable')
    expect(info().webSearch).toBe(webSearch)
    expect(info().warnings).toEqual(
      webSearch === false
        ? [
            "enable-web-search is set, but Rivya's model list says 'gpt-5.4-codex-chat' has no web search (chat_capabilities): the review runs without it"
          ]
        : []
    )
    // Without enable-web-search there is nothing to warn about.
    expect(modelFromList(listed, 'gpt-5.4-codex-chat').warnings).toEqual([])
  })

  it.each([
    ['gpt-5.4-codex-chat', 1e9, 20000, 'more than 10 times its documented 20000'],
    ['gpt-5.4-codex-chat', 200_000, 200_000, undefined],
    ['another-chat', 1e9, 200_000, 'more than the 200000 this action believes from the list'],
    ['another-chat', 64_000, 64_000, undefined]
  ])('bounds the prompt limit of %s listed at %d to %d', (id, listed, used, why) => {
    const models = readModelList([{ ...codex, id, max_prompt_length: listed }]) ?? []
    const info = modelFromList(models, id)
    expect(info.maxPromptLength).toBe(used)
    expect(info.warnings).toEqual(
      why === undefined
        ? []
        : [
            `Rivya lists max_prompt_length ${listed} for '${id}', ${why}; using ${used} characters (set max-message-chars to choose)`
          ]
    )
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
