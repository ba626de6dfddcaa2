import { describe, expect, it } from '@jest/globals'
import { permits } from '../../src/github/permission.js'

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
