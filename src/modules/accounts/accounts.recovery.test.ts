/**
 * A forgotten password through the real stack: the request page, the scheduler job that mails
 * the link, the link used once, refused when reused or expired (the app's clock moved on), and
 * the same answer for an address nobody registered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { listOutbox } from '../../core/mail.ts';
import { createScheduler, type Scheduler } from '../../core/scheduler.ts';
import { newTenant, startTestApp, TestClient, type TestContext, type TestTenant } from '../../testing/harness.ts';
import { accountsMessages } from './accounts.messages.ts';
import { PASSWORD_RESET_JOB, passwordResetJob, RESET_LIMITS } from './accounts.recovery.ts';
import { createUserAccount } from './accounts.service.ts';

let ctx: TestContext;
let scheduler: Scheduler;
const clock = new ManualClock('2026-06-01T03:00:00Z');
before(async () => {
  ctx = await startTestApp({ clock });
  // Only the reset job: the test runs what the request queued, as a server's scheduler would.
  scheduler = createScheduler({ db: ctx.db, jobs: [passwordResetJob(ctx.deps)], clock });
});
after(async () => {
  await scheduler.stop();
  await ctx.close();
});

const PASSWORD = 'correct-horse-battery';
const NEW_PASSWORD = 'a-brand-new-passphrase';
const ja = (key: keyof typeof accountsMessages) => accountsMessages[key].ja;

async function setup(): Promise<{ tenant: TestTenant; email: string; userId: string }> {
  const tenant = await newTenant(ctx.db);
  const email = 'forgetful@example.jp';
  const user = await ctx.db.transaction((tx) =>
    createUserAccount(tx, tenant, { email, password: PASSWORD, role: 'citizen', displayName: '忘れっぽい 市民', emailVerified: true }),
  );
  return { tenant, email, userId: user.id };
}

const browser = (tenant: TestTenant) => new TestClient(ctx.app, tenant.host);

/** Asks for a reset as a browser does, runs the queued job, and returns the answer and the mailed link (if any). */
async function requestReset(tenant: TestTenant, email: string, client = browser(tenant)) {
  const res = await client.submit('/login/forgot', { email });
  await scheduler.tick();
  const mail = (await listOutbox(ctx.db, tenant.id)).find((m) => m.to_address === email.toLowerCase() && m.body_text.includes('/account/set-password?token='));
  const link = mail ? /(http:\/\/\S+\/account\/set-password\?token=\S+)/.exec(mail.body_text)?.[1] : undefined;
  return { res, mail, path: link ? new URL(link).pathname + new URL(link).search : undefined };
}

async function signInStatus(tenant: TestTenant, email: string, password: string): Promise<{ status: number; client: TestClient }> {
  const client = browser(tenant);
  const res = await client.submit('/login', { email, password });
  return { status: res.statusCode, client };
}

const tokenOf = (path: string) => new URL(path, 'http://x').searchParams.get('token')!;

describe('password reset by a mailed link', () => {
  it('mails a single-use link, sets the new password with it and signs every other session out', async () => {
    const { tenant, email, userId } = await setup();
    const other = await signInStatus(tenant, email, PASSWORD);
    assert.equal(other.status, 303);
    assert.equal((await other.client.get('/account')).statusCode, 200, 'signed in elsewhere before the reset');

    const form = await browser(tenant).get('/login');
    assert.ok(form.body.includes('href="/login/forgot"'), 'the sign-in page offers the reset');
    const { res, mail, path } = await requestReset(tenant, 'Forgetful@Example.JP');
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/login/forgot/sent');
    assert.ok(mail && path, 'the reset link is mailed to the account’s address');
    assert.ok(mail.subject.includes('パスワードの再設定') && mail.body_text.includes('60'), 'the mail says how long the link lasts');
    const stored = await ctx.db.query<{ token_hash: string; expires_at: Date }>(
      "select token_hash, expires_at from email_tokens where tenant_id = $1 and user_id = $2 and purpose = 'reset_password'",
      [tenant.id, userId],
    );
    assert.equal(stored.length, 1);
    assert.notEqual(stored[0]!.token_hash, tokenOf(path), 'only a hash of the link is stored');
    assert.equal(stored[0]!.expires_at.getTime() - clock.now().getTime(), 60 * 60 * 1000, 'good for 60 minutes from the request');

    const client = browser(tenant);
    const page = await client.get(path);
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes('name="token"'));
    const weak = await client.submit('/account/set-password', { token: tokenOf(path), password: 'short', passwordConfirm: 'short' });
    assert.equal(weak.statusCode, 400, 'a weak password is refused and the link stays good');
    assert.ok(weak.body.includes('href="#password"'));
    const done = await client.submit('/account/set-password', { token: tokenOf(path), password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD });
    assert.equal(done.statusCode, 200);
    assert.ok(done.body.includes(ja('accounts.forgot.resetDoneBody')));

    assert.equal((await other.client.get('/account')).statusCode, 303, 'the other session was signed out');
    assert.equal((await signInStatus(tenant, email, PASSWORD)).status, 401, 'the old password no longer works');
    assert.equal((await signInStatus(tenant, email, NEW_PASSWORD)).status, 303, 'the new one does');
    const actions = await ctx.db.query<{ action: string }>(
      "select action from audit_log where tenant_id = $1 and action like 'user.password%' order by seq",
      [tenant.id],
    );
    assert.deepEqual(actions.map((a) => a.action), ['user.password_reset_requested', 'user.password_reset']);
  });

  it('refuses a link that was used already, and every older link once one was used', async () => {
    const { tenant, email } = await setup();
    const first = await requestReset(tenant, email);
    const second = await requestReset(tenant, email);
    assert.ok(first.path && second.path && first.path !== second.path);
    const client = browser(tenant);
    assert.equal((await client.submit('/account/set-password', { token: tokenOf(second.path), password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD })).statusCode, 200);

    for (const path of [second.path, first.path]) {
      const page = await client.get(path);
      assert.equal(page.statusCode, 400, 'a used (or superseded) link shows no form');
      assert.ok(page.body.includes(ja('accounts.setPassword.invalidBody')));
      assert.ok(!page.body.includes('name="token"'));
      const post = await client.submit('/account/set-password', { token: tokenOf(path), password: 'another-passphrase-1', passwordConfirm: 'another-passphrase-1' });
      assert.equal(post.statusCode, 400, 'and sets nothing');
    }
    assert.equal((await signInStatus(tenant, email, NEW_PASSWORD)).status, 303, 'the password is the one set with the good link');
  });

  it('refuses a link after its 60 minutes on the app’s clock', async () => {
    const { tenant, email } = await setup();
    const { path } = await requestReset(tenant, email);
    assert.ok(path);
    clock.advance(59 * 60 * 1000);
    assert.equal((await browser(tenant).get(path)).statusCode, 200, 'still good after 59 minutes');
    clock.advance(2 * 60 * 1000);
    const client = browser(tenant);
    const page = await client.get(path);
    assert.equal(page.statusCode, 400);
    assert.ok(page.body.includes(ja('accounts.setPassword.invalidBody')));
    const post = await client.submit('/account/set-password', { token: tokenOf(path), password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD });
    assert.equal(post.statusCode, 400);
    assert.equal((await signInStatus(tenant, email, PASSWORD)).status, 303, 'the password did not change');
  });

  it('answers an address nobody registered exactly as a registered one, and mails nothing', async () => {
    const { tenant, email } = await setup();
    const jobsBefore = await ctx.db.query('select 1 from scheduled_jobs where name = $1 and tenant_id = $2', [PASSWORD_RESET_JOB, tenant.id]);
    assert.equal(jobsBefore.length, 0);
    const clientKnown = browser(tenant);
    const clientUnknown = browser(tenant);
    const known = await clientKnown.submit('/login/forgot', { email });
    const unknown = await clientUnknown.submit('/login/forgot', { email: 'nobody-here@example.jp' });
    assert.equal(unknown.statusCode, known.statusCode);
    assert.equal(unknown.headers.location, known.headers.location);
    assert.equal(unknown.body, known.body);
    const headerNames = (h: Record<string, unknown>) => Object.keys(h).filter((k) => k !== 'date' && k !== 'set-cookie' && k !== 'x-request-id').sort();
    assert.deepEqual(headerNames(unknown.headers), headerNames(known.headers));
    // The request itself did the same work for both: one queued job each, nothing looked up.
    const queued = await ctx.db.query<{ payload: { email: string } }>('select payload from scheduled_jobs where name = $1 and tenant_id = $2', [
      PASSWORD_RESET_JOB,
      tenant.id,
    ]);
    assert.deepEqual(queued.map((q) => q.payload.email).sort(), [email, 'nobody-here@example.jp']);
    const sentKnown = await clientKnown.get(known.headers.location as string);
    const sentUnknown = await clientUnknown.get(unknown.headers.location as string);
    assert.equal(sentUnknown.statusCode, 200);
    assert.equal(sentUnknown.body.replace(/value="[^"]+"/g, ''), sentKnown.body.replace(/value="[^"]+"/g, ''), 'the same page follows');

    await scheduler.tick();
    const outbox = await listOutbox(ctx.db, tenant.id);
    assert.deepEqual(outbox.map((m) => m.to_address), [email], 'only the registered address gets a mail');
    const runs = await ctx.db.query<{ summary: string }>("select summary from job_runs where name = $1 and tenant_id = $2", [PASSWORD_RESET_JOB, tenant.id]);
    assert.deepEqual([...new Set(runs.map((r) => r.summary))], ['done'], 'the run history does not tell either');
  });

  it('limits requests per address, whether registered or not, with a bilingual 429', async () => {
    const { tenant, email } = await setup();
    for (const address of [email, 'ghost@example.jp']) {
      const statuses: number[] = [];
      for (let i = 0; i <= RESET_LIMITS.perAddress.limit; i++) statuses.push((await browser(tenant).submit('/login/forgot', { email: address })).statusCode);
      assert.deepEqual(statuses, [...Array(RESET_LIMITS.perAddress.limit).fill(303), 429], address);
    }
    const limited = await browser(tenant).submit('/login/forgot', { email });
    assert.match(limited.body, /[ぁ-んァ-ン一-龯]/);
    const queued = await ctx.db.query('select 1 from scheduled_jobs where name = $1 and tenant_id = $2', [PASSWORD_RESET_JOB, tenant.id]);
    assert.equal(queued.length, RESET_LIMITS.perAddress.limit * 2, 'a refused request queues nothing');
    await scheduler.tick();
  });

  it('refuses a malformed address with the form’s errors and a post without its CSRF token', async () => {
    const { tenant } = await setup();
    const bad = await browser(tenant).submit('/login/forgot', { email: 'not-an-address' });
    assert.equal(bad.statusCode, 400);
    assert.ok(bad.body.includes('href="#email"') && bad.body.includes('id="email-error"'));
    assert.ok(bad.body.includes('value="not-an-address"'));
    const forged = await browser(tenant).submit('/login/forgot', { email: 'forgetful@example.jp' }, { csrf: null });
    assert.equal(forged.statusCode, 403);
    const queued = await ctx.db.query('select 1 from scheduled_jobs where name = $1 and tenant_id = $2', [PASSWORD_RESET_JOB, tenant.id]);
    assert.equal(queued.length, 0);
  });
});
