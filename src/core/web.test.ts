/**
 * Bad input through the real stack: whatever a client sends, the answer is a 4xx in the
 * reader's language (problem+json for the API, a page for browsers), never a 500.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newTenant, startTestApp, TestClient, type TestContext, type TestTenant } from '../testing/harness.ts';
import { makeUser, type TestUser } from '../testing/factories.ts';

describe('bad input', () => {
  let ctx: TestContext;
  let tenant: TestTenant;
  let pm: TestUser;
  before(async () => {
    ctx = await startTestApp();
    tenant = await newTenant(ctx.db);
    pm = await makeUser(ctx.db, tenant, 'plan_manager');
  });
  after(async () => ctx.close());

  const cases: { name: string; method: 'GET' | 'POST' | 'DELETE'; url: string; type?: string; body?: string; status: number }[] = [
    { name: 'malformed JSON', method: 'POST', url: '/api/v1/plans', type: 'application/json', body: '{"code": ', status: 400 },
    { name: 'malformed YAML', method: 'POST', url: '/api/v1/plans', type: 'application/yaml', body: 'code: [unclosed', status: 400 },
    { name: 'an unsupported content type', method: 'POST', url: '/api/v1/plans', type: 'application/x-unknown', body: 'x', status: 415 },
    { name: 'a JSON array instead of a plan', method: 'POST', url: '/api/v1/plans', type: 'application/json', body: '[1,2]', status: 400 },
    { name: 'a plan with wrong types everywhere', method: 'POST', url: '/api/v1/plans', type: 'application/json', body: '{"code":1,"title":[],"period":"x","chapters":{}}', status: 400 },
    { name: 'a body over the size limit', method: 'POST', url: '/api/v1/plans', type: 'application/json', body: `{"x":"${'a'.repeat(6 * 1024 * 1024)}"}`, status: 413 },
    { name: 'an approval id that is not a UUID', method: 'POST', url: '/api/v1/indicators/6-1-1/actuals/not-a-uuid/approve', status: 400 },
    { name: 'an unknown indicator code with odd characters', method: 'GET', url: '/api/v1/indicators/%E2%80%AE%00', status: 404 },
    { name: 'revoking a token id that is not a UUID', method: 'DELETE', url: '/api/v1/tokens/xyz', status: 400 },
    { name: 'an actual with a string where a number belongs', method: 'POST', url: '/api/v1/indicators/6-1-1/actuals', type: 'application/json', body: '{"value":"lots","asOf":"yesterday","extra":1}', status: 400 },
  ];

  for (const c of cases) {
    it(`answers ${c.name} with ${c.status} problem+json`, async () => {
      const res = await ctx.app.inject({
        method: c.method,
        url: c.url,
        headers: { host: tenant.host, authorization: `Bearer ${pm.token}`, ...(c.type ? { 'content-type': c.type } : {}) },
        ...(c.body !== undefined ? { payload: c.body } : {}),
      });
      assert.equal(res.statusCode, c.status, res.body.slice(0, 300));
      assert.match(res.headers['content-type'] as string, /^application\/problem\+json/);
      const problem = res.json();
      assert.equal(problem.status, c.status);
      assert.match(problem.title, /[\u3040-\u30ff\u4e00-\u9fff]/, 'Japanese by default');
    });
  }

  it('lists every invalid field of a form at once, in English when asked', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/indicators/6-1-1/actuals',
      headers: { host: tenant.host, authorization: `Bearer ${pm.token}`, 'content-type': 'application/json', 'accept-language': 'en' },
      payload: JSON.stringify({ value: 'lots', asOf: '2022-02-30' }),
    });
    assert.equal(res.statusCode, 400);
    const problem = res.json();
    assert.equal(problem.title, 'The input is invalid');
    assert.deepEqual(problem.errors.map((e: { path: string }) => e.path).sort(), ['asOf', 'value']);
    for (const e of problem.errors) assert.doesNotMatch(e.message, /[\u3040-\u30ff]/, 'English messages');
  });

  it('shows browsers an error page, not JSON, for a page that does not exist', async () => {
    const client = new TestClient(ctx.app, tenant.host);
    const res = await client.get('/no/such/page');
    assert.equal(res.statusCode, 404);
    assert.match(res.headers['content-type'] as string, /^text\/html/);
    assert.match(res.body, /<html lang="ja"/);
  });

  it('keeps the language link on this site whatever the request path looks like', async () => {
    for (const url of ['//evil.example/x', '//[', '/plan?lang=ja&x=<b>']) {
      const res = await ctx.app.inject({ method: 'GET', url, headers: { host: tenant.host, accept: 'text/html' } });
      assert.ok(res.statusCode < 500, `${url}: ${res.statusCode}`);
      const link = /href="([^"]*lang=en[^"]*)"/.exec(res.body)?.[1] ?? '';
      assert.match(link, /^\/(?!\/)/, `${url}: ${link}`);
    }
  });

  it('refuses a form post without its CSRF token and changes nothing', async () => {
    const client = new TestClient(ctx.app, tenant.host);
    const res = await client.submit('/signup', { email: 'csrf@example.jp', displayName: 'x', password: 'long-enough-password', passwordConfirm: 'long-enough-password' }, { csrf: null });
    assert.equal(res.statusCode, 403);
    const rows = await ctx.db.query('select 1 from users where tenant_id = $1 and email = $2', [tenant.id, 'csrf@example.jp']);
    assert.equal(rows.length, 0);
  });
});
