/**
 * 公共施設台帳 — the public-facility register: one row per facility with its current data and
 * status, every status it has had with the date it took effect (the area totals as of any date
 * read them), and an event log of every change (import, edit, status).
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
create table facilities (
  tenant_id uuid not null references municipalities(id),
  id uuid not null default gen_random_uuid(),
  -- ID (2024 edition) or NO (first edition), kept as text (zero-padded).
  external_id text not null check (length(external_id) between 1 and 64),
  name text not null check (length(name) between 1 and 200),
  name_kana text check (length(name_kana) <= 400),
  -- 分類; parks (公園) are a category and excluded from indicator 6-2-2.
  category text check (length(category) between 1 and 60),
  is_park boolean not null default false,
  address text check (length(address) <= 400),
  latitude numeric(10, 7) check (latitude between 20 and 46),
  longitude numeric(10, 7) check (longitude between 122 and 154),
  -- ㎡
  floor_area numeric(14, 2) check (floor_area >= 0),
  site_area numeric(14, 2) check (site_area >= 0),
  year_built integer check (year_built between 1800 and 2200),
  -- 所管課 as the dataset names it (団体名), and optionally a department of the municipality.
  responsible text check (length(responsible) <= 200),
  department_code text,
  status text not null check (status in ('in_service', 'closed', 'demolished', 'transferred')),
  status_since date not null,
  -- Every column of the dataset (2024-edition names), as imported.
  dataset jsonb not null default '{}',
  search_text text not null default '',
  search_grams text[] not null default '{}',
  is_demo boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, external_id)
);
create index facilities_by_category on facilities (tenant_id, category);
create index facilities_search on facilities using gin (search_grams);

-- The status history: the status on a date is the latest row on or before it.
create table facility_statuses (
  tenant_id uuid not null references municipalities(id),
  facility_id uuid not null,
  effective_on date not null,
  status text not null check (status in ('in_service', 'closed', 'demolished', 'transferred')),
  note text check (length(note) <= 500),
  recorded_at timestamptz not null default now(),
  primary key (tenant_id, facility_id, effective_on),
  foreign key (tenant_id, facility_id) references facilities (tenant_id, id) on delete cascade
);
create index facility_statuses_by_date on facility_statuses (tenant_id, effective_on);

create table facility_events (
  tenant_id uuid not null references municipalities(id),
  id uuid not null default gen_random_uuid(),
  facility_id uuid not null,
  kind text not null check (kind in ('created', 'updated', 'status')),
  -- Field → [before, after] for updates; the status and its date for status changes.
  changes jsonb not null default '{}',
  actor_id uuid,
  actor_label text not null,
  at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, facility_id) references facilities (tenant_id, id) on delete cascade
);
create index facility_events_by_facility on facility_events (tenant_id, facility_id, at);
`);
}
