/** The executive module's own tables: each indicator's last concern, and the digests sent. */
import type { Sql } from '../../core/db/database.ts';
import type { Concern } from './executive.rules.ts';

export interface IndicatorState {
  indicatorCode: string;
  concern: Concern;
  changedAt: Date;
  alertedAt: Date | null;
}

/** The remembered concerns of a plan's indicators. */
export function statesOf(sql: Sql, tenantId: string, planCode: string): Promise<IndicatorState[]> {
  return sql.query<IndicatorState>(
    `select indicator_code as "indicatorCode", concern, changed_at as "changedAt", alerted_at as "alertedAt"
       from executive_indicator_states where tenant_id = $1 and plan_code = $2`,
    [tenantId, planCode],
  );
}

/** One indicator's remembered concern, locked for the change that follows. */
export function lockState(tx: Sql, tenantId: string, planCode: string, indicatorCode: string): Promise<IndicatorState | undefined> {
  return tx.maybeOne<IndicatorState>(
    `select indicator_code as "indicatorCode", concern, changed_at as "changedAt", alerted_at as "alertedAt"
       from executive_indicator_states where tenant_id = $1 and plan_code = $2 and indicator_code = $3 for update`,
    [tenantId, planCode, indicatorCode],
  );
}

/** Remembers a new concern (and when it was mailed, if it was). */
export async function saveState(tx: Sql, tenantId: string, planCode: string, indicatorCode: string, concern: Concern, at: Date, alerted: boolean): Promise<void> {
  await tx.query(
    `insert into executive_indicator_states (tenant_id, plan_code, indicator_code, concern, changed_at, alerted_at)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (tenant_id, plan_code, indicator_code) do update set concern = excluded.concern, changed_at = excluded.changed_at,
       alerted_at = coalesce(excluded.alerted_at, executive_indicator_states.alerted_at)`,
    [tenantId, planCode, indicatorCode, concern, at, alerted ? at : null],
  );
}

/** Claims the month's digest (false when it was already sent): the primary key makes it once. */
export async function claimDigest(tx: Sql, tenantId: string, month: string, at: Date, recipients: number): Promise<boolean> {
  const row = await tx.maybeOne<{ month: string }>(
    `insert into executive_digests (tenant_id, month, sent_at, recipients) values ($1, $2, $3, $4)
     on conflict (tenant_id, month) do nothing returning month`,
    [tenantId, month, at, recipients],
  );
  return !!row;
}

/** The last digest sent, for the page. */
export function lastDigest(sql: Sql, tenantId: string): Promise<{ month: string; sentAt: Date } | undefined> {
  return sql.maybeOne(`select month, sent_at as "sentAt" from executive_digests where tenant_id = $1 order by month desc limit 1`, [tenantId]);
}

/** Whether the month's digest went out. */
export async function digestSent(sql: Sql, tenantId: string, month: string): Promise<boolean> {
  return !!(await sql.maybeOne('select 1 from executive_digests where tenant_id = $1 and month = $2', [tenantId, month]));
}

/** One indicator as it stood when a month's snapshot was taken. */
export interface SnapshotRow {
  indicatorCode: string;
  grade: string | null;
  onTrack: boolean | null;
  latestValue: string | null;
  latestAsOf: string | null;
}

/** Saves a month's snapshot of a plan's indicators (inside the digest's transaction). */
export async function saveSnapshot(tx: Sql, tenantId: string, month: string, planCode: string, rows: readonly SnapshotRow[], at: Date): Promise<void> {
  for (const r of rows) {
    await tx.query(
      `insert into executive_snapshots (tenant_id, month, plan_code, indicator_code, grade, on_track, latest_value, latest_as_of, taken_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict do nothing`,
      [tenantId, month, planCode, r.indicatorCode, r.grade, r.onTrack, r.latestValue, r.latestAsOf, at],
    );
  }
}

/**
 * The newest snapshot of the plan taken on or before `onOrBefore` (or, with `beforeMonth`, the
 * newest of an earlier month); undefined when there is none.
 */
export async function snapshotBefore(
  sql: Sql,
  tenantId: string,
  planCode: string,
  limit: { onOrBefore: Date } | { beforeMonth: string },
): Promise<{ month: string; takenAt: Date; rows: SnapshotRow[] } | undefined> {
  const head = await sql.maybeOne<{ month: string; takenAt: Date }>(
    'onOrBefore' in limit
      ? `select month, max(taken_at) as "takenAt" from executive_snapshots where tenant_id = $1 and plan_code = $2 and taken_at <= $3
          group by month order by month desc limit 1`
      : `select month, max(taken_at) as "takenAt" from executive_snapshots where tenant_id = $1 and plan_code = $2 and month < $3
          group by month order by month desc limit 1`,
    [tenantId, planCode, 'onOrBefore' in limit ? limit.onOrBefore : limit.beforeMonth],
  );
  if (!head) return undefined;
  const rows = await sql.query<SnapshotRow>(
    `select indicator_code as "indicatorCode", grade, on_track as "onTrack", latest_value as "latestValue", to_char(latest_as_of, 'YYYY-MM-DD') as "latestAsOf"
       from executive_snapshots where tenant_id = $1 and plan_code = $2 and month = $3`,
    [tenantId, planCode, head.month],
  );
  return { ...head, rows };
}
