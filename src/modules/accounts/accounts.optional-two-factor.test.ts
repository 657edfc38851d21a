/**
 * Two-factor by choice for citizens: a signed-in citizen enrols TOTP from the account page, and
 * from then on sign-in asks for the code (a half-signed-in citizen is nobody to every module);
 * a wrong code is refused with a message in both languages; they turn it off again with a
 * current code and the password, audited; an administrator resets a lost one. Staff keep
 * mandatory two-factor. Codes come from the app's ManualClock.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as OTPAuth from 'otpauth';
import { ManualClock } from '../../core/clock.ts';
import { makeUser, type TestUser } from '../../testing/factories.ts';
import { newTenant, startTestApp, TestClient, type TestContext, type TestTenant } from '../../testing/harness.ts';
import { accountsMessages, accountsText } from './accounts.messages.ts';

describe('two-factor by choice for citizens', () => {
  let ctx: TestContext;
  const clock = new ManualClock('2026-06-01T03:00:10Z');
  before(async () => {
    ctx = await startTestApp({ clock });
  });
  after(async () => ctx.close());

  const code = (secret: string) =>
    OTPAuth.TOTP.generate({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp: clock.now().getTime() });
  const wrongCode = (secret: string) => String((Number(code(secret)) + 1) % 1_000_000).padStart(6, '0');
  const auditActions = async (tenant: TestTenant, userId: string) =>
    (await ctx.db.query<{ action: string }>("select action from audit_log where tenant_id = $1 and entity_id = $2 and action like 'user.totp%' order by seq", [tenant.id, userId])).map(
      (r) => r.action,
    );

  /** Signs the citizen in with the password and enrols from the account page; the secret. */
  async function enrol(client: TestClient, user: TestUser): Promise<string> {
    assert.equal((await client.submit('/login', { email: user.email, password: user.password })).headers.location, '/start');
    const account = await client.get('/account');
    assert.ok(account.body.includes('href="/account/two-factor/setup?next=%2Faccount%3Fdone%3DtwoFactorOn"'), 'the account page offers two-factor');
    const setup = await client.get('/account/two-factor/setup?next=%2Faccount%3Fdone%3DtwoFactorOn');
    assert.equal(setup.statusCode, 200);
    assert.ok(setup.body.includes(accountsMessages['accounts.twoFactor.optionalLead'].ja));
    const secret = /name="secret" value="([A-Z2-7]+)"/.exec(setup.body)![1]!;
    const signature = /name="signature" value="([^"]+)"/.exec(setup.body)![1]!;
    const next = '/account?done=twoFactorOn';
    const wrong = await client.submit('/account/two-factor/setup', { secret, signature, code: wrongCode(secret), next });
    assert.equal(wrong.statusCode, 400, 'a wrong code does not enrol');
    const done = await client.submit('/account/two-factor/setup', { secret, signature, code: code(secret), next });
    assert.equal(done.statusCode, 200);
    assert.equal((done.body.match(/<li><code>/g) ?? []).length, 10, 'ten recovery codes are shown once');
    assert.equal((await client.get('/account')).statusCode, 200, 'the session still counts after enrolling');
    return secret;
  }

  it('lets a citizen turn two-factor on, then asks for the code at sign-in and refuses a wrong one', async () => {
    const tenant = await newTenant(ctx.db);
    const citizen = await makeUser(ctx.db, tenant, 'citizen');
    const client = new TestClient(ctx.app, tenant.host);
    const secret = await enrol(client, citizen);
    assert.deepEqual(await auditActions(tenant, citizen.id), ['user.totp_enable']);

    await client.submit('/logout', {});
    const login = await client.submit('/login', { email: citizen.email, password: citizen.password });
    assert.equal(login.headers.location, `/login/two-factor?next=${encodeURIComponent('/start')}`, 'the password alone asks for the code');
    const pending = await client.get('/account');
    assert.equal(pending.statusCode, 303);
    assert.equal(pending.headers.location, `/login/two-factor?next=${encodeURIComponent('/account')}`);
    const api = await client.request({ method: 'GET', url: '/api/v1/tokens', headers: { accept: 'application/json' } });
    assert.equal(api.statusCode, 401, 'the API does not take a half-signed-in session');

    clock.advance(30_000);
    const wrong = await client.submit('/login/two-factor', { code: wrongCode(secret), next: '/account' });
    assert.equal(wrong.statusCode, 401);
    assert.ok(wrong.body.includes(accountsMessages['accounts.error.codeWrong'].ja), 'the refusal says why, in Japanese');
    const wrongEn = await client.submit('/login/two-factor?lang=en', { code: wrongCode(secret), next: '/account' });
    assert.equal(wrongEn.statusCode, 401);
    assert.ok(wrongEn.body.includes(accountsMessages['accounts.error.codeWrong'].en), 'and in English');
    assert.equal((await client.get('/account')).statusCode, 303, 'still not signed in');

    const right = await client.submit('/login/two-factor', { code: code(secret), next: '/account' });
    assert.equal(right.statusCode, 303);
    assert.equal(right.headers.location, '/account');
    const account = await client.get('/account');
    assert.equal(account.statusCode, 200);
    assert.ok(account.body.includes('href="/account/two-factor/disable"'), 'the account page offers to turn it off');
  });

  it('turns two-factor off only with a current code and the password, audited and told by mail', async () => {
    const tenant = await newTenant(ctx.db);
    const citizen = await makeUser(ctx.db, tenant, 'citizen');
    const client = new TestClient(ctx.app, tenant.host);
    const secret = await enrol(client, citizen);
    clock.advance(30_000);

    assert.equal((await client.get('/account/two-factor/disable')).statusCode, 200);
    const empty = await client.submit('/account/two-factor/disable', {});
    assert.equal(empty.statusCode, 400);
    assert.ok(empty.body.includes('href="#code"') && empty.body.includes('href="#currentPassword"'), 'every missing field is reported');
    const badPassword = await client.submit('/account/two-factor/disable', { code: code(secret), currentPassword: 'not-it' });
    assert.equal(badPassword.statusCode, 400);
    assert.ok(badPassword.body.includes(accountsMessages['accounts.error.currentPasswordWrong'].ja));
    const badCode = await client.submit('/account/two-factor/disable', { code: wrongCode(secret), currentPassword: citizen.password });
    assert.equal(badCode.statusCode, 400);
    assert.ok(badCode.body.includes(accountsMessages['accounts.error.codeWrong'].ja));

    const off = await client.submit('/account/two-factor/disable', { code: code(secret), currentPassword: citizen.password });
    assert.equal(off.statusCode, 303);
    assert.equal(off.headers.location, '/account?done=twoFactorOff');
    assert.ok((await client.get('/account?done=twoFactorOff')).body.includes(accountsMessages['accounts.self.twoFactorOff'].ja));
    assert.deepEqual(await auditActions(tenant, citizen.id), ['user.totp_enable', 'user.totp_disable_wrong_code', 'user.totp_disable']);
    const [mail] = await ctx.db.query<{ n: number }>(
      "select count(*)::int as n from mail_outbox where tenant_id = $1 and to_address = $2 and subject = $3",
      [tenant.id, citizen.email, accountsText('accounts.mail.twoFactorOffSubject')],
    );
    assert.equal(mail!.n, 1, 'the address is told');

    await client.submit('/logout', {});
    assert.equal((await client.submit('/login', { email: citizen.email, password: citizen.password })).headers.location, '/start', 'the password alone signs in again');
  });

  it('lets an administrator reset a citizen’s lost two-factor, as for staff', async () => {
    const tenant = await newTenant(ctx.db);
    const citizen = await makeUser(ctx.db, tenant, 'citizen');
    const citizenBrowser = new TestClient(ctx.app, tenant.host);
    await enrol(citizenBrowser, citizen);

    const admin = await makeUser(ctx.db, tenant, 'admin');
    const adminBrowser = new TestClient(ctx.app, tenant.host);
    await adminBrowser.submit('/login', { email: admin.email, password: admin.password });
    const setup = await adminBrowser.get('/account/two-factor/setup');
    const secret = /name="secret" value="([A-Z2-7]+)"/.exec(setup.body)![1]!;
    const signature = /name="signature" value="([^"]+)"/.exec(setup.body)![1]!;
    assert.equal((await adminBrowser.submit('/account/two-factor/setup', { secret, signature, code: code(secret) })).statusCode, 200);
    assert.equal((await adminBrowser.get(`/admin/users/${citizen.id}/two-factor/reset`)).statusCode, 200);
    assert.equal((await adminBrowser.submit(`/admin/users/${citizen.id}/two-factor/reset`, { confirm: 'yes' })).statusCode, 303);

    assert.equal((await citizenBrowser.submit('/login', { email: citizen.email, password: citizen.password })).headers.location, '/start');
    assert.ok((await auditActions(tenant, citizen.id)).includes('user.totp_reset'));
  });

  it('keeps two-factor mandatory for staff: nothing to turn off', async () => {
    const tenant = await newTenant(ctx.db);
    const staff = await makeUser(ctx.db, tenant, 'staff');
    const client = new TestClient(ctx.app, tenant.host);
    await client.submit('/login', { email: staff.email, password: staff.password });
    const setup = await client.get('/account/two-factor/setup');
    assert.ok(setup.body.includes(accountsMessages['accounts.twoFactor.setupLead'].ja), 'staff read that it is required');
    const secret = /name="secret" value="([A-Z2-7]+)"/.exec(setup.body)![1]!;
    const signature = /name="signature" value="([^"]+)"/.exec(setup.body)![1]!;
    assert.equal((await client.submit('/account/two-factor/setup', { secret, signature, code: code(secret) })).statusCode, 200);
    clock.advance(30_000);
    const account = await client.get('/account');
    assert.ok(!account.body.includes('/account/two-factor/disable') && account.body.includes(accountsMessages['accounts.twoFactor.mandatory'].ja));
    assert.equal((await client.get('/account/two-factor/disable')).headers.location, '/account');
    assert.equal((await client.submit('/account/two-factor/disable', { code: code(secret), currentPassword: staff.password })).statusCode, 403);
    assert.deepEqual(await auditActions(tenant, staff.id), ['user.totp_enable']);
  });
});
