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

/** resolveTenant's answer when it is remembered and fresh, without asking the database. */
export function resolvedTenant(sql: Sql, hostname: string, defaultCode: string): Tenant | undefined {
  let key = hostKeys.get(hostname);
  if (key === undefined || key.code !== defaultCode) {
    if (hostKeys.size > 1000) hostKeys.clear();
    hostKeys.set(hostname, (key = { code: defaultCode, key: `${hostname.toLowerCase().replace(/:\d+$/, '')}|${defaultCode}` }));
  }
  const hit = resolved.get(sql.identity)?.get(key.key);
  return hit && hit.until > Date.now() ? hit.tenant : undefined;
}
/** Host headers as resolveTenant's keys, made once per host and default code. */
const hostKeys = new Map<string, { code: string; key: string }>();

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

/** Forgets remembered host lookups (after a municipality's host names change). */
export function forgetResolvedTenants(sql: Sql): void {
  resolved.get(sql.identity)?.clear();
}

/** A municipality as its administrator edits it. */
export interface TenantProfile extends Tenant {
  hostnames: string[];
}

/** The municipality with its host names. */
export async function tenantProfile(sql: Sql, tenantId: string): Promise<TenantProfile | undefined> {
  const row = await sql.maybeOne<TenantRow & { hostnames: string[] }>(
    'select id, code, name_ja, name_en, hostnames from municipalities where id = $1',
    [tenantId],
  );
  return row && { ...toTenant(row), hostnames: row.hostnames };
}

/** Host names are lower case, without port, one label or more of letters, digits and hyphens. */
export function isHostname(host: string): boolean {
  return host.length <= 253 && /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(host);
}

/** Creates a municipality; undefined when the code or one of its host names is taken. */
export async function createTenant(
  sql: Sql,
  t: { code: string; nameJa: string; nameEn: string; hostnames: string[] },
): Promise<Tenant | undefined> {
  const taken = await sql.maybeOne('select 1 from municipalities where code = $1 or hostnames && $2::text[]', [t.code, t.hostnames]);
  if (taken) return undefined;
  const row = await sql.maybeOne<TenantRow>(
    `insert into municipalities (code, name_ja, name_en, hostnames) values ($1, $2, $3, $4)
     on conflict (code) do nothing returning id, code, name_ja, name_en`,
    [t.code, t.nameJa, t.nameEn, t.hostnames],
  );
  forgetResolvedTenants(sql);
  return row && toTenant(row);
}

/** Changes a municipality's names and host names; false when a host name belongs to another. */
export async function updateTenant(sql: Sql, tenantId: string, t: { nameJa: string; nameEn: string; hostnames: string[] }): Promise<boolean> {
  const taken = await sql.maybeOne('select 1 from municipalities where id <> $1 and hostnames && $2::text[]', [tenantId, t.hostnames]);
  if (taken) return false;
  await sql.query('update municipalities set name_ja = $2, name_en = $3, hostnames = $4, updated_at = now() where id = $1', [
    tenantId,
    t.nameJa,
    t.nameEn,
    t.hostnames,
  ]);
  forgetResolvedTenants(sql);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Departments (課): core's, since users, indicators and every service's work name them.

export interface Department {
  id: string;
  code: string;
  nameJa: string;
  nameEn: string;
  retiredAt: Date | null;
}

interface DepartmentRow {
  id: string;
  code: string;
  name_ja: string;
  name_en: string;
  retired_at: Date | null;
}

const toDepartment = (r: DepartmentRow): Department => ({ id: r.id, code: r.code, nameJa: r.name_ja, nameEn: r.name_en, retiredAt: r.retired_at });

/** The tenant's departments by code (retired ones too, unless activeOnly). */
export async function listDepartments(sql: Sql, tenantId: string, options: { activeOnly?: boolean } = {}): Promise<Department[]> {
  const rows = await sql.query<DepartmentRow>(
    `select id, code, name_ja, name_en, retired_at from departments
      where tenant_id = $1 ${options.activeOnly ? 'and retired_at is null' : ''} order by code`,
    [tenantId],
  );
  return rows.map(toDepartment);
}

/** One department by code, if any. */
export async function findDepartment(sql: Sql, tenantId: string, code: string): Promise<Department | undefined> {
  const row = await sql.maybeOne<DepartmentRow>(
    'select id, code, name_ja, name_en, retired_at from departments where tenant_id = $1 and code = $2',
    [tenantId, code],
  );
  return row && toDepartment(row);
}

/** Department codes: lower-case letters, digits and hyphens (as in URLs and the CLI). */
export const DEPARTMENT_CODE_RE = /^[a-z0-9-]{1,40}$/;

/** Adds a department; undefined when the code is taken. */
export async function createDepartment(sql: Sql, tenantId: string, d: { code: string; nameJa: string; nameEn: string }): Promise<Department | undefined> {
  const row = await sql.maybeOne<DepartmentRow>(
    `insert into departments (tenant_id, code, name_ja, name_en) values ($1, $2, $3, $4)
     on conflict (tenant_id, code) do nothing returning id, code, name_ja, name_en, retired_at`,
    [tenantId, d.code, d.nameJa, d.nameEn],
  );
  return row && toDepartment(row);
}

/** Adds a department unless one with the code exists (demo data). */
export async function ensureDepartment(sql: Sql, tenantId: string, d: { code: string; nameJa: string; nameEn: string }): Promise<void> {
  await createDepartment(sql, tenantId, d);
}

/** Renames a department; false when there is none with this code. */
export async function renameDepartment(sql: Sql, tenantId: string, code: string, names: { nameJa: string; nameEn: string }): Promise<boolean> {
  const rows = await sql.query('update departments set name_ja = $3, name_en = $4 where tenant_id = $1 and code = $2 returning id', [
    tenantId,
    code,
    names.nameJa,
    names.nameEn,
  ]);
  return rows.length === 1;
}

/** Retires (or, with retired=false, reinstates) a department; false when there is none. */
export async function setDepartmentRetired(sql: Sql, tenantId: string, code: string, retired: boolean, at: Date): Promise<boolean> {
  const rows = await sql.query(
    'update departments set retired_at = case when $3 then coalesce(retired_at, $4) end where tenant_id = $1 and code = $2 returning id',
    [tenantId, code, retired, at],
  );
  return rows.length === 1;
}
