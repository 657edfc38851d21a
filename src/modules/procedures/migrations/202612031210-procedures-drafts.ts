/**
 * 一時保存 — drafts of applications saved by signed-in applicants: the answers so far (and the
 * form's key, which owns the form's pending uploads) sealed with AES-256-GCM under a named key,
 * like the answers of an application. A draft expires (the procedures.drafts job deletes it)
 * and is deleted when the form is submitted.
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
create table procedure_drafts (
  tenant_id uuid not null references municipalities(id),
  id uuid not null default gen_random_uuid(),
  procedure_id uuid not null,
  user_id uuid not null,
  -- HMAC of the apply form's key: saving the same form again updates its draft.
  form_key_hash text not null,
  -- Personal data: { formKey, answers } as AES-256-GCM ciphertext and the id of its key.
  payload_sealed text not null,
  key_id text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  expires_at timestamptz not null,
  primary key (tenant_id, id),
  unique (tenant_id, user_id, form_key_hash),
  foreign key (tenant_id, procedure_id) references procedures(tenant_id, id),
  foreign key (tenant_id, user_id) references users(tenant_id, id),
  check (expires_at > updated_at)
);
create index procedure_drafts_by_user on procedure_drafts (tenant_id, user_id, updated_at);
create index procedure_drafts_expiry on procedure_drafts (expires_at);
`);
}
