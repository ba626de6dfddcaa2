/**
 * Reading a file's bytes for the image review from a server that does not honour the raw media
 * type (a proxy, an older GitHub Enterprise): the JSON answer's base64 content is read instead.
 * A small real HTTP server on 127.0.0.1 plays that server.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js'
import { readFileBytes } from '../../src/github/images.js'
import { jpeg, png } from '../fixtures/images.js'

const REPO = { owner: 'octo-org', repo: 'demo' }
const IMAGE = png(8, 0x40)
const BIG = jpeg(300 * 1024)

let server: Server
let octokit: GitHubClient

beforeAll(async () => {
  server = createServer((req, res) => {
    const encoding = req.url?.includes('/contents/odd.png') === true ? 'none' : 'base64'
    const file = req.url?.includes('/contents/big.jpg') === true ? BIG : IMAGE
    // GitHub's line-wrapped base64, as its contents API sends it.
    const content = (file.toString('base64').match(/.{1,60}/g) ?? []).join('\n')
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
    res.end(JSON.stringify({ type: 'file', encoding, size: file.length, content }))
  })
  await new Promise<void>(done => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  octokit = createGitHubClient({ token: 'ghs_x', baseUrl: `http://127.0.0.1:${port}`, log: () => {} })
})

afterAll(async () => {
  await new Promise(done => server.close(done))
})

describe('readFileBytes from a JSON answer', () => {
  it('decodes the base64 content, by path and by blob id', async () => {
    const byPath = await readFileBytes(octokit, REPO, { path: 'ui/a.png', ref: 'main' }, 1024 * 1024)
    expect(Buffer.from(byPath.bytes).equals(IMAGE)).toBe(true)
    expect(byPath).toMatchObject({ size: IMAGE.length, complete: true })
    const byBlob = await readFileBytes(octokit, REPO, { sha: 'a'.repeat(40) }, 1024 * 1024)
    expect(Buffer.from(byBlob.bytes).equals(IMAGE)).toBe(true)
  })

  it('keeps no more than the limit of a file over it, and says it is incomplete', async () => {
    const read = await readFileBytes(octokit, REPO, { path: 'ui/a.png', ref: 'main' }, 16)
    expect(read).toMatchObject({ size: IMAGE.length, complete: false })
    expect(read.bytes).toHaveLength(16)
  })

  it('reads no more of a JSON answer over the limit than the start of its content, enough to say what it is', async () => {
    const read = await readFileBytes(octokit, REPO, { path: 'big.jpg', ref: 'main' }, 1024)
    expect(read).toMatchObject({ size: BIG.length, complete: false })
    expect(Buffer.from(read.bytes).equals(BIG.subarray(0, read.bytes.length))).toBe(true)
    expect(read.bytes.length).toBeGreaterThanOrEqual(32)
  })

  it('refuses an encoding that is neither the bytes nor base64', async () => {
    await expect(readFileBytes(octokit, REPO, { path: 'odd.png', ref: 'main' }, 1024)).rejects.toThrow(
      "GitHub sent the file as 'none', neither its bytes nor base64"
    )
  })
})
