/**
 * The facility register over HTTP on a real database: the two real published files (焼津市,
 * first edition; 野々市市, 2024 edition from a CKAN portal) and a Shift_JIS file import with
 * their warnings; a file with bad rows is refused whole; re-imports update with history; area
 * totals as of dates before and after a closure, parks excluded; the open-data round trip;
 * indicator 6-2-2 fed by facilities.totalArea and the plan's cached reads following a closure.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { startTestApp, type TestContext } from '../../testing/harness.ts';
import { world, type World } from '../proposals/proposals.testing.ts';
import { checkDigit, isLocalGovernmentCode, parseLooseNumber, parseTimeOfDay } from './facilities.dataset.ts';

const here = import.meta.dirname;
/** The real published files in shared/data/real beside the repository (or beside its worktree folder). */
const realDir = [path.resolve(here, '../../../../shared/data/real'), path.resolve(here, '../../../../../shared/data/real')].find((d) => existsSync(d)) ?? 'shared/data/real not found';
const real = (name: string) => readFileSync(path.join(realDir, name));
const fixture = (name: string) => readFileSync(path.join(here, 'fixtures', name));
const YAIZU = 'yaizu-222127-koukyou-shisetsu.csv';
const NONOICHI = 'nonoichi-172120-koukyou-shisetsu.csv';

let ctx: TestContext;
const clock = new ManualClock('2026-06-01T01:00:00Z');

before(async () => {
  ctx = await startTestApp({ clock });
});
after(async () => ctx?.close());

/** Posts a file to the import API as the 資産経営課 staff member. */
function upload(w: World, bytes: Buffer, dryRun: boolean, who = w.shisan) {
  return ctx.app.inject({
    method: 'POST',
    url: `/api/v1/facilities/import${dryRun ? '?dryRun=true' : ''}`,
    headers: { host: w.tenant.host, authorization: `Bearer ${who.token}`, 'content-type': 'text/csv', accept: 'application/json' },
    payload: bytes,
  });
}

async function list(w: World, query = '') {
  const res = await w.api('GET', `/api/v1/facilities?limit=500${query}`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as { total: number; items: Record<string, unknown>[] };
}

describe('the dataset rules', () => {
  it('checks the municipality code by its JIS X 0402 check digit', () => {
    assert.equal(checkDigit('22212'), 7);
    assert.equal(isLocalGovernmentCode('222127'), true);
    assert.equal(isLocalGovernmentCode('172120'), true);
    assert.equal(isLocalGovernmentCode('131016'), true);
    assert.equal(isLocalGovernmentCode('222128'), false);
    assert.equal(isLocalGovernmentCode('22212'), false);
  });

  it('reads numbers and times as people write them', () => {
    assert.equal(parseLooseNumber('34.19840 '), 34.1984);
    assert.equal(parseLooseNumber('１，２３４．５'), 1234.5);
    assert.equal(parseLooseNumber('5,913,107㎡'), 5913107);
    assert.equal(parseLooseNumber('4.00E+12'), null);
    assert.equal(parseTimeOfDay('２２：００'), '22:00');
    assert.equal(parseTimeOfDay('9:00'), '09:00');
    assert.equal(parseTimeOfDay('25:00'), null);
  });
});

describe('importing the real published files', () => {
  it('imports 焼津市 (first edition, 230 rows) after a dry run that writes nothing', async () => {
    const w = await world(ctx);
    const dry = await upload(w, real(YAIZU), true);
    assert.equal(dry.statusCode, 200, dry.body);
    assert.deepEqual([dry.json().rows, dry.json().imported, dry.json().created, dry.json().edition], [230, 0, 230, 'first']);
    assert.equal((await list(w)).total, 0);

    const res = await upload(w, real(YAIZU), false);
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual([res.json().rows, res.json().imported, res.json().problems.length], [230, 230, 0]);
    const all = await list(w);
    assert.equal(all.total, 230);
    // Checked by hand against the file: the first row, zero-padded NO kept as text.
    const first = all.items.find((i) => i.externalId === '0000010001')!;
    assert.equal(first.name, '親子ふれあい広場');
    assert.equal(first.nameKana, 'オヤコフレアイヒロバ');
    assert.equal(first.address, '焼津市本町5-6-1');
    assert.equal(first.latitude, 34.8631333);
    assert.equal(first.responsible, '子育て支援課');
    assert.equal(first.status, 'in_service');
    const detail = (await w.api('GET', `/api/v1/facilities/${first.id as string}`)).json();
    assert.match(detail.dataset['利用可能時間特記事項'], /^【開館時間】9:00～17:00/);
    assert.equal(detail.dataset['地方公共団体名'], '静岡県焼津市');
    assert.equal(detail.events[0].kind, 'created');
  });

  it('imports 野々市市 (2024 edition with the portal _id column, BOM, 189 rows) and recognises its parks', async () => {
    const w = await world(ctx);
    const res = await upload(w, real(NONOICHI), false);
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.deepEqual([body.rows, body.imported, body.edition, body.encoding], [189, 189, '2024', 'utf-8-bom']);
    // The one warning: a kana reading with a horizontal bar (―) for the long vowel mark.
    assert.deepEqual(
      body.problems.map((p: { line: number; column: string; severity: string }) => [p.line, p.column, p.severity]),
      [[189, '名称_カナ', 'warning']],
    );
    const all = await list(w);
    assert.equal(all.total, 189);
    const park = all.items.find((i) => i.externalId === 'NN0000017181')!;
    assert.deepEqual([park.name, park.category, park.park], ['新庄東公園', '公園', true]);
    assert.ok(all.items.filter((i) => i.park).length > 100);
    const detail = (await w.api('GET', `/api/v1/facilities/${park.id as string}`)).json();
    assert.equal(detail.dataset['法人番号'], '5000020172120');
    assert.equal(detail.dataset['所在地_町字'], '新庄1丁目');
  });

  it('reads a Shift_JIS file with full-width digits, a line break in a cell and Excel-damaged 法人番号 (warnings, values dropped)', async () => {
    const w = await world(ctx);
    const res = await upload(w, fixture('shift-jis-first-edition.csv'), false);
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.equal(body.encoding, 'shift_jis');
    assert.deepEqual(
      body.problems.map((p: { line: number; column: string; severity: string }) => [p.line, p.column, p.severity]),
      [
        [2, '法人番号', 'warning'],
        [4, '法人番号', 'warning'],
      ],
    );
    const hall = (await list(w)).items.find((i) => i.externalId === '0000000001')!;
    assert.deepEqual([hall.name, hall.floorArea, hall.siteArea, hall.latitude], ['テスト市民会館', 1234.5, 5000, 34.86]);
    const detail = (await w.api('GET', `/api/v1/facilities/${hall.id as string}`)).json();
    assert.equal(detail.dataset['開始時間'], '09:00');
    assert.equal(detail.dataset['終了時間'], '22:00');
    assert.equal(detail.dataset['法人番号'], undefined);
    assert.equal(detail.dataset['利用可能時間特記事項'], '休館日：月曜日\n年末年始');
  });

  it('refuses a file with bad rows whole, listing each problem with its line and column', async () => {
    const w = await world(ctx);
    const res = await upload(w, fixture('bad-rows.csv'), false);
    assert.equal(res.statusCode, 422);
    assert.match(String(res.headers['content-type']), /application\/problem\+json/);
    const body = res.json();
    assert.equal(body.imported, 0);
    const errors = body.problems.filter((p: { severity: string }) => p.severity === 'error').map((p: { line: number; column: string }) => `${p.line}:${p.column}`);
    assert.deepEqual(errors, ['2:都道府県コード又は市区町村コード', '2:緯度', '2:開始時間', '2:延床面積', '2:敷地面積', '3:NO', '3:名称']);
    // Line 4 is valid but nothing was imported.
    assert.equal((await list(w)).total, 0);
    const audit = await ctx.db.query("select 1 from audit_log where tenant_id = $1 and action = 'facilities.import'", [w.tenant.id]);
    assert.equal(audit.length, 0);
  });

  it('refuses the import to citizens and to staff outside 資産経営課', async () => {
    const w = await world(ctx);
    assert.equal((await upload(w, real(YAIZU), false, w.citizen)).statusCode, 403);
    assert.equal((await upload(w, real(YAIZU), false, w.kyodo)).statusCode, 403);
    assert.equal((await list(w)).total, 0);
  });

  it('updates facilities by ID on a re-import, keeps the history and reports those missing from the file', async () => {
    const w = await world(ctx);
    await upload(w, real(YAIZU), false);
    const lines = readFileSync(path.join(realDir, YAIZU), 'utf8').split('\r\n');
    const changed = [lines[0], lines[1]!.replace('親子ふれあい広場', '親子ふれあい広場（改称）'), ...lines.slice(2, 100)].join('\r\n');
    const res = await upload(w, Buffer.from(changed), false);
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.deepEqual([body.created, body.updated, body.unchanged, body.missing.length], [0, 1, 98, 131]);
    assert.equal((await list(w)).total, 230);
    const renamed = (await list(w)).items.find((i) => i.externalId === '0000010001')!;
    const detail = (await w.api('GET', `/api/v1/facilities/${renamed.id as string}`)).json();
    assert.equal(detail.name, '親子ふれあい広場（改称）');
    assert.deepEqual(detail.events.map((e: { kind: string }) => e.kind), ['created', 'updated']);
    assert.deepEqual(detail.events[1].changes.fields.name, ['親子ふれあい広場', '親子ふれあい広場（改称）']);
  });
});

describe('areas as of a date', () => {
  it('counts facilities in service on the day, parks excluded, before and after a closure', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const w = await world(ctx);
    await upload(w, fixture('shift-jis-first-edition.csv'), false);
    const school = (await list(w)).items.find((i) => i.externalId === '0000000003')!;
    const totals = async (asOf: string) => (await w.api('GET', `/api/v1/facilities/totals?asOf=${asOf}`)).json();
    const t0 = await totals('2026-06-01');
    // 1,234.5 + 5,000 (hall) + 4,000 + 10,000 (school); the park's 12,000 is left out.
    assert.equal(t0.total, 20234.5);
    assert.deepEqual(t0.parks, { count: 1, total: 12000 });
    assert.equal(t0.byCategory.find((c: { category: string }) => c.category === '学校教育系施設').total, 14000);
    // Before the register held them: nothing.
    assert.equal((await totals('2026-05-31')).total, 0);

    const closed = await w.api('POST', `/api/v1/facilities/${school.id as string}/status`, w.shisan, { status: 'closed', on: '2026-09-01', note: '統合により閉校' });
    assert.equal(closed.statusCode, 200, closed.body);
    assert.equal((await totals('2026-08-31')).total, 20234.5);
    assert.equal((await totals('2026-09-01')).total, 6234.5);
    const onDay = await list(w, '&asOf=2026-08-31&status=in_service');
    assert.equal(onDay.total, 3);
    assert.equal((await list(w, '&asOf=2026-09-01&status=closed')).total, 1);
    // A status may not be dated before the current one, nor leave a final state.
    assert.equal((await w.api('POST', `/api/v1/facilities/${school.id as string}/status`, w.shisan, { status: 'in_service', on: '2026-08-01' })).statusCode, 400);
    assert.equal((await w.api('POST', `/api/v1/facilities/${school.id as string}/status`, w.shisan, { status: 'demolished', on: '2026-12-01' })).statusCode, 200);
    assert.equal((await w.api('POST', `/api/v1/facilities/${school.id as string}/status`, w.shisan, { status: 'in_service', on: '2027-01-01' })).statusCode, 409);
    assert.equal((await w.api('POST', `/api/v1/facilities/${school.id as string}/status`, w.kyodo, { status: 'closed', on: '2027-01-01' })).statusCode, 403);
  });
});

describe('open data', () => {
  it('writes the 2024 edition with a BOM and the area columns, and imports back unchanged', async () => {
    const w = await world(ctx);
    await upload(w, real(YAIZU), false);
    await upload(w, fixture('shift-jis-first-edition.csv'), false);
    const res = await w.api('GET', '/opendata/facilities.csv');
    assert.equal(res.statusCode, 200);
    assert.ok(res.rawPayload.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])));
    const header = res.body.replace(/^\ufeff/, '').split('\r\n')[0]!.split(',');
    assert.deepEqual(header.slice(0, 3), ['全国地方公共団体コード', 'ID', '地方公共団体名']);
    assert.ok(header.includes('延床面積') && header.includes('敷地面積'));

    const w2 = await world(ctx);
    const first = (await upload(w2, res.rawPayload, false)).json();
    assert.deepEqual([first.rows, first.created, first.edition], [233, 233, '2024']);
    assert.deepEqual(first.problems, []);
    const again = (await upload(w, res.rawPayload, true)).json();
    assert.deepEqual([again.created, again.updated, again.unchanged], [0, 0, 233]);
    const a = (await list(w)).items.map((i) => ({ ...i, id: null }));
    const b = (await list(w2)).items.map((i) => ({ ...i, id: null }));
    assert.deepEqual(b, a);
    const json = (await w.api('GET', '/opendata/facilities.json')).json();
    assert.equal(json.total, 233);
  });
});

describe('indicator 6-2-2', () => {
  it('is fed by facilities.totalArea at each fiscal year end and today, and follows a closure at once', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const w = await world(ctx, { plan: true });
    // In service from 供用開始日 2024-04-01: FY2024 and FY2025 ends, and today.
    const csv = [
      '全国地方公共団体コード,ID,名称,分類,延床面積,敷地面積,供用開始日',
      '222127,A1,テスト庁舎,行政系施設,1000,3000,2024-04-01',
      '222127,A2,テスト小学校,学校教育系施設,4000,10000,2024-04-01',
      '222127,A3,テスト公園,公園,0,50000,2024-04-01',
    ].join('\n');
    assert.equal((await upload(w, Buffer.from(csv), false)).statusCode, 201);
    const indicator = async () => (await w.api('GET', '/api/v1/indicators/6-2-2')).json();
    const before = await indicator();
    assert.equal(before.source.metric, 'facilities.totalArea');
    const computed = before.history.filter((h: { origin: string }) => h.origin === 'metric');
    assert.deepEqual(
      computed.map((h: { asOf: string; value: number }) => [h.asOf, h.value]),
      [
        ['2025-03-31', 18000],
        ['2026-03-31', 18000],
        ['2026-06-01', 18000],
      ],
    );
    assert.deepEqual(before.latest, { value: 18000, asOf: '2026-06-01', demo: false });
    const school = (await list(w)).items.find((i) => i.externalId === 'A2')!;
    await w.api('POST', `/api/v1/facilities/${school.id as string}/status`, w.shisan, { status: 'closed', on: '2026-06-01' });
    assert.equal((await indicator()).latest.value, 4000);
  });
});
