/**
 * The SQL of saved drafts (procedure_drafts). Every query names the tenant and the user except
 * the expiry sweep, which works across municipalities.
 */
import type { Sql } from '../../core/db/database.ts';

export interface DraftRow {
  id: string;
  procedureId: string;
  procedureCode: string;
  procedureTitle: string;
  payloadSealed: string;
  keyId: string;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
}

const SELECT = `select d.id, d.procedure_id as "procedureId", p.code as "procedureCode", p.title as "procedureTitle",
  d.payload_sealed as "payloadSealed", d.key_id as "keyId", d.created_at as "createdAt", d.updated_at as "updatedAt", d.expires_at as "expiresAt"
  from procedure_drafts d join procedures p on p.tenant_id = d.tenant_id and p.id = d.procedure_id`;

/** Saves a form's draft (a second save of the same form updates it); its id. */
export async function upsertDraft(
  sql: Sql,
  tenantId: string,
  d: { procedureId: string; userId: string; formKeyHash: string; payloadSealed: string; keyId: string; now: Date; expiresAt: Date },
): Promise<string> {
  const row = await sql.one<{ id: string }>(
    `insert into procedure_drafts (tenant_id, procedure_id, user_id, form_key_hash, payload_sealed, key_id, created_at, updated_at, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7, $7, $8)
     on conflict (tenant_id, user_id, form_key_hash) do update
       set payload_sealed = excluded.payload_sealed, key_id = excluded.key_id, updated_at = excluded.updated_at, expires_at = excluded.expires_at
     returning id`,
    [tenantId, d.procedureId, d.userId, d.formKeyHash, d.payloadSealed, d.keyId, d.now, d.expiresAt],
  );
  return row.id;
}

/** The user's drafts that have not expired, newest first. */
export function draftsOf(sql: Sql, tenantId: string, userId: string, now: Date): Promise<DraftRow[]> {
  return sql.query<DraftRow>(`${SELECT} where d.tenant_id = $1 and d.user_id = $2 and d.expires_at > $3 order by d.updated_at desc limit 100`, [tenantId, userId, now]);
}

/** One of the user's drafts (not expired). */
export function findDraft(sql: Sql, tenantId: string, userId: string, id: string, now: Date): Promise<DraftRow | undefined> {
  return sql.maybeOne<DraftRow>(`${SELECT} where d.tenant_id = $1 and d.user_id = $2 and d.id = $3 and d.expires_at > $4`, [tenantId, userId, id, now]);
}

/** Deletes one of the user's drafts; its form key hash, or null when there was none. */
export async function deleteDraft(sql: Sql, tenantId: string, userId: string, id: string): Promise<string | null> {
  const row = await sql.maybeOne<{ formKeyHash: string }>('delete from procedure_drafts where tenant_id = $1 and user_id = $2 and id = $3 returning form_key_hash as "formKeyHash"', [tenantId, userId, id]);
  return row?.formKeyHash ?? null;
}

/** Deletes the draft of a form once it is submitted. */
export async function deleteDraftOfForm(sql: Sql, tenantId: string, userId: string, formKeyHash: string): Promise<void> {
  await sql.query('delete from procedure_drafts where tenant_id = $1 and user_id = $2 and form_key_hash = $3', [tenantId, userId, formKeyHash]);
}

/** Deletes expired drafts; returns how many. */
export async function deleteExpiredDrafts(sql: Sql, now: Date, limit: number): Promise<number> {
  const rows = await sql.query<{ id: string }>(
    'delete from procedure_drafts where (tenant_id, id) in (select tenant_id, id from procedure_drafts where expires_at <= $1 limit $2) returning id',
    [now, limit],
  );
  return rows.length;
}

/** Drafts sealed under another key than the current one (the rotation job). */
export function draftsUnderOtherKeys(sql: Sql, keyId: string, limit: number) {
  return sql.query<{ tenantId: string; id: string; payloadSealed: string; keyId: string }>(
    'select tenant_id as "tenantId", id, payload_sealed as "payloadSealed", key_id as "keyId" from procedure_drafts where key_id <> $1 limit $2',
    [keyId, limit],
  );
}

export async function resealDraft(tx: Sql, tenantId: string, id: string, oldKeyId: string, sealed: string, keyId: string): Promise<void> {
  await tx.query('update procedure_drafts set payload_sealed = $4, key_id = $5 where tenant_id = $1 and id = $2 and key_id = $3', [tenantId, id, oldKeyId, sealed, keyId]);
}
