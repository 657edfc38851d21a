/**
 * The plan's pages in a real Chromium with axe-core (WCAG 2.0/2.1/2.2 A and AA): the public
 * overview, section and indicator pages (with the server-drawn SVG chart), and the staff
 * forms showing their errors, submitted without JavaScript in the page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SESSION_COOKIE, type Role } from '../../core/auth.ts';
import { createSession } from '../accounts/accounts.sessions.ts';
import {
  browserTestSkip,
  checkAccessibility,
  formatViolations,
  launchBrowser,
  openPage,
  startLiveServer,
  VIEWPORTS,
  type LiveServer,
} from '../../testing/browser.ts';
import { makeUser } from '../../testing/factories.ts';
import { demoPlanDocument } from './plan.seed.ts';
import { importPlan } from './plan.service.ts';
import { warmUpCharts } from './plan.warmup.ts';

async function assertNoViolations(page: Page, where: string): Promise<void> {
  const violations = await checkAccessibility(page);
  assert.equal(violations.length, 0, `${where}:\n${formatViolations(violations)}`);
}

/** One h1, the page's language, no script shipped by the page. */
async function assertStructure(page: Page, lang: 'ja' | 'en'): Promise<void> {
  assert.equal(await page.getAttribute('html', 'lang'), lang);
  assert.equal(await page.locator('h1').count(), 1, 'exactly one h1');
  assert.equal(await page.evaluate(() => document.scripts.length), 0, 'the page ships no JavaScript');
}

const PUBLIC_PAGES: { path: string; lang: 'ja' | 'en' }[] = [
  { path: '/plan', lang: 'ja' },
  { path: '/plan?lang=en', lang: 'en' },
  { path: '/plan/sections/6-1', lang: 'ja' },
  { path: '/plan/sections/6-1?lang=en', lang: 'en' },
  { path: '/plan/sections/6-2?lang=en', lang: 'en' },
  { path: '/plan/indicators/6-1-1', lang: 'ja' },
  { path: '/plan/indicators/6-2-2', lang: 'ja' },
  { path: '/plan/indicators/6-1-3?lang=en', lang: 'en' },
  { path: '/plan/indicators/6-2-4?lang=en', lang: 'en' },
];

/** The shared screens and the narrowest phone the pages must serve (320 CSS px). */
const SCREENS = { ...VIEWPORTS, narrow: { width: 320, height: 720 } } as const;

describe('plan pages in Chromium', { skip: browserTestSkip() }, () => {
  let server: LiveServer;
  let browser: Browser;
  const tabs: { context: BrowserContext; page: Page }[] = [];

  before(async () => {
    server = await startLiveServer();
    await importPlan(server.ctx.db, server.ctx.deps, server.tenant, { id: null, label: 'test' }, demoPlanDocument(), 'ja', { demoActuals: true });
    // As the server does after listening: templates compiled and ECharts loaded before pages are timed.
    await warmUpCharts();
    browser = await launchBrowser();
  });
  after(async () => {
    for (const tab of tabs) await tab.context.close();
    await browser?.close();
    await server?.close();
  });

  // Anonymous pages share one tab per screen size (a new tab costs more than a page check).
  // Cookies are cleared each time, so every page is seen as by a first-time visitor.
  const anonymous = new Map<string, Page>();
  async function anonymousTab(device: keyof typeof SCREENS): Promise<Page> {
    let page = anonymous.get(device);
    if (!page) {
      page = await tab(device);
      anonymous.set(device, page);
    }
    await page.context().clearCookies();
    return page;
  }

  async function tab(device: keyof typeof SCREENS = 'desktop', role?: Role): Promise<Page> {
    const opened = await openPage(browser, SCREENS[device]);
    tabs.push(opened);
    if (role) {
      const user = await makeUser(server.ctx.db, server.tenant, role, role === 'staff' ? { departmentCode: 'shimin-kyodo' } : {});
      const token = await createSession(server.ctx.db, server.tenant.id, user.id, true);
      await opened.context.addCookies([{ name: SESSION_COOKIE, value: token, url: server.baseUrl }]);
    }
    return opened.page;
  }

  for (const { path, lang } of PUBLIC_PAGES) {
    for (const device of ['desktop', 'mobile'] as const) {
      it(`renders ${path} accessibly on a ${device} screen`, async () => {
        const page = await anonymousTab(device);
        const res = await page.goto(server.baseUrl + path);
        assert.equal(res?.status(), 200);
        await assertStructure(page, lang);
        await assertNoViolations(page, `${path} (${device})`);
      });
    }
  }

  it('draws the indicator chart as a labelled SVG image beside its data table', async () => {
    const page = await tab();
    await page.goto(server.baseUrl + '/plan/indicators/6-1-1');
    const svg = page.locator('figure.chart svg');
    assert.equal(await svg.count(), 1);
    assert.equal(await svg.getAttribute('role'), 'img');
    assert.equal(await page.locator('figure.chart svg > title').textContent(), '市民活動支援センターへの団体登録数の推移');
    const box = await svg.boundingBox();
    assert.ok(box && box.width > 300 && box.height > 150, 'the chart is drawn at a readable size');
    assert.ok((await page.locator('table.history-table tbody tr').count()) >= 6, 'the table lists the chart’s figures');
  });

  it('moves to the glossary entry from a footnote marker', async () => {
    const page = await tab();
    await page.goto(server.baseUrl + '/plan/sections/6-1');
    await page.locator('sup.footnote-ref a[href="#term-1"]').first().click();
    assert.ok(page.url().endsWith('#term-1'));
    assert.equal(await page.evaluate(() => document.activeElement?.id ?? document.querySelector(':target')?.id), 'term-1');
  });

  it('shows every error of the entry form in a summary, accessibly', async () => {
    const page = await tab('desktop', 'staff');
    await page.goto(server.baseUrl + '/staff/plan/actuals/new');
    await assertStructure(page, 'ja');
    await assertNoViolations(page, 'entry form');
    await page.fill('#value', '12a');
    await page.fill('#asOf', 'H31.5.1');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.locator('main form button[type="submit"]').click(),
    ]);
    await page.waitForLoadState('load');
    assert.equal(res.status(), 400);
    await assertStructure(page, 'ja');
    const hrefs = await page.locator('.error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(hrefs, ['#indicator', '#value', '#asOf']);
    for (const id of ['indicator', 'value', 'asOf']) {
      assert.equal(await page.locator(`#${id}`).getAttribute('aria-invalid'), 'true', id);
    }
    assert.equal(await page.inputValue('#value'), '12a', 'keeps what was typed');
    await assertNoViolations(page, 'entry form with errors');
  });

  it('shows the CSV check with its problems and the approval queue accessibly', async () => {
    // Staff import; a plan manager decides (never one's own entries).
    const page = await tab('desktop', 'staff');
    await page.goto(server.baseUrl + '/staff/plan/import');
    await assertNoViolations(page, 'import form');
    await page.fill('#csv', 'code,as_of,value,note\n6-1-1,2018-03-31,251,ok\n9-9-9,2018-02-30,abc,\n6-1-1,H30.3.31,252,');
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.locator('button[value="preview"]').click()]);
    await page.waitForLoadState('load');
    assert.equal(await page.locator('.error-summary a').count(), 4);
    assert.equal(await page.locator('table.import-table tbody tr').count(), 3);
    await assertStructure(page, 'ja');
    await assertNoViolations(page, 'import preview with problems');

    await page.fill('#csv', '6-1-1,2018-03-31,251,ok\n6-1-2,平成29年度,25,');
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.locator('button[value="import"]').click()]);
    await page.waitForLoadState('load');
    assert.ok(page.url().endsWith('/staff/plan/import?imported=2'));
    assert.equal(await page.locator('a[href="/staff/plan/approvals"]').count(), 0, 'no link staff may not follow');
    await assertNoViolations(page, 'import done');

    for (const device of ['desktop', 'narrow'] as const) {
      const manager = await tab(device, 'plan_manager');
      await manager.goto(server.baseUrl + '/staff/plan/approvals');
      assert.equal(await manager.locator('main .card-list > li').count(), device === 'desktop' ? 2 : 1);
      await assertStructure(manager, 'ja');
      await assertNoViolations(manager, `approval queue (${device})`);
      assert.ok(await manager.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), 'no horizontal overflow');
      const approve = manager.locator('button[value="approved"]').first();
      const box = await approve.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= SCREENS[device].width, 'the approve button is on screen');
      await Promise.all([manager.waitForResponse((r) => r.request().method() === 'POST'), approve.click()]);
      await manager.waitForLoadState('load');
      await assertNoViolations(manager, `approval queue after a decision (${device})`);
    }
  });

  it('warns about an implausible entry, lists my entries and takes a rejection reason, accessibly at 1,280 and 320 px', async () => {
    const noOverflow = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
    const staff = await tab('narrow', 'staff');
    await staff.goto(server.baseUrl + '/staff/plan/actuals/new');
    await staff.selectOption('#indicator', '6-1-3');
    await staff.fill('#value', '1000000');
    await staff.fill('#asOf', '2030-03-31');
    await Promise.all([staff.waitForResponse((r) => r.request().method() === 'POST'), staff.locator('main form button[type="submit"]').click()]);
    await staff.waitForLoadState('load');
    assert.equal(await staff.locator('#entry-warnings li').count() >= 2, true, 'the warnings are shown');
    await assertStructure(staff, 'ja');
    await assertNoViolations(staff, 'entry recorded with warnings (320 px)');
    assert.ok(await noOverflow(staff), 'entry page fits 320 px');
    await staff.goto(server.baseUrl + '/staff/plan/mine');
    await assertStructure(staff, 'ja');
    await assertNoViolations(staff, 'my entries (320 px)');
    assert.ok(await noOverflow(staff), 'my entries fit 320 px');

    for (const device of ['desktop', 'narrow'] as const) {
      const manager = await tab(device, 'plan_manager');
      await manager.goto(server.baseUrl + '/staff/plan/approvals');
      await manager.locator('main .card-list > li', { hasText: '6-1-3' }).first().locator('a.button').click();
      await manager.waitForLoadState('load');
      await assertStructure(manager, 'ja');
      await assertNoViolations(manager, `decision page (${device})`);
      assert.ok(await noOverflow(manager), `decision page fits (${device})`);
      await Promise.all([manager.waitForResponse((r) => r.request().method() === 'POST'), manager.locator('button[value="rejected"]').click()]);
      await manager.waitForLoadState('load');
      assert.deepEqual(await manager.locator('.error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))), ['#reason']);
      await assertNoViolations(manager, `decision page with its error (${device})`);
      if (device === 'narrow') {
        await manager.fill('#reason', '桁が違います');
        await Promise.all([manager.waitForResponse((r) => r.request().method() === 'POST'), manager.locator('button[value="rejected"]').click()]);
        await manager.waitForLoadState('load');
        assert.ok(manager.url().endsWith('/staff/plan/approvals?done=rejected'));
      }
    }
    await staff.goto(server.baseUrl + '/staff/plan/mine?lang=en');
    assert.ok((await staff.locator('main').textContent())?.includes('桁が違います'));
    await assertStructure(staff, 'en');
    await assertNoViolations(staff, 'my entries with a rejection (English, 320 px)');
  });

  it('renders the fiscal-year report and the staff menu accessibly', async () => {
    const page = await tab('desktop', 'plan_manager');
    for (const path of ['/staff/plan', '/staff/plan/mine', '/staff/plan/report?fy=2016', '/staff/plan/report?fy=2016&lang=en']) {
      const res = await page.goto(server.baseUrl + path);
      assert.equal(res?.status(), 200, path);
      await assertStructure(page, path.includes('lang=en') ? 'en' : 'ja');
      await assertNoViolations(page, path);
    }
  });

  it('renders the editing forms with their English fields accessibly, errors shown', async () => {
    const page = await tab('desktop', 'plan_manager');
    const admin = '/staff/plan/admin/plans/maebashi-6';
    for (const path of [`${admin}/sections/6-1?lang=en`, `${admin}/indicators/6-1-3?lang=en`, `${admin}/edit`]) {
      const res = await page.goto(server.baseUrl + path);
      assert.equal(res?.status(), 200, path);
      await assertNoViolations(page, path);
    }
    await page.goto(`${server.baseUrl}${admin}/indicators/6-1-3?lang=en`);
    await page.fill('#nameEn', 'n'.repeat(201));
    await page.click('main form[novalidate] button[type=submit]');
    assert.match(await page.locator('.error-summary').innerText(), /The English indicator name must be at most 200 characters/);
    await assertNoViolations(page, 'indicator form with an English error');
  });
});
