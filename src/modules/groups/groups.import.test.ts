/**
 * Importing a city's existing registry: a Shift_JIS spreadsheet export with its own header
 * names, 和暦 dates and field names; every bad row listed with its line and column and nothing
 * imported while one remains; a dry run that imports nothing; and the command line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { EMBEDDED_ONLY, startTestApp, type TestContext } from '../../testing/harness.ts';
import { readDate, readFields } from './groups.import.ts';
import { world, type World } from './groups.testing.ts';

let ctx: TestContext;
const clock = new ManualClock('2026-06-01T01:00:00Z');
const fixture = path.join(import.meta.dirname, 'fixtures', 'registry-sjis.csv');

before(async () => {
  ctx = await startTestApp({ clock });
});
after(async () => ctx?.close());

const importCsv = (w: World, body: string | Buffer, dryRun = false) =>
  w.api('POST', `/api/v1/groups/import${dryRun ? '?dryRun=true' : ''}`, w.kyodo, body, { 'content-type': 'text/csv' });

const count = async (w: World) => Number((await ctx.db.one<{ n: number }>('select count(*) as n from group_registrations where tenant_id = $1', [w.tenant.id])).n);

const HEADER = '登録番号,団体名,フリガナ,団体の形態,代表者,活動分野,主な活動地域,活動目的,活動内容,設立年月日,会員数,連絡先,登録日,有効期限';

describe('reading a city’s notation', () => {
  it('reads dates in the western and the Japanese calendars', () => {
    assert.equal(readDate('2020/4/1'), '2020-04-01');
    assert.equal(readDate('２０２０年４月１日'), '2020-04-01');
    assert.equal(readDate('H25.3.31'), '2013-03-31');
    assert.equal(readDate('令和元年5月1日'), '2019-05-01');
    assert.equal(readDate('平成22年10月1日'), '2010-10-01');
    assert.equal(readDate('2026/02/30'), null);
    assert.equal(readDate('いつか'), null);
  });

  it('reads activity fields as numbers or as the 別表’s names', () => {
    assert.deepEqual(readFields('7・3'), [7, 3]);
    assert.deepEqual(readFields('19, 2'), [19, 2]);
    assert.deepEqual(readFields('まちづくりの推進を図る活動'), [3]);
    assert.equal(readFields('宇宙開発'), null);
  });
});

describe('importing the registry', () => {
  it('imports a Shift_JIS export with its own headers: numbers, dates and terms kept, an expired one lapsed', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const w = await world(ctx, { plan: true });
    const bytes = readFileSync(fixture);
    const dry = await importCsv(w, bytes, true);
    assert.equal(dry.statusCode, 200, dry.body);
    assert.equal(dry.json().rows, 3);
    assert.equal(dry.json().imported, 0);
    assert.deepEqual(dry.json().problems.filter((p: { severity: string }) => p.severity === 'error'), []);
    assert.ok(dry.json().problems.some((p: { column: string; severity: string }) => p.column === '備考' && p.severity === 'warning'));
    assert.equal(await count(w), 0);
    const res = await importCsv(w, bytes);
    assert.equal(res.json().imported, 3);
    const active = await w.api('GET', '/api/v1/groups?status=active');
    assert.deepEqual(active.json().items.map((i: { number: string }) => i.number).sort(), ['101', '102']);
    const npo = (await w.api('GET', '/api/v1/groups/102')).json();
    assert.equal(npo.legalForm, 'NPO法人');
    assert.deepEqual(npo.fields, [2, 19]);
    assert.equal(npo.foundedOn, '2010-10-01');
    assert.equal(npo.registeredOn, '2021-04-01');
    assert.equal((await w.api('GET', '/api/v1/groups/101')).json().members, 34);
    assert.equal((await w.api('GET', '/api/v1/groups?asOf=2025-03-31')).json().total, 3);
    // The registry's history feeds 6-1-1 from the imported dates on.
    const history = (await w.api('GET', '/api/v1/indicators/6-1-1')).json().history as { origin: string; value: number; asOf: string }[];
    const metric = new Map(history.filter((h) => h.origin === 'metric').map((h) => [h.asOf, Number(h.value)]));
    assert.equal(metric.get('2016-03-31'), 1);
    assert.equal(metric.get('2022-03-31'), 2);
    assert.equal(metric.get('2025-03-31'), 3);
    assert.equal(metric.get('2026-06-01'), 2);
    // The same file again: every number is taken.
    const again = await importCsv(w, bytes);
    assert.equal(again.json().imported, 0);
    assert.equal(again.json().problems.filter((p: { severity: string }) => p.severity === 'error').length, 3);
  });

  it('lists every bad row with its line and column and imports nothing', async () => {
    const w = await world(ctx);
    const csv = [
      `\ufeff${HEADER}`,
      '1,良い会,ヨイカイ,任意団体,良井 一,3,中央地区,目的,内容,2020-04-01,10,a@example.jp,2024-04-01,2027-03-31',
      '2,,ナマエナシ,任意団体,名無 二,3,中央地区,目的,内容,2020-04-01,10,b@example.jp,2024-04-01,2027-03-31',
      '3,分野違いの会,ブンヤチガイノカイ,任意団体,分野 三,21,中央地区,目的,内容,2020-04-01,10,c@example.jp,2024-04-01,2027-03-31',
      '1,番号重複の会,バンゴウジュウフクノカイ,任意団体,重複 四,3,中央地区,目的,内容,2020-04-01,10,d@example.jp,2024-04-01,2027-03-31',
      '5,日付違いの会,ヒヅケチガイノカイ,任意団体,日付 五,3,中央地区,目的,内容,2020-04-01,10,e@example.jp,2026/02/30,2025-03-31',
      '6,良い会,ヨイカイ,任意団体,良井 一,3,中央地区,目的,内容,2020-04-01,10,f@example.jp,2024-04-01,2027-03-31',
      '7,宗教の会,シュウキョウノカイ,宗教法人,宗教 七,3,中央地区,目的,内容,2020-04-01,多数,g@example.jp,2024-04-01,2027-03-31',
    ].join('\r\n');
    const res = await importCsv(w, csv);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().imported, 0);
    const errors = (res.json().problems as { line: number; column: string; severity: string }[]).filter((p) => p.severity === 'error').map((p) => `${p.line}:${p.column}`);
    assert.deepEqual(errors.sort(), ['3:団体名', '4:活動分野', '5:登録番号', '6:登録日', '7:団体名', '8:会員数', '8:団体の形態'].sort());
    assert.equal(await count(w), 0);
    const missing = await importCsv(w, '団体名,フリガナ\r\n会,カイ');
    assert.ok(missing.json().problems.some((p: { line: number; column: string }) => p.line === 1 && p.column === '登録番号'));
    assert.equal((await importCsv(w, '')).statusCode, 400);
    assert.equal((await w.api('POST', '/api/v1/groups/import', w.citizen, csv, { 'content-type': 'text/csv' })).statusCode, 403);
  });
});

describe('hibiki groups import', { skip: EMBEDDED_ONLY }, () => {
  it('checks with --dry-run, refuses a bad file with its lines and a non-zero exit, then imports', () => {
    const root = path.resolve(import.meta.dirname, '../../..');
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hibiki-groups-cli-'));
    const hibiki = (...args: string[]) => {
      const env: NodeJS.ProcessEnv = { ...process.env, HIBIKI_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
      delete env.DATABASE_URL;
      return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, env, encoding: 'utf8' });
    };
    assert.equal(hibiki('seed').status, 0);
    const dry = hibiki('groups', 'import', fixture, '--dry-run');
    assert.equal(dry.status, 0, dry.stdout + dry.stderr);
    assert.match(dry.stdout, /3行を取り込めます/);
    const bad = path.join(dataDir, 'bad.csv');
    writeFileSync(bad, `${HEADER}\n9,,カイ,任意団体,x,3,中央地区,目的,内容,2020-04-01,10,a@example.jp,2024-04-01,2027-03-31\n`);
    const refused = hibiki('groups', 'import', bad);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stdout + refused.stderr, /2行目/);
    const done = hibiki('groups', 'import', fixture);
    assert.equal(done.status, 0, done.stdout + done.stderr);
    assert.match(done.stdout, /3団体を取り込みました/);
  });
});
