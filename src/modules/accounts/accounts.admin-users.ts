/**
 * 利用者の管理 — what administrators do with accounts: invite staff by e-mail (the invitee sets
 * their own password through a single-use link and enrols two-factor at their first sign-in;
 * no password is ever handed over), edit name, role and department, disable (after a
 * confirmation step) and re-enable, and reset a lost two-factor enrolment (the person enrols
 * again at their next sign-in). Every change is audited; no change may leave the municipality
 * without an active administrator. Routes check canManageUsers first.
 */
import { appendAudit } from '../../core/audit.ts';
import type { AuthUser, Role } from '../../core/auth.ts';
import type { Clock } from '../../core/clock.ts';
import type { Config } from '../../core/config.ts';
import type { Db, Sql } from '../../core/db/database.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import type { Lang } from '../../core/i18n.ts';
import { enqueueMail } from '../../core/mail.ts';
import { findDepartment, type Tenant } from '../../core/tenancy.ts';
import { issueSetPasswordLink, NO_PASSWORD } from './accounts.links.ts';
import { accountsText, type AccountsMessageKey } from './accounts.messages.ts';
import { canDisableUser, canEditUser, canEnableUser, canResetTwoFactor, leavesAnAdministrator, requiresTwoFactor } from './accounts.policy.ts';
import * as repo from './accounts.repository.ts';
import type { EditUserInput, InviteInput } from './accounts.schema.ts';

/** How long an invitation link stays good. */
export const INVITATION_TTL_SECONDS = 72 * 60 * 60;

const roleText = (role: Role, lang: Lang) => accountsText(`accounts.role.${role}` as AccountsMessageKey, lang);

/** The department of this code, when it exists and is not retired; otherwise an error on the field. */
async function departmentIdOf(sql: Sql, tenant: Tenant, code: string | undefined, lang: Lang, errors: FieldError[]): Promise<string | null> {
  if (!code) return null;
  const department = await findDepartment(sql, tenant.id, code);
  if (department && !department.retiredAt) return department.id;
  errors.push({ path: 'departmentCode', message: accountsText('accounts.error.departmentUnknown', lang) });
  return null;
}

async function mailInvitation(tx: Sql, deps: { config: Config; clock: Clock }, tenant: Tenant, user: { id: string; email: string; displayName: string; role: Role }) {
  const link = await issueSetPasswordLink(tx, deps.config, tenant, user.id, 'set_password', INVITATION_TTL_SECONDS, deps.clock.now());
  const body = (lang: Lang) =>
    accountsText('accounts.mail.inviteBody', lang, {
      name: user.displayName,
      city: lang === 'ja' ? tenant.nameJa : tenant.nameEn,
      role: roleText(user.role, lang),
      link,
      twoFactor: requiresTwoFactor(user.role) ? accountsText('accounts.mail.inviteTwoFactor', lang) : '',
    });
  await enqueueMail(tx, { tenantId: tenant.id, to: user.email, subject: accountsText('accounts.mail.inviteSubject'), text: `${body('ja')}\n\n----\n\n${body('en')}\n` });
}

/**
 * 招待 — creates the account with no password (it cannot sign in yet) and mails the invitee a
 * single-use link, good for 72 hours, where they choose their password. A taken address or an
 * unknown department is a validation error; nothing is stored then.
 */
export async function inviteUser(
  db: Db,
  deps: { config: Config; clock: Clock },
  tenant: Tenant,
  actor: AuthUser,
  input: InviteInput,
  lang: Lang,
): Promise<{ id: string }> {
  return db.transaction(async (tx) => {
    const errors: FieldError[] = [];
    const departmentId = await departmentIdOf(tx, tenant, input.departmentCode, lang, errors);
    if (errors.length) throw new AppError('validation', undefined, errors);
    const created = await repo.insertUser(tx, {
      tenantId: tenant.id,
      email: input.email,
      passwordHash: NO_PASSWORD,
      displayName: input.displayName,
      role: input.role,
      departmentId,
      emailVerified: false,
    });
    if (!created) throw new AppError('validation', undefined, [{ path: 'email', message: accountsText('accounts.error.emailTaken', lang) }]);
    await mailInvitation(tx, deps, tenant, { id: created.id, email: created.email, displayName: input.displayName, role: input.role });
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: actor.id,
      actorLabel: actor.email,
      action: 'user.invite',
      entityType: 'user',
      entityId: created.id,
      details: { role: input.role, department: input.departmentCode ?? null },
    });
    return { id: created.id };
  });
}

/** Sends a new invitation link to someone who has not set their password yet (older links stop working). */
export async function resendInvitation(db: Db, deps: { config: Config; clock: Clock }, tenant: Tenant, actor: AuthUser, userId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const target = await repo.findUserById(tx, tenant.id, userId);
    if (!target) throw new AppError('not_found');
    if (!canEditUser(actor) || target.has_password || target.disabled) throw new AppError('forbidden');
    await repo.spendEmailTokensOf(tx, tenant.id, userId, ['set_password'], deps.clock.now());
    await mailInvitation(tx, deps, tenant, { id: target.id, email: target.email, displayName: target.display_name, role: target.role });
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: actor.id,
      actorLabel: actor.email,
      action: 'user.invite_resend',
      entityType: 'user',
      entityId: userId,
    });
  });
}

/** One account for the administrator's page; 404 when it is not the tenant's. */
export async function userForAdmin(db: Db, tenant: Tenant, userId: string): Promise<repo.UserListRow> {
  const target = await repo.findUserById(db, tenant.id, userId);
  if (!target) throw new AppError('not_found');
  return target;
}

/**
 * Changes an account's name, role and department (audited, with what changed). Refused when it
 * would leave no active administrator (an administrator demoting themself while alone). A
 * changed role ends the person's sessions (unless it is the administrator's own change), so a
 * role that needs two-factor asks for it at the next sign-in.
 */
export async function updateUser(db: Db, tenant: Tenant, actor: AuthUser, userId: string, input: EditUserInput, lang: Lang): Promise<void> {
  if (!canEditUser(actor)) throw new AppError('forbidden');
  await db.transaction(async (tx) => {
    const admins = await repo.lockActiveAdmins(tx, tenant.id);
    const target = await repo.findUserById(tx, tenant.id, userId);
    if (!target) throw new AppError('not_found');
    const errors: FieldError[] = [];
    const departmentId = await departmentIdOf(tx, tenant, input.departmentCode, lang, errors);
    if (!leavesAnAdministrator(admins, target.id, input.role === 'admin' && !target.disabled)) {
      errors.push({ path: 'role', message: accountsText('accounts.error.lastAdmin', lang) });
    }
    if (errors.length) throw new AppError('validation', undefined, errors);
    const changes: Record<string, [unknown, unknown]> = {};
    if (target.display_name !== input.displayName) changes.displayName = [target.display_name, input.displayName];
    if (target.role !== input.role) changes.role = [target.role, input.role];
    if ((target.department_code ?? null) !== (input.departmentCode ?? null)) changes.department = [target.department_code, input.departmentCode ?? null];
    if (Object.keys(changes).length === 0) return;
    await repo.updateUserProfile(tx, tenant.id, userId, { displayName: input.displayName, role: input.role, departmentId });
    if (changes.role && target.id !== actor.id) await repo.deleteSessionsOf(tx, tenant.id, userId);
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: actor.id,
      actorLabel: actor.email,
      action: 'user.update',
      entityType: 'user',
      entityId: userId,
      details: changes,
    });
  });
}

/**
 * One administrator action on one account, in a transaction: 404 when the account is not the
 * tenant's, 403 when `allowed` refuses it, otherwise `apply` and an audit entry. With
 * `lockAdmins`, the active administrators are locked first and handed to `allowed`.
 */
async function actOnUser(
  db: Db,
  tenant: Tenant,
  actor: AuthUser,
  userId: string,
  action: string,
  step: {
    lockAdmins?: boolean;
    allowed: (target: repo.UserListRow, admins: readonly string[]) => boolean;
    apply: (tx: Sql) => Promise<unknown>;
  },
): Promise<void> {
  await db.transaction(async (tx) => {
    const admins = step.lockAdmins ? await repo.lockActiveAdmins(tx, tenant.id) : [];
    const target = await repo.findUserById(tx, tenant.id, userId);
    if (!target) throw new AppError('not_found');
    if (!step.allowed(target, admins)) throw new AppError('forbidden');
    await step.apply(tx);
    await appendAudit(tx, { tenantId: tenant.id, actorId: actor.id, actorLabel: actor.email, action, entityType: 'user', entityId: userId });
  });
}

/**
 * 無効化 — disables an account after the confirmation step: its sessions end and its tokens stop
 * working. Never the administrator's own, and never the last active administrator.
 */
export function disableUser(db: Db, tenant: Tenant, actor: AuthUser, userId: string): Promise<void> {
  return actOnUser(db, tenant, actor, userId, 'user.disable', {
    lockAdmins: true,
    allowed: (target, admins) => canDisableUser(actor, target) && leavesAnAdministrator(admins, target.id, false),
    apply: (tx) => repo.disableUser(tx, tenant.id, userId),
  });
}

/** 再有効化 — re-enables a disabled account (it signs in again with its own password). */
export function enableUser(db: Db, tenant: Tenant, actor: AuthUser, userId: string): Promise<void> {
  return actOnUser(db, tenant, actor, userId, 'user.enable', {
    allowed: (target) => canEnableUser(actor, target),
    apply: (tx) => repo.enableUser(tx, tenant.id, userId),
  });
}

/**
 * 二要素認証のリセット — after the confirmation step: forgets the person's authenticator and
 * recovery codes and ends their sessions, audited. A role that needs two-factor enrols again at
 * the next sign-in; a citizen who had chosen it signs in with the password until they enrol again.
 */
export function resetTwoFactor(db: Db, tenant: Tenant, actor: AuthUser, userId: string): Promise<void> {
  return actOnUser(db, tenant, actor, userId, 'user.totp_reset', {
    allowed: (target) => canResetTwoFactor(actor, target),
    apply: async (tx) => {
      await repo.resetTotp(tx, tenant.id, userId);
      await repo.deleteSessionsOf(tx, tenant.id, userId);
    },
  });
}
