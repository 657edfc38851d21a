/**
 * The procedures module's SQL. Every query names the tenant; rows come back as domain objects
 * (camelCase aliases). The service opens the transactions and hands them down.
 */
import { auditDetails } from '../../core/audit.ts';
import type { Sql } from '../../core/db/database.ts';
import type { FieldDef } from './procedures.fields.ts';
import type { Status } from './procedures.workflow.ts';
import { timeOrderedUuid } from './procedures.secrets.ts';

export interface Procedure {
  id: string;
  code: string;
  title: string;
  description: string;
  eligibility: string;
  departmentCode: string;
  identity: 'none' | 'account';
  retentionYears: number;
  publishedVersion: number | null;
  /** The newest version (a draft, or the published one). */
  latestVersion: number;
  latestState: 'draft' | 'published' | 'retired';
  isDemo: boolean;
  createdAt: Date;
}

export interface FormVersion {
  procedureId: string;
  version: number;
  state: 'draft' | 'published' | 'retired';
  fields: FieldDef[];
  publishedAt: Date | null;
}

export interface Application {
  id: string;
  seq: number;
  receiptNumber: string;
  procedureId: string;
  procedureCode: string;
  procedureTitle: string;
  version: number;
  departmentCode: string;
  status: Status;
  applicantId: string | null;
  answersSealed: string | null;
  keyId: string | null;
  passwordHash: string | null;
  requestHash: string | null;
  bundleId: string | null;
  bundleReceipt: string | null;
  assigneeId: string | null;
  reopenedFields: string[];
  receivedAt: Date;
  fiscalYear: number;
  purgeAfter: string;
  purgedAt: Date | null;
  isDemo: boolean;
}

export interface ApplicationEvent {
  id: number;
  at: Date;
  kind: 'status' | 'message' | 'assigned' | 'corrected';
  fromStatus: Status | null;
  toStatus: Status | null;
  messageSealed: string | null;
  keyId: string | null;
  actorId: string | null;
}

const PROCEDURE_COLUMNS = `p.id, p.code, p.title, p.description, p.eligibility, p.department_code as "departmentCode", p.identity,
  p.retention_years as "retentionYears", p.published_version as "publishedVersion", p.is_demo as "isDemo", p.created_at as "createdAt",
  (select max(v.version) from procedure_versions v where v.tenant_id = p.tenant_id and v.procedure_id = p.id)::int as "latestVersion",
  (select v.state from procedure_versions v where v.tenant_id = p.tenant_id and v.procedure_id = p.id order by v.version desc limit 1) as "latestState"`;

const APPLICATION_COLUMNS = `a.id, a.seq, a.receipt_number as "receiptNumber", a.procedure_id as "procedureId", p.code as "procedureCode",
  p.title as "procedureTitle", a.version, a.department_code as "departmentCode", a.status, a.applicant_id as "applicantId",
  a.answers_sealed as "answersSealed", a.key_id as "keyId", a.password_hash as "passwordHash", a.request_hash as "requestHash",
  a.bundle_id as "bundleId", a.bundle_receipt as "bundleReceipt", a.assignee_id as "assigneeId",
  a.reopened_fields as "reopenedFields", a.received_at as "receivedAt", a.fiscal_year as "fiscalYear", a.purge_after as "purgeAfter",
  a.purged_at as "purgedAt", a.is_demo as "isDemo"`;

// ---------------------------------------------------------------------------------------------
// Catalogue

export async function insertProcedure(
  tx: Sql,
  tenantId: string,
  p: { code: string; title: string; description: string; eligibility: string; departmentCode: string; identity: string; retentionYears: number; isDemo: boolean; now: Date },
): Promise<string | null> {
  const row = await tx.maybeOne<{ id: string }>(
    `insert into procedures (tenant_id, code, title, description, eligibility, department_code, identity, retention_years, is_demo, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) on conflict (tenant_id, code) do nothing returning id`,
    [tenantId, p.code, p.title, p.description, p.eligibility, p.departmentCode, p.identity, p.retentionYears, p.isDemo, p.now],
  );
  if (row) await tx.query('insert into procedure_count_marks (tenant_id) values ($1) on conflict do nothing', [tenantId]);
  return row?.id ?? null;
}

export function findProcedure(sql: Sql, tenantId: string, code: string): Promise<Procedure | undefined> {
  return sql.maybeOne<Procedure>(`select ${PROCEDURE_COLUMNS} from procedures p where p.tenant_id = $1 and p.code = $2`, [tenantId, code]);
}

export function findProcedureById(sql: Sql, tenantId: string, id: string): Promise<Procedure | undefined> {
  return sql.maybeOne<Procedure>(`select ${PROCEDURE_COLUMNS} from procedures p where p.tenant_id = $1 and p.id = $2`, [tenantId, id]);
}

/** Locks the procedure's row (form changes and publication one at a time). */
export async function lockProcedure(tx: Sql, tenantId: string, code: string): Promise<Procedure | undefined> {
  const row = await tx.maybeOne<{ id: string }>('select id from procedures where tenant_id = $1 and code = $2 for update', [tenantId, code]);
  return row ? findProcedure(tx, tenantId, code) : undefined;
}

/** Every procedure, or only the published ones. */
export function listProcedures(sql: Sql, tenantId: string, options: { publishedOnly: boolean; department?: string }): Promise<Procedure[]> {
  return sql.query<Procedure>(
    `select ${PROCEDURE_COLUMNS} from procedures p where p.tenant_id = $1
        and ($2::boolean = false or p.published_version is not null) and ($3::text is null or p.department_code = $3)
      order by p.department_code, p.code`,
    [tenantId, options.publishedOnly, options.department ?? null],
  );
}

export async function insertVersion(tx: Sql, tenantId: string, procedureId: string, version: number, fields: readonly FieldDef[], now: Date): Promise<void> {
  await tx.query(
    `insert into procedure_versions (tenant_id, procedure_id, version, state, fields, created_at) values ($1, $2, $3, 'draft', $4::jsonb, $5)`,
    [tenantId, procedureId, version, JSON.stringify(fields), now],
  );
}

export async function updateDraftFields(tx: Sql, tenantId: string, procedureId: string, version: number, fields: readonly FieldDef[]): Promise<void> {
  await tx.query(`update procedure_versions set fields = $4::jsonb where tenant_id = $1 and procedure_id = $2 and version = $3 and state = 'draft'`, [
    tenantId,
    procedureId,
    version,
    JSON.stringify(fields),
  ]);
}

export function findVersion(sql: Sql, tenantId: string, procedureId: string, version: number): Promise<FormVersion | undefined> {
  return sql.maybeOne<FormVersion>(
    `select procedure_id as "procedureId", version, state, fields, published_at as "publishedAt"
       from procedure_versions where tenant_id = $1 and procedure_id = $2 and version = $3`,
    [tenantId, procedureId, version],
  );
}

/** Publishes the draft version: the one before it is retired (applications keep pointing at it). */
export async function publishVersion(tx: Sql, tenantId: string, procedureId: string, version: number, now: Date): Promise<void> {
  await tx.query(`update procedure_versions set state = 'retired' where tenant_id = $1 and procedure_id = $2 and state = 'published'`, [tenantId, procedureId]);
  await tx.query(`update procedure_versions set state = 'published', published_at = $4 where tenant_id = $1 and procedure_id = $2 and version = $3`, [
    tenantId,
    procedureId,
    version,
    now,
  ]);
  await tx.query('update procedures set published_version = $3, updated_at = $4 where tenant_id = $1 and id = $2', [tenantId, procedureId, version, now]);
}

// ---------------------------------------------------------------------------------------------
// Applications

export interface NewApplication {
  procedureId: string;
  version: number;
  departmentCode: string;
  applicantId: string | null;
  answersSealed: string;
  keyId: string;
  passwordHash: string;
  idempotencyKeyHash: string | null;
  requestHash: string;
  bundleId: string | null;
  bundleReceipt: string | null;
  receivedAt: Date;
  fiscalYear: number;
  purgeAfter: string;
  isDemo: boolean;
  /** The audit entry written with it. */
  audit: { actorId: string | null; actorLabel: string; details: Record<string, unknown> };
}

/** One application through insertApplications() (a lone caller, or inside a transaction). */
export async function insertApplication(sql: Sql, tenantId: string, a: NewApplication): Promise<{ id: string; receiptNumber: string } | null> {
  return (await insertApplications(sql, [{ tenantId, application: a }]))[0]!;
}

/**
 * Receives applications in one statement, each row with its audit entry (atomic: a single
 * statement commits or fails whole, so no transaction round trips are needed on the hot path;
 * several at once under group commit, core/db/batch.ts). Each row is checked against its
 * procedure's published version and numbered in the given order. Answers one result per
 * application, in order: null where nothing was written (an Idempotency-Key seen before, also
 * within the batch, or a version that is no longer the published one: the caller's cached form
 * is stale). The audit insert is the one core's appendAudit() makes, folded into this statement.
 */
export async function insertApplications(sql: Sql, rows: readonly { tenantId: string; application: NewApplication }[]): Promise<({ id: string; receiptNumber: string } | null)[]> {
  const ids = rows.map((r) => timeOrderedUuid(r.application.receivedAt));
  const column = <T>(f: (a: NewApplication, tenantId: string) => T) => rows.map((r) => f(r.application, r.tenantId));
  const written = await sql.queryNamed<{ id: string; receiptNumber: string }>(
    'procedures.insertApplications',
    `with r as (
       select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::text[], $6::uuid[], $7::text[], $8::text[], $9::text[], $10::text[],
                            $11::text[], $12::uuid[], $13::text[], $14::timestamptz[], $15::timestamptz[], $16::int[], $17::date[], $18::boolean[],
                            $19::uuid[], $20::text[], $21::text[])
         with ordinality as r(tenant_id, id, procedure_id, version, department_code, applicant_id, answers_sealed, key_id, password_hash,
                              idempotency_key_hash, request_hash, bundle_id, bundle_receipt, received_at, audit_at, fiscal_year, purge_after,
                              is_demo, actor_id, actor_label, details, n)
     ),
     s as (
       select r.*, nextval('procedure_receipt_seq') as seq from r
         join procedures p on p.tenant_id = r.tenant_id and p.id = r.procedure_id and p.published_version = r.version
        order by r.n
     ),
     app as (
       insert into procedure_applications (tenant_id, id, seq, receipt_number, procedure_id, version, department_code, status, applicant_id,
         answers_sealed, key_id, password_hash, idempotency_key_hash, request_hash, bundle_id, bundle_receipt,
         received_at, fiscal_year, purge_after, is_demo, updated_at)
       select tenant_id, id, seq, fiscal_year || '-' || lpad(seq::text, 8, '0'), procedure_id, version, department_code, 'waiting', applicant_id,
              answers_sealed, key_id, password_hash, idempotency_key_hash, request_hash, bundle_id, bundle_receipt,
              received_at, fiscal_year, purge_after, is_demo, received_at from s
        order by n
       on conflict (tenant_id, procedure_id, idempotency_key_hash) where idempotency_key_hash is not null do nothing
       returning tenant_id, id, receipt_number
     ),
     audit as (
       insert into audit_log (tenant_id, at, actor_id, actor_label, action, entity_type, entity_id, details)
       select app.tenant_id, s.audit_at, s.actor_id, s.actor_label, 'procedure.apply', 'procedure_application', app.receipt_number, s.details::jsonb
         from app join s on s.tenant_id = app.tenant_id and s.id = app.id
        order by s.n
     )
     select id, receipt_number as "receiptNumber" from app`,
    [
      column((_, t) => t),
      ids,
      column((a) => a.procedureId),
      column((a) => a.version),
      column((a) => a.departmentCode),
      column((a) => a.applicantId),
      column((a) => a.answersSealed),
      column((a) => a.keyId),
      column((a) => a.passwordHash),
      column((a) => a.idempotencyKeyHash),
      column((a) => a.requestHash),
      column((a) => a.bundleId),
      column((a) => a.bundleReceipt),
      column((a) => a.receivedAt.toISOString()),
      // Millisecond precision, as appendAudit stores it (the hash chain covers it).
      column((a) => new Date(Math.floor(a.receivedAt.getTime())).toISOString()),
      column((a) => a.fiscalYear),
      column((a) => a.purgeAfter),
      column((a) => a.isDemo),
      column((a) => a.audit.actorId),
      column((a) => a.audit.actorLabel),
      column((a) => auditDetails(a.audit.details)),
    ],
  );
  const byId = new Map(written.map((w) => [w.id, w]));
  return ids.map((id) => byId.get(id) ?? null);
}

export function findByIdempotencyKey(sql: Sql, tenantId: string, procedureId: string, keyHash: string): Promise<Application | undefined> {
  return sql.maybeOne<Application>(
    `select ${APPLICATION_COLUMNS} from procedure_applications a join procedures p on p.tenant_id = a.tenant_id and p.id = a.procedure_id
      where a.tenant_id = $1 and a.procedure_id = $2 and a.idempotency_key_hash = $3`,
    [tenantId, procedureId, keyHash],
  );
}

export function findApplication(sql: Sql, tenantId: string, receiptNumber: string, options: { lock?: boolean } = {}): Promise<Application | undefined> {
  return sql.maybeOne<Application>(
    `select ${APPLICATION_COLUMNS} from procedure_applications a join procedures p on p.tenant_id = a.tenant_id and p.id = a.procedure_id
      where a.tenant_id = $1 and a.receipt_number = $2 ${options.lock ? 'for update of a' : ''}`,
    [tenantId, receiptNumber],
  );
}

export function applicationsOfBundle(sql: Sql, tenantId: string, bundleReceipt: string): Promise<Application[]> {
  return sql.query<Application>(
    `select ${APPLICATION_COLUMNS} from procedure_applications a join procedures p on p.tenant_id = a.tenant_id and p.id = a.procedure_id
      where a.tenant_id = $1 and a.bundle_receipt = $2 order by a.seq`,
    [tenantId, bundleReceipt],
  );
}

export interface InboxFilter {
  department: string;
  status?: Status | undefined;
  procedure?: string | undefined;
  assignee?: string | undefined;
  limit: number;
  offset: number;
}

/** A department's applications (newest first), without their personal data. */
export async function inbox(sql: Sql, tenantId: string, f: InboxFilter): Promise<{ total: number; items: Application[] }> {
  const where = `a.tenant_id = $1 and a.department_code = $2 and ($3::text is null or a.status = $3)
     and ($4::text is null or p.code = $4) and ($5::uuid is null or a.assignee_id = $5)`;
  const params = [tenantId, f.department, f.status ?? null, f.procedure ?? null, f.assignee ?? null];
  const total = await sql.one<{ n: number }>(
    `select count(*)::int as n from procedure_applications a join procedures p on p.tenant_id = a.tenant_id and p.id = a.procedure_id where ${where}`,
    params,
  );
  const items = await sql.query<Application>(
    `select ${APPLICATION_COLUMNS} from procedure_applications a join procedures p on p.tenant_id = a.tenant_id and p.id = a.procedure_id
      where ${where} order by a.seq desc limit $6 offset $7`,
    [...params, f.limit, f.offset],
  );
  return { total: total.n, items };
}

/** The signed-in applicant's own applications. */
export function applicationsOf(sql: Sql, tenantId: string, userId: string): Promise<Application[]> {
  return sql.query<Application>(
    `select ${APPLICATION_COLUMNS} from procedure_applications a join procedures p on p.tenant_id = a.tenant_id and p.id = a.procedure_id
      where a.tenant_id = $1 and a.applicant_id = $2 order by a.seq desc limit 500`,
    [tenantId, userId],
  );
}

export async function updateApplication(
  tx: Sql,
  tenantId: string,
  id: string,
  patch: { status?: Status; reopenedFields?: string[]; assigneeId?: string | null; answersSealed?: string; keyId?: string },
  now: Date,
): Promise<void> {
  await tx.query(
    `update procedure_applications set
        status = coalesce($3, status),
        reopened_fields = coalesce($4, reopened_fields),
        assignee_id = case when $5::boolean then $6::uuid else assignee_id end,
        answers_sealed = coalesce($7, answers_sealed),
        key_id = coalesce($8, key_id),
        updated_at = $9
      where tenant_id = $1 and id = $2`,
    [tenantId, id, patch.status ?? null, patch.reopenedFields ?? null, patch.assigneeId !== undefined, patch.assigneeId ?? null, patch.answersSealed ?? null, patch.keyId ?? null, now],
  );
}

export async function insertEvent(
  tx: Sql,
  tenantId: string,
  applicationId: string,
  e: { at: Date; kind: ApplicationEvent['kind']; fromStatus?: Status | null; toStatus?: Status | null; message?: { sealed: string; keyId: string } | null; actorId: string | null },
): Promise<void> {
  await tx.query(
    `insert into procedure_events (tenant_id, application_id, at, kind, from_status, to_status, message_sealed, key_id, actor_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [tenantId, applicationId, e.at, e.kind, e.fromStatus ?? null, e.toStatus ?? null, e.message?.sealed ?? null, e.message?.keyId ?? null, e.actorId],
  );
}

export function eventsOf(sql: Sql, tenantId: string, applicationId: string): Promise<ApplicationEvent[]> {
  return sql.query<ApplicationEvent>(
    `select id, at, kind, from_status as "fromStatus", to_status as "toStatus", message_sealed as "messageSealed", key_id as "keyId", actor_id as "actorId"
       from procedure_events where tenant_id = $1 and application_id = $2 order by id`,
    [tenantId, applicationId],
  );
}

// ---------------------------------------------------------------------------------------------
// Statistics and the metric

export interface StatisticsRow {
  procedureId: string;
  code: string;
  title: string;
  departmentCode: string;
  online: number;
  counter: number;
  demo: boolean;
}

/** Per published procedure in a fiscal year: online applications and counter uses (zero rows included). */
export function statistics(sql: Sql, tenantId: string, fiscalYear: number): Promise<StatisticsRow[]> {
  return sql.query<StatisticsRow>(
    `select p.id as "procedureId", p.code, p.title, p.department_code as "departmentCode",
            coalesce(o.n, 0)::int as online, coalesce(c.count, 0)::int as counter, (p.is_demo or coalesce(o.demo, false)) as demo
       from procedures p
       left join (select procedure_id, count(*) as n, bool_or(is_demo) as demo from procedure_applications
                   where tenant_id = $1 and fiscal_year = $2 group by procedure_id) o on o.procedure_id = p.id
       left join procedure_counter_counts c on c.tenant_id = p.tenant_id and c.procedure_id = p.id and c.fiscal_year = $2
      where p.tenant_id = $1 and p.published_version is not null
      order by p.department_code, p.code`,
    [tenantId, fiscalYear],
  );
}

export async function setCounterCount(tx: Sql, tenantId: string, procedureId: string, fiscalYear: number, count: number, userId: string | null, now: Date): Promise<void> {
  await tx.query(
    `insert into procedure_counter_counts (tenant_id, procedure_id, fiscal_year, count, entered_by, updated_at) values ($1, $2, $3, $4, $5, $6)
     on conflict (tenant_id, procedure_id, fiscal_year) do update set count = excluded.count, entered_by = excluded.entered_by, updated_at = excluded.updated_at`,
    [tenantId, procedureId, fiscalYear, count, userId, now],
  );
}

/** Online applications per fiscal year (the metric), in one query. */
export function onlinePerYear(sql: Sql, tenantId: string): Promise<{ fiscalYear: number; n: number; demo: boolean }[]> {
  return sql.query(
    `select fiscal_year as "fiscalYear", count(*)::int as n, bool_or(is_demo) as demo
       from procedure_applications where tenant_id = $1 group by fiscal_year order by fiscal_year`,
    [tenantId],
  );
}

/** Open applications per status of a department (work items). */
export function openCounts(sql: Sql, tenantId: string, department: string): Promise<{ status: Status; n: number }[]> {
  return sql.query(
    `select status, count(*)::int as n from procedure_applications
      where tenant_id = $1 and department_code = $2 and status in ('waiting', 'processing', 'returned') group by status`,
    [tenantId, department],
  );
}

// ---------------------------------------------------------------------------------------------
// Background work

/**
 * Municipalities whose newest receipt number is past their mark (the announce job): one probe
 * of the receipt index each (receipt numbers sort by fiscal year, then serial).
 */
export async function unannounced(sql: Sql): Promise<{ tenantId: string; top: string }[]> {
  return sql.query(
    `select m.tenant_id as "tenantId", x.top from procedure_count_marks m
       cross join lateral (select max(a.receipt_number) as top from procedure_applications a where a.tenant_id = m.tenant_id) x
      where x.top > m.last_receipt`,
  );
}

export async function markAnnounced(tx: Sql, tenantId: string, top: string): Promise<void> {
  await tx.query('update procedure_count_marks set last_receipt = greatest(last_receipt, $2) where tenant_id = $1', [tenantId, top]);
}

/** Deletes the personal data of applications past their retention (counts stay). */
export async function purgeExpired(tx: Sql, today: string, now: Date, limit: number): Promise<{ tenantId: string; id: string; receiptNumber: string }[]> {
  const rows = await tx.query<{ tenantId: string; id: string; receiptNumber: string }>(
    `update procedure_applications set answers_sealed = null, key_id = null, password_hash = null, applicant_id = null,
            request_hash = null, reopened_fields = '{}', purged_at = $2, updated_at = $2
      where (tenant_id, id) in (select tenant_id, id from procedure_applications where purged_at is null and purge_after < $1 limit $3)
      returning tenant_id as "tenantId", id, receipt_number as "receiptNumber"`,
    [today, now, limit],
  );
  for (const r of rows) {
    await tx.query('update procedure_events set message_sealed = null, key_id = null where tenant_id = $1 and application_id = $2', [r.tenantId, r.id]);
  }
  return rows;
}

/** Sealed values under another key than the current one (the rotation job). */
export function sealedUnderOtherKeys(sql: Sql, keyId: string, limit: number) {
  return sql.query<{ tenantId: string; id: string; answersSealed: string | null; keyId: string }>(
    `select tenant_id as "tenantId", id, answers_sealed as "answersSealed", key_id as "keyId"
       from procedure_applications where key_id is not null and key_id <> $1 limit $2`,
    [keyId, limit],
  );
}

export async function resealApplication(tx: Sql, tenantId: string, id: string, oldKeyId: string, v: { answersSealed: string | null; keyId: string }): Promise<void> {
  await tx.query(
    `update procedure_applications set answers_sealed = $4, key_id = $5 where tenant_id = $1 and id = $2 and key_id = $3`,
    [tenantId, id, oldKeyId, v.answersSealed, v.keyId],
  );
}

export function eventsUnderOtherKeys(sql: Sql, keyId: string, limit: number) {
  return sql.query<{ tenantId: string; id: number; messageSealed: string; keyId: string }>(
    `select tenant_id as "tenantId", id, message_sealed as "messageSealed", key_id as "keyId" from procedure_events
      where key_id is not null and key_id <> $1 limit $2`,
    [keyId, limit],
  );
}

export async function resealEvent(tx: Sql, tenantId: string, id: number, oldKeyId: string, sealed: string, keyId: string): Promise<void> {
  await tx.query('update procedure_events set message_sealed = $4, key_id = $5 where tenant_id = $1 and id = $2 and key_id = $3', [tenantId, id, oldKeyId, sealed, keyId]);
}

// ---------------------------------------------------------------------------------------------
// Bundles

export interface Bundle {
  id: string;
  code: string;
  title: string;
  description: string;
  procedureCodes: string[];
  isDemo: boolean;
}

export async function insertBundle(tx: Sql, tenantId: string, b: Omit<Bundle, 'id'>, now: Date): Promise<string | null> {
  const row = await tx.maybeOne<{ id: string }>(
    `insert into procedure_bundles (tenant_id, code, title, description, procedure_codes, is_demo, created_at) values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (tenant_id, code) do nothing returning id`,
    [tenantId, b.code, b.title, b.description, b.procedureCodes, b.isDemo, now],
  );
  return row?.id ?? null;
}

export function findBundle(sql: Sql, tenantId: string, code: string): Promise<Bundle | undefined> {
  return sql.maybeOne<Bundle>(
    `select id, code, title, description, procedure_codes as "procedureCodes", is_demo as "isDemo" from procedure_bundles where tenant_id = $1 and code = $2`,
    [tenantId, code],
  );
}

export function listBundles(sql: Sql, tenantId: string): Promise<Bundle[]> {
  return sql.query<Bundle>(
    `select id, code, title, description, procedure_codes as "procedureCodes", is_demo as "isDemo" from procedure_bundles where tenant_id = $1 order by code`,
    [tenantId],
  );
}
