import { describe, expect, it } from '@jest/globals'
import { describeFailure, failureOf, failureTag } from '../src/failure.js'
import { RivyaError } from '../src/rivya/errors.js'

describe('describeFailure', () => {
  it('reads any thrown value, not only an Error', () => {
    const circular: Record<string, unknown> = {}
    circular.self = circular
    expect(describeFailure(new TypeError('bad'))).toBe('bad')
    expect(describeFailure('plain text')).toBe('plain text')
    expect(describeFailure({ code: 42 })).toBe('Unexpected failure: {"code":42}')
    expect(describeFailure(circular)).toBe('Unexpected failure: [object Object]')
    expect(describeFailure(undefined)).toBe('Unexpected failure: undefined')
  })
})

describe('failureTag', () => {
  it('is Rivya’s code and request id, or nothing without a code', () => {
    expect(failureTag({ message: 'm', code: 'rate_limited', requestId: 'req_1' })).toBe(
      ' (rate_limited, request req_1)'
    )
    expect(failureTag({ message: 'm', code: 'rate_limited' })).toBe(' (rate_limited)')
    expect(failureTag({ message: 'm' })).toBe('')
  })

  it('shows ids from a hostile server as data: no live mention, no way out of the text', () => {
    const tag = failureTag({ message: 'm', code: '@admin <b>', requestId: 'req_1 | x' })
    expect(tag).not.toMatch(/(^|[^A-Za-z0-9])@[A-Za-z]/)
    expect(tag).not.toContain('<b>')
  })
})

describe('failureOf', () => {
  it('keeps a Rivya error’s code and request id, and only the message of anything else', () => {
    const error = new RivyaError({
      code: 'insufficient_credits',
      message: 'too few',
      requestId: 'req_9',
      retryable: false
    })
    expect(failureOf(error)).toEqual({ message: 'too few', code: 'insufficient_credits', requestId: 'req_9' })
    expect(failureOf(new Error('boom'))).toEqual({ message: 'boom' })
  })
})
