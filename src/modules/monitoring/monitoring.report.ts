/**
 * Availability from the stored timeline: per system and pooled, for any range, by day, month
 * or fiscal year; the metric monitoring.availability (indicator 6-3-2); and what the public
 * status page shows. The arithmetic itself is in monitoring.availability.ts.
 */
import { fiscalYearEnd, fiscalYearOf, fiscalYearStart, todayJst, addDays, daysBetween } from '../../core/dates.ts';
import type { Sql } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import type { MetricObservation, MetricQuery } from '../../core/metrics.ts';
import {
  availabilityPercent,
  bucketsOf,
  coverageOf,
  jstDayStart,
  sumTallies,
  tally,
  type BucketKind,
  type Period,
  type Span,
  type Tally,
} from './monitoring.availability.ts';
import * as repo from './monitoring.repository.ts';
import type { AvailabilityQueryInput } from './monitoring.schema.ts';
import './monitoring.messages.ts';

const DAY_MS = 86_400_000;

export interface Figure {
  tally: Tally;
  availability: number | null;
  coverage: number | null;
  /** True when demonstration data contributed. */
  demo: boolean;
}

export interface SystemFigures extends Figure {
  check: repo.CheckRow;
}

export interface BucketFigures {
  key: string;
  from: Date;
  to: Date;
  overall: Figure;
  systems: Map<string, Figure>;
}

export interface AvailabilityResult {
  from: Date;
  to: Date;
  overall: Figure;
  systems: SystemFigures[];
  buckets: BucketFigures[];
}

function figureOf(t: Tally, rangeMs: number, demo: boolean): Figure {
  const measured = t.upMs + t.downMs > 0;
  return { tally: t, availability: availabilityPercent(t), coverage: coverageOf(t, rangeMs), demo: demo && measured };
}

/** The maintenance windows that apply to a check. */
function windowsFor(check: repo.CheckRow, windows: readonly repo.MaintenanceRow[]): Span[] {
  return windows.filter((w) => w.all_systems || w.check_ids.includes(check.id)).map((w) => ({ start: w.starts_at.getTime(), end: w.ends_at.getTime() }));
}

/**
 * Availability of these checks within [from, to) (to is clipped to now): each system's, and
 * the pooled figure of those `pooled` selects (default: the counted ones), optionally by bucket.
 */
export async function availabilityOf(
  sql: Sql,
  tenantId: string,
  checks: readonly repo.CheckRow[],
  range: { from: Date; to: Date; now: Date; by?: BucketKind; pooled?: (c: repo.CheckRow) => boolean },
): Promise<AvailabilityResult> {
  const from = range.from;
  const to = new Date(Math.max(from.getTime(), Math.min(range.to.getTime(), range.now.getTime())));
  const pooled = range.pooled ?? ((c: repo.CheckRow) => c.counted);
  const [periodRows, windows] = await Promise.all([
    repo.periodsOverlapping(sql, tenantId, checks.map((c) => c.id), from, to),
    repo.maintenanceOverlapping(sql, tenantId, from, to),
  ]);
  const byCheck = new Map<string, Period[]>();
  for (const p of periodRows) {
    let list = byCheck.get(p.check_id);
    if (!list) byCheck.set(p.check_id, (list = []));
    list.push({ state: p.state, start: p.started_at.getTime(), end: p.ended_at.getTime() });
  }
  const spansOf = new Map(checks.map((c) => [c.id, windowsFor(c, windows)]));
  const figuresIn = (start: number, end: number) => {
    const systems = new Map<string, Figure>();
    for (const c of checks) systems.set(c.id, figureOf(tally(byCheck.get(c.id) ?? [], spansOf.get(c.id)!, start, end), end - start, c.is_demo));
    const inPool = checks.filter(pooled);
    const overallTally = sumTallies(inPool.map((c) => systems.get(c.id)!.tally));
    const overall = figureOf(overallTally, (end - start) * Math.max(1, inPool.length), inPool.some((c) => systems.get(c.id)!.demo));
    return { systems, overall };
  };
  const whole = figuresIn(from.getTime(), to.getTime());
  const buckets = range.by
    ? bucketsOf(range.by, from.getTime(), to.getTime()).map((b) => ({ key: b.key, from: new Date(b.start), to: new Date(b.end), ...figuresIn(b.start, b.end) }))
    : [];
  return { from, to, overall: whole.overall, systems: checks.map((c) => ({ check: c, ...whole.systems.get(c.id)! })), buckets };
}

/** The public availability read: ?from=&to= JST days (default: this fiscal year to today). */
export async function publicAvailability(sql: Sql, tenantId: string, query: AvailabilityQueryInput, now: Date, lang: Lang) {
  const today = todayJst(now);
  const fromDay = query.from ?? fiscalYearStart(fiscalYearOf(today));
  const toDay = query.to ?? today;
  const errors = [];
  if (fromDay > toDay) errors.push({ path: 'from', message: translate(lang, 'monitoring.error.fromAfterTo') });
  else if (daysBetween(fromDay, toDay) > 1100) errors.push({ path: 'to', message: translate(lang, 'monitoring.error.rangeLong') });
  else if (query.by === 'day' && daysBetween(fromDay, toDay) > 400) errors.push({ path: 'by', message: translate(lang, 'monitoring.error.tooManyDays') });
  if (errors.length) throw new AppError('validation', undefined, errors);
  const all = await repo.listChecks(sql, tenantId);
  let checks: repo.CheckRow[];
  let pooled: (c: repo.CheckRow) => boolean = (c) => c.counted;
  if (query.check) {
    const one = all.find((c) => c.id === query.check && c.published);
    if (!one) throw new AppError('not_found');
    checks = [one];
    pooled = () => true;
  } else {
    checks = all.filter((c) => c.counted || c.published);
  }
  const result = await availabilityOf(sql, tenantId, checks, {
    from: new Date(jstDayStart(fromDay)),
    to: new Date(jstDayStart(addDays(toDay, 1))),
    now,
    by: query.by,
    pooled,
  });
  return { fromDay, toDay, result, unpublishedCounted: query.check ? 0 : checks.filter((c) => c.counted && !c.published).length };
}

/**
 * monitoring.availability: % per fiscal year over the counted systems, dated 31 March, the
 * running year dated today; from the fiscal year after the indicator's baseline date on.
 */
export async function observeAvailability(q: MetricQuery): Promise<Map<string, MetricObservation[]>> {
  const checks = await repo.listChecks(q.sql, q.tenantId, { counted: true });
  const first = await repo.firstRecorded(q.sql, q.tenantId, checks.map((c) => c.id));
  const out = new Map<string, MetricObservation[]>();
  if (!first) {
    for (const b of q.bindings) out.set(b.indicatorCode, []);
    return out;
  }
  const currentFy = fiscalYearOf(q.today);
  const firstFy = fiscalYearOf(todayJst(first));
  const endOfToday = new Date(jstDayStart(addDays(q.today, 1)));
  const result = await availabilityOf(q.sql, q.tenantId, checks, {
    from: new Date(jstDayStart(fiscalYearStart(firstFy))),
    to: endOfToday,
    now: endOfToday,
    by: 'fiscalYear',
  });
  const values: { fy: number; obs: MetricObservation }[] = [];
  for (const b of result.buckets) {
    const fy = Number(b.key);
    if (b.overall.availability === null || fy > currentFy) continue;
    const asOf = fy === currentFy ? q.today : fiscalYearEnd(fy);
    values.push({ fy, obs: { value: b.overall.availability, asOf, demo: b.overall.demo, ...(fy === currentFy ? { note: '年度途中（本日まで） / fiscal year to date' } : {}) } });
  }
  for (const b of q.bindings) {
    out.set(b.indicatorCode, values.filter((v) => b.since === null || fiscalYearEnd(v.fy) > b.since).map((v) => v.obs));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The current state of a system

export type CurrentState = 'up' | 'pending' | 'down' | 'unknown' | 'paused' | 'maintenance';

/**
 * What a system is doing now: its last result while that is fresh (within two intervals),
 * otherwise unknown; paused checks are paused; during planned maintenance, maintenance.
 * A demo check (history only) shows the state its history ends in.
 */
export function currentState(check: repo.CheckRow, now: Date, inMaintenance: boolean, lastDemoState: repo.PeriodRow['state'] | null): CurrentState {
  if (inMaintenance) return 'maintenance';
  if (check.is_demo) return lastDemoState === 'down' ? 'down' : lastDemoState === null || lastDemoState === 'unknown' ? 'unknown' : 'up';
  if (!check.active) return 'paused';
  if (!check.last_checked_at || !check.last_state) return 'unknown';
  const fresh = now.getTime() - check.last_checked_at.getTime() <= 2 * (check.last_interval_seconds ?? check.interval_seconds) * 1000;
  return fresh ? check.last_state : 'unknown';
}

/** Current states of these checks. */
export async function currentStates(sql: Sql, tenantId: string, checks: readonly repo.CheckRow[], now: Date): Promise<Map<string, CurrentState>> {
  const windows = await repo.maintenanceOverlapping(sql, tenantId, now, new Date(now.getTime() + 1));
  const states = new Map<string, CurrentState>();
  for (const c of checks) {
    const demoLast = c.is_demo ? ((await repo.lastPeriod(sql, tenantId, c.id))?.state ?? null) : null;
    states.set(c.id, currentState(c, now, windowsFor(c, windows).length > 0, demoLast));
  }
  return states;
}

// ---------------------------------------------------------------------------------------------
// The public status page

export const HISTORY_DAYS = 90;

export interface StatusOverview {
  now: Date;
  days: string[];
  systems: { check: repo.CheckRow; state: CurrentState; figure: Figure; daily: (number | null)[]; demo: boolean }[];
  overall: Figure;
  live: repo.IncidentRow[];
  recent: repo.IncidentRow[];
  maintenance: repo.MaintenanceRow[];
  demo: boolean;
}

/** Everything /status shows: published systems, their 90 days, incidents and maintenance. */
export async function statusOverview(sql: Sql, tenantId: string, now: Date): Promise<StatusOverview> {
  const checks = await repo.listChecks(sql, tenantId, { published: true });
  const today = todayJst(now);
  const firstDay = addDays(today, -(HISTORY_DAYS - 1));
  const from = new Date(jstDayStart(firstDay));
  const result = await availabilityOf(sql, tenantId, checks, { from, to: now, now, by: 'day', pooled: () => true });
  const days = result.buckets.map((b) => b.key);
  const states = await currentStates(sql, tenantId, checks, now);
  const [live, recent, maintenance] = await Promise.all([
    repo.listIncidents(sql, tenantId, { publicOnly: true, status: 'live', limit: 50, offset: 0 }),
    repo.listIncidents(sql, tenantId, { publicOnly: true, status: 'closed', since: from, limit: 50, offset: 0 }),
    repo.maintenanceOverlapping(sql, tenantId, now, new Date(now.getTime() + 366 * DAY_MS)),
  ]);
  const published = new Set(checks.map((c) => c.id));
  const systems = result.systems.map((s) => ({
    check: s.check,
    state: states.get(s.check.id)!,
    figure: s,
    daily: result.buckets.map((b) => b.systems.get(s.check.id)!.availability),
    demo: s.check.is_demo,
  }));
  return {
    now,
    days,
    systems,
    overall: result.overall,
    live: live.rows,
    recent: recent.rows.filter((i) => i.published_at !== null),
    maintenance: maintenance.filter((m) => m.all_systems || m.check_ids.some((id) => published.has(id))),
    demo: systems.some((s) => s.demo),
  };
}
