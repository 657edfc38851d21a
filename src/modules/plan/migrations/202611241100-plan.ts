/**
 * 総合計画 — plans, chapters, sections (節), measures (施策), glossary terms (用語), outcome
 * indicators (成果指標) and their actuals. Actuals are append-only revisions: a correction is
 * a new row, and the value in force for a date is its newest approved revision.
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
create table plans (
  tenant_id uuid not null references municipalities(id),
  id uuid not null default gen_random_uuid(),
  code text not null check (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  title text not null check (length(title) between 1 and 200),
  is_current boolean not null default false,
  start_fiscal_year integer not null check (start_fiscal_year between 1900 and 2200),
  end_fiscal_year integer not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, code),
  check (end_fiscal_year >= start_fiscal_year)
);
-- At most one current plan per municipality.
create unique index plans_one_current on plans (tenant_id) where is_current;

create table plan_chapters (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  plan_id uuid not null,
  code text not null,
  title text not null,
  position integer not null,
  primary key (tenant_id, id),
  unique (tenant_id, plan_id, code),
  foreign key (tenant_id, plan_id) references plans(tenant_id, id) on delete cascade
);

create table plan_sections (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  plan_id uuid not null,
  chapter_id uuid not null,
  code text not null,
  title text not null,
  position integer not null,
  visions text[] not null default '{}',
  issues text[] not null default '{}',
  directions text[] not null default '{}',
  perception_code text,
  perception_text text,
  primary key (tenant_id, id),
  unique (tenant_id, plan_id, code),
  foreign key (tenant_id, chapter_id) references plan_chapters(tenant_id, id) on delete cascade,
  foreign key (tenant_id, plan_id) references plans(tenant_id, id) on delete cascade,
  check ((perception_code is null) = (perception_text is null))
);

create table plan_glossary_terms (
  tenant_id uuid not null,
  section_id uuid not null,
  position integer not null,
  marker text,
  term text not null,
  definition text not null,
  primary key (tenant_id, section_id, position),
  foreign key (tenant_id, section_id) references plan_sections(tenant_id, id) on delete cascade
);

create table plan_measures (
  tenant_id uuid not null,
  section_id uuid not null,
  position integer not null,
  code text not null,
  title text not null,
  department_code text,
  primary key (tenant_id, section_id, position),
  foreign key (tenant_id, section_id) references plan_sections(tenant_id, id) on delete cascade
);

create table indicators (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  plan_id uuid not null,
  section_id uuid not null,
  position integer not null,
  code text not null check (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$'),
  name text not null,
  name_note text,
  unit text not null,
  direction text not null check (direction in ('increase', 'decrease', 'at_most_baseline')),
  description text,
  baseline_value numeric,
  baseline_as_of date,
  baseline_label text,
  target_value numeric not null,
  target_fiscal_year integer,
  target_date date,
  target_label text,
  department_code text,
  source_kind text not null check (source_kind in ('manual', 'metric')),
  source_metric text,
  primary key (tenant_id, id),
  unique (tenant_id, plan_id, code),
  foreign key (tenant_id, section_id) references plan_sections(tenant_id, id) on delete cascade,
  foreign key (tenant_id, plan_id) references plans(tenant_id, id) on delete cascade,
  check ((baseline_value is null) = (baseline_as_of is null)),
  check ((target_fiscal_year is null) <> (target_date is null)),
  check ((source_kind = 'metric') = (source_metric is not null)),
  check (direction <> 'at_most_baseline' or baseline_value is not null)
);

create table indicator_actuals (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  indicator_id uuid not null,
  as_of date not null,
  revision integer not null check (revision >= 1),
  value numeric not null,
  note text,
  is_demo boolean not null default false,
  status text not null check (status in ('pending', 'approved', 'rejected')),
  entered_by uuid,
  entered_label text not null,
  entered_at timestamptz not null default now(),
  decided_by uuid,
  decided_label text,
  decided_at timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id, indicator_id, as_of, revision),
  foreign key (tenant_id, indicator_id) references indicators(tenant_id, id) on delete cascade,
  check ((status = 'pending') = (decided_at is null))
);
create index indicator_actuals_by_indicator on indicator_actuals (tenant_id, indicator_id, as_of);
`);
}
