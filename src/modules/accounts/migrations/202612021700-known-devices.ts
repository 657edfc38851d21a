/**
 * Sign-in limits keyed by account and client: the browsers an account has signed in from
 * (a long-lived device cookie, stored hashed) are counted apart from their network address,
 * so nobody else's failures shut them out. The counters themselves live in core's
 * rate_limits; the per-attempt log login_attempts and the account-wide lock are no longer used.
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
create table known_devices (
  tenant_id uuid not null,
  user_id uuid not null,
  device_hash text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz not null default now(),
  primary key (tenant_id, user_id, device_hash),
  foreign key (tenant_id, user_id) references users(tenant_id, id) on delete cascade
);
drop table login_attempts;
update users set failed_logins = 0, locked_until = null where failed_logins <> 0 or locked_until is not null;
`);
}
