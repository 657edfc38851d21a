/**
 * The module contract end to end, with a module that exists only in the tests (widgets): its
 * migration runs in the global order, its metric feeds a bound indicator, a change bumps its
 * data-version scope and the plan's cached reads show the new value at once, and its job runs
 * exactly once per interval with two app instances on one database. Also: a database
 * migrated by the previous layout migrates cleanly, and a changed applied migration stops
 * start-up.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from './core/clock.ts';
import { openPostgres, type Db } from './core/db/database.ts';
import { MigrationError } from './core/db/migrate.ts';
import { createScheduler } from './core/scheduler.ts';
import { composePlatform, migratePlatform } from './platform.ts';
import { modules } from './modules/index.ts';
import type { HibikiModule } from './modules/module.ts';
import { widgetsModule } from './testing/fixtures/widgets/widgets.module.ts';
import { makeUser } from './testing/factories.ts';
import { freshDatabase, newTenant, openTestDb, startTestApp, type TestContext, type TestTenant } from './testing/harness.ts';

const widgetPlan = {
  code: 'widget-plan',
  title: '部品の計画',
  current: true,
  period: { startFiscalYear: 2020, endFiscalYear: 2024 },
  chapters: [
    {
      code: '1',
      title: '章',
      sections: [
        {
          code: '1-1',
          title: '節',
          indicators: [
            {
              code: 'W1',
              name: '部品の数',
              unit: '個',
              direction: 'increase',
              baseline: { value: 0, asOf: '2020-03-31' },
              target: { value: 10, fiscalYear: 2024 },
              source: { kind: 'metric', metric: 'widgets.made' },
              actuals: [],
            },
          ],
        },
      ],
    },
  ],
};

describe('a module brought by a test', () => {
  let db: Db & { url?: string };
  let ctx: TestContext;
  let tenant: TestTenant;
  let token: string;
  const clock = new ManualClock('2022-06-01T03:00:00Z');
  const platform = composePlatform([...modules, widgetsModule]);

  before(async () => {
    db = await freshDatabase();
    const applied = await migratePlatform(db, platform);
    assert.ok(applied.includes('202612011200-widgets'), 'the module’s migration ran');
    assert.ok(applied.indexOf('202612011100-account-links') < applied.indexOf('202612011200-widgets'), 'one global order by timestamp');
    ctx = await startTestApp({ db, platform, clock });
    tenant = await newTenant(db);
    token = (await makeUser(db, tenant, 'plan_manager')).token;
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/plans',
      headers: { host: tenant.host, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify(widgetPlan),
    });
    assert.equal(res.statusCode, 201, res.body);
  });
  after(async () => ctx?.close());

  const get = (url: string, headers: Record<string, string> = {}) => ctx.app.inject({ method: 'GET', url, headers: { host: tenant.host, ...headers } });

  it('feeds its metric into the bound indicator, and a change shows on the cached reads at once', async () => {
    const before = await get('/api/v1/indicators');
    assert.equal(before.statusCode, 200);
    const w1 = before.json().items.find((i: { code: string }) => i.code === 'W1');
    assert.deepEqual(w1.source, { kind: 'metric', metric: 'widgets.made' });
    assert.equal(w1.latest, null);
    const etag = before.headers.etag as string;
    assert.equal((await get('/api/v1/indicators', { 'if-none-match': etag })).statusCode, 304, 'unchanged: 304');
    const pageBefore = await get('/plan/indicators/W1', { accept: 'text/html' });
    assert.equal(pageBefore.statusCode, 200);
    const sectionBefore = await get('/plan/sections/1-1', { accept: 'text/html' });
    assert.match(sectionBefore.body, /部品の状況 1-1/, 'the module’s panel is on the section page');
    assert.match(sectionBefore.body, /0個/);

    for (const madeOn of ['2021-05-01', '2021-11-30', '2022-03-31']) {
      const made = await ctx.app.inject({
        method: 'POST',
        url: '/api/v1/widgets',
        headers: { host: tenant.host, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ madeOn }),
      });
      assert.equal(made.statusCode, 201);
    }

    const after = await get('/api/v1/indicators', { 'if-none-match': etag });
    assert.equal(after.statusCode, 200, 'the widgets scope changed: no 304');
    const fed = after.json().items.find((i: { code: string }) => i.code === 'W1');
    assert.deepEqual(fed.latest, { value: 3, asOf: '2022-03-31', demo: false });
    assert.equal(fed.achievement.rate, 30);
    const detail = (await get('/api/v1/indicators/W1')).json();
    assert.deepEqual(
      detail.history.map((h: { value: number; origin: string }) => [h.value, h.origin]),
      [[3, 'metric']],
    );
    const pageAfter = await get('/plan/indicators/W1', { accept: 'text/html' });
    assert.notEqual(pageAfter.headers.etag, pageBefore.headers.etag);
    assert.match(pageAfter.body, /30\.00%/);
    const sectionAfter = await get('/plan/sections/1-1', { accept: 'text/html' });
    assert.match(sectionAfter.body, /3個/, 'the cached section page depends on the panel’s scope');
  });

  it('answers a 404 without an ETag, and never 304 for it', async () => {
    const res = await get('/api/v1/plans/no-such-plan/indicators');
    assert.equal(res.statusCode, 404);
    assert.equal(res.headers.etag, undefined);
    const again = await get('/api/v1/plans/no-such-plan/indicators', { 'if-none-match': 'W/"anything"' });
    assert.equal(again.statusCode, 404);
  });

  it('runs its job exactly once per interval with two app instances on one database', async () => {
    // Two app instances: on PostgreSQL two connection pools (two servers); PGlite has one process.
    const second: Db = db.url ? await openPostgres(db.url, 4) : db;
    try {
      const jobs = platform.jobs(ctx.deps).filter((j) => j.name === 'widgets.tally');
      const a = createScheduler({ db, jobs, clock, owner: 'server-a' });
      const b = createScheduler({ db: second, jobs: platform.jobs({ ...ctx.deps, db: second }).filter((j) => j.name === 'widgets.tally'), clock, owner: 'server-b' });
      await Promise.all([a.register(), b.register()]);
      for (let interval = 0; interval < 4; interval++) {
        // Both servers poll several times within each interval.
        for (let poll = 0; poll < 3; poll++) await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
        clock.advance(60_000);
      }
      const tallies = await db.query<{ n: number }>('select count(*)::int as n from test_widget_tallies');
      assert.equal(tallies[0]!.n, 4);
      const runs = await db.query<{ owner: string; status: string }>("select owner, status from job_runs where name = 'widgets.tally'");
      assert.equal(runs.length, 4);
      assert.ok(runs.every((r) => r.status === 'ok'));
    } finally {
      if (second !== db) await second.close();
    }
  });

  it('stops start-up when an applied migration is changed, naming it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hibiki-migration-'));
    const file = path.join(dir, '202612011300-gadgets.ts');
    writeFileSync(file, "export async function up(tx) { await tx.exec('create table test_gadgets (id integer primary key)'); }\n");
    const gadgets: HibikiModule = { name: 'gadgets', migrations: pathToFileURL(dir + path.sep) };
    const withGadgets = composePlatform([...modules, widgetsModule, gadgets]);
    assert.deepEqual(await migratePlatform(db, withGadgets), ['202612011300-gadgets']);
    writeFileSync(file, readFileSync(file, 'utf8').replace('integer primary key', 'text primary key'));
    await assert.rejects(migratePlatform(db, composePlatform([...modules, widgetsModule, gadgets])), (err: unknown) => {
      assert.ok(err instanceof MigrationError);
      assert.match(err.message, /gadgets\/202612011300-gadgets/);
      assert.match(err.message, /変更されています/);
      return true;
    });
  });

  it('refuses a database migrated by a newer version (a migration it does not know)', async () => {
    await assert.rejects(migratePlatform(db, composePlatform()), /202612011200-widgets/);
  });
});

describe('a database migrated by the previous layout', () => {
  it('migrates cleanly to the module layout, keeping its rows, to the same schema as a fresh one', async () => {
    const legacy = await freshDatabase();
    const reference = await openTestDb();
    try {
      await legacy.exec(readFileSync(path.join(import.meta.dirname, 'core/db/fixtures/legacy-202611241100.sql'), 'utf8'));
      const applied = await migratePlatform(legacy, composePlatform());
      assert.ok(!applied.includes('202611241001-accounts'), 'the accounts migration is adopted, not run again');
      assert.ok(applied.includes('202612011000-platform'));
      const recorded = await legacy.query<{ name: string; owner: string; checksum: string | null }>('select name, owner, checksum from schema_migrations order by name');
      assert.deepEqual(
        recorded.slice(0, 3).map((r) => [r.name, r.owner]),
        [
          ['202611241000-foundation', 'core'],
          ['202611241001-accounts', 'accounts'],
          ['202611241100-plan', 'plan'],
        ],
      );
      assert.ok(recorded.every((r) => r.checksum && r.checksum.length === 64));
      const user = await legacy.one<{ email: string; role: string }>("select email, role from users where email = 'legacy@example.jp'");
      assert.deepEqual(user, { email: 'legacy@example.jp', role: 'staff' });
      assert.deepEqual(await schemaOf(legacy), await schemaOf(reference));
      assert.deepEqual(await migratePlatform(legacy, composePlatform()), [], 'a second start applies nothing');
    } finally {
      await legacy.close();
      await reference.close();
    }
  });
});

/** Tables, columns, constraints and indexes of the public schema, for comparison. */
async function schemaOf(db: Db): Promise<Record<string, string[]>> {
  const columns = await db.query<{ t: string }>(
    `select table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') as t
       from information_schema.columns where table_schema = 'public' order by 1`,
  );
  const constraints = await db.query<{ t: string }>(
    `select conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) as t
       from pg_constraint where connamespace = 'public'::regnamespace order by 1`,
  );
  const indexes = await db.query<{ t: string }>(`select indexdef as t from pg_indexes where schemaname = 'public' order by 1`);
  return { columns: columns.map((r) => r.t), constraints: constraints.map((r) => r.t), indexes: indexes.map((r) => r.t) };
}
