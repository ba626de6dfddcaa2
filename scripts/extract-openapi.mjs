#!/usr/bin/env node
/* global process, URL */
/**
 * Extracts, from GitHub's published OpenAPI description (`@octokit/openapi`), just the operations
 * the action uses, with every component they reference, into __tests__/fixtures/github-openapi.json
 * — the schema the GitHub emulator's answers are held to (__tests__/emulators/github/openapi.test.ts).
 *
 * NETWORK: this script runs `npm pack @octokit/openapi@<version>` into a temporary directory (the
 * npm registry must be reachable; the package is ~29 MB packed, 385 MB unpacked, and is not a
 * dependency of the project). Run it by hand when moving to a newer description:
 *
 *   node scripts/extract-openapi.mjs [version]      (default: the version below)
 *
 * The committed output is what the tests read; they never need the network.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const VERSION = process.argv[2] ?? '23.0.2'
const OUT = new URL('../__tests__/fixtures/github-openapi.json', import.meta.url)

/** operationIds of GitHub's description: what the action calls, and the review endpoints to come. */
const OPERATIONS = [
  'pulls/get',
  'pulls/list-files',
  'repos/compare-commits',
  'git/get-blob',
  'repos/get-content',
  'issues/get',
  'issues/list-comments',
  'issues/create-comment',
  'issues/get-comment',
  'issues/update-comment',
  'issues/delete-comment',
  'reactions/create-for-issue-comment',
  'repos/get-collaborator-permission-level',
  'users/get-authenticated',
  'pulls/create-review',
  'pulls/list-reviews',
  'pulls/list-review-comments',
  'pulls/create-reply-for-review-comment',
  'pulls/get-review-comment',
  'reactions/create-for-pull-request-review-comment'
]

const dir = mkdtempSync(join(tmpdir(), 'octokit-openapi-'))
try {
  const spec = `@octokit/openapi@${VERSION}`
  process.stderr.write(`npm pack ${spec} (network) into ${dir}\n`)
  const tarball = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', dir], {
    encoding: 'utf8'
  }).trim()
  const member = 'package/generated/api.github.com.json'
  execFileSync('tar', ['-xzf', join(dir, tarball), '-C', dir, member])
  const doc = JSON.parse(readFileSync(join(dir, member), 'utf8'))
  writeFileSync(OUT, `${JSON.stringify(extract(doc, spec), null, 2)}\n`)
  // As `npm run format` leaves it, so a later `format` run does not rewrite it.
  execFileSync('npx', ['prettier', '--write', fileURLToPath(OUT)], { stdio: 'ignore' })
  process.stderr.write(`wrote ${OUT.pathname}\n`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}

function extract(doc, source) {
  const schemas = {}
  /** Inlines `#/components/{responses,headers,parameters}` refs; keeps schema refs, collecting them. */
  const resolve = value => {
    if (Array.isArray(value)) return value.map(resolve)
    if (value === null || typeof value !== 'object') return value
    if (typeof value.$ref === 'string') {
      const [, , kind, name] = value.$ref.split('/')
      if (kind === 'schemas') {
        if (!(name in schemas)) {
          schemas[name] = null
          schemas[name] = resolve(doc.components.schemas[name])
        }
        return { $ref: value.$ref }
      }
      return resolve(doc.components[kind][name])
    }
    const out = {}
    for (const [key, inner] of Object.entries(value)) {
      // Examples are large and not part of the contract.
      if (key === 'examples' || key === 'example') continue
      out[key] = resolve(inner)
    }
    // OpenAPI 3.0 `nullable` beside `allOf`/`anyOf` and no `type`, which JSON Schema validators
    // (ajv) refuse: written as the JSON Schema it means.
    if (out.nullable === true && out.type === undefined) {
      const { nullable: _, ...rest } = out
      return { anyOf: [rest, { type: 'null' }] }
    }
    return out
  }
  const operations = {}
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!OPERATIONS.includes(op?.operationId)) continue
      operations[op.operationId] = { method: method.toUpperCase(), path, responses: resolve(op.responses) }
    }
  }
  const missing = OPERATIONS.filter(id => !(id in operations))
  if (missing.length > 0) throw new Error(`not in ${source}: ${missing.join(', ')}`)
  return {
    source: `${source} generated/api.github.com.json (OpenAPI ${doc.openapi}, ${doc.info.version})`,
    operations,
    components: { schemas }
  }
}
