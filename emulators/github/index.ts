/**
 * A GitHub REST API emulator: a real HTTP server on 127.0.0.1 for the endpoints the action uses,
 * backed by a real git repository (every diff is git's own output), following GitHub's documented
 * answers: media types, pagination with `Link`, the 406 "diff too large", the 3000-file cap of the
 * files list, 422 validation errors, rate-limit headers and secondary limits. See docs/emulators.md.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { GitRepo } from './git-repo.js'
import { changedFiles, type ChangedFile } from './git-files.js'
import { LoopbackServer, readBody, sendJson } from '../http.js'
import { PullReviews } from './reviews.js'
import { commit, repository, simpleUser } from './shapes.js'

export type Role = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'

export interface User {
  login: string
  type: 'User' | 'Bot'
  id?: number
}

export interface GitHubEmulatorOptions {
  repo: GitRepo
  owner: string
  name: string
  /** The one token accepted (as `token X` or `Bearer X`). */
  token: string
  port?: number
  /**
   * Past these the diff media type answers 406 too_large. Lines and bytes are the diff text's own
   * (GitHub's "Repository limits": a pull request's total diff may not exceed 20,000 lines or 1 MB
   * of raw diff data, nor 300 files; GitHub answered 406 "maximum number of lines (20000)" for a
   * PR of 8,302 additions and 8,257 deletions: pascalgn/size-label-action#53).
   */
  diffLimits?: DiffLimits
  /**
   * Per-file limits past which `patch` is left out of files lists, as GitHub does for large files:
   * 3,000 lines or 100 KB of one file's diff (github/docs#9078, "from github.com source code", and
   * GitHub Enterprise 2.5's diff limits; today's docs say 500 KB). Bytes: `patchLimitBytes`.
   */
  patchLimitLines?: number
  /** Patches over this many bytes are left out of the files list (default 100 KB, see above). */
  patchLimitBytes?: number
  /**
   * When a files-list page asks for more than this many files (`per_page`), files past this index
   * of the page come without `patch` (one public report of GitHub doing so with `per_page` > 70).
   * Off unless set.
   */
  patchlessPastPageIndex?: number
  /**
   * The diff media type answers 422 `not_available` ("Sorry, this diff is taking too long to
   * generate.") whatever the diff's size, as GitHub does at times even for small PRs
   * (googleapis/repo-automation-bots#4475; sonichi/sutando#3159: +179/-0 in 3 files, for ~45 min).
   */
  diffNotAvailable?: boolean
}

export interface DiffLimits {
  maxFiles: number
  maxLines: number
  /** Default 1 MiB. */
  maxBytes?: number
}

/** GitHub's documented limits on one diff ("Repository limits", "Diff limits"). */
export const GITHUB_DIFF_LIMITS: Required<DiffLimits> = {
  maxFiles: 300,
  maxLines: 20_000,
  maxBytes: 1024 * 1024
}
/** Per-file patch limits (see `patchLimitLines`). */
export const GITHUB_PATCH_LIMITS = { lines: 3000, bytes: 100 * 1024 }

export interface PullRequestSeed {
  number: number
  base: string
  head: string
  title?: string
  body?: string
  draft?: boolean
  state?: 'open' | 'closed'
  user?: User
  /** `owner/name` of the head repository, when it is a fork. */
  headRepoFullName?: string
}

export interface Comment {
  id: number
  node_id: string
  body: string
  user: Required<User>
  html_url: string
  issue_url: string
  created_at: string
  updated_at: string
  author_association: string
}

export interface Reaction {
  id: number
  content: string
  user: Required<User>
}

export interface GitHubFault {
  status: 403 | 429 | 500 | 502
  /** Seconds, sent as `retry-after`. */
  retryAfter?: number
  /** A secondary rate limit (403/429 with GitHub's message); otherwise a 403 is a primary limit. */
  secondary?: boolean
  times?: number
  method?: string
  pathPattern?: RegExp
  /**
   * The request is carried out (a comment or review is created) and only its answer is lost to
   * the fault, as when a gateway times out on a request the server finished.
   */
  afterProcessing?: boolean
}

export interface GitHubRequest {
  method: string
  path: string
  query: string
  accept: string
  status: number
  at: number
}

/** The bot that comments made with the workflow token appear as. */
export const ACTIONS_BOT: Required<User> = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' }

/**
 * What kind of token a request carries, which decides who its comments are by and what
 * `GET /user` answers: the workflow token and an app's installation token write as a bot and get
 * 403 from `GET /user` (no installation access to it in GitHub's REST docs); a personal access
 * token writes as its user, whom `GET /user` returns.
 */
export type TokenKind = { kind: 'workflow' } | { kind: 'app'; bot: User } | { kind: 'pat'; user: User }

const DOCS = 'https://docs.github.com/rest'
const FILES_LIST_CAP = 3000
const COMPARE_FILES_CAP = 300
const COMMENT_MAX = 65536
const REACTIONS = ['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes']
/** GitHub's legacy `permission` for each role (collaborator-permission API). */
const COARSE: Record<Role, string> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
  none: 'none'
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {}
  ) {
    super(String(body.message))
  }
}

const notFound = () => new HttpError(404, { message: 'Not Found', documentation_url: DOCS, status: '404' })

export class GitHubEmulator extends LoopbackServer {
  readonly requests: GitHubRequest[] = []
  /**
   * Called once each answer is sent: lets a test change the repository between two requests of
   * one run (a push landing while the action reads, a racing run's comment).
   */
  onAnswered: ((request: GitHubRequest) => void) | undefined
  readonly #options: GitHubEmulatorOptions
  readonly #pulls = new Map<number, PullRequestSeed>()
  readonly #issues = new Map<number, { title: string; user: Required<User> }>()
  readonly #comments = new Map<number, { issue: number; comment: Comment }>()
  readonly #reactions = new Map<number, Reaction[]>()
  readonly #permissions = new Map<string, Role>()
  readonly #faults: GitHubFault[] = []
  readonly #filesCache = new Map<string, ChangedFile[]>()
  readonly #tokens = new Map<string, TokenKind>()
  /** Who the request being routed is authenticated as (routing is synchronous, one request at a time). */
  #caller: Required<User> = ACTIONS_BOT
  #nextId = 1_000_000
  #used = 0
  /** The pull-request review endpoints and what they hold (reviews.ts). */
  readonly reviews = new PullReviews({
    pull: n => this.#pulls.get(n),
    files: (base, head) => this.#files(base, head),
    sha: ref => this.#sha(ref),
    isAncestor: (a, b) => {
      try {
        this.#options.repo.git('merge-base', '--is-ancestor', a, b)
        return true
      } catch {
        return false
      }
    },
    html: path => this.#html(path),
    api: path => `${this.url}${this.#repoPath()}${path}`,
    nextId: () => this.#nextId++,
    user: () => ({ ...simpleUser(this.url, this.#caller), ...this.#caller }),
    asUser: user => ({ ...simpleUser(this.url, fullUser(user)), ...fullUser(user) }),
    paginate: (url, total, res) => this.#paginate(url, total, res)
  })

  private constructor(options: GitHubEmulatorOptions) {
    super()
    this.#options = options
  }

  /** Starts the emulator; its `url` is GITHUB_API_URL. */
  static async start(options: GitHubEmulatorOptions): Promise<GitHubEmulator> {
    const emulator = new GitHubEmulator(options)
    await emulator.serve((req, res) => emulator.#handle(req, res), options.port, '127.0.0.1')
    return emulator
  }

  addPullRequest(seed: PullRequestSeed): Record<string, unknown> {
    this.#pulls.set(seed.number, seed)
    return this.#pullJson(seed)
  }

  addIssue(issue: { number: number; title?: string; user?: User }): void {
    this.#issues.set(issue.number, {
      title: issue.title ?? `Issue ${issue.number}`,
      user: fullUser(issue.user)
    })
  }

  setPermission(login: string, role: Role): void {
    this.#permissions.set(login, role)
  }

  addComment(issueNumber: number, comment: { body: string; user: User }): Comment {
    return this.#createComment(issueNumber, comment.body, fullUser(comment.user))
  }

  comments(issueNumber: number): Comment[] {
    return [...this.#comments.values()].filter(c => c.issue === issueNumber).map(c => c.comment)
  }

  reactions(commentId: number): Reaction[] {
    return this.#reactions.get(commentId) ?? []
  }

  injectFault(fault: GitHubFault): void {
    this.#faults.push(fault)
  }

  /** Accepts another token, of the given kind (the `token` option is the workflow token). */
  addToken(token: string, kind: TokenKind): void {
    this.#tokens.set(token, kind)
  }

  #tokenKind(token: string | undefined): TokenKind | undefined {
    if (token === undefined) return undefined
    if (token === this.#options.token) return { kind: 'workflow' }
    return this.#tokens.get(token)
  }

  /**
   * `GET /user` and GraphQL's `viewer { login }`, answered per token kind. A bot's GraphQL login has
   * no `[bot]` suffix (GraphQL's `Bot.login`, e.g. `github-actions`), unlike REST's `user.login`.
   * ASSUMED, not in GitHub's docs: that `viewer` answers for installation tokens.
   */
  #identityRoute(
    method: string,
    path: string,
    body: Record<string, unknown>,
    kind: TokenKind,
    res: ServerResponse
  ): boolean {
    const who = identityOf(kind)
    if (method === 'GET' && path === '/user') {
      if (kind.kind !== 'pat') {
        throw new HttpError(403, {
          message: 'Resource not accessible by integration',
          documentation_url: `${DOCS}/users/users#get-the-authenticated-user`,
          status: '403'
        })
      }
      // A public-user (REST "Get the authenticated user"): a token without the `user` scope gets no private fields.
      sendJson(res, 200, {
        ...simpleUser(this.url, who),
        name: null,
        company: null,
        blog: '',
        location: null,
        email: null,
        hireable: null,
        bio: null,
        public_repos: 0,
        public_gists: 0,
        followers: 0,
        following: 0,
        created_at: '2020-01-01T00:00:00Z',
        updated_at: '2020-01-01T00:00:00Z'
      })
      return true
    }
    if (method === 'POST' && path === '/graphql') {
      const query = typeof body.query === 'string' ? body.query : ''
      if (!/\bviewer\s*\{\s*login\s*\}/.test(query)) {
        sendJson(res, 200, { errors: [{ message: 'The emulator answers only `viewer { login }`.' }] })
        return true
      }
      sendJson(res, 200, { data: { viewer: { login: who.login.replace(/\[bot\]$/, '') } } })
      return true
    }
    return false
  }

  #repoPath(): string {
    return `/repos/${this.#options.owner}/${this.#options.name}`
  }

  #html(path: string): string {
    return `https://github.com/${this.#options.owner}/${this.#options.name}${path}`
  }

  #createComment(issue: number, body: string, user: Required<User>): Comment {
    const id = this.#nextId++
    const now = new Date().toISOString()
    const isPull = this.#pulls.has(issue)
    const comment: Comment = {
      id,
      node_id: `IC_${id.toString(36)}`,
      body,
      user,
      html_url: this.#html(`/${isPull ? 'pull' : 'issues'}/${issue}#issuecomment-${id}`),
      issue_url: `${this.url}${this.#repoPath()}/issues/${issue}`,
      created_at: now,
      updated_at: now,
      author_association: user.type === 'Bot' ? 'NONE' : 'CONTRIBUTOR'
    }
    this.#comments.set(id, { issue, comment })
    return comment
  }

  /** A comment as GitHub answers it: the fields GitHub's `issue-comment` requires added. */
  #commentJson(comment: Comment): Record<string, unknown> {
    return {
      ...comment,
      url: `${this.url}${this.#repoPath()}/issues/comments/${comment.id}`,
      user: simpleUser(this.url, comment.user)
    }
  }

  /** A reaction as GitHub answers it (`reaction`). */
  #reactionJson(reaction: Reaction): Record<string, unknown> {
    return {
      ...reaction,
      node_id: `REA_${reaction.id.toString(36)}`,
      user: simpleUser(this.url, reaction.user),
      created_at: '2026-01-01T00:00:00Z'
    }
  }

  #files(base: string, head: string): ChangedFile[] {
    const key = `${base}...${head}`
    let files = this.#filesCache.get(key)
    if (files === undefined) {
      // Also by commit, so a request naming refs and one naming their SHAs share the costly answer.
      const byCommit = `${this.#sha(base)}...${this.#sha(head)}`
      files =
        this.#filesCache.get(byCommit) ??
        changedFiles(
          this.#options.repo,
          base,
          head,
          this.#options.patchLimitBytes ?? GITHUB_PATCH_LIMITS.bytes
        )
      this.#filesCache.set(key, files)
      this.#filesCache.set(byCommit, files)
    }
    return files
  }

  #sha(ref: string): string {
    return this.#options.repo.git('rev-parse', `${ref}^{commit}`).trim()
  }

  #pullJson(seed: PullRequestSeed): Record<string, unknown> {
    const files = this.#files(seed.base, seed.head)
    const full = `${this.#options.owner}/${this.#options.name}`
    const headRepo = seed.headRepoFullName ?? full
    const user = fullUser(seed.user ?? { login: 'octocat', type: 'User' })
    const url = `${this.url}${this.#repoPath()}/pulls/${seed.number}`
    const issueUrl = `${this.url}${this.#repoPath()}/issues/${seed.number}`
    const headSha = this.#sha(seed.head)
    const headRef = /^[0-9a-f]{40}$/.test(seed.head) ? `feature-${seed.number}` : seed.head
    const headOwner = headRepo.split('/')[0] ?? ''
    const baseSha = this.#sha(seed.base)
    const mergeBase = this.#options.repo.git('merge-base', baseSha, headSha).trim()
    const commits = Number(this.#options.repo.git('rev-list', '--count', `${mergeBase}..${headSha}`).trim())
    const owner = { login: this.#options.owner, id: 3000 + this.#options.owner.length, type: 'Organization' }
    const href = (h: string) => ({ href: h })
    return {
      url,
      id: 7_000_000 + seed.number,
      node_id: `PR_${seed.number.toString(36)}`,
      html_url: this.#html(`/pull/${seed.number}`),
      diff_url: this.#html(`/pull/${seed.number}.diff`),
      patch_url: this.#html(`/pull/${seed.number}.patch`),
      issue_url: issueUrl,
      commits_url: `${url}/commits`,
      review_comments_url: `${url}/comments`,
      review_comment_url: `${this.url}${this.#repoPath()}/pulls/comments{/number}`,
      comments_url: `${issueUrl}/comments`,
      statuses_url: `${this.url}${this.#repoPath()}/statuses/${headSha}`,
      number: seed.number,
      state: seed.state ?? 'open',
      locked: false,
      draft: seed.draft ?? false,
      title: seed.title ?? `Pull request ${seed.number}`,
      body: seed.body ?? null,
      user: simpleUser(this.url, user),
      labels: [],
      milestone: null,
      active_lock_reason: null,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
      closed_at: seed.state === 'closed' ? '2026-01-01T00:00:00Z' : null,
      merged_at: null,
      merge_commit_sha: null,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: {
        label: `${headOwner}:${headRef}`,
        ref: headRef,
        sha: headSha,
        user: simpleUser(this.url, { login: headOwner, id: 3000 + headOwner.length, type: 'User' }),
        repo: { ...repository(this.url, headRepo, 9000 + headRepo.length), fork: headRepo !== full }
      },
      base: {
        label: `${this.#options.owner}:main`,
        ref: 'main',
        sha: baseSha,
        user: simpleUser(this.url, owner),
        repo: repository(this.url, full, 9000 + full.length)
      },
      _links: {
        self: href(url),
        html: href(this.#html(`/pull/${seed.number}`)),
        issue: href(issueUrl),
        comments: href(`${issueUrl}/comments`),
        review_comments: href(`${url}/comments`),
        review_comment: href(`${this.url}${this.#repoPath()}/pulls/comments{/number}`),
        commits: href(`${url}/commits`),
        statuses: href(`${this.url}${this.#repoPath()}/statuses/${headSha}`)
      },
      author_association: 'CONTRIBUTOR',
      auto_merge: null,
      merged: false,
      mergeable: null,
      rebaseable: null,
      mergeable_state: 'unknown',
      merged_by: null,
      comments: this.comments(seed.number).length,
      review_comments: 0,
      maintainer_can_modify: false,
      commits,
      changed_files: files.length,
      additions: files.reduce((n, f) => n + f.additions, 0),
      deletions: files.reduce((n, f) => n + f.deletions, 0)
    }
  }

  /** A file's `patch` as GitHub would list it: left out past the per-file line limit too. */
  #listedPatch(file: ChangedFile): string | undefined {
    const patch = file.patch
    if (patch === undefined) return undefined
    const maxLines = this.#options.patchLimitLines ?? GITHUB_PATCH_LIMITS.lines
    let lines = 1
    for (let i = patch.indexOf('\n'); i >= 0 && lines <= maxLines; i = patch.indexOf('\n', i + 1)) lines++
    return lines > maxLines ? undefined : patch
  }

  #fileItems(files: ChangedFile[], ref: string, patchlessFrom = Infinity): Record<string, unknown>[] {
    return files.map((f, index) => {
      const patch = index < patchlessFrom ? this.#listedPatch(f) : undefined
      return {
        sha: f.sha,
        filename: f.filename,
        status: f.status,
        additions: f.additions,
        deletions: f.deletions,
        changes: f.additions + f.deletions,
        blob_url: this.#html(`/blob/${ref}/${encodeURI(f.filename)}`),
        raw_url: this.#html(`/raw/${ref}/${encodeURI(f.filename)}`),
        contents_url: `${this.url}${this.#repoPath()}/contents/${encodeURI(f.filename)}?ref=${ref}`,
        ...(patch !== undefined ? { patch } : {}),
        ...(f.previousFilename !== undefined ? { previous_filename: f.previousFilename } : {})
      }
    })
  }

  #nextFault(method: string, path: string): GitHubFault | undefined {
    const index = this.#faults.findIndex(
      f =>
        (f.method === undefined || f.method === method) &&
        (f.pathPattern === undefined || f.pathPattern.test(path))
    )
    if (index < 0) return undefined
    const fault = this.#faults[index] as GitHubFault
    const left = (fault.times ?? 1) - 1
    if (left <= 0) this.#faults.splice(index, 1)
    else this.#faults[index] = { ...fault, times: left }
    return fault
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator')
    const method = req.method ?? 'GET'
    const entry: GitHubRequest = {
      method,
      path: url.pathname,
      query: url.search,
      accept: req.headers.accept ?? '',
      status: 0,
      at: Date.now()
    }
    this.requests.push(entry)
    res.on('finish', () => {
      entry.status = res.statusCode
      this.onAnswered?.(entry)
    })
    this.#used += 1
    const reset = Math.floor(Date.now() / 1000) + 3600
    res.setHeader('x-github-request-id', randomBytes(8).toString('hex').toUpperCase())
    res.setHeader('x-ratelimit-limit', '5000')
    res.setHeader('x-ratelimit-remaining', String(Math.max(0, 5000 - this.#used)))
    res.setHeader('x-ratelimit-reset', String(reset))
    res.setHeader('x-ratelimit-used', String(this.#used))
    res.setHeader('x-ratelimit-resource', 'core')
    const raw = await readBody(req)
    try {
      const auth = req.headers.authorization ?? ''
      const token = /^(?:token|bearer)\s+(\S+)$/i.exec(auth.trim())?.[1]
      const kind = this.#tokenKind(token)
      if (kind === undefined) {
        throw new HttpError(401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' })
      }
      const fault = this.#nextFault(method, url.pathname)
      if (fault !== undefined && fault.afterProcessing !== true) throw faultError(fault)
      let body: Record<string, unknown> = {}
      if (raw !== '') {
        try {
          body = JSON.parse(raw) as Record<string, unknown>
        } catch {
          throw new HttpError(400, {
            message: 'Problems parsing JSON',
            documentation_url: DOCS,
            status: '400'
          })
        }
      }
      if (this.#identityRoute(method, url.pathname, body, kind, res)) return
      this.#caller = identityOf(kind)
      if (fault !== undefined) {
        // Done, and the answer dropped: the fault's answer goes out instead.
        this.#route(method, url, req.headers.accept ?? '', body, discardedResponse())
        throw faultError(fault)
      }
      this.#route(method, url, req.headers.accept ?? '', body, res)
    } catch (error) {
      if (res.headersSent) {
        res.destroy()
        return
      }
      const e = error instanceof HttpError ? error : new HttpError(500, { message: 'Server Error' })
      sendJson(res, e.status, e.body, e.headers)
    }
  }

  #route(method: string, url: URL, accept: string, body: Record<string, unknown>, res: ServerResponse): void {
    const repoPath = this.#repoPath()
    if (!url.pathname.startsWith(`${repoPath}/`)) throw notFound()
    const path = url.pathname.slice(repoPath.length)
    const wantsDiff = /application\/vnd\.github(\.v3)?\.diff/.test(accept)
    let m: RegExpExecArray | null

    if (method === 'GET' && (m = /^\/pulls\/(\d+)$/.exec(path))) {
      const seed = this.#pulls.get(Number(m[1]))
      if (seed === undefined) throw notFound()
      if (wantsDiff) {
        this.#sendDiff(res, seed.base, seed.head)
        return
      }
      sendJson(res, 200, this.#pullJson(seed))
      return
    }
    if (method === 'GET' && (m = /^\/pulls\/(\d+)\/files$/.exec(path))) {
      const seed = this.#pulls.get(Number(m[1]))
      if (seed === undefined) throw notFound()
      const files = this.#files(seed.base, seed.head).slice(0, FILES_LIST_CAP)
      const page = this.#paginate(url, files.length, res)
      const past = this.#options.patchlessPastPageIndex
      const patchlessFrom = past !== undefined && page.end - page.start > past ? past : Infinity
      sendJson(
        res,
        200,
        this.#fileItems(files.slice(page.start, page.end), this.#sha(seed.head), patchlessFrom)
      )
      return
    }
    if (method === 'GET' && (m = /^\/compare\/(.+)\.\.\.(.+)$/.exec(path))) {
      const [base, head] = [decodeURIComponent(m[1] as string), decodeURIComponent(m[2] as string)]
      let headSha: string
      let mergeBase: string
      try {
        headSha = this.#sha(head)
        mergeBase = this.#options.repo.git('merge-base', this.#sha(base), headSha).trim()
      } catch {
        throw notFound()
      }
      if (wantsDiff) {
        this.#sendDiff(res, base, head)
        return
      }
      const ahead = Number(this.#options.repo.git('rev-list', '--count', `${mergeBase}..${headSha}`).trim())
      const behind = Number(
        this.#options.repo.git('rev-list', '--count', `${headSha}..${this.#sha(base)}`).trim()
      )
      const full = `${this.#options.owner}/${this.#options.name}`
      const commits = this.#options.repo
        .git('rev-list', '--reverse', `${mergeBase}..${headSha}`)
        .split('\n')
        .filter(Boolean)
        .map(sha => commit(this.url, full, this.#options.repo, sha))
      const compareUrl = `${this.url}${repoPath}/compare/${m[1]}...${m[2]}`
      sendJson(res, 200, {
        url: compareUrl,
        html_url: this.#html(`/compare/${m[1]}...${m[2]}`),
        permalink_url: this.#html(`/compare/${m[1]}...${m[2]}`),
        diff_url: this.#html(`/compare/${m[1]}...${m[2]}.diff`),
        patch_url: this.#html(`/compare/${m[1]}...${m[2]}.patch`),
        base_commit: commit(this.url, full, this.#options.repo, this.#sha(base)),
        status: compareStatus(ahead, behind),
        ahead_by: ahead,
        behind_by: behind,
        total_commits: ahead,
        merge_base_commit: commit(this.url, full, this.#options.repo, mergeBase),
        commits,
        files: this.#fileItems(this.#files(base, head).slice(0, COMPARE_FILES_CAP), headSha)
      })
      return
    }
    if (method === 'GET' && (m = /^\/issues\/(\d+)$/.exec(path))) {
      const number = Number(m[1])
      const pull = this.#pulls.get(number)
      const issue = this.#issues.get(number)
      if (pull === undefined && issue === undefined) throw notFound()
      sendJson(res, 200, {
        number,
        title: pull?.title ?? issue?.title,
        user: pull !== undefined ? fullUser(pull.user ?? { login: 'octocat', type: 'User' }) : issue?.user,
        state: pull?.state ?? 'open',
        html_url: this.#html(`/${pull !== undefined ? 'pull' : 'issues'}/${number}`),
        ...(pull !== undefined ? { pull_request: { url: `${this.url}${repoPath}/pulls/${number}` } } : {})
      })
      return
    }
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(path))) {
      const number = Number(m[1])
      if (!this.#pulls.has(number) && !this.#issues.has(number)) throw notFound()
      if (method === 'GET') {
        const all = this.comments(number)
        const page = this.#paginate(url, all.length, res)
        sendJson(
          res,
          200,
          all.slice(page.start, page.end).map(c => this.#commentJson(c))
        )
        return
      }
      if (method === 'POST') {
        const text = validBody(body, 'create-an-issue-comment')
        sendJson(res, 201, this.#commentJson(this.#createComment(number, text, this.#caller)))
        return
      }
    }
    if (method === 'DELETE' && (m = /^\/issues\/comments\/(\d+)$/.exec(path))) {
      // "Delete an issue comment": 204 with no body; an unknown (or already deleted) comment is 404.
      if (!this.#comments.delete(Number(m[1]))) throw notFound()
      res.writeHead(204).end()
      return
    }
    if ((m = /^\/issues\/comments\/(\d+)$/.exec(path))) {
      const found = this.#comments.get(Number(m[1]))
      if (found === undefined) throw notFound()
      if (method === 'GET') {
        sendJson(res, 200, this.#commentJson(found.comment))
        return
      }
      if (method === 'PATCH') {
        found.comment.body = validBody(body, 'update-an-issue-comment')
        found.comment.updated_at = new Date().toISOString()
        sendJson(res, 200, this.#commentJson(found.comment))
        return
      }
    }
    if (method === 'POST' && (m = /^\/(issues|pulls)\/comments\/(\d+)\/reactions$/.exec(path))) {
      // An issue comment's, or a review comment's ("Create reaction for a pull request review comment").
      const onReview = m[1] === 'pulls'
      const id = Number(m[2])
      const exists = onReview ? this.reviews.comment(id) !== undefined : this.#comments.has(id)
      if (!exists) throw notFound()
      const content = body.content
      if (typeof content !== 'string' || !REACTIONS.includes(content)) {
        // GitHub's schema check, e.g. `Invalid request.\n\neye is not a member of ["+1", …].`
        throw invalidRequest(
          typeof content === 'string'
            ? `${content} is not a member of [${REACTIONS.map(r => `"${r}"`).join(', ')}].`
            : '"content" wasn\'t supplied.',
          onReview
            ? 'reactions/reactions#create-reaction-for-a-pull-request-review-comment'
            : 'reactions/reactions#create-reaction-for-an-issue-comment'
        )
      }
      const list = this.#reactions.get(id) ?? []
      const existing = list.find(r => r.content === content && r.user.login === this.#caller.login)
      if (existing !== undefined) {
        sendJson(res, 200, this.#reactionJson(existing))
        return
      }
      const reaction = { id: this.#nextId++, content, user: this.#caller }
      this.#reactions.set(id, [...list, reaction])
      sendJson(res, 201, this.#reactionJson(reaction))
      return
    }
    if (method === 'GET' && (m = /^\/collaborators\/([^/]+)\/permission$/.exec(path))) {
      const login = decodeURIComponent(m[1] as string)
      const role = this.#permissions.get(login)
      // GitHub answers 404 for a login that is not a user; every login set here exists.
      if (role === undefined && !/^[A-Za-z0-9-]+$/.test(login)) throw notFound()
      const r = role ?? 'none'
      sendJson(res, 200, {
        permission: COARSE[r],
        role_name: r,
        user: {
          ...simpleUser(this.url, { login, id: 1000 + login.length, type: 'User' }),
          // GitHub's `collaborator` object: the role and what it allows.
          permissions: {
            pull: r !== 'none',
            triage: ['admin', 'maintain', 'write', 'triage'].includes(r),
            push: ['admin', 'maintain', 'write'].includes(r),
            maintain: ['admin', 'maintain'].includes(r),
            admin: r === 'admin'
          },
          role_name: r
        }
      })
      return
    }
    if (this.reviews.route(method, path, url, body, res)) return
    if (this.#blobRoutes(method, path, url, accept, res)) return
    throw notFound()
  }

  /**
   * The git data API's blobs and the contents API, which the action reads for a file the files
   * list gives no patch for. Base64 wrapped at 60 characters with a final newline, as GitHub
   * writes it (Ruby's `Base64.encode64`; the examples of "Get a blob" and "Get repository
   * content" show the `\n`s).
   */
  #blobRoutes(method: string, path: string, url: URL, accept: string, res: ServerResponse): boolean {
    let m: RegExpExecArray | null
    if (method === 'GET' && (m = /^\/git\/blobs\/([^/]+)$/.exec(path))) {
      const sha = m[1] as string
      if (!/^[0-9a-f]{40}$/.test(sha) || this.#objectType(sha) !== 'blob') throw notFound()
      const bytes = this.#blob(sha)
      // "Get a blob": `application/vnd.github.raw+json` returns the raw blob data.
      if (/application\/vnd\.github(\.v3)?\.raw/.test(accept)) {
        res.writeHead(200, {
          'content-type': 'application/vnd.github.raw',
          'content-length': String(bytes.length)
        })
        res.end(bytes)
        return true
      }
      sendJson(res, 200, {
        sha,
        node_id: `B_${sha.slice(0, 16)}`,
        size: bytes.length,
        url: `${this.url}${this.#repoPath()}/git/blobs/${sha}`,
        content: base64Lines(bytes),
        encoding: 'base64'
      })
      return true
    }
    if (method === 'GET' && (m = /^\/contents\/(.+)$/.exec(path))) {
      const file = decodeURIComponent(m[1] as string)
      const ref = url.searchParams.get('ref') ?? 'main'
      let commit: string
      try {
        commit = this.#sha(ref)
      } catch {
        // GitHub's answer for a ref that does not exist.
        throw new HttpError(404, {
          message: `No commit found for the ref ${ref}`,
          documentation_url: DOCS,
          status: '404'
        })
      }
      // A directory (a list in GitHub's answer) or a submodule is not served: the action reads files.
      if (this.#objectType(`${commit}:${file}`) !== 'blob') throw notFound()
      const sha = this.#options.repo.git('rev-parse', `${commit}:${file}`).trim()
      const bytes = this.#blob(sha)
      if (/application\/vnd\.github(\.v3)?\.raw(?!\+json)/.test(accept)) {
        res.writeHead(200, {
          'content-type': 'application/vnd.github.raw',
          'content-length': String(bytes.length)
        })
        res.end(bytes)
        return true
      }
      const self = `${this.url}${this.#repoPath()}/contents/${encodeURI(file)}?ref=${encodeURIComponent(ref)}`
      const git = `${this.url}${this.#repoPath()}/git/blobs/${sha}`
      const html = this.#html(`/blob/${ref}/${encodeURI(file)}`)
      // Over 1 MB GitHub sends `content: ""` and `encoding: "none"` ("Get repository content").
      const large = bytes.length > 1024 * 1024
      sendJson(res, 200, {
        type: 'file',
        encoding: large ? 'none' : 'base64',
        size: bytes.length,
        name: file.slice(file.lastIndexOf('/') + 1),
        path: file,
        content: large ? '' : base64Lines(bytes),
        sha,
        url: self,
        git_url: git,
        html_url: html,
        download_url: `https://raw.githubusercontent.com/${this.#options.owner}/${this.#options.name}/${ref}/${encodeURI(file)}`,
        _links: { self, git, html }
      })
      return true
    }
    return false
  }

  #objectType(sha: string): string {
    try {
      return this.#options.repo.git('cat-file', '-t', sha).trim()
    } catch {
      return ''
    }
  }

  /** A blob's bytes as they are (the git helper decodes as UTF-8, which would corrupt binaries). */
  #blob(sha: string): Buffer {
    return execFileSync('git', ['cat-file', 'blob', sha], {
      cwd: this.#options.repo.dir,
      maxBuffer: 1024 * 1024 * 1024
    })
  }

  #sendDiff(res: ServerResponse, base: string, head: string): void {
    if (this.#options.diffNotAvailable === true) {
      // GitHub's body, as reported in sonichi/sutando#3159 and googleapis/repo-automation-bots#4475.
      throw new HttpError(422, {
        message: 'Server Error: Sorry, this diff is taking too long to generate.',
        errors: [{ resource: 'PullRequest', field: 'diff', code: 'not_available' }],
        status: '422'
      })
    }
    const files = this.#files(base, head)
    const text = this.#options.repo.diff(base, head)
    const limits = { ...GITHUB_DIFF_LIMITS, ...this.#options.diffLimits }
    let lines = 0
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++
    // GitHub's wording for the byte limit is not on record; it is modelled on the other two.
    let tooMany: string | undefined
    if (files.length > limits.maxFiles) tooMany = `files (${limits.maxFiles})`
    else if (lines > limits.maxLines) tooMany = `lines (${limits.maxLines})`
    else if (Buffer.byteLength(text) > limits.maxBytes) tooMany = `bytes (${limits.maxBytes})`
    if (tooMany !== undefined) {
      throw new HttpError(406, {
        message: `Sorry, the diff exceeded the maximum number of ${tooMany}. Consider using 'List pull requests files' API or locally cloning the repository instead.`,
        errors: [{ resource: 'PullRequest', field: 'diff', code: 'too_large' }],
        documentation_url: `${DOCS}/pulls/pulls#list-pull-requests-files`,
        status: '406'
      })
    }
    res.writeHead(200, {
      'content-type': 'application/vnd.github.diff; charset=utf-8',
      'content-length': String(Buffer.byteLength(text))
    })
    res.end(text)
  }

  /** `per_page` (default 30, at most 100) and `page`, with GitHub's `Link` header. */
  #paginate(url: URL, total: number, res: ServerResponse): { start: number; end: number } {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? '30') || 30))
    const page = Math.max(1, Number(url.searchParams.get('page') ?? '1') || 1)
    const last = Math.max(1, Math.ceil(total / perPage))
    const link = (p: number, rel: string) => {
      const u = new URL(`${this.url}${url.pathname}`)
      u.searchParams.set('per_page', String(perPage))
      u.searchParams.set('page', String(p))
      return `<${u.toString()}>; rel="${rel}"`
    }
    const links: string[] = []
    if (page > 1) links.push(link(page - 1, 'prev'))
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'))
    if (page > 1) links.push(link(1, 'first'))
    if (links.length > 0) res.setHeader('link', links.join(', '))
    return { start: (page - 1) * perPage, end: page * perPage }
  }
}

function identityOf(kind: TokenKind): Required<User> {
  if (kind.kind === 'workflow') return ACTIONS_BOT
  return fullUser(kind.kind === 'app' ? kind.bot : kind.user)
}

/** A comparison's `status` from the head's commits ahead of and behind the base (the compare API's enum). */
function compareStatus(ahead: number, behind: number): 'identical' | 'ahead' | 'behind' | 'diverged' {
  if (ahead === 0) return behind === 0 ? 'identical' : 'behind'
  return behind === 0 ? 'ahead' : 'diverged'
}

/** Base64 in lines of 60 characters, each ending in `\n`, as GitHub's blob and contents answers are. */
function base64Lines(bytes: Buffer): string {
  const text = bytes.toString('base64')
  let out = ''
  for (let i = 0; i < text.length; i += 60) out += `${text.slice(i, i + 60)}\n`
  return out
}

function fullUser(user: User | undefined): Required<User> {
  const u = user ?? { login: 'octocat', type: 'User' }
  return { login: u.login, type: u.type, id: u.id ?? 5000 + u.login.length }
}

/** A request body that fails GitHub's schema check (422 without `errors`). */
function invalidRequest(detail: string, doc: string): HttpError {
  return new HttpError(422, {
    message: `Invalid request.\n\n${detail}`,
    documentation_url: `${DOCS}/${doc}`,
    status: '422'
  })
}

function validBody(body: Record<string, unknown>, doc: string): string {
  const text = body.body
  if (typeof text !== 'string') throw invalidRequest('"body" wasn\'t supplied.', `issues/comments#${doc}`)
  if (text.length > COMMENT_MAX) {
    // GitHub's answer for an issue comment since 2021 (older answers said code `custom`, field `body`).
    throw new HttpError(422, {
      message: 'Validation Failed',
      errors: [
        {
          resource: 'IssueComment',
          code: 'unprocessable',
          field: 'data',
          message: `Body is too long (maximum is ${COMMENT_MAX} characters)`
        }
      ],
      documentation_url: `${DOCS}/issues/comments#${doc}`,
      status: '422'
    })
  }
  return text
}

function faultError(fault: GitHubFault): HttpError {
  const headers: Record<string, string> = {}
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter)
  if (fault.secondary === true) {
    return new HttpError(
      fault.status,
      {
        message:
          'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
        status: String(fault.status)
      },
      headers
    )
  }
  if (fault.status === 403 || fault.status === 429) {
    headers['x-ratelimit-remaining'] = '0'
    headers['x-ratelimit-reset'] = String(Math.floor(Date.now() / 1000) + 1)
    return new HttpError(
      fault.status,
      {
        message: 'API rate limit exceeded for installation ID 1.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
        status: String(fault.status)
      },
      headers
    )
  }
  return new HttpError(fault.status, { message: 'Server Error', status: String(fault.status) }, headers)
}

/** A response that takes what a route writes and sends nothing (see `afterProcessing`). */
function discardedResponse(): ServerResponse {
  const sink = {
    headersSent: false,
    statusCode: 200,
    setHeader: () => sink,
    writeHead: () => sink,
    write: () => true,
    end: () => sink
  }
  return sink as unknown as ServerResponse
}
