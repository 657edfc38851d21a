/**
 * Foundation: municipalities (tenants), departments, the mail outbox, data versions and the
 * hash-chained audit log. Every table but municipalities carries tenant_id, and every key
 * starts with it (distribution by tenant). The accounts tables were created here too before
 * they moved to the accounts module (see its 202611241001-accounts migration).
 */
import type { Sql } from '../db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
create table municipalities (
  id uuid primary key default gen_random_uuid(),
  code text not null unique check (code ~ '^[a-z0-9-]{2,40}$'),
  name_ja text not null,
  name_en text not null,
  hostnames text[] not null default '{}',
  created_at timestamptz not null default now()
);

create table departments (
  tenant_id uuid not null references municipalities(id),
  id uuid not null default gen_random_uuid(),
  code text not null check (code ~ '^[a-z0-9-]{1,40}$'),
  name_ja text not null,
  name_en text not null,
  primary key (tenant_id, id),
  unique (tenant_id, code)
);

create table mail_outbox (
  tenant_id uuid not null references municipalities(id),
  id uuid not null default gen_random_uuid(),
  to_address text not null,
  subject text not null,
  body_text text not null,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  attempts integer not null default 0,
  last_error text,
  claimed_until timestamptz,
  primary key (tenant_id, id)
);
create index mail_outbox_pending on mail_outbox (created_at) where sent_at is null;

-- A counter per tenant and scope, bumped by every change that alters what a cached public
-- read would show; caches and ETags key on it, so every app server sees a change at once.
create table data_versions (
  tenant_id uuid not null references municipalities(id),
  scope text not null,
  version bigint not null default 1,
  primary key (tenant_id, scope)
);

create table audit_log (
  tenant_id uuid not null references municipalities(id),
  seq bigint not null check (seq >= 1),
  at timestamptz not null,
  actor_id uuid,
  actor_label text not null,
  action text not null,
  entity_type text not null,
  entity_id text,
  details text not null,
  prev_hash text not null,
  hash text not null,
  primary key (tenant_id, seq)
);

-- Append-only: the application can add entries but never change or remove them.
create function audit_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only';
end $$;
create trigger audit_log_no_update before update or delete on audit_log
  for each row execute function audit_log_append_only();
create trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function audit_log_append_only();
`);
}
