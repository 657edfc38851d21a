/**
 * The SQL of attached files (procedure_attachments). Every query names the tenant except the
 * sweeps of the scheduled jobs, which work across municipalities.
 */
import type { Sql } from '../../core/db/database.ts';

/** An attachment without its content. */
export interface AttachmentRow {
  id: string;
  procedureId: string;
  fieldName: string;
  applicationId: string | null;
  filenameSealed: string;
  mediaType: string;
  byteSize: number;
  keyId: string;
}

const COLUMNS = `id, procedure_id as "procedureId", field_name as "fieldName", application_id as "applicationId",
  filename_sealed as "filenameSealed", media_type as "mediaType", byte_size as "byteSize", key_id as "keyId"`;

/**
 * Stores (or replaces) the pending upload of a form's field; null when the form was already
 * submitted (its files are linked to the application and stay as they were).
 */
export async function upsertPending(
  sql: Sql,
  tenantId: string,
  a: { procedureId: string; fieldName: string; formKeyHash: string; filenameSealed: string; mediaType: string; byteSize: number; contentSealed: Buffer; keyId: string; now: Date; expiresAt: Date },
): Promise<string | null> {
  const row = await sql.maybeOne<{ id: string }>(
    `insert into procedure_attachments (tenant_id, procedure_id, field_name, form_key_hash, filename_sealed, media_type, byte_size, content_sealed, key_id, created_at, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     on conflict (tenant_id, form_key_hash, procedure_id, field_name) do update
       set id = gen_random_uuid(), filename_sealed = excluded.filename_sealed, media_type = excluded.media_type, byte_size = excluded.byte_size,
           content_sealed = excluded.content_sealed, key_id = excluded.key_id, created_at = excluded.created_at, expires_at = excluded.expires_at
       where procedure_attachments.application_id is null
     returning id`,
    [tenantId, a.procedureId, a.fieldName, a.formKeyHash, a.filenameSealed, a.mediaType, a.byteSize, a.contentSealed, a.keyId, a.now, a.expiresAt],
  );
  return row?.id ?? null;
}

/** The files of a form (pending, or linked when the form was submitted). */
export function filesOfForm(sql: Sql, tenantId: string, procedureId: string, formKeyHash: string): Promise<AttachmentRow[]> {
  return sql.query<AttachmentRow>(`select ${COLUMNS} from procedure_attachments where tenant_id = $1 and procedure_id = $2 and form_key_hash = $3 order by field_name`, [
    tenantId,
    procedureId,
    formKeyHash,
  ]);
}

/** Links a form's pending uploads to the application it became; returns how many it linked (a file already linked is not taken again). */
export async function linkPending(tx: Sql, tenantId: string, procedureId: string, formKeyHash: string, applicationId: string, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await tx.query<{ id: string }>(
    `update procedure_attachments set application_id = $4, expires_at = null
      where tenant_id = $1 and procedure_id = $2 and form_key_hash = $3 and application_id is null and id = any($5::uuid[])
      returning id`,
    [tenantId, procedureId, formKeyHash, applicationId, ids],
  );
  return rows.length;
}

/** Keeps a form's pending uploads until `expiresAt` (a saved draft keeps them as long as itself). */
export async function extendPending(sql: Sql, tenantId: string, formKeyHash: string, expiresAt: Date): Promise<void> {
  await sql.query('update procedure_attachments set expires_at = $3 where tenant_id = $1 and form_key_hash = $2 and application_id is null', [tenantId, formKeyHash, expiresAt]);
}

/** Deletes a form's pending uploads (a discarded draft). */
export async function deletePending(sql: Sql, tenantId: string, formKeyHash: string): Promise<void> {
  await sql.query('delete from procedure_attachments where tenant_id = $1 and form_key_hash = $2 and application_id is null', [tenantId, formKeyHash]);
}

/** The attachments of an application, without content. */
export function filesOfApplication(sql: Sql, tenantId: string, applicationId: string): Promise<AttachmentRow[]> {
  return sql.query<AttachmentRow>(`select ${COLUMNS} from procedure_attachments where tenant_id = $1 and application_id = $2 order by field_name`, [tenantId, applicationId]);
}

/** One attachment of an application with its (sealed) content. */
export function findAttachment(sql: Sql, tenantId: string, applicationId: string, id: string): Promise<(AttachmentRow & { contentSealed: Uint8Array }) | undefined> {
  return sql.maybeOne<AttachmentRow & { contentSealed: Uint8Array }>(
    `select ${COLUMNS}, content_sealed as "contentSealed" from procedure_attachments where tenant_id = $1 and application_id = $2 and id = $3`,
    [tenantId, applicationId, id],
  );
}

/** Deletes the attachments of an application (its retention purge). */
export async function deleteOfApplication(tx: Sql, tenantId: string, applicationId: string): Promise<number> {
  const rows = await tx.query<{ id: string }>('delete from procedure_attachments where tenant_id = $1 and application_id = $2 returning id', [tenantId, applicationId]);
  return rows.length;
}

/** Deletes pending uploads past their expiry (forms never submitted); returns how many. */
export async function deleteExpiredPending(sql: Sql, now: Date, limit: number): Promise<number> {
  const rows = await sql.query<{ id: string }>(
    `delete from procedure_attachments where (tenant_id, id) in (select tenant_id, id from procedure_attachments where expires_at < $1 limit $2) returning id`,
    [now, limit],
  );
  return rows.length;
}

/** Attachments sealed under another key than the current one (the rotation job). */
export function attachmentsUnderOtherKeys(sql: Sql, keyId: string, limit: number) {
  return sql.query<{ tenantId: string; id: string; filenameSealed: string; contentSealed: Uint8Array; keyId: string }>(
    `select tenant_id as "tenantId", id, filename_sealed as "filenameSealed", content_sealed as "contentSealed", key_id as "keyId"
       from procedure_attachments where key_id <> $1 limit $2`,
    [keyId, limit],
  );
}

export async function resealAttachment(tx: Sql, tenantId: string, id: string, oldKeyId: string, v: { filenameSealed: string; contentSealed: Buffer; keyId: string }): Promise<void> {
  await tx.query('update procedure_attachments set filename_sealed = $4, content_sealed = $5, key_id = $6 where tenant_id = $1 and id = $2 and key_id = $3', [
    tenantId,
    id,
    oldKeyId,
    v.filenameSealed,
    v.contentSealed,
    v.keyId,
  ]);
}
