/** SQL of the facility register: facilities, their status history and change events. */
import type { Sql } from '../../core/db/database.ts';
import { searchColumns, searchCondition, searchTerms } from '../../core/search.ts';

export const STATUSES = ['in_service', 'closed', 'demolished', 'transferred'] as const;
export type FacilityStatus = (typeof STATUSES)[number];

export interface Facility {
  id: string;
  externalId: string;
  name: string;
  nameKana: string | null;
  category: string | null;
  isPark: boolean;
  address: string | null;
  latitude: number | null;
  longitude: number | null;
  floorArea: number | null;
  siteArea: number | null;
  yearBuilt: number | null;
  responsible: string | null;
  departmentCode: string | null;
  status: FacilityStatus;
  statusSince: string;
  dataset: Record<string, string>;
  isDemo: boolean;
}

/** The fields an import or an edit writes. */
export type FacilityFields = Omit<Facility, 'id' | 'status' | 'statusSince' | 'isDemo' | 'departmentCode'>;

interface FacilityRow {
  id: string;
  external_id: string;
  name: string;
  name_kana: string | null;
  category: string | null;
  is_park: boolean;
  address: string | null;
  latitude: string | null;
  longitude: string | null;
  floor_area: string | null;
  site_area: string | null;
  year_built: number | null;
  responsible: string | null;
  department_code: string | null;
  status: FacilityStatus;
  status_since: string;
  dataset: Record<string, string> | string;
  is_demo: boolean;
}

const num = (v: string | null) => (v === null ? null : Number(v));

function toFacility(r: FacilityRow): Facility {
  return {
    id: r.id,
    externalId: r.external_id,
    name: r.name,
    nameKana: r.name_kana,
    category: r.category,
    isPark: r.is_park,
    address: r.address,
    latitude: num(r.latitude),
    longitude: num(r.longitude),
    floorArea: num(r.floor_area),
    siteArea: num(r.site_area),
    yearBuilt: r.year_built,
    responsible: r.responsible,
    departmentCode: r.department_code,
    status: r.status,
    statusSince: r.status_since,
    dataset: typeof r.dataset === 'string' ? (JSON.parse(r.dataset) as Record<string, string>) : r.dataset,
    isDemo: r.is_demo,
  };
}

const COLUMNS = `id, external_id, name, name_kana, category, is_park, address, latitude, longitude, floor_area, site_area,
  year_built, responsible, department_code, status, status_since, dataset, is_demo`;

/** Every facility of the municipality, by external ID (for an import to compare against). */
export async function facilitiesByExternalId(sql: Sql, tenantId: string): Promise<Map<string, Facility>> {
  const rows = await sql.query<FacilityRow>(`select ${COLUMNS} from facilities where tenant_id = $1`, [tenantId]);
  return new Map(rows.map((r) => [r.external_id, toFacility(r)]));
}

function fieldParams(f: FacilityFields): unknown[] {
  const search = searchColumns(f.name, f.nameKana, f.address, f.category, f.responsible);
  return [
    f.externalId, f.name, f.nameKana, f.category, f.isPark, f.address, f.latitude, f.longitude, f.floorArea, f.siteArea,
    f.yearBuilt, f.responsible, JSON.stringify(f.dataset), search.text, search.grams,
  ];
}

/** Adds a facility in service from `since`; returns its id. */
export async function insertFacility(tx: Sql, tenantId: string, f: FacilityFields, since: string, isDemo: boolean): Promise<string> {
  const row = await tx.one<{ id: string }>(
    `insert into facilities (tenant_id, external_id, name, name_kana, category, is_park, address, latitude, longitude, floor_area, site_area,
       year_built, responsible, dataset, search_text, search_grams, status, status_since, is_demo)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15, $16, 'in_service', $17, $18) returning id`,
    [tenantId, ...fieldParams(f), since, isDemo],
  );
  await tx.query(`insert into facility_statuses (tenant_id, facility_id, effective_on, status) values ($1, $2, $3, 'in_service')`, [tenantId, row.id, since]);
  return row.id;
}

/** Rewrites a facility's fields (not its status). */
export async function updateFacility(tx: Sql, tenantId: string, id: string, f: FacilityFields): Promise<void> {
  await tx.query(
    `update facilities set external_id = $3, name = $4, name_kana = $5, category = $6, is_park = $7, address = $8, latitude = $9, longitude = $10,
       floor_area = $11, site_area = $12, year_built = $13, responsible = $14, dataset = $15::jsonb, search_text = $16, search_grams = $17, updated_at = now()
     where tenant_id = $1 and id = $2`,
    [tenantId, id, ...fieldParams(f)],
  );
}

/** Records a status from a date on (the caller checks the transition). */
export async function insertStatus(tx: Sql, tenantId: string, id: string, status: FacilityStatus, on: string, note: string | null): Promise<void> {
  await tx.query(`insert into facility_statuses (tenant_id, facility_id, effective_on, status, note) values ($1, $2, $3, $4, $5)`, [tenantId, id, on, status, note]);
  await tx.query(
    `update facilities f set status = s.status, status_since = s.effective_on, updated_at = now()
     from (select status, effective_on from facility_statuses where tenant_id = $1 and facility_id = $2 order by effective_on desc limit 1) s
     where f.tenant_id = $1 and f.id = $2`,
    [tenantId, id],
  );
}

export async function insertEvent(
  tx: Sql,
  tenantId: string,
  facilityId: string,
  kind: 'created' | 'updated' | 'status',
  changes: Record<string, unknown>,
  actor: { id: string | null; label: string },
): Promise<void> {
  await tx.query(`insert into facility_events (tenant_id, facility_id, kind, changes, actor_id, actor_label) values ($1, $2, $3, $4::jsonb, $5, $6)`, [
    tenantId,
    facilityId,
    kind,
    JSON.stringify(changes),
    actor.id,
    actor.label,
  ]);
}

export interface ListFilter {
  category?: string | undefined;
  status?: FacilityStatus | undefined;
  q?: string | undefined;
  asOf: string;
  limit: number;
  offset: number;
}

/** A facility with its status on the list's date. */
export interface ListedFacility extends Facility {
  statusOn: FacilityStatus;
}

/**
 * Facilities in the register on the date (those with a status on or before it), each with the
 * status it had then, filtered and paged, ordered by external ID.
 */
export async function listFacilities(sql: Sql, tenantId: string, f: ListFilter): Promise<{ total: number; items: ListedFacility[] }> {
  const params: unknown[] = [tenantId, f.asOf];
  const where: string[] = [];
  if (f.category !== undefined) {
    params.push(f.category);
    where.push(f.category === '' ? 'f.category is null' : `f.category = $${params.length}`);
    if (f.category === '') params.pop();
  }
  if (f.status) {
    params.push(f.status);
    where.push(`s.status = $${params.length}`);
  }
  const terms = f.q ? searchTerms(f.q) : null;
  if (terms) where.push(searchCondition(terms, params, 'f'));
  const from = `from facilities f
    join lateral (select status from facility_statuses x where x.tenant_id = f.tenant_id and x.facility_id = f.id and x.effective_on <= $2
                  order by x.effective_on desc limit 1) s on true
    where f.tenant_id = $1 ${where.map((w) => `and ${w}`).join(' ')}`;
  const count = await sql.one<{ n: number }>(`select count(*)::int as n ${from}`, params);
  const rows = await sql.query<FacilityRow & { status_on: FacilityStatus }>(
    `select ${COLUMNS.split(', ').map((c) => `f.${c.trim()}`).join(', ')}, s.status as status_on ${from}
     order by f.external_id limit $${params.length + 1} offset $${params.length + 2}`,
    [...params, f.limit, f.offset],
  );
  return { total: count.n, items: rows.map((r) => ({ ...toFacility(r), statusOn: r.status_on })) };
}

export async function findFacility(sql: Sql, tenantId: string, id: string): Promise<Facility | undefined> {
  const r = await sql.maybeOne<FacilityRow>(`select ${COLUMNS} from facilities where tenant_id = $1 and id = $2`, [tenantId, id]);
  return r ? toFacility(r) : undefined;
}

export interface StatusRow {
  effectiveOn: string;
  status: FacilityStatus;
  note: string | null;
}

export async function statusHistory(sql: Sql, tenantId: string, id: string): Promise<StatusRow[]> {
  return sql.query<StatusRow>(
    `select effective_on as "effectiveOn", status, note from facility_statuses where tenant_id = $1 and facility_id = $2 order by effective_on`,
    [tenantId, id],
  );
}

export interface EventRow {
  kind: 'created' | 'updated' | 'status';
  changes: Record<string, unknown>;
  actorLabel: string;
  at: Date;
}

export async function eventHistory(sql: Sql, tenantId: string, id: string): Promise<EventRow[]> {
  const rows = await sql.query<{ kind: EventRow['kind']; changes: Record<string, unknown> | string; actor_label: string; at: Date }>(
    `select kind, changes, actor_label, at from facility_events where tenant_id = $1 and facility_id = $2 order by at, id`,
    [tenantId, id],
  );
  return rows.map((r) => ({ kind: r.kind, changes: typeof r.changes === 'string' ? (JSON.parse(r.changes) as Record<string, unknown>) : r.changes, actorLabel: r.actor_label, at: r.at }));
}

/** What area totals are computed from: each facility's areas and its status history. */
export interface AreaFacts {
  facilities: { id: string; category: string | null; isPark: boolean; floorArea: number; siteArea: number; isDemo: boolean }[];
  /** Status changes by facility id, oldest first. */
  statuses: Map<string, { on: string; status: FacilityStatus }[]>;
}

/** Two queries for the whole register (the metric and the totals page compute from them). */
export async function areaFacts(sql: Sql, tenantId: string): Promise<AreaFacts> {
  const facilities = await sql.query<{ id: string; category: string | null; is_park: boolean; floor_area: string | null; site_area: string | null; is_demo: boolean }>(
    'select id, category, is_park, floor_area, site_area, is_demo from facilities where tenant_id = $1',
    [tenantId],
  );
  const rows = await sql.query<{ facility_id: string; effective_on: string; status: FacilityStatus }>(
    'select facility_id, effective_on, status from facility_statuses where tenant_id = $1 order by facility_id, effective_on',
    [tenantId],
  );
  const statuses = new Map<string, { on: string; status: FacilityStatus }[]>();
  for (const r of rows) {
    let list = statuses.get(r.facility_id);
    if (!list) statuses.set(r.facility_id, (list = []));
    list.push({ on: r.effective_on, status: r.status });
  }
  return {
    facilities: facilities.map((f) => ({ id: f.id, category: f.category, isPark: f.is_park, floorArea: Number(f.floor_area ?? 0), siteArea: Number(f.site_area ?? 0), isDemo: f.is_demo })),
    statuses,
  };
}

/** The categories in use, for filters. */
export async function categories(sql: Sql, tenantId: string): Promise<string[]> {
  const rows = await sql.query<{ category: string }>('select distinct category from facilities where tenant_id = $1 and category is not null order by category', [tenantId]);
  return rows.map((r) => r.category);
}

/** Every facility for the open data, by external ID. */
export async function allFacilities(sql: Sql, tenantId: string): Promise<Facility[]> {
  const rows = await sql.query<FacilityRow>(`select ${COLUMNS} from facilities where tenant_id = $1 order by external_id`, [tenantId]);
  return rows.map(toFacility);
}
