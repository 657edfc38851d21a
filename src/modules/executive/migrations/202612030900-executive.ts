/**
 * トップマネジメント — what the executive alert job remembers so it mails once per change and
 * the digest once a month: each indicator's last concern (behind its line, projection missing
 * the target, both or none), the months whose digest went out, and each month's snapshot of
 * the indicators (taken with the digest) that "what changed since last month" compares with.
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
create table executive_indicator_states (
  tenant_id uuid not null references municipalities(id),
  plan_code text not null check (length(plan_code) between 1 and 100),
  indicator_code text not null check (length(indicator_code) between 1 and 100),
  concern text not null check (concern in ('none', 'behind', 'projection', 'both')),
  changed_at timestamptz not null,
  alerted_at timestamptz,
  primary key (tenant_id, plan_code, indicator_code)
);

create table executive_digests (
  tenant_id uuid not null references municipalities(id),
  month text not null check (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  sent_at timestamptz not null,
  recipients integer not null check (recipients >= 0),
  primary key (tenant_id, month)
);

create table executive_snapshots (
  tenant_id uuid not null references municipalities(id),
  month text not null check (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  plan_code text not null check (length(plan_code) between 1 and 100),
  indicator_code text not null check (length(indicator_code) between 1 and 100),
  grade text check (grade in ('S', 'A', 'B', 'C', 'D')),
  on_track boolean,
  latest_value text check (length(latest_value) <= 60),
  latest_as_of date,
  taken_at timestamptz not null,
  primary key (tenant_id, plan_code, month, indicator_code),
  foreign key (tenant_id, month) references executive_digests (tenant_id, month)
);
`);
}
