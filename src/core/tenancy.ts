/**
 * Tenancy: every row belongs to a municipality. The tenant is resolved per request from the
 * host name, falling back to the installation's default tenant (single-city installs).
 */
import type { Sql } from './db/database.ts';

export interface Tenant {
  id: string;
  code: string;
  nameJa: string;
  nameEn: string;
}

interface TenantRow {
  id: string;
  code: string;
  name_ja: string;
  name_en: string;
}

const toTenant = (r: TenantRow): Tenant => ({ id: r.id, code: r.code, nameJa: r.name_ja, nameEn: r.name_en });

/**
 * Host names rarely change, and every request needs its tenant: answers are remembered for
 * TENANT_TTL_MS per database. Only found tenants are remembered, so a new one is seen at once.
 */
const TENANT_TTL_MS = 30_000;
const resolved = new WeakMap<object, Map<string, { tenant: Tenant; until: number }>>();

/** The tenant serving hostname, else the default tenant, else undefined (not yet seeded). */
export async function resolveTenant(sql: Sql, hostname: string, defaultCode: string): Promise<Tenant | undefined> {
  const host = hostname.toLowerCase().replace(/:\d+$/, '');
  let cache = resolved.get(sql.identity);
  if (!cache) resolved.set(sql.identity, (cache = new Map()));
  const key = `${host}|${defaultCode}`;
  const hit = cache.get(key);
  const now = Date.now();
  if (hit && hit.until > now) return hit.tenant;
  const tenant = await lookUpTenant(sql, host, defaultCode);
  if (tenant) {
    if (cache.size > 1000) cache.clear();
    cache.set(key, { tenant, until: now + TENANT_TTL_MS });
  }
  return tenant;
}

async function lookUpTenant(sql: Sql, host: string, defaultCode: string): Promise<Tenant | undefined> {
  const row = await sql.maybeOne<TenantRow>(
    `select id, code, name_ja, name_en from municipalities
      where $1 = any(hostnames) or code = $2
      order by ($1 = any(hostnames)) desc limit 1`,
    [host, defaultCode],
  );
  return row && toTenant(row);
}

/** The tenant with this code, if any. */
export async function findTenantByCode(sql: Sql, code: string): Promise<Tenant | undefined> {
  const row = await sql.maybeOne<TenantRow>('select id, code, name_ja, name_en from municipalities where code = $1', [code]);
  return row && toTenant(row);
}

/** Creates a municipality (idempotent by code); returns it. */
export async function ensureTenant(
  sql: Sql,
  t: { code: string; nameJa: string; nameEn: string; hostnames?: string[] },
): Promise<Tenant> {
  const row = await sql.one<TenantRow>(
    `insert into municipalities (code, name_ja, name_en, hostnames) values ($1, $2, $3, $4)
     on conflict (code) do update set name_ja = excluded.name_ja
     returning id, code, name_ja, name_en`,
    [t.code, t.nameJa, t.nameEn, t.hostnames ?? []],
  );
  return toTenant(row);
}

/** Every municipality, by code. */
export async function listTenants(sql: Sql): Promise<Tenant[]> {
  return (await sql.query<TenantRow>('select id, code, name_ja, name_en from municipalities order by code')).map(toTenant);
}
