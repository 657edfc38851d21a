/**
 * 利用規約・プライバシーポリシーへの同意 — which version of each document a person agreed to at
 * sign-up, and when (one row per document and version, so a later version agreed to adds a row).
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
create table user_agreements (
  tenant_id uuid not null,
  user_id uuid not null,
  document text not null check (document in ('terms', 'privacy')),
  version text not null check (length(version) between 1 and 40),
  agreed_at timestamptz not null,
  primary key (tenant_id, user_id, document, version),
  foreign key (tenant_id, user_id) references users(tenant_id, id) on delete cascade
);
`);
}
