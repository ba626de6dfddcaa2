/**
 * The GitHub emulator's pull-request review endpoints (REST "Pull request reviews" and "Pull
 * request review comments"): create a review with inline comments, list reviews, list review
 * comments, reply in a thread. Lines are checked as GitHub checks them, against the pull request's
 * own diff at the review's commit (git's patches of base...commit), and refused with the 422 bodies
 * GitHub is seen to answer; a refused review stores nothing (GitHub creates it all or nothing:
 * max-sixty/tend#252). See docs/emulators.md.
 */
import type { ServerResponse } from 'node:http'
import { sendJson } from '../http.js'
import type { ChangedFile } from './git-files.js'
import type { User } from './index.js'

/** A review comment seeded by a test: a reply in a thread, by someone other than the token. */
export interface SeededReply {
  body: string
  user: User
}

const DOCS = 'https://docs.github.com/rest'
const CREATE_DOC = `${DOCS}/pulls/reviews#create-a-review-for-a-pull-request`
const EVENTS = ['APPROVE', 'REQUEST_CHANGES', 'COMMENT'] as const
type ReviewEvent = (typeof EVENTS)[number]
/** The `state` a review submitted with each event has (GitHub's review object). */
const STATE_OF_EVENT: Record<ReviewEvent, Review['state']> = {
  APPROVE: 'APPROVED',
  REQUEST_CHANGES: 'CHANGES_REQUESTED',
  COMMENT: 'COMMENTED'
}
const SIDES = ['LEFT', 'RIGHT'] as const
type Side = (typeof SIDES)[number]

/** What the reviews need of the emulator that holds them. */
export interface ReviewsHost {
  pull(number: number): { base: string; head: string } | undefined
  files(base: string, head: string): ChangedFile[]
  /** The commit a ref names; throws for an unknown one. */
  sha(ref: string): string
  /** Whether `ancestor` is `descendant` or one of its ancestors. */
  isAncestor(ancestor: string, descendant: string): boolean
  /** `https://github.com/owner/name` + path. */
  html(path: string): string
  /** The API URL of the repository + path. */
  api(path: string): string
  nextId(): number
  /** The token's identity, as GitHub shows a user (a simple-user): who reviews and replies. */
  user(): Required<User>
  /** Any user, as GitHub shows one (a simple-user): who wrote a seeded review or reply. */
  asUser(user: User): Required<User>
  paginate(url: URL, total: number, res: ServerResponse): { start: number; end: number }
}

export interface Review {
  id: number
  node_id: string
  user: Required<User>
  body: string
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'PENDING'
  html_url: string
  pull_request_url: string
  author_association: string
  _links: { html: { href: string }; pull_request: { href: string } }
  submitted_at?: string
  commit_id: string
}

export interface ReviewComment {
  url: string
  pull_request_review_id: number
  id: number
  node_id: string
  diff_hunk: string
  path: string
  position: number
  original_position: number
  commit_id: string
  original_commit_id: string
  in_reply_to_id?: number
  user: Required<User>
  body: string
  created_at: string
  updated_at: string
  html_url: string
  pull_request_url: string
  author_association: string
  _links: { self: { href: string }; html: { href: string }; pull_request: { href: string } }
  start_line: number | null
  original_start_line: number | null
  start_side: Side | null
  line: number
  original_line: number
  side: Side
  subject_type: 'line'
}

/** A line of a file's patch that a comment can sit on. */
interface PatchLine {
  hunk: number
  /** GitHub's `position`: lines below the file's first `@@` line, later `@@` lines counted. */
  position: number
  /** Index of the hunk's `@@` line and of this line in the patch's lines (for `diff_hunk`). */
  hunkStart: number
  index: number
}

interface PatchSides {
  lines: string[]
  RIGHT: Map<number, PatchLine>
  LEFT: Map<number, PatchLine>
}

/**
 * The commentable lines of a patch as GitHub documents them for `side`: RIGHT for added and
 * unchanged (context) lines in new-file numbers, LEFT for removed lines in old-file numbers.
 * Read here from the text, not with the action's parser, so that the emulator checks it.
 */
function patchSides(patch: string): PatchSides {
  const lines = patch.split('\n')
  const sides: PatchSides = { lines, RIGHT: new Map(), LEFT: new Map() }
  let hunk = -1
  let hunkStart = 0
  let oldNo = 0
  let newNo = 0
  lines.forEach((line, index) => {
    const header = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line)
    if (header !== null) {
      hunk += 1
      hunkStart = index
      oldNo = Number(header[1])
      newNo = Number(header[2])
      return
    }
    if (hunk < 0) return
    const at = { hunk, position: index, hunkStart, index }
    if (line.startsWith('+')) sides.RIGHT.set(newNo++, at)
    else if (line.startsWith('-')) sides.LEFT.set(oldNo++, at)
    else if (line.startsWith(' ') || line === '') {
      sides.RIGHT.set(newNo++, at)
      oldNo++
    }
  })
  return sides
}

/** A 422 in GitHub's shape for review validation: `errors` is a list of sentences. */
function unprocessable(errors: string[]): { status: number; body: Record<string, unknown> } {
  return {
    status: 422,
    body: { message: 'Unprocessable Entity', errors, documentation_url: CREATE_DOC, status: '422' }
  }
}

/** A body that fails GitHub's schema check (422 `Invalid request.` without `errors`). */
function invalidRequest(detail: string, doc: string): { status: number; body: Record<string, unknown> } {
  return {
    status: 422,
    body: { message: `Invalid request.\n\n${detail}`, documentation_url: `${DOCS}/${doc}`, status: '422' }
  }
}

interface CommentInput {
  path: string
  line: number
  side: Side
  startLine: number | null
  startSide: Side | null
  body: string
  at: PatchLine
  sides: PatchSides
}

type Outcome<T> = { ok: T } | { status: number; body: Record<string, unknown> }

export class PullReviews {
  readonly #host: ReviewsHost
  readonly #reviews = new Map<number, Review[]>()
  readonly #comments = new Map<number, ReviewComment[]>()
  /**
   * Lines GitHub refuses although they are in the diff, as it does where its own view of the diff
   * differs from git's (a test setting: "Line could not be resolved" for these).
   */
  refuseLine: ((comment: { path: string; line: number; side: Side }) => boolean) | undefined

  constructor(host: ReviewsHost) {
    this.#host = host
  }

  /** The reviews of a pull request, oldest first. */
  reviews(pullNumber: number): Review[] {
    return this.#reviews.get(pullNumber) ?? []
  }

  /** The review comments of a pull request (submitted reviews only), oldest first. */
  comments(pullNumber: number): ReviewComment[] {
    const pending = new Set(
      this.reviews(pullNumber)
        .filter(r => r.state === 'PENDING')
        .map(r => r.id)
    )
    return (this.#comments.get(pullNumber) ?? []).filter(c => !pending.has(c.pull_request_review_id))
  }

  /** A review comment of any pull request, by id (submitted reviews only). */
  comment(id: number): ReviewComment | undefined {
    for (const number of this.#comments.keys()) {
      const found = this.comments(number).find(c => c.id === id)
      if (found !== undefined) return found
    }
    return undefined
  }

  /**
   * Seeds a review by `user` (someone else's inline comments), checked as a posted one is; throws
   * with GitHub's answer when it would be refused.
   */
  addReview(
    pullNumber: number,
    body: { event?: ReviewEvent; body?: string; comments: Record<string, unknown>[] },
    user: User
  ): { review: Review; comments: ReviewComment[] } {
    const pull = this.#host.pull(pullNumber)
    if (pull === undefined) throw new Error(`no pull request #${pullNumber}`)
    const before = new Set((this.#comments.get(pullNumber) ?? []).map(c => c.id))
    const outcome = this.#createReview(
      pullNumber,
      pull,
      { event: 'COMMENT', ...body },
      this.#host.asUser(user)
    )
    if (!('ok' in outcome)) throw new Error(`review refused: ${JSON.stringify(outcome.body)}`)
    const comments = (this.#comments.get(pullNumber) ?? []).filter(c => !before.has(c.id))
    return { review: outcome.ok, comments }
  }

  /** Seeds a reply by someone other than the token in the thread of comment `targetId`. */
  addReply(pullNumber: number, targetId: number, reply: SeededReply): ReviewComment {
    const target = this.comments(pullNumber).find(c => c.id === targetId)
    if (target === undefined) throw new Error(`no review comment ${targetId} on #${pullNumber}`)
    return this.#reply(pullNumber, target, reply.body, this.#host.asUser(reply.user))
  }

  /** Answers a request under the repository path when it is one of these endpoints; false otherwise. */
  route(method: string, path: string, url: URL, body: Record<string, unknown>, res: ServerResponse): boolean {
    let m: RegExpExecArray | null
    if ((m = /^\/pulls\/(\d+)\/reviews$/.exec(path))) {
      const number = Number(m[1])
      const pull = this.#host.pull(number)
      if (pull === undefined) return false
      if (method === 'GET') {
        this.#sendPage(res, url, this.reviews(number))
        return true
      }
      if (method === 'POST') {
        const outcome = this.#createReview(number, pull, body)
        if ('ok' in outcome) sendJson(res, 200, outcome.ok)
        else sendJson(res, outcome.status, outcome.body)
        return true
      }
      return false
    }
    if (method === 'GET' && (m = /^\/pulls\/(\d+)\/comments$/.exec(path))) {
      const number = Number(m[1])
      if (this.#host.pull(number) === undefined) return false
      this.#sendPage(res, url, this.comments(number))
      return true
    }
    if (method === 'GET' && (m = /^\/pulls\/comments\/(\d+)$/.exec(path))) {
      const found = this.comment(Number(m[1]))
      if (found === undefined) return false
      sendJson(res, 200, found)
      return true
    }
    if (method === 'POST' && (m = /^\/pulls\/(\d+)\/comments\/(\d+)\/replies$/.exec(path))) {
      const number = Number(m[1])
      const target = this.comments(number).find(c => c.id === Number(m?.[2]))
      if (target === undefined) return false
      if (typeof body.body !== 'string') {
        const e = invalidRequest(
          '"body" wasn\'t supplied.',
          'pulls/comments#create-a-reply-for-a-review-comment'
        )
        sendJson(res, e.status, e.body)
        return true
      }
      sendJson(res, 201, this.#reply(number, target, body.body, this.#host.user()))
      return true
    }
    return false
  }

  #sendPage<T>(res: ServerResponse, url: URL, all: T[]): void {
    const page = this.#host.paginate(url, all.length, res)
    sendJson(res, 200, all.slice(page.start, page.end))
  }

  #createReview(
    number: number,
    pull: { base: string; head: string },
    body: Record<string, unknown>,
    user: Required<User> = this.#host.user()
  ): Outcome<Review> {
    const event = body.event
    if (
      event !== undefined &&
      (typeof event !== 'string' || !(EVENTS as readonly string[]).includes(event))
    ) {
      return invalidRequest(
        `${shown(event)} is not a member of [${EVENTS.map(e => `"${e}"`).join(', ')}].`,
        'pulls/reviews#create-a-review-for-a-pull-request'
      )
    }
    const text = typeof body.body === 'string' ? body.body : ''
    const rawComments = Array.isArray(body.comments) ? (body.comments as unknown[]) : []
    if (event === 'APPROVE' && user.login === 'github-actions[bot]') {
      // The workflow token may not approve unless the repository allows it (cpp-linter/cpp-linter#51,
      // github/docs#31550).
      return unprocessable(['GitHub Actions is not permitted to approve pull requests.'])
    }
    if (event === 'REQUEST_CHANGES' && text === '') {
      // hubtty/hubtty#67.
      return unprocessable(['You need to leave a comment indicating the requested changes.'])
    }
    if (event === 'COMMENT' && text === '' && rawComments.length === 0) {
      // GitHub refuses an empty COMMENT review (hubtty/hubtty#128); its wording was not found.
      return unprocessable(["Body can't be blank"])
    }
    const head = this.#host.sha(pull.head)
    let commit = head
    if (body.commit_id !== undefined) {
      const wanted = typeof body.commit_id === 'string' ? body.commit_id : ''
      let resolved: string | undefined
      try {
        resolved = this.#host.sha(wanted)
      } catch {
        resolved = undefined
      }
      // A commit of the pull request: reachable from its head, not from its base.
      if (
        resolved === undefined ||
        !this.#host.isAncestor(resolved, head) ||
        this.#host.isAncestor(resolved, this.#host.sha(pull.base))
      ) {
        return unprocessable(['Commit is not part of the pull request'])
      }
      commit = resolved
    }
    const files = this.#host.files(pull.base, commit)
    const inputs: CommentInput[] = []
    for (const raw of rawComments) {
      const checked = checkComment(raw, files)
      if (!('ok' in checked)) return checked
      if (this.refuseLine?.(checked.ok) === true) return unprocessable(['Line could not be resolved'])
      inputs.push(checked.ok)
    }
    const id = this.#host.nextId()
    const now = new Date().toISOString()
    const html = this.#host.html(`/pull/${number}#pullrequestreview-${id}`)
    const review: Review = {
      id,
      node_id: `PRR_${id.toString(36)}`,
      user,
      body: text,
      state: event === undefined ? 'PENDING' : STATE_OF_EVENT[event as ReviewEvent], // a member: checked above
      html_url: html,
      pull_request_url: this.#host.api(`/pulls/${number}`),
      author_association: authorAssociation(user),
      _links: { html: { href: html }, pull_request: { href: this.#host.api(`/pulls/${number}`) } },
      ...(event !== undefined ? { submitted_at: now } : {}),
      commit_id: commit
    }
    this.#reviews.set(number, [...this.reviews(number), review])
    for (const input of inputs) this.#storeComment(number, review.id, commit, input, now, user)
    return { ok: review }
  }

  #storeComment(
    number: number,
    reviewId: number,
    commit: string,
    c: CommentInput,
    now: string,
    user: Required<User>
  ): ReviewComment {
    const id = this.#host.nextId()
    const html = this.#host.html(`/pull/${number}#discussion_r${id}`)
    const self = this.#host.api(`/pulls/comments/${id}`)
    const comment: ReviewComment = {
      url: self,
      pull_request_review_id: reviewId,
      id,
      node_id: `PRRC_${id.toString(36)}`,
      diff_hunk: c.sides.lines.slice(c.at.hunkStart, c.at.index + 1).join('\n'),
      path: c.path,
      position: c.at.position,
      original_position: c.at.position,
      commit_id: commit,
      original_commit_id: commit,
      user,
      body: c.body,
      created_at: now,
      updated_at: now,
      html_url: html,
      pull_request_url: this.#host.api(`/pulls/${number}`),
      author_association: authorAssociation(user),
      _links: {
        self: { href: self },
        html: { href: html },
        pull_request: { href: this.#host.api(`/pulls/${number}`) }
      },
      start_line: c.startLine,
      original_start_line: c.startLine,
      start_side: c.startSide,
      line: c.line,
      original_line: c.line,
      side: c.side,
      subject_type: 'line'
    }
    this.#comments.set(number, [...(this.#comments.get(number) ?? []), comment])
    return comment
  }

  /**
   * A reply joins the thread of the comment it answers, on the same lines. GitHub documents that
   * replies to replies are not supported; here a reply to a reply joins the same thread (a choice).
   */
  #reply(number: number, target: ReviewComment, text: string, user: Required<User>): ReviewComment {
    const root = target.in_reply_to_id ?? target.id
    const now = new Date().toISOString()
    const reviewId = this.#host.nextId()
    const html = this.#host.html(`/pull/${number}#pullrequestreview-${reviewId}`)
    // GitHub records a reply as a review of its own, in the COMMENTED state.
    this.#reviews.set(number, [
      ...this.reviews(number),
      {
        id: reviewId,
        node_id: `PRR_${reviewId.toString(36)}`,
        user,
        body: '',
        state: 'COMMENTED',
        html_url: html,
        pull_request_url: this.#host.api(`/pulls/${number}`),
        author_association: authorAssociation(user),
        _links: { html: { href: html }, pull_request: { href: this.#host.api(`/pulls/${number}`) } },
        submitted_at: now,
        commit_id: target.commit_id
      }
    ])
    const id = this.#host.nextId()
    const commentHtml = this.#host.html(`/pull/${number}#discussion_r${id}`)
    const self = this.#host.api(`/pulls/comments/${id}`)
    const reply: ReviewComment = {
      ...target,
      url: self,
      id,
      node_id: `PRRC_${id.toString(36)}`,
      pull_request_review_id: reviewId,
      in_reply_to_id: root,
      user,
      body: text,
      created_at: now,
      updated_at: now,
      html_url: commentHtml,
      author_association: authorAssociation(user),
      _links: { ...target._links, self: { href: self }, html: { href: commentHtml } }
    }
    this.#comments.set(number, [...(this.#comments.get(number) ?? []), reply])
    return reply
  }
}

/** A value as a schema error names it. */
function shown(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

function authorAssociation(user: Required<User>): string {
  return user.type === 'Bot' ? 'NONE' : 'CONTRIBUTOR'
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined
}

/**
 * One entry of `comments` against the diff, refused the way GitHub refuses it. GitHub does not say
 * which entry failed; neither does this.
 */
function checkComment(raw: unknown, files: ChangedFile[]): Outcome<CommentInput> {
  const doc = 'pulls/reviews#create-a-review-for-a-pull-request'
  if (typeof raw !== 'object' || raw === null) return invalidRequest('"comments" items must be objects.', doc)
  const c = raw as Record<string, unknown>
  if (typeof c.path !== 'string') return invalidRequest('"path" wasn\'t supplied.', doc)
  if (typeof c.body !== 'string') return invalidRequest('"body" wasn\'t supplied.', doc)
  const side = c.side ?? 'RIGHT'
  if (typeof side !== 'string' || !(SIDES as readonly string[]).includes(side)) {
    return invalidRequest(`${shown(side)} is not a member of ["LEFT", "RIGHT"].`, doc)
  }
  const startSide = c.start_side ?? (c.start_line !== undefined && c.start_line !== null ? side : null)
  if (
    startSide !== null &&
    (typeof startSide !== 'string' || !(SIDES as readonly string[]).includes(startSide))
  ) {
    return invalidRequest(`${shown(startSide)} is not a member of ["LEFT", "RIGHT"].`, doc)
  }
  const file = files.find(f => f.filename === c.path)
  // A path the diff does not touch (warpdotdev/oz-for-oss#310).
  if (file === undefined) return unprocessable(['Path could not be resolved'])
  const sides = patchSides(file.patch ?? '')
  const line = positiveInteger(c.line)
  const at = line === undefined ? undefined : sides[side as Side].get(line)
  // A line outside the file's hunks, or on the wrong side (max-sixty/tend#252).
  if (line === undefined || at === undefined) return unprocessable(['Line could not be resolved'])
  let startLine: number | null = null
  if (c.start_line !== undefined && c.start_line !== null) {
    const start = positiveInteger(c.start_line)
    const startAt = start === undefined ? undefined : sides[startSide as Side].get(start)
    if (start !== undefined && startAt !== undefined && startAt.position >= at.position) {
      // Also for start_line == line (ubuntu/WSL#244).
      return unprocessable(['Pull request review thread start line must precede the end line.'])
    }
    if (start === undefined || startAt === undefined || startAt.hunk !== at.hunk) {
      // parkerbxyz/suggest-changes#64.
      return unprocessable([
        'Pull request review thread start line must be part of the same hunk as the line.'
      ])
    }
    startLine = start
  }
  return {
    ok: {
      path: c.path,
      line,
      side: side as Side,
      startLine,
      startSide: startLine === null ? null : (startSide as Side),
      body: c.body,
      at,
      sides
    }
  }
}
