/**
 * 施策評価 — the fiscal-year evaluation as cities write it (issue 14): per plan, fiscal year,
 * section and measure (施策; measure_code '' is the section's own summary) the department's
 * 評価・課題・今後の方向性, entered by the department and approved by the plan manager.
 *
 * One row per subject holds the working texts and their state (draft → submitted → approved
 * / returned) beside the texts last approved, so the report keeps showing the approved texts
 * while a revision is being written. The approver is never the author (four-eyes, held here
 * too). Measures are keyed by code, not by a foreign key, because a section's measures are
 * rewritten whole when the section is edited.
 *
 * A published fiscal year is a snapshot (the report as rendered in both languages and its
 * CSV rows): later edits of texts or actuals do not change it, and it is never updated.
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
create table plan_evaluations (
  tenant_id uuid not null references municipalities(id),
  id uuid not null default gen_random_uuid(),
  plan_id uuid not null,
  fiscal_year integer not null check (fiscal_year between 1900 and 2200),
  section_code text not null check (length(section_code) between 1 and 64),
  measure_code text not null default '' check (length(measure_code) <= 64),
  evaluation text not null default '' check (length(evaluation) <= 2000),
  issues text not null default '' check (length(issues) <= 2000),
  next_steps text not null default '' check (length(next_steps) <= 2000),
  status text not null check (status in ('draft', 'submitted', 'approved', 'returned')),
  entered_by uuid,
  entered_label text not null,
  entered_at timestamptz not null default now(),
  decided_by uuid,
  decided_label text,
  decided_at timestamptz,
  return_reason text check (return_reason is null or length(return_reason) between 1 and 1000),
  approved_evaluation text,
  approved_issues text,
  approved_next_steps text,
  approved_at timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id, plan_id, fiscal_year, section_code, measure_code),
  foreign key (tenant_id, plan_id) references plans(tenant_id, id) on delete cascade,
  constraint plan_evaluations_four_eyes check (entered_by is null or decided_by is null or entered_by <> decided_by),
  check (status <> 'returned' or return_reason is not null),
  check (status not in ('approved', 'returned') or decided_at is not null),
  check ((approved_at is null) = (approved_evaluation is null)),
  check ((approved_at is null) = (approved_issues is null)),
  check ((approved_at is null) = (approved_next_steps is null))
);
create index plan_evaluations_by_status on plan_evaluations (tenant_id, plan_id, fiscal_year, status);

create table plan_evaluation_publications (
  tenant_id uuid not null references municipalities(id),
  plan_id uuid not null,
  fiscal_year integer not null check (fiscal_year between 1900 and 2200),
  published_at timestamptz not null default now(),
  published_by uuid,
  published_label text not null,
  snapshot jsonb not null check (jsonb_typeof(snapshot) = 'object'),
  primary key (tenant_id, plan_id, fiscal_year),
  foreign key (tenant_id, plan_id) references plans(tenant_id, id) on delete cascade
);
`);
}
