/**
 * Browser test support for the proposals pages: a live server whose municipality holds the
 * chapter-6 plan and the demo data (accounts, proposals in every state), one signed-in tab per
 * demo role, and the page check every test makes (one h1, the language, no script, axe clean
 * on a desktop and a phone, no sideways scrolling at 320 px).
 */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { SESSION_COOKIE } from '../../core/auth.ts';
import { ensureDepartment } from '../../core/tenancy.ts';
import { DEMO_DEPARTMENTS } from '../../seed.ts';
import { checkAccessibility, formatViolations, launchBrowser, openPage, startLiveServer, VIEWPORTS, type LiveServer } from '../../testing/browser.ts';
import { createSession } from '../accounts/accounts.sessions.ts';
import { findUserByEmail, seedDemoAccounts } from '../accounts/accounts.service.ts';
import { demoPlanDocument } from '../plan/plan.seed.ts';
import { importPlan } from '../plan/plan.service.ts';
import { seedDemoProposals } from './proposals.seed.ts';

export type Who = 'anonymous' | 'citizen' | 'staff' | 'planner';

export interface DemoBrowser {
  server: LiveServer;
  browser: Browser;
  /** Numbers of demo proposals by their state ('received', 'assigned-kyodo', 'submitted', 'implemented', 'declined', 'own'). */
  byState: Map<string, string>;
  /** Opens path in the role's tab, expecting the status. */
  visit(who: Who, path: string, status?: number): Promise<Page>;
  /** Clicks a submit button and waits for the answer; the POST's status. */
  press(page: Page, button: string): Promise<number>;
  /** The checks every page gets. */
  check(page: Page, where: string, lang?: 'ja' | 'en'): Promise<void>;
  close(): Promise<void>;
}

export async function demoBrowser(): Promise<DemoBrowser> {
  const server = await startLiveServer();
  const { db, deps, config } = server.ctx;
  const tenant = server.tenant;
  await importPlan(db, deps, tenant, { id: null, label: 'test' }, demoPlanDocument(), 'ja', { demoActuals: true });
  await db.transaction(async (tx) => {
    for (const d of DEMO_DEPARTMENTS) await ensureDepartment(tx, tenant.id, d);
    await seedDemoAccounts(tx, tenant);
    await seedDemoProposals(tx, tenant, { config, clock: deps.clock, deps });
  });
  const rows = await db.query<{ number: string; status: string; answer_state: string | null; moderation: string; department_code: string | null }>(
    'select number, status, answer_state, moderation, department_code from proposals where tenant_id = $1 order by number',
    [tenant.id],
  );
  const byState = new Map<string, string>();
  const pick = (key: string, test: (r: (typeof rows)[number]) => boolean) => {
    const r = rows.find(test);
    if (r) byState.set(key, r.number);
  };
  pick('received', (r) => r.status === 'received');
  pick('assigned-kyodo', (r) => r.status === 'assigned' && r.department_code === 'shimin-kyodo' && r.moderation === 'published');
  pick('submitted', (r) => r.status === 'answered' && r.answer_state === 'submitted');
  pick('implemented', (r) => r.status === 'implemented' && r.moderation === 'published');
  pick('declined', (r) => r.status === 'declined');
  const citizen = (await findUserByEmail(db, tenant.id, 'citizen@demo.hibiki.example'))!;
  const own = await db.one<{ number: string }>(`select number from proposals where tenant_id = $1 and proposer_id = $2 and status = 'assigned' limit 1`, [tenant.id, citizen.id]);
  byState.set('own', own.number);

  const browser = await launchBrowser();
  const tabs = new Map<Who, Page>();
  for (const who of ['anonymous', 'citizen', 'staff', 'planner'] as const) {
    const { page, context } = await openPage(browser, VIEWPORTS.desktop);
    if (who !== 'anonymous') {
      const user = (await findUserByEmail(db, tenant.id, `${who}@demo.hibiki.example`))!;
      await context.addCookies([{ name: SESSION_COOKIE, value: await createSession(db, tenant.id, user.id, true), url: server.baseUrl }]);
    }
    tabs.set(who, page);
  }

  return {
    server,
    browser,
    byState,
    async visit(who, path, status = 200) {
      const page = tabs.get(who)!;
      // The language comes from ?lang= alone: forget the one an earlier page chose.
      await page.context().clearCookies({ name: 'lang' });
      const res = await page.goto(server.baseUrl + path);
      assert.equal(res?.status(), status, path);
      return page;
    },
    async press(page, button) {
      const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.locator(button).click()]);
      await page.waitForLoadState('load');
      return res.status();
    },
    async check(page, where, lang = 'ja') {
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
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
