/**
 * パスワードの再設定 — a forgotten password, reset by a single-use link mailed to the account's
 * address (stored hashed, good for RESET_LINK_TTL_SECONDS, spent by its use; after the reset
 * every session of the account ends).
 *
 * The request does the same work whatever the address: it is counted against the limits (per
 * address and per client) and queued as a one-off scheduler job, and the answer is one page.
 * Whether the address belongs to an account is only looked at by the job, outside the request,
 * so neither the answer nor its timing tells who is registered.
 */
import { randomUUID } from 'node:crypto';
import { appendAudit } from '../../core/audit.ts';
import type { Clock } from '../../core/clock.ts';
import type { Config } from '../../core/config.ts';
import type { Db } from '../../core/db/database.ts';
import { enqueueMail } from '../../core/mail.ts';
import { enforceRateLimits, type RateLimit } from '../../core/rate-limit.ts';
import { scheduleJob, type JobDefinition } from '../../core/scheduler.ts';
import type { Tenant } from '../../core/tenancy.ts';
import { accountsText, bilingualMail } from './accounts.messages.ts';
import { issueSetPasswordLink } from './accounts.links.ts';
import * as repo from './accounts.repository.ts';

/** How long a reset link stays good. */
export const RESET_LINK_TTL_SECONDS = 60 * 60;

/** The scheduler job that looks the address up and mails the link. */
export const PASSWORD_RESET_JOB = 'accounts.passwordReset';

/**
 * Reset requests, counted per address (registered or not, so the limit tells nothing) and per
 * client. Three links an hour are plenty for a person; a shared office network gets twenty.
 */
export const RESET_LIMITS = {
  perAddress: { bucket: 'accounts.password_reset.address', limit: 3, windowSeconds: 60 * 60 },
  perClient: { bucket: 'accounts.password_reset.client', limit: 20, windowSeconds: 60 * 60 },
} as const satisfies Record<string, RateLimit>;

interface ResetPayload {
  email: string;
  /** When the request came (the clock's time): the link's hour starts then. */
  requestedAt: string;
}

/**
 * Asks for a reset link for this address: counted against the limits (RateLimitedError beyond
 * them), then queued for the job. Nothing in it depends on whether the address is registered.
 */
export async function requestPasswordReset(
  db: Db,
  deps: { clock: Clock },
  tenant: Tenant,
  input: { email: string; clientAddress: string },
): Promise<void> {
  const email = input.email.trim().toLowerCase();
  await enforceRateLimits(db, deps.clock, tenant.id, [
    { rule: RESET_LIMITS.perAddress, key: email },
    { rule: RESET_LIMITS.perClient, key: input.clientAddress },
  ]);
  const now = deps.clock.now();
  const payload: ResetPayload = { email, requestedAt: now.toISOString() };
  await scheduleJob(db, { name: PASSWORD_RESET_JOB, key: randomUUID(), tenantId: tenant.id, runAt: now, payload, maxAttempts: 3 });
}

/**
 * The job behind requestPasswordReset: for an account that exists and is not disabled, a
 * reset link (its hour counted from the request) in the outbox, audited; for any other address
 * nothing at all.
 */
export function passwordResetJob(deps: { db: Db; config: Config; mail: { poke(): void } }): JobDefinition {
  return {
    name: PASSWORD_RESET_JOB,
    maxAttempts: 3,
    keepRunsDays: 7,
    async run(ctx) {
      const payload = ctx.payload as Partial<ResetPayload> | null;
      const requestedAt = new Date(String(payload?.requestedAt ?? ''));
      if (!ctx.tenantId || typeof payload?.email !== 'string' || Number.isNaN(requestedAt.getTime())) return 'malformed request: nothing sent';
      const tenantId = ctx.tenantId;
      const mailed = await ctx.db.transaction(async (tx) => {
        const user = await repo.findLoginUserByEmail(tx, tenantId, payload.email!);
        if (!user || user.disabled) return false;
        const link = await issueSetPasswordLink(tx, deps.config, { id: tenantId }, user.id, 'reset_password', RESET_LINK_TTL_SECONDS, requestedAt);
        await enqueueMail(tx, {
          tenantId,
          to: user.email,
          subject: accountsText('accounts.mail.resetSubject'),
          text: bilingualMail('accounts.mail.resetBody', { name: user.display_name, link }),
        });
        await appendAudit(tx, {
          tenantId,
          actorId: null,
          actorLabel: 'anonymous',
          action: 'user.password_reset_requested',
          entityType: 'user',
          entityId: user.id,
        });
        return true;
      });
      if (mailed) deps.mail.poke();
      // The run history is read by administrators: it does not say whether an account matched.
      return 'done';
    },
  };
}
