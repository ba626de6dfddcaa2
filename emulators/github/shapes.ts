/**
 * The full shapes of GitHub's REST objects (users, repositories, commits), with every field GitHub's
 * OpenAPI description marks required (`simple-user`, `repository`, `commit`), so the emulator's
 * answers validate against it (__tests__/emulators/github/openapi.test.ts). Fixed dates and counts:
 * the action reads none of these extra fields.
 */
import type { GitRepo } from './git-repo.js'

const WHEN = '2026-01-01T00:00:00Z'

export interface UserLike {
  login: string
  id: number
  type: string
}

/** GitHub's `simple-user`. */
export function simpleUser(apiUrl: string, user: UserLike): Record<string, unknown> {
  const url = `${apiUrl}/users/${encodeURIComponent(user.login)}`
  return {
    login: user.login,
    id: user.id,
    node_id: `U_${user.id.toString(36)}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
    gravatar_id: '',
    url,
    // An app's bot has its page under /apps (github-actions[bot]: https://github.com/apps/github-actions).
    html_url: user.login.endsWith('[bot]')
      ? `https://github.com/apps/${encodeURIComponent(user.login.slice(0, -'[bot]'.length))}`
      : `https://github.com/${encodeURIComponent(user.login)}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: user.type,
    site_admin: false
  }
}

/** GitHub's `repository`, public, of `owner/name`. */
export function repository(apiUrl: string, fullName: string, id: number): Record<string, unknown> {
  const [owner = '', name = ''] = fullName.split('/')
  const url = `${apiUrl}/repos/${fullName}`
  const html = `https://github.com/${fullName}`
  const templates: Record<string, string> = {
    archive_url: '/{archive_format}{/ref}',
    assignees_url: '/assignees{/user}',
    blobs_url: '/git/blobs{/sha}',
    branches_url: '/branches{/branch}',
    collaborators_url: '/collaborators{/collaborator}',
    comments_url: '/comments{/number}',
    commits_url: '/commits{/sha}',
    compare_url: '/compare/{base}...{head}',
    contents_url: '/contents/{+path}',
    contributors_url: '/contributors',
    deployments_url: '/deployments',
    downloads_url: '/downloads',
    events_url: '/events',
    forks_url: '/forks',
    git_commits_url: '/git/commits{/sha}',
    git_refs_url: '/git/refs{/sha}',
    git_tags_url: '/git/tags{/sha}',
    hooks_url: '/hooks',
    issue_comment_url: '/issues/comments{/number}',
    issue_events_url: '/issues/events{/number}',
    issues_url: '/issues{/number}',
    keys_url: '/keys{/key_id}',
    labels_url: '/labels{/name}',
    languages_url: '/languages',
    merges_url: '/merges',
    milestones_url: '/milestones{/number}',
    notifications_url: '/notifications{?since,all,participating}',
    pulls_url: '/pulls{/number}',
    releases_url: '/releases{/id}',
    stargazers_url: '/stargazers',
    statuses_url: '/statuses/{sha}',
    subscribers_url: '/subscribers',
    subscription_url: '/subscription',
    tags_url: '/tags',
    teams_url: '/teams',
    trees_url: '/git/trees{/sha}'
  }
  const urls = Object.fromEntries(Object.entries(templates).map(([key, tail]) => [key, `${url}${tail}`]))
  return {
    id,
    node_id: `R_${id.toString(36)}`,
    name,
    full_name: fullName,
    owner: simpleUser(apiUrl, { login: owner, id: 3000 + owner.length, type: 'Organization' }),
    private: false,
    visibility: 'public',
    html_url: html,
    description: null,
    fork: false,
    url,
    ...urls,
    clone_url: `${html}.git`,
    git_url: `git://github.com/${fullName}.git`,
    ssh_url: `git@github.com:${fullName}.git`,
    svn_url: html,
    mirror_url: null,
    homepage: null,
    language: null,
    default_branch: 'main',
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers: 0,
    watchers_count: 0,
    open_issues: 0,
    open_issues_count: 0,
    size: 0,
    has_downloads: true,
    has_issues: true,
    has_projects: true,
    has_wiki: true,
    has_pages: false,
    archived: false,
    disabled: false,
    license: null,
    pushed_at: WHEN,
    created_at: WHEN,
    updated_at: WHEN
  }
}

/** GitHub's `commit` for a commit of the repository, from git itself. */
export function commit(
  apiUrl: string,
  repoFullName: string,
  repo: GitRepo,
  sha: string
): Record<string, unknown> {
  const [tree = '', parents = '', an = '', ae = '', ad = '', cn = '', ce = '', cd = '', message = ''] = repo
    .git('log', '-1', '--format=%T%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B', sha)
    .split('\0')
  const url = `${apiUrl}/repos/${repoFullName}/commits/${sha}`
  const gitUrl = `${apiUrl}/repos/${repoFullName}/git`
  return {
    url,
    sha,
    node_id: `C_${sha.slice(0, 16)}`,
    html_url: `https://github.com/${repoFullName}/commit/${sha}`,
    comments_url: `${url}/comments`,
    commit: {
      url: `${gitUrl}/commits/${sha}`,
      author: { name: an, email: ae, date: new Date(ad).toISOString().replace('.000Z', 'Z') },
      committer: { name: cn, email: ce, date: new Date(cd).toISOString().replace('.000Z', 'Z') },
      message: message.replace(/\n+$/, ''),
      comment_count: 0,
      tree: { sha: tree, url: `${gitUrl}/trees/${tree}` }
    },
    // Git identities that are no GitHub account.
    author: null,
    committer: null,
    parents: parents
      .split(' ')
      .filter(Boolean)
      .map(p => ({ sha: p, url: `${apiUrl}/repos/${repoFullName}/commits/${p}` }))
  }
}
