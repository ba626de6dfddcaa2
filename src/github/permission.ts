import { PERMISSIONS, type CommandPermission, type Permission } from '../inputs.js'

/**
 * The answer of GitHub's collaborator-permission API (`GET /repos/{o}/{r}/collaborators/{u}/permission`):
 * `role_name` holds the fine role (maintain, triage, or a custom role's name), `permission` the
 * legacy coarse one (admin, write, read, none), per GitHub's REST docs.
 */
export interface CollaboratorPermission {
  permission?: string | null
  role_name?: string | null
}

function rank(role: string | null | undefined): number {
  return PERMISSIONS.indexOf((role ?? '') as Permission)
}

/**
 * Whether a collaborator's permission reaches `required` (`everyone`: anyone). A custom role's name
 * is unknown here, so its coarse `permission` decides; anything unrecognised is denied.
 */
export function permits(answer: CollaboratorPermission, required: CommandPermission): boolean {
  if (required === 'everyone') return true
  const fine = rank(answer.role_name)
  const level = fine >= 0 ? fine : rank(answer.permission)
  return level >= 0 && level >= rank(required)
}

/** The part of an event payload that says who can see the repository (webhook `repository` object). */
export interface RepositoryVisibility {
  repository?: { private?: unknown; visibility?: unknown } | null
}

/**
 * Why `required` cannot be used on this repository, or undefined. On a public repository GitHub's
 * collaborator-permission API answers `read` for any user ("Get repository permissions for a
 * user"), so `read` there would admit everyone without saying so: it takes `everyone`, the
 * deliberate opt-in. A payload that does not say the repository is private or internal counts as
 * public.
 */
export function commandPermissionRefusal(
  required: CommandPermission,
  payload: RepositoryVisibility
): string | undefined {
  if (required !== 'read') return undefined
  const repo = payload.repository
  const hidden = repo?.private === true || repo?.visibility === 'private' || repo?.visibility === 'internal'
  if (hidden) return undefined
  return "command-permission 'read' admits everyone on a public repository (GitHub answers read for any user there); set command-permission: everyone to allow that deliberately, or triage or higher."
}
