import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Role } from '../../core/auth.ts';
import {
  canCreateApiToken,
  canDisableUser,
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
