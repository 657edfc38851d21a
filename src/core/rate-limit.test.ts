/** Database rate limits: the window, concurrency (counts are atomic) and the reset. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from './clock.ts';
import type { Db } from './db/database.ts';
import { enforceRateLimits, hitRateLimit, RateLimitedError, retryAfterSeconds, roomCheck, roomlessSince } from './rate-limit.ts';
import { newTenant, openTestDb } from '../testing/harness.ts';

let db: Db;
before(async () => {
  db = await openTestDb();
});
after(async () => db.close());

const rule = { bucket: 'test.submit', limit: 5, windowSeconds: 60 };

describe('rate limits', () => {
  it('allows the limit within a window, refuses beyond it with the time to wait, and resets after it', async () => {
    const clock = new ManualClock('2026-04-01T00:00:00Z');
    const tenant = await newTenant(db);
    for (let i = 1; i <= 5; i++) assert.equal((await hitRateLimit(db, clock, tenant.id, rule, '192.0.2.1')).allowed, true, `hit ${i}`);
    clock.advance(20_000);
    const refused = await hitRateLimit(db, clock, tenant.id, rule, '192.0.2.1');
    assert.equal(refused.allowed, false);
    assert.equal(refused.retryAfterSeconds, 40);
    assert.equal((await hitRateLimit(db, clock, tenant.id, rule, '192.0.2.2')).allowed, true, 'another client has its own count');
    clock.advance(40_000);
    assert.equal((await hitRateLimit(db, clock, tenant.id, rule, '192.0.2.1')).allowed, true, 'a new window');
  });

  it('checks room without counting inside another statement: none while below the limit, the window once full, none after it', async () => {
    const clock = new ManualClock('2026-04-01T00:00:00Z');
    const tenant = await newTenant(db);
    /** The room check as a module's statement embeds it, for one row built from a RoomCheck. */
    const fullSince = async () => {
      const c = roomCheck(clock, rule, '192.0.2.9');
      const row = await db.one<{ full: Date | null }>(
        `select ${roomlessSince('a')} as full
           from (select $1::uuid as tenant_id, $2::text as room_bucket, $3::text as room_key, $4::int as room_secs, $5::int as room_limit, $6::timestamptz as room_now) a`,
        [tenant.id, c.bucket, c.keyHash, c.windowSeconds, c.limit, c.now],
      );
      return { check: c, full: row.full };
    };
    for (let i = 1; i <= 4; i++) await hitRateLimit(db, clock, tenant.id, rule, '192.0.2.9');
    assert.equal((await fullSince()).full, null, 'four of five: room left');
    assert.equal((await fullSince()).full, null, 'checking counts nothing');
    await hitRateLimit(db, clock, tenant.id, rule, '192.0.2.9');
    clock.advance(15_000);
    const { check, full } = await fullSince();
    assert.equal(full?.toISOString(), '2026-04-01T00:00:00.000Z');
    assert.equal(retryAfterSeconds(check, full!), 45);
    clock.advance(45_000);
    assert.equal((await fullSince()).full, null, 'the window has passed');
  });

  it('counts 20 concurrent requests exactly: 5 allowed, 15 refused', async () => {
    const clock = new ManualClock('2026-04-01T00:00:00Z');
    const tenant = await newTenant(db);
    const results = await Promise.all(Array.from({ length: 20 }, () => hitRateLimit(db, clock, tenant.id, rule, 'burst')));
    assert.equal(results.filter((r) => r.allowed).length, 5);
    assert.deepEqual(results.map((r) => r.hits).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('throws a 429 naming Retry-After when any of several rules is exceeded', async () => {
    const clock = new ManualClock('2026-04-01T00:00:00Z');
    const tenant = await newTenant(db);
    const perAccount = { bucket: 'test.account', limit: 1, windowSeconds: 3600 };
    await enforceRateLimits(db, clock, tenant.id, [{ rule, key: 'ip' }, { rule: perAccount, key: 'user-1' }]);
    await assert.rejects(enforceRateLimits(db, clock, tenant.id, [{ rule, key: 'ip' }, { rule: perAccount, key: 'user-1' }]), (err: unknown) => {
      assert.ok(err instanceof RateLimitedError);
      assert.equal(err.status, 429);
      assert.equal(err.retryAfterSeconds, 3600);
      return true;
    });
  });
});
