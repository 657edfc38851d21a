/**
 * The two-factor gate: a staff-role session that has only passed the password (not yet
 * enrolled, or enrolled and not yet given its code) is sent to the two-factor step from every
 * staff page of every module and refused by the API; once it has passed, the same pages are
 * served. Sessions are made by signing in through the pages, not by the factories (which hand
 * out sessions and tokens that already count). TOTP codes come from the app's ManualClock.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as OTPAuth from 'otpauth';
import type { Role } from '../../core/auth.ts';
import { ManualClock } from '../../core/clock.ts';
import { makeUser } from '../../testing/factories.ts';
import { newTenant, startTestApp, TestClient, type TestContext, type TestTenant } from '../../testing/harness.ts';

const isApi = (url: string) => url.startsWith('/api/') || url.startsWith('/opendata/');
/** A URL for a route pattern: path parameters filled with values that name nothing. */
const urlOf = (pattern: string) =>
  pattern.replace(/:(\w+)/g, (_m, name: string) => (/id$/i.test(name) ? '00000000-0000-4000-8000-000000000000' : 'no-such-thing'));
/** Whether a route's access (as in the authorisation table) admits a signed-in user of role. */
const admits = (a: string, role: Role) => a === 'user' || a.split('|').includes(role);

describe('the two-factor gate on staff pages', () => {
  let ctx: TestContext;
  const clock = new ManualClock('2026-06-01T03:00:10Z');
  before(async () => {
    ctx = await startTestApp({ clock });
  });
  after(async () => ctx.close());

  const code = (secret: string) =>
    OTPAuth.TOTP.generate({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp: clock.now().getTime() });

  /** Every GET route the role may reach once signed in: pages and API reads. */
  function routesFor(role: Role) {
    return ctx.app.routeAccess.filter((r) => r.method === 'GET' && admits(r.access, role)).map((r) => r.url);
  }

  /** The routes not refused the way a pending session must be refused. */
  async function notGated(client: TestClient, urls: string[]): Promise<string[]> {
    const wrong: string[] = [];
    for (const pattern of urls) {
      const url = urlOf(pattern);
      if (isApi(pattern)) {
        const res = await client.request({ method: 'GET', url, headers: { accept: 'application/json' } });
        if (res.statusCode !== 401) wrong.push(`${url}: ${res.statusCode}`);
      } else {
        const res = await client.get(url);
        const location = String(res.headers.location ?? '');
        if (res.statusCode !== 303 || location !== `/login/two-factor?next=${encodeURIComponent(url)}`) {
          wrong.push(`${url}: ${res.statusCode} ${location}`);
        }
      }
    }
    return wrong;
  }

  /** The routes that still send the session to sign-in or two-factor. */
  async function stillGated(client: TestClient, urls: string[]): Promise<string[]> {
    const wrong: string[] = [];
    for (const pattern of urls) {
      const url = urlOf(pattern);
      const res = isApi(pattern) ? await client.request({ method: 'GET', url, headers: { accept: 'application/json' } }) : await client.get(url);
      const location = String(res.headers.location ?? '');
      // The gate answers 401 or sends to /login; a 403 is the route's own rule (another
      // department's work), given only after the gate let the request through.
      if (res.statusCode === 401 || location.startsWith('/login')) wrong.push(`${url}: ${res.statusCode} ${location}`);
    }
    return wrong;
  }

  for (const role of ['staff', 'plan_manager', 'admin'] as const) {
    it(`sends a ${role} who has only given the password to the two-factor step, and serves them after it`, async () => {
      const tenant: TestTenant = await newTenant(ctx.db);
      const user = await makeUser(ctx.db, tenant, role);
      const urls = routesFor(role);
      assert.ok(urls.some((u) => !isApi(u) && u !== '/account'), `${role} has staff pages to check (${urls.length} routes)`);
      const client = new TestClient(ctx.app, tenant.host);

      // Not enrolled yet: the password alone gives a pending session.
      const login = await client.submit('/login', { email: user.email, password: user.password });
      assert.equal(login.statusCode, 303);
      assert.deepEqual(await notGated(client, urls), [], 'a session without two-factor reaches nothing');

      // Enrol: now the session counts.
      const setup = await client.get('/account/two-factor/setup');
      const secret = /name="secret" value="([A-Z2-7]+)"/.exec(setup.body)![1]!;
      const signature = /name="signature" value="([^"]+)"/.exec(setup.body)![1]!;
      assert.equal((await client.submit('/account/two-factor/setup', { secret, signature, code: code(secret) })).statusCode, 200);
      assert.deepEqual(await stillGated(client, urls), [], 'after two-factor every page is reachable');

      // Enrolled: signing in again, the password gives a pending session until the code.
      await client.submit('/logout', {});
      const again = await client.submit('/login', { email: user.email, password: user.password });
      assert.equal(again.headers.location, `/login/two-factor?next=${encodeURIComponent('/start')}`);
      assert.deepEqual(await notGated(client, urls), [], 'an enrolled user’s password alone reaches nothing');
      clock.advance(30_000);
      assert.equal((await client.submit('/login/two-factor', { code: code(secret) })).statusCode, 303);
      assert.deepEqual(await stillGated(client, urls), []);
    });
  }
});
