/**
 * Lockout and rate limit under concurrent attempts: every attempt is counted before its
 * password is checked, so a burst of guesses cannot get more tries than the limit allows.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newTenant, startTestApp, TestClient, type TestContext } from '../../testing/harness.ts';
import { makeUser } from '../../testing/factories.ts';
import { SIGN_IN_LIMITS } from './accounts.service.ts';

describe('sign-in limits', () => {
  let ctx: TestContext;
  before(async () => {
    ctx = await startTestApp();
  });
  after(async () => ctx.close());

  async function attempt(host: string, email: string, password: string) {
    const client = new TestClient(ctx.app, host);
    return client.submit('/login', { email, password });
  }

  it('checks no more passwords than the lockout allows, and stays locked for the right one', async () => {
    const tenant = await newTenant(ctx.db);
    const user = await makeUser(ctx.db, tenant, 'citizen');
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => attempt(tenant.host, user.email, `wrong-password-${i}`)));
    assert.ok(burst.every((r) => r.statusCode === 401), burst.map((r) => r.statusCode).join());
    const checked = await ctx.db.query(
      `select 1 from audit_log where tenant_id = $1 and action = 'user.sign_in_failed' and details like '%wrong_password%'`,
      [tenant.id],
    );
    assert.equal(checked.length, SIGN_IN_LIMITS.accountMaxFailures, 'only the allowed number of passwords were checked');
    const right = await attempt(tenant.host, user.email, user.password);
    assert.equal(right.statusCode, 401, 'the right password is refused while locked');
    const row = await ctx.db.one<{ locked: boolean }>('select locked_until > now() as locked from users where tenant_id = $1 and id = $2', [
      tenant.id,
      user.id,
    ]);
    assert.equal(row.locked, true);
  });

  it('gives a session waiting for its second factor minutes, not hours', async () => {
    const tenant = await newTenant(ctx.db);
    const staff = await makeUser(ctx.db, tenant, 'staff');
    const res = await attempt(tenant.host, staff.email, staff.password);
    assert.equal(res.statusCode, 303);
    const row = await ctx.db.one<{ minutes: number; mfa: boolean }>(
      `select extract(epoch from expires_at - now())::int / 60 as minutes, mfa_passed as mfa from sessions where tenant_id = $1 and user_id = $2`,
      [tenant.id, staff.id],
    );
    assert.equal(row.mfa, false);
    assert.ok(row.minutes <= 15, `${row.minutes} minutes`);
  });

  it('answers 429 once a client has used up its failures, however fast they come', async () => {
    const tenant = await newTenant(ctx.db);
    const emails = Array.from({ length: SIGN_IN_LIMITS.clientMaxFailures + 6 }, (_, i) => `nobody-${i}@example.jp`);
    const results = await Promise.all(emails.map((email) => attempt(tenant.host, email, 'whatever-password')));
    const limited = results.filter((r) => r.statusCode === 429).length;
    assert.ok(limited >= 6, `${limited} of ${results.length} were rate limited`);
  });
});
