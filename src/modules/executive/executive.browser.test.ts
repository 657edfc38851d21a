/**
 * The executive view and the open-data catalogue in a real Chromium with axe-core (WCAG 2.x A
 * and AA) on a desktop and a phone, without JavaScript, and without sideways scrolling at 320 px.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { SESSION_COOKIE } from '../../core/auth.ts';
import { ensureDepartment } from '../../core/tenancy.ts';
import { DEMO_DEPARTMENTS } from '../../seed.ts';
import { browserTestSkip, checkAccessibility, formatViolations, launchBrowser, openPage, startLiveServer, VIEWPORTS, type LiveServer } from '../../testing/browser.ts';
import { createSession } from '../accounts/accounts.sessions.ts';
import { findUserByEmail } from '../accounts/accounts.service.ts';

describe('executive and open-data pages in Chromium', { skip: browserTestSkip() }, () => {
  let server: LiveServer;
  let browser: Browser;
  let planner: Page;
  let anonymous: Page;

  before(async () => {
    server = await startLiveServer();
    const { db, deps, config, platform } = server.ctx;
    const tenant = server.tenant;
    await db.transaction(async (tx) => {
      for (const d of DEMO_DEPARTMENTS) await ensureDepartment(tx, tenant.id, d);
      for (const m of platform.modules) await m.seedDemo?.(tx, tenant, { config, clock: deps.clock, deps });
    });
    browser = await launchBrowser();
    anonymous = (await openPage(browser, VIEWPORTS.desktop)).page;
    const tab = await openPage(browser, VIEWPORTS.desktop);
    const user = (await findUserByEmail(db, tenant.id, 'planner@demo.hibiki.example'))!;
    await tab.context.addCookies([{ name: SESSION_COOKIE, value: await createSession(db, tenant.id, user.id, true), url: server.baseUrl }]);
    planner = tab.page;
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function check(page: Page, path: string, lang: 'ja' | 'en') {
    await page.setViewportSize(VIEWPORTS.desktop);
    const res = await page.goto(server.baseUrl + path);
    assert.equal(res?.status(), 200, path);
    assert.equal(await page.getAttribute('html', 'lang'), lang, path);
    assert.equal(await page.locator('h1').count(), 1, `${path}: exactly one h1`);
    assert.equal(await page.evaluate(() => document.scripts.length), 0, `${path}: no JavaScript`);
    for (const size of [VIEWPORTS.desktop, VIEWPORTS.mobile]) {
      await page.setViewportSize(size);
      const violations = await checkAccessibility(page);
      assert.equal(violations.length, 0, `${path} at ${size.width}px:\n${formatViolations(violations)}`);
    }
    await page.setViewportSize({ width: 320, height: 640 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${path} overflows by ${overflow}px at 320px`);
  }

  for (const lang of ['ja', 'en'] as const) {
    it(`renders the executive view (${lang})`, async () => {
      await check(planner, `/staff/executive?lang=${lang}`, lang);
      assert.equal(await planner.locator('table.exec-table tbody tr').count(), 9);
    });
    it(`renders the open-data catalogue (${lang})`, async () => {
      await check(anonymous, `/opendata?lang=${lang}`, lang);
      assert.ok((await anonymous.locator('a[rel="license"]').count()) > 10);
    });
  }
});
