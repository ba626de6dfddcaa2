import { describe, expect, it } from '@jest/globals'
import { InputError, messageLimit, parseInputs, splitList } from '../src/inputs.js'

function reader(values: Record<string, string>) {
  return (name: string) => values[name] ?? ''
}

const KEY = 'rvya_sk_test_0123456789'

describe('parseInputs', () => {
  it('applies the action.yml defaults to inputs that arrive empty', () => {
    const inputs = parseInputs(reader({ 'rivya-api-key': KEY }))
    expect(inputs).toEqual({
      rivyaApiKey: KEY,
      githubToken: '',
      model: 'gpt-5.4-codex-chat',
      apiBaseUrl: 'https://rivya.ai',
      reasoningEffort: 'default',
      enableWebSearch: false,
      stream: false,
      maxMessageChars: undefined,
      include: ['**'],
      exclude: ['defaults'],
      maxTurns: 20,
      maxCredits: undefined,
      triggerPhrase: '/codex',
      commandPermission: 'write',
      pullRequest: undefined,
      extraInstructions: '',
      postComment: true,
      reviewDrafts: false,
      incremental: true,
      maxInlineComments: 10,
      minInlineSeverity: 'minor',
      failOn: 'none',
      reviewImages: false,
      maxImages: 10
    })
  })

  it('takes an empty key where GitHub withheld the secret, so the other inputs still decide the run', () => {
    const inputs = parseInputs(reader({ 'review-drafts': 'true' }), { keyWithheld: true })
    expect(inputs.rivyaApiKey).toBe('')
    expect(inputs.reviewDrafts).toBe(true)
    expect(() => parseInputs(reader({}), { keyWithheld: false })).toThrow(/rivya-api-key is required/)
    expect(() => parseInputs(reader({ 'rivya-api-key': 'a b' }), { keyWithheld: true })).toThrow(
      /rivya-api-key holds white space/
    )
  })

  it("accepts command-permission 'everyone', the opt-in for anyone running commands", () => {
    const inputs = parseInputs(reader({ 'rivya-api-key': KEY, 'command-permission': 'everyone' }))
    expect(inputs.commandPermission).toBe('everyone')
  })

  it('reads every input it is given', () => {
    const inputs = parseInputs(
      reader({
        'rivya-api-key': KEY,
        'github-token': 'ghs_x',
        model: 'other-model',
        'api-base-url': 'http://127.0.0.1:8080/',
        'reasoning-effort': 'xhigh',
        'enable-web-search': 'True',
        stream: 'TRUE',
        'max-message-chars': '30000',
        include: 'src/**\n  lib/**, # comment\n',
        exclude: 'defaults, docs/**',
        'max-turns': '3',
        'max-credits': '12.5',
        'trigger-phrase': '@review',
        'command-permission': 'maintain',
        'pull-request': '42',
        'extra-instructions': 'Be brief.',
        'post-comment': 'false',
        'review-drafts': 'true',
        incremental: 'false',
        'max-inline-comments': '0',
        'min-inline-severity': 'nit',
        'fail-on': 'major',
        'review-images': 'true',
        'max-images': '3'
      })
    )
    expect(inputs.apiBaseUrl).toBe('http://127.0.0.1:8080')
    expect(inputs.reasoningEffort).toBe('xhigh')
    expect(inputs.enableWebSearch).toBe(true)
    expect(inputs.stream).toBe(true)
    // An unknown model's limit is checked later, against what Rivya reports.
    expect(inputs.maxMessageChars).toBe(30000)
    expect(inputs.include).toEqual(['src/**', 'lib/**'])
    expect(inputs.exclude).toEqual(['defaults', 'docs/**'])
    expect(inputs.maxTurns).toBe(3)
    expect(inputs.maxCredits).toBe(12.5)
    expect(inputs.triggerPhrase).toBe('@review')
    expect(inputs.commandPermission).toBe('maintain')
    expect(inputs.pullRequest).toBe(42)
    expect(inputs.extraInstructions).toBe('Be brief.')
    expect(inputs.postComment).toBe(false)
    expect(inputs.reviewDrafts).toBe(true)
    expect(inputs.incremental).toBe(false)
    expect(inputs.maxInlineComments).toBe(0)
    expect(inputs.minInlineSeverity).toBe('nit')
    expect(inputs.failOn).toBe('major')
    expect(inputs.reviewImages).toBe(true)
    expect(inputs.maxImages).toBe(3)
  })

  it.each([
    [
      { 'reasoning-effort': 'fast' },
      "Invalid reasoning-effort 'fast': expected one of default, minimal, low, medium, high, xhigh"
    ],
    [
      { 'max-message-chars': '30000' },
      "Invalid max-message-chars '30000': gpt-5.4-codex-chat accepts at most 20000"
    ],
    [{ 'max-message-chars': '100' }, "Invalid max-message-chars '100': expected at least 2000"],
    [{ 'max-message-chars': '1e4' }, "Invalid max-message-chars '1e4': expected a positive whole number"],
    [{ 'pull-request': 'abc' }, "Invalid pull-request 'abc': expected a pull request number"],
    [{ 'pull-request': '0' }, "Invalid pull-request '0'"],
    [{ 'max-turns': '-1' }, "Invalid max-turns '-1'"],
    [{ 'max-credits': 'lots' }, "Invalid max-credits 'lots': expected a positive number"],
    [{ stream: 'yes' }, "Invalid stream 'yes': expected true or false"],
    [
      { 'command-permission': 'owner' },
      "Invalid command-permission 'owner': expected one of read, triage, write, maintain, admin, everyone"
    ],
    [{ 'api-base-url': 'rivya.ai' }, "Invalid api-base-url 'rivya.ai': expected an http(s) URL"],
    [{ 'api-base-url': 'ftp://rivya.ai' }, 'expected an http(s) URL without credentials'],
    [
      { 'api-base-url': 'http://rivya.ai' },
      "Invalid api-base-url 'http://rivya.ai': plain http:// would send the Rivya key in clear text"
    ],
    [
      { 'api-base-url': 'http://10.0.0.5:8080/' },
      "Invalid api-base-url 'http://10.0.0.5:8080': plain http://"
    ],
    [{ 'api-base-url': 'http://127.0.0.1.example.com' }, 'plain http:// would send the Rivya key'],
    [{ 'trigger-phrase': '/codex now' }, "Invalid trigger-phrase '/codex now'"],
    [{ 'fail-on': 'high' }, "Invalid fail-on 'high': expected one of critical, major, minor, nit, none"],
    [
      { 'min-inline-severity': 'none' },
      "Invalid min-inline-severity 'none': expected one of critical, major, minor, nit"
    ],
    [
      { 'max-inline-comments': '-1' },
      "Invalid max-inline-comments '-1': expected a whole number from 0 to 1000"
    ],
    [{ 'max-images': '1e3' }, "Invalid max-images '1e3'"],
    [{ incremental: 'yes' }, "Invalid incremental 'yes': expected true or false"]
  ])('rejects %j', (values, message) => {
    const read = reader({ 'rivya-api-key': KEY, ...values })
    expect(() => parseInputs(read)).toThrow(InputError)
    expect(() => parseInputs(read)).toThrow(message)
  })

  it('requires the key and reports every bad input at once, without echoing the key', () => {
    let error: unknown
    try {
      parseInputs(reader({ 'reasoning-effort': 'fast', stream: 'maybe' }))
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InputError)
    const message = (error as Error).message
    expect(message).toContain('rivya-api-key is required')
    expect(message).toContain("Invalid reasoning-effort 'fast'")
    expect(message).toContain("Invalid stream 'maybe'")
  })

  it('rejects a key or token holding a line break, without quoting either', () => {
    const badKey = 'rvya_sk_first_half\nsecond_half'
    const badToken = 'ghs_first_half\nsecond_half_tok'
    expect(() => parseInputs(reader({ 'rivya-api-key': badKey }))).toThrow(
      /^(?!.*(first_half|second_half)).*rivya-api-key holds white space/s
    )
    expect(() => parseInputs(reader({ 'rivya-api-key': KEY, 'github-token': badToken }))).toThrow(
      /^(?!.*(first_half|second_half)).*github-token holds white space/s
    )
  })

  it('never puts a credential of api-base-url into its message', () => {
    expect(() =>
      parseInputs(reader({ 'rivya-api-key': KEY, 'api-base-url': 'https://user:hunter2@proxy' }))
    ).toThrow(/^(?!.*hunter2).*without credentials/)
  })

  it.each(['user:hunter2@proxy', 'https://us er:hunter2@proxy/x', 'http://user:hunter2@[bad', 'hunter2@'])(
    'never quotes a credential of an unparseable api-base-url (%s)',
    url => {
      expect(() => parseInputs(reader({ 'rivya-api-key': KEY, 'api-base-url': url }))).toThrow(
        /^(?!.*hunter2).*Invalid api-base-url '.*': expected an http\(s\) URL/s
      )
    }
  )

  it.each(['http://127.0.0.1:8787', 'http://localhost:8787/', 'http://[::1]:8787', 'https://proxy.example'])(
    'accepts %s (loopback or TLS)',
    url => {
      expect(parseInputs(reader({ 'rivya-api-key': KEY, 'api-base-url': url })).apiBaseUrl).toBe(
        url.replace(/\/$/, '')
      )
    }
  )
})

describe('messageLimit', () => {
  it('uses the model limit unless the user lowers it', () => {
    expect(messageLimit({ model: 'm', maxMessageChars: undefined }, 20000)).toBe(20000)
    expect(messageLimit({ model: 'm', maxMessageChars: 12000 }, 20000)).toBe(12000)
    expect(() => messageLimit({ model: 'm', maxMessageChars: 16000 }, 15000)).toThrow(
      "Invalid max-message-chars '16000': m accepts at most 15000 characters per message"
    )
  })
})

describe('splitList', () => {
  it('splits on commas and newlines and drops blanks and comments', () => {
    expect(splitList(' a ,\n\nb\n# note\r\nc,')).toEqual(['a', 'b', 'c'])
  })
})
