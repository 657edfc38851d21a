/**
 * What no request may do to the server, through the real stack: bodies are bounded before
 * they are parsed (keys, values, depth, form fields), every answer carries the security
 * headers, signed-in answers are never stored, cached public reads are compressed once, and
 * the router's and the HTTP parser's own errors are problem+json that echo no control
 * characters.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { checkJsonShape, DEFAULT_BODY_SHAPE, parseFormBody } from './bodies.ts';
import { clean } from './errors.ts';
import { makeUser } from '../testing/factories.ts';
import { newTenant, startTestApp, type TestContext, type TestTenant } from '../testing/harness.ts';
import { importPlan } from '../modules/plan/plan.service.ts';
import { demoPlanDocument } from '../modules/plan/plan.seed.ts';

let ctx: TestContext;
let tenant: TestTenant;
before(async () => {
  ctx = await startTestApp();
  tenant = await newTenant(ctx.db);
  await importPlan(ctx.db, ctx.deps, tenant, { id: null, label: 'test' }, demoPlanDocument(), 'ja', { demoActuals: true });
});
after(async () => ctx.close());

describe('body shape limits', () => {
  it('counts keys, values and depth in one pass, strings included', () => {
    assert.doesNotThrow(() => checkJsonShape('{"a":"x:y,{[","b":[1,2,3]}', DEFAULT_BODY_SHAPE));
    assert.throws(() => checkJsonShape('['.repeat(33), DEFAULT_BODY_SHAPE), /payload|Nested/i);
    const keys = `{${Array.from({ length: 2001 }, (_, i) => `"k${i}":1`).join(',')}}`;
    assert.throws(() => checkJsonShape(keys, DEFAULT_BODY_SHAPE));
    assert.doesNotThrow(() => checkJsonShape('{"a":"\\\\":"}', DEFAULT_BODY_SHAPE), 'an escaped backslash ends before the quote');
    assert.throws(() => parseFormBody(Array.from({ length: 1001 }, (_, i) => `f${i}=1`).join('&')));
    assert.deepEqual({ ...parseFormBody('a=1&b=%E5%B8%82') }, { a: '1', b: '市' });
  });

  it('refuses 20,000 keys on the actuals route without parsing them, and the server keeps answering', async () => {
    const staff = await makeUser(ctx.db, tenant, 'plan_manager');
    const body = `{${Array.from({ length: 20_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`;
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/indicators/6-1-1/actuals',
      headers: { host: tenant.host, authorization: `Bearer ${staff.token}`, 'content-type': 'application/json' },
      payload: body,
    });
    // (How fast is measured by bench/hardening.ts, with the server in its own process.)
    assert.equal(res.statusCode, 413);
    assert.match(res.headers['content-type'] as string, /problem\+json/);
    const form = await ctx.app.inject({
      method: 'POST',
      url: '/login',
      headers: { host: tenant.host, 'content-type': 'application/x-www-form-urlencoded' },
      payload: Array.from({ length: 20_000 }, (_, i) => `k${i}=v`).join('&'),
    });
    assert.equal(form.statusCode, 413);
    assert.equal((await ctx.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  });
});

describe('headers', () => {
  it('sends a strict CSP, no framing, nosniff, no referrer and a permissions policy on every page', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/plan', headers: { host: tenant.host } });
    const csp = String(res.headers['content-security-policy']);
    for (const directive of ["default-src 'none'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"]) assert.ok(csp.includes(directive), directive);
    assert.ok(!/script-src/.test(csp), 'no script source is allowed at all');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.match(String(res.headers['permissions-policy']), /camera=\(\)/);
    assert.equal(res.headers['strict-transport-security'], undefined, 'no HSTS on plain http');
  });

  it('sends HSTS when the public address is https', async () => {
    const tls = await startTestApp({ env: { HIBIKI_PUBLIC_URL: 'https://hibiki.example.jp' } });
    try {
      const t = await newTenant(tls.db);
      const res = await tls.app.inject({ method: 'GET', url: '/', headers: { host: t.host } });
      assert.match(String(res.headers['strict-transport-security']), /max-age=31536000/);
    } finally {
      await tls.close();
    }
  });

  it('marks what a signed-in person sees no-store, and public cached reads no-cache with an ETag', async () => {
    const user = await makeUser(ctx.db, tenant, 'citizen');
    const mine = await ctx.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: { host: tenant.host, authorization: `Bearer ${user.token}` } });
    assert.match(String(mine.headers['cache-control']), /no-store/);
    const open = await ctx.app.inject({ method: 'GET', url: '/api/v1/indicators', headers: { host: tenant.host } });
    assert.equal(open.headers['cache-control'], 'no-cache');
    assert.ok(open.headers.etag);
  });
});

describe('start-up', () => {
  it('gives plugins minutes, not Fastify’s 10 s: a first start creates the embedded database on the same thread', () => {
    // With the default, a first start on a busy machine failed: "Plugin did not start in time: '@fastify/cookie'".
    assert.ok((ctx.app.initialConfig.pluginTimeout ?? 10_000) >= 120_000);
  });
});

describe('compression', () => {
  it('sends cached public reads brotli- or gzip-compressed, the same bytes as the plain body', async () => {
    const plain = await ctx.app.inject({ method: 'GET', url: '/api/v1/indicators', headers: { host: tenant.host } });
    const br = await ctx.app.inject({ method: 'GET', url: '/api/v1/indicators', headers: { host: tenant.host, 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(br.rawPayload).toString(), plain.body);
    assert.ok(br.rawPayload.length < plain.rawPayload.length / 3);
    const gz = await ctx.app.inject({ method: 'GET', url: '/plan', headers: { host: tenant.host, 'accept-encoding': 'gzip' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.match(gunzipSync(gz.rawPayload).toString(), /<html/);
    assert.match(String(gz.headers.vary), /accept-encoding/);
  });
});

describe('errors of the framework itself', () => {
  it('answers an over-long path parameter with a 414 problem in the reader’s language, not echoing the URL', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: `/api/v1/indicators/${'x'.repeat(150)}`, headers: { host: tenant.host, 'accept-language': 'en' } });
    assert.equal(res.statusCode, 414);
    assert.match(res.headers['content-type'] as string, /^application\/problem\+json/);
    assert.equal(res.json().title, 'The request is malformed');
    assert.ok(!res.body.includes('xxxxxxxxxx'));
  });

  it('answers malformed JSON with 400 problem+json in Japanese first', async () => {
    const user = await makeUser(ctx.db, tenant, 'citizen');
    const res = await ctx.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { host: tenant.host, authorization: `Bearer ${user.token}`, 'content-type': 'application/json' }, payload: '{"name": "a' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().title, 'リクエストが正しくありません');
  });

  it('never echoes control characters', async () => {
    assert.equal(clean('a\u0000b\u001b[31mc\u0085'), 'a\ufffdb\ufffd[31mc\ufffd');
    const res = await ctx.app.inject({ method: 'GET', url: '/api/v1/indicators/%00%1b%5b31m', headers: { host: tenant.host } });
    assert.equal(res.statusCode, 404);
    assert.ok(![...res.body].some((c) => c.charCodeAt(0) < 0x20), 'no control characters');
  });

  it('answers headers too large with 431 problem+json', async () => {
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = ctx.app.server.address() as AddressInfo;
    const answer = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/healthz', headers: { 'x-big': 'y'.repeat(20_000) } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(answer.status, 431);
    assert.match(answer.type, /problem\+json/);
    assert.match(answer.body, /リクエストヘッダーが大きすぎます/);
  });
});
