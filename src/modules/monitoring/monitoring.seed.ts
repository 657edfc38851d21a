/**
 * Demo monitoring: Hibiki's own check (real: it runs against the running server) plus
 * demonstration history, marked demo everywhere it shows, for three named systems from the
 * start of the previous fiscal year to the moment of seeding — a few outages with their
 * published cause and action, a runner gap, and planned maintenance windows (one during an
 * outage, one still to come). Demo checks hold history only and never run. Idempotent.
 */
import { addDays, fiscalYearOf, fiscalYearStart, todayJst } from '../../core/dates.ts';
import { bumpDataVersion } from '../../core/data-version.ts';
import type { Sql } from '../../core/db/database.ts';
import type { Tenant } from '../../core/tenancy.ts';
import type { SeedContext } from '../module.ts';
import { jstDayStart } from './monitoring.availability.ts';
import { ensureSelfCheck } from './monitoring.checks.ts';
import * as repo from './monitoring.repository.ts';
import { MONITORING_SCOPE } from './monitoring.runner.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

interface DemoEvent {
  /** When it began: days after the previous fiscal year began, or days before now. */
  at: { fromHistoryStart: number } | { beforeNow: number };
  /** Hour and minute of the day (JST). */
  time: [number, number];
  minutes: number;
  state: 'down' | 'unknown';
  detail?: string;
  cause?: string;
  action?: string;
  /** Inside planned maintenance (no incident; excluded from availability). */
  maintenance?: string;
}

interface DemoSystem {
  name: string;
  url: string;
  department: string;
  counted: boolean;
  events: DemoEvent[];
}

const SYSTEMS: DemoSystem[] = [
  {
    name: '住民情報システム',
    url: 'https://juki.demo.hibiki.example/healthz',
    department: 'joho-seisaku',
    counted: true,
    events: [
      {
        at: { fromHistoryStart: 131 },
        time: [10, 15],
        minutes: 45,
        state: 'down',
        detail: 'HTTP 503 (expected 2xx)',
        cause: '（デモ）データベースサーバーのディスク容量が不足し、応答できなくなりました。',
        action: '（デモ）不要なログを削除して容量を確保し、容量監視の閾値を見直しました。',
      },
      {
        at: { fromHistoryStart: 200 },
        time: [22, 30],
        minutes: 60,
        state: 'down',
        maintenance: '（デモ）住民情報システムの定期保守（OSの更新）',
      },
    ],
  },
  {
    name: '電子申請システム',
    url: 'https://shinsei.demo.hibiki.example/',
    department: 'joho-seisaku',
    counted: true,
    events: [
      {
        at: { fromHistoryStart: 290 },
        time: [14, 0],
        minutes: 80,
        state: 'down',
        detail: 'timed out after 10000 ms',
        cause: '（デモ）回線事業者の設備障害により、庁外からの接続が途絶しました。',
        action: '（デモ）事業者による復旧を確認しました。予備回線への切替手順を整備します。',
      },
      {
        at: { beforeNow: 12 },
        time: [18, 5],
        minutes: 12,
        state: 'down',
        detail: 'HTTP 502 (expected 2xx)',
        cause: '（デモ）アプリケーションの更新作業で設定に誤りがありました。',
        action: '（デモ）設定を元に戻しました。更新前の確認手順に項目を追加しました。',
      },
    ],
  },
  {
    name: '施設予約システム',
    url: 'https://yoyaku.demo.hibiki.example/',
    department: 'shisan-keiei',
    counted: true,
    events: [
      { at: { fromHistoryStart: 60 }, time: [3, 0], minutes: 30, state: 'unknown' },
      {
        at: { beforeNow: 40 },
        time: [9, 30],
        minutes: 25,
        state: 'down',
        detail: 'connection failed (ECONNREFUSED)',
        cause: '（デモ）サーバーの自動更新後、サービスが起動しませんでした。',
        action: '（デモ）サービスを再起動し、自動起動の設定を修正しました。',
      },
    ],
  },
];

/** Seeds the demo (once: later runs find the demo checks and change nothing). */
export async function seedDemoMonitoring(tx: Sql, tenant: Tenant, ctx: SeedContext): Promise<string[]> {
  await ensureSelfCheck(tx, ctx, tenant.id, 'seed');
  const existing = await repo.listChecks(tx, tenant.id);
  if (existing.some((c) => c.is_demo)) return [];
  const now = ctx.clock.now();
  const today = todayJst(now);
  const historyStartDay = fiscalYearStart(fiscalYearOf(today) - 1);
  const historyStart = jstDayStart(historyStartDay);
  const historyEnd = Math.floor(now.getTime() / MIN) * MIN;
  const instant = (e: DemoEvent) => {
    const day = 'fromHistoryStart' in e.at ? addDays(historyStartDay, e.at.fromHistoryStart) : addDays(today, -e.at.beforeNow);
    return jstDayStart(day) + e.time[0] * HOUR + e.time[1] * MIN;
  };

  const demoIds: string[] = [];
  for (const system of SYSTEMS) {
    const checkId = await repo.insertCheck(
      tx,
      tenant.id,
      {
        name: system.name,
        kind: 'http',
        url: system.url,
        method: 'GET',
        expectedStatus: null,
        keyword: null,
        intervalSeconds: 60,
        timeoutMs: 10_000,
        retries: 1,
        tlsMinDays: null,
        counted: system.counted,
        published: true,
        departmentCode: system.department,
        active: false,
      },
      { isDemo: true },
    );
    demoIds.push(checkId);
    const events = system.events
      .map((e) => ({ e, start: instant(e), end: instant(e) + e.minutes * MIN }))
      .filter((x) => x.start > historyStart && x.end < historyEnd - HOUR)
      .sort((a, b) => a.start - b.start);
    let cursor = historyStart;
    for (const { e, start, end } of events) {
      if (start > cursor) await repo.insertPeriod(tx, tenant.id, checkId, 'up', new Date(cursor), new Date(start));
      await repo.insertPeriod(tx, tenant.id, checkId, e.state, new Date(start), new Date(end));
      cursor = end;
      if (e.maintenance) {
        // Planned an hour before the outage it covers, with half an hour either side.
        await repo.insertMaintenance(tx, tenant.id, {
          startsAt: new Date(start - 30 * MIN),
          endsAt: new Date(end + 30 * MIN),
          reason: e.maintenance,
          checkIds: [checkId],
          createdBy: null,
          isDemo: true,
        });
      } else if (e.state === 'down') {
        const incidentId = await repo.openIncident(tx, tenant.id, checkId, { startedAt: new Date(start), failures: e.minutes, detail: e.detail ?? null, isDemo: true, notified: true });
        await repo.annotateDemoIncident(tx, tenant.id, incidentId, { cause: e.cause!, action: e.action!, endedAt: new Date(end), at: new Date(Math.min(end + DAY, historyEnd)) });
      }
    }
    if (historyEnd > cursor) await repo.insertPeriod(tx, tenant.id, checkId, 'up', new Date(cursor), new Date(historyEnd));
  }

  // Upcoming: the demo systems, a week from today, 22:00–24:00 JST (Hibiki's own real record is left alone).
  const upcoming = jstDayStart(addDays(today, 7)) + 22 * HOUR;
  await repo.insertMaintenance(tx, tenant.id, {
    startsAt: new Date(upcoming),
    endsAt: new Date(upcoming + 2 * HOUR),
    reason: '（デモ）庁内ネットワーク機器の更新に伴う計画停止',
    checkIds: demoIds,
    createdBy: null,
    isDemo: true,
  });
  await bumpDataVersion(tx, tenant.id, MONITORING_SCOPE);
  return [];
}
