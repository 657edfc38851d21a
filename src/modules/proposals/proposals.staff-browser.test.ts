/**
 * The staff proposals pages in a real Chromium with axe-core (WCAG 2.0/2.1/2.2 A and AA), on a
 * desktop and a phone screen, and without sideways scrolling at 320 px: the inbox per
 * department, overdue answers, keying in a letter, the approval and moderation queues, and the
 * case page in each state of a proposal, with a form's errors; and an answer given and
 * approved through the forms. The pages ship no JavaScript.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { browserTestSkip } from '../../testing/browser.ts';
import { demoBrowser, type DemoBrowser } from './proposals.browser-support.ts';

describe('staff proposals pages in Chromium', { skip: browserTestSkip() }, () => {
  let b: DemoBrowser;

  before(async () => {
    b = await demoBrowser();
  });
  after(async () => b?.close());

  it('renders the staff inbox, overdue list and key-in form accessibly', async () => {
    await b.check(await b.visit('staff', '/staff/proposals'), 'inbox (department)');
    await b.check(await b.visit('planner', '/staff/proposals'), 'inbox (intake)');
    await b.check(await b.visit('planner', '/staff/proposals?view=all&lang=en'), 'inbox (all, English)', 'en');
    await b.check(await b.visit('staff', '/staff/proposals/overdue'), 'overdue');
    const page = await b.visit('staff', '/staff/proposals/new');
    await b.check(page, 'key-in form');
    assert.equal(await b.press(page, 'main form button[type="submit"]'), 400);
    await b.check(page, 'key-in form with errors');
  });

  it('renders the approvals and moderation queues accessibly', async () => {
    await b.check(await b.visit('planner', '/staff/proposals/approvals'), 'approvals');
    await b.check(await b.visit('planner', '/staff/proposals/moderation'), 'moderation');
  });

  it('renders the case page in every state accessibly, with a form’s errors', async () => {
    for (const [state, who] of [
      ['received', 'planner'],
      ['submitted', 'planner'],
      ['implemented', 'planner'],
      ['declined', 'planner'],
      ['assigned-kyodo', 'staff'],
    ] as const) {
      await b.check(await b.visit(who, `/staff/proposals/${b.byState.get(state)!}`), `case (${state})`);
    }
    const page = await b.visit('staff', `/staff/proposals/${b.byState.get('assigned-kyodo')!}`);
    assert.equal(await b.press(page, 'form[action$="/answer"] button[value="submit"]'), 400);
    assert.deepEqual(await page.locator('.error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))), ['#answer-decision', '#answer-text']);
    await b.check(page, 'case with the answer form’s errors');
  });

  it('answers a proposal through the forms without JavaScript', async () => {
    const number = b.byState.get('assigned-kyodo')!;
    const page = await b.visit('staff', `/staff/proposals/${number}`);
    await page.selectOption('#answer-decision', 'adopt');
    await page.fill('#answer-text', '来年度に整備します。');
    assert.equal(await b.press(page, 'form[action$="/answer"] button[value="submit"]'), 303);
    assert.ok(page.url().endsWith(`/staff/proposals/${number}?done=answer`));
    await b.check(page, 'case after answering');
    const approver = await b.visit('planner', `/staff/proposals/${number}`);
    assert.equal(await b.press(approver, 'form[action$="/approve-answer"] button'), 303);
    const shown = await b.visit('anonymous', `/proposals/${number}`);
    assert.match(await shown.locator('main').innerText(), /来年度に整備します。/);
  });
});
