/**
 * The registry's pages in a real Chromium with axe-core (WCAG 2.x A and AA), on a desktop and
 * a phone screen, without sideways scrolling at 320 px and without JavaScript: the directory
 * and its search, a group's page, the application form (empty and with every error), the
 * applicant's pages, the staff queue, a record with its review forms, and the import page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { SESSION_COOKIE } from '../../core/auth.ts';
import { ensureDepartment } from '../../core/tenancy.ts';
import { DEMO_DEPARTMENTS } from '../../seed.ts';
import { browserTestSkip, checkAccessibility, formatViolations, launchBrowser, openPage, startLiveServer, VIEWPORTS, type LiveServer } from '../../testing/browser.ts';
import { createSession } from '../accounts/accounts.sessions.ts';
import { findUserByEmail, seedDemoAccounts } from '../accounts/accounts.service.ts';
import { seedDemoGroups } from './groups.seed.ts';

type Who = 'anonymous' | 'citizen' | 'staff';

describe('groups pages in Chromium', { skip: browserTestSkip() }, () => {
  let server: LiveServer;
  let browser: Browser;
  const tabs = new Map<Who, Page>();
  let applied = '';
  let registered = '';
  let number = '';

  before(async () => {
    server = await startLiveServer();
    const { db, deps, config } = server.ctx;
    const tenant = server.tenant;
    await db.transaction(async (tx) => {
      for (const d of DEMO_DEPARTMENTS) await ensureDepartment(tx, tenant.id, d);
      await seedDemoAccounts(tx, tenant);
      await seedDemoGroups(tx, tenant, { config, clock: deps.clock, deps });
    });
    applied = (await db.one<{ id: string }>(`select id from group_registrations where tenant_id = $1 and status = 'applied' limit 1`, [tenant.id])).id;
    const r = await db.one<{ id: string; number: string }>(`select id, number from group_registrations where tenant_id = $1 and status = 'registered' order by number limit 1`, [tenant.id]);
    registered = r.id;
    number = r.number;
    browser = await launchBrowser();
    for (const who of ['anonymous', 'citizen', 'staff'] as const) {
      const { page, context } = await openPage(browser, VIEWPORTS.desktop);
      if (who !== 'anonymous') {
        const user = (await findUserByEmail(db, tenant.id, `${who}@demo.hibiki.example`))!;
        await context.addCookies([{ name: SESSION_COOKIE, value: await createSession(db, tenant.id, user.id, true), url: server.baseUrl }]);
      }
      tabs.set(who, page);
    }
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function visit(who: Who, path: string, status = 200): Promise<Page> {
    const page = tabs.get(who)!;
    await page.context().clearCookies({ name: 'lang' });
    const res = await page.goto(server.baseUrl + path);
    assert.equal(res?.status(), status, path);
    return page;
  }

  async function press(page: Page, button: string): Promise<number> {
    const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.locator(button).click()]);
    await page.waitForLoadState('load');
    return res.status();
  }

  async function check(page: Page, where: string, lang: 'ja' | 'en' = 'ja') {
    assert.equal(await page.getAttribute('html', 'lang'), lang, where);
    assert.equal(await page.locator('h1').count(), 1, `${where}: exactly one h1`);
    assert.equal(await page.evaluate(() => document.scripts.length), 0, `${where}: no JavaScript`);
    for (const size of [VIEWPORTS.desktop, VIEWPORTS.mobile]) {
      await page.setViewportSize(size);
      const violations = await checkAccessibility(page);
      assert.equal(violations.length, 0, `${where} at ${size.width}px:\n${formatViolations(violations)}`);
    }
    await page.setViewportSize({ width: 320, height: 640 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    const wide = overflow > 0 ? await page.evaluate(() => [...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > 330).slice(0, 3).map((e) => e.outerHTML.slice(0, 120))) : [];
    assert.ok(overflow <= 0, `${where}: ${overflow}px of sideways scrolling at 320 px: ${wide.join(' | ')}`);
    await page.setViewportSize(VIEWPORTS.desktop);
  }

  it('renders the directory, its search and a group’s page accessibly', { timeout: 240_000 }, async () => {
    await check(await visit('anonymous', '/groups'), 'directory');
    await check(await visit('anonymous', '/groups?lang=en'), 'directory (English)', 'en');
    const found = await visit('anonymous', `/groups?q=${encodeURIComponent('清掃')}&field=7`);
    assert.ok((await found.locator('.card').count()) >= 1);
    await check(found, 'search results');
    await check(await visit('anonymous', `/groups/${number}`), 'group page');
    await check(await visit('anonymous', `/groups/${number}?lang=en`), 'group page (English)', 'en');
  });

  it('renders the application form, with every error, and applies without JavaScript', { timeout: 240_000 }, async () => {
    const page = await visit('citizen', '/groups/apply');
    await check(page, 'application form');
    assert.equal(await press(page, 'form[enctype] button[type="submit"]'), 400);
    const links = await page.locator('.error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(links.slice(0, 3), ['#name', '#nameKana', '#legalForm']);
    await check(page, 'application form with errors');
    await page.locator('.error-summary a[href="#fields"]').click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'fields');
    await page.fill('#name', 'ブラウザで申請する会');
    await page.fill('#nameKana', 'ブラウザデシンセイスルカイ');
    await page.selectOption('#legalForm', '任意団体');
    await page.check('#field_3');
    await page.fill('#area', '中央地区');
    await page.fill('#purpose', 'まちづくり');
    await page.fill('#activities', '清掃活動');
    await page.fill('#foundedOn', '2020-04-01');
    await page.fill('#members', '10');
    await page.fill('#publicContact', 'browser@example.jp');
    await page.fill('#privateContact', '090-9999-0000');
    assert.equal(await press(page, 'form[enctype] button[type="submit"]'), 303);
    assert.match(page.url(), /\/my\/groups\?applied=1$/);
    await check(page, 'my groups');
    await page.locator('.card a').first().click();
    await page.waitForLoadState('load');
    await check(page, 'my group');
  });

  it('renders the staff queue, a record with its review forms and errors, and the import page accessibly', { timeout: 240_000 }, async () => {
    await check(await visit('staff', '/staff/groups'), 'staff queue');
    const record = await visit('staff', `/staff/groups/${applied}`);
    await check(record, 'record under review');
    assert.equal(await press(record, 'form[action$="/return"] button'), 400);
    await check(record, 'record with an error');
    await check(await visit('staff', `/staff/groups/${registered}`), 'registered record');
    await check(await visit('staff', '/staff/groups/import'), 'import page');
  });
});
