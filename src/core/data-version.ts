/**
 * Data versions: a per-tenant counter for a scope ("plan"), bumped in the same transaction as
 * any change that alters what public reads show. Caches and ETags key on the version, so a
 * change is seen at once by every app server, with no cache state shared between them.
 */
import type { Sql } from './db/database.ts';

/** The scope's current version (0 before the first change). */
export async function currentDataVersion(sql: Sql, tenantId: string, scope: string): Promise<number> {
  const row = await sql.maybeOne<{ version: number }>('select version from data_versions where tenant_id = $1 and scope = $2', [tenantId, scope]);
  return row?.version ?? 0;
}

/** Marks the scope changed (call inside the transaction making the change). */
export async function bumpDataVersion(tx: Sql, tenantId: string, scope: string): Promise<void> {
  await tx.query(
    `insert into data_versions (tenant_id, scope) values ($1, $2)
     on conflict (tenant_id, scope) do update set version = data_versions.version + 1`,
    [tenantId, scope],
  );
}

/** A small in-process LRU of values derived from a versioned scope. Safe to lose at any time. */
export class VersionedCache<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly capacity = 200) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
}
