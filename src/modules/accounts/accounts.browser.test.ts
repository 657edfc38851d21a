/**
 * The account pages in a real Chromium with JavaScript off (the pages ship none): each passes
 * axe-core (WCAG 2.x A and AA) on a desktop and a phone, has no sideways scrolling at 320 px,
 * and its forms work by plain submission. Password reset (request, sent, set), the agreements,
 * changing one's password and address, signing out other sessions, accepting an invitation,
 * the administrator's user page with its disable / re-enable / reset confirmations, and the
 * two-factor pages (enrol, recovery codes, the code at sign-in, turning it off).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as OTPAuth from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { SESSION_COOKIE } from '../../core/auth.ts';
import { ManualClock } from '../../core/clock.ts';
import { browserTestSkip, checkAccessibility, formatViolations, launchBrowser, startLiveServer, VIEWPORTS, type LiveServer } from '../../testing/browser.ts';
import { makeUser, type TestUser } from '../../testing/factories.ts';
import { issueSetPasswordLink } from './accounts.links.ts';
import { RESET_LINK_TTL_SECONDS } from './accounts.recovery.ts';
import { createSession } from './accounts.sessions.ts';

describe('account pages in Chromium', { skip: browserTestSkip() }, () => {
  const clock = new ManualClock(new Date());
  let server: LiveServer;
  let browser: Browser;

  before(async () => {
    server = await startLiveServer({ clock });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /**
   * A tab signed in as user (a session that counts) or anonymous. JavaScript stays on only so
   * axe can run (the pages ship none, checked on each); `javaScript: false` for flows that
   * prove the forms work without it.
   */
  async function tab(user?: TestUser, javaScript = true): Promise<Page> {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, bypassCSP: true, locale: 'ja-JP', javaScriptEnabled: javaScript });
    if (user) {
      const value = await createSession(server.ctx.db, server.tenant.id, user.id, true);
      await context.addCookies([{ name: SESSION_COOKIE, value, url: server.baseUrl }]);
    }
    return context.newPage();
  }

  async function visit(page: Page, path: string, status = 200): Promise<Page> {
    const res = await page.goto(server.baseUrl + path);
    assert.equal(res?.status(), status, path);
    return page;
  }

  /** Submits the form of the button (a plain POST, no script) and returns the answer's status. */
  async function press(page: Page, button: string): Promise<number> {
    const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.locator(button).first().click()]);
    await page.waitForLoadState('load');
    return res.status();
  }

  async function check(page: Page, where: string): Promise<void> {
    assert.equal(await page.locator('h1').count(), 1, `${where}: exactly one h1`);
    assert.equal(await page.locator('script').count(), 0, `${where}: no JavaScript`);
    for (const size of [VIEWPORTS.desktop, VIEWPORTS.mobile]) {
      await page.setViewportSize(size);
      const violations = await checkAccessibility(page);
      assert.equal(violations.length, 0, `${where} at ${size.width}px:\n${formatViolations(violations)}`);
    }
    await page.setViewportSize({ width: 320, height: 640 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${where}: ${overflow}px of sideways scrolling at 320 px (${await widest(page)})`);
    await page.setViewportSize(VIEWPORTS.desktop);
  }

  /** The elements that stick out of the viewport on the right, for failure messages. */
  const widest = (page: Page) =>
    page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
        .filter((el) => !el.parentElement?.closest('.table-wrap'))
        .slice(0, 6)
        .map((el) => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}px`)
        .join(', '),
    );

  /** The link in the newest mail to the address. */
  async function mailedLink(to: string, path: string): Promise<string> {
    const [row] = await server.ctx.db.query<{ body_text: string }>(
      'select body_text from mail_outbox where tenant_id = $1 and to_address = $2 order by created_at desc, id desc limit 1',
      [server.tenant.id, to],
    );
    const match = new RegExp(`${path.replace(/[/?]/g, '\\$&')}\\?token=([^\\s&]+)`).exec(row?.body_text ?? '');
    assert.ok(match, `a ${path} link was mailed to ${to}`);
    return `${path}?token=${match[1]}`;
  }

  const code = (secret: string) =>
    OTPAuth.TOTP.generate({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp: clock.now().getTime() });

  it('renders the agreements and the password reset pages, and resets a password without JavaScript', { timeout: 120_000 }, async () => {
    const page = await tab();
    await check(await visit(page, '/terms'), 'terms');
    await check(await visit(page, '/terms/privacy'), 'privacy notice');
    await check(await visit(page, '/terms?lang=en'), 'terms (English)');

    const citizen = await makeUser(server.ctx.db, server.tenant, 'citizen');
    await check(await visit(page, '/login/forgot'), 'forgotten password');
    assert.equal(await press(page, 'form[action="/login/forgot"] button[type=submit]'), 400, 'an empty address is refused');
    await check(page, 'forgotten password with an error');
    await page.fill('#email', citizen.email);
    await press(page, 'form[action="/login/forgot"] button[type=submit]');
    assert.ok(page.url().endsWith('/login/forgot/sent'), page.url());
    await check(page, 'reset link sent');

    // The link is mailed by a scheduler job (accounts.recovery.test.ts runs it); here it is issued directly.
    const link = await server.ctx.db.transaction((tx) =>
      issueSetPasswordLink(tx, server.ctx.config, server.tenant, citizen.id, 'reset_password', RESET_LINK_TTL_SECONDS, clock.now()),
    );
    await check(await visit(page, new URL(link).pathname + new URL(link).search), 'set password');
    await page.fill('#password', 'short');
    assert.equal(await press(page, 'form[action="/account/set-password"] button[type=submit]'), 400);
    await check(page, 'set password with errors');
    await page.fill('#password', 'a-new-long-password-2026');
    await page.fill('#passwordConfirm', 'a-new-long-password-2026');
    assert.ok((await press(page, 'form[action="/account/set-password"] button[type=submit]')) < 400);
    await check(page, 'after setting the password');
    await visit(page, '/account/set-password?token=spent', 400);
    await check(page, 'a spent link');
  });

  it('renders changing the password and address and signing out elsewhere', { timeout: 120_000 }, async () => {
    const citizen = await makeUser(server.ctx.db, server.tenant, 'citizen');
    await createSession(server.ctx.db, server.tenant.id, citizen.id, true); // another browser
    const page = await tab(citizen);
    await check(await visit(page, '/account'), 'account with another session');
    assert.equal(await page.locator('form[action="/account/sessions/end-others"]').count(), 1);
    await press(page, 'form[action="/account/sessions/end-others"] button');
    assert.ok(page.url().includes('done=ended'), page.url());
    await check(page, 'account after signing out elsewhere');

    await check(await visit(page, '/account/password'), 'change password');
    assert.equal(await press(page, 'form[action="/account/password"] button[type=submit]'), 400);
    await check(page, 'change password with errors');
    await page.fill('#currentPassword', citizen.password);
    await page.fill('#newPassword', 'another-long-password-2026');
    await page.fill('#newPasswordConfirm', 'another-long-password-2026');
    await press(page, 'form[action="/account/password"] button[type=submit]');
    assert.ok(page.url().includes('done=password'), page.url());
    await check(page, 'account after changing the password');

    await check(await visit(page, '/account/email'), 'change address');
    assert.equal(await press(page, 'form[action="/account/email"] button[type=submit]'), 400);
    await check(page, 'change address with errors');
    await page.fill('#newEmail', `new-${citizen.email}`);
    await page.fill('#currentPassword', 'another-long-password-2026');
    await press(page, 'form[action="/account/email"] button[type=submit]');
    assert.ok(page.url().includes('done=email'), page.url());
    await check(await visit(page, await mailedLink(`new-${citizen.email}`, '/account/email/confirm')), 'address confirmed');
  });

  it('renders an invitation, the user page and its confirmations for an administrator', { timeout: 180_000 }, async () => {
    const admin = await makeUser(server.ctx.db, server.tenant, 'admin');
    const page = await tab(admin);
    await check(await visit(page, '/admin/users/new'), 'invite');
    const invited = `invited-${Date.now()}@example.jp`;
    await page.fill('#email', invited);
    await page.fill('#displayName', '招待 太郎');
    await page.selectOption('#role', 'plan_manager');
    assert.equal(await press(page, 'form[action="/admin/users/new"] button[type=submit]'), 303, await page.locator('main').innerText());
    await check(page, 'users after inviting');

    const guest = await tab();
    await check(await visit(guest, await mailedLink(invited, '/account/set-password')), 'accept the invitation');
    await guest.fill('#password', 'invited-long-password-2026');
    await guest.fill('#passwordConfirm', 'invited-long-password-2026');
    assert.ok((await press(guest, 'form[action="/account/set-password"] button[type=submit]')) < 400);
    await check(guest, 'invitation accepted');

    const citizen = await makeUser(server.ctx.db, server.tenant, 'citizen');
    await check(await visit(page, `/admin/users/${citizen.id}`), 'user page');
    await press(page, `form[action="/admin/users/${citizen.id}"] button[type=submit]`);
    await check(page, 'user page after saving');
    await check(await visit(page, `/admin/users/${citizen.id}/disable`), 'disable confirmation');
    await press(page, `form[action="/admin/users/${citizen.id}/disable"] button[type=submit]`);
    assert.ok(page.url().includes('done=disabled'), page.url());
    await check(page, 'a disabled user, with re-enable');
    await press(page, `form[action="/admin/users/${citizen.id}/enable"] button[type=submit]`);
    assert.ok(page.url().includes('done=enabled'), page.url());
    await check(page, 'a re-enabled user');
  });

  it('renders the two-factor pages: enrol, recovery codes, the code at sign-in, a wrong code, turning it off', { timeout: 180_000 }, async () => {
    const citizen = await makeUser(server.ctx.db, server.tenant, 'citizen');
    const page = await tab(citizen);
    await visit(page, '/account');
    await page.locator('a[href^="/account/two-factor/setup"]').click();
    await page.waitForLoadState('load');
    await check(page, 'two-factor set-up');
    const secret = await page.locator('input[name=secret]').inputValue();
    await page.fill('#code', '000000');
    assert.equal(await press(page, 'form[action="/account/two-factor/setup"] button[type=submit]'), 400);
    await check(page, 'two-factor set-up with a wrong code');
    await page.fill('#code', code(await page.locator('input[name=secret]').inputValue()));
    assert.equal(await press(page, 'form[action="/account/two-factor/setup"] button[type=submit]'), 200);
    await check(page, 'recovery codes');

    // Signing in again, in a browser with JavaScript off: the password, then the code.
    clock.advance(30_000);
    const noScript = await tab(undefined, false);
    const signIn = async (into: Page) => {
      await visit(into, '/login');
      await into.fill('#email', citizen.email);
      await into.fill('#password', citizen.password);
      await press(into, 'form[action="/login"] button[type=submit]');
      assert.ok(into.url().includes('/login/two-factor'), into.url());
    };
    await signIn(noScript);
    await noScript.fill('#code', '000000');
    assert.equal(await press(noScript, 'form[action="/login/two-factor"] button[type=submit]'), 401);
    await noScript.fill('#code', code(secret));
    assert.equal(await press(noScript, 'form[action="/login/two-factor"] button[type=submit]'), 303);
    assert.ok(noScript.url().endsWith('/start'), noScript.url());

    clock.advance(30_000);
    const fresh = await tab();
    await signIn(fresh);
    await check(fresh, 'the code at sign-in');
    await fresh.fill('#code', '000000');
    assert.equal(await press(fresh, 'form[action="/login/two-factor"] button[type=submit]'), 401);
    await check(fresh, 'a wrong code at sign-in');
    await fresh.fill('#code', code(secret));
    await press(fresh, 'form[action="/login/two-factor"] button[type=submit]');

    clock.advance(30_000);
    await check(await visit(fresh, '/account/two-factor/disable'), 'turn two-factor off');
    assert.equal(await press(fresh, 'form[action="/account/two-factor/disable"] button[type=submit]'), 400);
    await check(fresh, 'turn two-factor off with errors');
    await fresh.fill('#code', code(secret));
    await fresh.fill('#currentPassword', citizen.password);
    await press(fresh, 'form[action="/account/two-factor/disable"] button[type=submit]');
    assert.ok(fresh.url().includes('done=twoFactorOff'), fresh.url());
    await check(fresh, 'account after turning two-factor off');
  });
});
