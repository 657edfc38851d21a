/**
 * HIBIKI_TRUST_PROXY: the proxies' addresses or a hop count, never "any". The client address
 * the sign-in limits count is the proxy's X-Forwarded-For only when the peer is a trusted proxy;
 * anyone else writing the header is counted at their own address.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, parseTrustProxy } from '../../core/config.ts';
import { newTenant, startTestApp, TestClient, type TestContext } from '../../testing/harness.ts';
import { SIGN_IN_LIMITS } from './accounts.service.ts';

const load = (value: string) => loadConfig({ HIBIKI_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'hibiki-proxy-')), HIBIKI_TRUST_PROXY: value });

describe('HIBIKI_TRUST_PROXY', () => {
  it('takes addresses, CIDRs, range names or a hop count', () => {
    assert.equal(parseTrustProxy('false'), false);
    assert.equal(parseTrustProxy(''), false);
    assert.equal(parseTrustProxy('0'), false);
    assert.equal(parseTrustProxy('2'), 2);
    assert.deepEqual(parseTrustProxy('10.0.0.5, 10.0.1.0/24,fd00::/8 ,loopback'), ['10.0.0.5', '10.0.1.0/24', 'fd00::/8', 'loopback']);
    assert.deepEqual(load('192.168.0.10').trustProxy, ['192.168.0.10']);
    assert.equal(load('1').trustProxy, 1);
    assert.equal(loadConfig({ HIBIKI_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'hibiki-proxy-')) }).trustProxy, false, 'off by default');
  });

  it('refuses "true", "any" and ranges covering every address at start, saying what to give instead', () => {
    for (const value of ['true', 'TRUE', '*', 'any', '0.0.0.0/0', '10.0.0.5,::/0', '10.0.0.300', '10.0.0.0/33', 'proxy.example.jp', '11', ',']) {
      assert.throws(
        () => load(value),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError, value);
          assert.match(err.message, /HIBIKI_TRUST_PROXY/);
          return true;
        },
        value,
      );
    }
    assert.throws(() => load('true'), /any client.*proxy's addresses.*number of proxies/s);
  });
});

describe('the client address behind a trusted proxy', () => {
  let ctx: TestContext;
  before(async () => {
    ctx = await startTestApp({ env: { HIBIKI_TRUST_PROXY: '10.0.0.5' } });
  });
  after(async () => ctx.close());

  /** Fails sign-in `times` times from peer, each with its X-Forwarded-For; the statuses. */
  async function failures(host: string, peer: string, forwardedFor: (i: number) => string, times: number): Promise<number[]> {
    const client = new TestClient(ctx.app, host);
    const csrf = await client.csrfToken();
    const statuses: number[] = [];
    for (let i = 0; i < times; i++) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/login',
        remoteAddress: peer,
        payload: new URLSearchParams({ _csrf: csrf, email: `x${i}@example.jp`, password: 'wrong-password' }).toString(),
        headers: {
          host,
          cookie: client.jar.header(),
          accept: 'text/html',
          'content-type': 'application/x-www-form-urlencoded',
          'x-forwarded-for': forwardedFor(i),
        },
      });
      statuses.push(res.statusCode);
    }
    return statuses;
  }

  it('counts a client that writes X-Forwarded-For itself at its own address', async () => {
    const tenant = await newTenant(ctx.db);
    const statuses = await failures(tenant.host, '203.0.113.9', (i) => `198.51.100.${i + 1}`, SIGN_IN_LIMITS.clientMaxFailures + 1);
    assert.deepEqual(statuses.slice(-2), [401, 202], 'a forged header does not give a fresh address: over the limit, mail confirmation');
  });

  it('counts the forwarded address when the peer is the trusted proxy', async () => {
    const tenant = await newTenant(ctx.db);
    const statuses = await failures(tenant.host, '10.0.0.5', (i) => `198.51.100.${i + 1}`, SIGN_IN_LIMITS.clientMaxFailures + 1);
    assert.ok(statuses.every((s) => s === 401), 'each forwarded client has its own count');
    const same = await failures(tenant.host, '10.0.0.5', () => '198.51.100.200', SIGN_IN_LIMITS.clientMaxFailures + 1);
    assert.deepEqual(same.slice(-2), [401, 202], 'one forwarded client is limited');
  });
});
