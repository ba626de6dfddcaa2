/**
 * The whole pipeline on the embedded emulators, for a real diff of this repository's own history:
 * no account, no network. Prints the comment the action would post.
 *   npm run demo                       # the last commit
 *   npm run demo -- --base HEAD~3 --head HEAD
 */
import { GitHubEmulator } from '../src/github/emulator/index.js'
import { GitRepo } from '../src/github/emulator/git-repo.js'
import { RivyaEmulator } from '../src/rivya/emulator/index.js'
import { ROOT, runAction } from './runner.js'

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name)
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback
}

const TOKEN = 'ghs_demo_token'
const repo = GitRepo.cloneOf(ROOT)
let gh: GitHubEmulator | undefined
let rivya: RivyaEmulator | undefined
try {
  const head = repo.git('rev-parse', option('--head', 'HEAD')).trim()
  let base: string
  try {
    base = repo.git('rev-parse', option('--base', `${head}~1`)).trim()
  } catch {
    throw new Error('The demo needs at least two commits of history (a shallow clone has one): pass --base')
  }
  const subject = repo.git('log', '-1', '--format=%s', head).trim()
  gh = await GitHubEmulator.start({ repo, owner: 'octo-org', name: 'rivya-codex-review', token: TOKEN })
  gh.addPullRequest({ number: 1, base, head, title: subject, user: { login: 'demo-author', type: 'User' } })
  rivya = await RivyaEmulator.start()
  console.log(`Reviewing ${base.slice(0, 7)}..${head.slice(0, 7)} ("${subject}") with the emulators…\n`)
  const result = await runAction({
    eventName: 'workflow_dispatch',
    payload: { inputs: { pr: '1' } },
    githubUrl: gh.url,
    githubToken: TOKEN,
    repository: 'octo-org/rivya-codex-review',
    inputs: { 'rivya-api-key': rivya.validKey, 'api-base-url': rivya.url, 'pull-request': '1' }
  })
  for (const line of result.stdout.split('\n')) {
    if (line !== '' && !line.startsWith('::add-mask::')) console.log(`  | ${line}`)
  }
  const comment = gh.comments(1).at(-1)
  console.log('\n========== the comment ==========\n')
  console.log(comment?.body ?? '(no comment was posted)')
  console.log('\n========== outputs ==========\n')
  console.log(result.outputs)
  process.exitCode = result.code ?? 1
} finally {
  await gh?.close()
  await rivya?.close()
  repo.destroy()
}
