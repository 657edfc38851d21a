/**
 * Single-use links that let a person set their own password: the first administrator of a
 * real installation (`hibiki init`), and later invitations and password resets. Only the
 * link's hash is stored; using it once spends it.
 */
import { appendAudit } from '../../core/audit.ts';
import type { Clock } from '../../core/clock.ts';
import type { Config } from '../../core/config.ts';
import { randomToken, sha256 } from '../../core/crypto.ts';
import type { Db, Sql } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import type { Tenant } from '../../core/tenancy.ts';
import * as repo from './accounts.repository.ts';
import { NewPasswordField } from './accounts.schema.ts';
import { hashPassword } from './accounts.sessions.ts';
import { toFieldErrors } from '../../core/validation.ts';
import type { Lang } from '../../core/i18n.ts';

/** How long a set-password link stays good. */
export const SET_PASSWORD_TTL_SECONDS = 72 * 60 * 60;

/** A stored hash no password matches: the account has no password until one is set by link. */
export const NO_PASSWORD = repo.NO_PASSWORD;

/** Issues a set-password link for a user (inside the caller's transaction); returns the URL. */
export async function issueSetPasswordLink(
  tx: Sql,
  config: Config,
  tenant: Pick<Tenant, 'id'>,
  userId: string,
  purpose: 'set_password' | 'reset_password' = 'set_password',
  ttlSeconds = SET_PASSWORD_TTL_SECONDS,
  /** The clock's time the link's lifetime starts from (the database's time when omitted). */
  at?: Date,
): Promise<string> {
  const token = randomToken();
  await repo.insertEmailToken(tx, { tenantId: tenant.id, userId, tokenHash: sha256(token), purpose, ttlSeconds, ...(at ? { at } : {}) });
  return `${config.publicUrl}/account/set-password?token=${encodeURIComponent(token)}`;
}

/**
 * `hibiki init`: the first administrator of a municipality, with no password yet. Returns the
 * one-time link where they set it (they enrol two-factor at their first sign-in). Refused
 * when the municipality already has an administrator.
 */
export async function createFirstAdministrator(db: Db, config: Config, tenant: Tenant, email: string): Promise<{ link: string; email: string }> {
  const address = email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address) || address.length > 254) {
    throw new AppError('validation', undefined, [{ path: 'adminEmail', message: 'メールアドレスの形式が正しくありません / Not a valid e-mail address' }]);
  }
  return db.transaction(async (tx) => {
    if ((await repo.countActiveAdmins(tx, tenant.id)) > 0) {
      throw new AppError('conflict', {
        ja: `${tenant.nameJa} には既に管理者がいます`,
        en: `${tenant.nameEn} already has an administrator`,
      });
    }
    const user = await repo.insertUser(tx, {
      tenantId: tenant.id,
      email: address,
      passwordHash: NO_PASSWORD,
      displayName: address,
      role: 'admin',
      departmentId: null,
      emailVerified: false,
    });
    if (!user) throw new AppError('conflict', { ja: `${address} は既に登録されています`, en: `${address} is already registered` });
    const link = await issueSetPasswordLink(tx, config, tenant, user.id);
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: null,
      actorLabel: 'cli',
      action: 'user.create',
      entityType: 'user',
      entityId: user.id,
      details: { role: 'admin', first: true },
    });
    return { link, email: address };
  });
}

const PASSWORD_LINKS = ['set_password', 'reset_password'] as const;

/** True when the link is live at the clock's time (the form is worth showing). */
export async function setPasswordLinkIsLive(db: Db, clock: Clock, tenant: Tenant, token: string | undefined): Promise<boolean> {
  if (!token) return false;
  return repo.emailTokenIsLive(db, tenant.id, sha256(token), PASSWORD_LINKS, clock.now());
}

/**
 * Sets the password of the link's user and spends the link (and any other password link they
 * hold); every session of theirs ends. Returns false when the link is unknown, used or expired
 * at the clock's time, or the account was disabled; a weak password is a validation error
 * (the link stays good).
 */
export async function setPasswordWithLink(
  db: Db,
  clock: Clock,
  tenant: Tenant,
  token: string,
  password: string,
  confirm: string,
  lang: Lang,
): Promise<false | 'set_password' | 'reset_password'> {
  const parsed = NewPasswordField.safeParse(password);
  const errors = parsed.success ? [] : toFieldErrors(parsed.error.issues, lang).map((e) => ({ ...e, path: 'password' }));
  if (parsed.success && password !== confirm) {
    errors.push({ path: 'passwordConfirm', message: lang === 'ja' ? 'パスワードが一致しません' : 'The passwords do not match' });
  }
  if (errors.length) throw new AppError('validation', undefined, errors);
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    const now = clock.now();
    const used = await repo.consumeEmailToken(tx, tenant.id, sha256(token), PASSWORD_LINKS, now);
    if (!used) return false;
    const user = await repo.findUserById(tx, tenant.id, used.user_id);
    if (!user || user.disabled) return false;
    await repo.setPasswordHash(tx, tenant.id, used.user_id, passwordHash);
    await repo.spendEmailTokensOf(tx, tenant.id, used.user_id, PASSWORD_LINKS, now);
    await repo.deleteSessionsOf(tx, tenant.id, used.user_id);
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: used.user_id,
      actorLabel: user.email,
      action: used.purpose === 'reset_password' ? 'user.password_reset' : 'user.password_set',
      entityType: 'user',
      entityId: used.user_id,
    });
    return used.purpose === 'reset_password' ? 'reset_password' : 'set_password';
  });
}
