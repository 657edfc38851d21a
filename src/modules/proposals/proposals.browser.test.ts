/**
 * The public and citizen proposals pages in a real Chromium with axe-core (WCAG 2.0/2.1/2.2 A
 * and AA), on a desktop and a phone screen, and without sideways scrolling at 320 px: the list
 * and search, a proposal with its answer, how it works, the figures, the submit form with its
 * errors, the citizen's own proposals and a draft. The pages ship no JavaScript.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { browserTestSkip } from '../../testing/browser.ts';
import { demoBrowser, type DemoBrowser } from './proposals.browser-support.ts';

describe('public and citizen proposals pages in Chromium', { skip: browserTestSkip() }, () => {
  let b: DemoBrowser;
  let draftId = '';

  before(async () => {
    b = await demoBrowser();
    // A draft of the citizen's, made through the form.
    const page = await b.visit('citizen', '/proposals/new');
    await page.fill('#title', '下書きの確認');
    await page.fill('#body', '途中まで');
    await page.check('#public-no');
    await Promise.all([page.waitForURL(/\/my\/drafts\//), page.locator('button[value="draft"]').click()]);
    draftId = /\/my\/drafts\/([0-9a-f-]+)/.exec(page.url())![1]!;
  });
  after(async () => b?.close());

  const publicPages: [string, 'ja' | 'en'][] = [
    ['/proposals', 'ja'],
    ['/proposals?lang=en', 'en'],
    ['/proposals?q=公園&status=implemented', 'ja'],
    ['/proposals/about', 'ja'],
    ['/proposals/statistics', 'ja'],
    ['/proposals/statistics?lang=en', 'en'],
  ];
  for (const [path, lang] of publicPages) {
    it(`renders ${path} accessibly`, async () => b.check(await b.visit('anonymous', path), path, lang));
  }

  it('renders a public proposal with its answer accessibly, for visitors and signed-in citizens', async () => {
    const number = b.byState.get('implemented')!;
    await b.check(await b.visit('anonymous', `/proposals/${number}`), 'public detail');
    await b.check(await b.visit('anonymous', `/proposals/${number}?lang=en`), 'public detail (English)', 'en');
    const page = await b.visit('citizen', `/proposals/${b.byState.get('assigned-kyodo')!}`);
    await b.check(page, 'public detail with the support and report forms');
    assert.equal(await b.press(page, 'form[action$="/report"] button'), 400);
    assert.deepEqual(await page.locator('.error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))), ['#reason']);
    await b.check(page, 'report form with its error');
  });

  it('renders the submit form, empty and with every error, accessibly', async () => {
    const page = await b.visit('citizen', '/proposals/new');
    await b.check(page, 'submit form');
    assert.equal(await b.press(page, 'button[value="submit"]'), 400);
    assert.deepEqual(await page.locator('.error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))), ['#title', '#body', '#public']);
    await b.check(page, 'submit form with errors');
    await page.locator('.error-summary a[href="#public"]').click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'public', 'the summary link moves to the field');
  });

  it('renders the citizen’s own proposals, one with its history, and a draft accessibly', async () => {
    await b.check(await b.visit('citizen', '/my/proposals'), 'my proposals');
    const own = await b.visit('citizen', `/my/proposals/${b.byState.get('own')!}`);
    await b.check(own, 'my proposal');
    assert.ok((await own.locator('table.history-table tbody tr').count()) >= 2);
    await b.check(await b.visit('citizen', `/my/drafts/${draftId}`), 'draft');
  });

});
