/**
 * The runner on core's scheduler, driven by a ManualClock and tick(), against a real local
 * HTTP server that the tests take down and bring up: the incident opens and closes, the
 * administrators get both mails, availability changes, a runner gap is unknown, two app
 * instances run each check once per interval, and retention leaves the figures unchanged.
 * The file has a database of its own, so no other test's scheduled rows are claimed here.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { openPostgres, type Db } from '../../core/db/database.ts';
import { createScheduler } from '../../core/scheduler.ts';
import { composePlatform, migratePlatform } from '../../platform.ts';
import { makeUser, type TestUser } from '../../testing/factories.ts';
import { freshDatabase, newTenant, startTestApp, type TestContext, type TestTenant } from '../../testing/harness.ts';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { certificateVerdict } from './monitoring.probe.ts';
import { RAW_RETENTION_SETTING, recordResult, runCheck } from './monitoring.runner.ts';

const jst = (s: string) => new Date(`${s}+09:00`);

/** A local HTTP server standing in for one of the city's systems. */
class Target {
  mode: 'ok' | 'error' | 'slow' | 'wrong-page' = 'ok';
  port = 0;
  private server: http.Server | null = null;

  async start(): Promise<void> {
    const server = http.createServer((_req, res) => {
      if (this.mode === 'error') return res.writeHead(503).end('unavailable');
      if (this.mode === 'wrong-page') return res.writeHead(200, { 'content-type': 'text/plain' }).end('under maintenance');
      const send = () => res.writeHead(200, { 'content-type': 'text/plain' }).end('status: OK');
      if (this.mode === 'slow') setTimeout(send, 1000);
      else send();
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Takes the system down: nothing listens on its port any more. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/health`;
  }
}

describe('the monitoring runner', () => {
  let db: Db & { url?: string };
  let ctx: TestContext;
  const clock = new ManualClock(jst('2026-07-01T10:00:00'));
  const target = new Target();
  const platform = composePlatform();

  before(async () => {
    db = await freshDatabase();
    await migratePlatform(db, platform);
    ctx = await startTestApp({ db, platform, clock });
    await target.start();
  });
  after(async () => {
    await target.stop();
    await ctx?.close();
  });

  const monitoringJobs = (deps = ctx.deps) => platform.jobs(deps).filter((j) => j.name.startsWith('monitoring.'));

  function call(tenant: TestTenant, method: 'GET' | 'POST' | 'PATCH', url: string, token?: string, payload?: unknown) {
    return ctx.app.inject({
      method,
      url,
      headers: { host: tenant.host, ...(token ? { authorization: `Bearer ${token}` } : {}), ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
    });
  }

  async function addCheck(tenant: TestTenant, admin: TestUser, body: Record<string, unknown>): Promise<string> {
    const res = await call(tenant, 'POST', '/api/v1/monitoring/checks', admin.token, { timeoutMs: 2000, counted: true, published: true, ...body });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().id;
  }

  /** Takes a test's checks off the scheduler, so the next test's ticks run only its own. */
  async function pauseAll(tenant: TestTenant, admin: TestUser): Promise<void> {
    for (const c of (await call(tenant, 'GET', '/api/v1/monitoring/checks', admin.token)).json().items) {
      await call(tenant, 'PATCH', `/api/v1/monitoring/checks/${c.id}`, admin.token, { active: false });
    }
  }

  const day = (tenant: TestTenant, date: string) => call(tenant, 'GET', `/api/v1/monitoring/availability?from=${date}&to=${date}`).then((r) => r.json());
  const stateOf = async (tenant: TestTenant, name: string) => (await call(tenant, 'GET', '/api/v1/monitoring/status')).json().systems.find((s: { name: string }) => s.name === name).state;

  it('opens an incident when the server goes down and closes it when it is back, mailing the administrators both times', async () => {
    const T0 = jst('2026-07-01T10:00:00').getTime();
    clock.set(new Date(T0));
    const tenant = await newTenant(db);
    const admin = await makeUser(db, tenant, 'admin');
    await addCheck(tenant, admin, { name: '電子申請システム', url: target.url, intervalSeconds: 60, retries: 1 });
    const scheduler = createScheduler({ db, jobs: monitoringJobs(), clock, owner: 'runner-test' });
    const at = async (seconds: number) => {
      clock.set(new Date(T0 + seconds * 1000));
      assert.equal(await scheduler.tick(), 1, `one run at ${seconds} s`);
    };

    await at(0);
    assert.equal(await stateOf(tenant, '電子申請システム'), 'up');
    await target.stop();
    await at(60); // a first failure is within the retries: pending, counted as up
    assert.equal(await stateOf(tenant, '電子申請システム'), 'pending');
    assert.equal((await day(tenant, '2026-07-01')).availability, 100);
    await at(120); // confirmed: down from 60 s, the first failed try
    assert.equal(await stateOf(tenant, '電子申請システム'), 'down');
    // Up 0–60, down 60–120 (up to now): 60 ÷ 120.
    assert.equal((await day(tenant, '2026-07-01')).availability, 50);
    const live = (await call(tenant, 'GET', '/api/v1/monitoring/incidents')).json();
    assert.equal(live.total, 1);
    assert.equal(live.items[0].status, 'open');
    assert.equal(live.items[0].startedAt, new Date(T0 + 60_000).toISOString());

    await at(180);
    await target.start(); // back on the same port
    await at(240);
    assert.equal((await call(tenant, 'GET', '/api/v1/monitoring/incidents')).json().items[0].status, 'recovering');
    for (const s of [300, 360, 420, 480]) await at(s);
    assert.equal((await call(tenant, 'GET', '/api/v1/monitoring/incidents?status=live')).json().total, 1, 'not closed before five minutes up');
    await at(540); // up since 240 for 300 s: closed
    assert.equal((await call(tenant, 'GET', '/api/v1/monitoring/incidents?status=live')).json().total, 0);

    // Up 0–60 and 240–600, down 60–240: 420 ÷ 600 = 70 %.
    clock.set(new Date(T0 + 600_000));
    const figures = await day(tenant, '2026-07-01');
    assert.deepEqual([figures.availability, figures.upSeconds, figures.downSeconds], [70, 420, 180]);

    const mails = await db.query<{ to_address: string; subject: string; body_text: string }>('select to_address, subject, body_text from mail_outbox where tenant_id = $1 order by created_at', [tenant.id]);
    assert.deepEqual(mails.map((m) => m.to_address), [admin.email, admin.email]);
    assert.match(mails[0]!.subject, /^【障害】電子申請システム が停止しています \/ \[Down\]/);
    assert.match(mails[0]!.body_text, /connection failed \(ECONNREFUSED\)/);
    assert.match(mails[1]!.subject, /^【復旧】電子申請システム が復旧しました/);
    assert.match(mails[1]!.body_text, /継続時間：3分/);
    await pauseAll(tenant, admin);
  });

  it('records a runner gap as unknown, not as up', async () => {
    const T0 = jst('2026-07-02T10:00:00').getTime();
    clock.set(new Date(T0));
    const tenant = await newTenant(db);
    const admin = await makeUser(db, tenant, 'admin');
    const id = await addCheck(tenant, admin, { name: '住民情報システム', url: target.url, intervalSeconds: 60 });
    const scheduler = createScheduler({ db, jobs: monitoringJobs(), clock });
    await scheduler.tick(); // up at 0 s
    clock.set(new Date(T0 + 60_000));
    await db.transaction((tx) => recordResult(tx, tenant.id, id, clock.now(), { ok: false, statusCode: 500, latencyMs: 3, detail: 'HTTP 500 (expected 2xx)' }));
    // The runner stops for an hour: the last result is stale, so the system is unknown.
    clock.set(new Date(T0 + 3_660_000));
    assert.equal(await stateOf(tenant, '住民情報システム'), 'unknown');
    assert.equal(await scheduler.tick(), 1, 'the missed run happens once, not once per missed interval');
    // Up 0–60, down 60–120, unknown 120–3660, up from 3660 (holds to 3720).
    clock.set(new Date(T0 + 3_720_000));
    const figures = await day(tenant, '2026-07-02');
    assert.deepEqual([figures.upSeconds, figures.downSeconds, figures.unknownSeconds], [120, 60, 3540]);
    assert.equal(figures.availability, 66.6666);
    assert.equal(await stateOf(tenant, '住民情報システム'), 'up');
    const runs = await db.query('select 1 from monitoring_results where tenant_id = $1 and check_id = $2', [tenant.id, id]);
    assert.equal(runs.length, 3);
    await pauseAll(tenant, admin);
  });

  it('runs each check exactly once per interval with two app instances on one database', async () => {
    clock.set(jst('2026-07-03T10:00:00'));
    const tenant = await newTenant(db);
    const admin = await makeUser(db, tenant, 'admin');
    const ids = [await addCheck(tenant, admin, { name: 'A', url: target.url, intervalSeconds: 60 }), await addCheck(tenant, admin, { name: 'B', url: target.url, intervalSeconds: 60 }), await addCheck(tenant, admin, { name: 'C', url: target.url, intervalSeconds: 120 })];
    // Two app servers: on PostgreSQL two connection pools; PGlite has one process.
    const second: Db = db.url ? await openPostgres(db.url, 4) : db;
    try {
      const a = createScheduler({ db, jobs: monitoringJobs(), clock, owner: 'server-a' });
      const b = createScheduler({ db: second, jobs: monitoringJobs({ ...ctx.deps, db: second }), clock, owner: 'server-b' });
      for (let interval = 0; interval < 4; interval++) {
        for (let poll = 0; poll < 3; poll++) await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
        clock.advance(60_000);
      }
      const counts = await db.query<{ check_id: string; n: number }>('select check_id, count(*)::int as n from monitoring_results where tenant_id = $1 group by check_id', [tenant.id]);
      const byId = new Map(counts.map((c) => [c.check_id, c.n]));
      assert.deepEqual(ids.map((id) => byId.get(id)), [4, 4, 2], 'four minutes: 4, 4 and (every two minutes) 2 results');
      const runs = await db.query<{ owner: string }>("select owner from job_runs where name = 'monitoring.check' and key = any($1::text[])", [ids]);
      assert.equal(runs.length, 10);
    } finally {
      if (second !== db) await second.close();
    }
    await pauseAll(tenant, admin);
  });

  it('keeps a 10-second check small and the figures unchanged when old results are purged', async () => {
    const T0 = jst('2026-03-31T23:30:00').getTime();
    clock.set(new Date(T0));
    const tenant = await newTenant(db);
    const admin = await makeUser(db, tenant, 'admin');
    const id = await addCheck(tenant, admin, { name: '10秒', url: target.url, intervalSeconds: 10, timeoutMs: 1000 });
    // An hour of results every 10 s across the fiscal year end; down from 23:58:00 to 00:01:00.
    for (let s = 0; s < 3600; s += 10) {
      const at = new Date(T0 + s * 1000);
      const down = at >= jst('2026-03-31T23:58:00') && at < jst('2026-04-01T00:01:00');
      await db.transaction((tx) => recordResult(tx, tenant.id, id, at, down ? { ok: false, statusCode: 503, latencyMs: 5, detail: 'HTTP 503 (expected 2xx)' } : { ok: true, statusCode: 200, latencyMs: 5, detail: null }));
    }
    const stored = await db.one<{ periods: number; results: number; rollups: number }>(
      `select (select count(*)::int from monitoring_periods where tenant_id = $1) as periods,
              (select count(*)::int from monitoring_results where tenant_id = $1) as results,
              (select count(*)::int from monitoring_rollups where tenant_id = $1) as rollups`,
      [tenant.id],
    );
    assert.deepEqual(stored, { periods: 3, results: 360, rollups: 2 }, '360 results, three periods (up, down, up), two hours');

    clock.set(new Date(T0 + 3_600_000));
    const before = [(await day(tenant, '2026-03-31')), (await day(tenant, '2026-04-01'))];
    // 31 March: up 23:30–23:58 = 1680 s, down 120 s. 1 April: down 60 s, up 00:01–00:30 = 1740 s.
    assert.deepEqual(before.map((f) => [f.upSeconds, f.downSeconds]), [[1680, 120], [1740, 60]]);
    const years = async () => [
      (await call(tenant, 'GET', '/api/v1/monitoring/availability?from=2025-04-01&to=2026-03-31')).json().availability,
      (await call(tenant, 'GET', '/api/v1/monitoring/availability?from=2026-04-01&to=2027-03-31')).json().availability,
    ];
    const yearly = await years();
    // FY2025: 1680 ÷ 1800 = 93.3333 %; FY2026: 1740 ÷ 1800 = 96.6666 %.
    assert.deepEqual(yearly, [93.3333, 96.6666]);

    // Three days later, with raw results kept one day: the retention job removes them all.
    await db.transaction((tx) => ctx.deps.settings.save(tx, tenant.id, new Map([[RAW_RETENTION_SETTING, 1]])));
    clock.set(new Date(T0 + 3 * 86_400_000));
    const scheduler = createScheduler({ db, jobs: monitoringJobs().filter((j) => j.name === 'monitoring.retention'), clock });
    await scheduler.register();
    assert.equal(await scheduler.tick(), 1);
    const left = await db.one<{ results: number; rollups: number; periods: number }>(
      `select (select count(*)::int from monitoring_results where tenant_id = $1) as results,
              (select count(*)::int from monitoring_rollups where tenant_id = $1) as rollups,
              (select count(*)::int from monitoring_periods where tenant_id = $1) as periods`,
      [tenant.id],
    );
    assert.deepEqual(left, { results: 0, rollups: 2, periods: 3 });
    assert.deepEqual(await years(), yearly, 'the yearly figures are unchanged');
    assert.deepEqual([(await day(tenant, '2026-03-31')).availability, (await day(tenant, '2026-04-01')).availability], before.map((f) => f.availability));
  });

  it('tells up from down by status, keyword, timeout and TCP connection', async () => {
    const now = jst('2026-07-04T10:00:00');
    clock.set(now);
    const tenant = await newTenant(db);
    const admin = await makeUser(db, tenant, 'admin');
    const web = await addCheck(tenant, admin, { name: 'web', url: target.url, intervalSeconds: 10, timeoutMs: 200, keyword: 'OK' });
    const tcp = await addCheck(tenant, admin, { name: 'tcp', kind: 'tcp', url: `tcp://127.0.0.1:${target.port}`, intervalSeconds: 10, timeoutMs: 500 });
    const teapot = await addCheck(tenant, admin, { name: 'teapot', url: target.url, intervalSeconds: 10, timeoutMs: 500, expectedStatus: 503 });
    const detail = async (id: string) => {
      clock.advance(10_000);
      await runCheck(ctx.deps, tenant.id, id, clock.now());
      const c = (await call(tenant, 'GET', `/api/v1/monitoring/checks/${id}`, admin.token)).json();
      return [c.state, c.lastDetail];
    };
    target.mode = 'ok';
    assert.deepEqual(await detail(web), ['up', null]);
    assert.deepEqual(await detail(tcp), ['up', null]);
    assert.deepEqual(await detail(teapot), ['down', 'HTTP 200 (expected 503)']);
    target.mode = 'wrong-page';
    assert.deepEqual(await detail(web), ['down', 'keyword not found in the response']);
    target.mode = 'slow';
    assert.deepEqual(await detail(web), ['down', 'timed out after 200 ms']);
    target.mode = 'error';
    assert.deepEqual(await detail(web), ['down', 'HTTP 503 (expected 2xx)']);
    assert.deepEqual(await detail(teapot), ['up', null]);
    target.mode = 'ok';
    await target.stop();
    try {
      assert.deepEqual(await detail(tcp), ['down', 'connection failed (ECONNREFUSED)']);
    } finally {
      await target.start();
    }
  });

  it('counts a TLS certificate down when it has fewer days left than asked, or is not trusted', { skip: existsOpenssl() ? false : 'openssl is not installed' }, async () => {
    const now = jst('2026-07-05T12:00:00');
    // 10 days and 13 hours left: 10 whole days.
    assert.deepEqual(certificateVerdict(jst('2026-07-16T01:00:00'), now, 10), { ok: true, detail: 'certificate expires 2026-07-15 (10 days)' });
    assert.equal(certificateVerdict(jst('2026-07-16T01:00:00'), now, 11).ok, false);
    assert.equal(certificateVerdict(jst('2026-07-01T00:00:00'), now, 1).ok, false, 'expired');

    const dir = mkdtempSync(path.join(os.tmpdir(), 'hibiki-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const server = tls.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) }, (socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      clock.set(now);
      const tenant = await newTenant(db);
      const admin = await makeUser(db, tenant, 'admin');
      const id = await addCheck(tenant, admin, { name: 'tls', kind: 'tls', url: `tls://127.0.0.1:${(server.address() as AddressInfo).port}`, intervalSeconds: 60, timeoutMs: 2000 });
      await runCheck(ctx.deps, tenant.id, id, clock.now());
      const c = (await call(tenant, 'GET', `/api/v1/monitoring/checks/${id}`, admin.token)).json();
      assert.deepEqual([c.state, c.tlsMinDays], ['down', 14]);
      assert.match(c.lastDetail, /^connection failed \(.*(SELF_SIGNED|UNABLE_TO_VERIFY).*\)$/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

function existsOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
