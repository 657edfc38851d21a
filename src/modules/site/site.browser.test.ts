/**
 * Every public page of the shell in a real Chromium: status, language, one h1, a working
 * skip link, and no axe-core violations (WCAG 2.0/2.1/2.2 A and AA), on a desktop and a
 * phone-sized screen. Set HIBIKI_SCREENSHOT_DIR to keep a screenshot of each page.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
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

interface PageCase {
  path: string;
  status: number;
  lang: 'ja' | 'en';
}

const PAGES: PageCase[] = [
  { path: '/', status: 200, lang: 'ja' },
  { path: '/accessibility', status: 200, lang: 'ja' },
  { path: '/privacy', status: 200, lang: 'ja' },
  { path: '/api/docs', status: 200, lang: 'ja' },
  { path: '/no-such-page', status: 404, lang: 'ja' },
  { path: '/?lang=en', status: 200, lang: 'en' },
  { path: '/accessibility?lang=en', status: 200, lang: 'en' },
  { path: '/login', status: 200, lang: 'ja' },
  { path: '/signup', status: 200, lang: 'ja' },
  { path: '/signup?lang=en', status: 200, lang: 'en' },
];

const screenshotDir = process.env.HIBIKI_SCREENSHOT_DIR;

async function screenshot(page: Page, name: string): Promise<void> {
  if (!screenshotDir) return;
  mkdirSync(screenshotDir, { recursive: true });
  const file = `${name.replace(/[^a-z0-9]+/gi, '_').replace(/^_|_$/g, '') || 'home'}.png`;
  await page.screenshot({ path: path.join(screenshotDir, file), fullPage: true });
}

/** The structure every page shares: its language, a single h1. */
async function assertPageStructure(page: Page, expected: PageCase): Promise<void> {
  assert.equal(await page.getAttribute('html', 'lang'), expected.lang, 'html lang');
  assert.equal(await page.locator('h1').count(), 1, 'exactly one h1');
  assert.ok((await page.title()).length > 0, 'a page title');
}

/**
 * The skip link is the first thing Tab reaches, is visible once focused, and moves focus to
 * the main landmark when activated with Enter (no JavaScript involved: it is a fragment link).
 */
async function assertSkipLink(page: Page, { fromStart = true } = {}): Promise<void> {
  const skip = page.locator('a.skip-link');
  if (fromStart) await page.keyboard.press('Tab');
  else await skip.focus();
  const focused = await page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    const box = el?.getBoundingClientRect();
    return { cls: el?.className ?? '', href: el?.getAttribute('href'), top: box?.top ?? -1, height: box?.height ?? 0 };
  });
  assert.equal(focused.cls, 'skip-link', 'Tab reaches the skip link first');
  assert.equal(focused.href, '#main');
  assert.ok(focused.top >= 0 && focused.height >= 24, `the focused skip link is on screen (top ${focused.top}, height ${focused.height})`);
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'main', 'Enter moves focus to #main');
}

async function assertNoViolations(page: Page, where: string): Promise<void> {
  const violations = await checkAccessibility(page);
  assert.equal(violations.length, 0, `${where}:\n${formatViolations(violations)}`);
}

describe('site pages in Chromium', { skip: browserTestSkip() }, () => {
  let server: LiveServer;
  let browser: Browser;
  // One tab per screen size, reused (a new tab costs more than the page check itself);
  // cookies are cleared before each test so every page is seen as by a first-time visitor.
  const tabs = new Map<string, { context: BrowserContext; page: Page }>();
  async function freshTab(device: keyof typeof VIEWPORTS): Promise<Page> {
    let tab = tabs.get(device);
    if (!tab) {
      tab = await openPage(browser, VIEWPORTS[device]);
      tabs.set(device, tab);
    }
    await tab.context.clearCookies();
    return tab.page;
  }

  before(async () => {
    server = await startLiveServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('finds violations when a page has them (the checker itself works)', async () => {
    const page = await freshTab('desktop');
    await page.goto(server.baseUrl + '/');
    await page.evaluate(() => {
      const main = document.querySelector('main')!;
      main.insertAdjacentHTML('beforeend', '<img src="/x.png"><p style="color:#aaa;background:#fff">faint</p>');
    });
    const ids = (await checkAccessibility(page)).map((v) => v.id);
    assert.ok(ids.includes('image-alt'), `image-alt reported (got ${ids.join(', ') || 'nothing'})`);
    assert.ok(ids.includes('color-contrast'), `color-contrast reported (got ${ids.join(', ') || 'nothing'})`);
  });

  for (const expected of PAGES) {
    for (const device of Object.keys(VIEWPORTS) as (keyof typeof VIEWPORTS)[]) {
      it(`renders ${expected.path} accessibly on a ${device} screen`, async () => {
        const page = await freshTab(device);
        const res = await page.goto(server.baseUrl + expected.path);
        assert.equal(res?.status(), expected.status, 'status');
        await assertPageStructure(page, expected);
        assert.equal(await page.locator('[aria-invalid="true"], .field--error, .error-summary').count(), 0, 'a fresh page shows no errors');
        await assertNoViolations(page, `${expected.path} (${device})`);
        await assertSkipLink(page);
        await screenshot(page, `${device}-${expected.path}`);
      });
    }
  }

  it('shows every error of an empty sign-up form in a focused summary, using only the keyboard', async () => {
    const page = await freshTab('desktop');
    await page.goto(server.baseUrl + '/signup');
    assert.equal(await page.evaluate(() => document.scripts.length), 0, 'the page ships no JavaScript');
    // The browser's own validation would stop an empty form: the forms opt out of it
    // (novalidate) so the server's messages are shown, all at once, in the page's language.
    const form = page.locator('main form[action="/signup"]');
    assert.equal(await form.getAttribute('novalidate'), '', 'the form relies on the server, not the browser');

    await form.locator('button[type="submit"]').focus();
    // Wait for the new document's load event, not just the response, before reading the page.
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/signup'),
      page.waitForEvent('load'),
      page.keyboard.press('Enter'),
    ]);
    assert.equal(res.status(), 400);
    assert.equal(await page.evaluate(() => document.scripts.length), 0, 'the error page ships no JavaScript');

    const summary = page.locator('.error-summary');
    assert.equal(await summary.count(), 1, 'an error summary');
    assert.equal(
      await page.evaluate(() => document.activeElement?.classList.contains('error-summary')),
      true,
      'focus starts on the summary (autofocus, no script)',
    );
    const hrefs = await summary.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
    assert.ok(hrefs.length >= 2, 'every missing field is listed');
    for (const href of hrefs) {
      const id = href.slice(1);
      const field = page.locator(`[id="${id}"]`);
      assert.equal(await field.count(), 1, `${href} points at a field`);
      assert.equal(await field.getAttribute('aria-invalid'), 'true', `${id} is marked invalid`);
      assert.match((await field.getAttribute('aria-describedby')) ?? '', new RegExp(`(^| )${id}-error( |$)`), `${id} is described by its message`);
      assert.equal(await page.locator(`[id="${id}-error"]`).count(), 1, `${id} shows its message beside it`);
    }

    await assertPageStructure(page, { path: '/signup', status: 400, lang: 'ja' });
    await assertNoViolations(page, '/signup with errors');
    await screenshot(page, 'desktop-signup-errors');

    // Tab from the summary reaches its first link; Enter on it moves focus to the field.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('href')), hrefs[0]);
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), hrefs[0]!.slice(1), 'the link moves focus to its field');

    await assertSkipLink(page, { fromStart: false });
  });
});
