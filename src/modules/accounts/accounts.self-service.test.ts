/**
 * A signed-in person's own account through the real stack: changing the password (the current
 * one required, other sessions end), changing the address (re-verified by a link to the new
 * one, the old one told), signing out everywhere else, the idle timeout, and the scheduled
 * sweep of ended sessions.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SESSION_COOKIE } from '../../core/auth.ts';
import { ManualClock, systemClock } from '../../core/clock.ts';
import { sha256 } from '../../core/crypto.ts';
import { listOutbox } from '../../core/mail.ts';
import { createScheduler } from '../../core/scheduler.ts';
import { newTenant, startTestApp, TestClient, type TestContext, type TestTenant } from '../../testing/harness.ts';
import { accountsMessages } from './accounts.messages.ts';
import { createUserAccount } from './accounts.service.ts';
import { SESSION_IDLE_SETTING, SESSION_SWEEP_JOB, sessionSweepJob } from './accounts.sessions.ts';

let ctx: TestContext;
const clock = new ManualClock('2026-06-01T03:00:00Z');
before(async () => {
  ctx = await startTestApp({ clock });
});
after(async () => ctx.close());

const PASSWORD = 'correct-horse-battery';
const ja = (key: keyof typeof accountsMessages) => accountsMessages[key].ja;

async function setup(email = 'self@example.jp'): Promise<{ tenant: TestTenant; email: string; userId: string }> {
  const tenant = await newTenant(ctx.db);
  const user = await ctx.db.transaction((tx) =>
    createUserAccount(tx, tenant, { email, password: PASSWORD, role: 'citizen', displayName: '自分 市民', emailVerified: true }),
  );
  return { tenant, email, userId: user.id };
}

async function signedIn(tenant: TestTenant, email: string, password = PASSWORD): Promise<TestClient> {
  const client = new TestClient(ctx.app, tenant.host);
  const res = await client.submit('/login', { email, password });
  assert.equal(res.statusCode, 303, `signs in as ${email}`);
  return client;
}

const sessionHashOf = (client: TestClient) => sha256(client.jar.cookies.get(SESSION_COOKIE)!);

describe('changing one’s password', () => {
  it('needs the current password, ends the other sessions but this one, and tells the address', async () => {
    const { tenant, email } = await setup();
    const here = await signedIn(tenant, email);
    const elsewhere = await signedIn(tenant, email);
    const page = await here.get('/account/password');
    assert.equal(page.statusCode, 200);

    const wrong = await here.submit('/account/password', { currentPassword: 'not-my-password', newPassword: 'a-new-passphrase-1', newPasswordConfirm: 'a-new-passphrase-1' });
    assert.equal(wrong.statusCode, 400);
    assert.ok(wrong.body.includes('href="#currentPassword"') && wrong.body.includes(ja('accounts.error.currentPasswordWrong')));
    assert.ok(!wrong.body.includes('not-my-password'), 'no password is echoed');
    const mismatch = await here.submit('/account/password', { currentPassword: PASSWORD, newPassword: 'a-new-passphrase-1', newPasswordConfirm: 'something-else-1' });
    assert.equal(mismatch.statusCode, 400);
    assert.ok(mismatch.body.includes('href="#newPasswordConfirm"'));
    const empty = await here.submit('/account/password', {});
    assert.equal(empty.statusCode, 400);
    for (const field of ['currentPassword', 'newPassword']) assert.ok(empty.body.includes(`href="#${field}"`), field);
    assert.equal((await elsewhere.get('/account')).statusCode, 200, 'refused changes ended nothing');

    const done = await here.submit('/account/password', { currentPassword: PASSWORD, newPassword: 'a-new-passphrase-1', newPasswordConfirm: 'a-new-passphrase-1' });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/account?done=password');
    const account = await here.get('/account?done=password');
    assert.equal(account.statusCode, 200, 'this session stays');
    assert.ok(account.body.includes(ja('accounts.self.passwordChanged')));
    assert.equal((await elsewhere.get('/account')).statusCode, 303, 'the other session ended');
    const notice = (await listOutbox(ctx.db, tenant.id)).find((m) => m.subject.includes('パスワードが変更されました'));
    assert.equal(notice?.to_address, email);
    assert.equal((await new TestClient(ctx.app, tenant.host).submit('/login', { email, password: PASSWORD })).statusCode, 401);
    await signedIn(tenant, email, 'a-new-passphrase-1');
  });

  it('limits wrong current passwords per account to five in 15 minutes', async () => {
    const { tenant, email } = await setup();
    const client = await signedIn(tenant, email);
    const csrf = await client.csrfToken();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await client.submit('/account/password', { currentPassword: `guess-${i}`, newPassword: 'a-new-passphrase-1', newPasswordConfirm: 'a-new-passphrase-1' }, { csrf })).statusCode);
    }
    assert.deepEqual(statuses, [400, 400, 400, 400, 400, 429]);
    const right = await client.submit('/account/password', { currentPassword: PASSWORD, newPassword: 'a-new-passphrase-1', newPasswordConfirm: 'a-new-passphrase-1' }, { csrf });
    assert.equal(right.statusCode, 429, 'not even the right one while limited');
  });

  it('refuses the change without a CSRF token or with an API token', async () => {
    const { tenant, email } = await setup();
    const client = await signedIn(tenant, email);
    const forged = await client.submit('/account/password', { currentPassword: PASSWORD, newPassword: 'a-new-passphrase-1', newPasswordConfirm: 'a-new-passphrase-1' }, { csrf: null });
    assert.equal(forged.statusCode, 403);
    const created = await client.submit('/account/tokens', { name: 'script' });
    const token = /<code data-api-token>(hbk_[^<]+)<\/code>/.exec(created.body)?.[1];
    assert.ok(token);
    const viaToken = await ctx.app.inject({
      method: 'POST',
      url: '/account/password',
      headers: { host: tenant.host, authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ currentPassword: PASSWORD, newPassword: 'a-new-passphrase-1', newPasswordConfirm: 'a-new-passphrase-1' }).toString(),
    });
    assert.equal(viaToken.statusCode, 403);
    await signedIn(tenant, email, PASSWORD);
  });
});

describe('changing one’s e-mail address', () => {
  it('mails a link to the new address, tells the old one, and changes the address only when the link is opened, once', async () => {
    const { tenant, email, userId } = await setup();
    await ctx.db.transaction((tx) => createUserAccount(tx, tenant, { email: 'taken@example.jp', password: PASSWORD, role: 'citizen', displayName: 'x', emailVerified: true }));
    const client = await signedIn(tenant, email);
    const wrong = await client.submit('/account/email', { newEmail: 'new@example.jp', currentPassword: 'not-it-at-all' });
    assert.equal(wrong.statusCode, 400);
    assert.ok(wrong.body.includes('value="new@example.jp"'), 'keeps the typed address');
    const taken = await client.submit('/account/email', { newEmail: 'Taken@Example.jp', currentPassword: PASSWORD });
    assert.equal(taken.statusCode, 400);
    assert.ok(taken.body.includes(ja('accounts.error.emailTaken')));
    const malformed = await client.submit('/account/email', { newEmail: 'nope', currentPassword: PASSWORD });
    assert.equal(malformed.statusCode, 400);
    assert.ok(malformed.body.includes('href="#newEmail"'));
    assert.equal((await listOutbox(ctx.db, tenant.id)).length, 0, 'refused requests mail nothing');

    const asked = await client.submit('/account/email', { newEmail: 'New@Example.jp', currentPassword: PASSWORD });
    assert.equal(asked.statusCode, 303);
    const outbox = await listOutbox(ctx.db, tenant.id);
    const toNew = outbox.find((m) => m.to_address === 'new@example.jp');
    const toOld = outbox.find((m) => m.to_address === email);
    assert.ok(toNew && toOld, 'a link to the new address and a notice to the old one');
    assert.ok(toOld.body_text.includes('new@example.jp') && !toOld.body_text.includes('token='), 'the notice carries no link');
    const link = new URL(/(http:\/\/\S+\/account\/email\/confirm\?token=\S+)/.exec(toNew.body_text)![1]!);
    const [row] = await ctx.db.query<{ email: string }>('select email from users where tenant_id = $1 and id = $2', [tenant.id, userId]);
    assert.equal(row!.email, email, 'unchanged until the link is opened');

    const anyone = new TestClient(ctx.app, tenant.host);
    const confirmed = await anyone.get(link.pathname + link.search);
    assert.equal(confirmed.statusCode, 200);
    assert.ok(confirmed.body.includes(ja('accounts.self.emailChangedTitle')));
    const again = await anyone.get(link.pathname + link.search);
    assert.equal(again.statusCode, 400, 'the link works once');
    const [changed] = await ctx.db.query<{ email: string }>('select email from users where tenant_id = $1 and id = $2', [tenant.id, userId]);
    assert.equal(changed!.email, 'new@example.jp');
    await signedIn(tenant, 'new@example.jp');
    const audit = await ctx.db.query<{ action: string }>("select action from audit_log where tenant_id = $1 and action like 'user.email%' order by seq", [tenant.id]);
    assert.deepEqual(audit.map((a) => a.action), ['user.email_change_requested', 'user.email_change']);
  });

  it('refuses the link to a new address after 24 hours on the app’s clock', async () => {
    const { tenant, email } = await setup();
    const client = await signedIn(tenant, email);
    assert.equal((await client.submit('/account/email', { newEmail: 'later@example.jp', currentPassword: PASSWORD })).statusCode, 303);
    const mail = (await listOutbox(ctx.db, tenant.id)).find((m) => m.to_address === 'later@example.jp')!;
    const link = new URL(/(http:\/\/\S+\/account\/email\/confirm\?token=\S+)/.exec(mail.body_text)![1]!);
    clock.advance(24 * 60 * 60 * 1000 + 1000);
    const late = await client.get(link.pathname + link.search);
    assert.equal(late.statusCode, 400);
    assert.ok(late.body.includes(ja('accounts.self.emailLinkInvalid')));
    const users = await ctx.db.query('select 1 from users where tenant_id = $1 and email = $2', [tenant.id, 'later@example.jp']);
    assert.equal(users.length, 0);
  });
});

describe('sessions', () => {
  it('signs out every other session on request, keeping this one', async () => {
    const { tenant, email } = await setup();
    const here = await signedIn(tenant, email);
    const phone = await signedIn(tenant, email);
    const tablet = await signedIn(tenant, email);
    const page = await here.get('/account');
    assert.ok(page.body.includes('action="/account/sessions/end-others"'));
    assert.ok(page.body.includes('2'), 'shows the other sessions');
    const res = await here.submit('/account/sessions/end-others', {});
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/account?done=ended&n=2');
    assert.equal((await phone.get('/account')).statusCode, 303);
    assert.equal((await tablet.get('/account')).statusCode, 303);
    const after = await here.get('/account');
    assert.equal(after.statusCode, 200);
    assert.ok(after.body.includes(ja('accounts.self.sessionsNone')));
  });

  it('ends a session idle longer than the municipality’s timeout, and keeps an active one alive', async () => {
    const { tenant, email } = await setup();
    await ctx.db.transaction((tx) => ctx.deps.settings.save(tx, tenant.id, new Map([[SESSION_IDLE_SETTING.key, 5]])));
    const idle = await signedIn(tenant, email);
    const active = await signedIn(tenant, email);
    assert.ok((await idle.get('/account')).body.includes('5分間操作がないと'), 'the account page states the timeout');
    const setLastSeen = (client: TestClient, minutesAgo: number) =>
      ctx.db.query(`update sessions set last_seen_at = now() - make_interval(mins => $3) where tenant_id = $1 and token_hash = $2`, [
        tenant.id,
        sessionHashOf(client),
        minutesAgo,
      ]);
    await setLastSeen(idle, 6);
    await setLastSeen(active, 4);
    const refused = await idle.get('/account');
    assert.equal(refused.statusCode, 303, 'idle for 6 minutes: signed out');
    assert.match(String(refused.headers.location), /^\/login/);
    assert.equal((await active.get('/account')).statusCode, 200, 'idle for 4 minutes: still signed in');
    const [seen] = await ctx.db.query<{ idle_seconds: number }>(
      'select extract(epoch from now() - last_seen_at)::int as idle_seconds from sessions where tenant_id = $1 and token_hash = $2',
      [tenant.id, sessionHashOf(active)],
    );
    assert.ok(seen!.idle_seconds < 60, 'a request moves the session’s last activity on');
    await setLastSeen(active, 4);
    assert.equal((await active.get('/account')).statusCode, 200, 'four more minutes later it is still alive: activity counts, not age');
  });

  it('sweeps ended and idle sessions through the scheduler and keeps live ones', async () => {
    const { tenant, email } = await setup();
    await ctx.db.transaction((tx) => ctx.deps.settings.save(tx, tenant.id, new Map([[SESSION_IDLE_SETTING.key, 10]])));
    const live = await signedIn(tenant, email);
    const idle = await signedIn(tenant, email);
    const expired = await signedIn(tenant, email);
    await ctx.db.query('update sessions set last_seen_at = now() - interval \'11 minutes\' where tenant_id = $1 and token_hash = $2', [tenant.id, sessionHashOf(idle)]);
    await ctx.db.query('update sessions set expires_at = now() - interval \'1 second\' where tenant_id = $1 and token_hash = $2', [tenant.id, sessionHashOf(expired)]);
    // The real clock: sessions are stamped by the database, and the sweep covers every municipality.
    const scheduler = createScheduler({ db: ctx.db, jobs: [sessionSweepJob()], clock: systemClock });
    await scheduler.register();
    // A second in the past: the scheduler's clock has milliseconds and the database's now()
    // microseconds, so "now" made due in the same millisecond as the tick could still be ahead of it.
    await ctx.db.query("update scheduled_jobs set run_at = now() - interval '1 second' where name = $1", [SESSION_SWEEP_JOB]);
    assert.equal(await scheduler.tick(), 1);
    await scheduler.stop();
    const left = await ctx.db.query<{ token_hash: string }>('select token_hash from sessions where tenant_id = $1', [tenant.id]);
    assert.deepEqual(left.map((r) => r.token_hash), [sessionHashOf(live)]);
    const [run] = await ctx.db.query<{ status: string; summary: string }>('select status, summary from job_runs where name = $1 order by id desc limit 1', [SESSION_SWEEP_JOB]);
    assert.equal(run!.status, 'ok');
    assert.match(run!.summary, /sessions/);
  });
});
