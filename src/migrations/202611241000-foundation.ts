/**
 * Foundation: municipalities (tenants), departments, accounts, sessions, API tokens, e-mail
 * tokens, sign-in attempts, mail outbox and the hash-chained audit log. Every table but
 * municipalities carries tenant_id, and every key starts with it (distribution by tenant).
 */
import type { Sql } from '../core/db/database.ts';

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

create table users (
  tenant_id uuid not null references municipalities(id),
  id uuid not null default gen_random_uuid(),
  email text not null check (email = lower(email) and email like '%_@_%'),
  password_hash text not null,
  display_name text not null,
  role text not null check (role in ('citizen', 'staff', 'plan_manager', 'admin')),
  department_id uuid,
  email_verified_at timestamptz,
  disabled_at timestamptz,
  totp_secret_enc text,
  totp_enabled_at timestamptz,
  -- The last TOTP time step accepted: a code is good once (no replay within its window).
  totp_last_step bigint,
  failed_logins integer not null default 0,
  locked_until timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, email),
  foreign key (tenant_id, department_id) references departments(tenant_id, id),
  check (role <> 'staff' or department_id is not null)
);

create table recovery_codes (
  tenant_id uuid not null,
  user_id uuid not null,
  code_hash text not null,
  used_at timestamptz,
  primary key (tenant_id, user_id, code_hash),
  foreign key (tenant_id, user_id) references users(tenant_id, id) on delete cascade
);

create table sessions (
  tenant_id uuid not null,
  token_hash text not null,
  user_id uuid not null,
  mfa_passed boolean not null default false,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (tenant_id, token_hash),
  foreign key (tenant_id, user_id) references users(tenant_id, id) on delete cascade
);
create index sessions_user on sessions (tenant_id, user_id);

create table api_tokens (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  user_id uuid not null,
  name text not null,
  token_hash text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id, token_hash),
  foreign key (tenant_id, user_id) references users(tenant_id, id) on delete cascade
);

create table email_tokens (
  tenant_id uuid not null,
  token_hash text not null,
  user_id uuid not null,
  purpose text not null check (purpose in ('verify_email')),
  expires_at timestamptz not null,
  used_at timestamptz,
  primary key (tenant_id, token_hash),
  foreign key (tenant_id, user_id) references users(tenant_id, id) on delete cascade
);

create table login_attempts (
  tenant_id uuid not null references municipalities(id),
  id uuid not null default gen_random_uuid(),
  client_key text not null,
  email text not null,
  succeeded boolean not null,
  at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create index login_attempts_client on login_attempts (tenant_id, client_key, at);

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
