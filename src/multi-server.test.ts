/**
 * Several app servers on one database. On PostgreSQL each "server" has its own connection
 * pool, as separate processes would; PGlite lives in one process, so there the servers share
 * its connection but still keep their own caches and their own migration runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openPostgres, type Db } from './core/db/database.ts';
import { composePlatform, migratePlatform, platformMigrations } from './platform.ts';
import { makeUser } from './testing/factories.ts';
import { freshDatabase, newTenant, openTestDb, startTestApp, type TestContext, type TestTenant } from './testing/harness.ts';

// The contract's sample plan, as this municipality's current plan.
const samplePlan = { ...JSON.parse(readFileSync(path.join(import.meta.dirname, 'modules/plan/fixtures/contract-sample.plan.json'), 'utf8')), current: true };

/** A second connection to the same database (a second server), or the same one on PGlite. */
async function secondConnection(db: Db & { url?: string }): Promise<Db> {
  if (!db.url) return db;
  const other = await openPostgres(db.url, 4);
  return other;
}

describe('two servers migrating one empty database at once', () => {
  it('applies every migration exactly once, and a later start applies nothing', async () => {
    const db = await freshDatabase();
    const other = await secondConnection(db);
    try {
      const platform = composePlatform();
      const [a, b] = await Promise.all([migratePlatform(db, platform), migratePlatform(other, composePlatform())]);
      const all = (await platformMigrations(platform)).map((m) => m.name).sort();
      // One server applied them all; the other found them applied (or they shared the work).
      assert.deepEqual([...a, ...b].sort(), all, 'each migration applied once in all');
      const recorded = await db.query<{ name: string; n: number }>('select name, count(*)::int as n from schema_migrations group by name order by name');
      assert.deepEqual(recorded.map((r) => r.name), all);
      assert.ok(recorded.every((r) => r.n === 1));
      assert.deepEqual(await migratePlatform(other, composePlatform()), [], 'a third start applies nothing');
    } finally {
      if (other !== db) await other.close();
      await db.close();
    }
  });
});

describe('cached public reads with two servers on one database', () => {
  let db: Db & { url?: string };
  let a: TestContext;
  let b: TestContext;
  let tenant: TestTenant;
  let manager: string;

  before(async () => {
    db = await openTestDb();
    a = await startTestApp({ db });
    b = await startTestApp({ db: await secondConnection(db) });
    tenant = await newTenant(db);
    manager = (await makeUser(db, tenant, 'plan_manager')).token;
    const res = await a.app.inject({
      method: 'POST',
      url: '/api/v1/plans',
      headers: { host: tenant.host, authorization: `Bearer ${manager}`, 'content-type': 'application/json' },
      payload: JSON.stringify(samplePlan),
    });
    assert.equal(res.statusCode, 201, res.body);
  });
  after(async () => {
    await a?.app.close();
    if (b && b.db !== db) await b.close();
    else await b?.app.close();
    await db?.close();
  });

  const read = (ctx: TestContext, headers: Record<string, string> = {}) =>
    ctx.app.inject({ method: 'GET', url: '/api/v1/plans/contract-sample/indicators', headers: { host: tenant.host, ...headers } });
  const s1 = (body: string) => (JSON.parse(body) as { items: { code: string; latest: { value: number } | null }[] }).items.find((i) => i.code === 'S1')!;

  it('a change made through one server shows at once on the other server’s cached reads', async () => {
    const first = await read(b);
    assert.equal(first.statusCode, 200);
    assert.equal(s1(first.body).latest?.value, 220);
    const etag = String(first.headers.etag);
    assert.equal((await read(b, { 'if-none-match': etag })).statusCode, 304, 'the second server has it cached');

    const entered = await a.app.inject({
      method: 'POST',
      url: '/api/v1/indicators/S1/actuals',
      headers: { host: tenant.host, authorization: `Bearer ${manager}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ value: 235, asOf: '2023-03-31' }),
    });
    assert.equal(entered.statusCode, 201, entered.body);
    const actual = entered.json() as { id: string; status?: string };
    if (actual.status === 'pending') {
      // Another plan manager approves it (through the first server too).
      const approver = (await makeUser(db, tenant, 'plan_manager')).token;
      const approved = await a.app.inject({
        method: 'POST',
        url: `/api/v1/indicators/S1/actuals/${actual.id}/approve`,
        headers: { host: tenant.host, authorization: `Bearer ${approver}` },
      });
      assert.equal(approved.statusCode, 200, approved.body);
    }

    const after = await read(b, { 'if-none-match': etag });
    assert.equal(after.statusCode, 200, 'no 304: the second server saw the change');
    assert.equal(s1(after.body).latest?.value, 235);
    assert.notEqual(after.headers.etag, etag);
  });
});
