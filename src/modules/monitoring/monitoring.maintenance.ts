/**
 * 計画メンテナンス — planned maintenance windows, entered by administrators before they start.
 * A window covers the systems listed (every system when none is) and is left out of
 * availability. Before it starts it can be cancelled; while it runs it can be ended early;
 * afterwards it is history and cannot change (the figures it shaped stay as published).
 */
import { appendAudit } from '../../core/audit.ts';
import type { AuthUser } from '../../core/auth.ts';
import { bumpDataVersion } from '../../core/data-version.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import type { Tenant } from '../../core/tenancy.ts';
import type { AppDeps } from '../module.ts';
import { canManageChecks } from './monitoring.policy.ts';
import * as repo from './monitoring.repository.ts';
import { maintenanceProblems, parseInstant } from './monitoring.rules.ts';
import { MONITORING_SCOPE } from './monitoring.runner.ts';
import type { MaintenanceInput } from './monitoring.schema.ts';
import './monitoring.messages.ts';

/** Every problem with a window's input (shape aside), without saving: the form shows them all at once. */
export async function maintenanceErrors(deps: AppDeps, tenantId: string, input: MaintenanceInput, lang: Lang): Promise<{ errors: FieldError[]; start: Date | null; end: Date | null; systems: string[] }> {
  const start = input.start ? parseInstant(input.start) : null;
  const end = input.end ? parseInstant(input.end) : null;
  const errors: FieldError[] = [];
  if (input.start && !start) errors.push({ path: 'start', message: translate(lang, 'monitoring.error.instant') });
  if (input.end && !end) errors.push({ path: 'end', message: translate(lang, 'monitoring.error.instant') });
  if (start && end) errors.push(...maintenanceProblems(start, end, deps.clock.now(), lang));
  const systems = [...new Set(input.systems ?? [])];
  if (systems.length) {
    const known = new Set((await repo.listChecks(deps.db, tenantId)).map((c) => c.id));
    if (systems.some((id) => !known.has(id))) errors.push({ path: 'systems', message: translate(lang, 'monitoring.error.systems') });
  }
  return { errors, start, end, systems };
}

/** Plans a window (administrators). */
export async function planMaintenance(deps: AppDeps, tenant: Tenant, user: AuthUser, input: MaintenanceInput, lang: Lang): Promise<repo.MaintenanceRow> {
  if (!canManageChecks(user)) throw new AppError('forbidden');
  const { errors, start, end, systems } = await maintenanceErrors(deps, tenant.id, input, lang);
  if (!start) errors.unshift({ path: 'start', message: translate(lang, 'monitoring.error.instant') });
  if (!end && !errors.some((e) => e.path === 'end')) errors.push({ path: 'end', message: translate(lang, 'monitoring.error.instant') });
  if (errors.length || !start || !end) throw new AppError('validation', undefined, [...new Map(errors.map((e) => [e.path, e])).values()]);
  const id = await deps.db.transaction(async (tx) => {
    const id = await repo.insertMaintenance(tx, tenant.id, { startsAt: start, endsAt: end, reason: input.reason, checkIds: systems, createdBy: user.id });
    await appendAudit(tx, { tenantId: tenant.id, actorId: user.id, actorLabel: user.email, action: 'monitoring.maintenance.plan', entityType: 'monitoring_maintenance', entityId: id, details: { start: start.toISOString(), end: end.toISOString(), systems: systems.length } });
    await bumpDataVersion(tx, tenant.id, MONITORING_SCOPE);
    return id;
  });
  return (await repo.findMaintenance(deps.db, tenant.id, id))!;
}

/** Cancels a window that has not started, or ends a running one now. */
export async function stopMaintenance(deps: AppDeps, tenant: Tenant, user: AuthUser, id: string): Promise<repo.MaintenanceRow> {
  if (!canManageChecks(user)) throw new AppError('forbidden');
  const m = await repo.findMaintenance(deps.db, tenant.id, id);
  if (!m) throw new AppError('not_found');
  const now = deps.clock.now();
  if (m.cancelled_at || m.ends_at.getTime() <= now.getTime()) {
    throw new AppError('conflict', { ja: 'このメンテナンスは終了または中止済みです', en: 'This window has already ended or been cancelled' });
  }
  const started = m.starts_at.getTime() < now.getTime();
  await deps.db.transaction(async (tx) => {
    if (started) await repo.endMaintenance(tx, tenant.id, id, now);
    else await repo.cancelMaintenance(tx, tenant.id, id, now);
    await appendAudit(tx, { tenantId: tenant.id, actorId: user.id, actorLabel: user.email, action: started ? 'monitoring.maintenance.end' : 'monitoring.maintenance.cancel', entityType: 'monitoring_maintenance', entityId: id, details: {} });
    await bumpDataVersion(tx, tenant.id, MONITORING_SCOPE);
  });
  return (await repo.findMaintenance(deps.db, tenant.id, id))!;
}

/** Windows not yet over (and those of the last 90 days), for administrators. */
export async function maintenanceForAdmin(deps: AppDeps, tenant: Tenant, user: AuthUser, limit = 100, offset = 0) {
  if (!canManageChecks(user)) throw new AppError('forbidden');
  const since = new Date(deps.clock.now().getTime() - 90 * 86_400_000);
  const [total, rows] = await Promise.all([repo.countMaintenance(deps.db, tenant.id, since), repo.listMaintenance(deps.db, tenant.id, since, limit, offset)]);
  return { total, rows };
}
