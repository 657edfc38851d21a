/**
 * The runner: each check is its own periodic row of core's scheduler ("monitoring.check",
 * key = the check's id), so whichever app server claims the row runs that check, and only
 * one does per interval. A run probes the system (outside any transaction), then records the
 * result in one transaction: the timeline (monitoring.timeline.ts), the raw result and its
 * hour's rollup, the incident, and the runner's memory on the check. Mails to
 * administrators are queued after that (see sendNotices) and retried by later runs.
 */
import { bumpDataVersion } from '../../core/data-version.ts';
import type { Sql } from '../../core/db/database.ts';
import type { JobDefinition } from '../../core/scheduler.ts';
import type { AppDeps } from '../module.ts';
import { probe, type ProbeResult } from './monitoring.probe.ts';
import * as repo from './monitoring.repository.ts';
import { sendNotices } from './monitoring.notices.ts';
import { classify, coverageFor, flapWindowMs, incidentStep, type ResultState } from './monitoring.timeline.ts';
import type { PeriodState } from './monitoring.availability.ts';

export const CHECK_JOB = 'monitoring.check';
export const RETENTION_JOB = 'monitoring.retention';
export const MONITORING_SCOPE = 'monitoring';

/** While nothing changes state, the public figures are refreshed at most this often. */
const REFRESH_SECONDS = 300;
/** Hourly rollups are kept this long (the timeline, which availability uses, is kept for good). */
const ROLLUP_DAYS = 800;

/** The URL Hibiki's own check calls: the configured public URL's /healthz. */
export function selfCheckUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/$/, '')}/healthz`;
}

/** The jobs of the module. */
export function monitoringJobs(deps: AppDeps): JobDefinition[] {
  return [
    {
      name: CHECK_JOB,
      leaseSeconds: 120,
      // Every check runs every 10 s or more: the run history keeps two days of it.
      keepRunsDays: 2,
      async run({ tenantId, key, now }) {
        if (!tenantId) return 'no municipality';
        return runCheck(deps, tenantId, key, now);
      },
    },
    {
      name: RETENTION_JOB,
      everySeconds: 3600,
      leaseSeconds: 600,
      async run({ now }) {
        return `${await purgeOldResults(deps, now)} rows removed`;
      },
    },
  ];
}

/** Runs one check now: probe, record, notify. Returns a summary for the run history. */
export async function runCheck(deps: AppDeps, tenantId: string, checkId: string, now: Date): Promise<string> {
  const check = await repo.findCheck(deps.db, tenantId, checkId);
  if (!check || !check.active || check.is_demo) return 'not active';
  const url = check.is_self ? selfCheckUrl(deps.config.publicUrl) : check.url;
  const result = await probe(
    { kind: check.kind, url, method: check.method, expectedStatus: check.expected_status, keyword: check.keyword, timeoutMs: check.timeout_ms, tlsMinDays: check.tls_min_days },
    now,
  );
  const state = await deps.db.transaction((tx) => recordResult(tx, tenantId, checkId, now, result));
  await sendNotices(deps, tenantId, now);
  return state ?? 'skipped';
}

/**
 * Records a result taken at `at` (in the caller's transaction). Returns the state recorded,
 * or null when the check is gone, paused, or already has a result at or after `at`.
 */
export async function recordResult(tx: Sql, tenantId: string, checkId: string, at: Date, result: ProbeResult): Promise<ResultState | null> {
  const check = await repo.lockCheck(tx, tenantId, checkId);
  if (!check || !check.active || check.is_demo) return null;
  if (check.last_checked_at && check.last_checked_at.getTime() >= at.getTime()) return null;
  const intervalMs = check.interval_seconds * 1000;
  const previous = check.last_checked_at ? { at: check.last_checked_at.getTime(), intervalMs: check.last_interval_seconds! * 1000 } : null;
  const coverage = coverageFor(previous, at.getTime(), intervalMs);

  // 1. The previous result's period ends where it stops counting; a runner gap is unknown.
  const last = await repo.lastPeriod(tx, tenantId, checkId);
  if (last && coverage.previousEndsAt !== null && coverage.previousEndsAt > last.started_at.getTime()) {
    await repo.setPeriodEnd(tx, tenantId, checkId, last.started_at, new Date(coverage.previousEndsAt));
  }
  if (coverage.unknown) await appendPeriod(tx, tenantId, checkId, 'unknown', new Date(coverage.unknown.start), new Date(coverage.unknown.end));

  // 2. The try's state; a confirmed failure turns its streak's pending time to down, a success forgives it.
  const { state, failures } = classify(result.ok, check.failures, check.retries);
  const streakStart = result.ok ? null : check.failures === 0 ? at : check.streak_started_at!;
  if (state === 'down' && check.last_state === 'pending') await settle(tx, tenantId, checkId, streakStart!, 'down');
  if (state === 'up' && check.last_state === 'pending' && check.streak_started_at) await settle(tx, tenantId, checkId, check.streak_started_at, 'up');
  await appendPeriod(tx, tenantId, checkId, state, at, new Date(coverage.endsAt));

  // 3. The raw result and its hour.
  const maintenance = await repo.inMaintenance(tx, tenantId, checkId, at);
  await repo.insertResult(tx, tenantId, checkId, { at, ok: result.ok, state, statusCode: result.statusCode, latencyMs: result.latencyMs, detail: result.detail, inMaintenance: maintenance });
  await repo.addToRollup(tx, tenantId, checkId, new Date(Math.floor(at.getTime() / 3_600_000) * 3_600_000), result.ok, result.latencyMs);

  // 4. The incident.
  const live = await repo.liveIncident(tx, tenantId, checkId);
  const action = incidentStep(
    live ? { status: live.status as 'open' | 'recovering', endedAt: live.ended_at?.getTime() ?? null } : null,
    { at: at.getTime(), state, streakStart: streakStart?.getTime() ?? null, inMaintenance: maintenance },
    flapWindowMs(check.interval_seconds),
  );
  switch (action.kind) {
    case 'open':
      await repo.openIncident(tx, tenantId, checkId, { startedAt: new Date(action.startedAt), failures, detail: result.detail });
      break;
    case 'continue':
      await repo.continueIncident(tx, tenantId, live!.id, result.detail);
      break;
    case 'recover':
      await repo.recoverIncident(tx, tenantId, live!.id, new Date(action.endedAt));
      break;
    case 'reopen':
      await repo.reopenIncident(tx, tenantId, live!.id, result.detail);
      break;
    case 'close':
      await repo.closeIncident(tx, tenantId, live!.id, at);
      break;
    case 'none':
      break;
  }

  // 5. The runner's memory, and the public figures.
  await repo.saveRunnerState(tx, tenantId, checkId, {
    at,
    intervalSeconds: check.interval_seconds,
    state,
    detail: result.detail,
    failures,
    streakStartedAt: streakStart,
  });
  const changed = state !== check.last_state || coverage.unknown !== null || (action.kind !== 'none' && action.kind !== 'continue');
  if (changed) {
    await bumpDataVersion(tx, tenantId, MONITORING_SCOPE);
    await repo.noteBump(tx, tenantId, at);
  } else if (await repo.claimThrottledBump(tx, tenantId, at, REFRESH_SECONDS)) {
    await bumpDataVersion(tx, tenantId, MONITORING_SCOPE);
  }
  return state;
}

/** Adds [start, end) in `state` to the timeline, extending the last period when it is the same state and touches. */
async function appendPeriod(tx: Sql, tenantId: string, checkId: string, state: PeriodState, start: Date, end: Date): Promise<void> {
  const last = await repo.lastPeriod(tx, tenantId, checkId);
  if (last && last.state === state && last.ended_at.getTime() >= start.getTime()) {
    if (end.getTime() > last.ended_at.getTime()) await repo.setPeriodEnd(tx, tenantId, checkId, last.started_at, end);
    return;
  }
  await repo.insertPeriod(tx, tenantId, checkId, state, start, end);
}

/** Settles a streak's pending periods, then merges neighbours that now share a state. */
async function settle(tx: Sql, tenantId: string, checkId: string, since: Date, to: 'up' | 'down'): Promise<void> {
  await repo.settlePending(tx, tenantId, checkId, since, to);
  const periods = await repo.periodsSince(tx, tenantId, checkId, since);
  let keep = periods[0];
  for (const p of periods.slice(1)) {
    if (keep && p.state === keep.state && p.started_at.getTime() <= keep.ended_at.getTime()) {
      const end = p.ended_at.getTime() > keep.ended_at.getTime() ? p.ended_at : keep.ended_at;
      await repo.deletePeriod(tx, tenantId, checkId, p.started_at);
      await repo.setPeriodEnd(tx, tenantId, checkId, keep.started_at, end);
      keep = { ...keep, ended_at: end };
    } else keep = p;
  }
}

/**
 * Retention: raw results older than the municipality's setting (monitoring.rawRetentionDays)
 * and hourly rollups older than ROLLUP_DAYS go. The timeline stays, so availability for any
 * past day, month or fiscal year is unchanged.
 */
export async function purgeOldResults(deps: AppDeps, now: Date): Promise<number> {
  let removed = 0;
  const days = new Map<string, number>();
  for (const { tenant_id: tenantId, id } of await repo.allCheckKeys(deps.db)) {
    let keepDays = days.get(tenantId);
    if (keepDays === undefined) days.set(tenantId, (keepDays = await deps.settings.get<number>(deps.db, tenantId, RAW_RETENTION_SETTING)));
    const resultsBefore = new Date(now.getTime() - keepDays * 86_400_000);
    const rollupsBefore = new Date(now.getTime() - ROLLUP_DAYS * 86_400_000);
    removed += await deps.db.transaction((tx) => repo.purgeCheckHistory(tx, tenantId, id, resultsBefore, rollupsBefore));
  }
  return removed;
}

export const RAW_RETENTION_SETTING = 'monitoring.rawRetentionDays';
