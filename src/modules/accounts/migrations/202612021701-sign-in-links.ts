/**
 * Sign-in links: when an address is over its sign-in limit, a right password from a browser
 * unknown to the account is confirmed by a single-use link mailed to the account's address.
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
alter table email_tokens drop constraint email_tokens_purpose_check;
alter table email_tokens add constraint email_tokens_purpose_check
  check (purpose in ('verify_email', 'set_password', 'reset_password', 'change_email', 'sign_in'));
`);
}
