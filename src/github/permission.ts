import { PERMISSIONS, type Permission } from '../inputs.js'

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
 * Whether a collaborator's permission reaches `required`. A custom role's name is unknown here, so
 * its coarse `permission` decides; anything unrecognised is denied.
 */
export function permits(answer: CollaboratorPermission, required: Permission): boolean {
  const fine = rank(answer.role_name)
  const level = fine >= 0 ? fine : rank(answer.permission)
  return level >= 0 && level >= rank(required)
}
