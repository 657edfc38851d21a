/** The monitoring module's SQL: checks, the timeline, results, rollups, incidents, maintenance. */
import type { Sql } from '../../core/db/database.ts';
import type { PeriodState } from './monitoring.availability.ts';

// ---------------------------------------------------------------------------------------------
// Checks

export type CheckKind = 'http' | 'tcp' | 'tls';

export interface CheckRow {
  tenant_id: string;
  id: string;
  name: string;
  kind: CheckKind;
  url: string;
  method: 'GET' | 'HEAD';
  expected_status: number | null;
  keyword: string | null;
  interval_seconds: number;
  timeout_ms: number;
  retries: number;
  tls_min_days: number | null;
  counted: boolean;
  published: boolean;
  department_id: string | null;
  department_code: string | null;
  department_name_ja: string | null;
  department_name_en: string | null;
  active: boolean;
  is_self: boolean;
  is_demo: boolean;
  last_checked_at: Date | null;
  last_interval_seconds: number | null;
  last_state: 'up' | 'pending' | 'down' | null;
  last_detail: string | null;
  failures: number;
  streak_started_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const CHECK_COLUMNS = `c.tenant_id, c.id, c.name, c.kind, c.url, c.method, c.expected_status, c.keyword, c.interval_seconds,
  c.timeout_ms, c.retries, c.tls_min_days, c.counted, c.published, c.department_id, d.code as department_code,
  d.name_ja as department_name_ja, d.name_en as department_name_en, c.active, c.is_self, c.is_demo, c.last_checked_at,
  c.last_interval_seconds, c.last_state, c.last_detail, c.failures, c.streak_started_at, c.created_at, c.updated_at`;
const CHECK_FROM = 'monitoring_checks c left join departments d on d.tenant_id = c.tenant_id and d.id = c.department_id';

/** What an administrator sets on a check. */
export interface CheckFields {
  name: string;
  kind: CheckKind;
  url: string;
  method: 'GET' | 'HEAD';
  expectedStatus: number | null;
  keyword: string | null;
  intervalSeconds: number;
  timeoutMs: number;
  retries: number;
  tlsMinDays: number | null;
  counted: boolean;
  published: boolean;
  departmentCode: string | null;
  active: boolean;
}

const departmentIdOf = `(select id from departments where tenant_id = $1 and code = $15)`;

export async function insertCheck(tx: Sql, tenantId: string, f: CheckFields, flags: { isSelf?: boolean; isDemo?: boolean } = {}): Promise<string> {
  const row = await tx.one<{ id: string }>(
    `insert into monitoring_checks (tenant_id, name, kind, url, method, expected_status, keyword, interval_seconds, timeout_ms,
       retries, tls_min_days, counted, published, active, department_id, is_self, is_demo)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, ${departmentIdOf}, $16, $17)
     returning id`,
    [tenantId, f.name, f.kind, f.url, f.method, f.expectedStatus, f.keyword, f.intervalSeconds, f.timeoutMs, f.retries, f.tlsMinDays,
      f.counted, f.published, f.active, f.departmentCode, flags.isSelf ?? false, flags.isDemo ?? false],
  );
  return row.id;
}

/** Inserts the municipality's own check unless it has one (any state); returns the new id or null. */
export async function insertSelfCheckOnce(tx: Sql, tenantId: string, f: CheckFields): Promise<string | null> {
  const row = await tx.maybeOne<{ id: string }>(
    `insert into monitoring_checks (tenant_id, name, kind, url, method, expected_status, keyword, interval_seconds, timeout_ms,
       retries, tls_min_days, counted, published, active, department_id, is_self)
     select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, ${departmentIdOf}, true
      where not exists (select 1 from monitoring_checks where tenant_id = $1 and (is_self or name = $2))
     on conflict do nothing
     returning id`,
    [tenantId, f.name, f.kind, f.url, f.method, f.expectedStatus, f.keyword, f.intervalSeconds, f.timeoutMs, f.retries, f.tlsMinDays,
      f.counted, f.published, f.active, f.departmentCode],
  );
  return row?.id ?? null;
}

export async function updateCheck(tx: Sql, tenantId: string, id: string, f: CheckFields): Promise<void> {
  await tx.query(
    `update monitoring_checks set name = $2, kind = $3, url = $4, method = $5, expected_status = $6, keyword = $7,
       interval_seconds = $8, timeout_ms = $9, retries = $10, tls_min_days = $11, counted = $12, published = $13, active = $14,
       department_id = ${departmentIdOf}, updated_at = now()
     where tenant_id = $1 and id = $16`,
    [tenantId, f.name, f.kind, f.url, f.method, f.expectedStatus, f.keyword, f.intervalSeconds, f.timeoutMs, f.retries, f.tlsMinDays,
      f.counted, f.published, f.active, f.departmentCode, id],
  );
}

export function findCheck(sql: Sql, tenantId: string, id: string): Promise<CheckRow | undefined> {
  return sql.maybeOne<CheckRow>(`select ${CHECK_COLUMNS} from ${CHECK_FROM} where c.tenant_id = $1 and c.id = $2`, [tenantId, id]);
}

/** The check, locked for the rest of the transaction (the runner's record of a result). */
export function lockCheck(tx: Sql, tenantId: string, id: string): Promise<CheckRow | undefined> {
  return tx.maybeOne<CheckRow>(`select ${CHECK_COLUMNS} from ${CHECK_FROM} where c.tenant_id = $1 and c.id = $2 for update of c`, [tenantId, id]);
}

export function findSelfCheck(sql: Sql, tenantId: string): Promise<CheckRow | undefined> {
  return sql.maybeOne<CheckRow>(`select ${CHECK_COLUMNS} from ${CHECK_FROM} where c.tenant_id = $1 and c.is_self`, [tenantId]);
}

export function listChecks(sql: Sql, tenantId: string, filter: { published?: boolean; counted?: boolean } = {}): Promise<CheckRow[]> {
  return sql.query<CheckRow>(
    `select ${CHECK_COLUMNS} from ${CHECK_FROM}
      where c.tenant_id = $1 and ($2::boolean is null or c.published = $2) and ($3::boolean is null or c.counted = $3)
      order by c.is_self desc, c.name`,
    [tenantId, filter.published ?? null, filter.counted ?? null],
  );
}

/** True when the check has any recorded history (then it is paused, never deleted). */
export async function checkHasHistory(sql: Sql, tenantId: string, id: string): Promise<boolean> {
  const row = await sql.maybeOne('select 1 from monitoring_periods where tenant_id = $1 and check_id = $2 limit 1', [tenantId, id]);
  return row !== undefined;
}

export async function deleteCheck(tx: Sql, tenantId: string, id: string): Promise<void> {
  await tx.query('delete from monitoring_checks where tenant_id = $1 and id = $2', [tenantId, id]);
}

/** The runner's memory of the check after a result. */
export async function saveRunnerState(
  tx: Sql,
  tenantId: string,
  id: string,
  s: { at: Date; intervalSeconds: number; state: 'up' | 'pending' | 'down'; detail: string | null; failures: number; streakStartedAt: Date | null },
): Promise<void> {
  await tx.query(
    `update monitoring_checks set last_checked_at = $3, last_interval_seconds = $4, last_state = $5, last_detail = $6,
       failures = $7, streak_started_at = $8
     where tenant_id = $1 and id = $2`,
    [tenantId, id, s.at, s.intervalSeconds, s.state, s.detail, s.failures, s.streakStartedAt],
  );
}

/** Forgets the last result (a paused check starts afresh when resumed: the pause is not a runner gap). */
export async function forgetRunnerState(tx: Sql, tenantId: string, id: string): Promise<void> {
  await tx.query(
    `update monitoring_checks set last_checked_at = null, last_interval_seconds = null, last_state = null, failures = 0,
       streak_started_at = null where tenant_id = $1 and id = $2`,
    [tenantId, id],
  );
}

// ---------------------------------------------------------------------------------------------
// The timeline

export interface PeriodRow {
  check_id: string;
  started_at: Date;
  ended_at: Date;
  state: PeriodState;
}

export function lastPeriod(tx: Sql, tenantId: string, checkId: string): Promise<PeriodRow | undefined> {
  return tx.maybeOne<PeriodRow>(
    'select check_id, started_at, ended_at, state from monitoring_periods where tenant_id = $1 and check_id = $2 order by started_at desc limit 1',
    [tenantId, checkId],
  );
}

export async function setPeriodEnd(tx: Sql, tenantId: string, checkId: string, startedAt: Date, endedAt: Date): Promise<void> {
  await tx.query('update monitoring_periods set ended_at = $4 where tenant_id = $1 and check_id = $2 and started_at = $3', [
    tenantId,
    checkId,
    startedAt,
    endedAt,
  ]);
}

export async function insertPeriod(tx: Sql, tenantId: string, checkId: string, state: PeriodState, startedAt: Date, endedAt: Date): Promise<void> {
  await tx.query('insert into monitoring_periods (tenant_id, check_id, started_at, ended_at, state) values ($1, $2, $3, $4, $5)', [
    tenantId,
    checkId,
    startedAt,
    endedAt,
    state,
  ]);
}

/** The periods from the one before `since` on, oldest first (for merging after a change of state). */
export function periodsSince(tx: Sql, tenantId: string, checkId: string, since: Date): Promise<PeriodRow[]> {
  return tx.query<PeriodRow>(
    `select check_id, started_at, ended_at, state from monitoring_periods
      where tenant_id = $1 and check_id = $2
        and started_at >= coalesce((select max(started_at) from monitoring_periods
                                     where tenant_id = $1 and check_id = $2 and started_at < $3), $3)
      order by started_at`,
    [tenantId, checkId, since],
  );
}

/** Turns the pending periods of a streak into its outcome: down (confirmed) or up (forgiven). */
export async function settlePending(tx: Sql, tenantId: string, checkId: string, since: Date, to: 'up' | 'down'): Promise<void> {
  await tx.query(
    `update monitoring_periods set state = $4 where tenant_id = $1 and check_id = $2 and started_at >= $3 and state = 'pending'`,
    [tenantId, checkId, since, to],
  );
}

export async function deletePeriod(tx: Sql, tenantId: string, checkId: string, startedAt: Date): Promise<void> {
  await tx.query('delete from monitoring_periods where tenant_id = $1 and check_id = $2 and started_at = $3', [tenantId, checkId, startedAt]);
}

/** The periods of these checks overlapping [from, to). */
export function periodsOverlapping(sql: Sql, tenantId: string, checkIds: readonly string[], from: Date, to: Date): Promise<PeriodRow[]> {
  if (checkIds.length === 0) return Promise.resolve([]);
  return sql.query<PeriodRow>(
    `select check_id, started_at, ended_at, state from monitoring_periods
      where tenant_id = $1 and check_id = any($2::uuid[]) and started_at < $4 and ended_at > $3
      order by check_id, started_at`,
    [tenantId, checkIds, from, to],
  );
}

/** The first instant any of these checks has history (null without any). */
export async function firstRecorded(sql: Sql, tenantId: string, checkIds: readonly string[]): Promise<Date | null> {
  if (checkIds.length === 0) return null;
  const row = await sql.one<{ first: Date | null }>(
    'select min(started_at) as first from monitoring_periods where tenant_id = $1 and check_id = any($2::uuid[])',
    [tenantId, checkIds],
  );
  return row.first;
}

/** Counts of rows kept for a check (the admin page shows how small the record stays). */
export async function storedRows(sql: Sql, tenantId: string, checkId: string): Promise<{ periods: number; results: number; rollups: number }> {
  return sql.one(
    `select (select count(*)::int from monitoring_periods where tenant_id = $1 and check_id = $2) as periods,
            (select count(*)::int from monitoring_results where tenant_id = $1 and check_id = $2) as results,
            (select count(*)::int from monitoring_rollups where tenant_id = $1 and check_id = $2) as rollups`,
    [tenantId, checkId],
  );
}

// ---------------------------------------------------------------------------------------------
// Results and rollups

export interface ResultRow {
  checked_at: Date;
  ok: boolean;
  state: 'up' | 'pending' | 'down';
  status_code: number | null;
  latency_ms: number | null;
  detail: string | null;
  in_maintenance: boolean;
}

export async function insertResult(
  tx: Sql,
  tenantId: string,
  checkId: string,
  r: { at: Date; ok: boolean; state: 'up' | 'pending' | 'down'; statusCode: number | null; latencyMs: number | null; detail: string | null; inMaintenance: boolean },
): Promise<void> {
  await tx.query(
    `insert into monitoring_results (tenant_id, check_id, checked_at, ok, state, status_code, latency_ms, detail, in_maintenance)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [tenantId, checkId, r.at, r.ok, r.state, r.statusCode, r.latencyMs, r.detail, r.inMaintenance],
  );
}

/** Adds a result to its hour's rollup. */
export async function addToRollup(tx: Sql, tenantId: string, checkId: string, hour: Date, ok: boolean, latencyMs: number | null): Promise<void> {
  await tx.query(
    `insert into monitoring_rollups (tenant_id, check_id, hour, samples, failures, latency_count, latency_sum, latency_max)
     values ($1, $2, $3, 1, $4, $5, coalesce($6, 0), $6)
     on conflict (tenant_id, check_id, hour) do update set
       samples = monitoring_rollups.samples + 1,
       failures = monitoring_rollups.failures + excluded.failures,
       latency_count = monitoring_rollups.latency_count + excluded.latency_count,
       latency_sum = monitoring_rollups.latency_sum + excluded.latency_sum,
       latency_max = greatest(monitoring_rollups.latency_max, excluded.latency_max)`,
    [tenantId, checkId, hour, ok ? 0 : 1, latencyMs === null ? 0 : 1, latencyMs],
  );
}

export function recentResults(sql: Sql, tenantId: string, checkId: string, limit: number, offset: number): Promise<ResultRow[]> {
  return sql.query<ResultRow>(
    `select checked_at, ok, state, status_code, latency_ms, detail, in_maintenance from monitoring_results
      where tenant_id = $1 and check_id = $2 order by checked_at desc limit $3 offset $4`,
    [tenantId, checkId, limit, offset],
  );
}

export async function countResults(sql: Sql, tenantId: string, checkId: string): Promise<number> {
  return (await sql.one<{ n: number }>('select count(*)::int as n from monitoring_results where tenant_id = $1 and check_id = $2', [tenantId, checkId])).n;
}

export interface RollupRow {
  hour: Date;
  samples: number;
  failures: number;
  latency_count: number;
  latency_sum: number;
  latency_max: number | null;
}

/** Daily sums of the hourly rollups since `from` (response times per day). */
export function rollupsSince(sql: Sql, tenantId: string, checkId: string, from: Date): Promise<RollupRow[]> {
  return sql.query<RollupRow>(
    `select hour, samples, failures, latency_count, latency_sum, latency_max from monitoring_rollups
      where tenant_id = $1 and check_id = $2 and hour >= $3 order by hour`,
    [tenantId, checkId, from],
  );
}

/** Removes raw results and rollups older than their cut-offs; returns how many rows went. */
export async function purgeCheckHistory(tx: Sql, tenantId: string, checkId: string, resultsBefore: Date, rollupsBefore: Date): Promise<number> {
  const results = await tx.query('delete from monitoring_results where tenant_id = $1 and check_id = $2 and checked_at < $3 returning 1', [
    tenantId,
    checkId,
    resultsBefore,
  ]);
  const rollups = await tx.query('delete from monitoring_rollups where tenant_id = $1 and check_id = $2 and hour < $3 returning 1', [
    tenantId,
    checkId,
    rollupsBefore,
  ]);
  return results.length + rollups.length;
}

/** Every check of every municipality (the retention job). */
export function allCheckKeys(sql: Sql): Promise<{ tenant_id: string; id: string }[]> {
  return sql.query('select tenant_id, id from monitoring_checks order by tenant_id, id');
}

// ---------------------------------------------------------------------------------------------
// Incidents

export interface IncidentRow {
  tenant_id: string;
  id: string;
  check_id: string;
  check_name: string;
  check_published: boolean;
  check_department_code: string | null;
  status: 'open' | 'recovering' | 'closed';
  started_at: Date;
  ended_at: Date | null;
  closed_at: Date | null;
  spells: number;
  failures: number;
  first_detail: string | null;
  last_detail: string | null;
  cause: string | null;
  action: string | null;
  annotated_at: Date | null;
  published_at: Date | null;
  notified_down_at: Date | null;
  notified_up_at: Date | null;
  is_demo: boolean;
}

const INCIDENT_COLUMNS = `i.tenant_id, i.id, i.check_id, c.name as check_name, c.published as check_published, d.code as check_department_code,
  i.status, i.started_at, i.ended_at, i.closed_at, i.spells, i.failures, i.first_detail, i.last_detail, i.cause, i.action,
  i.annotated_at, i.published_at, i.notified_down_at, i.notified_up_at, i.is_demo`;
const INCIDENT_FROM = `monitoring_incidents i join monitoring_checks c on c.tenant_id = i.tenant_id and c.id = i.check_id
  left join departments d on d.tenant_id = c.tenant_id and d.id = c.department_id`;

export function liveIncident(tx: Sql, tenantId: string, checkId: string): Promise<IncidentRow | undefined> {
  return tx.maybeOne<IncidentRow>(`select ${INCIDENT_COLUMNS} from ${INCIDENT_FROM} where i.tenant_id = $1 and i.check_id = $2 and i.status <> 'closed'`, [
    tenantId,
    checkId,
  ]);
}

export function findIncident(sql: Sql, tenantId: string, id: string): Promise<IncidentRow | undefined> {
  return sql.maybeOne<IncidentRow>(`select ${INCIDENT_COLUMNS} from ${INCIDENT_FROM} where i.tenant_id = $1 and i.id = $2`, [tenantId, id]);
}

export async function openIncident(
  tx: Sql,
  tenantId: string,
  checkId: string,
  i: { startedAt: Date; failures: number; detail: string | null; isDemo?: boolean; notified?: boolean },
): Promise<string> {
  const row = await tx.one<{ id: string }>(
    `insert into monitoring_incidents (tenant_id, check_id, status, started_at, failures, first_detail, last_detail, is_demo, notified_down_at)
     values ($1, $2, 'open', $3, $4, $5, $5, $6, case when $7 then now() end) returning id`,
    [tenantId, checkId, i.startedAt, i.failures, i.detail, i.isDemo ?? false, i.notified ?? false],
  );
  return row.id;
}

export async function continueIncident(tx: Sql, tenantId: string, id: string, detail: string | null): Promise<void> {
  await tx.query('update monitoring_incidents set failures = failures + 1, last_detail = coalesce($3, last_detail) where tenant_id = $1 and id = $2', [
    tenantId,
    id,
    detail,
  ]);
}

export async function recoverIncident(tx: Sql, tenantId: string, id: string, endedAt: Date): Promise<void> {
  await tx.query("update monitoring_incidents set status = 'recovering', ended_at = $3 where tenant_id = $1 and id = $2", [tenantId, id, endedAt]);
}

export async function reopenIncident(tx: Sql, tenantId: string, id: string, detail: string | null): Promise<void> {
  await tx.query(
    `update monitoring_incidents set status = 'open', ended_at = null, spells = spells + 1, failures = failures + 1,
       last_detail = coalesce($3, last_detail) where tenant_id = $1 and id = $2`,
    [tenantId, id, detail],
  );
}

export async function closeIncident(tx: Sql, tenantId: string, id: string, closedAt: Date, options: { notified?: boolean } = {}): Promise<void> {
  await tx.query(
    `update monitoring_incidents set status = 'closed', ended_at = coalesce(ended_at, greatest(started_at, $3)), closed_at = greatest(coalesce(ended_at, started_at), $3),
       notified_up_at = case when $4 then coalesce(notified_up_at, now()) else notified_up_at end
     where tenant_id = $1 and id = $2`,
    [tenantId, id, closedAt, options.notified ?? false],
  );
}

export interface IncidentFilter {
  checkIds?: readonly string[];
  /** Only incidents of published checks that are published or still live (the public view). */
  publicOnly?: boolean;
  status?: 'live' | 'closed' | 'unannotated';
  since?: Date;
  limit: number;
  offset: number;
}

function incidentWhere(f: IncidentFilter): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const where: string[] = [];
  if (f.checkIds) {
    params.push(f.checkIds);
    where.push(`i.check_id = any($${params.length + 1}::uuid[])`);
  }
  if (f.publicOnly) where.push(`c.published and (i.published_at is not null or i.status <> 'closed')`);
  if (f.status === 'live') where.push(`i.status <> 'closed'`);
  if (f.status === 'closed') where.push(`i.status = 'closed'`);
  if (f.status === 'unannotated') where.push(`i.status = 'closed' and i.published_at is null`);
  if (f.since) {
    params.push(f.since);
    where.push(`(i.ended_at is null or i.ended_at >= $${params.length + 1})`);
  }
  return { sql: where.length ? ` and ${where.join(' and ')}` : '', params };
}

export async function listIncidents(sql: Sql, tenantId: string, f: IncidentFilter): Promise<{ total: number; rows: IncidentRow[] }> {
  const w = incidentWhere(f);
  const total = await sql.one<{ n: number }>(`select count(*)::int as n from ${INCIDENT_FROM} where i.tenant_id = $1${w.sql}`, [tenantId, ...w.params]);
  const rows = await sql.query<IncidentRow>(
    `select ${INCIDENT_COLUMNS} from ${INCIDENT_FROM} where i.tenant_id = $1${w.sql}
      order by (i.status <> 'closed') desc, i.started_at desc, i.id
      limit $${w.params.length + 2} offset $${w.params.length + 3}`,
    [tenantId, ...w.params, f.limit, f.offset],
  );
  return { total: total.n, rows };
}

export async function annotateIncident(
  tx: Sql,
  tenantId: string,
  id: string,
  a: { cause: string | null; action: string | null; publish: boolean; userId: string; at: Date },
): Promise<void> {
  await tx.query(
    `update monitoring_incidents set cause = $3, action = $4, annotated_at = $6, annotated_by = $7,
       published_at = case when $5 then coalesce(published_at, $6) else null end
     where tenant_id = $1 and id = $2`,
    [tenantId, id, a.cause, a.action, a.publish, a.at, a.userId],
  );
}

export async function annotateDemoIncident(tx: Sql, tenantId: string, id: string, a: { cause: string; action: string; endedAt: Date; at: Date }): Promise<void> {
  await tx.query(
    `update monitoring_incidents set status = 'closed', ended_at = $5, closed_at = $5, cause = $3, action = $4, annotated_at = $6,
       published_at = $6, notified_up_at = now() where tenant_id = $1 and id = $2`,
    [tenantId, id, a.cause, a.action, a.endedAt, a.at],
  );
}

/** Incidents whose mails to administrators are still to be queued (not demo). */
export function incidentsToNotify(sql: Sql, tenantId: string): Promise<IncidentRow[]> {
  return sql.query<IncidentRow>(
    `select ${INCIDENT_COLUMNS} from ${INCIDENT_FROM}
      where i.tenant_id = $1 and not i.is_demo and (i.notified_down_at is null or (i.status = 'closed' and i.notified_up_at is null))
      order by i.started_at limit 20`,
    [tenantId],
  );
}

/** Claims a notice (true once: only one server queues its mails). */
export async function claimNotice(tx: Sql, tenantId: string, id: string, kind: 'down' | 'up', at: Date): Promise<boolean> {
  const column = kind === 'down' ? 'notified_down_at' : 'notified_up_at';
  const rows = await tx.query(`update monitoring_incidents set ${column} = $3 where tenant_id = $1 and id = $2 and ${column} is null returning 1`, [
    tenantId,
    id,
    at,
  ]);
  return rows.length === 1;
}

/** Live incidents and closed ones waiting for an annotation, per check (work items). */
export async function incidentCounts(sql: Sql, tenantId: string, checkIds: readonly string[] | null): Promise<{ live: number; unannotated: number }> {
  return sql.one(
    `select count(*) filter (where i.status <> 'closed')::int as live,
            count(*) filter (where i.status = 'closed' and i.published_at is null and not i.is_demo)::int as unannotated
       from monitoring_incidents i where i.tenant_id = $1 and ($2::uuid[] is null or i.check_id = any($2::uuid[]))`,
    [tenantId, checkIds],
  );
}

// ---------------------------------------------------------------------------------------------
// Maintenance windows

export interface MaintenanceRow {
  id: string;
  starts_at: Date;
  ends_at: Date;
  reason: string;
  all_systems: boolean;
  cancelled_at: Date | null;
  is_demo: boolean;
  created_at: Date;
  check_ids: string[];
}

const MAINTENANCE_COLUMNS = `m.id, m.starts_at, m.ends_at, m.reason, m.all_systems, m.cancelled_at, m.is_demo, m.created_at,
  coalesce((select array_agg(mc.check_id order by mc.check_id) from monitoring_maintenance_checks mc
             where mc.tenant_id = m.tenant_id and mc.maintenance_id = m.id), '{}') as check_ids`;

export async function insertMaintenance(
  tx: Sql,
  tenantId: string,
  m: { startsAt: Date; endsAt: Date; reason: string; checkIds: readonly string[]; createdBy: string | null; isDemo?: boolean },
): Promise<string> {
  const row = await tx.one<{ id: string }>(
    `insert into monitoring_maintenance (tenant_id, starts_at, ends_at, reason, all_systems, created_by, is_demo)
     values ($1, $2, $3, $4, $5, $6, $7) returning id`,
    [tenantId, m.startsAt, m.endsAt, m.reason, m.checkIds.length === 0, m.createdBy, m.isDemo ?? false],
  );
  for (const checkId of m.checkIds) {
    await tx.query('insert into monitoring_maintenance_checks (tenant_id, maintenance_id, check_id) values ($1, $2, $3)', [tenantId, row.id, checkId]);
  }
  return row.id;
}

export function findMaintenance(sql: Sql, tenantId: string, id: string): Promise<MaintenanceRow | undefined> {
  return sql.maybeOne<MaintenanceRow>(`select ${MAINTENANCE_COLUMNS} from monitoring_maintenance m where m.tenant_id = $1 and m.id = $2`, [tenantId, id]);
}

/** Windows (not cancelled) overlapping [from, to), oldest first. */
export function maintenanceOverlapping(sql: Sql, tenantId: string, from: Date, to: Date): Promise<MaintenanceRow[]> {
  return sql.query<MaintenanceRow>(
    `select ${MAINTENANCE_COLUMNS} from monitoring_maintenance m
      where m.tenant_id = $1 and m.cancelled_at is null and m.starts_at < $3 and m.ends_at > $2 order by m.starts_at, m.id`,
    [tenantId, from, to],
  );
}

/** Every window ending after `since`, cancelled ones too, newest start first (the admin list). */
export function listMaintenance(sql: Sql, tenantId: string, since: Date, limit: number, offset: number): Promise<MaintenanceRow[]> {
  return sql.query<MaintenanceRow>(
    `select ${MAINTENANCE_COLUMNS} from monitoring_maintenance m where m.tenant_id = $1 and m.ends_at > $2
      order by m.starts_at desc, m.id limit $3 offset $4`,
    [tenantId, since, limit, offset],
  );
}

export async function countMaintenance(sql: Sql, tenantId: string, since: Date): Promise<number> {
  return (await sql.one<{ n: number }>('select count(*)::int as n from monitoring_maintenance where tenant_id = $1 and ends_at > $2', [tenantId, since])).n;
}

/** True when a window covering the check is in force at `at`. */
export async function inMaintenance(sql: Sql, tenantId: string, checkId: string, at: Date): Promise<boolean> {
  const row = await sql.maybeOne(
    `select 1 from monitoring_maintenance m
      where m.tenant_id = $1 and m.cancelled_at is null and m.starts_at <= $3 and m.ends_at > $3
        and (m.all_systems or exists (select 1 from monitoring_maintenance_checks mc
                                       where mc.tenant_id = m.tenant_id and mc.maintenance_id = m.id and mc.check_id = $2))
      limit 1`,
    [tenantId, checkId, at],
  );
  return row !== undefined;
}

export async function cancelMaintenance(tx: Sql, tenantId: string, id: string, at: Date): Promise<void> {
  await tx.query('update monitoring_maintenance set cancelled_at = $3 where tenant_id = $1 and id = $2', [tenantId, id, at]);
}

export async function endMaintenance(tx: Sql, tenantId: string, id: string, at: Date): Promise<void> {
  await tx.query('update monitoring_maintenance set ends_at = $3 where tenant_id = $1 and id = $2', [tenantId, id, at]);
}

// ---------------------------------------------------------------------------------------------
// Public data version, bumped at most every few minutes while nothing changes state

/** True (and the time noted) when the last such bump is at least `minSeconds` old. */
export async function claimThrottledBump(tx: Sql, tenantId: string, at: Date, minSeconds: number): Promise<boolean> {
  const rows = await tx.query(
    `insert into monitoring_tenant_state (tenant_id, bumped_at) values ($1, $2)
     on conflict (tenant_id) do update set bumped_at = excluded.bumped_at
       where monitoring_tenant_state.bumped_at <= excluded.bumped_at - make_interval(secs => $3)
     returning 1`,
    [tenantId, at, minSeconds],
  );
  return rows.length === 1;
}

/** Notes a bump made for a change of state. */
export async function noteBump(tx: Sql, tenantId: string, at: Date): Promise<void> {
  await tx.query(
    `insert into monitoring_tenant_state (tenant_id, bumped_at) values ($1, $2)
     on conflict (tenant_id) do update set bumped_at = greatest(monitoring_tenant_state.bumped_at, excluded.bumped_at)`,
    [tenantId, at],
  );
}
