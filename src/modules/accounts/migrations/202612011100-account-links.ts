/**
 * Mailed single-use links beyond e-mail confirmation: setting a first password (the first
 * administrator of a real installation, invited staff), resetting a forgotten one, and
 * confirming a changed e-mail address (the new address is kept with the token).
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
alter table email_tokens drop constraint email_tokens_purpose_check;
alter table email_tokens add constraint email_tokens_purpose_check
  check (purpose in ('verify_email', 'set_password', 'reset_password', 'change_email'));
alter table email_tokens add column new_email text check (new_email is null or (new_email = lower(new_email) and new_email like '%_@_%'));
`);
}
