/**
 * Public reads kept across a restart (public-read.ts): what a shutdown keeps is served after
 * the next start under the same ETag and build only, and never once the data versions moved.
 * A "restart" here is what a new process has: nothing in memory (forgetPublicReads) and a new
 * app; the database is the real one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../app.ts';
import { bumpDataVersion } from './data-version.ts';
import { forgetPublicReads, keepPublicReads, restorePublicReads } from './public-read.ts';
import { startTestApp, type TestContext, type TestTenant } from '../testing/harness.ts';
import { forgetEvaluatedPlans } from '../modules/plan/plan.service.ts';
import { tenantWithPlan } from '../modules/plan/plan.test-support.ts';

describe('public reads kept across a restart', () => {
  let ctx: TestContext;
  let tenant: TestTenant;
  let code: string;

  before(async () => {
    ctx = await startTestApp();
    tenant = await tenantWithPlan(ctx);
    code = (await ctx.db.one<{ code: string }>('select code from indicators where tenant_id = $1 order by code limit 1', [tenant.id])).code;
  });
  after(async () => ctx?.close());

  /** A new app on the same database, as the next process builds it, with nothing in memory. */
  async function restarted(build: string) {
    forgetPublicReads();
    forgetEvaluatedPlans();
    const restored = await restorePublicReads(ctx.db, build);
    const app = await buildApp({ db: ctx.db, config: ctx.config, logger: false, platform: ctx.platform });
    await app.ready();
    return { app, restored };
  }
  const read = async (app: TestContext['app'], url: string, encoding?: string) => {
    const res = await app.inject({ method: 'GET', url, headers: { host: tenant.host, ...(encoding ? { 'accept-encoding': encoding } : {}) } });
    assert.equal(res.statusCode, 200, res.body);
    return res;
  };
  const nameIn = (body: string) => (JSON.parse(body) as { items: { code: string; name: string }[] }).items.find((i) => i.code === code)!.name;
  /** Changes the name in the database without a version bump: only a body made anew shows it. */
  const renameQuietly = (name: string) => ctx.db.query('update indicators set name = $3 where tenant_id = $1 and code = $2', [tenant.id, code, name]);

  it('serves the kept bodies, compressed ones too, under the same ETag and build; another build makes them anew', async () => {
    const json = await read(ctx.app, '/api/v1/indicators');
    const page = await read(ctx.app, '/plan', 'br');
    const shownName = nameIn(json.body);
    const kept = await keepPublicReads(ctx.db, 'build-a');
    assert.ok(kept.bodies >= 2, `kept ${kept.bodies}`);
    assert.ok(kept.bytes >= json.rawPayload.length + page.rawPayload.length);

    await renameQuietly('名前を変えた指標');
    const next = await restarted('build-a');
    try {
      assert.ok(next.restored >= 2);
      const again = await read(next.app, '/api/v1/indicators');
      assert.equal(again.headers.etag, json.headers.etag);
      assert.equal(nameIn(again.body), shownName, 'the kept body, not one made anew');
      const pageAgain = await read(next.app, '/plan', 'br');
      assert.equal(pageAgain.headers['content-encoding'], 'br');
      assert.deepEqual(pageAgain.rawPayload, page.rawPayload, 'the kept brotli bytes');
    } finally {
      await next.app.close();
    }

    const other = await restarted('build-b');
    try {
      assert.equal(other.restored, 0, 'a shutdown keeps only its own bodies, and another build uses none');
      assert.equal(nameIn((await read(other.app, '/api/v1/indicators')).body), '名前を変えた指標');
    } finally {
      await other.app.close();
    }
  });

  it('never serves a kept body once the data versions have moved', async () => {
    const before = await read(ctx.app, '/api/v1/indicators');
    await keepPublicReads(ctx.db, 'build-c');
    // A change made the proper way (as every write does, in its transaction) moves the versions.
    await ctx.db.transaction(async (tx) => {
      await tx.query('update indicators set name = $3 where tenant_id = $1 and code = $2', [tenant.id, code, '七月の名前']);
      await bumpDataVersion(tx, tenant.id, 'plan');
    });
    const next = await restarted('build-c');
    try {
      const after = await read(next.app, '/api/v1/indicators');
      assert.notEqual(after.headers.etag, before.headers.etag);
      assert.equal(nameIn(after.body), '七月の名前');
    } finally {
      await next.app.close();
    }
  });

  it('keeps at most the newest 300 bodies within its size, and only the last shutdown’s', async () => {
    for (let i = 0; i < 320; i++) await read(ctx.app, `/plan?x=${i}`);
    const kept = await keepPublicReads(ctx.db, 'build-d');
    assert.equal(kept.bodies, 300);
    const rows = await ctx.db.query<{ build: string; n: number }>('select build, count(*)::int as n from kept_public_reads group by build');
    assert.deepEqual(rows, [{ build: 'build-d', n: 300 }]);
    // The newest is kept, the oldest is not.
    const newest = await read(ctx.app, '/plan?x=319');
    const oldest = await read(ctx.app, '/plan?x=0');
    const etagsKept = new Set((await ctx.db.query<{ etag: string }>('select etag from kept_public_reads')).map((r) => r.etag));
    assert.ok(etagsKept.has(String(newest.headers.etag)));
    assert.ok(!etagsKept.has(String(oldest.headers.etag)));

    // Within a size: the newest bodies that fit, with their compressed forms counted.
    const sizes = await ctx.db.query<{ n: number }>(
      'select octet_length(body) + coalesce(octet_length(br), 0) + coalesce(octet_length(gzip), 0) as n from kept_public_reads',
    );
    const three = [...sizes].sort((a, b) => b.n - a.n).slice(0, 3).reduce((sum, r) => sum + r.n, 0);
    const fitting = await keepPublicReads(ctx.db, 'build-e', { entries: 300, bytes: three });
    assert.ok(fitting.bodies >= 3 && fitting.bodies < 300, `kept ${fitting.bodies}`);
    assert.ok(fitting.bytes <= three);
    assert.equal((await ctx.db.one<{ n: number }>('select count(*)::int as n from kept_public_reads')).n, fitting.bodies);
  });
});
