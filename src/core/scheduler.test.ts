/**
 * The scheduler on the test database, driven by a clock the test controls: periodic jobs,
 * one-off jobs with retries and back-off until they give up, triggering, and the run history.
 * (Exactly-once with two app instances is proven in src/platform.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomToken } from './crypto.ts';
import { ManualClock } from './clock.ts';
import type { Db } from './db/database.ts';
import { backoffSeconds, createScheduler, listJobRuns, scheduleJob, triggerJob, type JobDefinition } from './scheduler.ts';
import { newTenant, openTestDb } from '../testing/harness.ts';

let db: Db;
before(async () => {
  db = await openTestDb();
});
after(async () => db.close());

/** Job names unique to one test (the test database is shared by files running in parallel). */
const unique = () => `test.j${randomToken(6).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;

describe('scheduler', () => {
  it('runs a periodic job when due and again one interval later, not before', async () => {
    const clock = new ManualClock('2026-04-01T00:00:00Z');
    const runs: string[] = [];
    const job: JobDefinition = { name: unique(), everySeconds: 30, run: async ({ now }) => void runs.push(now.toISOString()) };
    const s = createScheduler({ db, jobs: [job], clock });
    await s.register();
    assert.equal(await s.tick(), 1);
    assert.equal(await s.tick(), 0, 'not due again yet');
    clock.advance(29_000);
    assert.equal(await s.tick(), 0);
    clock.advance(1_000);
    assert.equal(await s.tick(), 1);
    assert.deepEqual(runs, ['2026-04-01T00:00:00.000Z', '2026-04-01T00:00:30.000Z']);
  });

  it('retries a failing one-off job with back-off and gives up after its last attempt', async () => {
    const clock = new ManualClock('2026-04-01T00:00:00Z');
    let attempts = 0;
    const job: JobDefinition = {
      name: unique(),
      run: async ({ attempt }) => {
        attempts = attempt;
        throw new Error(`SMTP refused (attempt ${attempt})`);
      },
    };
    const s = createScheduler({ db, jobs: [job], clock });
    await scheduleJob(db, { name: job.name, key: 'k1', runAt: clock.now(), maxAttempts: 3 });
    assert.equal(await s.tick(), 1);
    clock.advance((backoffSeconds(1) - 1) * 1000);
    assert.equal(await s.tick(), 0, 'backing off');
    clock.advance(1000);
    assert.equal(await s.tick(), 1);
    clock.advance(backoffSeconds(2) * 1000);
    assert.equal(await s.tick(), 1);
    clock.advance(24 * 3600 * 1000);
    assert.equal(await s.tick(), 0, 'given up after 3 attempts');
    assert.equal(attempts, 3);
    const row = await db.one<{ gave_up_at: Date | null; last_error: string }>('select gave_up_at, last_error from scheduled_jobs where name = $1', [job.name]);
    assert.ok(row.gave_up_at);
    assert.equal(row.last_error, 'SMTP refused (attempt 3)');
  });

  it('removes a one-off job that succeeded, and records every run for administrators', async () => {
    const clock = new ManualClock('2026-04-01T00:00:00Z');
    const tenant = await newTenant(db);
    const job: JobDefinition = { name: unique(), run: async ({ payload }) => `reminded ${(payload as { who: string }).who}` };
    const s = createScheduler({ db, jobs: [job], clock, owner: 'server-x' });
    await scheduleJob(db, { name: job.name, key: 'p-1', tenantId: tenant.id, runAt: new Date('2026-04-02T00:00:00Z'), payload: { who: 'proposer' } });
    assert.equal(await s.tick(), 0, 'not due until its date');
    clock.set('2026-04-02T00:00:00Z');
    assert.equal(await s.tick(), 1);
    assert.equal((await db.query('select 1 from scheduled_jobs where name = $1', [job.name])).length, 0);
    const runs = (await listJobRuns(db, tenant.id, 500)).filter((r) => r.name === job.name);
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.status, 'ok');
    assert.equal(runs[0]!.summary, 'reminded proposer');
    assert.equal(runs[0]!.owner, 'server-x');
  });

  it('runs a triggered job at once', async () => {
    const clock = new ManualClock('2026-04-01T00:00:00Z');
    let n = 0;
    const job: JobDefinition = { name: unique(), everySeconds: 3600, run: async () => void n++ };
    const s = createScheduler({ db, jobs: [job], clock });
    await s.register();
    await s.tick();
    clock.advance(1000);
    assert.equal(await s.tick(), 0);
    await triggerJob(db, job.name, clock.now());
    assert.equal(await s.tick(), 1);
    assert.equal(n, 2);
  });

  it('lets another server take over a job whose lease ran out (a server died mid-run)', async () => {
    const clock = new ManualClock('2026-04-01T00:00:00Z');
    const job: JobDefinition = { name: unique(), everySeconds: 600, leaseSeconds: 60, run: async () => undefined };
    // Server A claimed the job and died: its lease stays behind.
    await scheduleJob(db, { name: job.name, runAt: clock.now(), everySeconds: 600 });
    await db.query("update scheduled_jobs set lease_owner = 'dead', lease_until = $2 where name = $1", [job.name, new Date(clock.now().getTime() + 60_000)]);
    const b = createScheduler({ db, jobs: [job], clock, owner: 'server-b' });
    assert.equal(await b.tick(), 0, 'leased to the dead server');
    clock.advance(60_000);
    assert.equal(await b.tick(), 1, 'taken over once the lease ran out');
  });
});
