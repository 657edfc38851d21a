/**
 * The facilities and series pages through the real stack as a browser without JavaScript
 * sends them: the import form (check, then import), the status form, series entry and
 * approval or rejection by forms; refusals for the wrong people; and the demo data's figures.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { startTestApp, type TestContext } from '../../testing/harness.ts';
import { browserFor, world } from '../proposals/proposals.testing.ts';
import { seedDemoSeries } from '../series/series.seed.ts';
import { totalsAsOf } from './facilities.areas.ts';
import { areaFacts } from './facilities.repository.ts';
import { seedDemoFacilities } from './facilities.seed.ts';

let ctx: TestContext;
const clock = new ManualClock('2026-06-01T01:00:00Z');
before(async () => {
  ctx = await startTestApp({ clock });
});
after(async () => ctx?.close());

/** A multipart form body as a browser sends it. */
function multipart(fields: Record<string, string>, file: { name: string; bytes: Buffer }) {
  const boundary = '----hibiki-test-boundary';
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: text/csv\r\n\r\n`), file.bytes, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, 'fixtures', name));

describe('the import form', () => {
  it('checks a file first, then imports it; a file with errors shows each problem and imports nothing', async () => {
    const w = await world(ctx);
    const { client, csrf } = await browserFor(ctx, w.tenant, w.shisan);
    const send = (mode: string, name: string) => {
      const body = multipart({ _csrf: csrf, mode }, { name, bytes: fixture(name) });
      return client.request({ method: 'POST', url: '/staff/facilities/import', payload: body.payload, headers: { 'content-type': body.contentType, accept: 'text/html' } });
    };
    const checked = await send('dry-run', 'shift-jis-first-edition.csv');
    assert.equal(checked.statusCode, 200);
    assert.match(checked.body, /検査のみ/);
    assert.equal((await w.api('GET', '/api/v1/facilities')).json().total, 0);
    const imported = await send('apply', 'shift-jis-first-edition.csv');
    assert.equal(imported.statusCode, 200);
    assert.match(imported.body, /3行を取り込みました/);
    assert.equal((await w.api('GET', '/api/v1/facilities')).json().total, 3);
    const refused = await send('apply', 'bad-rows.csv');
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /誤りがあるため何も取り込んでいません/);
    assert.match(refused.body, /緯度「91.0」/);
    assert.equal((await w.api('GET', '/api/v1/facilities')).json().total, 3);
  });

  it('is refused to staff outside 資産経営課', async () => {
    const w = await world(ctx);
    const { client } = await browserFor(ctx, w.tenant, w.kyodo);
    assert.equal((await client.get('/staff/facilities/import')).statusCode, 403);
  });
});

describe('the status form', () => {
  it('closes a facility from a date and shows it in the history; a bad date is shown beside the field', async () => {
    const w = await world(ctx);
    await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/facilities/import',
      headers: { host: w.tenant.host, authorization: `Bearer ${w.shisan.token}`, 'content-type': 'text/csv' },
      payload: fixture('shift-jis-first-edition.csv'),
    });
    const id = (await w.api('GET', '/api/v1/facilities')).json().items[0].id as string;
    const { client, csrf } = await browserFor(ctx, w.tenant, w.shisan);
    const bad = await client.submit(`/facilities/${id}/status`, { _csrf: csrf, status: 'closed', on: '2026-13-01', note: '' }, { csrf: null });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /href="#on"/);
    const ok = await client.submit(`/facilities/${id}/status`, { _csrf: csrf, status: 'closed', on: '2026-07-01', note: '老朽化のため' }, { csrf: null });
    assert.equal(ok.statusCode, 303);
    const page = await client.get(`/facilities/${id}?done=1`);
    assert.match(page.body, /状態を変更しました/);
    assert.match(page.body, /老朽化のため/);
    assert.equal((await w.api('GET', `/api/v1/facilities/${id}`)).json().statuses.length, 2);
  });
});

describe('the series forms', () => {
  it('enters a value by the form and lets the plan manager approve one and reject another with a reason', async () => {
    const w = await world(ctx);
    const shokuin = await w.user('staff', 'shokuin');
    const staff = await browserFor(ctx, w.tenant, shokuin);
    for (const value of ['2650', '2651']) {
      const res = await staff.client.submit('/staff/series/values', { _csrf: staff.csrf, series: 'staffCount', asOf: '2019-04-01', value, source: '定員管理調査', note: '' }, { csrf: null });
      assert.equal(res.statusCode, 303);
    }
    const wrong = await staff.client.submit('/staff/series/values', { _csrf: staff.csrf, series: 'ordinaryDebt', asOf: '2019-03-31', value: '1', source: '', note: '' }, { csrf: null });
    assert.equal(wrong.statusCode, 403);
    const pending = (await w.api('GET', '/api/v1/staff/series/pending', w.pm)).json().items as { id: string; value: number }[];
    assert.equal(pending.length, 2);
    const pm = await browserFor(ctx, w.tenant, w.pm);
    assert.equal((await staff.client.submit(`/staff/series/values/${pending[0]!.id}/approve`, { _csrf: staff.csrf }, { csrf: null })).statusCode, 403);
    assert.equal((await pm.client.submit(`/staff/series/values/${pending[0]!.id}/approve`, { _csrf: pm.csrf }, { csrf: null })).statusCode, 303);
    assert.equal((await pm.client.submit(`/staff/series/values/${pending[1]!.id}/reject`, { _csrf: pm.csrf, reason: '' }, { csrf: null })).statusCode, 400);
    assert.equal((await pm.client.submit(`/staff/series/values/${pending[1]!.id}/reject`, { _csrf: pm.csrf, reason: '数値の誤り' }, { csrf: null })).statusCode, 303);
    const values = (await w.api('GET', '/api/v1/series/staffCount')).json().items;
    assert.deepEqual(values.map((v: { value: number }) => v.value), [pending[0]!.value]);
    assert.match((await pm.client.get('/series')).body, /定員管理調査/);
  });
});

describe('the demo data', () => {
  it('holds a register of the plan’s order of magnitude that changes over the years, and series feeding 6-2-1 and 6-2-3', async () => {
    const w = await world(ctx, { plan: true });
    const seedCtx = { config: ctx.config, clock: ctx.deps.clock, deps: ctx.deps };
    await ctx.db.transaction(async (tx) => {
      await seedDemoFacilities(tx, w.tenant, seedCtx);
      await seedDemoFacilities(tx, w.tenant, seedCtx); // idempotent
      await seedDemoSeries(tx, w.tenant, seedCtx);
      await seedDemoSeries(tx, w.tenant, seedCtx);
    });
    const facts = await areaFacts(ctx.db, w.tenant.id);
    const start = totalsAsOf(facts, '2018-03-31');
    const now = totalsAsOf(facts, '2026-06-01');
    assert.ok(start.total > 5_000_000 && start.total < 7_000_000, String(start.total));
    assert.ok(now.total < start.total);
    assert.equal(totalsAsOf(facts, '2017-03-31').total, 0);
    assert.ok(start.demo && start.parks.count === 8);
    const i622 = (await w.api('GET', '/api/v1/indicators/6-2-2')).json();
    assert.ok(i622.history.some((h: { origin: string; asOf: string; demo: boolean }) => h.origin === 'metric' && h.asOf === '2018-03-31' && h.demo));
    assert.ok(i622.history.some((h: { origin: string; asOf: string }) => h.origin === 'record' && h.asOf === '2017-03-31'));
    const i623 = (await w.api('GET', '/api/v1/indicators/6-2-3')).json();
    assert.ok(i623.history.filter((h: { origin: string }) => h.origin === 'metric').length >= 8);
    assert.equal((await w.api('GET', '/api/v1/facilities')).json().total, 176);
    // The plan's section 6-2 page shows the register's totals.
    const section = await ctx.app.inject({ method: 'GET', url: '/plan/sections/6-2', headers: { host: w.tenant.host, accept: 'text/html' } });
    assert.equal(section.statusCode, 200);
    assert.match(section.body, /公共施設の面積（公共施設台帳）/);
    assert.match(section.body, new RegExp(`${new Intl.NumberFormat('ja-JP').format(now.total)} ㎡`));
  });
});
