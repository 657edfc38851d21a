/**
 * The monitoring pages through the real stack (forms posted as a browser posts them, with
 * CSRF): the public status page, its feed and incident pages, Hibiki's own check created at
 * an administrator's first visit, the check, maintenance and incident forms with all their
 * errors at once, the plan's section panel and the work items.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SESSION_COOKIE, type Role } from '../../core/auth.ts';
import { ManualClock } from '../../core/clock.ts';
import { createSession } from '../accounts/accounts.sessions.ts';
import { makeUser, type TestUser } from '../../testing/factories.ts';
import { newTenant, startTestApp, TestClient, type TestContext, type TestTenant } from '../../testing/harness.ts';
import { monitoringModule } from './index.ts';
import { recordResult } from './monitoring.runner.ts';

const jst = (s: string) => new Date(`${s}+09:00`);
const DOWN = { ok: false, statusCode: 503, latencyMs: 9, detail: 'HTTP 503 (expected 2xx)' };
const UP = { ok: true, statusCode: 200, latencyMs: 9, detail: null };

describe('monitoring pages', () => {
  let ctx: TestContext;
  const clock = new ManualClock(jst('2026-12-01T09:00:00'));
  before(async () => {
    ctx = await startTestApp({ clock });
  });
  after(async () => ctx.close());

  async function signedIn(tenant: TestTenant, role: Role, departmentCode?: string): Promise<{ client: TestClient; user: TestUser }> {
    const user = await makeUser(ctx.db, tenant, role, departmentCode ? { departmentCode } : {});
    const client = new TestClient(ctx.app, tenant.host);
    client.jar.cookies.set(SESSION_COOKIE, await createSession(ctx.db, tenant.id, user.id, true));
    return { client, user };
  }

  async function demoTenant(): Promise<TestTenant> {
    const tenant = await newTenant(ctx.db);
    await ctx.db.transaction((tx) => monitoringModule.seedDemo!(tx, tenant, { config: ctx.config, clock, deps: ctx.deps }));
    return tenant;
  }

  const errorLinks = (html: string) => [...html.matchAll(/<div class="error-summary"[\s\S]*?<\/div>/g)].flatMap((m) => [...m[0].matchAll(/href="#([^"]+)"/g)].map((x) => x[1]));

  it('shows the status page to everyone: systems, maintenance, the 90-day chart with its table, and the demo marked', async () => {
    clock.set(jst('2026-12-01T09:00:00'));
    const tenant = await demoTenant();
    const anonymous = new TestClient(ctx.app, tenant.host);
    const res = await anonymous.get('/status');
    assert.equal(res.statusCode, 200);
    const html = res.body;
    assert.match(html, /<h1>システム稼働状況<\/h1>/);
    assert.match(html, /class="demo-notice"/);
    for (const name of ['住民情報システム', '電子申請システム', '施設予約システム', 'Hibiki（響き）']) assert.ok(html.includes(name), name);
    assert.match(html, /（デモ）庁内ネットワーク機器の更新に伴う計画停止/, 'the upcoming window');
    assert.match(html, /<svg role="img" aria-labelledby="status-history-title"/);
    const historyRows = /<table class="table--wide history-table">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(html)![1]!.match(/<tr>/g)!.length;
    assert.equal(historyRows, 90, 'one table row per day of the chart');
    assert.match(html, /（デモ）アプリケーションの更新作業で設定に誤りがありました。/, 'a published incident of the last 90 days');
    assert.doesNotMatch(html, /（デモ）回線事業者の設備障害/, 'older incidents are in the feed, not on the page');
    assert.match(html, /application\/atom\+xml/);

    const again = await ctx.app.inject({ method: 'GET', url: '/status', headers: { host: tenant.host, accept: 'text/html', 'if-none-match': res.headers.etag as string } });
    assert.equal(again.statusCode, 304, 'cached for visitors while nothing changes');
    const english = await anonymous.get('/status?lang=en');
    assert.match(english.body, /<h1>System status<\/h1>/);
  });

  it('offers an Atom feed of the published incidents and a page for each, and hides unpublished ones', async () => {
    clock.set(jst('2026-12-01T09:00:00'));
    const tenant = await demoTenant();
    const feed = await ctx.app.inject({ method: 'GET', url: '/status/feed.atom', headers: { host: tenant.host } });
    assert.equal(feed.statusCode, 200);
    assert.match(feed.headers['content-type'] as string, /^application\/atom\+xml/);
    const entries = [...feed.body.matchAll(/<entry>[\s\S]*?<\/entry>/g)].map((m) => m[0]);
    assert.equal(entries.length, 4);
    assert.ok(entries.every((e) => /<id>urn:uuid:[0-9a-f-]{36}<\/id>/.test(e) && e.includes('（デモデータ）')));
    const href = /<link rel="alternate" type="text\/html" href="http:\/\/[^/]+(\/status\/incidents\/[0-9a-f-]+)"\/>/.exec(entries[0]!)![1]!;
    const page = await new TestClient(ctx.app, tenant.host).get(href);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /原因/);

    // A closed incident nobody has published stays off the public pages.
    const { client: admin, user } = await signedIn(tenant, 'admin');
    void admin;
    const id = (await ctx.app.inject({ method: 'POST', url: '/api/v1/monitoring/checks', headers: { host: tenant.host, authorization: `Bearer ${user.token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'z', url: 'https://z.example.jp/', intervalSeconds: 60, timeoutMs: 1000, counted: false, published: true }) })).json().id;
    await ctx.db.transaction((tx) => recordResult(tx, tenant.id, id, jst('2026-12-01T09:00:00'), DOWN));
    for (let m = 1; m <= 6; m++) await ctx.db.transaction((tx) => recordResult(tx, tenant.id, id, jst(`2026-12-01T09:0${m}:00`), UP));
    const incident = await ctx.db.one<{ id: string; status: string }>('select id, status from monitoring_incidents where tenant_id = $1 and check_id = $2', [tenant.id, id]);
    assert.equal(incident.status, 'closed');
    assert.equal((await new TestClient(ctx.app, tenant.host).get(`/status/incidents/${incident.id}`)).statusCode, 404);
  });

  it('creates Hibiki’s own check at an administrator’s first visit, and never again once it is paused or renamed', async () => {
    const tenant = await newTenant(ctx.db);
    const { client } = await signedIn(tenant, 'admin');
    const first = await client.get('/admin/monitoring');
    assert.equal(first.statusCode, 200);
    assert.ok(first.body.includes('Hibiki（響き）'));
    const self = await ctx.db.one<{ id: string; url: string; counted: boolean; published: boolean }>('select id, url, counted, published from monitoring_checks where tenant_id = $1 and is_self', [tenant.id]);
    assert.deepEqual([self.url, self.counted, self.published], [`${ctx.config.publicUrl}/healthz`, true, true]);
    assert.ok(await ctx.db.maybeOne("select 1 from scheduled_jobs where name = 'monitoring.check' and key = $1", [self.id]));

    // Renamed and paused through the form (its URL is not on the form: it follows the configuration).
    const saved = await client.submit(`/admin/monitoring/checks/${self.id}`, { name: 'Hibiki本体', kind: 'http', method: 'GET', intervalSeconds: '60', timeoutMs: '10000', retries: '1', counted: 'on', published: 'on' });
    assert.equal(saved.statusCode, 303, saved.body);
    assert.equal(await ctx.db.maybeOne("select 1 from scheduled_jobs where name = 'monitoring.check' and key = $1", [self.id]), undefined, 'paused: off the scheduler');
    await client.get('/admin/monitoring');
    const all = await ctx.db.query<{ name: string; active: boolean; url: string }>('select name, active, url from monitoring_checks where tenant_id = $1', [tenant.id]);
    assert.deepEqual(all, [{ name: 'Hibiki本体', active: false, url: `${ctx.config.publicUrl}/healthz` }]);
  });

  it('shows every error of the check form at once, keeps what was typed, and adds a valid check', async () => {
    const tenant = await newTenant(ctx.db);
    const { client } = await signedIn(tenant, 'admin');
    assert.equal((await client.get('/admin/monitoring/checks/new')).statusCode, 200);
    const bad = await client.submit('/admin/monitoring/checks/new', { name: '', kind: 'http', url: 'ftp://files.example.jp', method: 'HEAD', keyword: 'OK', intervalSeconds: '５', timeoutMs: 'abc', retries: '1' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /<title>エラー：監視を追加する/);
    assert.deepEqual(errorLinks(bad.body), ['name', 'url', 'keyword', 'intervalSeconds', 'timeoutMs']);
    assert.match(bad.body, /value="ftp:\/\/files.example.jp"/);
    assert.match(bad.body, /id="keyword" name="keyword" type="text" value="OK" autocomplete="off" aria-invalid="true"/);

    const good = await client.submit('/admin/monitoring/checks/new', { name: '図書館システム', kind: 'http', url: 'https://lib.example.jp/', method: 'GET', intervalSeconds: '６０', timeoutMs: '5000', retries: '2', counted: 'on', active: 'on' });
    assert.equal(good.statusCode, 303, good.body);
    const location = good.headers.location as string;
    assert.match(location, /^\/admin\/monitoring\/checks\/[0-9a-f-]+\?done=created$/);
    const page = await client.get(location);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1>図書館システム<\/h1>/);
    assert.match(page.body, /監視を追加しました/);
    const row = await ctx.db.one<{ interval_seconds: number; retries: number; published: boolean }>('select interval_seconds, retries, published from monitoring_checks where tenant_id = $1 and name = $2', [tenant.id, '図書館システム']);
    assert.deepEqual(row, { interval_seconds: 60, retries: 2, published: false });
    // A check without history can be deleted from its page.
    const id = location.split('/')[4]!.split('?')[0]!;
    const deleted = await client.submit(`/admin/monitoring/checks/${id}/delete`, {});
    assert.equal(deleted.headers.location, '/admin/monitoring?done=deleted');
  });

  it('plans maintenance through the form, refusing a start that has passed, and cancels it', async () => {
    clock.set(jst('2026-12-01T09:00:00'));
    const tenant = await newTenant(ctx.db);
    const { client } = await signedIn(tenant, 'admin');
    assert.equal((await client.get('/admin/monitoring/maintenance')).statusCode, 200);
    const bad = await client.submit('/admin/monitoring/maintenance', { start: '2026-12-01T08:00', end: '2026-12-01T07:00', reason: '' });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(errorLinks(bad.body), ['start', 'end', 'reason']);
    assert.match(bad.body, /開始前に登録してください/);
    const ok = await client.submit('/admin/monitoring/maintenance', { start: '2026-12-05 22:00', end: '2026-12-05T23:30', reason: 'ネットワーク機器の更新' });
    assert.equal(ok.headers.location, '/admin/monitoring/maintenance?done=planned');
    const listed = await client.get('/admin/monitoring/maintenance?done=planned');
    assert.match(listed.body, /ネットワーク機器の更新/);
    assert.match(listed.body, /令和8年12月5日 22:00/);
    const id = /action="\/admin\/monitoring\/maintenance\/([0-9a-f-]+)\/stop"/.exec(listed.body)![1]!;
    const stopped = await client.submit(`/admin/monitoring/maintenance/${id}/stop`, {});
    assert.equal(stopped.headers.location, '/admin/monitoring/maintenance?done=stopped');
    assert.match((await client.get('/admin/monitoring/maintenance')).body, /中止/);
  });

  it('lets staff of the responsible department publish an incident’s cause through the form', async () => {
    clock.set(jst('2026-12-01T09:00:00'));
    const tenant = await newTenant(ctx.db);
    const { user: admin } = await signedIn(tenant, 'admin');
    const { client: staff } = await signedIn(tenant, 'staff', 'joho-seisaku');
    const { client: other } = await signedIn(tenant, 'staff', 'zaisei');
    const id = (await ctx.app.inject({ method: 'POST', url: '/api/v1/monitoring/checks', headers: { host: tenant.host, authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ name: '財務会計', url: 'https://zaimu.example.jp/', intervalSeconds: 60, timeoutMs: 1000, counted: true, published: true, department: 'joho-seisaku' }) })).json().id;
    await ctx.db.transaction((tx) => recordResult(tx, tenant.id, id, jst('2026-12-01T09:00:00'), DOWN));
    const incidentId = (await ctx.db.one<{ id: string }>('select id from monitoring_incidents where tenant_id = $1', [tenant.id])).id;

    const list = await staff.get('/staff/monitoring/incidents');
    assert.ok(list.body.includes(`/staff/monitoring/incidents/${incidentId}`));
    assert.ok(!(await other.get('/staff/monitoring/incidents')).body.includes(incidentId), 'another department does not see it');
    assert.equal((await other.get(`/staff/monitoring/incidents/${incidentId}`)).statusCode, 404);
    const page = await staff.get(`/staff/monitoring/incidents/${incidentId}`);
    assert.match(page.body, /HTTP 503 \(expected 2xx\)/, 'staff see the failing detail');

    const noCause = await staff.submit(`/staff/monitoring/incidents/${incidentId}`, { cause: '', action: '再起動しました', published: 'on' });
    assert.equal(noCause.statusCode, 400);
    assert.deepEqual(errorLinks(noCause.body), ['cause']);
    assert.match(noCause.body, /再起動しました/);
    const done = await staff.submit(`/staff/monitoring/incidents/${incidentId}`, { cause: 'ディスクの故障', action: '交換しました', published: 'on' });
    assert.equal(done.headers.location, `/staff/monitoring/incidents/${incidentId}?saved=1`);
    const publicPage = await new TestClient(ctx.app, tenant.host).get(`/status/incidents/${incidentId}`);
    assert.match(publicPage.body, /ディスクの故障/);
    assert.doesNotMatch(publicPage.body, /HTTP 503/, 'the public never sees the internal detail');

    const items = await monitoringModule.workItems!({ sql: ctx.db, tenantId: tenant.id, user: { id: 'u', tenantId: tenant.id, email: 'x', displayName: 'x', role: 'staff', departmentId: 'd', departmentCode: 'joho-seisaku', totpEnabled: true }, lang: 'ja', today: '2026-12-01', now: clock.now() });
    assert.deepEqual(items.map((i) => [i.label, i.count, i.kind, i.href]), [['発生中のシステム障害', 1, 'alert', '/staff/monitoring/incidents?status=live']]);
    const none = await monitoringModule.workItems!({ sql: ctx.db, tenantId: tenant.id, user: { id: 'u', tenantId: tenant.id, email: 'x', displayName: 'x', role: 'staff', departmentId: 'd', departmentCode: 'zaisei', totpEnabled: true }, lang: 'ja', today: '2026-12-01', now: clock.now() });
    assert.deepEqual(none, []);
  });

  it('gives the plan’s section 6-3 a panel of the measured availability per fiscal year', async () => {
    clock.set(jst('2026-12-01T09:00:00'));
    const tenant = await demoTenant();
    const panels = await monitoringModule.sectionPanels!.panels({ sql: ctx.db, tenantId: tenant.id, sectionCode: '6-3', lang: 'ja', today: '2026-12-01' });
    assert.equal(panels.length, 1);
    assert.equal(panels[0]!.heading, '情報システムの可用性（監視による実測）');
    assert.deepEqual(panels[0]!.table.rows[0]!.slice(0, 2), ['令和7年度 (FY2025) （デモデータ）', '99.992%']);
    assert.equal(panels[0]!.demo, true);
    assert.deepEqual(await monitoringModule.sectionPanels!.panels({ sql: ctx.db, tenantId: tenant.id, sectionCode: '6-1', lang: 'ja', today: '2026-12-01' }), []);
  });
});
