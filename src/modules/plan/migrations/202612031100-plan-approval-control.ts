/**
 * Approval as a control (issue 14): whoever entered an actual never decides it (four-eyes,
 * held by the database too), a rejection carries its reason, the warnings the entry raised
 * (implausible values) are kept for the approver, and an actual may carry an evidence file
 * (core's stored_files), public or for staff only.
 *
 * The two checks are NOT VALID: rows decided before this migration are not re-judged, every
 * row written from now on is.
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
alter table indicator_actuals
  add column reject_reason text check (reject_reason is null or length(reject_reason) between 1 and 1000),
  add column warnings jsonb not null default '[]'::jsonb check (jsonb_typeof(warnings) = 'array'),
  add column evidence_file_id uuid,
  add column evidence_public boolean not null default false,
  add foreign key (tenant_id, evidence_file_id) references stored_files(tenant_id, id);
alter table indicator_actuals
  add constraint indicator_actuals_four_eyes check (entered_by is null or decided_by is null or entered_by <> decided_by) not valid;
alter table indicator_actuals
  add constraint indicator_actuals_reject_reason check (status <> 'rejected' or reject_reason is not null) not valid;
create index indicator_actuals_by_author on indicator_actuals (tenant_id, entered_by, entered_at);
`);
}
