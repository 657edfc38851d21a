/**
 * 二要素認証の解除 — a citizen who turned two-factor on by choice turns it off again, after
 * giving a current code from the app and the password. Staff roles cannot: for them it is
 * mandatory (a lost device is reset by an administrator, as for everyone). Attempts are limited
 * per account, so a left-open browser is no machine for guessing codes.
 */
import { appendAudit } from '../../core/audit.ts';
import type { AuthUser } from '../../core/auth.ts';
import type { Clock } from '../../core/clock.ts';
import type { Config } from '../../core/config.ts';
import { decrypt } from '../../core/crypto.ts';
import type { Db } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import type { Lang } from '../../core/i18n.ts';
import { enqueueMail } from '../../core/mail.ts';
import { clearRateLimit, enforceRateLimits, type RateLimit } from '../../core/rate-limit.ts';
import type { Tenant } from '../../core/tenancy.ts';
import { accountsText, bilingualMail } from './accounts.messages.ts';
import { canTurnOffTwoFactor } from './accounts.policy.ts';
import * as repo from './accounts.repository.ts';
import type { TwoFactorOffInput } from './accounts.schema.ts';
import { checkCurrentPassword } from './accounts.self-service.ts';
import { totpStep } from './accounts.service.ts';

/** Codes checked when turning two-factor off, per account. */
export const TWO_FACTOR_OFF_LIMIT: RateLimit = { bucket: 'accounts.two_factor_off.account', limit: 5, windowSeconds: 15 * 60 };

/**
 * Turns the user's two-factor off: the password first (a wrong one is a validation error on
 * currentPassword), then a current TOTP code (a wrong one on code). The secret and recovery
 * codes are forgotten, the address is told, and it is audited. 403 for roles that need it.
 */
export async function turnOffTwoFactor(
  db: Db,
  deps: { config: Config; clock: Clock },
  tenant: Tenant,
  input: { user: AuthUser; form: TwoFactorOffInput },
  lang: Lang,
): Promise<void> {
  const { user, form } = input;
  if (!canTurnOffTwoFactor(user)) throw new AppError('forbidden');
  await enforceRateLimits(db, deps.clock, tenant.id, [{ rule: TWO_FACTOR_OFF_LIMIT, key: user.id }]);
  const row = await checkCurrentPassword(db, deps.clock, tenant, user, form.currentPassword, lang);
  if (!row.totp_enabled || !row.totp_secret_enc) throw new AppError('forbidden');
  const step = totpStep(deps.clock, decrypt(deps.config.encryptionKey, row.totp_secret_enc), form.code);
  const done = await db.transaction(async (tx) => {
    if (step === null || !(await repo.claimTotpStep(tx, tenant.id, user.id, step))) {
      await appendAudit(tx, {
        tenantId: tenant.id,
        actorId: user.id,
        actorLabel: user.email,
        action: 'user.totp_disable_wrong_code',
        entityType: 'user',
        entityId: user.id,
      });
      return false;
    }
    if (!(await repo.resetTotp(tx, tenant.id, user.id))) return false;
    await enqueueMail(tx, {
      tenantId: tenant.id,
      to: user.email,
      subject: accountsText('accounts.mail.twoFactorOffSubject'),
      text: bilingualMail('accounts.mail.twoFactorOffBody', { name: user.displayName }),
    });
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: user.id,
      actorLabel: user.email,
      action: 'user.totp_disable',
      entityType: 'user',
      entityId: user.id,
    });
    return true;
  });
  if (!done) throw new AppError('validation', undefined, [{ path: 'code', message: accountsText('accounts.error.codeWrong', lang) }]);
  await clearRateLimit(db, tenant.id, TWO_FACTOR_OFF_LIMIT.bucket, user.id);
}
