/**
 * 添付ファイル — files attached to applications (a form field of type `file`). Personal data:
 * the content and the file name are sealed with AES-256-GCM under a named key, as the
 * answers are. A file is first a pending upload tied to the apply form's key (a keyed hash of
 * it: the form's key travels only in the applicant's form), so it survives the
 * check-your-answers step without JavaScript; submitting the form links it to the
 * application. Pending uploads expire (the purge job deletes them); linked ones go with the
 * application's personal data at the end of its retention period.
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
create table procedure_attachments (
  tenant_id uuid not null references municipalities(id),
  id uuid not null default gen_random_uuid(),
  procedure_id uuid not null,
  -- The field of the form the file answers.
  field_name text not null check (field_name ~ '^[a-zA-Z][a-zA-Z0-9_]{0,39}$'),
  -- HMAC of the apply form's key: the pending upload's owner (kept after linking, for retries).
  form_key_hash text not null,
  -- Null while pending.
  application_id uuid,
  filename_sealed text not null,
  media_type text not null,
  byte_size integer not null check (byte_size between 1 and 10485760),
  content_sealed bytea not null,
  key_id text not null,
  created_at timestamptz not null,
  -- When a pending upload is deleted (null once linked to an application).
  expires_at timestamptz,
  primary key (tenant_id, id),
  foreign key (tenant_id, procedure_id) references procedures(tenant_id, id),
  foreign key (tenant_id, application_id) references procedure_applications(tenant_id, id),
  check ((application_id is null) = (expires_at is not null))
);
-- One file per field of a form.
create unique index procedure_attachments_one_per_field on procedure_attachments (tenant_id, form_key_hash, procedure_id, field_name);
create index procedure_attachments_of_application on procedure_attachments (tenant_id, application_id) where application_id is not null;
create index procedure_attachments_pending_expiry on procedure_attachments (expires_at) where expires_at is not null;
`);
}
