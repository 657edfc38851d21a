import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Role } from '../../core/auth.ts';
import {
  canCreateApiToken,
  canDisableUser,
  canEditUser,
  canEnableUser,
  canResetTwoFactor,
  leavesAnAdministrator,
  canManageUsers,
  canReadAuditLog,
  canReadOutbox,
  canRevokeApiToken,
  requiresTwoFactor,
} from './accounts.policy.ts';

const user = (role: Role, id = `${role}-1`) => ({ id, role });

describe('accounts policy', () => {
  const roleCases: { role: Role | null; manage: boolean; token: boolean; twoFactor: boolean | null }[] = [
    { role: null, manage: false, token: false, twoFactor: null },
    { role: 'citizen', manage: false, token: true, twoFactor: false },
    { role: 'staff', manage: false, token: true, twoFactor: true },
    { role: 'plan_manager', manage: false, token: true, twoFactor: true },
    { role: 'admin', manage: true, token: true, twoFactor: true },
  ];
  for (const c of roleCases) {
    const who = c.role ?? 'an anonymous visitor';
    it(`${c.manage ? 'lets' : 'does not let'} ${who} manage users, read the outbox or the audit log`, () => {
      const actor = c.role ? user(c.role) : null;
      assert.equal(canManageUsers(actor), c.manage);
      assert.equal(canReadOutbox(actor), c.manage);
      assert.equal(canReadAuditLog(actor), c.manage);
    });
    it(`${c.token ? 'lets' : 'does not let'} ${who} create API tokens`, () => {
      assert.equal(canCreateApiToken(c.role ? user(c.role) : null), c.token);
      assert.equal(canCreateApiToken(c.role ? user(c.role) : null, 'token'), false, 'never with a token');
    });
    if (c.twoFactor !== null) {
      it(`${c.twoFactor ? 'requires' : 'does not require'} two-factor for ${who}`, () => {
        assert.equal(requiresTwoFactor(c.role!), c.twoFactor);
      });
    }
  }

  const disableCases: { name: string; actor: { id: string; role: Role } | null; target: { id: string; disabled: boolean }; allowed: boolean }[] = [
    { name: 'an admin disables another active user', actor: user('admin', 'a'), target: { id: 'b', disabled: false }, allowed: true },
    { name: 'an admin disables themself', actor: user('admin', 'a'), target: { id: 'a', disabled: false }, allowed: false },
    { name: 'an admin disables a user already disabled', actor: user('admin', 'a'), target: { id: 'b', disabled: true }, allowed: false },
    { name: 'a plan manager disables a user', actor: user('plan_manager', 'p'), target: { id: 'b', disabled: false }, allowed: false },
    { name: 'a citizen disables a user', actor: user('citizen', 'c'), target: { id: 'b', disabled: false }, allowed: false },
    { name: 'an anonymous visitor disables a user', actor: null, target: { id: 'b', disabled: false }, allowed: false },
  ];
  for (const c of disableCases) {
    it(`${c.allowed ? 'allows' : 'refuses'} that ${c.name}`, () => {
      assert.equal(canDisableUser(c.actor, c.target), c.allowed);
    });
  }

  const revokeCases: { name: string; actor: { id: string; role: Role } | null; owner: string; allowed: boolean }[] = [
    { name: 'the owner revokes their token', actor: user('citizen', 'u1'), owner: 'u1', allowed: true },
    { name: 'another user revokes it', actor: user('citizen', 'u2'), owner: 'u1', allowed: false },
    { name: 'an admin revokes someone else’s token', actor: user('admin', 'a'), owner: 'u1', allowed: false },
    { name: 'an anonymous visitor revokes it', actor: null, owner: 'u1', allowed: false },
  ];
  for (const c of revokeCases) {
    it(`${c.allowed ? 'allows' : 'refuses'} that ${c.name}`, () => {
      assert.equal(canRevokeApiToken(c.actor, { userId: c.owner }), c.allowed);
    });
  }
});

describe('user administration policy', () => {
  const admin = user('admin', 'a-1');
  it('lets an administrator enable only a disabled account, and nobody else', () => {
    assert.equal(canEnableUser(admin, { disabled: true }), true);
    assert.equal(canEnableUser(admin, { disabled: false }), false);
    assert.equal(canEnableUser(user('staff'), { disabled: true }), false);
    assert.equal(canEnableUser(null, { disabled: true }), false);
  });
  it('lets an administrator edit accounts and reset someone else’s enrolled two-factor', () => {
    assert.equal(canEditUser(admin), true);
    assert.equal(canEditUser(user('plan_manager')), false);
    assert.equal(canResetTwoFactor(admin, { id: 's-1', totp_enabled: true }), true);
    assert.equal(canResetTwoFactor(admin, { id: 's-1', totp_enabled: false }), false, 'nothing to reset');
    assert.equal(canResetTwoFactor(admin, { id: 'a-1', totp_enabled: true }), false, 'not their own');
    assert.equal(canResetTwoFactor(user('staff'), { id: 's-1', totp_enabled: true }), false);
  });
  it('refuses a change that would leave no active administrator', () => {
    assert.equal(leavesAnAdministrator(['a-1'], 'a-1', false), false, 'the only administrator demoted or disabled');
    assert.equal(leavesAnAdministrator(['a-1'], 'a-1', true), true, 'renamed, still administrator');
    assert.equal(leavesAnAdministrator(['a-1', 'a-2'], 'a-1', false), true, 'another remains');
    assert.equal(leavesAnAdministrator(['a-1'], 's-1', false), true, 'someone else changed');
  });
});
