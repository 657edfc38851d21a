/**
 * Rate limits for citizen-facing writes (sign-up, proposals, supports, survey answers,
 * applications, inquiries): fixed-window counters in the database, so the limit holds
 * however many app servers share it. One atomic upsert per check: concurrent requests get
 * distinct counts. Keys are hashed (they may be addresses or e-mails).
 */
import type { Clock } from './clock.ts';
import { sha256 } from './crypto.ts';
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
     select $1, c.bucket, c.key_hash, $4, c.secs, 1 from unnest($2::text[], $3::text[], $5::int[]) as c(bucket, key_hash, secs)
     order by c.bucket, c.key_hash
     on conflict (tenant_id, bucket, key_hash) do update set
       hits = case when r.window_start <= excluded.window_start - make_interval(secs => excluded.window_seconds) then 1 else r.hits + 1 end,
       window_start = case when r.window_start <= excluded.window_start - make_interval(secs => excluded.window_seconds) then excluded.window_start else r.window_start end,
       window_seconds = excluded.window_seconds
     returning bucket, key_hash, hits, window_start`;

interface HitRow {
  bucket: string;
  key_hash: string;
  hits: number;
  window_start: Date;
}

/**
 * Counts one request against each (rule, key): one statement however many rules (prepared
 * once per connection). The same counter named twice is counted twice.
 */
async function hitAll(sql: Sql, clock: Clock, tenantId: string, checks: readonly { rule: RateLimit; key: string }[]): Promise<RateLimitResult[]> {
  const hashes = checks.map((c) => sha256(c.key));
  const ids = checks.map((c, i) => `${c.rule.bucket}\n${hashes[i]}`);
  // An upsert cannot change one row twice: a repeated counter is counted by a second statement.
  const firstOf = ids.findIndex((id, i) => ids.indexOf(id) !== i);
  if (firstOf >= 0) {
    return [...(await hitAll(sql, clock, tenantId, checks.slice(0, firstOf))), ...(await hitAll(sql, clock, tenantId, checks.slice(firstOf)))];
  }
  const now = clock.now();
  const rows = await sql.queryNamed<HitRow>('core.rate-limit.hit', HIT_SQL, [
    tenantId,
    checks.map((c) => c.rule.bucket),
    hashes,
    now,
    checks.map((c) => c.rule.windowSeconds),
  ]);
  const byId = new Map(rows.map((r) => [`${r.bucket}\n${r.key_hash}`, r]));
  return checks.map((c, i) => {
    const row = byId.get(ids[i]!)!;
    const resetsAt = row.window_start.getTime() + c.rule.windowSeconds * 1000;
    return { allowed: row.hits <= c.rule.limit, hits: row.hits, retryAfterSeconds: Math.max(1, Math.ceil((resetsAt - now.getTime()) / 1000)) };
  });
}

/** Counts one request against (bucket, key); allowed while the window's count is within the limit. */
export async function hitRateLimit(sql: Sql, clock: Clock, tenantId: string, rule: RateLimit, key: string): Promise<RateLimitResult> {
  return (await hitAll(sql, clock, tenantId, [{ rule, key }]))[0]!;
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
  for (const result of await hitAll(sql, clock, tenantId, checks)) {
    if (!result.allowed) retry = Math.max(retry, result.retryAfterSeconds);
  }
  if (retry > 0) throw new RateLimitedError(retry);
}

/** Forgets windows that ended more than a day ago (run by core's purge job). */
export async function purgeRateLimits(sql: Sql, now: Date): Promise<number> {
  const rows = await sql.query(`delete from rate_limits where window_start < $1::timestamptz - interval '1 day' returning 1`, [now]);
  return rows.length;
}
