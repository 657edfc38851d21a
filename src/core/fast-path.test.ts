/**
 * Cached reads answered before Fastify (fast-path.ts), over a real socket: the same answer as
 * Fastify's pipeline gives, never a stale or another person's one.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { CSRF_COOKIE, csrfTokenFor, SESSION_COOKIE, type Role } from './auth.ts';
import { randomToken } from './crypto.ts';
import { bumpDataVersion } from './data-version.ts';
import { makeUser } from '../testing/factories.ts';
import { openTestDb, startTestApp, testConfig, type TestContext, type TestTenant } from '../testing/harness.ts';
import { batchedLines, buildApp } from '../app.ts';
import { createSession } from '../modules/accounts/accounts.sessions.ts';
import { tenantWithPlan } from '../modules/plan/plan.test-support.ts';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

describe('cached reads answered before Fastify', () => {
  let ctx: TestContext;
  let tenant: TestTenant;
  let port: number;

  before(async () => {
    ctx = await startTestApp();
    tenant = await tenantWithPlan(ctx);
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    port = (ctx.app.server.address() as AddressInfo).port;
  });
  after(async () => ctx?.close());

  const get = (url: string, headers: Record<string, string> = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: url, headers: { host: tenant.host, ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
    });
  const fast = () => ctx.app.fastPath!.answered;
  /** Headers that differ between any two answers, or that only Fastify's path sets (a visitor's CSRF cookie). */
  const comparable = (h: http.IncomingHttpHeaders) => {
    const { date: _date, 'set-cookie': _cookie, ...rest } = h;
    return rest;
  };

  /** A browser of a user with this role and name, signed in (two-factor done unless told). */
  async function signedIn(role: Role, displayName: string, mfaPassed = true) {
    const user = await makeUser(ctx.db, tenant, role, role === 'staff' ? { departmentCode: 'shimin-kyodo' } : {});
    await ctx.db.query('update users set display_name = $2 where id = $1', [user.id, displayName]);
    const csrfCookie = randomToken();
    const session = await createSession(ctx.db, tenant.id, user.id, mfaPassed);
    return { user, session, csrf: csrfTokenFor(ctx.config.secret, csrfCookie), cookie: `${CSRF_COOKIE}=${csrfCookie}; ${SESSION_COOKIE}=${session}` };
  }

  for (const [url, encoding] of [
    ['/plan', undefined],
    ['/plan', 'br'],
    ['/plan', 'gzip'],
    ['/api/v1/indicators', undefined],
    ['/api/v1/indicators', 'br'],
    ['/plan/sections/6-1?x=1', undefined],
    ['/opendata/indicators.csv', undefined],
  ] as const) {
    it(`answers a visitor's repeated ${url}${encoding ? ` (${encoding})` : ''} with Fastify's bytes and headers`, async () => {
      const headers: Record<string, string> = encoding ? { 'accept-encoding': encoding } : {};
      const first = await get(url, headers);
      assert.equal(first.status, 200);
      const before = fast();
      const again = await get(url, headers);
      assert.equal(fast(), before + 1, 'answered by the fast path');
      assert.equal(again.status, 200);
      assert.deepEqual(comparable(again.headers), comparable(first.headers));
      assert.ok(again.body.equals(first.body));
      assert.equal(again.headers['content-encoding'], encoding);
      if (url.startsWith('/opendata/')) assert.match(String(again.headers.link), /rel="license"/);
      if (encoding) {
        const plain = encoding === 'br' ? zlib.brotliDecompressSync(again.body) : zlib.gunzipSync(again.body);
        assert.ok(plain.equals((await ctx.app.inject({ method: 'GET', url, headers: { host: tenant.host } })).rawPayload));
      }
      const notModified = await get(url, { ...headers, 'if-none-match': first.headers.etag! });
      assert.equal(notModified.status, 304);
      assert.equal(fast(), before + 2);
      assert.equal(notModified.headers['content-security-policy'], first.headers['content-security-policy']);
    });
  }

  it('answers nothing from before a change: the next read is made afresh', async () => {
    const first = await get('/api/v1/indicators');
    await get('/api/v1/indicators');
    await bumpDataVersion(ctx.db, tenant.id, 'plan');
    const before = fast();
    const after = await get('/api/v1/indicators');
    assert.equal(fast(), before, 'Fastify answered');
    assert.notEqual(after.headers.etag, first.headers.etag);
    await get('/api/v1/indicators');
    assert.equal(fast(), before + 1, 'and the new body is answered early again');
  });

  it('leaves requests with a bearer token, a language to remember or another method to Fastify', async () => {
    await get('/plan');
    const { user } = await signedIn('citizen', '読者');
    const before = fast();
    const withToken = await get('/plan', { authorization: `Bearer ${user.token}` });
    assert.equal(withToken.status, 200);
    const english = await get('/plan?lang=en');
    assert.match(String(english.headers['set-cookie']), /lang=en/);
    assert.equal(fast(), before);
  });

  it('gives each signed-in viewer their own name, navigation and CSRF token on the shared body', async () => {
    const citizen = await signedIn('citizen', '市民 <太郎> & "Co"');
    const other = await signedIn('citizen', '別の 市民');
    const manager = await signedIn('plan_manager', '計画 花子');
    const answers = new Map<string, Answer[]>();
    const before = fast();
    for (const viewer of [citizen, manager, other, citizen, manager, other]) {
      const res = await get('/plan', { cookie: viewer.cookie });
      assert.equal(res.status, 200);
      assert.equal(res.headers['cache-control'], 'private, no-store');
      answers.set(viewer.session, [...(answers.get(viewer.session) ?? []), res]);
    }
    // Each first view is Fastify's (it looks the session up; the second citizen's is filled in
    // from the first citizen's cut page there); each second view is answered early — where
    // sessions are remembered in process (the embedded database; on PostgreSQL, Fastify's each time).
    assert.equal(fast(), before + (ctx.db.soleProcess ? 3 : 0));
    const html = (v: { session: string }, i: number) => answers.get(v.session)![i]!.body.toString();
    for (const v of [citizen, other, manager]) {
      assert.equal(html(v, 1), html(v, 0), 'the early answer is the page Fastify rendered');
      assert.deepEqual(comparable(answers.get(v.session)![1]!.headers), comparable(answers.get(v.session)![0]!.headers));
      assert.ok(html(v, 1).includes(`name="_csrf" value="${v.csrf}"`), 'their own CSRF token');
    }
    assert.ok(html(citizen, 1).includes('市民 &lt;太郎&gt; &amp; &quot;Co&quot;'), 'their own name, escaped');
    assert.ok(!html(citizen, 1).includes('市民 <太郎>'));
    assert.ok(html(other, 1).includes('別の 市民') && !html(other, 1).includes('太郎') && !html(other, 1).includes('花子'));
    assert.ok(html(manager, 1).includes('計画 花子') && !html(manager, 1).includes('太郎'));
    for (const v of [citizen, other]) assert.ok(!html(v, 1).includes(manager.csrf) && !html(v, 1).includes('href="/staff/plan"'), 'no staff navigation for a citizen');
    assert.ok(html(manager, 1).includes('href="/staff/plan"'), 'the plan manager’s navigation');
    const inject = await ctx.app.inject({ method: 'GET', url: '/plan', headers: { host: tenant.host, cookie: manager.cookie } });
    assert.equal(inject.body, html(manager, 1), 'Fastify’s pipeline renders the same page');
  });

  it('never answers a signed-out session, nor one waiting for its second factor, as signed in', async () => {
    const viewer = await signedIn('citizen', '去る 人');
    await get('/plan', { cookie: viewer.cookie });
    assert.ok((await get('/plan', { cookie: viewer.cookie })).body.toString().includes('去る 人'));
    await ctx.db.query('delete from sessions where tenant_id = $1', [tenant.id]);
    const after = await get('/plan', { cookie: viewer.cookie });
    assert.ok(!after.body.toString().includes('去る 人'), 'signed out at once');
    assert.equal(after.headers['cache-control'], 'no-cache', 'a visitor’s page');

    const pending = await signedIn('staff', '途中 の 職員', false);
    const before = fast();
    for (let i = 0; i < 2; i++) {
      const res = await get('/plan', { cookie: pending.cookie });
      assert.ok(!res.body.toString().includes('href="/staff/plan"'), 'no staff navigation before the second factor');
    }
    assert.equal(fast(), before, 'looked up by Fastify each time');
  });
});

describe('the request log line of an early answer', () => {
  it('has the fields, order and format of the line Fastify’s path writes', async () => {
    const lines: string[] = [];
    const db = await openTestDb();
    const app = await buildApp({ db, config: testConfig({ LOG_LEVEL: 'info' }), logStream: { write: (chunk: string) => void lines.push(...chunk.split('\n').filter(Boolean)) } });
    try {
      const tenant = await tenantWithPlan({ db, deps: app.deps } as TestContext);
      await app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = app.server.address() as AddressInfo;
      const url = `http://127.0.0.1:${port}/api/v1/indicators?secret=1&token=x`;
      for (let i = 0; i < 2; i++) await new Promise((resolve) => http.get(url, { headers: { host: tenant.host } }, (res) => res.resume().on('end', resolve)));
      assert.equal(app.fastPath!.answered, 1);
      await new Promise((r) => setTimeout(r, 50));
      const requestLines = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');
      assert.equal(requestLines.length, 2);
      const [fastify, early] = requestLines as [Record<string, unknown>, Record<string, unknown>];
      assert.deepEqual(Object.keys(early), Object.keys(fastify));
      assert.deepEqual(Object.keys(early.req as object), Object.keys(fastify.req as object));
      assert.deepEqual({ ...early, time: 0, reqId: '', req: { ...(early.req as object), id: '' }, ms: 0 }, { ...fastify, time: 0, reqId: '', req: { ...(fastify.req as object), id: '' }, ms: 0 });
      assert.equal((early.req as { url: string }).url, '/api/v1/indicators?[redacted]', 'secrets in the query are not logged');
      assert.notEqual(early.reqId, fastify.reqId);
    } finally {
      await app.close();
      await db.close();
    }
  });
});

describe('log lines written together', () => {
  it('writes request lines within moments, and warnings at once with what waited before them', async () => {
    const writes: string[] = [];
    const lines = batchedLines({ write: (chunk) => void writes.push(chunk) });
    lines.write('{"level":30,"msg":"a"}\n');
    lines.write('{"level":30,"msg":"b"}\n');
    assert.deepEqual(writes, []);
    lines.write('{"level":50,"msg":"boom"}\n');
    assert.deepEqual(writes, ['{"level":30,"msg":"a"}\n{"level":30,"msg":"b"}\n{"level":50,"msg":"boom"}\n']);
    lines.write('{"level":30,"msg":"c"}\n');
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(writes.at(-1), '{"level":30,"msg":"c"}\n');
    lines.write('{"level":30,"msg":"d"}\n');
    lines.flush();
    assert.equal(writes.at(-1), '{"level":30,"msg":"d"}\n', 'flushed');
    lines.write('{"level":30,"msg":"e"}\n');
    lines.end();
    assert.equal(writes.at(-1), '{"level":30,"msg":"e"}\n', 'flushed when the app closes');
    lines.write('{"level":30,"msg":"after close"}\n');
    assert.equal(writes.at(-1), '{"level":30,"msg":"after close"}\n', 'a line after the close is written at once');
  });
});
