/**
 * The surveys pages in a real Chromium with axe-core (WCAG 2.x A and AA) on a desktop and a
 * phone, without sideways scrolling at 320 px and without JavaScript: the list, published
 * results (demo series), the plan section's perception panel, the answer form empty, with its
 * errors and answered with a demo code, and the staff pages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fiscalYearOf, todayJst } from '../../core/dates.ts';
import { browserTestSkip } from '../../testing/browser.ts';
import { demoBrowser, type DemoBrowser } from '../proposals/proposals.browser-support.ts';
import { demoCodes, seedDemoSurveys } from './surveys.seed.ts';

describe('surveys pages in Chromium', { skip: browserTestSkip() }, () => {
  let b: DemoBrowser;
  let fy = 0;

  before(async () => {
    b = await demoBrowser();
    const { db, deps, config } = b.server.ctx;
    await db.transaction((tx) => seedDemoSurveys(tx, b.server.tenant, { config, clock: deps.clock, deps }));
    fy = fiscalYearOf(todayJst(deps.clock.now()));
  });
  after(async () => b?.close());

  const publicPages: [string, 'ja' | 'en'][] = [
    ['/surveys', 'ja'],
    ['/surveys?lang=en', 'en'],
    ['/surveys/shimin-ishiki-2016', 'ja'],
    ['/surveys/danjo-kyodo-2016?lang=en', 'en'],
    ['/plan/sections/6-1', 'ja'],
    ['/plan/sections/6-3?lang=en', 'en'],
  ];
  for (const [path, lang] of publicPages) {
    it(`renders ${path} accessibly`, { timeout: 240_000 }, async () => b.check(await b.visit('anonymous', path), path, lang));
  }

  it('renders the answer form empty, with its errors, and takes an answer with a demo code', { timeout: 240_000 }, async () => {
    const path = `/surveys/shimin-ishiki-${fy}/answer`;
    const page = await b.visit('anonymous', path);
    await b.check(page, 'answer form');
    assert.equal(await b.press(page, 'button[type="submit"]'), 400);
    assert.deepEqual(await page.locator('.error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))), ['#invitation']);
    await b.check(page, 'answer form with its error');
    await page.fill('#invitation', demoCodes(fy)[0]!.toLowerCase());
    await page.check('input[name="answers.Q6-1"][value="2"]');
    await page.fill('textarea[name="answers.Q99"]', '良い取組だと思います');
    assert.equal(await b.press(page, 'button[type="submit"]'), 303);
    assert.match(page.url(), /\/thanks$/);
    await b.check(page, 'thanks');
  });

  it('renders the staff pages accessibly', { timeout: 240_000 }, async () => {
    await b.check(await b.visit('planner', '/staff/surveys'), 'staff list and builder');
    const builder = await b.visit('planner', '/staff/surveys');
    await builder.fill('#code', 'browser-check');
    assert.equal(await b.press(builder, 'form[action="/staff/surveys"] button[type="submit"]'), 400);
    await b.check(builder, 'builder with errors');
    await b.check(await b.visit('planner', `/staff/surveys/shimin-ishiki-${fy}`), 'staff survey page');
    await b.check(await b.visit('planner', `/staff/surveys/shimin-ishiki-${fy}/preview`), 'preview');
    await b.check(await b.visit('planner', `/staff/surveys/shimin-ishiki-${fy}/paper`), 'paper entry');
    await b.check(await b.visit('planner', `/surveys/shimin-ishiki-${fy}`), 'results before publication (staff)');
  });
});
