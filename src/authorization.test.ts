/**
 * The authorisation table test: every route the app registers is in a module's table with the
 * access it declares (deny by default: a route without a declaration does not even start),
 * and every protected route, probed over HTTP, refuses the anonymous (401, or the sign-in page)
 * and every role it does not admit (403) before reading a body.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp } from './app.ts';
import { access } from './core/access.ts';
import { ROLES, type Role } from './core/auth.ts';
import { composePlatform } from './platform.ts';
import { loadAccessTables, type AccessRow } from './testing/access-table.ts';
import { makeUser } from './testing/factories.ts';
import { newTenant, startTestApp, testConfig, type TestContext, type TestTenant } from './testing/harness.ts';
import type { HibikiModule } from './modules/module.ts';

let ctx: TestContext;
let tenant: TestTenant;
const tokens = new Map<Role, string>();
let rows: AccessRow[];

before(async () => {
  ctx = await startTestApp();
  tenant = await newTenant(ctx.db);
  for (const role of ROLES) tokens.set(role, (await makeUser(ctx.db, tenant, role)).token);
  rows = [...(await loadAccessTables()).values()].flat();
});
after(async () => ctx.close());

/** A URL for a route pattern: path parameters filled with values that name nothing. */
function urlOf(pattern: string): string {
  return pattern.replace(/:(\w+)/g, (_m, name: string) => (/id$/i.test(name) ? '00000000-0000-4000-8000-000000000000' : 'no-such-thing'));
}

const isApi = (url: string) => url.startsWith('/api/') || url.startsWith('/opendata/');

describe('the authorisation table', () => {
  it('lists every registered route with the access it declares, and nothing else', () => {
    const key = (r: { method: string; url: string }) => `${r.method} ${r.url}`;
    const registered = new Map(ctx.app.routeAccess.map((r) => [key(r), r.access]));
    const listed = new Map(rows.map(([method, url, a]) => [`${method} ${url}`, a]));
    const missing = [...registered.keys()].filter((k) => !listed.has(k));
    const stale = [...listed.keys()].filter((k) => !registered.has(k));
    assert.deepEqual(missing, [], 'routes missing from the access tables');
    assert.deepEqual(stale, [], 'table rows for routes that do not exist');
    const differing = [...registered].filter(([k, a]) => listed.get(k) !== a).map(([k, a]) => `${k}: declared ${a}, table ${listed.get(k)}`);
    assert.deepEqual(differing, []);
  });

  it('refuses the anonymous on every protected route before reading the body', async () => {
    const failures: string[] = [];
    for (const [method, url, a] of rows) {
      if (a === 'public') continue;
      const res = await ctx.app.inject({
        method: method as 'GET',
        url: urlOf(url),
        headers: { host: tenant.host, accept: isApi(url) ? 'application/json' : 'text/html', 'content-type': 'application/json' },
        // Not JSON at all: a route that parsed it before refusing would answer 400.
        ...(method === 'GET' ? {} : { payload: '{not json' }),
      });
      const toLogin = method === 'GET' && !isApi(url) && res.statusCode === 303 && String(res.headers.location).startsWith('/login');
      if (!(res.statusCode === 401 || toLogin)) failures.push(`${method} ${url} → ${res.statusCode}`);
    }
    assert.deepEqual(failures, []);
  });

  it('refuses every role a route does not admit with 403', async () => {
    const failures: string[] = [];
    for (const [method, url, a] of rows) {
      if (a === 'public' || a === 'user' || a === 'session') continue;
      const admitted = a.split('|');
      for (const role of ROLES) {
        if (admitted.includes(role)) continue;
        const res = await ctx.app.inject({
          method: method as 'GET',
          url: urlOf(url),
          headers: { host: tenant.host, authorization: `Bearer ${tokens.get(role)}`, 'content-type': 'application/json' },
          ...(method === 'GET' ? {} : { payload: '{not json' }),
        });
        if (res.statusCode !== 403) failures.push(`${role}: ${method} ${url} → ${res.statusCode}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('admits the roles a route names past the access check', async () => {
    const failures: string[] = [];
    for (const [method, url, a] of rows) {
      if (a === 'public' || a === 'session') continue;
      const role = (a === 'user' ? 'citizen' : a.split('|')[0]) as Role;
      const res = await ctx.app.inject({
        method: method as 'GET',
        url: urlOf(url),
        headers: { host: tenant.host, authorization: `Bearer ${tokens.get(role)}`, accept: 'application/json' },
        ...(method === 'GET' ? {} : { payload: {} }),
      });
      if (res.statusCode === 401) failures.push(`${role}: ${method} ${url} → 401`);
    }
    assert.deepEqual(failures, []);
  });
});

describe('deny by default', () => {
  it('refuses to start an app with a route that declares no access', async () => {
    const careless: HibikiModule = {
      name: 'careless',
      routes(app) {
        app.get('/careless', async () => 'open to all by accident');
      },
    };
    await assert.rejects(
      buildApp({ db: ctx.db, config: testConfig(), logger: false, platform: composePlatform([careless]) }),
      /GET \/careless declares no access/,
    );
  });

  it('lets a route declare its access and enforces it', async () => {
    const careful: HibikiModule = {
      name: 'careful',
      routes(app) {
        app.get('/api/careful', { config: { access: access.admins } }, async () => 'for administrators');
      },
    };
    const app = await buildApp({ db: ctx.db, config: testConfig(), logger: false, platform: composePlatform([careful]) });
    try {
      const res = await app.inject({ method: 'GET', url: '/api/careful', headers: { host: tenant.host, accept: 'application/json' } });
      assert.equal(res.statusCode, 401);
    } finally {
      await app.close();
    }
  });
});
