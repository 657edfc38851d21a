import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as OTPAuth from 'otpauth';
import type { Role } from '../../core/auth.ts';
import { ManualClock } from '../../core/clock.ts';
import { listOutbox } from '../../core/mail.ts';
import { newTenant, startTestApp, TestClient, type TestContext, type TestTenant } from '../../testing/harness.ts';
import { accountsMessages } from './accounts.messages.ts';
import { ensureDepartment } from '../../core/tenancy.ts';
import { DEMO_DEPARTMENTS } from '../../seed.ts';
import { createUserAccount, findUserByEmail, seedDemoAccounts } from './accounts.service.ts';
import { AGREEMENTS } from './accounts.agreements.ts';

let ctx: TestContext;
/** The app's clock: TOTP codes, set-up signatures and sign-in limits read it, never the wall clock. */
const clock = new ManualClock('2026-06-01T03:00:10Z');
before(async () => {
  ctx = await startTestApp({ clock });
});
after(async () => {
  await ctx.close();
});

const PASSWORD = 'correct-horse-battery';

/** A fresh tenant with one department and a browser for it. */
async function setup(): Promise<{ tenant: TestTenant; client: TestClient }> {
  const tenant = await newTenant(ctx.db);
  await ensureDepartment(ctx.db, tenant.id, { code: 'shimin-kyodo', nameJa: '市民協働課', nameEn: 'Citizen Collaboration Division' });
  return { tenant, client: new TestClient(ctx.app, tenant.host) };
}

/** An account created the way the command line does (address already confirmed). */
async function makeUser(tenant: TestTenant, role: Role, email = `${role}@example.jp`): Promise<{ id: string; email: string }> {
  return ctx.db.transaction((tx) =>
    createUserAccount(tx, tenant, {
      email,
      password: PASSWORD,
      role,
      displayName: `Test ${role}`,
      departmentCode: role === 'citizen' ? undefined : 'shimin-kyodo',
      emailVerified: true,
    }),
  );
}

function signIn(client: TestClient, email: string, password = PASSWORD, next?: string) {
  return client.submit('/login', { email, password, ...(next ? { next } : {}) });
}

const ja = (key: keyof typeof accountsMessages) => accountsMessages[key].ja;

/** The TOTP secret and form fields on the set-up page. */
function setupFields(html: string): { secret: string; signature: string } {
  const secret = /name="secret" value="([A-Z2-7]+)"/.exec(html)?.[1];
  const signature = /name="signature" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(secret && signature, 'the set-up page carries the secret and its signature');
  return { secret, signature };
}

function totpCode(secret: string, offsetSteps = 0): string {
  return OTPAuth.TOTP.generate({
    secret: OTPAuth.Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    timestamp: clock.now().getTime() + offsetSteps * 30_000,
  });
}

/** Signs a staff-role user in and enrols TOTP; returns the secret and recovery codes. */
async function enrolTotp(client: TestClient, email: string): Promise<{ secret: string; recoveryCodes: string[] }> {
  const login = await signIn(client, email);
  assert.equal(login.statusCode, 303);
  assert.match(login.headers.location as string, /^\/account\/two-factor\/setup\?next=/);
  const page = await client.get('/account/two-factor/setup');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<img src="data:image\/png;base64,[^"]+"[^>]* alt="[^"]+"/);
  const { secret, signature } = setupFields(page.body);
  const done = await client.submit('/account/two-factor/setup', { secret, signature, code: totpCode(secret) });
  assert.equal(done.statusCode, 200);
  const recoveryCodes = [...done.body.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]!);
  assert.equal(recoveryCodes.length, 10);
  return { secret, recoveryCodes };
}

describe('sign-up and e-mail confirmation', () => {
  it('signs a citizen up, mails a confirmation link, and lets them sign in only after confirming', async () => {
    const { tenant, client } = await setup();
    const res = await client.submit('/signup', { agree: 'yes',
      email: 'Hanako@Example.JP',
      displayName: '前橋 花子',
      password: 'a-long-passphrase-2026',
      passwordConfirm: 'a-long-passphrase-2026',
    });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/signup/sent');
    const user = await findUserByEmail(ctx.db, tenant.id, 'hanako@example.jp');
    assert.equal(user?.role, 'citizen');
    assert.equal(user?.email, 'hanako@example.jp');

    const early = await signIn(client, 'hanako@example.jp', 'a-long-passphrase-2026');
    assert.equal(early.statusCode, 401);
    assert.ok(early.body.includes(ja('accounts.login.unverified')));
    assert.ok(early.body.includes('action="/signup/resend"'), 'offers to send the link again');

    const [mail] = await listOutbox(ctx.db, tenant.id);
    assert.equal(mail?.to_address, 'hanako@example.jp');
    const link = /(http:\/\/\S+\/verify-email\?token=\S+)/.exec(mail!.body_text)?.[1];
    assert.ok(link, 'the mail holds the confirmation link');
    assert.ok(link.startsWith(`${ctx.config.publicUrl}/verify-email?token=`));
    const url = new URL(link);

    const verified = await client.get(url.pathname + url.search);
    assert.equal(verified.statusCode, 200);
    assert.ok(verified.body.includes(ja('accounts.verify.doneTitle')));
    const again = await client.get(url.pathname + url.search);
    assert.equal(again.statusCode, 400, 'the link works once');
    assert.ok(again.body.includes(ja('accounts.verify.invalidTitle')));

    const login = await signIn(client, 'hanako@example.jp', 'a-long-passphrase-2026');
    assert.equal(login.statusCode, 303);
    assert.equal(login.headers.location, '/start', 'each role lands on its start page');
    const account = await client.get('/account');
    assert.equal(account.statusCode, 200);
    assert.ok(account.body.includes('前橋 花子'));
  });

  it('rejects invalid sign-up input with 400 and an error summary linking to every bad field', async () => {
    const { tenant, client } = await setup();
    const res = await client.submit('/signup', { agree: 'yes', email: 'not-an-email', displayName: '', password: 'short', passwordConfirm: 'other' });
    assert.equal(res.statusCode, 400);
    assert.ok(res.body.includes('class="error-summary"'));
    for (const field of ['email', 'displayName', 'password', 'passwordConfirm']) {
      assert.ok(res.body.includes(`href="#${field}"`), `summary links to ${field}`);
      assert.ok(res.body.includes(`id="${field}-error"`), `message beside ${field}`);
    }
    assert.ok(res.body.includes('value="not-an-email"'), 'keeps what was typed');
    assert.ok(!res.body.includes('value="short"'), 'never echoes a password');
    assert.equal((await listOutbox(ctx.db, tenant.id)).length, 0);
  });

  it('asks agreement to the versioned terms and privacy policy, shown on pages, and stores the agreed versions', async () => {
    const { tenant, client } = await setup();
    const form = await client.get('/signup');
    assert.ok(form.body.includes('href="/terms"') && form.body.includes('href="/terms/privacy"') && form.body.includes('name="agree"'));
    const fields = { email: 'agree@example.jp', displayName: '同意 花子', password: 'a-long-passphrase-2026', passwordConfirm: 'a-long-passphrase-2026' };
    const refused = await client.submit('/signup', fields);
    assert.equal(refused.statusCode, 400);
    assert.ok(refused.body.includes('href="#agree"') && refused.body.includes('id="agree-error"') && refused.body.includes(ja('accounts.error.agreeRequired')));
    assert.equal(await findUserByEmail(ctx.db, tenant.id, 'agree@example.jp'), undefined, 'nothing stored without agreement');
    assert.equal((await client.submit('/signup', { ...fields, agree: 'yes' })).statusCode, 303);
    const user = await findUserByEmail(ctx.db, tenant.id, 'agree@example.jp');
    const rows = await ctx.db.query<{ document: string; version: string; agreed_at: Date }>(
      'select document, version, agreed_at from user_agreements where tenant_id = $1 and user_id = $2 order by document',
      [tenant.id, user!.id],
    );
    assert.deepEqual(rows.map((r) => [r.document, r.version]), [['privacy', AGREEMENTS.privacy.version], ['terms', AGREEMENTS.terms.version]]);
    assert.equal(rows[0]!.agreed_at.getTime(), clock.now().getTime(), 'the time of agreement, from the app’s clock');
    for (const [url, ja_, en] of [['/terms', '利用規約', 'Terms of use'], ['/terms/privacy', 'プライバシーポリシー', 'Privacy policy']] as const) {
      const page = await client.get(`${url}?lang=ja`);
      assert.equal(page.statusCode, 200);
      assert.ok(page.body.includes(ja_) && page.body.includes(AGREEMENTS.terms.version) && page.body.includes(tenant.nameJa), url);
      assert.ok((await client.get(`${url}?lang=en`)).body.includes(en), `${url} in English`);
    }
  });

  it('refuses a password equal to the e-mail address', async () => {
    const { client } = await setup();
    const res = await client.submit('/signup', { agree: 'yes',
      email: 'long-address@example.jp',
      displayName: 'x',
      password: 'long-address@example.jp',
      passwordConfirm: 'long-address@example.jp',
    });
    assert.equal(res.statusCode, 400);
    assert.ok(res.body.includes(ja('accounts.error.passwordIsEmail')));
  });

  it('answers a sign-up with a taken address like any other, without revealing or changing the account', async () => {
    const { tenant, client } = await setup();
    await makeUser(tenant, 'citizen', 'taken@example.jp');
    const res = await client.submit('/signup', { agree: 'yes',
      email: 'taken@example.jp',
      displayName: 'Someone',
      password: 'another-passphrase',
      passwordConfirm: 'another-passphrase',
    });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/signup/sent');
    assert.equal((await listOutbox(ctx.db, tenant.id)).length, 0);
    assert.equal((await signIn(client, 'taken@example.jp', PASSWORD)).statusCode, 303, 'the owner’s password is unchanged');
  });

  it('sends a new confirmation link on request, at most three an hour', async () => {
    const { tenant, client } = await setup();
    await client.submit('/signup', { agree: 'yes',
      email: 'resend@example.jp',
      displayName: 'Resend',
      password: 'resend-password-1',
      passwordConfirm: 'resend-password-1',
    });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await client.submit('/signup/resend', { email: 'resend@example.jp' })).statusCode);
    assert.deepEqual(statuses, [303, 303, 303, 429], 'three resends an hour for one address');
    assert.equal((await client.submit('/signup/resend', { email: 'unknown@example.jp' })).statusCode, 303, 'same answer for unknown');
    assert.equal((await listOutbox(ctx.db, tenant.id)).length, 3, 'the sign-up mail and two resends: three mails an hour');
  });
});

describe('sign-in and sign-out', () => {
  it('signs in with a new session and signs out, deleting the session', async () => {
    const { tenant, client } = await setup();
    const user = await makeUser(tenant, 'citizen');
    client.jar.cookies.set('hibiki_session', 'stale-cookie-from-before');
    const res = await signIn(client, user.email, PASSWORD, '/account#tokens');
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/account#tokens');
    const sessions = () => ctx.db.query('select 1 from sessions where tenant_id = $1', [tenant.id]);
    assert.equal((await sessions()).length, 1);

    const out = await client.submit('/logout', {});
    assert.equal(out.statusCode, 303);
    assert.equal((await sessions()).length, 0);
    assert.ok(!client.jar.cookies.has('hibiki_session'));
    const account = await client.get('/account');
    assert.equal(account.statusCode, 303);

    const actions = await ctx.db.query<{ action: string }>('select action from audit_log where tenant_id = $1 order by seq', [tenant.id]);
    assert.deepEqual(
      actions.map((a) => a.action),
      ['user.sign_in', 'user.sign_out'],
    );
  });

  it('rotates the session token when signing in again', async () => {
    const { tenant, client } = await setup();
    const user = await makeUser(tenant, 'citizen');
    await signIn(client, user.email);
    const first = client.jar.cookies.get('hibiki_session');
    await signIn(client, user.email);
    const second = client.jar.cookies.get('hibiki_session');
    assert.ok(first && second && first !== second);
    const rows = await ctx.db.query('select 1 from sessions where tenant_id = $1', [tenant.id]);
    assert.equal(rows.length, 1, 'the old session is gone');
  });

  it('accepts only same-site relative paths as the place to go next', async () => {
    const { tenant, client } = await setup();
    const user = await makeUser(tenant, 'citizen');
    for (const next of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)']) {
      const res = await signIn(client, user.email, PASSWORD, next);
      assert.equal(res.headers.location, '/start', `refuses ${next}`);
    }
  });

  it('refuses a wrong password with the same message as an unknown address', async () => {
    const { tenant, client } = await setup();
    const user = await makeUser(tenant, 'citizen');
    const wrong = await signIn(client, user.email, 'not-the-password');
    const unknown = await signIn(client, 'nobody@example.jp', 'not-the-password');
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    assert.ok(wrong.body.includes(ja('accounts.login.invalid')));
    assert.ok(unknown.body.includes(ja('accounts.login.invalid')));
    assert.ok(wrong.body.includes('href="#email"'));
  });

  it('answers a client after 5 wrong passwords for an address only by mail, even the right one, for 15 minutes', async () => {
    const { tenant, client } = await setup();
    const user = await makeUser(tenant, 'citizen');
    const csrf = await client.csrfToken();
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await client.submit('/login', { email: user.email, password: `wrong-${i}` }, { csrf });
      answers.push(`${res.statusCode} ${res.body.includes(ja('accounts.login.checkMailBody')) ? 'check_mail' : res.body.includes(ja('accounts.login.invalid')) ? 'invalid' : '?'}`);
    }
    assert.deepEqual(answers, ['401 invalid', '401 invalid', '401 invalid', '401 invalid', '401 invalid', '202 check_mail']);

    const right = await client.submit('/login', { email: user.email, password: PASSWORD }, { csrf });
    assert.equal(right.statusCode, 202);
    assert.ok(right.body.includes(ja('accounts.login.checkMailBody')));
    assert.ok(!client.jar.cookies.has('hibiki_session'));
    assert.equal((await listOutbox(ctx.db, tenant.id)).length, 1, 'the right password mailed a link');
    const failed = await ctx.db.query<{ details: string }>('select details from audit_log where tenant_id = $1 and action = $2 order by seq', [
      tenant.id,
      'user.sign_in_failed',
    ]);
    assert.deepEqual(
      failed.map((f) => JSON.parse(f.details).reason),
      ['wrong_password', 'wrong_password', 'wrong_password', 'wrong_password', 'wrong_password', 'wrong_password_answered_by_mail'],
    );

    // Just before the window ends it is still refused; when it has passed, the right password works.
    clock.advance(14 * 60 * 1000);
    assert.equal((await client.submit('/login', { email: user.email, password: PASSWORD }, { csrf })).statusCode, 202);
    clock.advance(60 * 1000 + 1000);
    const later = await client.submit('/login', { email: user.email, password: PASSWORD }, { csrf });
    assert.equal(later.statusCode, 303);
  });

  it('asks a client for mail confirmation after more than 20 failed sign-ins in 15 minutes', async () => {
    const { tenant, client } = await setup();
    await makeUser(tenant, 'citizen');
    const csrf = await client.csrfToken();
    for (let i = 0; i < 20; i++) {
      const res = await client.submit('/login', { email: `guess-${i}@example.jp`, password: 'guess-password' }, { csrf });
      assert.equal(res.statusCode, 401, `attempt ${i + 1}`);
    }
    const limited = await client.submit('/login', { email: 'citizen@example.jp', password: PASSWORD }, { csrf });
    assert.equal(limited.statusCode, 202);
    assert.ok(limited.body.includes(ja('accounts.login.checkMailBody')));
    assert.ok(!client.jar.cookies.has('hibiki_session'));
    const counted = await ctx.db.query<{ hits: number }>(
      `select hits from rate_limits where tenant_id = $1 and bucket = 'accounts.sign_in.client'`,
      [tenant.id],
    );
    assert.deepEqual(counted.map((r) => r.hits), [21], 'attempts are counted in the database');
  });

  it('rejects sign-in form posts without a valid CSRF token and changes nothing', async () => {
    const { tenant, client } = await setup();
    const user = await makeUser(tenant, 'citizen');
    const missing = await client.submit('/login', { email: user.email, password: PASSWORD }, { csrf: null });
    assert.equal(missing.statusCode, 403);
    const rows = await ctx.db.query('select 1 from sessions where tenant_id = $1', [tenant.id]);
    assert.equal(rows.length, 0);
  });
});

describe('two-factor authentication for staff roles', () => {
  it('gives staff no access on a password alone, enrols TOTP, and then asks for a code at each sign-in', async () => {
    const { tenant, client } = await setup();
    const staff = await makeUser(tenant, 'admin');

    const login = await signIn(client, staff.email, PASSWORD, '/admin/users');
    assert.equal(login.statusCode, 303);
    assert.equal(login.headers.location, `/account/two-factor/setup?next=${encodeURIComponent('/admin/users')}`);
    for (const url of ['/admin/users', '/account', '/admin']) {
      const res = await client.get(url);
      assert.equal(res.statusCode, 303, `${url} needs the second factor`);
      assert.match(res.headers.location as string, /^\/login\/two-factor\?next=/);
    }
    const api = await client.request({ method: 'GET', url: '/api/v1/tokens' });
    assert.equal(api.statusCode, 401);

    // Enrol: a wrong code is refused, the right one shows the recovery codes once.
    const page = await client.get('/login/two-factor?next=%2Fadmin%2Fusers');
    assert.equal(page.statusCode, 303);
    assert.match(page.headers.location as string, /^\/account\/two-factor\/setup/);
    const setupPage = await client.get(page.headers.location as string);
    const { secret, signature } = setupFields(setupPage.body);
    assert.ok(setupPage.body.includes(secret.slice(0, 4)), 'the secret is shown for manual entry');
    const wrong = await client.submit('/account/two-factor/setup', { secret, signature, code: '000000', next: '/admin/users' });
    assert.equal(wrong.statusCode, 400);
    assert.ok(wrong.body.includes('href="#code"'));
    assert.equal(setupFields(wrong.body).secret, secret, 'the same secret is kept for another try');
    const forged = await client.submit('/account/two-factor/setup', {
      secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
      signature,
      code: totpCode('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'),
    });
    assert.equal(forged.statusCode, 400, 'a secret not issued by the server is refused');
    assert.ok(forged.body.includes(ja('accounts.error.setupExpired')));

    const enrolmentCode = totpCode(secret);
    const done = await client.submit('/account/two-factor/setup', { secret, signature, code: enrolmentCode, next: '/admin/users' });
    assert.equal(done.statusCode, 200);
    const codes = [...done.body.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]!);
    assert.equal(codes.length, 10);
    assert.ok(done.body.includes('href="/admin/users"'));
    const stored = await ctx.db.one<{ totp_secret_enc: string; n: number }>(
      `select totp_secret_enc, (select count(*)::int from recovery_codes r where r.tenant_id = u.tenant_id and r.user_id = u.id) as n
         from users u where tenant_id = $1 and id = $2`,
      [tenant.id, staff.id],
    );
    assert.ok(stored.totp_secret_enc.startsWith('v1.') && !stored.totp_secret_enc.includes(secret), 'stored encrypted');
    assert.equal(stored.n, 10);
    assert.equal((await client.get('/admin/users')).statusCode, 200);

    // Sign in again: password, then a code.
    await client.submit('/logout', {});
    const again = await signIn(client, staff.email, PASSWORD, '/admin/users');
    assert.equal(again.headers.location, `/login/two-factor?next=${encodeURIComponent('/admin/users')}`);
    assert.equal((await client.get('/admin/users')).statusCode, 303);
    const form = await client.get(again.headers.location as string);
    assert.equal(form.statusCode, 200);
    const bad = await client.submit('/login/two-factor', { code: totpCode(secret, 10), next: '/admin/users' });
    assert.equal(bad.statusCode, 401);
    assert.ok(bad.body.includes(ja('accounts.error.codeWrong')));
    assert.equal((await client.get('/admin/users')).statusCode, 303, 'still not signed in');
    // The enrolment used the current code; a code is good once, so this sign-in uses the next one.
    const replayed = await client.submit('/login/two-factor', { code: enrolmentCode, next: '/admin/users' });
    assert.equal(replayed.statusCode, 401, 'a code already used is refused');
    const good = await client.submit('/login/two-factor', { code: totpCode(secret, 1), next: '/admin/users' });
    assert.equal(good.statusCode, 303);
    assert.equal(good.headers.location, '/admin/users');
    assert.equal((await client.get('/admin/users')).statusCode, 200);

    // A recovery code works once.
    for (const expected of [303, 401]) {
      await client.submit('/logout', {});
      await signIn(client, staff.email);
      const res = await client.submit('/login/two-factor', { code: codes[3]!.toUpperCase() });
      assert.equal(res.statusCode, expected);
    }
    const methods = await ctx.db.query<{ details: string }>(
      `select details from audit_log where tenant_id = $1 and action = 'user.sign_in' order by seq`,
      [tenant.id],
    );
    assert.deepEqual(
      methods.map((m) => JSON.parse(m.details).method),
      ['totp', 'totp', 'recovery_code'],
    );
  });

  it('counts wrong codes towards the account lockout', async () => {
    const { tenant, client } = await setup();
    const staff = await makeUser(tenant, 'staff');
    const { secret } = await enrolTotp(client, staff.email);
    await client.submit('/logout', {});
    await signIn(client, staff.email);
    const csrf = await client.csrfToken();
    let last = 0;
    for (let i = 0; i < 5; i++) last = (await client.submit('/login/two-factor', { code: '000000' }, { csrf })).statusCode;
    assert.equal(last, 401);
    const locked = await client.submit('/login/two-factor', { code: totpCode(secret) }, { csrf });
    assert.equal(locked.statusCode, 401);
    assert.ok(locked.body.includes(ja('accounts.login.locked')));
  });

  it('does not let a pending session enrol a second authenticator', async () => {
    const { tenant, client } = await setup();
    const staff = await makeUser(tenant, 'plan_manager');
    await enrolTotp(client, staff.email);
    await client.submit('/logout', {});
    await signIn(client, staff.email);
    const res = await client.get('/account/two-factor/setup');
    assert.equal(res.statusCode, 303);
    assert.match(res.headers.location as string, /^\/login\/two-factor/);
  });
});

describe('the account page and API tokens', () => {
  it('creates a token from the account page, shows it once, and lists and revokes it', async () => {
    const { tenant, client } = await setup();
    const user = await makeUser(tenant, 'citizen');
    await signIn(client, user.email);
    const created = await client.submit('/account/tokens', { name: '集計スクリプト' });
    assert.equal(created.statusCode, 200);
    const token = /data-api-token>(hbk_[A-Za-z0-9_-]+)</.exec(created.body)?.[1];
    assert.ok(token);

    const account = await client.get('/account');
    assert.ok(account.body.includes('集計スクリプト'));
    assert.ok(!account.body.includes(token), 'the token is not shown again');
    const id = /action="\/account\/tokens\/([0-9a-f-]+)\/revoke"/.exec(account.body)?.[1];
    assert.ok(id);

    const viaBearer = await ctx.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: { host: tenant.host, authorization: `Bearer ${token}` } });
    assert.equal(viaBearer.statusCode, 200);
    const items = viaBearer.json().items;
    assert.equal(items.length, 1);
    assert.equal(items[0].name, '集計スクリプト');
    assert.equal(items[0].revokedAt, null);
    assert.ok(!('token' in items[0]));

    const revoke = await client.submit(`/account/tokens/${id}/revoke`, {});
    assert.equal(revoke.statusCode, 303);
    const after = await ctx.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: { host: tenant.host, authorization: `Bearer ${token}` } });
    assert.equal(after.statusCode, 401);
    assert.match(after.headers['content-type'] as string, /^application\/problem\+json/);
    assert.equal(after.json().code, 'unauthenticated');

    const actions = await ctx.db.query<{ action: string }>(
      `select action from audit_log where tenant_id = $1 and action like 'token.%' order by seq`,
      [tenant.id],
    );
    assert.deepEqual(
      actions.map((a) => a.action),
      ['token.create', 'token.revoke'],
    );
  });

  it('serves the token API to a session with the CSRF header and to a bearer token', async () => {
    const { tenant, client } = await setup();
    const user = await makeUser(tenant, 'citizen');
    await signIn(client, user.email);
    const csrf = await client.csrfToken();
    const json = (method: 'POST' | 'DELETE', url: string, body: unknown, headers: Record<string, string> = {}) =>
      client.request({
        method,
        url,
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), accept: 'application/json', ...headers },
      });

    const noCsrf = await json('POST', '/api/v1/tokens', { name: 'x' });
    assert.equal(noCsrf.statusCode, 403);
    const created = await json('POST', '/api/v1/tokens', { name: 'ci' }, { 'x-csrf-token': csrf });
    assert.equal(created.statusCode, 201);
    const { id, token } = created.json();
    assert.match(token, /^hbk_/);

    const bearer = { authorization: `Bearer ${token}` };
    const minted = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { name: 'minted' },
      headers: { host: tenant.host, ...bearer },
    });
    assert.equal(minted.statusCode, 403, 'a token cannot mint tokens');
    const second = await json('POST', '/api/v1/tokens', { name: 'second' }, { 'x-csrf-token': csrf });
    assert.equal(second.statusCode, 201);
    const del = await ctx.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${second.json().id}`, headers: { host: tenant.host, ...bearer } });
    assert.equal(del.statusCode, 204, 'a bearer request needs no CSRF token');
    const list = await ctx.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: { host: tenant.host, ...bearer } });
    const byName = Object.fromEntries(list.json().items.map((t: { name: string; revokedAt: string | null }) => [t.name, t]));
    assert.ok(byName.second.revokedAt);
    assert.equal(byName.ci.revokedAt, null);
    assert.ok(byName.ci.lastUsedAt, 'last use is recorded');

    const missing = await ctx.app.inject({
      method: 'DELETE',
      url: '/api/v1/tokens/00000000-0000-4000-8000-000000000000',
      headers: { host: tenant.host, ...bearer },
    });
    assert.equal(missing.statusCode, 404);
    const notUuid = await ctx.app.inject({ method: 'DELETE', url: '/api/v1/tokens/123', headers: { host: tenant.host, ...bearer } });
    assert.equal(notUuid.statusCode, 400);
    assert.ok(id);
  });

  it('does not let one user revoke another user’s token', async () => {
    const { tenant, client } = await setup();
    const owner = await makeUser(tenant, 'citizen', 'owner@example.jp');
    const other = await makeUser(tenant, 'citizen', 'other@example.jp');
    await signIn(client, owner.email);
    const created = await client.submit('/account/tokens', { name: 'mine' });
    const token = /data-api-token>(hbk_[A-Za-z0-9_-]+)</.exec(created.body)![1]!;
    const [row] = await ctx.db.query<{ id: string }>('select id from api_tokens where tenant_id = $1', [tenant.id]);

    const intruder = new TestClient(ctx.app, tenant.host);
    await signIn(intruder, other.email);
    const res = await intruder.submit(`/account/tokens/${row!.id}/revoke`, {});
    assert.equal(res.statusCode, 404);
    const still = await ctx.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: { host: tenant.host, authorization: `Bearer ${token}` } });
    assert.equal(still.statusCode, 200);
  });

  it('answers a bad token body with problem+json naming each invalid field', async () => {
    const { tenant } = await setup();
    const user = await makeUser(tenant, 'citizen');
    const { token } = await ctx.db.transaction(async (tx) => {
      const { createApiToken } = await import('./accounts.sessions.ts');
      return createApiToken(tx, tenant.id, user.id, 'test');
    });
    for (const payload of [{}, { name: '' }, { name: 'x'.repeat(101) }, { name: 42 }]) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        payload,
        headers: { host: tenant.host, authorization: `Bearer ${token}`, 'accept-language': 'en' },
      });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.match(res.headers['content-type'] as string, /^application\/problem\+json/);
      const problem = res.json();
      assert.equal(problem.code, 'validation');
      assert.deepEqual(
        problem.errors.map((e: { path: string }) => e.path),
        ['name'],
      );
      assert.ok(problem.errors[0].message.length > 0);
    }
    const anonymous = await ctx.app.inject({ method: 'POST', url: '/api/v1/tokens', payload: {}, headers: { host: tenant.host } });
    assert.equal(anonymous.statusCode, 401, 'anonymous callers are refused before validation');
  });

  it('rejects form posts without or with a wrong CSRF token and creates nothing', async () => {
    const { tenant, client } = await setup();
    const user = await makeUser(tenant, 'citizen');
    await signIn(client, user.email);
    const missing = await client.submit('/account/tokens', { name: 'no csrf' }, { csrf: null });
    const wrong = await client.submit('/account/tokens', { name: 'wrong csrf' }, { csrf: 'forged-token' });
    assert.equal(missing.statusCode, 403);
    assert.equal(wrong.statusCode, 403);
    const tokens = await ctx.db.query('select 1 from api_tokens where tenant_id = $1', [tenant.id]);
    assert.equal(tokens.length, 0);

    const anonymous = new TestClient(ctx.app, tenant.host);
    const signup = await anonymous.submit(
      '/signup',
      { agree: 'yes', email: 'csrf@example.jp', displayName: 'x', password: 'long-enough-password', passwordConfirm: 'long-enough-password' },
      { csrf: null },
    );
    assert.equal(signup.statusCode, 403);
    assert.equal(await findUserByEmail(ctx.db, tenant.id, 'csrf@example.jp'), undefined);
  });
});

describe('administration', () => {
  it('redirects anonymous visitors to sign-in and refuses citizens with 403', async () => {
    const { tenant, client } = await setup();
    const anonymous = await client.get('/admin/users');
    assert.equal(anonymous.statusCode, 303);
    assert.equal(anonymous.headers.location, `/login?next=${encodeURIComponent('/admin/users')}`);

    const citizen = await makeUser(tenant, 'citizen');
    await signIn(client, citizen.email);
    for (const url of ['/admin', '/admin/users', '/admin/users/new', '/admin/outbox', '/admin/audit']) {
      assert.equal((await client.get(url)).statusCode, 403, url);
    }
    const post = await client.submit('/admin/users/new', { email: 'x@example.jp', displayName: 'x', password: PASSWORD, role: 'admin' });
    assert.equal(post.statusCode, 403);
    assert.equal(await findUserByEmail(ctx.db, tenant.id, 'x@example.jp'), undefined);
    const account = await client.get('/account');
    assert.ok(!account.body.includes('href="/admin"'), 'no admin link for citizens');
  });

  it('lets an administrator list and disable users, read the outbox and a verified audit log', async () => {
    const { tenant, client } = await setup();
    const admin = await makeUser(tenant, 'admin');
    await enrolTotp(client, admin.email);
    assert.ok((await client.get('/account')).body.includes('href="/admin"'));

    // Adding users is by invitation (accounts.admin-users.test.ts); here one made directly signs in, then is disabled.
    const newStaff = await makeUser(tenant, 'staff', 'new-staff@example.jp');
    const list = await client.get('/admin/users');
    assert.ok(list.body.includes('new-staff@example.jp'));
    assert.ok(list.body.includes('市民協働課'));
    const staffClient = new TestClient(ctx.app, tenant.host);
    assert.equal((await signIn(staffClient, 'new-staff@example.jp')).statusCode, 303);
    const disabled = await client.submit(`/admin/users/${newStaff.id}/disable`, { confirm: 'yes' });
    assert.equal(disabled.statusCode, 303);
    assert.equal((await staffClient.get('/account/two-factor/setup')).statusCode, 303);
    assert.equal((await signIn(staffClient, 'new-staff@example.jp')).statusCode, 401);
    const self = await client.submit(`/admin/users/${admin.id}/disable`, { confirm: 'yes' });
    assert.equal(self.statusCode, 403, 'an administrator cannot disable themself');

    await makeUser(tenant, 'citizen', 'mail-me@example.jp');
    await new TestClient(ctx.app, tenant.host).submit('/signup/resend', { email: 'mail-me@example.jp' });
    await new TestClient(ctx.app, tenant.host).submit('/signup', { agree: 'yes',
      email: 'outbox@example.jp',
      displayName: 'Outbox',
      password: 'outbox-password-1',
      passwordConfirm: 'outbox-password-1',
    });
    const outbox = await client.get('/admin/outbox');
    assert.equal(outbox.statusCode, 200);
    assert.ok(outbox.body.includes('outbox@example.jp'));
    assert.ok(!outbox.body.includes('mail-me@example.jp'), 'confirmed addresses get no new link');

    const audit = await client.get('/admin/audit');
    assert.equal(audit.statusCode, 200);
    for (const action of ['user.disable', 'user.totp_enable', 'user.sign_in']) {
      assert.ok(audit.body.includes(action), action);
    }
  });
});

describe('demo accounts', () => {
  it('seeds one account per role in the demo departments, idempotently', async () => {
    const tenant = await newTenant(ctx.db);
    for (const d of DEMO_DEPARTMENTS) await ensureDepartment(ctx.db, tenant.id, d);
    const first = await ctx.db.transaction((tx) => seedDemoAccounts(tx, tenant));
    const second = await ctx.db.transaction((tx) => seedDemoAccounts(tx, tenant));
    assert.deepEqual(first, second);
    assert.ok(first.some((l) => l.startsWith('citizen: citizen@demo.hibiki.example / demo-citizen-2026')));
    const users = await ctx.db.query<{ role: string }>('select role from users where tenant_id = $1 order by role', [tenant.id]);
    assert.deepEqual(
      users.map((u) => u.role),
      ['admin', 'citizen', 'plan_manager', 'staff'],
    );
    const departments = await ctx.db.query('select 1 from departments where tenant_id = $1', [tenant.id]);
    assert.equal(departments.length, 6);

    const client = new TestClient(ctx.app, tenant.host);
    const res = await signIn(client, 'citizen@demo.hibiki.example', 'demo-citizen-2026');
    assert.equal(res.statusCode, 303);
  });
});

describe('createUserAccount', () => {
  it('lists every invalid field in both languages and reports a taken address as a conflict', async () => {
    const { tenant } = await setup();
    await assert.rejects(
      ctx.db.transaction((tx) =>
        createUserAccount(tx, tenant, { email: 'bad', password: 'short', role: 'staff', displayName: '' }),
      ),
      (err: { code: string; errors: { path: string; message: string }[] }) => {
        assert.equal(err.code, 'validation');
        assert.deepEqual(err.errors.map((e) => e.path).sort(), ['departmentCode', 'displayName', 'email', 'password']);
        assert.ok(err.errors.every((e) => e.message.includes(' / ')), 'Japanese / English');
        return true;
      },
    );
    await makeUser(tenant, 'citizen', 'dup@example.jp');
    await assert.rejects(
      ctx.db.transaction((tx) =>
        createUserAccount(tx, tenant, { email: 'DUP@example.jp', password: PASSWORD, role: 'citizen', displayName: 'x' }),
      ),
      (err: { code: string; detail: { ja: string; en: string } }) => {
        assert.equal(err.code, 'conflict');
        assert.ok(err.detail.ja && err.detail.en);
        return true;
      },
    );
  });
});
