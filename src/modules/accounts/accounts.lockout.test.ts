/**
 * Sign-in limits (see SIGN_IN_LIMITS): failures counted per e-mail and client (network address,
 * or the device cookie of a browser that signed in to the account before), per address across
 * e-mails, and per e-mail across addresses. Every attempt is counted before its password is
 * checked, so bursts get exactly the allowed number of checks; unknown e-mails get the same
 * answers; nobody else's failures shut out a known device. Time is a ManualClock.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import * as OTPAuth from 'otpauth';
import { ManualClock } from '../../core/clock.ts';
import { listOutbox } from '../../core/mail.ts';
import { newTenant, startTestApp, TestClient, type TestContext, type TestTenant } from '../../testing/harness.ts';
import { makeUser } from '../../testing/factories.ts';
import { accountsMessages } from './accounts.messages.ts';
import { DEVICE_COOKIE } from './accounts.routes.ts';
import { SIGN_IN_LIMITS, SIGN_UP_LIMITS } from './accounts.service.ts';

/** A browser at a given network address. */
class Browser extends TestClient {
  constructor(
    ctx: TestContext,
    tenant: TestTenant,
    readonly address: string,
  ) {
    super(ctx.app, tenant.host);
  }
  override request(options: InjectOptions): Promise<LightMyRequestResponse> {
    return super.request({ ...options, remoteAddress: this.address });
  }
}

const INVALID = accountsMessages['accounts.login.invalid'].ja;
const LOCKED = accountsMessages['accounts.login.locked'].ja;
const LIMITED = accountsMessages['accounts.login.rateLimited'].ja;
const CHECK_MAIL = accountsMessages['accounts.login.checkMailBody'].ja;

/** The answer as the person sees it: status and which message the page shows. */
function outcome(res: LightMyRequestResponse): string {
  if (res.statusCode === 303) return `303 ${res.headers.location}`;
  const names = new Map([
    [INVALID, 'invalid'],
    [LOCKED, 'locked'],
    [LIMITED, 'rate_limited'],
    [CHECK_MAIL, 'check_mail'],
  ]);
  const name = [...names].find(([m]) => res.body.includes(m))?.[1] ?? 'other';
  return `${res.statusCode} ${name}`;
}

const count = (xs: string[]) => xs.reduce<Record<string, number>>((acc, x) => ({ ...acc, [x]: (acc[x] ?? 0) + 1 }), {});

describe('sign-in limits', () => {
  let ctx: TestContext;
  let clock: ManualClock;
  before(async () => {
    clock = new ManualClock('2026-06-01T03:00:00Z');
    ctx = await startTestApp({ clock });
  });
  after(async () => ctx.close());

  let next = 0;
  /** A browser at a fresh address (documentation ranges). */
  const browser = (tenant: TestTenant, address = `198.51.100.${++next % 250}`) => new Browser(ctx, tenant, address);

  async function signIn(client: TestClient, email: string, password: string, csrf?: string) {
    return client.submit('/login', { email, password }, csrf ? { csrf } : {});
  }

  async function wrongPasswordsChecked(tenant: TestTenant): Promise<number> {
    const rows = await ctx.db.query(
      `select 1 from audit_log where tenant_id = $1 and action = 'user.sign_in_failed' and details like '%"wrong_password"%'`,
      [tenant.id],
    );
    return rows.length;
  }

  it('checks exactly five passwords of a burst, and shuts out only that client', async () => {
    const tenant = await newTenant(ctx.db);
    const user = await makeUser(ctx.db, tenant, 'citizen');
    const attacker = browser(tenant, '203.0.113.7');
    const csrf = await attacker.csrfToken();
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => signIn(attacker, user.email, `wrong-password-${i}`, csrf)));
    assert.deepEqual(count(burst.map(outcome)), { '401 invalid': 5, '202 check_mail': 7 });
    assert.equal(await wrongPasswordsChecked(tenant), SIGN_IN_LIMITS.pairMaxFailures, 'only the allowed number of answers told anything');

    // The right password from the attacker's address gives no session, only a mail to the owner …
    const right = await signIn(attacker, user.email, user.password, csrf);
    assert.equal(outcome(right), '202 check_mail');
    assert.ok(!attacker.jar.cookies.has('hibiki_session'));
    assert.deepEqual((await listOutbox(ctx.db, tenant.id)).map((m) => m.to_address), [user.email]);
    assert.equal(outcome(await signIn(attacker, user.email, user.password, csrf)), '202 check_mail', 'a right guess does not reopen the pair');
    // … and the owner, at another address, signs in.
    const owner = browser(tenant, '192.0.2.44');
    assert.equal(outcome(await signIn(owner, user.email, user.password)), '303 /start');

    // When the window has passed, the attacker's address may try again.
    clock.advance(SIGN_IN_LIMITS.pairWindowSeconds * 1000 + 1000);
    assert.equal(outcome(await signIn(attacker, user.email, 'still-wrong', csrf)), '401 invalid');
    assert.equal(outcome(await signIn(attacker, user.email, user.password, csrf)), '303 /start');
  });

  it('answers a registered and an unknown e-mail alike, the fifth and sixth answers included', async () => {
    const tenant = await newTenant(ctx.db);
    const user = await makeUser(ctx.db, tenant, 'citizen');
    const a = browser(tenant);
    const b = browser(tenant);
    const known: string[] = [];
    const unknown: string[] = [];
    const bodies: [string, string][] = [];
    for (let i = 0; i < 7; i++) {
      const k = await signIn(a, user.email, `wrong-${i}`);
      const u = await signIn(b, 'nobody-here@example.jp', `wrong-${i}`);
      known.push(outcome(k));
      unknown.push(outcome(u));
      // The pages differ only in the e-mail typed in and the form's CSRF token.
      const normalise = (body: string, email: string) => body.replaceAll(email, 'EMAIL').replace(/value="[^"]{20,}"/g, 'value="TOKEN"');
      bodies.push([normalise(k.body, user.email), normalise(u.body, 'nobody-here@example.jp')]);
    }
    assert.deepEqual(known, ['401 invalid', '401 invalid', '401 invalid', '401 invalid', '401 invalid', '202 check_mail', '202 check_mail']);
    assert.deepEqual(unknown, known);
    for (const [k, u] of bodies) assert.equal(k, u);
  });

  it('answers exactly the attempts beyond the limit of one address by mail, then 429, however fast they come', async () => {
    const tenant = await newTenant(ctx.db);
    const client = browser(tenant, '203.0.113.80');
    const csrf = await client.csrfToken();
    const { clientMaxFailures, clientMaxByMail } = SIGN_IN_LIMITS;
    const emails = Array.from({ length: clientMaxFailures + clientMaxByMail + 6 }, (_, i) => `nobody-${i}@example.jp`);
    const results = await Promise.all(emails.map((email) => signIn(client, email, 'whatever-password', csrf)));
    assert.deepEqual(count(results.map(outcome)), {
      '401 invalid': clientMaxFailures,
      '202 check_mail': clientMaxByMail,
      '429 rate_limited': 6,
    });
    assert.equal((await listOutbox(ctx.db, tenant.id)).length, 0, 'no account, no mail');
    clock.advance(SIGN_IN_LIMITS.clientWindowSeconds * 1000 + 1000);
    assert.equal(outcome(await signIn(client, 'nobody-0@example.jp', 'whatever-password', csrf)), '401 invalid');
  });

  it('lets a right password through an address over its limit by a link mailed to the account', async () => {
    const tenant = await newTenant(ctx.db);
    const user = await makeUser(ctx.db, tenant, 'citizen');
    const nat = '203.0.113.100';
    const attacker = browser(tenant, nat);
    const csrf = await attacker.csrfToken();
    for (let i = 0; i < SIGN_IN_LIMITS.clientMaxFailures; i++) await signIn(attacker, `guess-${i}@example.jp`, 'guess', csrf);

    // Behind the same NAT: a wrong and a right password get the same answer; only the right one mails.
    const colleague = browser(tenant, nat);
    const wrong = await signIn(colleague, user.email, 'not-my-password');
    const right = await signIn(colleague, user.email, user.password);
    assert.equal(outcome(wrong), '202 check_mail');
    assert.equal(outcome(right), '202 check_mail');
    assert.equal(wrong.body.replace(/value="[^"]{20,}"/g, ''), right.body.replace(/value="[^"]{20,}"/g, ''), 'the same page');
    assert.ok(!colleague.jar.cookies.has('hibiki_session'), 'no session yet');
    const mails = await listOutbox(ctx.db, tenant.id);
    assert.deepEqual(mails.map((m) => m.to_address), [user.email], 'one mail, to the account');
    const link = /\/login\/link\?token=([A-Za-z0-9_%-]+)/.exec(mails[0]!.body_text)![0];

    // The link shows a button (opening it spends nothing), and signs in on POST, once.
    const page = await colleague.get(link);
    assert.equal(page.statusCode, 200);
    const token = decodeURIComponent(link.split('token=')[1]!);
    assert.equal((await colleague.get(link)).statusCode, 200, 'opening it again still works');
    const done = await colleague.submit('/login/link', { token });
    assert.equal(outcome(done), '303 /start');
    assert.ok(colleague.jar.cookies.has('hibiki_session'));
    assert.equal((await colleague.get('/account')).statusCode, 200);
    assert.equal((await colleague.submit('/login/link', { token })).statusCode, 400, 'a link is good once');

    // That browser is now known to the account: the next sign-in goes straight through.
    await colleague.submit('/logout', {});
    assert.equal(outcome(await signIn(colleague, user.email, user.password)), '303 /start');
  });

  it('gives a right password its count back, so a shared address keeps its allowance for failures', async () => {
    const tenant = await newTenant(ctx.db);
    const user = await makeUser(ctx.db, tenant, 'citizen');
    const nat = '203.0.113.90';
    const guesser = browser(tenant, nat);
    const csrf = await guesser.csrfToken();
    for (let i = 0; i < SIGN_IN_LIMITS.clientMaxFailures - 1; i++) {
      assert.equal(outcome(await signIn(guesser, `guess-${i}@example.jp`, 'guess', csrf)), '401 invalid', `failure ${i + 1}`);
    }
    // A colleague behind the same NAT signs in: counted first, given back once right.
    assert.equal(outcome(await signIn(browser(tenant, nat), user.email, user.password)), '303 /start');
    assert.equal(outcome(await signIn(guesser, 'guess-last@example.jp', 'guess', csrf)), '401 invalid', 'the 20th failure');
    assert.equal(outcome(await signIn(guesser, 'guess-over@example.jp', 'guess', csrf)), '202 check_mail', 'the 21st');
  });

  it('lets staff behind an address over its limit through by mail and then their code', async () => {
    const tenant = await newTenant(ctx.db);
    const staff = await makeUser(ctx.db, tenant, 'staff');
    // Enrolled from home.
    const home = browser(tenant, '192.0.2.70');
    await signIn(home, staff.email, staff.password);
    const setup = await home.get('/account/two-factor/setup');
    const secret = /name="secret" value="([A-Z2-7]+)"/.exec(setup.body)![1]!;
    const signature = /name="signature" value="([^"]+)"/.exec(setup.body)![1]!;
    const code = () =>
      OTPAuth.TOTP.generate({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp: clock.now().getTime() });
    assert.equal((await home.submit('/account/two-factor/setup', { secret, signature, code: code() })).statusCode, 200);

    // At the office, someone on the same NAT has used up the address.
    const nat = '203.0.113.110';
    const attacker = browser(tenant, nat);
    const csrf = await attacker.csrfToken();
    for (let i = 0; i < SIGN_IN_LIMITS.clientMaxFailures; i++) await signIn(attacker, `guess-${i}@example.jp`, 'guess', csrf);
    const office = browser(tenant, nat);
    assert.equal(outcome(await signIn(office, staff.email, staff.password)), '202 check_mail');
    const mail = (await listOutbox(ctx.db, tenant.id)).find((m) => m.to_address === staff.email)!;
    const token = decodeURIComponent(/\/login\/link\?token=([A-Za-z0-9_%-]+)/.exec(mail.body_text)![1]!);
    const linked = await office.submit('/login/link', { token });
    assert.equal(linked.statusCode, 303);
    assert.match(String(linked.headers.location), /^\/login\/two-factor\?next=/, 'the link is the password step only');
    assert.equal((await office.get('/admin/users')).statusCode, 303);
    clock.advance(30_000);
    assert.equal(outcome(await office.submit('/login/two-factor', { code: code() })), '303 /start', 'the code is not refused for the address');
  });

  it('lets a browser that signed in before through while its address and its account are shut out', async () => {
    const tenant = await newTenant(ctx.db);
    const user = await makeUser(ctx.db, tenant, 'citizen');
    const nat = '203.0.113.120';
    const owner = browser(tenant, nat);
    assert.equal(outcome(await signIn(owner, user.email, user.password)), '303 /start');
    const device = owner.jar.cookies.get(DEVICE_COOKIE);
    assert.ok(device, 'a device cookie is set at sign-in');
    await owner.submit('/logout', {});
    assert.equal(owner.jar.cookies.get(DEVICE_COOKIE), device, 'signing out keeps the device cookie');

    // Someone behind the same NAT uses up the pair and the address.
    const attacker = browser(tenant, nat);
    const csrf = await attacker.csrfToken();
    for (let i = 0; i < SIGN_IN_LIMITS.pairMaxFailures; i++) await signIn(attacker, user.email, `wrong-${i}`, csrf);
    for (let i = 0; i < SIGN_IN_LIMITS.clientMaxFailures; i++) await signIn(attacker, `other-${i}@example.jp`, 'wrong', csrf);
    assert.equal(outcome(await signIn(attacker, user.email, user.password, csrf)), '202 check_mail', 'the pair is used up');
    // A browser new to the account behind that NAT confirms by mail …
    assert.equal(outcome(await signIn(browser(tenant, nat), user.email, user.password)), '202 check_mail');

    // … then many addresses guess the account's password from unknown browsers.
    clock.advance(SIGN_IN_LIMITS.clientWindowSeconds * 1000 + 1000);
    const spread = SIGN_IN_LIMITS.accountMaxAttempts;
    for (let start = 0; start < spread; start += 10) {
      await Promise.all(
        Array.from({ length: Math.min(10, spread - start) }, (_, i) =>
          signIn(browser(tenant, `10.9.${Math.floor((start + i) / 250)}.${(start + i) % 250}`), user.email, `guess-${start + i}`),
        ),
      );
    }
    assert.equal(outcome(await signIn(browser(tenant, '10.10.0.1'), user.email, user.password)), '202 check_mail', 'a new browser confirms by mail');

    // The owner's own browser, behind the NAT, still signs in; a wrong password there counts for it alone.
    assert.equal(outcome(await signIn(owner, user.email, 'owner-typo')), '401 invalid');
    assert.equal(outcome(await signIn(owner, user.email, user.password)), '303 /start');
  });

  it('does not take a device cookie of one account as known for another', async () => {
    const tenant = await newTenant(ctx.db);
    const mine = await makeUser(ctx.db, tenant, 'citizen');
    const victim = await makeUser(ctx.db, tenant, 'citizen');
    const attacker = browser(tenant, '203.0.113.140');
    assert.equal(outcome(await signIn(attacker, mine.email, mine.password)), '303 /start');
    const csrf = await attacker.csrfToken();
    const answers: string[] = [];
    for (let i = 0; i < 7; i++) answers.push(outcome(await signIn(attacker, victim.email, `wrong-${i}`, csrf)));
    assert.deepEqual(answers.slice(4), ['401 invalid', '202 check_mail', '202 check_mail'], 'the attacker’s own device cookie does not lift the victim’s pair limit');
  });

  it('gives a session waiting for its second factor minutes, not hours', async () => {
    const tenant = await newTenant(ctx.db);
    const staff = await makeUser(ctx.db, tenant, 'staff');
    const res = await signIn(browser(tenant), staff.email, staff.password);
    assert.equal(res.statusCode, 303);
    const row = await ctx.db.one<{ minutes: number; mfa: boolean }>(
      `select extract(epoch from expires_at - now())::int / 60 as minutes, mfa_passed as mfa from sessions where tenant_id = $1 and user_id = $2`,
      [tenant.id, staff.id],
    );
    assert.equal(row.mfa, false);
    assert.ok(row.minutes <= 15, `${row.minutes} minutes`);
  });
});

describe('sign-up and resend limits', () => {
  let ctx: TestContext;
  let clock: ManualClock;
  before(async () => {
    clock = new ManualClock('2026-06-01T03:00:00Z');
    ctx = await startTestApp({ clock });
  });
  after(async () => ctx.close());

  const signUp = (client: TestClient, email: string, csrf: string) =>
    client.submit('/signup', { agree: 'yes', email, displayName: '市民 太郎', password: 'long-enough-password-1', passwordConfirm: 'long-enough-password-1' }, { csrf });

  it('takes at most the per-client number of sign-ups from one address, and mails only those', async () => {
    const tenant = await newTenant(ctx.db);
    const client = new Browser(ctx, tenant, '203.0.113.200');
    const csrf = await client.csrfToken();
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => signUp(client, `new-${i}@example.jp`, csrf)));
    const limit = SIGN_UP_LIMITS.signUpPerClient.limit;
    assert.deepEqual(count(results.map((r) => String(r.statusCode))), { '303': limit, '429': 25 - limit });
    assert.ok(results.filter((r) => r.statusCode === 429).every((r) => Number(r.headers['retry-after']) > 0), 'Retry-After is given');
    assert.equal((await listOutbox(ctx.db, tenant.id)).length, limit, 'one mail per accepted sign-up');
    clock.advance(SIGN_UP_LIMITS.signUpPerClient.windowSeconds * 1000 + 1000);
    assert.equal((await signUp(client, 'later@example.jp', csrf)).statusCode, 303);
  });

  it('takes at most three sign-ups or resends an hour for one e-mail, from any addresses, registered or not', async () => {
    const tenant = await newTenant(ctx.db);
    let n = 0;
    const fresh = async () => {
      const c = new Browser(ctx, tenant, `192.0.2.${++n}`);
      return { c, csrf: await c.csrfToken() };
    };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { c, csrf } = await fresh();
      statuses.push((await signUp(c, 'target@example.jp', csrf)).statusCode);
    }
    assert.deepEqual(statuses, [303, 303, 303, 429]);
    const resend = async (email: string) => {
      const { c, csrf } = await fresh();
      return (await c.submit('/signup/resend', { email }, { csrf })).statusCode;
    };
    const registered: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 4; i++) {
      registered.push(await resend('target@example.jp'));
      unknown.push(await resend('nobody@example.jp'));
    }
    assert.deepEqual(registered, [303, 303, 303, 429]);
    assert.deepEqual(unknown, registered, 'an unregistered address is limited the same way');
    const mails = (await listOutbox(ctx.db, tenant.id)).filter((m) => m.to_address === 'target@example.jp');
    assert.equal(mails.length, 3, 'at most three confirmation mails an hour for the account');
  });

  it('limits resends from one address across e-mails', async () => {
    const tenant = await newTenant(ctx.db);
    const client = new Browser(ctx, tenant, '203.0.113.210');
    const csrf = await client.csrfToken();
    const statuses = await Promise.all(
      Array.from({ length: SIGN_UP_LIMITS.resendPerClient.limit + 3 }, (_, i) => client.submit('/signup/resend', { email: `x${i}@example.jp` }, { csrf })),
    );
    assert.deepEqual(count(statuses.map((r) => String(r.statusCode))), { '303': SIGN_UP_LIMITS.resendPerClient.limit, '429': 3 });
  });
});

