import type { GitHubClient, Repo } from './client.js'

/** The facts of a pull request the review needs. */
export interface PullRequestInfo {
  number: number
  title: string
  body: string
  draft: boolean
  state: string
  headSha: string
  baseSha: string
  /** Files GitHub counts in the pull request (the files list stops at 3000). */
  changedFiles: number
  /** GitHub's own line counts over the whole pull request, to check the diff read against. */
  additions: number
  deletions: number
  htmlUrl: string
  author: string
}

export async function getPullRequest(
  gh: GitHubClient,
  repo: Repo,
  pullNumber: number
): Promise<PullRequestInfo> {
  const { data } = await gh.rest.pulls.get({ ...repo, pull_number: pullNumber })
  return {
    number: data.number,
    title: data.title,
    body: data.body ?? '',
    draft: data.draft === true,
    state: data.state,
    headSha: data.head.sha,
    baseSha: data.base.sha,
    changedFiles: data.changed_files,
    additions: data.additions,
    deletions: data.deletions,
    htmlUrl: data.html_url,
    author: data.user?.login ?? ''
  }
}

/**
 * Whether `other` is a newer head of the pull request than `ours`: it is the pull request's head
 * now, or a descendant of ours (the compare API's `status: ahead` for `ours...other`, GitHub's
 * "Compare two commits" docs). A failed compare (a head gone after a force-push) is not newer.
 */
export async function isNewerHead(
  gh: GitHubClient,
  repo: Repo,
  pullNumber: number,
  ours: string,
  other: string
): Promise<boolean> {
  if (other === ours) return false
  const live = (await getPullRequest(gh, repo, pullNumber)).headSha
  if (live === other) return true
  if (live === ours) return false
  try {
    const { data } = await gh.rest.repos.compareCommitsWithBasehead({
      ...repo,
      basehead: `${ours}...${other}`
    })
    return data.status === 'ahead'
  } catch {
    return false
  }
}
