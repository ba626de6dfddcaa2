/**
 * The image review end to end in-process, against both emulators over real HTTP: a pull request
 * with a modified PNG, an added WebP, an oversize JPEG and a GIF, reviewed with `review-images`.
 * What is uploaded, which turn carries which attachment, what is skipped and why, a re-run that
 * pays nothing twice, and the failures that cost one image only (a key without files:create, a
 * model without images, an attachment refused at the turn, a file GitHub will not serve).
 */
import { createHash } from 'node:crypto'
import { afterAll, afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { collectPullRequestDiff } from '../../src/github/diff-source.js'
import { readFileBytes } from '../../src/github/images.js'
import { getPullRequest } from '../../src/github/pull-request.js'
import { messageLimit } from '../../src/inputs.js'
import { runKeys, sessionOptions, type PipelineContext } from '../../src/pipeline/context.js'
import { prepareImages, type PreparedImages } from '../../src/pipeline/images.js'
import { readModel } from '../../src/pipeline/model.js'
import { planWithinTurns } from '../../src/review/budget.js'
import { sniffImage } from '../../src/review/images.js'
import { runReviewLoop, type ReviewLoopResult } from '../../src/review/turn-loop.js'
import { RivyaSession } from '../../src/rivya/session.js'
import { gif, jpeg, png, webp } from '../fixtures/images.js'
import { Harness, PR, removeRunnerFiles } from './harness.js'

// Each case builds a git repository (one file of 10 MB) and talks HTTP to two servers.
jest.setTimeout(60_000)

const BASE_PNG = png(4, 0x10)
const HEAD_PNG = png(4, 0xe0)
const WEBP = webp(96)
const BIG_JPEG = jpeg(10 * 1024 * 1024 + 1)
const ACCOUNT = 'acct_test'

let h: Harness

beforeEach(async () => {
  h = await Harness.start({
    base: repo => repo.write('ui/button.png', BASE_PNG),
    head: repo =>
      repo
        .write('ui/button.png', HEAD_PNG)
        .write('shots/new.webp', WEBP)
        .write('docs/photo.jpg', BIG_JPEG)
        .write('anim.gif', gif())
  })
})
afterEach(async () => {
  await h.close()
})
afterAll(removeRunnerFiles)

const dispatch = { kind: 'dispatch', pullNumber: PR, reason: 'workflow_dispatch' } as const
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

interface Run {
  prepared: PreparedImages
  loop: ReviewLoopResult
  planned: number
}

/** The review's steps as the pipeline will take them, with the images prepared after planning. */
async function review(
  inputs: Record<string, string> = {},
  before?: () => void,
  pullNumber = PR
): Promise<Run> {
  let run: Run | undefined
  await h.within(
    { ...dispatch, pullNumber },
    async (context: PipelineContext) => {
      const { repo } = context.run
      const pr = await getPullRequest(context.github, repo, pullNumber)
      const diff = await collectPullRequestDiff(context.github, repo, pullNumber, pr.changedFiles, () => {})
      const model = await readModel(context)
      const plan = planWithinTurns(
        diff.files,
        {
          include: context.inputs.include,
          exclude: context.inputs.exclude,
          limit: messageLimit(context.inputs, model.maxPromptLength),
          pullNumber: pr.number,
          title: pr.title
        },
        context.inputs.maxTurns
      )
      const prepared = await prepareImages(context, pr, diff.files, plan.messages, model)
      before?.()
      const keys = runKeys(context, pr, undefined)
      const loop = await runReviewLoop({
        messages: prepared.messages,
        attachments: prepared.attachments,
        plainTexts: prepared.plainTexts,
        session: new RivyaSession(context.rivya, sessionOptions(context.inputs)),
        maxCredits: undefined,
        baseCredits: model.baseCredits ?? 1,
        log: context.log.info,
        turnOptions: (i, message, sessionId) => keys(i, message, sessionId)
      })
      run = { prepared, loop, planned: plan.messages.length }
    },
    { inputs: { 'review-images': 'true', ...inputs } }
  )
  if (run === undefined) throw new Error('the review did not run')
  return run
}

function turnBodies(): { message: string; attachments?: { file_id: string }[] }[] {
  return h.chatTurns().map(t => t.body as { message: string; attachments?: { file_id: string }[] })
}

function reasonOf(prepared: PreparedImages, path: string): string | undefined {
  return prepared.skipped.find(s => s.path === path)?.reason
}

describe('prepareImages with review-images', () => {
  it('uploads the modified PNG (base and head) and the added WebP and attaches them to the last turn; the oversize JPEG and the GIF are skipped with reasons', async () => {
    const { prepared, loop } = await review({ 'max-message-chars': '2500' })
    const uploads = h.rivya.files.uploads(ACCOUNT)
    // In diff order (git sorts paths): the WebP, then the PNG's base and head.
    expect(uploads.map(f => [f.mimeType, f.sha256])).toEqual([
      ['image/webp', sha256(WEBP)],
      ['image/png', sha256(BASE_PNG)],
      ['image/png', sha256(HEAD_PNG)]
    ])
    expect(uploads.every(f => f.model === 'gpt-5.4-codex-chat' && f.kind === 'image')).toBe(true)
    expect(prepared.count).toBe(2)
    expect(prepared.reviewed.sort()).toEqual(['shots/new.webp', 'ui/button.png'])
    expect(reasonOf(prepared, 'docs/photo.jpg')).toBe("image of 10.0 MB, over Rivya's 10.0 MB image limit")
    expect(reasonOf(prepared, 'anim.gif')).toBe('GIF image: Rivya takes PNG, JPEG and WebP images only')

    const bodies = turnBodies()
    expect(bodies.length).toBeGreaterThan(1)
    const last = bodies.at(-1)!
    expect(last.attachments?.map(a => a.file_id)).toEqual(uploads.map(f => f.id))
    expect(bodies.slice(0, -1).every(b => b.attachments === undefined)).toBe(true)
    expect(last.message).toContain(
      '=== shots/new.webp (image, added: attachment 1)\n=== ui/button.png (image, modified: attachment 2 is the base version, attachment 3 the head version)\n</diff>'
    )
    expect(bodies.every(b => b.message.length <= 2500)).toBe(true)
    // The emulated model names what it was given, on that turn only.
    expect(loop.summary).toContain(`attachments: ${uploads.map(f => `${f.id} (${f.filename})`).join(', ')}`)
    expect(loop.notes.every(n => !n.text.includes('attachments:'))).toBe(true)
    // The images were billed on their turn.
    const turns = h.rivya.sessions[0]!.turns
    expect(turns.at(-1)!.attachmentTokens).toBe(3 * h.rivya.imageTokens)
    expect(h.lines).toContain(
      `turn ${turns.length}/${turns.length}: ${last.message.length} chars and 3 image(s) sent, ${turns.at(-1)!.usage.total_tokens} tokens, ${turns.at(-1)!.credits.final} credits`.replace(
        /\B(?=(\d{3})+(?!\d))/g,
        ','
      )
    )
  })

  it('on a re-run replays the uploads and the turns: nothing stored or paid twice', async () => {
    const first = await review()
    const uploads = h.rivya.files.uploads(ACCOUNT).map(f => f.id)
    const charged = h.rivya.chargedTurns(ACCOUNT).length
    const credits = h.rivya.credits(ACCOUNT)
    const second = await review()
    expect(h.rivya.files.uploads(ACCOUNT).map(f => f.id)).toEqual(uploads)
    expect(h.rivya.chargedTurns(ACCOUNT)).toHaveLength(charged)
    expect(h.rivya.credits(ACCOUNT)).toBe(credits)
    expect(second.prepared.attachments).toEqual(first.prepared.attachments)
    expect(second.loop.summary).toBe(first.loop.summary)
    // Both runs sent their uploads, under the same keys.
    const keys = h.rivya.requests.filter(r => r.path === '/api/v1/files').map(r => r.idempotencyKey)
    expect(keys).toHaveLength(6)
    expect(keys.slice(3)).toEqual(keys.slice(0, 3))
  })

  it('uploads nothing new for the same image in another pull request', async () => {
    await review()
    const uploads = h.rivya.files.uploads(ACCOUNT).map(f => f.id)
    h.gh.addPullRequest({
      number: 8,
      base: h.base,
      head: h.head,
      title: 'Same images',
      user: { login: 'bob', type: 'User' }
    })
    const other = await review({}, undefined, 8)
    expect(other.prepared.count).toBe(2)
    expect(h.rivya.files.uploads(ACCOUNT).map(f => f.id)).toEqual(uploads)
    expect(other.prepared.attachments.flat()).toEqual(uploads)
  })

  it('gives a pull request that changes images only one part, for them', async () => {
    h.repo.write('ui/button.png', png(4, 0x77))
    const head = h.repo.commit('a new button')
    h.gh.addPullRequest({
      number: 9,
      base: h.head,
      head,
      title: 'New button',
      user: { login: 'bob', type: 'User' }
    })
    const { prepared, loop, planned } = await review({}, undefined, 9)
    expect(planned).toBe(0)
    expect(prepared.messages).toHaveLength(1)
    expect(prepared.attachments).toEqual([
      h.rivya.files
        .uploads(ACCOUNT)
        .slice(-2)
        .map(f => f.id)
    ])
    expect(prepared.messages[0]!.text).toContain(
      'Part 1 of 1, the last.\n<diff>\n=== ui/button.png (image, modified: attachment 1'
    )
    expect(loop.summary).toContain('attachments: ')
  })

  it('with a key without files:create lists the images with the reason and reviews the rest', async () => {
    const key = 'rvya_sk_test_no_files_scope_0001'
    h.rivya.addKey({ key, account: ACCOUNT, scopes: ['chat:create', 'chat:read'] })
    const { prepared, loop } = await review({ 'rivya-api-key': key })
    expect(reasonOf(prepared, 'ui/button.png')).toMatch(/api_scope_denied.*files:create/)
    expect(reasonOf(prepared, 'shots/new.webp')).toBe(reasonOf(prepared, 'ui/button.png'))
    // Once the key is known to lack the scope, no further upload is tried.
    expect(h.rivya.requests.filter(r => r.path === '/api/v1/files')).toHaveLength(1)
    expect(prepared.count).toBe(0)
    expect(prepared.attachments.flat()).toEqual([])
    expect(turnBodies().every(b => b.attachments === undefined && !b.message.includes('(image,'))).toBe(true)
    expect(loop.error).toBeUndefined()
    expect(loop.summary).toBeDefined()
    expect(loop.reviewed.has('src/app.ts')).toBe(true)
  })

  it('skips every image when the model list says the model takes none, without uploading', async () => {
    const codex = h.rivya.models.find(m => m.id === 'gpt-5.4-codex-chat')!
    codex.chat_capabilities = { ...codex.chat_capabilities, image_attachments: false }
    const { prepared, loop } = await review()
    expect(prepared.skipped.map(s => s.path).sort()).toEqual([
      'anim.gif',
      'docs/photo.jpg',
      'shots/new.webp',
      'ui/button.png'
    ])
    expect(reasonOf(prepared, 'ui/button.png')).toContain('takes no image attachments')
    expect(h.rivya.files.uploads(ACCOUNT)).toHaveLength(0)
    expect(loop.summary).toBeDefined()
  })

  it('sends a turn again without its images when Rivya refuses them (chat_attachment_not_supported), paying once', async () => {
    const codex = h.rivya.models.find(m => m.id === 'gpt-5.4-codex-chat')!
    const { prepared, loop } = await review({}, () => {
      // The model stops taking images between the uploads and the turn.
      codex.chat_capabilities = { ...codex.chat_capabilities, image_attachments: false }
    })
    expect(prepared.count).toBe(2)
    const last = prepared.messages.length - 1
    expect(loop.refusedAttachments).toEqual([last])
    expect(loop.error).toBeUndefined()
    const bodies = turnBodies()
    const refused = bodies.filter(b => b.attachments !== undefined)
    expect(refused).toHaveLength(1)
    expect(bodies.at(-1)!.attachments).toBeUndefined()
    expect(bodies.at(-1)!.message).toBe(prepared.plainTexts[last])
    expect(h.rivya.chargedTurns(ACCOUNT)).toHaveLength(prepared.messages.length)
    expect(h.lines.join('\n')).toContain('refused its 3 image attachment(s) (chat_attachment_not_supported)')
  })

  it('lists an image GitHub will not serve, and keeps the others', async () => {
    h.gh.injectFault({
      status: 403,
      secondary: true,
      retryAfter: 600,
      method: 'GET',
      pathPattern: /\/contents\/shots%2Fnew\.webp$|\/contents\/shots\/new\.webp$/
    })
    const { prepared } = await review()
    expect(reasonOf(prepared, 'shots/new.webp')).toMatch(
      /^binary file: GitHub would not give its bytes at [0-9a-f]{12} \(HTTP 403\)/
    )
    expect(prepared.reviewed).toEqual(['ui/button.png'])
  })

  it('holds to max-images, a modified image counting its base and head', async () => {
    const { prepared } = await review({ 'max-images': '2' })
    // The WebP takes one of the two; the modified PNG would take two more.
    expect(prepared.reviewed).toEqual(['shots/new.webp'])
    expect(reasonOf(prepared, 'ui/button.png')).toBe(
      'image: over max-images (2; a modified image counts its base and head)'
    )
    expect(reasonOf(prepared, 'anim.gif')).toContain('GIF image')
    expect(h.rivya.files.uploads(ACCOUNT)).toHaveLength(1)
  })

  it('reads no more of an oversize file than its first bytes, by path or by blob id', async () => {
    await h.within(dispatch, async context => {
      const { github, run } = context
      const byPath = await readFileBytes(
        github,
        run.repo,
        { path: 'docs/photo.jpg', ref: h.head },
        1024 * 1024
      )
      expect(byPath).toMatchObject({ complete: false, size: BIG_JPEG.length })
      expect(byPath.bytes.length).toBeLessThanOrEqual(1024 * 1024)
      expect(sniffImage(byPath.bytes)).toMatchObject({ format: 'jpeg' })
      const sha = h.repo.git('rev-parse', `${h.head}:ui/button.png`).trim()
      const byBlob = await readFileBytes(github, run.repo, { sha }, 1024 * 1024)
      expect(byBlob).toMatchObject({ complete: true, size: HEAD_PNG.length })
      expect(Buffer.from(byBlob.bytes).equals(HEAD_PNG)).toBe(true)
      // Told by its first bytes that the rest is not wanted, the read stops there.
      const unwanted = await readFileBytes(github, run.repo, { sha }, 1024 * 1024, undefined, () => false)
      expect(unwanted.complete).toBe(false)
    })
    const blobGet = h.gh.requests.find(r => r.path.includes('/git/blobs/'))
    expect(blobGet?.accept).toBe('application/vnd.github.raw+json')
  })

  it('changes nothing without review-images', async () => {
    const { prepared, planned } = await review({ 'review-images': 'false' })
    expect(prepared.count).toBe(0)
    expect(prepared.messages).toHaveLength(planned)
    expect(h.rivya.requests.filter(r => r.path === '/api/v1/files')).toHaveLength(0)
    expect(h.gh.requests.filter(r => r.path.includes('/contents/'))).toHaveLength(0)
  })
})
