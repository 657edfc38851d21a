/**
 * 市民活動団体の登録 — the citizen-group registry: one row per registration (an application
 * until approved, then the registered group), its terms of registration (active from starts_on
 * through ends_on; a renewal adds a term, a deregistration cuts the last), its whole history,
 * its documents (rules, member list) and the counter numbering registrations per fiscal year.
 * The representative's private contact is sealed (AES-256-GCM) in the row. A duplicate
 * application of the same group (name and representative, normalised) is refused by a unique
 * index while the first is under review or registered.
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
create table group_counters (
  tenant_id uuid not null references municipalities(id),
  fiscal_year integer not null check (fiscal_year between 1900 and 2200),
  last_number integer not null check (last_number between 1 and 99999),
  primary key (tenant_id, fiscal_year)
);

create table group_registrations (
  tenant_id uuid not null references municipalities(id),
  id uuid not null default gen_random_uuid(),
  status text not null check (status in ('applied', 'returned', 'refused', 'registered', 'lapsed', 'deregistered')),
  number text check (length(number) between 1 and 40),
  name text not null check (length(name) between 1 and 100),
  name_kana text not null check (length(name_kana) between 1 and 200),
  legal_form text not null check (legal_form in ('NPO法人', '任意団体', '自治会・町内会', '一般社団法人', '一般財団法人', '公益法人', '企業', '個人', 'その他')),
  representative text not null check (length(representative) between 1 and 60),
  fields smallint[] not null check (cardinality(fields) between 1 and 20 and fields <@ array[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]::smallint[]),
  area text not null check (length(area) between 1 and 60),
  purpose text not null check (length(purpose) between 1 and 2000),
  activities text not null check (length(activities) between 1 and 4000),
  founded_on date,
  members integer not null check (members between 1 and 1000000),
  public_contact text not null check (length(public_contact) between 1 and 200),
  -- The representative's own contact as sealed JSON: never public, never in logs or the audit.
  private_sealed text not null,
  website text check (length(website) between 1 and 300),
  fee text check (length(fee) between 1 and 100),
  -- The optional fields the group publishes.
  published text[] not null default '{}' check (published <@ array['representative', 'publicContact', 'foundedOn', 'members', 'fee', 'website']::text[]),
  duplicate_key text not null,
  applicant_id uuid,
  applied_on date not null,
  registered_on date,
  valid_until date,
  return_message text check (length(return_message) between 1 and 2000),
  refusal_reason text check (length(refusal_reason) between 1 and 2000),
  deregistered_on date,
  lapsed_on date,
  -- A change of the public profile waiting for review (the fields as the API takes them).
  pending_change jsonb,
  renewal_requested_on date,
  -- The end of term a renewal reminder was sent for (one reminder per term).
  reminded_for date,
  is_demo boolean not null default false,
  search_text text not null default '',
  search_grams text[] not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  check (status not in ('registered', 'lapsed', 'deregistered') or (number is not null and registered_on is not null and valid_until is not null)),
  check (status <> 'returned' or return_message is not null),
  check (status <> 'refused' or refusal_reason is not null),
  check (status <> 'deregistered' or deregistered_on is not null)
);
create unique index group_registrations_number on group_registrations (tenant_id, number) where number is not null;
create unique index group_registrations_live on group_registrations (tenant_id, duplicate_key) where status in ('applied', 'returned', 'registered');
create index group_registrations_status on group_registrations (tenant_id, status);
create index group_registrations_applicant on group_registrations (tenant_id, applicant_id);
create index group_registrations_search on group_registrations using gin (search_grams);

create table group_terms (
  tenant_id uuid not null references municipalities(id),
  group_id uuid not null,
  starts_on date not null,
  -- The last day the group is registered (a cut term may end the day before it starts).
  ends_on date not null,
  primary key (tenant_id, group_id, starts_on),
  foreign key (tenant_id, group_id) references group_registrations (tenant_id, id),
  check (ends_on >= starts_on - 1)
);
create index group_terms_span on group_terms (tenant_id, starts_on, ends_on);

create table group_events (
  tenant_id uuid not null references municipalities(id),
  id uuid not null default gen_random_uuid(),
  -- The order events happened in (several may share an instant).
  seq bigserial not null,
  group_id uuid not null,
  kind text not null check (kind in ('applied', 'returned', 'resubmitted', 'refused', 'approved', 'renewal_requested', 'renewed', 'reminded', 'lapsed', 'change_requested', 'change_approved', 'change_rejected', 'deregistered', 'imported', 'document_added')),
  at timestamptz not null,
  on_date date not null,
  actor_id uuid,
  note text check (length(note) <= 2000),
  details jsonb not null default '{}',
  primary key (tenant_id, id),
  foreign key (tenant_id, group_id) references group_registrations (tenant_id, id)
);
create index group_events_group on group_events (tenant_id, group_id, seq);

create table group_documents (
  tenant_id uuid not null references municipalities(id),
  group_id uuid not null,
  file_id uuid not null,
  kind text not null check (kind in ('rules', 'members', 'plan', 'other')),
  added_at timestamptz not null default now(),
  primary key (tenant_id, group_id, file_id),
  foreign key (tenant_id, group_id) references group_registrations (tenant_id, id),
  foreign key (tenant_id, file_id) references stored_files (tenant_id, id)
);
`);
}
