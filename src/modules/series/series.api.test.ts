/**
 * The series over HTTP on a real database: entry by the series' department with approval by
 * the plan manager, a later approved value replacing the earlier one for the same date, CSV
 * import validated whole, 6-2-3 derived as debt ÷ population in 万円 (rounded half up to one
 * decimal, inputs beside it), indicators 6-2-1 and 6-2-3 fed by the metrics and the plan's
 * cached reads following an approval.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestContext } from '../../testing/harness.ts';
import { world, type World } from '../proposals/proposals.testing.ts';
import { debtPerCapitaValue } from './series.service.ts';

let ctx: TestContext;
before(async () => {
  ctx = await startTestApp();
});
after(async () => ctx?.close());

async function people(w: World) {
  const [shokuin, zaisei] = await Promise.all([w.user('staff', 'shokuin'), w.user('staff', 'zaisei')]);
  return { shokuin, zaisei };
}

async function enterAndApprove(w: World, who: Awaited<ReturnType<typeof people>>['zaisei'], name: string, value: number, asOf: string) {
  const res = await w.api('POST', `/api/v1/series/${name}/values`, who, { value, asOf, source: '決算書' });
  assert.equal(res.statusCode, 201, res.body);
  const ok = await w.api('POST', `/api/v1/series/values/${res.json().id as string}/approve`, w.pm, {});
  assert.equal(ok.statusCode, 200, ok.body);
}

describe('the derived 6-2-3 value', () => {
  it('divides debt by population in 万円 and rounds half up to one decimal', () => {
    assert.equal(debtPerCapitaValue(100_000_000_000, 331_000), 30.2); // 30.21…
    assert.equal(debtPerCapitaValue(26_000_000, 10), 260);
    assert.equal(debtPerCapitaValue(2_025_000, 1), 202.5);
    assert.equal(debtPerCapitaValue(1_250, 1), 0.1); // 0.125 → 0.1
    assert.equal(debtPerCapitaValue(1_050, 1), 0.1); // 0.105 → 0.1
    assert.equal(debtPerCapitaValue(1_500, 1), 0.2); // 0.15 → 0.2 (half up)
  });
});

describe('entering and approving values', () => {
  it('keeps an entered value pending until the plan manager approves it', async () => {
    const w = await world(ctx);
    const { shokuin } = await people(w);
    const res = await w.api('POST', '/api/v1/series/staffCount/values', shokuin, { value: 2700, asOf: '2019-04-01', note: '4月1日現在', source: '定員管理調査' });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().state, 'pending');
    const items = () => w.api('GET', '/api/v1/series/staffCount').then((r) => r.json().items as { value: number; asOf: string; source: string }[]);
    assert.deepEqual(await items(), []);
    assert.equal((await w.api('GET', '/api/v1/staff/series/pending', shokuin)).json().total, 1);
    // Staff cannot approve; the plan manager can, once.
    assert.equal((await w.api('POST', `/api/v1/series/values/${res.json().id as string}/approve`, shokuin, {})).statusCode, 403);
    assert.equal((await w.api('POST', `/api/v1/series/values/${res.json().id as string}/approve`, w.pm, {})).statusCode, 200);
    assert.equal((await w.api('POST', `/api/v1/series/values/${res.json().id as string}/approve`, w.pm, {})).statusCode, 409);
    assert.deepEqual((await items()).map((v) => [v.asOf, v.value, v.source]), [['2019-04-01', 2700, '定員管理調査']]);
  });

  it('lets only the series department (or the plan manager) enter it, and refuses bad values', async () => {
    const w = await world(ctx);
    const { shokuin, zaisei } = await people(w);
    assert.equal((await w.api('POST', '/api/v1/series/ordinaryDebt/values', shokuin, { value: 1, asOf: '2019-03-31' })).statusCode, 403);
    assert.equal((await w.api('POST', '/api/v1/series/ordinaryDebt/values', w.citizen, { value: 1, asOf: '2019-03-31' })).statusCode, 403);
    assert.equal((await w.api('POST', '/api/v1/series/ordinaryDebt/values', zaisei, { value: -1, asOf: '2019-03-31' })).statusCode, 400);
    assert.equal((await w.api('POST', '/api/v1/series/ordinaryDebt/values', zaisei, { value: 1, asOf: '2019-02-30' })).statusCode, 400);
    assert.equal((await w.api('POST', '/api/v1/series/staffCount/values', shokuin, { value: 2.5, asOf: '2019-04-01' })).statusCode, 400);
    assert.equal((await w.api('POST', '/api/v1/series/unknown/values', w.pm, { value: 1, asOf: '2019-04-01' })).statusCode, 404);
    assert.equal((await w.api('GET', '/api/v1/staff/series/pending', w.pm)).json().total, 0);
  });

  it('replaces the value approved for a date by a later approved one', async () => {
    const w = await world(ctx);
    const { shokuin } = await people(w);
    await enterAndApprove(w, shokuin, 'staffCount', 2700, '2019-04-01');
    await enterAndApprove(w, shokuin, 'staffCount', 2698, '2019-04-01');
    const items = (await w.api('GET', '/api/v1/series/staffCount')).json().items;
    assert.deepEqual(items.map((v: { value: number }) => v.value), [2698]);
  });

  it('imports a CSV whole, or nothing when a row is wrong', async () => {
    const w = await world(ctx);
    const { zaisei } = await people(w);
    const post = (csv: string) =>
      ctx.app.inject({
        method: 'POST',
        url: '/api/v1/series/population/import',
        headers: { host: w.tenant.host, authorization: `Bearer ${zaisei.token}`, 'content-type': 'text/csv', accept: 'application/json' },
        payload: Buffer.from(csv),
      });
    const bad = await post('基準日,値,出典\n2019-03-31,"335,000",住民基本台帳\n2020-03-31,abc,住民基本台帳\n');
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(bad.json().errors.map((e: { path: string }) => e.path), ['line 3: value']);
    assert.equal((await w.api('GET', '/api/v1/staff/series/pending', w.pm)).json().total, 0);
    const good = await post('基準日,値,出典\n2019-03-31,"335,000",住民基本台帳\n２０２０/03/31,３３４０００,住民基本台帳\n');
    assert.equal(good.statusCode, 201, good.body);
    const pending = (await w.api('GET', '/api/v1/staff/series/pending', w.pm)).json().items;
    assert.deepEqual(pending.map((v: { asOf: string; value: number }) => [v.asOf, v.value]), [['2019-03-31', 335000], ['2020-03-31', 334000]]);
  });
});

describe('indicators 6-2-1 and 6-2-3', () => {
  it('show the approved values with their inputs and follow an approval at once', async () => {
    const w = await world(ctx, { plan: true });
    const { shokuin, zaisei } = await people(w);
    await enterAndApprove(w, zaisei, 'ordinaryDebt', 100_000_000_000, '2018-03-31');
    await enterAndApprove(w, zaisei, 'population', 331_000, '2018-04-01');
    const indicator = async (code: string) => (await w.api('GET', `/api/v1/indicators/${code}`)).json();
    const i623 = await indicator('6-2-3');
    assert.equal(i623.source.metric, 'series.debtPerCapita');
    const computed = i623.history.filter((h: { origin: string }) => h.origin === 'metric');
    assert.deepEqual(computed.map((h: { asOf: string; value: number }) => [h.asOf, h.value]), [['2018-03-31', 30.2]]);
    const derived = (await w.api('GET', '/api/v1/series')).json().debtPerCapita;
    assert.deepEqual(derived, [{ asOf: '2018-03-31', value: 30.2, debt: 100_000_000_000, population: 331_000, populationAsOf: '2018-04-01', demo: false }]);

    // The plan's cached read changes as soon as a staff count is approved.
    assert.equal((await indicator('6-2-1')).history.filter((h: { origin: string }) => h.origin === 'metric').length, 0);
    await enterAndApprove(w, shokuin, 'staffCount', 2650, '2018-04-01');
    const i621 = await indicator('6-2-1');
    assert.equal(i621.source.metric, 'series.staffCount');
    assert.deepEqual(i621.latest, { value: 2650, asOf: '2018-04-01', demo: false });
    assert.ok(i621.history.some((h: { origin: string; value: number }) => h.origin === 'metric' && h.value === 2650));
  });
});
