/**
 * The open-data catalogue against what is actually served: every listed file answers 200 with
 * exactly the listed CSV header (or JSON fields), every open-data route the modules declare is
 * listed, and the licence (CC BY 4.0 unless the municipality chose another) is stated.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureDepartment } from '../../core/tenancy.ts';
import { DEMO_DEPARTMENTS } from '../../seed.ts';
import { loadAccessTables } from '../../testing/access-table.ts';
import { newTenant, startTestApp, type TestContext, type TestTenant } from '../../testing/harness.ts';
import { DATASETS } from './executive.datasets.ts';
import { LICENCE, LICENCES } from './executive.service.ts';

describe('open-data catalogue', () => {
  let ctx: TestContext;
  let tenant: TestTenant;
  let surveys: string[] = [];

  before(async () => {
    ctx = await startTestApp();
    tenant = await newTenant(ctx.db);
    await ctx.db.transaction(async (tx) => {
      for (const d of DEMO_DEPARTMENTS) await ensureDepartment(tx, tenant.id, d);
      for (const m of ctx.platform.modules) await m.seedDemo?.(tx, tenant, { config: ctx.config, clock: ctx.deps.clock, deps: ctx.deps });
    });
    const json = (await ctx.app.inject({ url: '/opendata/catalogue.json', headers: { host: tenant.host } })).json() as { datasets: { id: string; instances?: { code: string }[] }[] };
    surveys = json.datasets.find((d) => d.id === 'survey-answers')?.instances?.map((i) => i.code) ?? [];
  });
  after(async () => ctx?.close());

  const get = (url: string, headers: Record<string, string> = {}) => ctx.app.inject({ url, headers: { host: tenant.host, ...headers } });

  it('lists files that answer 200 with exactly the listed columns', async () => {
    assert.ok(surveys.length > 0, 'the demo has published surveys');
    let checked = 0;
    for (const d of DATASETS) {
      for (const f of d.files) {
        const urls = d.perSurvey ? surveys.map((code) => f.href.replace('{code}', code)) : [f.href];
        for (const url of urls) {
          const res = await get(url);
          assert.equal(res.statusCode, 200, url);
          if (f.format === 'CSV') {
            assert.match(String(res.headers['content-type']), /^text\/csv/, url);
            assert.ok(res.body.startsWith('\uFEFF'), `${url} starts with a BOM`);
            const header = res.body.slice(1).split(/\r?\n/)[0]!.split(',');
            if (f.variable) {
              // Fixed columns around the per-question ones (before the last).
              assert.deepEqual([...header.slice(0, f.columns.length - 1), header.at(-1)], [...f.columns], url);
            } else assert.deepEqual(header, [...f.columns], url);
          } else {
            assert.match(String(res.headers['content-type']), /^application\/json/, url);
            const body = res.json() as { items?: Record<string, unknown>[] } & Record<string, unknown>;
            // `license` is stated in every JSON file (next test), beside the dataset's own fields.
            const fields = f.of === 'document' ? Object.keys(body).filter((k) => k !== 'license') : Object.keys(body.items?.[0] ?? {});
            assert.ok(f.of === 'document' || (body.items?.length ?? 0) > 0, `${url} has entries to compare`);
            assert.deepEqual(fields, [...f.columns], url);
          }
          checked++;
        }
      }
    }
    assert.ok(checked >= 20, `${checked} files checked`);
  });

  /** Every file the catalogue lists, per-survey files once per published survey. */
  const files = () =>
    DATASETS.flatMap((d) => d.files.flatMap((f) => (d.perSurvey ? surveys.map((code) => f.href.replace('{code}', code)) : [f.href]).map((url) => ({ url, format: f.format }))));

  it('states the licence in every file: a license field in JSON, a Link rel="license" header on every file', async () => {
    const expectLicence = async (licence: { id: string; name: string; url: string }) => {
      for (const { url, format } of files()) {
        const res = await get(url);
        assert.equal(res.statusCode, 200, url);
        assert.equal(res.headers.link, `<${licence.url}>; rel="license"`, `${url}: Link header`);
        if (format === 'JSON') assert.deepEqual((res.json() as { license?: unknown }).license, licence, `${url}: license field`);
      }
    };
    assert.ok(files().length >= 20);
    await expectLicence({ id: 'cc-by-4.0', name: 'CC BY 4.0', url: 'https://creativecommons.org/licenses/by/4.0/deed.ja' });
    assert.equal((await get('/opendata/catalogue.json')).headers.link, '<https://creativecommons.org/licenses/by/4.0/deed.ja>; rel="license"');

    // Another licence chosen: no file keeps the old one (cached reads depend on the tenant scope).
    await ctx.db.transaction((tx) => ctx.deps.settings.save(tx, tenant.id, new Map([[LICENCE, 'pdl-1.0']])));
    await expectLicence({ id: 'pdl-1.0', ...LICENCES['pdl-1.0']! });
    await ctx.db.transaction((tx) => ctx.deps.settings.save(tx, tenant.id, new Map([[LICENCE, 'cc-by-4.0']])));
  });

  it('marks demonstration data in every JSON file', async () => {
    // CSV files name their demo column in DATASETS (checked against the files themselves).
    const pending = new Set<string>();
    const missing: string[] = [];
    for (const { url, format } of files()) {
      if (format !== 'JSON' || pending.has(url)) continue;
      if (!/"demo":/.test((await get(url)).body)) missing.push(url);
    }
    assert.deepEqual(missing, []);
    // The demo's seeded actuals are flagged in the plan's files, as on its pages.
    const csv = (await get('/opendata/indicators.csv')).body;
    assert.match(csv.split('\n')[0]!, /デモデータ demo\r?$/);
    assert.ok(csv.split('\n').slice(1).some((line) => /,true\r?$/.test(line)), 'a demonstration value is marked in indicators.csv');
    const json = JSON.parse((await get('/opendata/indicators.json')).body) as { items: { latest: { demo: boolean } | null }[] };
    assert.ok(json.items.some((i) => i.latest?.demo === true), 'and in indicators.json');
  });

  it('lists every open-data route the modules serve', async () => {
    const listed = new Set(DATASETS.flatMap((d) => d.files.map((f) => f.href.replace('{code}', ':code'))));
    const served = [...(await loadAccessTables()).values()]
      .flat()
      .filter(([method, url]) => method === 'GET' && url.startsWith('/opendata/') && url !== '/opendata/catalogue.json')
      .map(([, url]) => url);
    assert.ok(served.length >= 15);
    for (const url of served) assert.ok(listed.has(url), `${url} is in the catalogue`);
    for (const url of listed) assert.ok(served.includes(url), `${url} is a route`);
  });

  it('states the licence, CC BY 4.0 by default, and the municipality may choose another', async () => {
    const page = await get('/opendata', { accept: 'text/html' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /すべてのデータは CC BY 4.0 で提供します/);
    assert.match(page.body, /<a href="https:\/\/creativecommons.org\/licenses\/by\/4.0\/deed.ja" rel="license">CC BY 4.0<\/a>/);
    for (const d of DATASETS) assert.match(page.body, new RegExp(`id="od-${d.id}"`));
    assert.match(page.body, /市民活動支援センター登録団体/);
    assert.match(page.body, /登録番号、団体名、団体名フリガナ/);
    const first = await get('/opendata/catalogue.json');
    assert.equal(first.json().licence.id, 'cc-by-4.0');
    // A cached public read: a client holding the body gets 304 until something changes.
    const etag = String(first.headers.etag);
    assert.equal((await get('/opendata/catalogue.json', { 'if-none-match': etag })).statusCode, 304);

    await ctx.db.transaction((tx) => ctx.deps.settings.save(tx, tenant.id, new Map([[LICENCE, 'cc0-1.0']])));
    const again = await get('/opendata?lang=en', { accept: 'text/html' });
    assert.match(again.body, /<html lang="en"/);
    assert.match(again.body, /All data is published under CC0 1.0/);
    const json = (await get('/opendata/catalogue.json')).json() as { licence: { id: string }; datasets: { licence: string }[] };
    assert.equal(json.licence.id, 'cc0-1.0');
    // Saving the setting changed the tenant scope: the old ETag no longer matches.
    assert.equal((await get('/opendata/catalogue.json', { 'if-none-match': etag })).statusCode, 200);
    assert.ok(json.datasets.every((d) => d.licence === 'cc0-1.0'));
  });

  it('refuses a licence that is not offered, naming the field', () => {
    const values = Object.fromEntries(ctx.deps.settings.list().map((d) => [d.key, String(d.default)]));
    assert.doesNotThrow(() => ctx.deps.settings.parseForm(values, 'ja'));
    assert.throws(
      () => ctx.deps.settings.parseForm({ ...values, [LICENCE]: 'all-rights-reserved' }, 'ja'),
      (e: { errors?: { path: string }[] }) => e.errors?.length === 1 && e.errors[0]!.path === LICENCE,
    );
  });
});
