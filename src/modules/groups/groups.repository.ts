/**
 * The groups module's SQL. Every query names the tenant; rows come back as domain objects
 * (camelCase). The service opens the transactions and hands them down.
 */
import type { Sql } from '../../core/db/database.ts';
import { searchCondition } from '../../core/search.ts';
import type { LegalForm, Publishable, Status } from './groups.rules.ts';

export interface Registration {
  id: string;
  status: Status;
  number: string | null;
  name: string;
  nameKana: string;
  legalForm: LegalForm;
  representative: string;
  fields: number[];
  area: string;
  purpose: string;
  activities: string;
  foundedOn: string | null;
  members: number;
  publicContact: string;
  privateSealed: string;
  website: string | null;
  fee: string | null;
  published: Publishable[];
  applicantId: string | null;
  appliedOn: string;
  registeredOn: string | null;
  validUntil: string | null;
  returnMessage: string | null;
  refusalReason: string | null;
  deregisteredOn: string | null;
  lapsedOn: string | null;
  pendingChange: Record<string, unknown> | null;
  renewalRequestedOn: string | null;
  remindedFor: string | null;
  isDemo: boolean;
  createdAt: Date;
}

interface Row {
  id: string;
  status: Status;
  number: string | null;
  name: string;
  name_kana: string;
  legal_form: LegalForm;
  representative: string;
  fields: number[];
  area: string;
  purpose: string;
  activities: string;
  founded_on: string | null;
  members: number;
  public_contact: string;
  private_sealed: string;
  website: string | null;
  fee: string | null;
  published: Publishable[];
  applicant_id: string | null;
  applied_on: string;
  registered_on: string | null;
  valid_until: string | null;
  return_message: string | null;
  refusal_reason: string | null;
  deregistered_on: string | null;
  lapsed_on: string | null;
  pending_change: Record<string, unknown> | string | null;
  renewal_requested_on: string | null;
  reminded_for: string | null;
  is_demo: boolean;
  created_at: Date;
}

function fromRow(r: Row): Registration {
  return {
    id: r.id,
    status: r.status,
    number: r.number,
    name: r.name,
    nameKana: r.name_kana,
    legalForm: r.legal_form,
    representative: r.representative,
    fields: r.fields.map(Number),
    area: r.area,
    purpose: r.purpose,
    activities: r.activities,
    foundedOn: r.founded_on,
    members: Number(r.members),
    publicContact: r.public_contact,
    privateSealed: r.private_sealed,
    website: r.website,
    fee: r.fee,
    published: r.published,
    applicantId: r.applicant_id,
    appliedOn: r.applied_on,
    registeredOn: r.registered_on,
    validUntil: r.valid_until,
    returnMessage: r.return_message,
    refusalReason: r.refusal_reason,
    deregisteredOn: r.deregistered_on,
    lapsedOn: r.lapsed_on,
    pendingChange: typeof r.pending_change === 'string' ? (JSON.parse(r.pending_change) as Record<string, unknown>) : r.pending_change,
    renewalRequestedOn: r.renewal_requested_on,
    remindedFor: r.reminded_for,
    isDemo: r.is_demo,
    createdAt: r.created_at,
  };
}

/** The profile columns as written by an application, a correction or an approved change. */
export interface ProfileValues {
  name: string;
  nameKana: string;
  legalForm: LegalForm;
  representative: string;
  fields: number[];
  area: string;
  purpose: string;
  activities: string;
  foundedOn: string | null;
  members: number;
  publicContact: string;
  privateSealed: string;
  website: string | null;
  fee: string | null;
  published: readonly Publishable[];
  duplicateKey: string;
  search: { text: string; grams: string[] };
}

export interface NewRegistration extends ProfileValues {
  status: Status;
  number: string | null;
  applicantId: string | null;
  appliedOn: string;
  registeredOn: string | null;
  validUntil: string | null;
  isDemo: boolean;
  now: Date;
}

/** Inserts a registration (an application, or an imported or seeded registered group). */
export async function insertRegistration(tx: Sql, tenantId: string, r: NewRegistration): Promise<Registration> {
  const row = await tx.one<Row>(
    `insert into group_registrations (tenant_id, status, number, name, name_kana, legal_form, representative, fields, area, purpose, activities,
       founded_on, members, public_contact, private_sealed, website, fee, published, duplicate_key, applicant_id, applied_on, registered_on,
       valid_until, is_demo, search_text, search_grams, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8::smallint[], $9, $10, $11, $12, $13, $14, $15, $16, $17, $18::text[], $19, $20, $21, $22, $23, $24, $25, $26::text[], $27, $27)
     returning *`,
    [
      tenantId, r.status, r.number, r.name, r.nameKana, r.legalForm, r.representative, r.fields, r.area, r.purpose, r.activities,
      r.foundedOn, r.members, r.publicContact, r.privateSealed, r.website, r.fee, [...r.published], r.duplicateKey, r.applicantId, r.appliedOn,
      r.registeredOn, r.validUntil, r.isDemo, r.search.text, r.search.grams, r.now,
    ],
  );
  return fromRow(row);
}

/** Writes new profile values (a correction or an approved change). */
export async function updateProfile(tx: Sql, tenantId: string, id: string, p: ProfileValues, now: Date): Promise<void> {
  await tx.query(
    `update group_registrations set name = $3, name_kana = $4, legal_form = $5, representative = $6, fields = $7::smallint[], area = $8,
       purpose = $9, activities = $10, founded_on = $11, members = $12, public_contact = $13, private_sealed = $14, website = $15, fee = $16,
       published = $17::text[], duplicate_key = $18, search_text = $19, search_grams = $20::text[], updated_at = $21
     where tenant_id = $1 and id = $2`,
    [
      tenantId, id, p.name, p.nameKana, p.legalForm, p.representative, p.fields, p.area, p.purpose, p.activities, p.foundedOn, p.members,
      p.publicContact, p.privateSealed, p.website, p.fee, [...p.published], p.duplicateKey, p.search.text, p.search.grams, now,
    ],
  );
}

/** The state columns an action may change. */
export interface StatePatch {
  status?: Status;
  number?: string;
  registeredOn?: string;
  validUntil?: string;
  returnMessage?: string | null;
  refusalReason?: string | null;
  deregisteredOn?: string;
  lapsedOn?: string | null;
  pendingChange?: Record<string, unknown> | null;
  renewalRequestedOn?: string | null;
  remindedFor?: string | null;
}

const PATCH_COLUMNS: Record<keyof StatePatch, string> = {
  status: 'status',
  number: 'number',
  registeredOn: 'registered_on',
  validUntil: 'valid_until',
  returnMessage: 'return_message',
  refusalReason: 'refusal_reason',
  deregisteredOn: 'deregistered_on',
  lapsedOn: 'lapsed_on',
  pendingChange: 'pending_change',
  renewalRequestedOn: 'renewal_requested_on',
  remindedFor: 'reminded_for',
};

export async function patchState(tx: Sql, tenantId: string, id: string, patch: StatePatch, now: Date): Promise<Registration> {
  const sets: string[] = [];
  const params: unknown[] = [tenantId, id, now];
  for (const [key, value] of Object.entries(patch) as [keyof StatePatch, unknown][]) {
    params.push(key === 'pendingChange' && value !== null ? JSON.stringify(value) : value);
    sets.push(`${PATCH_COLUMNS[key]} = $${params.length}${key === 'pendingChange' ? '::jsonb' : ''}`);
  }
  const row = await tx.one<Row>(`update group_registrations set ${[...sets, 'updated_at = $3'].join(', ')} where tenant_id = $1 and id = $2 returning *`, params);
  return fromRow(row);
}

/** Locks the row for a change; false when there is none. */
export async function lockById(tx: Sql, tenantId: string, id: string): Promise<Registration | undefined> {
  const row = await tx.maybeOne<Row>('select * from group_registrations where tenant_id = $1 and id = $2 for update', [tenantId, id]);
  return row && fromRow(row);
}

export async function findById(sql: Sql, tenantId: string, id: string): Promise<Registration | undefined> {
  const row = await sql.maybeOne<Row>('select * from group_registrations where tenant_id = $1 and id = $2', [tenantId, id]);
  return row && fromRow(row);
}

export async function findByNumber(sql: Sql, tenantId: string, number: string): Promise<Registration | undefined> {
  const row = await sql.maybeOne<Row>('select * from group_registrations where tenant_id = $1 and number = $2', [tenantId, number]);
  return row && fromRow(row);
}

/** The applicant's own registrations, newest first. */
export async function listByApplicant(sql: Sql, tenantId: string, applicantId: string): Promise<Registration[]> {
  const rows = await sql.query<Row>('select * from group_registrations where tenant_id = $1 and applicant_id = $2 order by created_at desc limit 100', [tenantId, applicantId]);
  return rows.map(fromRow);
}

/** The next registration number of a fiscal year (one atomic upsert). */
export async function allocateSeq(tx: Sql, tenantId: string, fiscalYear: number): Promise<number> {
  const row = await tx.one<{ last_number: number }>(
    `insert into group_counters (tenant_id, fiscal_year, last_number) values ($1, $2, 1)
     on conflict (tenant_id, fiscal_year) do update set last_number = group_counters.last_number + 1
     returning last_number`,
    [tenantId, fiscalYear],
  );
  return Number(row.last_number);
}

export async function numberTaken(sql: Sql, tenantId: string, number: string): Promise<boolean> {
  return (await sql.query('select 1 from group_registrations where tenant_id = $1 and number = $2', [tenantId, number])).length > 0;
}

/** A live (under review or registered) registration with the same duplicate key. */
export async function findLiveDuplicate(sql: Sql, tenantId: string, key: string, exceptId?: string): Promise<Registration | undefined> {
  const row = await sql.maybeOne<Row>(
    `select * from group_registrations where tenant_id = $1 and duplicate_key = $2 and status in ('applied', 'returned', 'registered') and id <> coalesce($3::uuid, '00000000-0000-0000-0000-000000000000'::uuid)`,
    [tenantId, key, exceptId ?? null],
  );
  return row && fromRow(row);
}

// ---------------------------------------------------------------------------------------------
// Terms

export async function insertTerm(tx: Sql, tenantId: string, groupId: string, startsOn: string, endsOn: string): Promise<void> {
  await tx.query('insert into group_terms (tenant_id, group_id, starts_on, ends_on) values ($1, $2, $3, $4)', [tenantId, groupId, startsOn, endsOn]);
}

/** Ends every term of the group by the day before `on` (a deregistration). */
export async function cutTerms(tx: Sql, tenantId: string, groupId: string, on: string): Promise<void> {
  await tx.query(
    `update group_terms set ends_on = greatest(starts_on - 1, least(ends_on, $3::date - 1))
      where tenant_id = $1 and group_id = $2 and ends_on >= $3::date`,
    [tenantId, groupId, on],
  );
}

export interface TermRow {
  groupId: string;
  startsOn: string;
  endsOn: string;
  isDemo: boolean;
}

/** Every non-empty term of the tenant (the metric counts them). */
export async function allTerms(sql: Sql, tenantId: string): Promise<TermRow[]> {
  const rows = await sql.query<{ group_id: string; starts_on: string; ends_on: string; is_demo: boolean }>(
    `select t.group_id, t.starts_on, t.ends_on, g.is_demo from group_terms t
       join group_registrations g on g.tenant_id = t.tenant_id and g.id = t.group_id
      where t.tenant_id = $1 and t.ends_on >= t.starts_on`,
    [tenantId],
  );
  return rows.map((r) => ({ groupId: r.group_id, startsOn: r.starts_on, endsOn: r.ends_on, isDemo: r.is_demo }));
}

export async function termsOf(sql: Sql, tenantId: string, groupId: string): Promise<{ startsOn: string; endsOn: string }[]> {
  const rows = await sql.query<{ starts_on: string; ends_on: string }>(
    'select starts_on, ends_on from group_terms where tenant_id = $1 and group_id = $2 order by starts_on',
    [tenantId, groupId],
  );
  return rows.map((r) => ({ startsOn: r.starts_on, endsOn: r.ends_on }));
}

// ---------------------------------------------------------------------------------------------
// The public directory

export interface DirectoryFilter {
  status: 'active' | 'lapsed';
  asOf: string;
  field?: number | undefined;
  area?: string | undefined;
  terms?: { words: string[]; grams: string[] } | null;
  limit: number;
  offset: number;
}

const ACTIVE_ON = (p: string) =>
  `exists (select 1 from group_terms t where t.tenant_id = g.tenant_id and t.group_id = g.id and t.starts_on <= ${p}::date and t.ends_on >= ${p}::date)`;

/** Registered groups active (or lapsed) on a day, by kana, with the total. */
export async function listDirectory(sql: Sql, tenantId: string, f: DirectoryFilter): Promise<{ total: number; items: Registration[] }> {
  const params: unknown[] = [tenantId, f.asOf];
  const where = [`g.tenant_id = $1`, `g.number is not null`];
  if (f.status === 'active') where.push(ACTIVE_ON('$2'));
  else where.push(`not ${ACTIVE_ON('$2')}`, `g.registered_on <= $2::date`);
  if (f.field !== undefined) {
    params.push(f.field);
    where.push(`$${params.length}::smallint = any(g.fields)`);
  }
  if (f.area) {
    params.push(f.area);
    where.push(`g.area = $${params.length}`);
  }
  if (f.terms) where.push(searchCondition(f.terms, params, 'g'));
  const condition = where.join(' and ');
  const total = await sql.one<{ n: number }>(`select count(*) as n from group_registrations g where ${condition}`, params);
  params.push(f.limit, f.offset);
  const rows = await sql.query<Row>(
    `select g.* from group_registrations g where ${condition} order by g.name_kana, g.number limit $${params.length - 1} offset $${params.length}`,
    params,
  );
  return { total: Number(total.n), items: rows.map(fromRow) };
}

/** The areas of the registered groups (the directory's filter). */
export async function directoryAreas(sql: Sql, tenantId: string): Promise<string[]> {
  const rows = await sql.query<{ area: string }>(
    `select distinct area from group_registrations where tenant_id = $1 and status = 'registered' order by area limit 200`,
    [tenantId],
  );
  return rows.map((r) => r.area);
}

/** Staff: registrations by state and text. */
export async function listForStaff(
  sql: Sql,
  tenantId: string,
  f: { status?: Status | undefined; terms?: { words: string[]; grams: string[] } | null; limit: number; offset: number },
): Promise<{ total: number; items: Registration[] }> {
  const params: unknown[] = [tenantId];
  const where = ['g.tenant_id = $1'];
  if (f.status) {
    params.push(f.status);
    where.push(`g.status = $${params.length}`);
  }
  if (f.terms) where.push(searchCondition(f.terms, params, 'g'));
  const condition = where.join(' and ');
  const total = await sql.one<{ n: number }>(`select count(*) as n from group_registrations g where ${condition}`, params);
  params.push(f.limit, f.offset);
  const rows = await sql.query<Row>(
    `select g.* from group_registrations g where ${condition}
      order by (g.status = 'applied' or g.pending_change is not null or g.renewal_requested_on is not null) desc, g.updated_at desc
      limit $${params.length - 1} offset $${params.length}`,
    params,
  );
  return { total: Number(total.n), items: rows.map(fromRow) };
}

/** Counts for the staff's work list. */
export async function workCounts(sql: Sql, tenantId: string, today: string, windowDays: number): Promise<{ applied: number; changes: number; renewals: number; expiring: number }> {
  const row = await sql.one<{ applied: number; changes: number; renewals: number; expiring: number }>(
    `select count(*) filter (where status = 'applied') as applied,
            count(*) filter (where pending_change is not null and status in ('registered', 'lapsed')) as changes,
            count(*) filter (where renewal_requested_on is not null and status in ('registered', 'lapsed')) as renewals,
            count(*) filter (where status = 'registered' and valid_until <= $2::date + $3::integer) as expiring
       from group_registrations where tenant_id = $1`,
    [tenantId, today, windowDays],
  );
  return { applied: Number(row.applied), changes: Number(row.changes), renewals: Number(row.renewals), expiring: Number(row.expiring) };
}

/** Registered groups whose term has ended before today (the lapse job). */
export async function lapsedBefore(sql: Sql, tenantId: string, today: string): Promise<string[]> {
  const rows = await sql.query<{ id: string }>(`select id from group_registrations where tenant_id = $1 and status = 'registered' and valid_until < $2::date`, [tenantId, today]);
  return rows.map((r) => r.id);
}

/** Registered groups due a renewal reminder today that have not had one for this term. */
export async function dueReminders(sql: Sql, tenantId: string, today: string, windowDays: number): Promise<string[]> {
  const rows = await sql.query<{ id: string }>(
    `select id from group_registrations where tenant_id = $1 and status = 'registered'
       and valid_until - $3::integer <= $2::date and valid_until >= $2::date
       and (reminded_for is null or reminded_for <> valid_until) and renewal_requested_on is null`,
    [tenantId, today, windowDays],
  );
  return rows.map((r) => r.id);
}

/** Tenants holding registered groups (the daily job visits them). */
export async function tenantsWithGroups(sql: Sql): Promise<string[]> {
  const rows = await sql.query<{ tenant_id: string }>(`select distinct tenant_id from group_registrations where status = 'registered'`);
  return rows.map((r) => r.tenant_id);
}

export async function hasDemoGroups(sql: Sql, tenantId: string): Promise<boolean> {
  return (await sql.query('select 1 from group_registrations where tenant_id = $1 and is_demo limit 1', [tenantId])).length > 0;
}

// ---------------------------------------------------------------------------------------------
// History and documents

export interface GroupEvent {
  kind: string;
  at: Date;
  onDate: string;
  actorId: string | null;
  note: string | null;
  details: Record<string, unknown>;
}

export async function insertEvent(
  tx: Sql,
  tenantId: string,
  groupId: string,
  e: { kind: string; at: Date; onDate: string; actorId?: string | null; note?: string | null; details?: Record<string, unknown> },
): Promise<void> {
  await tx.query(
    'insert into group_events (tenant_id, group_id, kind, at, on_date, actor_id, note, details) values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)',
    [tenantId, groupId, e.kind, e.at, e.onDate, e.actorId ?? null, e.note ?? null, JSON.stringify(e.details ?? {})],
  );
}

export async function eventsOf(sql: Sql, tenantId: string, groupId: string): Promise<GroupEvent[]> {
  const rows = await sql.query<{ kind: string; at: Date; on_date: string; actor_id: string | null; note: string | null; details: Record<string, unknown> | string }>(
    'select kind, at, on_date, actor_id, note, details from group_events where tenant_id = $1 and group_id = $2 order by seq',
    [tenantId, groupId],
  );
  return rows.map((r) => ({
    kind: r.kind,
    at: new Date(r.at),
    onDate: r.on_date,
    actorId: r.actor_id,
    note: r.note,
    details: typeof r.details === 'string' ? (JSON.parse(r.details) as Record<string, unknown>) : r.details,
  }));
}

export async function insertDocument(tx: Sql, tenantId: string, groupId: string, fileId: string, kind: string): Promise<void> {
  await tx.query('insert into group_documents (tenant_id, group_id, file_id, kind) values ($1, $2, $3, $4)', [tenantId, groupId, fileId, kind]);
}

export async function documentsOf(sql: Sql, tenantId: string, groupId: string): Promise<{ fileId: string; kind: string; filename: string; byteSize: number }[]> {
  const rows = await sql.query<{ file_id: string; kind: string; filename: string; byte_size: number }>(
    `select d.file_id, d.kind, f.filename, f.byte_size from group_documents d
       join stored_files f on f.tenant_id = d.tenant_id and f.id = d.file_id
      where d.tenant_id = $1 and d.group_id = $2 order by d.added_at`,
    [tenantId, groupId],
  );
  return rows.map((r) => ({ fileId: r.file_id, kind: r.kind, filename: r.filename, byteSize: Number(r.byte_size) }));
}

export async function documentGroup(sql: Sql, tenantId: string, fileId: string): Promise<string | undefined> {
  const row = await sql.maybeOne<{ group_id: string }>('select group_id from group_documents where tenant_id = $1 and file_id = $2', [tenantId, fileId]);
  return row?.group_id;
}
