/**
 * The facilities and series pages in a real Chromium with axe-core (WCAG 2.x A and AA), on a
 * desktop and a phone screen, without sideways scrolling at 320 px and without JavaScript: the
 * register with its totals and filters, a facility with its history and the status form (with
 * an error), the import form with a refused file's problems, the public series and the staff
 * entry and approval page.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { browserTestSkip } from '../../testing/browser.ts';
import { demoBrowser, type DemoBrowser } from '../proposals/proposals.browser-support.ts';
import { seedDemoSeries } from '../series/series.seed.ts';
import { seedDemoFacilities } from './facilities.seed.ts';
import { importFacilities } from './facilities.service.ts';

describe('facilities and series pages in Chromium', { skip: browserTestSkip() }, () => {
  let b: DemoBrowser;
  let facilityId = '';

  before(async () => {
    b = await demoBrowser();
    const { db, deps, config } = b.server.ctx;
    await db.transaction(async (tx) => {
      await seedDemoFacilities(tx, b.server.tenant, { config, clock: deps.clock, deps });
      await seedDemoSeries(tx, b.server.tenant, { config, clock: deps.clock, deps });
    });
    // Facilities with coordinates, for the map.
    await importFacilities(db, b.server.tenant, { id: null, label: 'test' }, readFileSync(path.join(import.meta.dirname, 'fixtures', 'shift-jis-first-edition.csv')), { dryRun: false, today: '2026-06-01' });
    // Warm up (ECharts loads on the first map) so a busy machine does not time out the first visit.
    await b.server.ctx.app.inject({ method: 'GET', url: '/facilities?warm=1', headers: { host: b.server.tenant.host } });
    facilityId = (await db.one<{ id: string }>("select id from facilities where tenant_id = $1 and status = 'in_service' order by external_id limit 1", [b.server.tenant.id])).id;
  });
  after(async () => b?.close());

  for (const [p, lang] of [
    ['/facilities', 'ja'],
    ['/facilities?lang=en', 'en'],
    ['/facilities?q=テスト', 'ja'],
    ['/facilities?category=公園&status=in_service&asOf=2020-03-31', 'ja'],
    ['/series', 'ja'],
    ['/series?lang=en', 'en'],
  ] as const) {
    it(`renders ${p} accessibly`, async () => b.check(await b.visit('anonymous', p), p, lang));
  }

  it('draws the facilities with coordinates on a server-drawn map beside the table', async () => {
    const page = await b.visit('anonymous', '/facilities?q=テスト');
    assert.equal(await page.locator('figure svg[role="img"]').count(), 1);
    assert.match((await page.locator('figure svg title').textContent()) ?? '', /2件/);
  });

  it('renders a facility with its history, and the status form with an error, accessibly', async () => {
    await b.check(await b.visit('anonymous', `/facilities/${facilityId}`), 'facility');
    const page = await b.visit('planner', `/facilities/${facilityId}`);
    await b.check(page, 'facility with the status form');
    await page.fill('#on', '2000-01-01');
    assert.equal(await b.press(page, 'form[action$="/status"] button'), 400);
    assert.deepEqual(await page.locator('.error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))), ['#on']);
    await b.check(page, 'status form with its error');
  });

  it('renders the import form and a refused file’s problems accessibly', async () => {
    const page = await b.visit('planner', '/staff/facilities/import');
    await b.check(page, 'import form');
    await page.setInputFiles('#file', path.join(import.meta.dirname, 'fixtures', 'bad-rows.csv'));
    assert.equal(await b.press(page, 'form[action="/staff/facilities/import"] button'), 422);
    assert.ok((await page.locator('table tbody tr').count()) >= 7);
    await b.check(page, 'import result with problems');
  });

  it('renders the series entry and approval page accessibly', async () => {
    const page = await b.visit('planner', '/staff/series');
    await b.check(page, 'series staff page');
    assert.equal(await b.press(page, 'form[action="/staff/series/values"] button'), 400);
    await b.check(page, 'series form with errors');
    await page.selectOption('#series', 'staffCount');
    await page.fill('#value', '2600');
    await page.fill('#asOf', '2027-04-01');
    assert.equal(await b.press(page, 'form[action="/staff/series/values"] button'), 303);
    await b.check(page, 'series page with a pending value');
    assert.equal(await page.locator('form[action$="/approve"]').count(), 1);
  });
});
