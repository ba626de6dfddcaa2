/**
 * A stand-in for the Actions runner, for the end-to-end tests and the demo. It starts `dist/index.js` the way the runner does: a child process of the current Node with
 * the runner's environment (event file, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, INPUT_* with the
 * `action.yml` defaults applied, `${{ github.token }}` resolved).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

/** The project's root: the nearest folder above this file that holds action.yml (from scripts/ or build/scripts/). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'action.yml'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('action.yml not found above scripts/runner')
    dir = parent
  }
  return dir
}

export const ROOT = projectRoot()
export const ACTION = join(ROOT, 'dist', 'index.js')

interface ActionYml {
  inputs?: Record<string, { default?: string | number | boolean | null } | null>
}

/**
 * The inputs of action.yml with their defaults, read from the file itself. The runner hands every
 * input over as a string, so a default YAML reads as a number or a boolean arrives as its text.
 */
export function actionDefaults(
  text = readFileSync(join(ROOT, 'action.yml'), 'utf8')
): Record<string, string | undefined> {
  const action = parse(text) as ActionYml
  return Object.fromEntries(
    Object.entries(action.inputs ?? {}).map(([name, input]) => {
      const value = input?.default
      return [name, value === undefined || value === null ? undefined : String(value)]
    })
  )
}

export interface RunOptions {
  eventName: string
  payload: Record<string, unknown>
  /** Inputs the workflow sets; the rest get action.yml's defaults, as the runner gives them. */
  inputs: Record<string, string>
  githubUrl: string
  githubToken: string
  repository?: string
  actor?: string
  runId?: string
  runAttempt?: string
  env?: Record<string, string>
  /**
   * Signals sent to the action as the runner sends them on a cancel (SIGINT, then SIGTERM): each
   * once, when the action's output first matches `when`, `afterMs` later (default 0).
   */
  signals?: { signal: NodeJS.Signals; when: RegExp; afterMs?: number }[]
}

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** The `::error::` and `::warning::` lines. */
  annotations: string[]
  /** The contents of the files outputs name under RUNNER_TEMP, by output name, read before it is removed. */
  outputFiles: Record<string, string>
}

/** GITHUB_OUTPUT's file format: `name<<DELIMITER\nvalue\nDELIMITER` (what @actions/core writes). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const pattern = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm
  for (const m of text.matchAll(pattern)) outputs[m[1] as string] = m[3] as string
  return outputs
}

export async function runAction(options: RunOptions): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'action-run-'))
  try {
    const eventPath = join(dir, 'event.json')
    const outputPath = join(dir, 'output')
    const summaryPath = join(dir, 'summary.md')
    writeFileSync(eventPath, JSON.stringify(options.payload))
    writeFileSync(outputPath, '')
    writeFileSync(summaryPath, '')
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: options.eventName,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_OUTPUT: outputPath,
      GITHUB_STEP_SUMMARY: summaryPath,
      GITHUB_REPOSITORY: options.repository ?? 'octo-org/demo',
      GITHUB_ACTOR: options.actor ?? 'octocat',
      GITHUB_RUN_ID: options.runId ?? '1001',
      GITHUB_RUN_ATTEMPT: options.runAttempt ?? '1',
      GITHUB_API_URL: options.githubUrl,
      GITHUB_SERVER_URL: 'https://github.com',
      RUNNER_TEMP: dir,
      ...options.env
    }
    for (const [name, fallback] of Object.entries(actionDefaults())) {
      const given = options.inputs[name]
      const value = given ?? (fallback === '${{ github.token }}' ? options.githubToken : fallback)
      if (value !== undefined) env[`INPUT_${name.toUpperCase()}`] = value
    }
    const child = spawn(process.execPath, [ACTION], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const pending = [...(options.signals ?? [])]
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c
      for (const s of pending.filter(p => p.when.test(stdout))) {
        pending.splice(pending.indexOf(s), 1)
        setTimeout(() => child.kill(s.signal), s.afterMs ?? 0)
      }
    })
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const code = await new Promise<number | null>((done, fail) => {
      child.on('error', fail)
      child.on('close', done)
    })
    const outputs = parseOutputFile(readFileSync(outputPath, 'utf8'))
    const outputFiles: Record<string, string> = {}
    for (const [name, value] of Object.entries(outputs)) {
      if (value.startsWith(`${dir}/`) && existsSync(value)) outputFiles[name] = readFileSync(value, 'utf8')
    }
    return {
      code,
      stdout,
      stderr,
      outputs,
      outputFiles,
      summary: readFileSync(summaryPath, 'utf8'),
      annotations: stdout.split('\n').filter(l => l.startsWith('::error') || l.startsWith('::warning'))
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Every line of the run's output but the runner's own `::add-mask::` commands. */
export function visibleOutput(result: RunResult): string {
  return [...result.stdout.split('\n').filter(l => !l.startsWith('::add-mask::')), result.stderr].join('\n')
}
