/**
 * Checks, as administrators configure them: create, change, pause and resume, delete (only
 * while a check has no history), and Hibiki's own check. Each active check is its own
 * periodic row of core's scheduler, moved or removed in the same transaction as the change.
 */
import { appendAudit } from '../../core/audit.ts';
import type { AuthUser } from '../../core/auth.ts';
import { bumpDataVersion } from '../../core/data-version.ts';
import type { Db, Sql } from '../../core/db/database.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { scheduleJob, unscheduleJob } from '../../core/scheduler.ts';
import { findDepartment, type Tenant } from '../../core/tenancy.ts';
import type { AppDeps } from '../module.ts';
import { canManageChecks } from './monitoring.policy.ts';
import * as repo from './monitoring.repository.ts';
import { checkFieldsOf, checkProblems } from './monitoring.rules.ts';
import { CHECK_JOB, MONITORING_SCOPE, selfCheckUrl } from './monitoring.runner.ts';
import type { CreateCheckInput, UpdateCheckInput } from './monitoring.schema.ts';
import './monitoring.messages.ts';

/** Hibiki's own check: its /healthz through the public URL, every minute, counted and published. */
export const SELF_CHECK = {
  name: 'Hibiki（響き）',
  intervalSeconds: 60,
  timeoutMs: 10_000,
  retries: 1,
  department: 'joho-seisaku',
} as const;

function requireManager(user: AuthUser): void {
  if (!canManageChecks(user)) throw new AppError('forbidden');
}

async function fieldProblems(sql: Sql, tenantId: string, f: repo.CheckFields, lang: Lang, selfId: string | null): Promise<FieldError[]> {
  const errors = checkProblems(f, lang);
  if (f.departmentCode && !(await findDepartment(sql, tenantId, f.departmentCode))) {
    errors.push({ path: 'department', message: translate(lang, 'monitoring.error.department') });
  }
  const clash = (await repo.listChecks(sql, tenantId)).find((c) => c.name === f.name && c.id !== selfId);
  if (clash) errors.unshift({ path: 'name', message: translate(lang, 'monitoring.error.nameTaken') });
  return errors;
}

/** Puts an active check on the scheduler (due at runAt, then every interval); takes a paused one off. */
async function schedule(tx: Sql, tenantId: string, id: string, f: Pick<repo.CheckFields, 'active' | 'intervalSeconds'>, runAt: Date): Promise<void> {
  if (f.active) await scheduleJob(tx, { name: CHECK_JOB, key: id, tenantId, everySeconds: f.intervalSeconds, runAt });
  else await unscheduleJob(tx, CHECK_JOB, id);
}

/** Adds a check (administrators); it runs at the scheduler's next poll. */
export async function createCheck(deps: AppDeps, tenant: Tenant, user: AuthUser, input: CreateCheckInput, lang: Lang): Promise<repo.CheckRow> {
  requireManager(user);
  const fields = checkFieldsOf(input);
  const errors = await fieldProblems(deps.db, tenant.id, fields, lang, null);
  if (errors.length) throw new AppError('validation', undefined, errors);
  const now = deps.clock.now();
  const id = await deps.db.transaction(async (tx) => {
    const id = await repo.insertCheck(tx, tenant.id, fields);
    await schedule(tx, tenant.id, id, fields, now);
    await appendAudit(tx, { tenantId: tenant.id, actorId: user.id, actorLabel: user.email, action: 'monitoring.check.create', entityType: 'monitoring_check', entityId: id, details: { name: fields.name, counted: fields.counted } });
    await bumpDataVersion(tx, tenant.id, MONITORING_SCOPE);
    return id;
  });
  return (await repo.findCheck(deps.db, tenant.id, id))!;
}

function fieldsOfRow(c: repo.CheckRow): repo.CheckFields {
  return {
    name: c.name,
    kind: c.kind,
    url: c.url,
    method: c.method,
    expectedStatus: c.expected_status,
    keyword: c.keyword,
    intervalSeconds: c.interval_seconds,
    timeoutMs: c.timeout_ms,
    retries: c.retries,
    tlsMinDays: c.tls_min_days,
    counted: c.counted,
    published: c.published,
    departmentCode: c.department_code,
    active: c.active,
  };
}

/** A check or 404. */
export async function getCheck(sql: Sql, tenantId: string, id: string): Promise<repo.CheckRow> {
  const check = await repo.findCheck(sql, tenantId, id);
  if (!check) throw new AppError('not_found');
  return check;
}

/** Every problem with a check's input (shape aside), without saving: the forms show them all at once. */
export async function checkInputProblems(deps: AppDeps, tenantId: string, input: CreateCheckInput, lang: Lang, existing: repo.CheckRow | null): Promise<FieldError[]> {
  return problemsOf(deps.db, tenantId, checkFieldsOf(input), lang, existing);
}

async function problemsOf(sql: Sql, tenantId: string, next: repo.CheckFields, lang: Lang, existing: repo.CheckRow | null): Promise<FieldError[]> {
  const errors = await fieldProblems(sql, tenantId, next, lang, existing?.id ?? null);
  if (existing?.is_self && next.url !== existing.url) errors.push({ path: 'url', message: translate(lang, 'monitoring.error.selfUrl') });
  if (existing?.is_demo && next.active) errors.push({ path: 'active', message: translate(lang, 'monitoring.error.demoActive') });
  return errors;
}

/**
 * Changes a check (administrators); fields left out keep their value. Pausing takes it off the
 * scheduler, ends its live incident and forgets its last result, so the pause is not recorded
 * as a runner gap; resuming starts it afresh. Hibiki's own check keeps its URL (it follows the
 * configuration); a demo check holds history only and cannot be resumed.
 */
export async function updateCheck(deps: AppDeps, tenant: Tenant, user: AuthUser, id: string, patch: UpdateCheckInput, lang: Lang): Promise<repo.CheckRow> {
  requireManager(user);
  const before = await getCheck(deps.db, tenant.id, id);
  const current = fieldsOfRow(before);
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as UpdateCheckInput;
  const next = checkFieldsOf({ ...current, department: current.departmentCode, ...defined } as CreateCheckInput);
  const errors = await problemsOf(deps.db, tenant.id, next, lang, before);
  if (errors.length) throw new AppError('validation', undefined, errors);
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await repo.updateCheck(tx, tenant.id, id, next);
    if (before.active && !next.active) await pause(tx, tenant.id, id, now);
    if (next.active && (!before.active || before.interval_seconds !== next.intervalSeconds)) {
      const runAt = before.active && before.last_checked_at ? new Date(Math.max(now.getTime(), before.last_checked_at.getTime() + next.intervalSeconds * 1000)) : now;
      await schedule(tx, tenant.id, id, next, runAt);
    }
    await appendAudit(tx, { tenantId: tenant.id, actorId: user.id, actorLabel: user.email, action: 'monitoring.check.update', entityType: 'monitoring_check', entityId: id, details: { fields: Object.keys(defined).sort(), active: next.active } });
    await bumpDataVersion(tx, tenant.id, MONITORING_SCOPE);
  });
  return (await repo.findCheck(deps.db, tenant.id, id))!;
}

async function pause(tx: Sql, tenantId: string, id: string, now: Date): Promise<void> {
  await unscheduleJob(tx, CHECK_JOB, id);
  const last = await repo.lastPeriod(tx, tenantId, id);
  // The last result held one interval ahead; nobody measures after the pause.
  if (last && last.ended_at.getTime() > now.getTime()) {
    if (last.started_at.getTime() < now.getTime()) await repo.setPeriodEnd(tx, tenantId, id, last.started_at, now);
    else await repo.deletePeriod(tx, tenantId, id, last.started_at);
  }
  await repo.forgetRunnerState(tx, tenantId, id);
  const live = await repo.liveIncident(tx, tenantId, id);
  if (live) await repo.closeIncident(tx, tenantId, live.id, now, { notified: true });
}

/** Deletes a check that has no history yet; one with history is paused instead (its past counts). */
export async function deleteCheck(deps: AppDeps, tenant: Tenant, user: AuthUser, id: string): Promise<void> {
  requireManager(user);
  const check = await getCheck(deps.db, tenant.id, id);
  if (await repo.checkHasHistory(deps.db, tenant.id, id)) {
    throw new AppError('conflict', {
      ja: 'この監視には記録があるため削除できません。停止（一時停止）してください',
      en: 'This check has recorded history and cannot be deleted; pause it instead',
    });
  }
  await deps.db.transaction(async (tx) => {
    await unscheduleJob(tx, CHECK_JOB, id);
    await repo.deleteCheck(tx, tenant.id, id);
    await appendAudit(tx, { tenantId: tenant.id, actorId: user.id, actorLabel: user.email, action: 'monitoring.check.delete', entityType: 'monitoring_check', entityId: id, details: { name: check.name } });
    await bumpDataVersion(tx, tenant.id, MONITORING_SCOPE);
  });
}

/**
 * Hibiki checks itself: creates the municipality's own check the first time it is asked
 * (demo seed, or an administrator's first visit to the monitoring pages) unless one exists in
 * any state — a paused or renamed one is left alone. Returns the new check's id or null.
 */
export async function ensureSelfCheck(tx: Sql, deps: Pick<AppDeps, 'config' | 'clock'>, tenantId: string, actorLabel: string): Promise<string | null> {
  const id = await repo.insertSelfCheckOnce(tx, tenantId, {
    name: SELF_CHECK.name,
    kind: 'http',
    url: selfCheckUrl(deps.config.publicUrl),
    method: 'GET',
    expectedStatus: 200,
    keyword: null,
    intervalSeconds: SELF_CHECK.intervalSeconds,
    timeoutMs: SELF_CHECK.timeoutMs,
    retries: SELF_CHECK.retries,
    tlsMinDays: null,
    counted: true,
    published: true,
    departmentCode: SELF_CHECK.department,
    active: true,
  });
  if (!id) return null;
  await schedule(tx, tenantId, id, { active: true, intervalSeconds: SELF_CHECK.intervalSeconds }, deps.clock.now());
  await appendAudit(tx, { tenantId, actorId: null, actorLabel, action: 'monitoring.check.create_self', entityType: 'monitoring_check', entityId: id, details: {} });
  await bumpDataVersion(tx, tenantId, MONITORING_SCOPE);
  return id;
}

/** The checks for an administrator, Hibiki's own created first if it is missing. */
export async function checksForAdmin(deps: AppDeps, tenant: Tenant, user: AuthUser): Promise<repo.CheckRow[]> {
  requireManager(user);
  if (!(await repo.findSelfCheck(deps.db, tenant.id))) {
    await deps.db.transaction((tx) => ensureSelfCheck(tx, deps, tenant.id, 'system'));
  }
  return repo.listChecks(deps.db, tenant.id);
}

/** The newest raw results of a check (administrators). */
export async function checkResults(db: Db, tenantId: string, user: AuthUser, id: string, limit: number, offset: number) {
  requireManager(user);
  await getCheck(db, tenantId, id);
  const [total, rows] = await Promise.all([repo.countResults(db, tenantId, id), repo.recentResults(db, tenantId, id, limit, offset)]);
  return { total, rows };
}
