/**
 * 施策評価 pages in a real Chromium with axe-core: the staff list, the entry form (with its
 * errors), the review, the report (also as printed: forms and navigation hidden) and the
 * public published report, at 320 CSS px without horizontal overflow, forms sent without
 * JavaScript in the page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SESSION_COOKIE, type Role } from '../../core/auth.ts';
import { ManualClock } from '../../core/clock.ts';
import { createSession } from '../accounts/accounts.sessions.ts';
import { browserTestSkip, checkAccessibility, formatViolations, launchBrowser, openPage, startLiveServer, VIEWPORTS, type LiveServer } from '../../testing/browser.ts';
import { makeUser } from '../../testing/factories.ts';
import { demoPlanDocument } from './plan.seed.ts';
import { importPlan } from './plan.service.ts';
import { warmUpCharts } from './plan.warmup.ts';

const SCREENS = { ...VIEWPORTS, narrow: { width: 320, height: 720 } } as const;

async function check(page: Page, where: string, lang: 'ja' | 'en' = 'ja'): Promise<void> {
  assert.equal(await page.getAttribute('html', 'lang'), lang, where);
  assert.equal(await page.locator('h1').count(), 1, `${where}: exactly one h1`);
  assert.equal(await page.evaluate(() => document.scripts.length), 0, `${where}: no JavaScript`);
  const violations = await checkAccessibility(page);
  assert.equal(violations.length, 0, `${where}:\n${formatViolations(violations)}`);
  const overflow = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return null;
    return [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > width + 0.5 && !e.closest('.table-wrap'))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)} px)`)
      .join(', ') + ` (page ${document.documentElement.scrollWidth} px) ` + (() => { const out: string[] = []; for (let e: Element | null = document.querySelector('.table-wrap'); e; e = e.parentElement) out.push(`${e.tagName}.${e.className}:${getComputedStyle(e).display}:${Math.round(e.getBoundingClientRect().width)}:${e.scrollWidth}`); return out.join(' < '); })();
  });
  assert.equal(overflow, null, `${where}: horizontal overflow at ${overflow}`);
}

async function submit(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.locator(selector).click()]);
  await page.waitForLoadState('load');
}

describe('policy evaluation pages in Chromium', { skip: browserTestSkip() }, () => {
  let server: LiveServer;
  let browser: Browser;
  const tabs: { context: BrowserContext; page: Page }[] = [];

  before(async () => {
    server = await startLiveServer({ clock: new ManualClock('2026-06-01T03:00:00Z') });
    const doc = demoPlanDocument() as unknown as { chapters: { sections: { code: string; measures?: unknown[] }[] }[] };
    doc.chapters[0]!.sections.find((s) => s.code === '6-1')!.measures = [{ code: '6-1-A', title: '市民活動の支援', department: 'shimin-kyodo' }];
    await importPlan(server.ctx.db, server.ctx.deps, server.tenant, { id: null, label: 'test' }, doc, 'ja', { demoActuals: true });
    await warmUpCharts();
    browser = await launchBrowser();
  });
  after(async () => {
    for (const t of tabs) await t.context.close();
    await browser?.close();
    await server?.close();
  });

  async function tab(device: keyof typeof SCREENS, role?: Role): Promise<Page> {
    const opened = await openPage(browser, SCREENS[device]);
    tabs.push(opened);
    if (role) {
      const user = await makeUser(server.ctx.db, server.tenant, role, role === 'staff' ? { departmentCode: 'shimin-kyodo' } : {});
      const token = await createSession(server.ctx.db, server.tenant.id, user.id, true);
      await opened.context.addCookies([{ name: SESSION_COOKIE, value: token, url: server.baseUrl }]);
    }
    return opened.page;
  }

  it('takes a text from the department to the published report, every page accessible at 320 px', async () => {
    const staff = await tab('narrow', 'staff');
    await staff.goto(`${server.baseUrl}/staff/plan/evaluation?fy=2017`);
    await check(staff, 'staff list');
    await staff.goto(`${server.baseUrl}/staff/plan/evaluation/entry?fy=2017&section=6-1`);
    await check(staff, 'entry form');
    await submit(staff, 'button[name="action"][value="submit"]');
    assert.equal(await staff.locator('.error-summary li').count(), 3, 'every empty field is named');
    await check(staff, 'entry form with errors');
    await staff.fill('#evaluation', '団体登録数は目標に近づいた。');
    await staff.fill('#issues', '若い世代の参加が少ない。');
    await staff.fill('#nextSteps', '講座を増やす。');
    await submit(staff, 'button[name="action"][value="submit"]');
    assert.match(staff.url(), /done=submitted/);
    await check(staff, 'entry submitted');

    const manager = await tab('narrow', 'plan_manager');
    await manager.goto(`${server.baseUrl}/staff/plan/evaluation/review?fy=2017&section=6-1`);
    await check(manager, 'review');
    await submit(manager, 'button[name="decision"][value="returned"]');
    await check(manager, 'review with its error');
    await submit(manager, 'button[name="decision"][value="approved"]');
    assert.match(manager.url(), /done=approved/);
    await check(manager, 'staff list after approval');

    await manager.goto(`${server.baseUrl}/staff/plan/evaluation/report?fy=2017`);
    await check(manager, 'staff report');
    await manager.emulateMedia({ media: 'print' });
    const hidden = await manager.evaluate(() =>
      [...document.querySelectorAll('main form, .no-print, .site-header__nav, .breadcrumbs')].every((e) => getComputedStyle(e).display === 'none'),
    );
    assert.ok(hidden, 'printing hides forms, downloads and navigation');
    assert.ok(await manager.evaluate(() => getComputedStyle(document.querySelector('#evaluation-text-6-1')!).display !== 'none'), 'the texts print');
    await manager.emulateMedia({ media: 'screen' });

    await manager.goto(`${server.baseUrl}/staff/plan/evaluation?fy=2017`);
    await submit(manager, 'form[action="/staff/plan/evaluation/publish"] button');
    assert.match(manager.url(), /done=published/);
    await check(manager, 'staff list, published');
    await manager.goto(`${server.baseUrl}/staff/plan/evaluation/entry?fy=2017&section=6-1`);
    await check(manager, 'entry of a frozen year');
  });

  for (const device of ['narrow', 'desktop'] as const) {
    for (const lang of ['ja', 'en'] as const) {
      it(`shows the public published reports accessibly (${device}, ${lang})`, async () => {
        const page = await tab(device);
        const q = lang === 'en' ? '?lang=en' : '';
        assert.equal((await page.goto(`${server.baseUrl}/plan/evaluations${q}`))?.status(), 200);
        await check(page, `public list (${device}, ${lang})`, lang);
        const res = await page.goto(`${server.baseUrl}/plan/evaluations/2017${q}`);
        assert.equal(res?.status(), 200, 'published by the first test');
        await check(page, `public report (${device}, ${lang})`, lang);
      });
    }
  }
});
