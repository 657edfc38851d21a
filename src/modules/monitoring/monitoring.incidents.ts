/**
 * Incidents as people see them: staff of the responsible department (and administrators)
 * write the cause and the action taken and publish them; the public sees published incidents
 * and the live ones of published systems (without the internal failing detail).
 */
import { appendAudit } from '../../core/audit.ts';
import type { AuthUser } from '../../core/auth.ts';
import { bumpDataVersion } from '../../core/data-version.ts';
import type { Db, Sql } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import type { Tenant } from '../../core/tenancy.ts';
import type { AppDeps } from '../module.ts';
import { canAnnotateIncident, canUseIncidentPages } from './monitoring.policy.ts';
import * as repo from './monitoring.repository.ts';
import { MONITORING_SCOPE } from './monitoring.runner.ts';
import type { AnnotationInput } from './monitoring.schema.ts';
import './monitoring.messages.ts';

const annotatable = (user: AuthUser, i: repo.IncidentRow) => canAnnotateIncident(user, { departmentCode: i.check_department_code });

/** True when the user may see the incident's internal detail (they may annotate it). */
export function canSeeAsStaff(user: AuthUser, i: repo.IncidentRow): boolean {
  return annotatable(user, i);
}

/** The checks whose incidents this user may annotate (all for administrators). */
async function checkIdsFor(sql: Sql, tenantId: string, user: AuthUser): Promise<string[] | null> {
  if (user.role === 'admin') return null;
  const checks = await repo.listChecks(sql, tenantId);
  return checks.filter((c) => canAnnotateIncident(user, { departmentCode: c.department_code })).map((c) => c.id);
}

/** Incidents the user may annotate, newest first, live ones on top. */
export async function incidentsForStaff(sql: Sql, tenantId: string, user: AuthUser, q: { status?: repo.IncidentFilter['status']; limit: number; offset: number }) {
  if (!canUseIncidentPages(user)) throw new AppError('forbidden');
  const ids = await checkIdsFor(sql, tenantId, user);
  return repo.listIncidents(sql, tenantId, { ...(ids ? { checkIds: ids } : {}), status: q.status, limit: q.limit, offset: q.offset });
}

/** One incident for a user who may annotate it (404 otherwise: its existence is not told). */
export async function incidentForStaff(sql: Sql, tenantId: string, user: AuthUser, id: string): Promise<repo.IncidentRow> {
  const incident = await repo.findIncident(sql, tenantId, id);
  if (!incident || !annotatable(user, incident)) throw new AppError('not_found');
  return incident;
}

/** Public incidents: published ones, and live ones of published systems. */
export function publicIncidents(sql: Sql, tenantId: string, q: { status?: 'live' | 'closed'; limit: number; offset: number }) {
  return repo.listIncidents(sql, tenantId, { publicOnly: true, ...q });
}

/** A public incident (published, or live on a published system) or 404. */
export async function publicIncident(sql: Sql, tenantId: string, id: string): Promise<repo.IncidentRow> {
  const incident = await repo.findIncident(sql, tenantId, id);
  if (!incident || !incident.check_published || (incident.published_at === null && incident.status === 'closed')) throw new AppError('not_found');
  return incident;
}

/**
 * Writes the cause and action; `published` shows them publicly (a cause is needed first).
 * Fields left out keep their value.
 */
export async function annotateIncident(deps: AppDeps, tenant: Tenant, user: AuthUser, id: string, input: AnnotationInput, lang: Lang): Promise<repo.IncidentRow> {
  const incident = await incidentForStaff(deps.db, tenant.id, user, id);
  const cause = input.cause === undefined ? incident.cause : input.cause || null;
  const action = input.action === undefined ? incident.action : input.action || null;
  const publish = input.published ?? incident.published_at !== null;
  if (publish && !cause) throw new AppError('validation', undefined, [{ path: 'cause', message: translate(lang, 'monitoring.error.causeToPublish') }]);
  await deps.db.transaction(async (tx) => {
    await repo.annotateIncident(tx, tenant.id, id, { cause, action, publish, userId: user.id, at: deps.clock.now() });
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: user.id,
      actorLabel: user.email,
      action: publish ? 'monitoring.incident.publish' : 'monitoring.incident.annotate',
      entityType: 'monitoring_incident',
      entityId: id,
      details: { published: publish },
    });
    await bumpDataVersion(tx, tenant.id, MONITORING_SCOPE);
  });
  return (await repo.findIncident(deps.db, tenant.id, id))!;
}

/** Work items: live incidents (alert) and closed ones not yet explained to the public (task). */
export async function incidentWorkCounts(db: Sql | Db, tenantId: string, user: AuthUser): Promise<{ live: number; unannotated: number } | null> {
  if (!canUseIncidentPages(user)) return null;
  const ids = await checkIdsFor(db, tenantId, user);
  if (ids !== null && ids.length === 0) return null;
  return repo.incidentCounts(db, tenantId, ids);
}
