/**
 * The procedures pages in a real Chromium with axe-core (WCAG 2.x A and AA) on a desktop and a
 * phone, without sideways scrolling at 320 px and without JavaScript: the catalogue, the
 * multi-page apply form with its errors, the check-your-answers page, the receipt, the
 * inquiry, the statistics, and the department's inbox and case page.
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
import { seedDemoProcedures } from './procedures.seed.ts';

describe('procedures pages in Chromium', { skip: browserTestSkip() }, () => {
  let server: LiveServer;
  let browser: Browser;
  let anon: Page;
  let staff: Page;

  before(async () => {
    server = await startLiveServer();
    const { db, deps, config } = server.ctx;
    await db.transaction(async (tx) => {
      for (const d of DEMO_DEPARTMENTS) await ensureDepartment(tx, server.tenant.id, d);
      await seedDemoAccounts(tx, server.tenant);
      await seedDemoProcedures(tx, server.tenant, { config, clock: deps.clock, deps });
    });
    browser = await launchBrowser();
    anon = (await openPage(browser, VIEWPORTS.desktop)).page;
    const s = await openPage(browser, VIEWPORTS.desktop);
    const user = (await findUserByEmail(db, server.tenant.id, 'staff@demo.hibiki.example'))!;
    await s.context.addCookies([{ name: SESSION_COOKIE, value: await createSession(db, server.tenant.id, user.id, true), url: server.baseUrl }]);
    staff = s.page;
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function visit(page: Page, path: string, status = 200) {
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
    assert.ok(overflow <= 0, `${where}: ${overflow}px of sideways scrolling at 320 px`);
    await page.setViewportSize(VIEWPORTS.desktop);
  }

  it('renders the catalogue and the statistics accessibly', { timeout: 120_000 }, async () => {
    await check(await visit(anon, '/procedures'), 'catalogue');
    await check(await visit(anon, '/procedures?lang=en'), 'catalogue (English)', 'en');
    const stats = await visit(anon, '/procedures/statistics');
    await check(stats, 'statistics');
    assert.ok((await stats.locator('tbody tr').count()) >= 6);
  });

  it('applies through every page, the errors and the check page, then follows the application', { timeout: 240_000 }, async () => {
    const page = await visit(anon, '/procedures/juminhyo-copy/apply');
    await check(page, 'apply page 1');
    assert.equal(await press(page, 'button[value="next"]'), 200);
    const hrefs = await page.locator('.error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(hrefs, ['#a_fullName', '#a_fullNameKana', '#a_birthDate', '#a_address', '#a_phone']);
    await check(page, 'apply page 1 with errors');
    await page.fill('#a_fullName', '前橋 花子');
    await page.fill('#a_fullNameKana', 'まえばし はなこ');
    await page.fill('#a_birthDate', 'S60.4.1');
    await page.fill('#a_address', '371-8601');
    await page.fill('#a_address_address', '前橋市大手町二丁目12番1号');
    await page.fill('#a_phone', '027-224-1111');
    await press(page, 'button[value="next"]');
    assert.ok((await page.locator('#a_copies').count()) === 1, 'page 2');
    await check(page, 'apply page 2');
    await page.fill('#a_copies', '2');
    await page.selectOption('#a_purpose', 'pension');
    await press(page, 'button[value="next"]');
    await check(page, 'check your answers');
    assert.ok((await page.locator('table').innerText()).includes('1985-04-01'));
    assert.equal(await press(page, 'button[value="submit"]'), 201);
    await check(page, 'receipt');
    const texts = await page.locator('dl.receipt dd').allInnerTexts();
    const [receipt, password] = texts.map((s) => s.trim());
    assert.match(receipt!, /^\d{4}-\d{8}$/);
    // The browser's back button and a second press give the same receipt, not a second application.
    await page.goBack();
    const again = await press(page, 'button[value="submit"]');
    assert.equal(again, 201);
    assert.equal((await page.locator('dl.receipt dd').first().innerText()).trim(), receipt);
    const n = await server.ctx.db.one<{ n: number }>(`select count(*)::int as n from procedure_applications where tenant_id = $1 and not is_demo`, [server.tenant.id]);
    assert.equal(n.n, 1);

    const inquiry = await visit(anon, '/inquiry');
    await check(inquiry, 'inquiry form');
    await inquiry.fill('#receiptNumber', receipt!);
    await inquiry.fill('#password', 'WRONG-PASS');
    assert.equal(await press(inquiry, 'button[value="inquire"]'), 404);
    await check(inquiry, 'inquiry with an error');
    await inquiry.fill('#password', password!);
    assert.equal(await press(inquiry, 'button[value="inquire"]'), 200);
    assert.ok((await inquiry.locator('main').innerText()).includes('処理待ち'));
    await check(inquiry, 'inquiry result');
  });

  it('applies for the moving-house bundle: shared fields once, the errors, the check page and a receipt a procedure', { timeout: 240_000 }, async () => {
    const page = await visit(anon, '/procedures/bundles/moving-out/apply');
    await check(page, 'bundle apply page');
    assert.equal(await page.locator('#a_fullName').count(), 1, 'a shared field is asked once');
    assert.equal(await press(page, 'button[value="next"]'), 200);
    await check(page, 'bundle apply page with errors');
    await page.fill('#a_fullName', '前橋 花子');
    await page.fill('#a_fullNameKana', 'まえばし はなこ');
    await page.fill('#a_birthDate', 'S60.4.1');
    await page.fill('#a_address', '371-8601');
    await page.fill('#a_address_address', '前橋市大手町二丁目12番1号');
    await page.fill('#a_phone', '027-224-1111');
    await page.fill('#a_newAddress', '高崎市高松町35番地1');
    await page.fill('#a_movingOn', 'R8.4.20');
    await page.fill('#a_children', '2');
    await page.fill('#a_insuredNumber', '12-345');
    await press(page, 'button[value="next"]');
    await check(page, 'bundle check your answers');
    assert.equal(await press(page, 'button[value="submit"]'), 201);
    await check(page, 'bundle receipts');
    assert.equal(await page.locator('dl.receipt').count(), 3, 'one receipt a procedure');
  });

  it('shows the department its inbox and a case it can move on', { timeout: 180_000 }, async () => {
    const inbox = await visit(staff, '/staff/applications');
    await check(inbox, 'staff inbox');
    const first = await inbox.locator('tbody a').first().getAttribute('href');
    assert.ok(first);
    const page = await visit(staff, first!);
    await check(page, 'staff case');
    await page.selectOption('#to', 'completed');
    const status = await press(page, 'form[action$="/status"] button');
    assert.ok(status === 200 || status === 409, `status ${status}`);
    await check(page, 'staff case after a change');
  });

  it('builds a form in the browser: the list, the builder, a field, its errors and the preview', { timeout: 240_000 }, async () => {
    const list = await visit(staff, '/staff/procedures');
    await check(list, 'builder list');
    await list.fill('#code', 'browser-built');
    await list.fill('#title', 'ブラウザで作った手続');
    assert.equal(await press(list, 'form[action="/staff/procedures"] button[type="submit"]'), 303);
    await check(list, 'builder');
    const field = await visit(staff, '/staff/procedures/browser-built/fields/new');
    await check(field, 'new field');
    assert.equal(await press(field, 'form[action$="/fields/new"] button[type="submit"]'), 400);
    await check(field, 'new field with errors');
    await field.fill('#f_name', 'proof');
    await field.selectOption('#f_type', 'file');
    await field.fill('#f_label', '本人確認書類');
    await field.check('#f_accept_pdf');
    assert.equal(await press(field, 'form[action$="/fields/new"] button[type="submit"]'), 303);
    assert.ok((await field.locator('table').innerText()).includes('本人確認書類'));
    await check(await visit(staff, '/staff/procedures/browser-built/preview'), 'preview');
  });
});
