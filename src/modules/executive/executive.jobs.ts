/**
 * The executive module's scheduled work (core's scheduler, started by main.ts):
 * - `executive.watch` (hourly): each indicator's concern (behind its line, projection short of
 *   the target) is compared with the one remembered; a concern that appears is mailed to the
 *   tenant's chosen recipients once, and not again while it lasts.
 * - `executive.digest` (hourly, acts once a month): the first run in a month (JST) records the
 *   month's snapshot of the indicators and sends the digest: every indicator's grade, state
 *   and projection, what changed since the previous month's snapshot, and the services'
 *   alerts. The digests table makes it once per municipality and month.
 * Mail goes only to a municipality's chosen recipients, through the outbox.
 */
import { todayJst } from '../../core/dates.ts';
import type { Db } from '../../core/db/database.ts';
import { enqueueMail } from '../../core/mail.ts';
import type { JobDefinition } from '../../core/scheduler.ts';
import { listTenants, type Tenant } from '../../core/tenancy.ts';
import type { AppDeps } from '../module.ts';
import * as repo from './executive.repository.ts';
import { deservesAlert } from './executive.rules.ts';
import { evaluateForExecutives, parseRecipients, RECIPIENTS, serviceAlerts, snapshotOf, systemViewer, type ExecutiveIndicator } from './executive.service.ts';

export const WATCH_JOB = 'executive.watch';
export const DIGEST_JOB = 'executive.digest';

async function tenantsWithRecipients(deps: AppDeps, db: Db): Promise<{ tenant: Tenant; to: string[] }[]> {
  const out: { tenant: Tenant; to: string[] }[] = [];
  for (const tenant of await listTenants(db)) {
    const to = parseRecipients(await deps.settings.get<string>(db, tenant.id, RECIPIENTS));
    if (to.length > 0) out.push({ tenant, to });
  }
  return out;
}

function line(i: ExecutiveIndicator): string {
  const v = i.view;
  const parts = [v.grade.label, v.onTrackLabel ?? '—', v.latest ? v.latest.value : '—'];
  if (v.projection) parts.push(`${v.projection}${i.projectedRate ? ` (${i.projectedRate})` : ''}`);
  return `${v.code} ${v.name}: ${parts.join(' / ')}${i.concernLabel ? ` [${i.concernLabel}]` : ''}`;
}

/** One municipality's watch: remembers every indicator's concern; mails the new ones. Returns how many were mailed. */
export async function watchTenant(deps: AppDeps, db: Db, tenant: Tenant, to: readonly string[], now: Date): Promise<number> {
  const ja = await evaluateForExecutives(deps, tenant.id, 'ja');
  if (!ja.plan) return 0;
  const en = await evaluateForExecutives(deps, tenant.id, 'en');
  const planCode = ja.plan.code;
  return db.transaction(async (tx) => {
    const fresh: number[] = [];
    for (const [n, i] of ja.indicators.entries()) {
      const state = await repo.lockState(tx, tenant.id, planCode, i.view.code);
      if (state && state.concern === i.concern) continue;
      const alert = deservesAlert(state?.concern ?? null, i.concern);
      await repo.saveState(tx, tenant.id, planCode, i.view.code, i.concern, now, alert);
      if (alert) fresh.push(n);
    }
    if (fresh.length === 0) return 0;
    const url = `${deps.config.publicUrl}/staff/executive`;
    const text =
      `${tenant.nameJa} の成果指標に、新たに注意が必要なものがあります（${todayJst(now)}）。\n\n` +
      fresh.map((n) => line(ja.indicators[n]!)).join('\n') +
      `\n\n${url}\n\n----\n\n` +
      `New concerns in ${tenant.nameEn || tenant.nameJa}’s outcome indicators (${todayJst(now)}):\n\n` +
      fresh.map((n) => line(en.indicators[n]!)).join('\n') +
      `\n\n${url}\n`;
    for (const address of to) {
      await enqueueMail(tx, { tenantId: tenant.id, to: address, subject: `【${tenant.nameJa}】成果指標の注意 ${fresh.length}件 / Indicator alert`, text });
    }
    return fresh.length;
  });
}

/**
 * One municipality's digest for the month of `now` (JST), unless it was done: the month's
 * snapshot of the indicators is recorded (what later "since last month" compares with) and,
 * when there are recipients, the digest is mailed, comparing with the previous month's
 * snapshot. Returns whether the month was done now.
 */
export async function digestTenant(deps: AppDeps, db: Db, tenant: Tenant, to: readonly string[], now: Date): Promise<boolean> {
  const month = todayJst(now).slice(0, 7);
  const probe = await evaluateForExecutives(deps, tenant.id, 'ja', { against: null });
  const previous = probe.plan ? await repo.snapshotBefore(db, tenant.id, probe.plan.code, { beforeMonth: month }) : undefined;
  const ja = await evaluateForExecutives(deps, tenant.id, 'ja', { against: previous ?? null });
  const en = await evaluateForExecutives(deps, tenant.id, 'en', { against: previous ?? null });
  const viewer = systemViewer(tenant.id);
  const alertsJa = to.length ? await serviceAlerts(deps, tenant, viewer, 'ja') : [];
  const alertsEn = to.length ? await serviceAlerts(deps, tenant, viewer, 'en') : [];
  const url = `${deps.config.publicUrl}/staff/executive`;
  const changed = (x: typeof ja) => x.indicators.filter((i) => i.changes.length > 0).map((i) => `${i.view.code} ${i.view.name}: ${i.changes.join(', ')}`);
  const alertLines = (a: typeof alertsJa) => a.map((x) => `${x.label}${x.detail ? ` (${x.detail})` : ''}`);
  const since = previous ? { ja: `前月（${previous.month}）からの変化`, en: `Changes since ${previous.month}` } : { ja: '前月からの変化（比べる記録なし）', en: 'Changes since last month (no earlier record)' };
  const none = { ja: 'なし', en: 'none' };
  const text =
    `${tenant.nameJa} 月次の進み具合（${month}）\n\n■ 成果指標\n` +
    (ja.indicators.map(line).join('\n') || none.ja) +
    `\n\n■ ${since.ja}\n` +
    ((previous ? changed(ja).join('\n') : '') || none.ja) +
    `\n\n■ 各業務の注意\n` +
    (alertLines(alertsJa).join('\n') || none.ja) +
    `\n\n${url}\n\n----\n\n` +
    `${tenant.nameEn || tenant.nameJa}: monthly progress (${month})\n\nOutcome indicators\n` +
    (en.indicators.map(line).join('\n') || none.en) +
    `\n\n${since.en}\n` +
    ((previous ? changed(en).join('\n') : '') || none.en) +
    `\n\nService alerts\n` +
    (alertLines(alertsEn).join('\n') || none.en) +
    `\n\n${url}\n`;
  return db.transaction(async (tx) => {
    if (!(await repo.claimDigest(tx, tenant.id, month, now, to.length))) return false;
    if (ja.plan) await repo.saveSnapshot(tx, tenant.id, month, ja.plan.code, ja.plan.indicators.map(snapshotOf), now);
    for (const address of to) {
      await enqueueMail(tx, { tenantId: tenant.id, to: address, subject: `【${tenant.nameJa}】月次の進み具合 ${month} / Monthly progress`, text });
    }
    return true;
  });
}

/** The two jobs. */
export function executiveJobs(deps: AppDeps): JobDefinition[] {
  return [
    {
      name: WATCH_JOB,
      everySeconds: 3600,
      keepRunsDays: 14,
      async run({ db, now }) {
        let mailed = 0;
        for (const { tenant, to } of await tenantsWithRecipients(deps, db)) mailed += await watchTenant(deps, db, tenant, to, now);
        if (mailed > 0) deps.mail.poke();
        return `${mailed} new concerns mailed`;
      },
    },
    {
      name: DIGEST_JOB,
      everySeconds: 3600,
      keepRunsDays: 14,
      async run({ db, now }) {
        let done = 0;
        let mailed = 0;
        // Every municipality gets its monthly snapshot; those with recipients the mail too.
        for (const tenant of await listTenants(db)) {
          // Most runs find this month done already: check before evaluating anything.
          if (await repo.digestSent(db, tenant.id, todayJst(now).slice(0, 7))) continue;
          const to = parseRecipients(await deps.settings.get<string>(db, tenant.id, RECIPIENTS));
          if (await digestTenant(deps, db, tenant, to, now)) {
            done++;
            if (to.length) mailed++;
          }
        }
        if (mailed > 0) deps.mail.poke();
        return `${done} monthly snapshots, ${mailed} digests mailed`;
      },
    },
  ];
}
