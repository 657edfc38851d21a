/**
 * Rate-limit counters without what made each check cost more than the write it guards, and
 * with their window's length, so several rules are counted in one statement:
 * - the foreign key to municipalities: every new counter row share-locked the municipality's
 *   single row (all of a city's requests contend for it). The counters are keyed by a
 *   municipality the request already resolved, and a municipality is never deleted; a row
 *   left behind would only be a count that the purge job removes within a day.
 * - the index on window_start: it served only the daily purge (a scan of a small table is
 *   fine), and it stopped every count from being a heap-only (HOT) update.
 */
import type { Sql } from '../db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
alter table rate_limits drop constraint if exists rate_limits_tenant_id_fkey;
drop index if exists rate_limits_window;
alter table rate_limits set (fillfactor = 70);
-- Each counter's window length, so one statement can count several rules of different windows.
alter table rate_limits add column window_seconds integer check (window_seconds > 0);
`);
}
