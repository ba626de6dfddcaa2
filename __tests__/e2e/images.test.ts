/**
 * Images end to end (issue 14): dist/index.js as the runner starts it, `review-images: true`, a
 * pull request with a modified PNG, an added WebP, an oversize JPEG and a GIF, against the GitHub
 * emulator (which serves the blobs) and the Rivya emulator's Files API.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { GitHubEmulator } from '../../emulators/github/index.js'
import { GitRepo } from '../../emulators/github/git-repo.js'
import { RivyaEmulator } from '../../emulators/rivya/index.js'
import { gif, jpeg, png, webp } from '../fixtures/images.js'
import { example } from '../fixtures/webhooks.js'
import { chatTurns, reviewComments } from './events.js'
import { runAction } from '../../scripts/runner.js'

jest.setTimeout(90_000)

const TOKEN = 'ghs_e2e_images_token_0123456789'
const PR = 12
const ACCOUNT = 'acct_test'

let repo: GitRepo
let gh: GitHubEmulator
let rivya: RivyaEmulator
let base: string
let head: string

beforeEach(async () => {
  repo = GitRepo.create()
  repo.write('ui/button.png', png(4, 0x10))
  repo.write('src/app.ts', 'export const a = 1\n')
  base = repo.commit('base')
  repo.write('ui/button.png', png(4, 0xe0))
  repo.write('shots/new.webp', webp(96))
  repo.write('docs/photo.jpg', jpeg(10 * 1024 * 1024 + 1))
  repo.write('anim.gif', gif())
  repo.write('src/app.ts', 'export const a = 2\n')
  head = repo.commit('head')
  gh = await GitHubEmulator.start({ repo, owner: 'octo-org', name: 'demo', token: TOKEN })
  gh.addPullRequest({
    number: PR,
    base,
    head,
    title: 'New screenshots',
    user: { login: 'alice', type: 'User' }
  })
  rivya = await RivyaEmulator.start()
})

afterEach(async () => {
  await gh?.close()
  await rivya?.close()
  repo?.destroy()
})

function payload(): Record<string, unknown> {
  const p = example('workflow_dispatch')
  p.inputs = { pr: String(PR) }
  return p
}

function run(key = rivya.validKey) {
  return runAction({
    eventName: 'workflow_dispatch',
    payload: payload(),
    githubUrl: gh.url,
    githubToken: TOKEN,
    inputs: {
      'rivya-api-key': key,
      'api-base-url': rivya.url,
      'review-images': 'true',
      'pull-request': String(PR)
    }
  })
}

function commentBody(): string {
  const found = reviewComments(gh, PR)
  expect(found).toHaveLength(1)
  return found[0]!.body
}

describe('images end to end', () => {
  it('uploads the PNG (both versions) and the WebP, attaches them to the last turn, and lists the JPEG and GIF with reasons', async () => {
    const result = await run()
    expect(result.code).toBe(0)
    expect(rivya.files.uploads(ACCOUNT)).toHaveLength(3)
    const turns = chatTurns(rivya)
    const last = turns.at(-1)!.body as { attachments?: { file_id: string }[]; message: string }
    expect(last.attachments).toHaveLength(3)
    expect(last.message).toContain('ui/button.png (image, modified')
    for (const t of turns.slice(0, -1))
      expect((t.body as { attachments?: unknown }).attachments).toBeUndefined()
    const body = commentBody()
    expect(body).toMatch(/docs\/photo\.jpg.*\|.*10 MB|docs\/photo\.jpg[^\n]*(limit|large)/)
    expect(body).toMatch(/anim\.gif[^\n]*GIF/)
    expect(body).toMatch(/\| Images \| 2 \|/)
  })

  it('replays uploads and turns on a re-run: nothing stored or paid twice', async () => {
    expect((await run()).code).toBe(0)
    const charged = rivya.chargedTurns(ACCOUNT)
    const stored = rivya.files.uploads(ACCOUNT).length
    expect((await run()).code).toBe(0)
    expect(rivya.chargedTurns(ACCOUNT)).toEqual(charged)
    expect(rivya.files.uploads(ACCOUNT)).toHaveLength(stored)
  })

  it('with a key without files:create reviews the rest and lists every image with the reason', async () => {
    const key = 'rvya_sk_no_files_0123456789abcdef'
    rivya.addKey({
      key,
      account: ACCOUNT,
      scopes: ['models:read', 'chat:create', 'chat:read', 'credits:read']
    })
    const result = await run(key)
    expect(result.code).toBe(0)
    expect(rivya.files.uploads(ACCOUNT)).toHaveLength(0)
    const body = commentBody()
    expect(body).toMatch(/ui\/button\.png[^\n]*api_scope_denied/)
    expect(body).toMatch(/shots\/new\.webp[^\n]*api_scope_denied/)
    expect(result.outputs['reviewed-files']).toBe('1')
  })
})
