/**
 * yieldingSql (database.ts) on the real test database: work waiting in the event loop runs
 * before each of its statements. Without it, PGlite answers a statement before any waiting
 * callback has run (the reason it exists); PostgreSQL waits for the network either way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { yieldingSql, type Db, type Sql } from './database.ts';
import { openTestDb } from '../../testing/harness.ts';

describe('statements that yield to waiting work', () => {
  let db: Db;
  before(async () => {
    db = await openTestDb();
  });
  after(async () => db?.close());

  /** The order in which a callback queued first and a statement asked for next complete. */
  async function order(sql: Sql, run: (sql: Sql) => Promise<unknown>): Promise<string[]> {
    const done: string[] = [];
    setImmediate(() => done.push('waiting work'));
    await run(sql).then(() => done.push('statement'));
    await new Promise((r) => setImmediate(r));
    return done;
  }

  it('lets waiting work run before every kind of statement', async () => {
    const polite = yieldingSql(db);
    for (const run of [
      (s: Sql) => s.query('select 1 as n'),
      (s: Sql) => s.queryNamed('yielding-test', 'select 1 as n'),
      (s: Sql) => s.one('select 1 as n'),
      (s: Sql) => s.maybeOne('select 1 as n where false'),
      (s: Sql) => s.exec('select 1'),
    ]) {
      assert.deepEqual(await order(polite, run), ['waiting work', 'statement']);
    }
    assert.deepEqual(await polite.one('select 2 as n'), { n: 2 }, 'the answers are the database’s');
    assert.equal(polite.identity, db.identity, 'the same database for the caches keyed by it');
  });

  it('is needed on the embedded database, which answers before waiting work runs', { skip: process.env.DATABASE_URL ? 'PostgreSQL waits for the network' : false }, async () => {
    assert.deepEqual(await order(db, (s) => s.query('select 1 as n')), ['statement', 'waiting work']);
  });
});
