/**
 * The plan edited in the browser (issue 14): sections and indicators are retired rather than
 * deleted (their actuals and evidence stay; a retired code is not reused), and every change
 * made through the forms is kept as the plan's own history beside the audit chain: who, when,
 * what, and the entity as it was before and after.
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
alter table plan_sections add column retired_at timestamptz;
alter table indicators add column retired_at timestamptz;

create table plan_changes (
  tenant_id uuid not null references municipalities(id),
  id uuid not null default gen_random_uuid(),
  plan_id uuid not null,
  at timestamptz not null default now(),
  actor_id uuid,
  actor_label text not null,
  action text not null check (action in ('create', 'edit', 'retire')),
  entity_type text not null check (entity_type in ('plan', 'section', 'indicator')),
  entity_code text not null,
  before jsonb,
  after jsonb,
  primary key (tenant_id, id),
  foreign key (tenant_id, plan_id) references plans(tenant_id, id) on delete cascade,
  check (action = 'create' or before is not null),
  check (action = 'retire' or after is not null)
);
create index plan_changes_by_plan on plan_changes (tenant_id, plan_id, at desc);
`);
}
