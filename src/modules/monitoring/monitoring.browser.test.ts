/**
 * Every monitoring page in a real Chromium with axe-core (WCAG 2.0/2.1/2.2 A and AA), on a
 * desktop and a phone, no wider than the screen at 320 px, with the forms showing their errors
 * after a submission without JavaScript in the page. The demo is seeded into the tenant.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SESSION_COOKIE, type Role } from '../../core/auth.ts';
import { ensureDepartment } from '../../core/tenancy.ts';
import { createSession } from '../accounts/accounts.sessions.ts';
import { browserTestSkip, checkAccessibility, formatViolations, launchBrowser, openPage, startLiveServer, VIEWPORTS, type LiveServer } from '../../testing/browser.ts';
import { makeUser } from '../../testing/factories.ts';
import { monitoringModule } from './index.ts';

async function assertAccessible(page: Page, where: string, lang: 'ja' | 'en' = 'ja'): Promise<void> {
  assert.equal(await page.getAttribute('html', 'lang'), lang, where);
  assert.equal(await page.locator('h1').count(), 1, `${where}: exactly one h1`);
  assert.equal(await page.evaluate(() => document.scripts.length), 0, `${where}: the page ships no JavaScript`);
  const violations = await checkAccessibility(page);
  assert.equal(violations.length, 0, `${where}:\n${formatViolations(violations)}`);
}

async function assertFits(page: Page, where: string): Promise<void> {
  const { scroll, client, wide } = await page.evaluate(() => {
    const client = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > client + 1 && !e.closest('.table-wrap'))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${[...e.classList].join('.')}`);
    return { scroll: document.documentElement.scrollWidth, client, wide };
  });
  assert.ok(scroll <= client, `${where}: ${scroll} px wide on a ${client} px screen (${wide.join(', ')})`);
}

describe('monitoring pages in Chromium', { skip: browserTestSkip() }, () => {
  let server: LiveServer;
  let browser: Browser;
  const tabs: { context: BrowserContext; page: Page }[] = [];
  let incidentId = '';
  let demoCheckId = '';

  before(async () => {
    server = await startLiveServer();
    const { db, config, deps } = server.ctx;
    // The demo tenant's departments exist before its demo data (src/seed.ts), so here too.
    for (const code of ['joho-seisaku', 'shisan-keiei']) await ensureDepartment(db, server.tenant.id, { code, nameJa: code, nameEn: code });
    await db.transaction((tx) => monitoringModule.seedDemo!(tx, server.tenant, { config, clock: deps.clock, deps }));
    incidentId = (await db.one<{ id: string }>('select id from monitoring_incidents where tenant_id = $1 order by started_at desc limit 1', [server.tenant.id])).id;
    demoCheckId = (await db.one<{ id: string }>("select id from monitoring_checks where tenant_id = $1 and name = '住民情報システム'", [server.tenant.id])).id;
    // The first chart loads ECharts (seconds on a busy machine): load it before any page is timed.
    await server.ctx.app.inject({ method: 'GET', url: '/status', headers: { host: server.tenant.host, accept: 'text/html' } });
    browser = await launchBrowser();
  });
  after(async () => {
    for (const tab of tabs) await tab.context.close();
    await browser?.close();
    await server?.close();
  });

  async function tab(viewport: { width: number; height: number }, role?: Role): Promise<Page> {
    const opened = await openPage(browser, viewport);
    opened.page.setDefaultTimeout(60_000);
    tabs.push(opened);
    if (role) {
      const user = await makeUser(server.ctx.db, server.tenant, role, role === 'staff' ? { departmentCode: 'joho-seisaku' } : {});
      const token = await createSession(server.ctx.db, server.tenant.id, user.id, true);
      await opened.context.addCookies([{ name: SESSION_COOKIE, value: token, url: server.baseUrl }]);
    }
    return opened.page;
  }

  const pages = (): { path: string; role?: Role; lang?: 'en' }[] => [
    { path: '/status' },
    { path: `/status/incidents/${incidentId}` },
    { path: '/status?lang=en', lang: 'en' },
    { path: '/admin/monitoring', role: 'admin' },
    { path: '/admin/monitoring/checks/new', role: 'admin' },
    { path: `/admin/monitoring/checks/${demoCheckId}`, role: 'admin' },
    { path: '/admin/monitoring/maintenance', role: 'admin' },
    { path: '/staff/monitoring/incidents', role: 'staff' },
    { path: `/staff/monitoring/incidents/${incidentId}?lang=en`, role: 'staff', lang: 'en' },
  ];

  for (const device of ['desktop', 'mobile'] as const) {
    it(`renders every monitoring page accessibly on a ${device} screen`, async () => {
      const byRole = new Map<string, Page>();
      for (const p of pages()) {
        const key = p.role ?? 'anonymous';
        let page = byRole.get(key);
        if (!page) byRole.set(key, (page = await tab(VIEWPORTS[device], p.role)));
        const res = await page.goto(server.baseUrl + p.path);
        assert.equal(res?.status(), 200, p.path);
        await assertAccessible(page, `${p.path} (${device})`, p.lang ?? 'ja');
      }
    });
  }

  it('fits every page on a 320 px screen', async () => {
    const byRole = new Map<string, Page>();
    for (const p of pages()) {
      const key = p.role ?? 'anonymous';
      let page = byRole.get(key);
      if (!page) byRole.set(key, (page = await tab({ width: 320, height: 640 }, p.role)));
      await page.goto(server.baseUrl + p.path);
      await assertFits(page, p.path);
    }
  });

  it('draws the 90-day history as a labelled SVG beside a table of the same days', async () => {
    const page = await tab(VIEWPORTS.desktop);
    await page.goto(server.baseUrl + '/status');
    const svg = page.locator('figure.chart svg');
    assert.equal(await svg.getAttribute('role'), 'img');
    assert.equal(await page.locator('figure.chart svg > title').textContent(), '過去90日間の日別可用性');
    const box = await svg.boundingBox();
    assert.ok(box && box.width > 300 && box.height > 150);
    await page.locator('details summary').click();
    assert.equal(await page.locator('table.history-table tbody tr').count(), 90);
    await assertAccessible(page, '/status with the table open');
  });

  it('shows the errors of the check, maintenance and incident forms accessibly', async () => {
    const admin = await tab(VIEWPORTS.desktop, 'admin');
    await admin.goto(server.baseUrl + '/admin/monitoring/checks/new');
    await admin.fill('#name', '');
    await admin.fill('#url', 'ftp://example.jp');
    await admin.fill('#intervalSeconds', '5');
    const [res] = await Promise.all([admin.waitForResponse((r) => r.request().method() === 'POST'), admin.locator('main form button[type="submit"]').click()]);
    await admin.waitForLoadState('load');
    assert.equal(res.status(), 400);
    assert.deepEqual(await admin.locator('.error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))), ['#name', '#url', '#intervalSeconds']);
    assert.equal(await admin.locator('#url').getAttribute('aria-invalid'), 'true');
    await assertAccessible(admin, 'check form with errors');

    await admin.goto(server.baseUrl + '/admin/monitoring/maintenance');
    await admin.fill('#start', '2020-01-01T10:00');
    await admin.fill('#end', '2020-01-01T09:00');
    await Promise.all([admin.waitForResponse((r) => r.request().method() === 'POST'), admin.locator('main form:not(.inline-form) button[type="submit"]').last().click()]);
    await admin.waitForLoadState('load');
    assert.deepEqual(await admin.locator('.error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))), ['#start', '#end', '#reason']);
    await assertAccessible(admin, 'maintenance form with errors');

    const staff = await tab(VIEWPORTS.mobile, 'staff');
    await staff.goto(server.baseUrl + `/staff/monitoring/incidents/${incidentId}`);
    await staff.fill('#cause', '');
    await staff.check('#published');
    await Promise.all([staff.waitForResponse((r) => r.request().method() === 'POST'), staff.locator('main form button[type="submit"]').click()]);
    await staff.waitForLoadState('load');
    assert.deepEqual(await staff.locator('.error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))), ['#cause']);
    await assertAccessible(staff, 'incident form with errors');
  });
});
