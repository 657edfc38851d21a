/**
 * What a signed-in person changes about their own account: the password (the current one
 * required; every other session ends), the e-mail address (re-verified by a link mailed to the
 * new address, the old address told), and their sessions (sign out everywhere else). Checks of
 * the current password are limited per account, so a left-open browser is no guessing machine.
 */
import { appendAudit } from '../../core/audit.ts';
import type { AuthUser } from '../../core/auth.ts';
import type { Clock } from '../../core/clock.ts';
import type { Config } from '../../core/config.ts';
import { randomToken, sha256 } from '../../core/crypto.ts';
import type { Db, Sql } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import type { Lang } from '../../core/i18n.ts';
import { enqueueMail } from '../../core/mail.ts';
import { clearRateLimit, enforceRateLimits, type RateLimit } from '../../core/rate-limit.ts';
import type { Tenant } from '../../core/tenancy.ts';
import { accountsText, bilingualMail } from './accounts.messages.ts';
import * as repo from './accounts.repository.ts';
import type { ChangeEmailInput, ChangePasswordInput } from './accounts.schema.ts';
import { hashPassword, verifyPassword } from './accounts.sessions.ts';

/** How long the link to a new address stays good. */
export const EMAIL_CHANGE_TTL_SECONDS = 24 * 60 * 60;

/** Checks of the current password (changing the password or the address), per account. */
export const CURRENT_PASSWORD_LIMIT: RateLimit = { bucket: 'accounts.current_password.account', limit: 5, windowSeconds: 15 * 60 };

/** Counts one check of the current password and checks it; a wrong one is a validation error on the field. */
export async function checkCurrentPassword(db: Db, clock: Clock, tenant: Tenant, user: AuthUser, password: string, lang: Lang): Promise<repo.LoginUserRow> {
  await enforceRateLimits(db, clock, tenant.id, [{ rule: CURRENT_PASSWORD_LIMIT, key: user.id }]);
  const row = await repo.findLoginUserById(db, tenant.id, user.id);
  if (!row || row.disabled) throw new AppError('unauthenticated');
  if (!(await verifyPassword(row.password_hash, password))) {
    await db.transaction((tx) =>
      appendAudit(tx, {
        tenantId: tenant.id,
        actorId: user.id,
        actorLabel: user.email,
        action: 'user.current_password_wrong',
        entityType: 'user',
        entityId: user.id,
      }),
    );
    throw new AppError('validation', undefined, [{ path: 'currentPassword', message: accountsText('accounts.error.currentPasswordWrong', lang) }]);
  }
  await clearRateLimit(db, tenant.id, CURRENT_PASSWORD_LIMIT.bucket, user.id);
  return row;
}

/**
 * パスワードの変更 — with the current password; the new one may not be the e-mail address.
 * Every other session of the account ends (this one stays), outstanding password links are
 * spent, the address is told, and the change is audited.
 */
export async function changePassword(
  db: Db,
  deps: { clock: Clock },
  tenant: Tenant,
  input: { user: AuthUser; sessionHash: string; form: ChangePasswordInput },
  lang: Lang,
): Promise<void> {
  const { user, form } = input;
  if (form.newPassword.trim().toLowerCase() === user.email) {
    throw new AppError('validation', undefined, [{ path: 'newPassword', message: accountsText('accounts.error.passwordIsEmail', lang) }]);
  }
  const row = await checkCurrentPassword(db, deps.clock, tenant, user, form.currentPassword, lang);
  const passwordHash = await hashPassword(form.newPassword);
  await db.transaction(async (tx) => {
    await repo.setPasswordHash(tx, tenant.id, user.id, passwordHash);
    await repo.spendEmailTokensOf(tx, tenant.id, user.id, ['set_password', 'reset_password', 'sign_in']);
    const ended = await repo.deleteOtherSessions(tx, tenant.id, user.id, input.sessionHash);
    await enqueueMail(tx, {
      tenantId: tenant.id,
      to: row.email,
      subject: accountsText('accounts.mail.passwordChangedSubject'),
      text: bilingualMail('accounts.mail.passwordChangedBody', { name: row.display_name }),
    });
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: user.id,
      actorLabel: user.email,
      action: 'user.password_change',
      entityType: 'user',
      entityId: user.id,
      details: { otherSessionsEnded: ended },
    });
  });
}

/**
 * メールアドレスの変更 — with the current password: a single-use link (24 hours) to the new
 * address, and a notice to the current one. The address changes only when the link is opened.
 * An address another account uses is refused.
 */
export async function requestEmailChange(
  db: Db,
  deps: { config: Config; clock: Clock },
  tenant: Tenant,
  input: { user: AuthUser; form: ChangeEmailInput },
  lang: Lang,
): Promise<void> {
  const { user, form } = input;
  const newEmail = form.newEmail;
  if (newEmail === user.email) {
    throw new AppError('validation', undefined, [{ path: 'newEmail', message: accountsText('accounts.error.emailUnchanged', lang) }]);
  }
  const row = await checkCurrentPassword(db, deps.clock, tenant, user, form.currentPassword, lang);
  await db.transaction(async (tx) => {
    if (await repo.findUserByEmail(tx, tenant.id, newEmail)) {
      throw new AppError('validation', undefined, [{ path: 'newEmail', message: accountsText('accounts.error.emailTaken', lang) }]);
    }
    await repo.spendEmailTokensOf(tx, tenant.id, user.id, ['change_email']);
    const token = randomToken();
    await repo.insertEmailToken(tx, {
      tenantId: tenant.id,
      userId: user.id,
      tokenHash: sha256(token),
      purpose: 'change_email',
      ttlSeconds: EMAIL_CHANGE_TTL_SECONDS,
      at: deps.clock.now(),
      newEmail,
    });
    const link = `${deps.config.publicUrl}/account/email/confirm?token=${encodeURIComponent(token)}`;
    await enqueueMail(tx, {
      tenantId: tenant.id,
      to: newEmail,
      subject: accountsText('accounts.mail.emailChangeSubject'),
      text: bilingualMail('accounts.mail.emailChangeBody', { name: row.display_name, link }),
    });
    await enqueueMail(tx, {
      tenantId: tenant.id,
      to: row.email,
      subject: accountsText('accounts.mail.emailChangeNoticeSubject'),
      text: bilingualMail('accounts.mail.emailChangeNoticeBody', { name: row.display_name, newEmail }),
    });
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: user.id,
      actorLabel: user.email,
      action: 'user.email_change_requested',
      entityType: 'user',
      entityId: user.id,
      details: { to: newEmail },
    });
  });
}

/**
 * Completes a change of address with the link mailed to the new one (single use, live at the
 * clock's time): the account's address becomes it, confirmed. False when the link is unknown,
 * used or expired, the account is disabled, or the address was taken meanwhile.
 */
export async function confirmEmailChange(db: Db, clock: Clock, tenant: Tenant, token: string | undefined): Promise<boolean> {
  if (!token) return false;
  return db.transaction(async (tx) => {
    const used = await repo.consumeEmailToken(tx, tenant.id, sha256(token), 'change_email', clock.now());
    if (!used?.new_email) return false;
    const user = await repo.findUserById(tx, tenant.id, used.user_id);
    if (!user || user.disabled || (await repo.findUserByEmail(tx, tenant.id, used.new_email))) return false;
    await repo.changeEmail(tx, tenant.id, user.id, used.new_email);
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: user.id,
      actorLabel: used.new_email,
      action: 'user.email_change',
      entityType: 'user',
      entityId: user.id,
      details: { from: user.email, to: used.new_email },
    });
    return true;
  });
}

/** ほかの端末からログアウト — ends every session of the user but this one (audited); how many ended. */
export async function signOutOtherSessions(db: Db, tenant: Tenant, user: AuthUser, sessionHash: string): Promise<number> {
  return db.transaction(async (tx: Sql) => {
    const ended = await repo.deleteOtherSessions(tx, tenant.id, user.id, sessionHash);
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: user.id,
      actorLabel: user.email,
      action: 'user.sign_out_others',
      entityType: 'user',
      entityId: user.id,
      details: { ended },
    });
    return ended;
  });
}

/** How many live sessions the user has besides this one (for the account page). */
export function otherSessionCount(db: Db, tenant: Tenant, user: AuthUser, sessionHash: string): Promise<number> {
  return repo.countOtherSessions(db, tenant.id, user.id, sessionHash);
}
