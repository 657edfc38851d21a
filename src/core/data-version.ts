/**
 * Data versions: a per-tenant counter for a scope ("plan"), bumped in the same transaction as
 * any change that alters what public reads show. Caches and ETags key on the version, so a
 * change is seen at once by every app server, with no cache state shared between them.
 */
import type { Sql } from './db/database.ts';

/**
 * When this process is the database's only user (embedded PGlite), versions are remembered
 * here and forgotten on every bump; a PostgreSQL shared by several app servers is asked each
 * time. `generation` keeps a read that raced a bump from storing what it read.
 */
const remembered = new WeakMap<object, { generation: number; versions: Map<string, number> }>();

function localState(sql: Sql) {
  let state = remembered.get(sql.identity);
  if (!state) remembered.set(sql.identity, (state = { generation: 0, versions: new Map() }));
  return state;
}

/** The scope's current version (0 before the first change). */
export async function currentDataVersion(sql: Sql, tenantId: string, scope: string): Promise<number> {
  const key = `${tenantId}|${scope}`;
  const local = sql.soleProcess && !sql.inTransaction ? localState(sql) : undefined;
  const known = local?.versions.get(key);
  if (known !== undefined) return known;
  const generation = local?.generation;
  const row = await sql.maybeOne<{ version: number }>('select version from data_versions where tenant_id = $1 and scope = $2', [tenantId, scope]);
  const version = row?.version ?? 0;
  if (local && local.generation === generation) local.versions.set(key, version);
  return version;
}

/** Marks the scope changed (call inside the transaction making the change). */
export async function bumpDataVersion(tx: Sql, tenantId: string, scope: string): Promise<void> {
  await tx.query(
    `insert into data_versions (tenant_id, scope) values ($1, $2)
     on conflict (tenant_id, scope) do update set version = data_versions.version + 1`,
    [tenantId, scope],
  );
  if (tx.soleProcess) {
    const local = localState(tx);
    local.generation++;
    local.versions.delete(`${tenantId}|${scope}`);
  }
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
