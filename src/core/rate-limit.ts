/**
 * Rate limits for citizen-facing writes (sign-up, proposals, supports, survey answers,
 * applications, inquiries): fixed-window counters in the database, so the limit holds
 * however many app servers share it. One atomic upsert per check: concurrent requests get
 * distinct counts. Keys are hashed (they may be addresses or e-mails).
 */
import type { Clock } from './clock.ts';
import { sha256 } from './crypto.ts';
import { batchedPerDatabase } from './db/batch.ts';
import type { Sql } from './db/database.ts';
import { AppError } from './errors.ts';

export interface RateLimit {
  /** What is limited, e.g. "proposals.submit". */
  bucket: string;
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
}

export interface RateLimitResult {
  allowed: boolean;
  /** Requests counted in this window, this one included. */
  hits: number;
  /** Seconds until the window resets. */
  retryAfterSeconds: number;
}

/**
 * The fixed-window upsert of several (bucket, key) counters at once, one row back for each.
 * Rows are taken in (bucket, key) order, so two requests counting the same counters never
 * wait for each other crosswise. A row carries its window's length, so the conflict branch
 * can reset an expired window from `excluded`.
 */
const HIT_SQL = `insert into rate_limits as r (tenant_id, bucket, key_hash, window_start, window_seconds, hits)
     select c.tenant_id, c.bucket, c.key_hash, c.now, c.secs, 1
       from unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::int[]) as c(tenant_id, bucket, key_hash, now, secs)
     order by c.tenant_id, c.bucket, c.key_hash
     on conflict (tenant_id, bucket, key_hash) do update set
       hits = case when r.window_start <= excluded.window_start - make_interval(secs => excluded.window_seconds) then 1 else r.hits + 1 end,
       window_start = case when r.window_start <= excluded.window_start - make_interval(secs => excluded.window_seconds) then excluded.window_start else r.window_start end,
       window_seconds = excluded.window_seconds
     returning tenant_id, bucket, key_hash, hits, window_start`;

interface HitRow {
  tenant_id: string;
  bucket: string;
  key_hash: string;
  hits: number;
  window_start: Date;
}

/** One request counted against one (rule, key) of a municipality, at a time. */
interface Hit {
  tenantId: string;
  rule: RateLimit;
  key: string;
  now: Date;
}

/**
 * Counts each hit: one statement however many (prepared once per connection). The same
 * counter named twice is counted twice, in order.
 */
async function hitAll(sql: Sql, hits: readonly Hit[]): Promise<RateLimitResult[]> {
  if (hits.length === 0) return [];
  const hashes = hits.map((h) => sha256(h.key));
  const ids = hits.map((h, i) => `${h.tenantId}\n${h.rule.bucket}\n${hashes[i]}`);
  // An upsert cannot change one row twice: a repeated counter is counted by a second statement.
  const firstOf = ids.findIndex((id, i) => ids.indexOf(id) !== i);
  if (firstOf >= 0) return [...(await hitAll(sql, hits.slice(0, firstOf))), ...(await hitAll(sql, hits.slice(firstOf)))];
  const rows = await sql.queryNamed<HitRow>('core.rate-limit.hit', HIT_SQL, [
    hits.map((h) => h.tenantId),
    hits.map((h) => h.rule.bucket),
    hashes,
    hits.map((h) => h.now.toISOString()),
    hits.map((h) => h.rule.windowSeconds),
  ]);
  const byId = new Map(rows.map((r) => [`${r.tenant_id}\n${r.bucket}\n${r.key_hash}`, r]));
  return hits.map((h, i) => {
    const row = byId.get(ids[i]!)!;
    return { allowed: row.hits <= h.rule.limit, hits: row.hits, retryAfterSeconds: secondsUntilReset(row.window_start, h.rule.windowSeconds, h.now) };
  });
}

/**
 * Counts one request's hits. Requests counting at the same moment are counted together by one
 * statement (group commit, db/batch.ts); inside a transaction, by the transaction's own.
 */
function count(sql: Sql, clock: Clock, tenantId: string, checks: readonly { rule: RateLimit; key: string }[]): Promise<RateLimitResult[]> {
  const now = clock.now();
  return gathered(sql)(checks.map((c) => ({ tenantId, rule: c.rule, key: c.key, now })));
}
const gathered = batchedPerDatabase<readonly Hit[], RateLimitResult[]>((db) => ({
  async many(requests) {
    const results = await hitAll(db, requests.flat());
    let at = 0;
    return requests.map((r) => results.slice(at, (at += r.length)));
  },
  one: (request) => hitAll(db, request),
}));

/**
 * A limit checked without counting inside a module's own statement (saving the round trip of a
 * separate read): the values the statement passes for its row, and roomlessSince() as the SQL
 * over them. For a limit that counts only failures (e.g. wrong codes), checked before the
 * attempt so that an attempt over the limit is not even tried.
 */
export interface RoomCheck {
  bucket: string;
  keyHash: string;
  windowSeconds: number;
  limit: number;
  /** ISO instant. */
  now: string;
}

export function roomCheck(clock: Clock, rule: RateLimit, key: string): RoomCheck {
  return { bucket: rule.bucket, keyHash: sha256(key), windowSeconds: rule.windowSeconds, limit: rule.limit, now: clock.now().toISOString() };
}

/**
 * SQL: when the counter of the row `a` (columns tenant_id, room_bucket, room_key, room_secs,
 * room_limit, room_now from a RoomCheck, all null for no check) filled up in its current
 * window, that window's start; null while there is room.
 */
export const roomlessSince = (a: string) => `(select r.window_start from rate_limits r
   where r.tenant_id = ${a}.tenant_id and r.bucket = ${a}.room_bucket and r.key_hash = ${a}.room_key
     and r.window_start > ${a}.room_now - make_interval(secs => ${a}.room_secs) and r.hits >= ${a}.room_limit)`;

/** Seconds until a full window (roomlessSince) resets. */
export function retryAfterSeconds(check: RoomCheck, since: Date): number {
  return secondsUntilReset(since, check.windowSeconds, new Date(check.now));
}

/** Whole seconds (at least one) from `now` until the window that started at `windowStart` ends. */
function secondsUntilReset(windowStart: Date, windowSeconds: number, now: Date): number {
  return Math.max(1, Math.ceil((windowStart.getTime() + windowSeconds * 1000 - now.getTime()) / 1000));
}

/** Counts one request against (bucket, key); allowed while the window's count is within the limit. */
export async function hitRateLimit(sql: Sql, clock: Clock, tenantId: string, rule: RateLimit, key: string): Promise<RateLimitResult> {
  return (await count(sql, clock, tenantId, [{ rule, key }]))[0]!;
}

/**
 * Gives back one request counted in the current window (a sign-in attempt counted as a failure
 * before its password was checked, which then turned out right). Nothing when the window has
 * already passed.
 */
export async function releaseRateLimit(sql: Sql, clock: Clock, tenantId: string, rule: RateLimit, key: string): Promise<void> {
  await sql.query(
    `update rate_limits set hits = greatest(hits - 1, 0)
      where tenant_id = $1 and bucket = $2 and key_hash = $3 and window_start > $4::timestamptz - make_interval(secs => $5)`,
    [tenantId, rule.bucket, sha256(key), clock.now(), rule.windowSeconds],
  );
}

/** Forgets the count of (bucket, key), e.g. a sign-in's failures once the right password came. */
export async function clearRateLimit(sql: Sql, tenantId: string, bucket: string, key: string): Promise<void> {
  await sql.query('delete from rate_limits where tenant_id = $1 and bucket = $2 and key_hash = $3', [tenantId, bucket, sha256(key)]);
}

/** Thrown when a limit is reached: 429 with Retry-After. */
export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('rate_limited');
  }
}

/**
 * Counts the request against every rule with its key; throws RateLimitedError (429) when any
 * is exceeded. Keys are typically the client address and, where there is one, the account.
 */
export async function enforceRateLimits(
  sql: Sql,
  clock: Clock,
  tenantId: string,
  checks: readonly { rule: RateLimit; key: string }[],
): Promise<void> {
  if (checks.length === 0) return;
  let retry = 0;
  for (const result of await count(sql, clock, tenantId, checks)) {
    if (!result.allowed) retry = Math.max(retry, result.retryAfterSeconds);
  }
  if (retry > 0) throw new RateLimitedError(retry);
}

/** Forgets windows that ended more than a day ago (run by core's purge job). */
export async function purgeRateLimits(sql: Sql, now: Date): Promise<number> {
  const rows = await sql.query(`delete from rate_limits where window_start < $1::timestamptz - interval '1 day' returning 1`, [now]);
  return rows.length;
}
