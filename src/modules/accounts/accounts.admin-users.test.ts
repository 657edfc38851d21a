/**
 * User administration through the real stack: an invitation from the administrator's form to
 * the invitee's own password and two-factor, editing name, role and department, disabling
 * behind a confirmation step and enabling again, resetting a lost two-factor (audited, enrolled
 * again at the next sign-in), and the rule that an administrator always remains.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as OTPAuth from 'otpauth';
import { CSRF_COOKIE, csrfTokenFor, SESSION_COOKIE, type Role } from '../../core/auth.ts';
import { ManualClock } from '../../core/clock.ts';
import { randomToken } from '../../core/crypto.ts';
import { listOutbox } from '../../core/mail.ts';
import { ensureDepartment } from '../../core/tenancy.ts';
import { newTenant, startTestApp, TestClient, type TestContext, type TestTenant } from '../../testing/harness.ts';
import { accountsMessages } from './accounts.messages.ts';
import { createUserAccount, findUserByEmail } from './accounts.service.ts';
import { createSession } from './accounts.sessions.ts';

let ctx: TestContext;
const clock = new ManualClock('2026-06-01T03:00:10Z');
before(async () => {
  ctx = await startTestApp({ clock });
});
after(async () => ctx.close());

const PASSWORD = 'correct-horse-battery';
const ja = (key: keyof typeof accountsMessages) => accountsMessages[key].ja;

async function setup(): Promise<TestTenant> {
  const tenant = await newTenant(ctx.db);
  await ensureDepartment(ctx.db, tenant.id, { code: 'shimin-kyodo', nameJa: '市民協働課', nameEn: 'Citizen Collaboration Division' });
  await ensureDepartment(ctx.db, tenant.id, { code: 'zaisei', nameJa: '財政課', nameEn: 'Finance Division' });
  return tenant;
}

async function makeUser(tenant: TestTenant, role: Role, email = `${role}-${randomToken(4).toLowerCase().replace(/[^a-z0-9]/g, 'x')}@example.jp`) {
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

/** An administrator's browser, signed in with two-factor done. */
async function adminBrowser(tenant: TestTenant, admin?: { id: string; email: string }) {
  const user = admin ?? (await makeUser(tenant, 'admin'));
  const client = new TestClient(ctx.app, tenant.host);
  const csrfCookie = randomToken();
  client.jar.cookies.set(CSRF_COOKIE, csrfCookie);
  client.jar.cookies.set(SESSION_COOKIE, await createSession(ctx.db, tenant.id, user.id, true));
  return { client, csrf: csrfTokenFor(ctx.config.secret, csrfCookie), user };
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

/** Signs in and enrols TOTP from the set-up page the sign-in leads to. */
async function signInAndEnrol(client: TestClient, email: string, password = PASSWORD): Promise<string> {
  const login = await client.submit('/login', { email, password });
  assert.equal(login.statusCode, 303);
  assert.match(String(login.headers.location), /^\/account\/two-factor\/setup/, 'a staff role is sent to enrol two-factor');
  const page = await client.get('/account/two-factor/setup');
  const secret = /name="secret" value="([A-Z2-7]+)"/.exec(page.body)![1]!;
  const signature = /name="signature" value="([^"]+)"/.exec(page.body)![1]!;
  const done = await client.submit('/account/two-factor/setup', { secret, signature, code: totpCode(secret) });
  assert.equal(done.statusCode, 200);
  return secret;
}

const auditActions = async (tenant: TestTenant, entityId: string) =>
  (await ctx.db.query<{ action: string }>("select action from audit_log where tenant_id = $1 and entity_id = $2 and action like 'user.%' order by seq", [tenant.id, entityId])).map(
    (r) => r.action,
  );

describe('inviting staff', () => {
  it('invites by e-mail; the invitee sets their own password, enrols two-factor and gets in', async () => {
    const tenant = await setup();
    const { client, csrf, user: admin } = await adminBrowser(tenant);
    const form = await client.get('/admin/users/new');
    assert.equal(form.statusCode, 200);
    assert.ok(!form.body.includes('type="password"'), 'the invitation form has no password');

    const res = await client.submit('/admin/users/new', { email: 'New.Staff@Example.jp', displayName: '新任 職員', role: 'staff', departmentCode: 'shimin-kyodo' }, { csrf });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/admin/users?done=invited');
    const invited = await findUserByEmail(ctx.db, tenant.id, 'new.staff@example.jp');
    assert.equal(invited?.role, 'staff');
    const list = await client.get('/admin/users?done=invited');
    assert.ok(list.body.includes(ja('accounts.admin.statusInvited')) && list.body.includes(ja('accounts.admin.invited')));

    const [mail] = await listOutbox(ctx.db, tenant.id);
    assert.equal(mail?.to_address, 'new.staff@example.jp');
    assert.ok(mail.body_text.includes(tenant.nameJa) && mail.body_text.includes('担当課職員'), 'says where and as what');
    assert.ok(mail.body_text.includes('二要素認証'), 'says two-factor comes next');
    const link = new URL(/(http:\/\/\S+\/account\/set-password\?token=\S+)/.exec(mail.body_text)![1]!);

    const invitee = new TestClient(ctx.app, tenant.host);
    assert.equal((await invitee.submit('/login', { email: 'new.staff@example.jp', password: 'anything-at-all-1' })).statusCode, 401, 'no password until they set one');
    assert.equal((await invitee.get(link.pathname + link.search)).statusCode, 200);
    const token = link.searchParams.get('token')!;
    const set = await invitee.submit('/account/set-password', { token, password: 'my-own-passphrase-1', passwordConfirm: 'my-own-passphrase-1' });
    assert.equal(set.statusCode, 200);
    assert.equal((await invitee.submit('/account/set-password', { token, password: 'another-one-entirely', passwordConfirm: 'another-one-entirely' })).statusCode, 400, 'the link works once');

    await signInAndEnrol(invitee, 'new.staff@example.jp', 'my-own-passphrase-1');
    const account = await invitee.get('/account');
    assert.equal(account.statusCode, 200);
    assert.ok(account.body.includes('新任 職員') && account.body.includes('市民協働課'));
    const actions = await auditActions(tenant, invited!.id);
    assert.deepEqual(
      actions.filter((a) => ['user.invite', 'user.password_set', 'user.totp_enable'].includes(a)),
      ['user.invite', 'user.password_set', 'user.totp_enable'],
    );
    const [inviteAudit] = await ctx.db.query<{ actor_id: string }>("select actor_id from audit_log where tenant_id = $1 and action = 'user.invite'", [tenant.id]);
    assert.equal(inviteAudit!.actor_id, admin.id);
  });

  it('refuses a bad invitation listing every problem, and stores and mails nothing', async () => {
    const tenant = await setup();
    const { client, csrf } = await adminBrowser(tenant);
    const existing = await makeUser(tenant, 'citizen', 'already@example.jp');
    const empty = await client.submit('/admin/users/new', { email: '', displayName: '', role: 'staff', departmentCode: '' }, { csrf });
    assert.equal(empty.statusCode, 400);
    for (const field of ['email', 'displayName', 'departmentCode']) assert.ok(empty.body.includes(`href="#${field}"`), field);
    const citizen = await client.submit('/admin/users/new', { email: 'c@example.jp', displayName: 'c', role: 'citizen' }, { csrf });
    assert.equal(citizen.statusCode, 400, 'citizens sign up themselves');
    const unknown = await client.submit('/admin/users/new', { email: 'x@example.jp', displayName: 'x', role: 'staff', departmentCode: 'no-such' }, { csrf });
    assert.equal(unknown.statusCode, 400);
    assert.ok(unknown.body.includes(ja('accounts.error.departmentUnknown')));
    const taken = await client.submit('/admin/users/new', { email: existing.email, displayName: 'dup', role: 'plan_manager' }, { csrf });
    assert.equal(taken.statusCode, 400);
    assert.ok(taken.body.includes(ja('accounts.error.emailTaken')));
    assert.ok(taken.body.includes(`value="${existing.email}"`), 'keeps what was typed');
    const forged = await client.submit('/admin/users/new', { email: 'forged@example.jp', displayName: 'f', role: 'admin' }, { csrf: null });
    assert.equal(forged.statusCode, 403);
    assert.equal((await listOutbox(ctx.db, tenant.id)).length, 0);
    for (const email of ['x@example.jp', 'c@example.jp', 'forged@example.jp']) assert.equal(await findUserByEmail(ctx.db, tenant.id, email), undefined);
  });

  it('sends a new invitation on request, and the older link stops working', async () => {
    const tenant = await setup();
    const { client, csrf } = await adminBrowser(tenant);
    await client.submit('/admin/users/new', { email: 'slow@example.jp', displayName: 'ゆっくり', role: 'plan_manager', departmentCode: '' }, { csrf });
    const invited = (await findUserByEmail(ctx.db, tenant.id, 'slow@example.jp'))!;
    const first = (await listOutbox(ctx.db, tenant.id))[0]!;
    const page = await client.get(`/admin/users/${invited.id}`);
    assert.ok(page.body.includes(`action="/admin/users/${invited.id}/invitation"`));
    assert.equal((await client.submit(`/admin/users/${invited.id}/invitation`, {}, { csrf })).statusCode, 303);
    const outbox = await listOutbox(ctx.db, tenant.id);
    assert.equal(outbox.length, 2);
    const tokenOf = (text: string) => new URL(/(http:\/\/\S+\/account\/set-password\?token=\S+)/.exec(text)![1]!).searchParams.get('token')!;
    const invitee = new TestClient(ctx.app, tenant.host);
    assert.equal((await invitee.get(`/account/set-password?token=${encodeURIComponent(tokenOf(first.body_text))}`)).statusCode, 400);
    assert.equal((await invitee.get(`/account/set-password?token=${encodeURIComponent(tokenOf(outbox[0]!.body_text))}`)).statusCode, 200);
  });
});

describe('editing, disabling and enabling users', () => {
  it('edits name, role and department, audited with what changed, and refuses bad input', async () => {
    const tenant = await setup();
    const { client, csrf } = await adminBrowser(tenant);
    const staff = await makeUser(tenant, 'staff');
    const staffBrowser = new TestClient(ctx.app, tenant.host);
    await signInAndEnrol(staffBrowser, staff.email);

    const page = await client.get(`/admin/users/${staff.id}`);
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes('value="Test staff"'));
    const bad = await client.submit(`/admin/users/${staff.id}`, { displayName: '', role: 'staff', departmentCode: '' }, { csrf });
    assert.equal(bad.statusCode, 400);
    for (const field of ['displayName', 'departmentCode']) assert.ok(bad.body.includes(`href="#${field}"`), field);
    const badRole = await client.submit(`/admin/users/${staff.id}`, { displayName: 'x', role: 'superuser', departmentCode: 'zaisei' }, { csrf });
    assert.equal(badRole.statusCode, 400);
    assert.ok(badRole.body.includes('href="#role"'));
    assert.equal((await staffBrowser.get('/account')).statusCode, 200, 'refused edits change nothing');

    const renamed = await client.submit(`/admin/users/${staff.id}`, { displayName: '財政 太郎', role: 'staff', departmentCode: 'zaisei' }, { csrf });
    assert.equal(renamed.statusCode, 303);
    assert.equal(renamed.headers.location, `/admin/users/${staff.id}?done=saved`);
    const account = await staffBrowser.get('/account');
    assert.equal(account.statusCode, 200, 'a new name or department keeps the session');
    assert.ok(account.body.includes('財政 太郎') && account.body.includes('財政課'));

    const promoted = await client.submit(`/admin/users/${staff.id}`, { displayName: '財政 太郎', role: 'plan_manager', departmentCode: 'zaisei' }, { csrf });
    assert.equal(promoted.statusCode, 303);
    assert.equal((await staffBrowser.get('/account')).statusCode, 303, 'a new role ends their sessions');
    const [row] = await ctx.db.query<{ details: string }>(
      "select details from audit_log where tenant_id = $1 and action = 'user.update' and entity_id = $2 order by seq desc limit 1",
      [tenant.id, staff.id],
    );
    const details = (typeof row!.details === 'string' ? JSON.parse(row!.details) : row!.details) as Record<string, unknown>;
    assert.deepEqual(details.role, ['staff', 'plan_manager']);
    assert.equal((await client.submit('/admin/users/00000000-0000-4000-8000-000000000000', { displayName: 'x', role: 'citizen' }, { csrf })).statusCode, 404);
  });

  it('disables only after the confirmation step, and enables again', async () => {
    const tenant = await setup();
    const { client, csrf } = await adminBrowser(tenant);
    const citizen = await makeUser(tenant, 'citizen');
    const citizenBrowser = new TestClient(ctx.app, tenant.host);
    assert.equal((await citizenBrowser.submit('/login', { email: citizen.email, password: PASSWORD })).statusCode, 303);

    const page = await client.get(`/admin/users/${citizen.id}`);
    assert.ok(page.body.includes(`href="/admin/users/${citizen.id}/disable"`), 'the user page links to the confirmation');
    assert.ok(!page.body.includes(`action="/admin/users/${citizen.id}/disable"`), 'and has no one-click disable');
    const bare = await client.submit(`/admin/users/${citizen.id}/disable`, {}, { csrf });
    assert.equal(bare.statusCode, 303);
    assert.equal(bare.headers.location, `/admin/users/${citizen.id}/disable`, 'a post without the confirmation asks first');
    assert.equal((await citizenBrowser.get('/account')).statusCode, 200, 'and disables nothing');
    const confirm = await client.get(`/admin/users/${citizen.id}/disable`);
    assert.equal(confirm.statusCode, 200);
    assert.ok(confirm.body.includes(citizen.email) && confirm.body.includes('name="confirm" value="yes"'));

    assert.equal((await client.submit(`/admin/users/${citizen.id}/disable`, { confirm: 'yes' }, { csrf })).statusCode, 303);
    assert.equal((await citizenBrowser.get('/account')).statusCode, 303, 'the session ended');
    assert.equal((await citizenBrowser.submit('/login', { email: citizen.email, password: PASSWORD })).statusCode, 401);
    const disabled = await client.get(`/admin/users/${citizen.id}?done=disabled`);
    assert.ok(disabled.body.includes(ja('accounts.admin.statusDisabled')) && disabled.body.includes(`action="/admin/users/${citizen.id}/enable"`));

    assert.equal((await client.submit(`/admin/users/${citizen.id}/enable`, {}, { csrf })).statusCode, 303);
    assert.equal((await citizenBrowser.submit('/login', { email: citizen.email, password: PASSWORD })).statusCode, 303, 'signs in again with their own password');
    assert.equal((await client.submit(`/admin/users/${citizen.id}/enable`, {}, { csrf })).statusCode, 403, 'enabling an enabled account is refused');
    assert.deepEqual((await auditActions(tenant, citizen.id)).filter((a) => a === 'user.disable' || a === 'user.enable'), ['user.disable', 'user.enable']);
  });
});

describe('resetting a lost two-factor', () => {
  it('forgets the authenticator after confirmation, ends the sessions, audits it, and asks for a new enrolment', async () => {
    const tenant = await setup();
    const { client, csrf, user: admin } = await adminBrowser(tenant);
    const staff = await makeUser(tenant, 'staff');
    const staffBrowser = new TestClient(ctx.app, tenant.host);
    const oldSecret = await signInAndEnrol(staffBrowser, staff.email);

    const confirm = await client.get(`/admin/users/${staff.id}/two-factor/reset`);
    assert.equal(confirm.statusCode, 200);
    assert.equal((await client.submit(`/admin/users/${staff.id}/two-factor/reset`, {}, { csrf })).statusCode, 303);
    assert.equal((await staffBrowser.get('/account')).statusCode, 200, 'nothing happens without the confirmation');
    const reset = await client.submit(`/admin/users/${staff.id}/two-factor/reset`, { confirm: 'yes' }, { csrf });
    assert.equal(reset.statusCode, 303);
    assert.equal(reset.headers.location, `/admin/users/${staff.id}?done=reset`);
    assert.equal((await staffBrowser.get('/account')).statusCode, 303, 'their sessions ended');
    const [row] = await ctx.db.query<{ totp_secret_enc: string | null; codes: number }>(
      'select totp_secret_enc, (select count(*)::int from recovery_codes r where r.tenant_id = u.tenant_id and r.user_id = u.id) as codes from users u where tenant_id = $1 and id = $2',
      [tenant.id, staff.id],
    );
    assert.equal(row!.totp_secret_enc, null);
    assert.equal(row!.codes, 0, 'the recovery codes are gone too');
    const [audit] = await ctx.db.query<{ actor_id: string }>("select actor_id from audit_log where tenant_id = $1 and action = 'user.totp_reset' and entity_id = $2", [tenant.id, staff.id]);
    assert.equal(audit!.actor_id, admin.id, 'audited with the administrator who did it');

    const again = new TestClient(ctx.app, tenant.host);
    const newSecret = await signInAndEnrol(again, staff.email);
    assert.notEqual(newSecret, oldSecret, 'a new authenticator is enrolled at the next sign-in');
    assert.equal((await again.get('/account')).statusCode, 200);
    assert.equal((await client.get(`/admin/users/${staff.id}/two-factor/reset`)).statusCode, 200);
    assert.equal((await client.get(`/admin/users/${admin.id}/two-factor/reset`)).statusCode, 403, 'not one’s own');
  });
});

describe('an administrator always remains', () => {
  it('refuses the only administrator demoting or disabling themself, and lets one of two step down', async () => {
    const tenant = await setup();
    const { client, csrf, user: admin } = await adminBrowser(tenant);
    const demote = await client.submit(`/admin/users/${admin.id}`, { displayName: 'Me', role: 'staff', departmentCode: 'shimin-kyodo' }, { csrf });
    assert.equal(demote.statusCode, 400);
    assert.ok(demote.body.includes(ja('accounts.error.lastAdmin')));
    assert.equal((await client.submit(`/admin/users/${admin.id}/disable`, { confirm: 'yes' }, { csrf })).statusCode, 403);
    assert.equal((await client.get(`/admin/users/${admin.id}/disable`)).statusCode, 403);
    const [still] = await ctx.db.query<{ role: string; disabled_at: Date | null }>('select role, disabled_at from users where tenant_id = $1 and id = $2', [tenant.id, admin.id]);
    assert.deepEqual(still, { role: 'admin', disabled_at: null });

    const second = await makeUser(tenant, 'admin');
    const stepDown = await client.submit(`/admin/users/${admin.id}`, { displayName: 'Me', role: 'staff', departmentCode: 'shimin-kyodo' }, { csrf });
    assert.equal(stepDown.statusCode, 303);
    assert.equal(stepDown.headers.location, '/account', 'no longer an administrator: back to their account');
    assert.equal((await client.get('/admin/users')).statusCode, 403);
    const other = await adminBrowser(tenant, second);
    const last = await other.client.submit(`/admin/users/${second.id}`, { displayName: 'Last', role: 'citizen' }, { csrf: other.csrf });
    assert.equal(last.statusCode, 400, 'the remaining administrator cannot step down');
  });
});
