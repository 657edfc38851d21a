/**
 * The monitoring API through the real stack: checks and their rules, maintenance windows,
 * availability across a month and fiscal-year boundary (the same outage the pure tests work
 * out by hand, recorded through the runner's own write path), the metric feeding an
 * indicator, incident annotation rights, and the demo.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { makeUser, type TestUser } from '../../testing/factories.ts';
import { newTenant, startTestApp, type TestContext, type TestTenant } from '../../testing/harness.ts';
import { demoPlanDocument } from '../plan/plan.seed.ts';
import { importPlan } from '../plan/plan.service.ts';
import { monitoringModule } from './index.ts';
import type { ProbeResult } from './monitoring.probe.ts';
import { recordResult } from './monitoring.runner.ts';

const UP: ProbeResult = { ok: true, statusCode: 200, latencyMs: 12, detail: null };
const DOWN: ProbeResult = { ok: false, statusCode: 503, latencyMs: 15, detail: 'HTTP 503 (expected 2xx)' };
const jst = (s: string) => new Date(`${s}+09:00`);

describe('monitoring API', () => {
  let ctx: TestContext;
  const clock = new ManualClock('2026-03-31T13:00:00Z');
  before(async () => {
    ctx = await startTestApp({ clock });
  });
  after(async () => ctx.close());

  async function setup(): Promise<{ tenant: TestTenant; admin: TestUser; staff: TestUser; citizen: TestUser }> {
    const tenant = await newTenant(ctx.db);
    const [admin, staff, citizen] = await Promise.all([
      makeUser(ctx.db, tenant, 'admin'),
      makeUser(ctx.db, tenant, 'staff', { departmentCode: 'joho-seisaku' }),
      makeUser(ctx.db, tenant, 'citizen'),
    ]);
    return { tenant, admin, staff, citizen };
  }

  function call(tenant: TestTenant, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, token?: string, payload?: unknown, headers: Record<string, string> = {}) {
    return ctx.app.inject({
      method,
      url,
      headers: { host: tenant.host, ...(token ? { authorization: `Bearer ${token}` } : {}), ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
    });
  }

  const record = (tenantId: string, checkId: string, at: Date, result: ProbeResult) => ctx.db.transaction((tx) => recordResult(tx, tenantId, checkId, at, result));
  const jobRow = (checkId: string) => ctx.db.maybeOne<{ every_seconds: number; run_at: Date }>("select every_seconds, run_at from scheduled_jobs where name = 'monitoring.check' and key = $1", [checkId]);

  it('lets an administrator add a check that goes straight onto the scheduler, and refuses everyone else', async () => {
    clock.set('2026-03-31T13:00:00Z');
    const { tenant, admin, staff, citizen } = await setup();
    const body = { name: 'self', url: 'http://127.0.0.1:9/healthz', intervalSeconds: 10, timeoutMs: 2000, counted: true };
    const res = await call(tenant, 'POST', '/api/v1/monitoring/checks', admin.token, body);
    assert.equal(res.statusCode, 201, res.body);
    const item = res.json();
    assert.equal(item.name, 'self');
    assert.equal(item.kind, 'http');
    assert.equal(item.method, 'GET');
    assert.equal(item.expectedStatus, null);
    assert.equal(item.retries, 0);
    assert.equal(item.counted, true);
    assert.equal(item.published, false);
    assert.equal(item.state, 'unknown');
    assert.deepEqual(await jobRow(item.id), { every_seconds: 10, run_at: clock.now() });
    for (const [who, token, status] of [['a citizen', citizen.token, 403], ['staff', staff.token, 403], ['the anonymous', undefined, 401]] as const) {
      const refused = await call(tenant, 'POST', '/api/v1/monitoring/checks', token, { ...body, name: `x-${who}` });
      assert.equal(refused.statusCode, status, who);
    }
    const list = (await call(tenant, 'GET', '/api/v1/monitoring/checks', admin.token)).json();
    assert.deepEqual(list.items.map((c: { name: string }) => c.name).sort(), ['Hibiki（響き）', 'self'], 'the list creates Hibiki’s own check');
    assert.equal(list.total, 2);
  });

  it('reports every invalid field at once, in the reader’s language, and stores nothing', async () => {
    const { tenant, admin } = await setup();
    const bad = await call(
      tenant,
      'POST',
      '/api/v1/monitoring/checks',
      admin.token,
      { name: '', url: 'x'.repeat(2001), intervalSeconds: 5, timeoutMs: 99, counted: 'yes', retries: 11 },
      { 'accept-language': 'en' },
    );
    assert.equal(bad.statusCode, 400);
    assert.match(bad.headers['content-type'] as string, /application\/problem\+json/);
    const paths = bad.json().errors.map((e: { path: string }) => e.path).sort();
    assert.deepEqual(paths, ['counted', 'intervalSeconds', 'name', 'retries', 'timeoutMs', 'url']);

    const rules = await call(tenant, 'POST', '/api/v1/monitoring/checks', admin.token, {
      name: 'rules',
      kind: 'tcp',
      url: 'tcp://db.example.jp',
      keyword: 'OK',
      intervalSeconds: 10,
      timeoutMs: 20_000,
      counted: false,
    });
    assert.equal(rules.statusCode, 400);
    assert.deepEqual(
      rules.json().errors.map((e: { path: string; message: string }) => [e.path, e.message]),
      [
        ['url', 'ポート番号を指定してください'],
        ['keyword', 'この項目はHTTP(S)の監視でだけ使えます'],
        ['timeoutMs', 'タイムアウトは確認の間隔より短くしてください'],
      ],
    );
    const secret = await call(tenant, 'POST', '/api/v1/monitoring/checks', admin.token, { name: 's', url: 'https://user:pw@example.jp/', intervalSeconds: 60, timeoutMs: 1000, counted: true }, { 'accept-language': 'en' });
    assert.deepEqual(secret.json().errors, [{ path: 'url', message: 'Do not put a user name or password in the URL' }]);
    const rows = await ctx.db.query('select 1 from monitoring_checks where tenant_id = $1', [tenant.id]);
    assert.equal(rows.length, 0);
  });

  it('pauses, resumes and reschedules a check, and deletes one only while it has no history', async () => {
    clock.set('2026-03-31T13:00:00Z');
    const { tenant, admin } = await setup();
    const id = (await call(tenant, 'POST', '/api/v1/monitoring/checks', admin.token, { name: 'a', url: 'https://a.example.jp/', intervalSeconds: 60, timeoutMs: 1000, counted: true })).json().id;
    const paused = await call(tenant, 'PATCH', `/api/v1/monitoring/checks/${id}`, admin.token, { active: false });
    assert.equal(paused.statusCode, 200, paused.body);
    assert.equal(paused.json().state, 'paused');
    assert.equal(await jobRow(id), undefined, 'a paused check is off the scheduler');
    clock.advance(5 * 60_000);
    await call(tenant, 'PATCH', `/api/v1/monitoring/checks/${id}`, admin.token, { active: true, intervalSeconds: 120 });
    assert.deepEqual(await jobRow(id), { every_seconds: 120, run_at: clock.now() });

    await record(tenant.id, id, clock.now(), UP);
    const refused = await call(tenant, 'DELETE', `/api/v1/monitoring/checks/${id}`, admin.token);
    assert.equal(refused.statusCode, 409, 'a check with history is paused, not deleted');
    const fresh = (await call(tenant, 'POST', '/api/v1/monitoring/checks', admin.token, { name: 'b', url: 'https://b.example.jp/', intervalSeconds: 60, timeoutMs: 1000, counted: true })).json().id;
    assert.equal((await call(tenant, 'DELETE', `/api/v1/monitoring/checks/${fresh}`, admin.token)).statusCode, 204);
    assert.equal(await jobRow(fresh), undefined);
    assert.equal((await call(tenant, 'GET', `/api/v1/monitoring/checks/${fresh}`, admin.token)).statusCode, 404);
  });

  it('computes availability across a month and fiscal-year boundary with planned maintenance, as worked out by hand', async () => {
    // The outage of monitoring.availability.test.ts, recorded through the runner: results every
    // 10 minutes from 23:00 on 31 March; down at 23:50, 00:00 and 00:10; up again from 00:20.
    clock.set(jst('2026-03-31T22:00:00'));
    const { tenant, admin } = await setup();
    const id = (await call(tenant, 'POST', '/api/v1/monitoring/checks', admin.token, { name: '住民情報システム', url: 'https://juki.example.jp/', intervalSeconds: 600, timeoutMs: 5000, counted: true, published: true })).json().id;
    const window = await call(tenant, 'POST', '/api/v1/monitoring/maintenance', admin.token, { start: '2026-03-31T23:55:00+09:00', end: '2026-04-01T00:05:00+09:00', reason: '機器更新', systems: [id] });
    assert.equal(window.statusCode, 201, window.body);
    assert.equal(window.json().status, 'upcoming');
    const times = ['23:00', '23:10', '23:20', '23:30', '23:40', '23:50'].map((t) => jst(`2026-03-31T${t}:00`)).concat(['00:00', '00:10', '00:20', '00:30', '00:40', '00:50'].map((t) => jst(`2026-04-01T${t}:00`)));
    for (const [i, at] of times.entries()) await record(tenant.id, id, at, i >= 5 && i <= 7 ? DOWN : UP);
    clock.set(jst('2026-04-01T01:00:00'));

    const fy2025 = (await call(tenant, 'GET', '/api/v1/monitoring/availability?from=2025-04-01&to=2026-03-31')).json();
    // Up 23:00–23:50 = 3000 s; down 23:50–24:00 less 5 min of maintenance = 300 s → 3000 ÷ 3300.
    assert.equal(fy2025.availability, 90.909);
    assert.deepEqual([fy2025.upSeconds, fy2025.downSeconds, fy2025.maintenanceSeconds, fy2025.unknownSeconds], [3000, 300, 300, 0]);
    const fy2026 = (await call(tenant, 'GET', '/api/v1/monitoring/availability')).json();
    // Default range: this fiscal year (from 1 April) to today. Down 00:00–00:20 less 5 min = 900 s; up 00:20–01:00 = 2400 s.
    assert.equal(fy2026.from, '2026-04-01');
    assert.equal(fy2026.availability, 72.7272);
    assert.deepEqual([fy2026.upSeconds, fy2026.downSeconds, fy2026.maintenanceSeconds], [2400, 900, 300]);
    assert.equal(fy2026.checks[0].name, '住民情報システム');
    const months = (await call(tenant, 'GET', '/api/v1/monitoring/availability?from=2026-03-01&to=2026-04-30&by=month')).json();
    assert.deepEqual(months.series.map((s: { period: string; availability: number }) => [s.period, s.availability]), [['2026-03', 90.909], ['2026-04', 72.7272]]);
    // 90 up, 20 down (minutes): 81.8181 %.
    assert.equal(months.availability, 81.8181);

    // Up again from 00:20; by 00:50 it has stayed up for the flap window (3 intervals = 30 min): closed.
    const own = (await call(tenant, 'GET', `/api/v1/monitoring/checks/${id}/incidents`, admin.token)).json();
    assert.equal(own.total, 1);
    const incident = own.items[0];
    assert.deepEqual(
      [incident.status, incident.startedAt, incident.endedAt, incident.durationSeconds, incident.failures, incident.firstDetail],
      ['closed', jst('2026-03-31T23:50:00').toISOString(), jst('2026-04-01T00:20:00').toISOString(), 1800, 3, 'HTTP 503 (expected 2xx)'],
    );
    assert.equal((await call(tenant, 'GET', '/api/v1/monitoring/incidents')).json().total, 0, 'a closed incident is public once published');
    await call(tenant, 'PATCH', `/api/v1/monitoring/incidents/${incident.id}`, admin.token, { cause: '電源装置の故障', published: true });
    const listed = (await call(tenant, 'GET', '/api/v1/monitoring/incidents')).json();
    assert.deepEqual(listed.items.map((i: { id: string; cause: string }) => [i.id, i.cause]), [[incident.id, '電源装置の故障']]);

    const bad = await call(tenant, 'GET', '/api/v1/monitoring/availability?from=2026-05-01&to=2026-04-01&by=week');
    assert.equal(bad.statusCode, 400);
  });

  it('feeds indicator 6-3-2 with a value per fiscal year, dated 31 March and today for the running year', async () => {
    clock.set(jst('2026-03-31T22:00:00'));
    const { tenant, admin } = await setup();
    await importPlan(ctx.db, ctx.deps, tenant, { id: null, label: 'test' }, demoPlanDocument(), 'ja', { demoActuals: true });
    const id = (await call(tenant, 'POST', '/api/v1/monitoring/checks', admin.token, { name: 'x', url: 'https://x.example.jp/', intervalSeconds: 600, timeoutMs: 5000, counted: true })).json().id;
    const uncounted = (await call(tenant, 'POST', '/api/v1/monitoring/checks', admin.token, { name: 'y', url: 'https://y.example.jp/', intervalSeconds: 600, timeoutMs: 5000, counted: false })).json().id;
    // FY2025: up 23:00–23:50, down 23:50–24:00 → 50 ÷ 60 = 83.3333 %. FY2026: down 00:00–00:10, up 00:10–00:20 → 50 %.
    for (const [t, r] of [['2026-03-31T23:00', UP], ['2026-03-31T23:10', UP], ['2026-03-31T23:20', UP], ['2026-03-31T23:30', UP], ['2026-03-31T23:40', UP], ['2026-03-31T23:50', DOWN], ['2026-04-01T00:00', DOWN], ['2026-04-01T00:10', UP]] as const) {
      await record(tenant.id, id, jst(`${t}:00`), r);
      await record(tenant.id, uncounted, jst(`${t}:00`), DOWN);
    }
    clock.set(jst('2026-04-01T00:20:00'));
    const detail = (await call(tenant, 'GET', '/api/v1/indicators/6-3-2')).json();
    assert.deepEqual(detail.source, { kind: 'metric', metric: 'monitoring.availability' });
    const fed = detail.history.filter((h: { origin: string }) => h.origin === 'metric');
    assert.deepEqual(fed.map((h: { value: number; asOf: string; demo: boolean }) => [h.value, h.asOf, h.demo]), [
      [83.3333, '2026-03-31', false],
      [50, '2026-04-01', false],
    ]);
    assert.ok(detail.history.some((h: { origin: string }) => h.origin === 'record'), 'the staff-entered years before stay');
    const listed = (await call(tenant, 'GET', '/api/v1/indicators')).json().items.find((i: { code: string }) => i.code === '6-3-2');
    assert.deepEqual(listed.latest, { value: 50, asOf: '2026-04-01', demo: false });
  });

  it('lets staff of the responsible department annotate and publish an incident, and nobody else', async () => {
    clock.set(jst('2026-05-01T10:00:00'));
    const { tenant, admin, staff, citizen } = await setup();
    const other = await makeUser(ctx.db, tenant, 'staff', { departmentCode: 'shimin-kyodo' });
    const id = (await call(tenant, 'POST', '/api/v1/monitoring/checks', admin.token, { name: '電子申請', url: 'https://s.example.jp/', intervalSeconds: 60, timeoutMs: 1000, counted: true, published: true, department: 'joho-seisaku' })).json().id;
    await record(tenant.id, id, jst('2026-05-01T10:00:00'), UP);
    await record(tenant.id, id, jst('2026-05-01T10:01:00'), DOWN);
    const live = (await call(tenant, 'GET', '/api/v1/monitoring/incidents')).json();
    assert.equal(live.total, 1, 'a live incident of a published system is public at once');
    const incident = live.items[0];
    assert.equal(incident.cause, null);
    assert.equal(incident.firstDetail, undefined, 'the failing detail stays internal');

    assert.equal((await call(tenant, 'PATCH', `/api/v1/monitoring/incidents/${incident.id}`, other.token, { cause: 'x' })).statusCode, 404);
    assert.equal((await call(tenant, 'PATCH', `/api/v1/monitoring/incidents/${incident.id}`, citizen.token, { cause: 'x' })).statusCode, 403);
    const noCause = await call(tenant, 'PATCH', `/api/v1/monitoring/incidents/${incident.id}`, staff.token, { action: '再起動', published: true });
    assert.equal(noCause.statusCode, 400);
    assert.deepEqual(noCause.json().errors.map((e: { path: string }) => e.path), ['cause']);
    const done = await call(tenant, 'PATCH', `/api/v1/monitoring/incidents/${incident.id}`, staff.token, { cause: 'メモリ不足', action: '再起動', published: true });
    assert.equal(done.statusCode, 200, done.body);
    assert.equal(done.json().firstDetail, 'HTTP 503 (expected 2xx)');
    const shown = (await call(tenant, 'GET', `/api/v1/monitoring/incidents/${incident.id}`)).json();
    assert.deepEqual([shown.cause, shown.action, shown.published], ['メモリ不足', '再起動', true]);
    const audit = await ctx.db.query<{ action: string }>("select action from audit_log where tenant_id = $1 and action like 'monitoring.%' order by seq", [tenant.id]);
    assert.deepEqual(audit.map((a) => a.action), ['monitoring.check.create', 'monitoring.incident.publish']);
  });

  it('refuses maintenance entered after it starts, and cancels or ends windows', async () => {
    clock.set(jst('2026-06-01T12:00:00'));
    const { tenant, admin } = await setup();
    const past = await call(tenant, 'POST', '/api/v1/monitoring/maintenance', admin.token, { start: '2026-06-01T11:00:00+09:00', end: '2026-06-01T13:00:00+09:00', reason: '後から' }, { 'accept-language': 'en' });
    assert.equal(past.statusCode, 400);
    assert.deepEqual(past.json().errors, [{ path: 'start', message: 'Plan maintenance before it starts (this start has passed)' }]);
    const reversed = await call(tenant, 'POST', '/api/v1/monitoring/maintenance', admin.token, { start: '2026-06-02T13:00:00', end: '2026-06-02T12:00:00', reason: 'x', systems: ['00000000-0000-4000-8000-000000000000'] });
    assert.deepEqual(reversed.json().errors.map((e: { path: string }) => e.path), ['end', 'systems']);
    const shape = await call(tenant, 'POST', '/api/v1/monitoring/maintenance', admin.token, { start: 'tomorrow', end: '', reason: '' });
    assert.deepEqual(shape.json().errors.map((e: { path: string }) => e.path).sort(), ['end', 'reason', 'start']);

    // Without an offset the time is Japan time.
    const planned = (await call(tenant, 'POST', '/api/v1/monitoring/maintenance', admin.token, { start: '2026-06-02T22:00:00', end: '2026-06-02T23:00:00', reason: '定期保守' })).json();
    assert.equal(planned.start, '2026-06-02T13:00:00.000Z');
    assert.equal(planned.allSystems, true);
    const publicList = (await call(tenant, 'GET', '/api/v1/monitoring/maintenance')).json();
    assert.deepEqual(publicList.items.map((m: { reason: string }) => m.reason), ['定期保守']);
    const cancelled = (await call(tenant, 'POST', `/api/v1/monitoring/maintenance/${planned.id}/stop`, admin.token)).json();
    assert.equal(cancelled.status, 'cancelled');
    assert.equal((await call(tenant, 'GET', '/api/v1/monitoring/maintenance')).json().total, 0);

    const running = (await call(tenant, 'POST', '/api/v1/monitoring/maintenance', admin.token, { start: '2026-06-01T12:00:30+09:00', end: '2026-06-01T14:00:00+09:00', reason: '緊急' })).json();
    clock.set(jst('2026-06-01T12:30:00'));
    const ended = (await call(tenant, 'POST', `/api/v1/monitoring/maintenance/${running.id}/stop`, admin.token)).json();
    assert.deepEqual([ended.status, ended.end], ['over', jst('2026-06-01T12:30:00').toISOString()]);
    assert.equal((await call(tenant, 'POST', `/api/v1/monitoring/maintenance/${running.id}/stop`, admin.token)).statusCode, 409);
  });

  it('seeds demo history once, marked as demo, beside Hibiki’s real own check', async () => {
    clock.set(jst('2026-12-01T09:00:00'));
    const tenant = await newTenant(ctx.db);
    const seed = () => ctx.db.transaction((tx) => monitoringModule.seedDemo!(tx, tenant, { config: ctx.config, clock, deps: ctx.deps }));
    await seed();
    const counts = async () => ctx.db.one<{ checks: number; periods: number; incidents: number; windows: number }>(
      `select (select count(*)::int from monitoring_checks where tenant_id = $1) as checks,
              (select count(*)::int from monitoring_periods where tenant_id = $1) as periods,
              (select count(*)::int from monitoring_incidents where tenant_id = $1) as incidents,
              (select count(*)::int from monitoring_maintenance where tenant_id = $1) as windows`,
      [tenant.id],
    );
    const first = await counts();
    await seed();
    assert.deepEqual(await counts(), first, 'seeding again adds nothing');
    assert.equal(first.checks, 4);
    assert.equal(first.incidents, 4);

    const status = (await call(tenant, 'GET', '/api/v1/monitoring/status')).json();
    const byName = Object.fromEntries(status.systems.map((s: { name: string }) => [s.name, s]));
    assert.deepEqual(Object.keys(byName).sort(), ['Hibiki（響き）', '住民情報システム', '施設予約システム', '電子申請システム']);
    assert.equal(byName['住民情報システム'].demo, true);
    assert.equal(byName['Hibiki（響き）'].demo, false);
    const self = await ctx.db.one<{ id: string; url: string }>('select id, url from monitoring_checks where tenant_id = $1 and is_self', [tenant.id]);
    assert.equal(self.url, `${ctx.config.publicUrl}/healthz`);
    assert.ok(await jobRow(self.id), 'Hibiki’s own check is scheduled');

    // FY2025 in full: 3 systems × 365 days = 94,608,000 s recorded. Down 45 + 80 min = 7,500 s;
    // the runner gap 30 min = 1,800 s unknown; the maintenance window (the 60-minute outage
    // with half an hour either side) 7,200 s excluded. Up = 94,608,000 − 7,500 − 1,800 − 7,200
    // = 94,591,500 s; 94,591,500 ÷ 94,599,000 = 99.99207…% → 99.992.
    const year = (await call(tenant, 'GET', '/api/v1/monitoring/availability?from=2025-04-01&to=2026-03-31')).json();
    assert.deepEqual([year.upSeconds, year.downSeconds, year.unknownSeconds, year.maintenanceSeconds], [94_591_500, 7_500, 1_800, 7_200]);
    assert.equal(year.availability, 99.992);
    assert.equal(year.demo, true);
    const published = (await call(tenant, 'GET', '/api/v1/monitoring/incidents?status=closed')).json();
    assert.equal(published.total, 4);
    assert.ok(published.items.every((i: { demo: boolean; published: boolean; cause: string }) => i.demo && i.published && i.cause.startsWith('（デモ）')));
    const upcoming = (await call(tenant, 'GET', '/api/v1/monitoring/maintenance')).json();
    assert.equal(upcoming.total, 1);
    assert.equal(upcoming.items[0].demo, true);
    assert.equal(upcoming.items[0].allSystems, false, 'the demo window leaves Hibiki’s real record alone');

    const csv = await call(tenant, 'GET', '/opendata/monitoring/availability.csv');
    assert.equal(csv.statusCode, 200);
    const lines = csv.body.split('\n');
    assert.equal(lines[0], '\ufeff月 month,システム system,指標対象 counted,可用性% availability,稼働秒 up_seconds,停止秒 down_seconds,不明秒 unknown_seconds,計画停止秒 maintenance_seconds,デモ demo');
    // August 2025: 住民情報システム down 45 minutes (a demo row).
    assert.ok(lines.some((l) => l.startsWith('2025-08,住民情報システム,1,') && l.includes(',2700,') && l.endsWith(',1')), 'the month of the first outage');
    const json = (await call(tenant, 'GET', '/opendata/monitoring/availability.json')).json();
    assert.equal(json.items.length, (lines.filter((l) => l.trim()).length - 1));
  });

  it('describes its routes in the OpenAPI document', async () => {
    const tenant = await newTenant(ctx.db);
    const doc = (await call(tenant, 'GET', '/api/openapi.json')).json();
    for (const path of ['/api/v1/monitoring/checks', '/api/v1/monitoring/maintenance', '/api/v1/monitoring/availability', '/api/v1/monitoring/incidents/{id}']) assert.ok(doc.paths[path], path);
    assert.ok(doc.paths['/api/v1/monitoring/checks'].post.requestBody, 'the check body is described');
  });
});
