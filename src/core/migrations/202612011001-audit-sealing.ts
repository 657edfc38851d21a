/**
 * The audit log no longer takes a per-municipality lock on every write: an entry gets its
 * number from a sequence and is inserted alone, and a sealing step (the scheduler's
 * "audit.seal" job) chains the new entries shortly after, in order, into audit_chain. The
 * entries chained under the previous design move into audit_chain unchanged (their position is
 * their old number, their hashes stay valid).
 */
import type { Sql } from '../db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
create sequence audit_log_seq;
select setval('audit_log_seq', coalesce((select max(seq) from audit_log), 0) + 1, false);
alter table audit_log alter column seq set default nextval('audit_log_seq');
alter table audit_log alter column prev_hash drop not null;
alter table audit_log alter column hash drop not null;

-- The chain: position pos (1, 2, … per municipality) links the entry seq to the one before.
create table audit_chain (
  tenant_id uuid not null references municipalities(id),
  pos bigint not null check (pos >= 1),
  seq bigint not null,
  prev_hash text not null,
  hash text not null,
  sealed_at timestamptz not null default now(),
  primary key (tenant_id, pos),
  unique (tenant_id, seq)
);
insert into audit_chain (tenant_id, pos, seq, prev_hash, hash)
  select tenant_id, seq, seq, prev_hash, hash from audit_log order by tenant_id, seq;
create trigger audit_chain_no_update before update or delete on audit_chain
  for each row execute function audit_log_append_only();
create trigger audit_chain_no_truncate before truncate on audit_chain
  for each statement execute function audit_log_append_only();

-- Where sealing stands per municipality: the chain's head, and the entry number below which
-- every entry is sealed (so sealing looks only at recent entries).
create table audit_seal_state (
  tenant_id uuid primary key references municipalities(id),
  head_pos bigint not null default 0,
  head_hash text not null,
  low_water bigint not null default 0
);
insert into audit_seal_state (tenant_id, head_pos, head_hash, low_water)
  select distinct on (tenant_id) tenant_id, pos, hash, seq from audit_chain order by tenant_id, pos desc;
`);
}
