/**
 * Accounts: users, recovery codes, sessions, API tokens, e-mail tokens and sign-in attempts.
 * Until these tables moved into the accounts module they were made by core's
 * 202611241000-foundation migration; a database migrated then counts this one as applied.
 */
import type { Sql } from '../../../core/db/database.ts';

export const adoptedFrom = '202611241000-foundation';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
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
`);
}
