/**
 * 財政・人事の時系列 — yearly series staff enter or import with their source (population
 * 住民基本台帳, ordinary debt 通常債残高, staff count on 1 April), approved as the plan's actuals
 * are: one approved value per series and date, enforced by a partial unique index.
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
create table series_values (
  tenant_id uuid not null references municipalities(id),
  id uuid not null default gen_random_uuid(),
  series text not null check (series in ('population', 'ordinaryDebt', 'staffCount')),
  as_of date not null,
  value numeric(20, 2) not null check (value >= 0),
  note text check (length(note) <= 500),
  -- 出典 — where the figure comes from (決算書, 住民基本台帳, 定員管理調査 …).
  source text check (length(source) <= 300),
  state text not null check (state in ('pending', 'approved', 'rejected', 'superseded')),
  entered_by uuid,
  entered_label text not null,
  entered_at timestamptz not null default now(),
  decided_by uuid,
  decided_label text,
  decided_at timestamptz,
  decision_note text check (length(decision_note) <= 500),
  is_demo boolean not null default false,
  primary key (tenant_id, id),
  check ((state = 'pending') = (decided_at is null) or state = 'superseded')
);
create unique index series_values_one_approved on series_values (tenant_id, series, as_of) where state = 'approved';
create index series_values_by_series on series_values (tenant_id, series, state, as_of);
`);
}
