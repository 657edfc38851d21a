/**
 * Data versions: a per-tenant counter for each scope ("plan", "groups", …), bumped in the same
 * transaction as any change that alters what public reads show. Caches and ETags key on the
 * versions, so a change is seen at once by every app server, with no cache state shared
 * between them. A module bumps its own scope; a cached read names the scopes it depends on.
 */
import type { Sql } from './db/database.ts';

/**
 * When this process is the database's only user (embedded PGlite), versions are remembered
 * here and forgotten on every bump; a PostgreSQL shared by several app servers is asked once
 * per request (all of a tenant's scopes in one query). `generation` keeps a read that raced a
 * bump from storing what it read.
 */
const remembered = new WeakMap<object, { generation: number; tenants: Map<string, ReadonlyMap<string, number>> }>();
/** One read per request: the request (or any object) the caller passes as memo. */
const perMemo = new WeakMap<object, Map<string, Promise<ReadonlyMap<string, number>>>>();

function localState(sql: Sql) {
  let state = remembered.get(sql.identity);
  if (!state) remembered.set(sql.identity, (state = { generation: 0, tenants: new Map() }));
  return state;
}

async function readVersions(sql: Sql, tenantId: string): Promise<ReadonlyMap<string, number>> {
  const local = sql.soleProcess && !sql.inTransaction ? localState(sql) : undefined;
  const known = local?.tenants.get(tenantId);
  if (known) return known;
  const generation = local?.generation;
  const rows = await sql.query<{ scope: string; version: number }>('select scope, version from data_versions where tenant_id = $1', [tenantId]);
  const versions = new Map(rows.map((r) => [r.scope, r.version]));
  if (local && local.generation === generation) {
    if (local.tenants.size > 10_000) local.tenants.clear();
    local.tenants.set(tenantId, versions);
  }
  return versions;
}

/** Every scope's version for the tenant (0 for scopes never changed); read once per memo. */
export function tenantVersions(sql: Sql, tenantId: string, memo?: object): Promise<ReadonlyMap<string, number>> {
  if (!memo) return readVersions(sql, tenantId);
  let byTenant = perMemo.get(memo);
  if (!byTenant) perMemo.set(memo, (byTenant = new Map()));
  let p = byTenant.get(tenantId);
  if (!p) byTenant.set(tenantId, (p = readVersions(sql, tenantId)));
  return p;
}

/** The scope's current version (0 before the first change). */
export async function currentDataVersion(sql: Sql, tenantId: string, scope: string, memo?: object): Promise<number> {
  return (await tenantVersions(sql, tenantId, memo)).get(scope) ?? 0;
}

/** The versions of several scopes as one string ("groups:3,plan:12"): equal strings, equal data. */
export async function currentDataVersions(sql: Sql, tenantId: string, scopes: readonly string[], memo?: object): Promise<string> {
  return versionsOf(await tenantVersions(sql, tenantId, memo), scopes);
}

/** currentDataVersions' string from versions already read. */
export function versionsOf(versions: ReadonlyMap<string, number>, scopes: readonly string[]): string {
  return [...new Set(scopes)]
    .sort()
    .map((s) => `${s}:${versions.get(s) ?? 0}`)
    .join(',');
}

/**
 * The tenant's versions when this process knows them without asking (the embedded database,
 * read since the last bump), else undefined: for answers made before any await.
 */
export function knownVersions(sql: Sql, tenantId: string): ReadonlyMap<string, number> | undefined {
  return sql.soleProcess && !sql.inTransaction ? remembered.get(sql.identity)?.tenants.get(tenantId) : undefined;
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
    local.tenants.delete(tenantId);
  }
}

/** A small in-process LRU of values derived from versioned scopes. Safe to lose at any time. */
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

  /** The value, without making it the most recently used. */
  peek(key: string): V | undefined {
    return this.entries.get(key);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** The entries, the most recently used first. */
  newestFirst(): [string, V][] {
    return [...this.entries].reverse();
  }

  clear(): void {
    this.entries.clear();
  }
}
