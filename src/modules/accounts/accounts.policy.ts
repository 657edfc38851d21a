/**
 * Who may do what with accounts. Pure functions of the acting user (and the subject), so they
 * are tested on their own; every route calls one after requireUser / requireRole. Anything
 * not granted here is denied.
 */
import { MFA_ROLES, type AuthUser, type Role } from '../../core/auth.ts';

type Actor = Pick<AuthUser, 'id' | 'role'>;

/** Lists and creates users, and sees the outbox and audit log: administrators only. */
export function canManageUsers(user: Actor | null): boolean {
  return user?.role === 'admin';
}

/** Reads the mail outbox (it holds other people's links): administrators only. */
export function canReadOutbox(user: Actor | null): boolean {
  return user?.role === 'admin';
}

/** Reads the audit log and its verification: administrators only. */
export function canReadAuditLog(user: Actor | null): boolean {
  return user?.role === 'admin';
}

/** Disables an account: an administrator, never their own (so one admin always remains able to act). */
export function canDisableUser(user: Actor | null, target: { id: string; disabled: boolean }): boolean {
  return canManageUsers(user) && user!.id !== target.id && !target.disabled;
}

/** Re-enables a disabled account: an administrator. */
export function canEnableUser(user: Actor | null, target: { disabled: boolean }): boolean {
  return canManageUsers(user) && target.disabled;
}

/** Edits an account's name, role and department: an administrator (see leavesAnAdministrator). */
export function canEditUser(user: Actor | null): boolean {
  return canManageUsers(user);
}

/**
 * Resets a lost two-factor enrolment: an administrator, for someone else (one who lost their own
 * device signs in with a recovery code, or asks another administrator).
 */
export function canResetTwoFactor(user: Actor | null, target: { id: string; totp_enabled: boolean }): boolean {
  return canManageUsers(user) && user!.id !== target.id && target.totp_enabled;
}

/**
 * 管理者が残るか — whether a change leaves the municipality at least one active administrator:
 * `activeAdminIds` are today's, `target` the account changed, `staysAdmin` whether it is an
 * active administrator afterwards.
 */
export function leavesAnAdministrator(activeAdminIds: readonly string[], target: string, staysAdmin: boolean): boolean {
  return staysAdmin || activeAdminIds.some((id) => id !== target);
}

/**
 * Issues API tokens for themselves: any signed-in user, from a browser session. A token cannot
 * mint tokens, so revoking a stolen one ends its holder's access (and for staff, a token is
 * never a way around two-factor).
 */
export function canCreateApiToken(user: Actor | null, via: 'session' | 'token' | null = 'session'): boolean {
  return user !== null && via === 'session';
}

/** Revokes a token: only its owner. */
export function canRevokeApiToken(user: Actor | null, token: { userId: string }): boolean {
  return user !== null && user.id === token.userId;
}

/** True when this role must pass TOTP two-factor before its session counts (職員ロール). */
export function requiresTwoFactor(role: Role): boolean {
  return MFA_ROLES.includes(role);
}

/** Turns on two-factor by choice (任意の二要素認証): a citizen who has not yet; staff roles enrol at sign-in. */
export function canEnrolOptionalTwoFactor(user: Pick<AuthUser, 'role' | 'totpEnabled'> | null): boolean {
  return user !== null && !requiresTwoFactor(user.role) && !user.totpEnabled;
}

/** Turns their own two-factor off: a citizen who has it on; for staff roles it stays mandatory. */
export function canTurnOffTwoFactor(user: Pick<AuthUser, 'role' | 'totpEnabled'> | null): boolean {
  return user !== null && !requiresTwoFactor(user.role) && user.totpEnabled;
}
