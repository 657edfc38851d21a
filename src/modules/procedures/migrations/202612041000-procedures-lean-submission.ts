/**
 * A leaner submission: an application's direct foreign key to its municipality goes. It is
 * implied by the composite key (tenant_id, procedure_id, version) → procedure_versions, whose
 * tenant_id references municipalities: an application can only name a form version of its own
 * municipality, so the municipality exists as long as the application does. The check it made
 * was one more referential trigger on every submission (the hot path; see
 * procedures.bench.ts). Every other constraint stays.
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`alter table procedure_applications drop constraint if exists procedure_applications_tenant_id_fkey;`);
}
