/**
 * Width across the site, for every role: signed in as each (anonymous, citizen, staff, plan
 * manager, administrator) on the demo data, the pages linked from the header, the navigation
 * and the start page are opened in one Chromium, in sequence. At 320 px the document never
 * scrolls sideways; at 1,280 px no table clips a column (each table fits its container).
 * Measuring only (axe runs in each module's own browser tests), so it stays fast.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { SESSION_COOKIE, type Role } from './core/auth.ts';
import { ensureDepartment } from './core/tenancy.ts';
import { DEMO_DEPARTMENTS } from './seed.ts';
import { browserTestSkip, launchBrowser, startLiveServer, type LiveServer } from './testing/browser.ts';
import { DEMO_ACCOUNTS, findUserByEmail } from './modules/accounts/accounts.service.ts';
import { createSession } from './modules/accounts/accounts.sessions.ts';

/** Links not to follow: leaving the site, downloads and API answers, sign-out, language switches. */
const SKIP = [/^\/api\//, /^\/opendata\/.+\.(csv|json)/, /\.(csv|json|svg|png|pdf)$/, /^\/logout/, /^\/static\//, /[?&]lang=/];
/** At most this many pages per role (the header, the nav and the start page's own links). */
const MAX_PAGES = 30;

describe('page widths across the site, per role', { skip: browserTestSkip() }, () => {
  let server: LiveServer;
  let browser: Browser;

  before(async () => {
    server = await startLiveServer();
    const { db, deps, config, platform } = server.ctx;
    await db.transaction(async (tx) => {
      for (const d of DEMO_DEPARTMENTS) await ensureDepartment(tx, server.tenant.id, d);
      for (const m of platform.modules) await m.seedDemo?.(tx, server.tenant, { config, clock: deps.clock, deps });
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Same-site paths linked from the header, the navigation and the main content of the page. */
  const linksOf = (page: Page) =>
    page.evaluate(() =>
      [...document.querySelectorAll('header a[href], nav a[href], main a[href]')]
        .map((a) => new URL((a as HTMLAnchorElement).href))
        .filter((u) => u.origin === location.origin)
        .map((u) => u.pathname + u.search),
    );

  /** What is wrong with the page's widths ('' when nothing). */
  async function widthProblems(page: Page, path: string): Promise<string[]> {
    const problems: string[] = [];
    await page.setViewportSize({ width: 320, height: 640 });
    const res = await page.goto(server.baseUrl + path);
    if ((res?.status() ?? 0) >= 500) return [`${path}: status ${res?.status()}`];
    const narrow = await page.evaluate(() => {
      const doc = document.documentElement;
      const over = doc.scrollWidth - doc.clientWidth;
      const culprits = [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > doc.clientWidth + 0.5 && !el.parentElement?.closest('.table-wrap, pre'))
        .slice(0, 3)
        .map((el) => `${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ').join('.') : ''}`);
      return { over, culprits };
    });
    if (narrow.over > 0) problems.push(`${path} at 320 px: ${narrow.over}px sideways (${narrow.culprits.join(', ')})`);
    await page.setViewportSize({ width: 1280, height: 800 });
    const clipped = await page.evaluate(() =>
      [...document.querySelectorAll('table')]
        .map((table) => {
          const container = table.closest('.table-wrap') ?? table.parentElement!;
          return { over: Math.ceil(table.getBoundingClientRect().width - container.clientWidth), caption: table.caption?.textContent?.trim().slice(0, 40) ?? '' };
        })
        .filter((t) => t.over > 1),
    );
    for (const t of clipped) problems.push(`${path} at 1280 px: table "${t.caption}" ${t.over}px wider than its container`);
    return problems;
  }

  const roles: (Role | 'anonymous')[] = ['anonymous', 'citizen', 'staff', 'plan_manager', 'admin'];
  it('has no sideways scrolling at 320 px and no clipped table at 1,280 px on the pages each role reaches', { timeout: 180_000 }, async () => {
    const problems: string[] = [];
    let visited = 0;
    for (const role of roles) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ja-JP' });
      if (role !== 'anonymous') {
        const account = DEMO_ACCOUNTS.find((a) => a.role === role)!;
        const user = (await findUserByEmail(server.ctx.db, server.tenant.id, account.email))!;
        const value = await createSession(server.ctx.db, server.tenant.id, user.id, true);
        await context.addCookies([{ name: SESSION_COOKIE, value, url: server.baseUrl }]);
      }
      const page = await context.newPage();
      const start = role === 'anonymous' ? '/' : '/start';
      await page.goto(server.baseUrl + start);
      const paths = [start, ...new Set(await linksOf(page))].filter((p, i, all) => all.indexOf(p) === i && !SKIP.some((re) => re.test(p))).slice(0, MAX_PAGES);
      for (const path of paths) {
        problems.push(...(await widthProblems(page, path)).map((p) => `${role}: ${p}`));
        visited += 1;
      }
      await context.close();
    }
    assert.ok(visited >= 20, `pages visited: ${visited}`);
    assert.deepEqual(problems, []);
  });
});
