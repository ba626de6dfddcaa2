import { describe, expect, it } from '@jest/globals'
import { commandPermissionRefusal, permits } from '../../src/github/permission.js'

describe('permits', () => {
  it.each([
    [{ permission: 'admin', role_name: 'admin' }, 'write', true],
    [{ permission: 'write', role_name: 'maintain' }, 'maintain', true],
    [{ permission: 'write', role_name: 'write' }, 'maintain', false],
    [{ permission: 'write', role_name: 'write' }, 'write', true],
    [{ permission: 'read', role_name: 'triage' }, 'write', false],
    [{ permission: 'read', role_name: 'triage' }, 'triage', true],
    [{ permission: 'read', role_name: 'read' }, 'read', true],
    [{ permission: 'none', role_name: 'none' }, 'read', false],
    // A custom role: its coarse permission decides.
    [{ permission: 'write', role_name: 'security-reviewer' }, 'write', true],
    [{ permission: 'read', role_name: 'security-reviewer' }, 'write', false],
    [{ permission: 'superuser', role_name: 'god' }, 'read', false],
    [{}, 'read', false]
  ] as const)('%j against %s → %s', (answer, required, expected) => {
    expect(permits(answer, required)).toBe(expected)
  })
})

describe("command-permission 'everyone'", () => {
  it('admits any commenter, even one GitHub says has no access', () => {
    expect(permits({ permission: 'none', role_name: 'none' }, 'everyone')).toBe(true)
    expect(permits({}, 'everyone')).toBe(true)
  })
})

describe('commandPermissionRefusal', () => {
  // GitHub answers `read` for any user on a public repository, so `read` there admits everyone.
  it.each([
    [{ repository: { private: false, visibility: 'public' } }],
    [{ repository: { private: false } }],
    [{ repository: { visibility: 'public' } }],
    // Visibility unknown: taken as public, the safe side.
    [{}],
    [{ repository: null }]
  ])("refuses 'read' on a public repository (%j), naming 'everyone'", payload => {
    const refusal = commandPermissionRefusal('read', payload)
    expect(refusal).toBe(
      "command-permission 'read' admits everyone on a public repository (GitHub answers read for any user there); set command-permission: everyone to allow that deliberately, or triage or higher."
    )
  })

  it.each([
    ['read', { repository: { private: true, visibility: 'private' } }],
    ['read', { repository: { private: true, visibility: 'internal' } }],
    ['read', { repository: { visibility: 'internal' } }],
    ['triage', { repository: { private: false, visibility: 'public' } }],
    ['write', {}],
    ['everyone', { repository: { private: false, visibility: 'public' } }],
    ['everyone', { repository: { private: true } }]
  ] as const)("accepts '%s' on %j", (required, payload) => {
    expect(commandPermissionRefusal(required, payload)).toBeUndefined()
  })
})
