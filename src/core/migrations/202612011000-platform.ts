/**
 * The platform under the service modules: the job scheduler (schedule, leases, run history),
 * rate-limit counters shared by every app server, tenant settings, retired departments and
 * stored files (uploads).
 */
import type { Sql } from '../db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
-- One row per job: periodic jobs (every_seconds set) come back; one-off jobs are removed when
-- they succeed. The lease (owner, until) makes exactly one app server run a job at a time.
create table scheduled_jobs (
  name text not null check (name ~ '^[a-z][a-z0-9]*(\\.[a-z][a-zA-Z0-9-]*)+$'),
  key text not null default '',
  tenant_id uuid references municipalities(id) on delete cascade,
  every_seconds integer check (every_seconds is null or every_seconds >= 1),
  run_at timestamptz not null,
  payload jsonb not null default '{}',
  lease_owner text,
  lease_until timestamptz,
  attempts integer not null default 0,
  max_attempts integer not null default 5 check (max_attempts >= 1),
  last_started_at timestamptz,
  last_finished_at timestamptz,
  last_status text check (last_status in ('ok', 'failed')),
  last_error text,
  last_summary text,
  -- A one-off job that failed max_attempts times: kept for administrators, not run again.
  gave_up_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (name, key),
  check ((lease_owner is null) = (lease_until is null))
);
create index scheduled_jobs_due on scheduled_jobs (run_at) where gave_up_at is null;

create table job_runs (
  id bigint generated always as identity primary key,
  name text not null,
  key text not null,
  tenant_id uuid,
  owner text not null,
  scheduled_for timestamptz not null,
  started_at timestamptz not null,
  finished_at timestamptz,
  status text not null check (status in ('running', 'ok', 'failed')),
  summary text,
  error text
);
create index job_runs_recent on job_runs (started_at desc);
create index job_runs_by_job on job_runs (name, key, started_at desc);

-- Fixed-window counters: one row per (tenant, bucket, key); the key is a hash, never an
-- address or an e-mail in clear.
create table rate_limits (
  tenant_id uuid not null references municipalities(id) on delete cascade,
  bucket text not null,
  key_hash text not null,
  window_start timestamptz not null,
  hits integer not null check (hits >= 0),
  primary key (tenant_id, bucket, key_hash)
);
create index rate_limits_window on rate_limits (window_start);

-- Settings a municipality changes (modules declare each key with its default).
create table tenant_settings (
  tenant_id uuid not null references municipalities(id) on delete cascade,
  key text not null check (key ~ '^[a-z][a-zA-Z0-9]*(\\.[a-zA-Z0-9]+)+$'),
  value jsonb not null,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, key)
);

alter table municipalities add column updated_at timestamptz not null default now();
-- Loopback names belong to no municipality: they reach the default one the operator names
-- (HIBIKI_DEFAULT_TENANT). The demo city claimed them until now.
update municipalities set hostnames = array_remove(array_remove(array_remove(hostnames, 'localhost'), '127.0.0.1'), '::1');
-- A retired department keeps its history (users, indicators, applications name it) but takes
-- no new work.
alter table departments add column retired_at timestamptz;

-- Uploaded files (evidence, attachments, documents): served only through the record they
-- belong to, never from a public URL. Content may be encrypted (personal data).
create table stored_files (
  tenant_id uuid not null references municipalities(id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  owner text not null,
  filename text not null check (length(filename) between 1 and 255),
  media_type text not null,
  byte_size integer not null check (byte_size >= 0),
  sha256 text not null,
  content bytea not null,
  key_id text,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
`);
}
