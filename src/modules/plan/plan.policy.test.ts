import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthUser, Role } from '../../core/auth.ts';
import { canApproveActual, canEnterActual, canManagePlans, canUseStaffPages } from './plan.policy.ts';

function user(role: Role, departmentCode: string | null = null): AuthUser {
  return { id: 'u', tenantId: 't', email: 'x@example.jp', displayName: 'x', role, departmentId: departmentCode ? 'd' : null, departmentCode, totpEnabled: true };
}

describe('plan policies', () => {
  const own = { departmentCode: 'shimin-kyodo' };
  const other = { departmentCode: 'zaisei' };
  const unassigned = { departmentCode: null };
  const cases: [string, AuthUser | null, { departmentCode: string | null }, boolean][] = [
    ['nobody', null, unassigned, false],
    ['a citizen', user('citizen'), unassigned, false],
    ['staff, for their own department', user('staff', 'shimin-kyodo'), own, true],
    ['staff, for another department', user('staff', 'shimin-kyodo'), other, false],
    ['staff, for an indicator with no department', user('staff', 'shimin-kyodo'), unassigned, true],
    ['a plan manager, for any department', user('plan_manager'), other, true],
    ['an admin, for any department', user('admin'), other, true],
  ];
  for (const [who, u, indicator, allowed] of cases) {
    it(`${allowed ? 'lets' : 'does not let'} ${who} enter an actual`, () => {
      assert.equal(canEnterActual(u, indicator), allowed);
    });
  }

  it('lets only plan managers and admins approve and import, and staff roles use the staff pages', () => {
    for (const role of ['citizen', 'staff', 'plan_manager', 'admin'] as const) {
      const manager = role === 'plan_manager' || role === 'admin';
      assert.equal(canApproveActual(user(role)), manager, role);
      assert.equal(canManagePlans(user(role)), manager, role);
      assert.equal(canUseStaffPages(user(role)), role !== 'citizen', role);
    }
    assert.equal(canApproveActual(null), false);
    assert.equal(canUseStaffPages(null), false);
  });
});
