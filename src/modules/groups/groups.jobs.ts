/**
 * The registry's daily work through core's scheduler: a renewal reminder by e-mail to each
 * group whose term ends within the renewal window (once per term), and the lapse of every
 * registration whose term ended before today (登録期間満了, at fiscal-year end). Counting does
 * not wait for the job: a term counts through its last day whatever the job has done.
 */
import { todayJst } from '../../core/dates.ts';
import type { Db } from '../../core/db/database.ts';
import { enqueueMail } from '../../core/mail.ts';
import type { JobDefinition } from '../../core/scheduler.ts';
import { tenantProfile } from '../../core/tenancy.ts';
import { appendAudit } from '../../core/audit.ts';
import { bumpDataVersion } from '../../core/data-version.ts';
import type { AppDeps } from '../module.ts';
import { RENEWAL_DAYS } from './groups.policy.ts';
import * as repo from './groups.repository.ts';
import { GROUPS_SCOPE, openPrivate } from './groups.service.ts';

export const DAILY_JOB = 'groups.daily';

/** Reminders and lapses for one municipality on a day; what was done. */
export async function runRegistryDay(deps: Pick<AppDeps, 'config' | 'settings'>, db: Db, tenantId: string, now: Date): Promise<{ reminded: number; lapsed: number }> {
  const today = todayJst(now);
  const tenant = await tenantProfile(db, tenantId);
  if (!tenant) return { reminded: 0, lapsed: 0 };
  const windowDays = await deps.settings.get<number>(db, tenantId, RENEWAL_DAYS);
  let reminded = 0;
  let lapsed = 0;
  for (const id of windowDays > 0 ? await repo.dueReminders(db, tenantId, today, windowDays) : []) {
    await db.transaction(async (tx) => {
      const r = await repo.lockById(tx, tenantId, id);
      if (!r || r.status !== 'registered' || r.remindedFor === r.validUntil) return;
      const contact = openPrivate(deps.config, r.privateSealed);
      if (contact.email) {
        const url = `${deps.config.publicUrl}/my/groups/${r.id}`;
        await enqueueMail(tx, {
          tenantId,
          to: contact.email,
          subject: `【${tenant.nameJa}】団体登録の更新のお知らせ: ${r.name} / Time to renew the group registration`,
          text:
            `${r.name} 様\n\n登録番号 ${r.number} の登録期間は ${r.validUntil} までです。引き続き登録される場合は、更新の手続きをしてください。\n${url}\n\n----\n\n` +
            `The registration ${r.number} of ${r.name} is valid until ${r.validUntil}. To stay registered, please renew it.\n${url}`,
        });
      }
      await repo.patchState(tx, tenantId, r.id, { remindedFor: r.validUntil }, now);
      await repo.insertEvent(tx, tenantId, r.id, { kind: 'reminded', at: now, onDate: today, details: { validUntil: r.validUntil, mailed: !!contact.email } });
      reminded++;
    });
  }
  for (const id of await repo.lapsedBefore(db, tenantId, today)) {
    await db.transaction(async (tx) => {
      const r = await repo.lockById(tx, tenantId, id);
      if (!r || r.status !== 'registered' || !(r.validUntil! < today)) return;
      const after = await repo.patchState(tx, tenantId, r.id, { status: 'lapsed', lapsedOn: today }, now);
      await repo.insertEvent(tx, tenantId, r.id, { kind: 'lapsed', at: now, onDate: today, details: { validUntil: r.validUntil } });
      await appendAudit(tx, { tenantId, actorId: null, actorLabel: 'system', action: 'groups.lapse', entityType: 'group_registration', entityId: r.id, details: { number: after.number, validUntil: r.validUntil } });
      await bumpDataVersion(tx, tenantId, GROUPS_SCOPE);
      lapsed++;
    });
  }
  return { reminded, lapsed };
}

/** The periodic job (hourly; each run does what is due for the day, so reruns do nothing twice). */
export function dailyJob(deps: Pick<AppDeps, 'config' | 'settings' | 'mail'>): JobDefinition {
  return {
    name: DAILY_JOB,
    everySeconds: 3600,
    keepRunsDays: 14,
    async run({ db, now }) {
      let reminded = 0;
      let lapsed = 0;
      for (const tenantId of await repo.tenantsWithGroups(db)) {
        const done = await runRegistryDay(deps, db, tenantId, now);
        reminded += done.reminded;
        lapsed += done.lapsed;
      }
      if (reminded > 0) deps.mail.poke();
      return `${reminded} reminders, ${lapsed} lapsed`;
    },
  };
}
