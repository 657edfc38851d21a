/**
 * 電子申請 — online procedures: the catalogue (a procedure and its versioned forms: a published
 * version is never edited in place), applications (receipt number, the inquiry password's
 * keyed hash, answers sealed with AES-256-GCM under a named key, the workflow guarded by a
 * trigger), their history, counter (paper) counts entered by staff, one-stop bundles, and
 * the marks the count job uses to tell the plan's cached reads that new applications arrived.
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
create table procedures (
  tenant_id uuid not null references municipalities(id),
  id uuid not null default gen_random_uuid(),
  code text not null check (code ~ '^[a-z0-9][a-z0-9-]{0,59}$'),
  title text not null check (length(title) between 1 and 200),
  description text not null default '' check (length(description) <= 4000),
  -- Who may apply, as shown to the applicant (対象者).
  eligibility text not null default '' check (length(eligibility) <= 1000),
  department_code text not null,
  -- Identity level: room is left for 'mynumber-card' (a later check constraint change).
  identity text not null check (identity in ('none', 'account')),
  retention_years integer not null check (retention_years between 1 and 30),
  -- The version applications are made with (null until the first publication).
  published_version integer,
  is_demo boolean not null default false,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (tenant_id, id),
  unique (tenant_id, code),
  foreign key (tenant_id, department_code) references departments(tenant_id, code)
);

-- Versioned forms: a draft may change; once published (or retired) its fields are frozen.
create table procedure_versions (
  tenant_id uuid not null references municipalities(id),
  procedure_id uuid not null,
  version integer not null check (version between 1 and 10000),
  state text not null check (state in ('draft', 'published', 'retired')),
  fields jsonb not null check (jsonb_typeof(fields) = 'array'),
  created_at timestamptz not null,
  published_at timestamptz,
  primary key (tenant_id, procedure_id, version),
  foreign key (tenant_id, procedure_id) references procedures(tenant_id, id),
  check ((state = 'draft') = (published_at is null))
);
create unique index procedure_versions_one_draft on procedure_versions (tenant_id, procedure_id) where state = 'draft';
create function procedure_versions_frozen() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    if old.state <> 'draft' then raise exception 'a published form version is never deleted' using errcode = '23514'; end if;
    return old;
  end if;
  if old.state <> 'draft' and (new.fields is distinct from old.fields or new.version <> old.version or new.state = 'draft') then
    raise exception 'procedure form version % is published and never edited in place', old.version using errcode = '23514';
  end if;
  return new;
end $$;
create trigger procedure_versions_frozen before update or delete on procedure_versions
  for each row execute function procedure_versions_frozen();

alter table procedures add foreign key (tenant_id, id, published_version) references procedure_versions (tenant_id, procedure_id, version)
  deferrable initially deferred;

-- One-stop bundles (ワンストップ): several procedures asked together, shared fields once.
create table procedure_bundles (
  tenant_id uuid not null references municipalities(id),
  id uuid not null default gen_random_uuid(),
  code text not null check (code ~ '^[a-z0-9][a-z0-9-]{0,59}$'),
  title text not null check (length(title) between 1 and 200),
  description text not null default '' check (length(description) <= 4000),
  procedure_codes text[] not null check (cardinality(procedure_codes) between 2 and 10),
  is_demo boolean not null default false,
  created_at timestamptz not null,
  primary key (tenant_id, id),
  unique (tenant_id, code)
);

-- Receipt numbers come from a sequence: no counter row every submission would queue on.
create sequence procedure_receipt_seq;

create table procedure_applications (
  tenant_id uuid not null references municipalities(id),
  -- Time-ordered (made by the app): new rows go to the right edge of the primary key.
  id uuid not null,
  seq bigint not null,
  receipt_number text not null check (receipt_number ~ '^[0-9]{4}-[0-9]{8,12}$'),
  procedure_id uuid not null,
  version integer not null,
  department_code text not null,
  status text not null check (status in ('waiting', 'processing', 'returned', 'completed', 'rejected', 'withdrawn')),
  applicant_id uuid,
  -- Personal data: the answers as AES-256-GCM ciphertext and the id of the key that sealed them.
  answers_sealed text,
  key_id text,
  -- HMAC-SHA256 under the server secret of the one-time inquiry password (80 random bits).
  password_hash text,
  -- Idempotency-Key (hashed) and a keyed hash of the request, for retries.
  idempotency_key_hash text,
  request_hash text,
  bundle_id uuid,
  bundle_receipt text,
  assignee_id uuid,
  -- Fields the department asked to correct (差し戻し): only these reopen for the applicant.
  reopened_fields text[] not null default '{}',
  received_at timestamptz not null,
  fiscal_year integer not null check (fiscal_year between 1900 and 2200),
  purge_after date not null,
  purged_at timestamptz,
  is_demo boolean not null default false,
  updated_at timestamptz not null,
  primary key (tenant_id, id),
  unique (tenant_id, receipt_number),
  foreign key (tenant_id, procedure_id, version) references procedure_versions (tenant_id, procedure_id, version),
  foreign key (tenant_id, department_code) references departments(tenant_id, code),
  foreign key (tenant_id, applicant_id) references users(tenant_id, id),
  foreign key (tenant_id, assignee_id) references users(tenant_id, id),
  foreign key (tenant_id, bundle_id) references procedure_bundles(tenant_id, id),
  check ((answers_sealed is null) = (key_id is null)),
  check (purged_at is not null or (answers_sealed is not null and password_hash is not null)),
  check (purged_at is null or (answers_sealed is null and applicant_id is null))
);
create unique index procedure_applications_idempotency on procedure_applications (tenant_id, procedure_id, idempotency_key_hash)
  where idempotency_key_hash is not null;
create index procedure_applications_inbox on procedure_applications (tenant_id, department_code, status);
create index procedure_applications_by_year on procedure_applications (tenant_id, fiscal_year, procedure_id);

create function procedure_applications_guard() returns trigger language plpgsql as $$
begin
  if new.status is distinct from old.status and (old.status, new.status) not in (
      ('waiting', 'processing'), ('waiting', 'rejected'), ('waiting', 'withdrawn'),
      ('processing', 'returned'), ('processing', 'completed'), ('processing', 'rejected'),
      ('returned', 'processing'), ('returned', 'rejected'), ('returned', 'withdrawn')) then
    raise exception 'application %: % -> % is not a transition', old.receipt_number, old.status, new.status using errcode = '23514';
  end if;
  if new.receipt_number <> old.receipt_number or new.version <> old.version or new.procedure_id <> old.procedure_id then
    raise exception 'application %: receipt, procedure and form version are permanent', old.receipt_number using errcode = '23514';
  end if;
  return new;
end $$;
create trigger procedure_applications_guard before update on procedure_applications
  for each row execute function procedure_applications_guard();

-- The history: status changes and messages to the applicant (shown on the inquiry page).
create table procedure_events (
  tenant_id uuid not null references municipalities(id),
  id bigint generated always as identity,
  application_id uuid not null,
  at timestamptz not null,
  kind text not null check (kind in ('status', 'message', 'assigned', 'corrected')),
  from_status text,
  to_status text,
  -- Sealed like the answers: a message may quote them.
  message_sealed text,
  key_id text,
  actor_id uuid,
  primary key (tenant_id, id),
  foreign key (tenant_id, application_id) references procedure_applications(tenant_id, id),
  foreign key (tenant_id, actor_id) references users(tenant_id, id),
  check ((message_sealed is null) = (key_id is null))
);
create index procedure_events_by_application on procedure_events (tenant_id, application_id, id);

-- 窓口（紙）の件数: uses at the counter, entered by staff per procedure and fiscal year.
create table procedure_counter_counts (
  tenant_id uuid not null references municipalities(id),
  procedure_id uuid not null,
  fiscal_year integer not null check (fiscal_year between 1900 and 2200),
  count integer not null check (count between 0 and 100000000),
  entered_by uuid,
  updated_at timestamptz not null,
  primary key (tenant_id, procedure_id, fiscal_year),
  foreign key (tenant_id, procedure_id) references procedures(tenant_id, id),
  foreign key (tenant_id, entered_by) references users(tenant_id, id)
);

-- The newest receipt number whose arrival has been announced (data version bumped).
create table procedure_count_marks (
  tenant_id uuid not null references municipalities(id) primary key,
  last_receipt text not null default ''
);
`);
}
