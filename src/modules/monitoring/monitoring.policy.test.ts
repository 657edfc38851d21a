import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthUser, Role } from '../../core/auth.ts';
import { canAnnotateIncident, canManageChecks, canUseIncidentPages } from './monitoring.policy.ts';

function user(role: Role, departmentCode: string | null = null): AuthUser {
  return { id: 'u', tenantId: 't', email: 'x@example.jp', displayName: 'x', role, departmentId: departmentCode ? 'd' : null, departmentCode, totpEnabled: true };
}

describe('monitoring policies', () => {
  const own = { departmentCode: 'joho-seisaku' };
  const none = { departmentCode: null };
  const cases: [string, AuthUser | null, { departmentCode: string | null }, boolean][] = [
    ['an anonymous visitor', null, own, false],
    ['a citizen', user('citizen'), own, false],
    ['staff of the responsible department', user('staff', 'joho-seisaku'), own, true],
    ['staff of another department', user('staff', 'shimin-kyodo'), own, false],
    ['staff of any department, for a system without one,', user('staff', 'joho-seisaku'), none, false],
    ['a plan manager of the responsible department', user('plan_manager', 'joho-seisaku'), own, true],
    ['a plan manager of another department', user('plan_manager', 'seisaku-suishin'), own, false],
    ['an administrator, for a system without a department,', user('admin'), none, true],
  ];
  for (const [who, u, check, allowed] of cases) {
    it(`holds that ${who} ${allowed ? 'may' : 'may not'} annotate an incident`, () => {
      assert.equal(canAnnotateIncident(u, check), allowed);
    });
  }

  it('lets only administrators manage checks, and staff roles open the incident pages', () => {
    for (const role of ['citizen', 'staff', 'plan_manager', 'admin'] as const) {
      assert.equal(canManageChecks(user(role)), role === 'admin', role);
      assert.equal(canUseIncidentPages(user(role)), role !== 'citizen', role);
    }
    assert.equal(canManageChecks(null), false);
    assert.equal(canUseIncidentPages(null), false);
  });
});
