/**
 * No link leads anyone to a 403 or a 404: for every role, starting from the page the role lands
 * on, every same-site link on every page reached is followed (breadth first, as a person
 * clicking through would), on a municipality holding the whole demo.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CSRF_COOKIE, SESSION_COOKIE, type Role } from '../../core/auth.ts';
import { randomToken } from '../../core/crypto.ts';
import { ensureDepartment } from '../../core/tenancy.ts';
import { DEMO_DEPARTMENTS } from '../../seed.ts';
import { makeUser } from '../../testing/factories.ts';
import { newTenant, startTestApp, TestClient, type TestContext, type TestTenant } from '../../testing/harness.ts';
import { createSession } from '../accounts/accounts.sessions.ts';

/** Enough to reach every kind of page; a listing's hundredth detail page adds nothing. */
const MAX_PAGES = 400;
const MAX_PER_PATTERN = 3;

/** A path with its numbers and codes folded, so that 230 facility pages count as one kind. */
const patternOf = (path: string) =>
  path
    .split('?')[0]!
    .split('/')
    .map((part, i) => (i > 2 && part ? '*' : part))
    .join('/');

describe('links each role sees', () => {
  let ctx: TestContext;
  let tenant: TestTenant;

  before(async () => {
    ctx = await startTestApp();
    tenant = await newTenant(ctx.db);
    await ctx.db.transaction(async (tx) => {
      for (const d of DEMO_DEPARTMENTS) await ensureDepartment(tx, tenant.id, d);
      for (const m of ctx.platform.modules) await m.seedDemo?.(tx, tenant, { config: ctx.config, clock: ctx.deps.clock, deps: ctx.deps });
    });
  });
  after(async () => ctx?.close());

  async function clientFor(role: Role | 'anonymous'): Promise<TestClient> {
    const c = new TestClient(ctx.app, tenant.host);
    c.jar.cookies.set(CSRF_COOKIE, randomToken());
    if (role !== 'anonymous') {
      const user = await makeUser(ctx.db, tenant, role, role === 'staff' ? { departmentCode: 'shimin-kyodo' } : {});
      c.jar.cookies.set(SESSION_COOKIE, await createSession(ctx.db, tenant.id, user.id, true));
    }
    return c;
  }

  async function crawl(c: TestClient, start: string) {
    const seen = new Set<string>([start]);
    const perPattern = new Map<string, number>();
    const queue: { href: string; from: string }[] = [{ href: start, from: '(start)' }];
    const broken: string[] = [];
    let visited = 0;
    while (queue.length && visited < MAX_PAGES) {
      const { href, from } = queue.shift()!;
      const res = await c.get(href);
      visited++;
      if (res.statusCode === 403 || res.statusCode === 404 || res.statusCode >= 500) {
        broken.push(`${href} (linked from ${from}) answered ${res.statusCode}`);
        continue;
      }
      if (!String(res.headers['content-type']).startsWith('text/html')) continue;
      for (const m of res.body.matchAll(/<a\b[^>]*\shref="([^"#]*)(?:#[^"]*)?"/g)) {
        const link = m[1]!.replace(/&amp;/g, '&');
        // Same site only; a language switch shows the same page in the other language.
        if (!link.startsWith('/') || link.startsWith('//') || /[?&]lang=/.test(link) || seen.has(link)) continue;
        seen.add(link);
        const pattern = patternOf(link);
        const n = perPattern.get(pattern) ?? 0;
        if (n >= MAX_PER_PATTERN) continue;
        perPattern.set(pattern, n + 1);
        queue.push({ href: link, from: href });
      }
    }
    return { broken, visited };
  }

  const starts: [Role | 'anonymous', string][] = [
    ['anonymous', '/'],
    ['citizen', '/start'],
    ['staff', '/start'],
    ['plan_manager', '/start'],
    ['admin', '/start'],
  ];
  for (const [role, start] of starts) {
    it(`${role}: every link from ${start} onwards opens`, async () => {
      const { broken, visited } = await crawl(await clientFor(role), start);
      assert.ok(visited >= 10, `only ${visited} pages reached`);
      assert.deepEqual(broken, []);
    });
  }
});
