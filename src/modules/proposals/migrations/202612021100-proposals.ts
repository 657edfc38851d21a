/**
 * 市民提案 — citizen proposals: numbered per fiscal year (2026-0042) from a counter row per
 * municipality and year, their workflow (received → assigned → answered → implemented;
 * withdrawn; declined) kept consistent by CHECK constraints and a trigger that refuses any
 * other transition, their history, supports (賛同, once per account), reports of abuse and
 * attachments. The proposer's name and contact are sealed (AES-256-GCM) in the row.
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
-- The last number given in a fiscal year: one atomic upsert per submission, so concurrent
-- submissions get distinct numbers.
create table proposal_counters (
  tenant_id uuid not null references municipalities(id),
  fiscal_year integer not null check (fiscal_year between 1900 and 2200),
  last_number integer not null check (last_number between 1 and 99999),
  primary key (tenant_id, fiscal_year)
);

create table proposals (
  tenant_id uuid not null references municipalities(id),
  id uuid not null default gen_random_uuid(),
  -- Given at receipt; null while a draft.
  fiscal_year integer check (fiscal_year between 1900 and 2200),
  seq integer check (seq between 1 and 99999),
  number text check (number ~ '^[0-9]{4}-[0-9]{4,5}$'),
  status text not null check (status in ('draft', 'received', 'assigned', 'answered', 'implemented', 'withdrawn', 'declined')),
  channel text not null check (channel in ('web', 'letter', 'counter')),
  title text not null check (length(title) between 1 and 100),
  body text not null check (length(body) between 1 and 4000),
  section_code text check (length(section_code) between 1 and 64),
  area text check (length(area) between 1 and 60),
  -- The proposer agrees to publication (of the moderated text, without their name).
  wants_public boolean not null,
  proposer_id uuid,
  -- Name and contact as sealed JSON: never shown publicly, never in logs or the audit.
  proposer_sealed text not null,
  entered_by uuid,
  received_on date,
  answer_due_on date,
  due_extended_on date,
  due_extended_reason text check (length(due_extended_reason) between 1 and 500),
  department_code text,
  assigned_on date,
  decision text check (decision in ('adopt', 'partly_adopt', 'consider', 'not_adopt', 'reference')),
  answer_text text check (length(answer_text) between 1 and 4000),
  answer_state text check (answer_state in ('draft', 'submitted', 'approved')),
  answer_submitted_at timestamptz,
  answered_on date,
  answer_approved_by uuid,
  implemented_on date,
  implementation_note text check (length(implementation_note) between 1 and 1000),
  withdrawn_on date,
  declined_on date,
  decline_ground text check (decline_ground in ('slander', 'campaigning', 'personal_data', 'commercial', 'outside_remit', 'repeated')),
  decline_note text check (length(decline_note) between 1 and 500),
  moderation text not null default 'pending' check (moderation in ('pending', 'published', 'rejected')),
  moderation_reason text check (length(moderation_reason) between 1 and 500),
  moderated_at timestamptz,
  public_title text check (length(public_title) between 1 and 100),
  public_body text check (length(public_body) between 1 and 4000),
  hidden_at timestamptz,
  hidden_reason text check (length(hidden_reason) between 1 and 500),
  search_text text not null default '',
  search_grams text[] not null default '{}',
  is_demo boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, number),
  unique (tenant_id, fiscal_year, seq),
  foreign key (tenant_id, proposer_id) references users(tenant_id, id),
  foreign key (tenant_id, entered_by) references users(tenant_id, id),
  foreign key (tenant_id, answer_approved_by) references users(tenant_id, id),
  foreign key (tenant_id, department_code) references departments(tenant_id, code),
  -- A number, its year and the receipt date exist exactly when the proposal is no draft.
  check ((status = 'draft') = (number is null)),
  check ((number is null) = (fiscal_year is null) and (number is null) = (seq is null)
     and (number is null) = (received_on is null) and (number is null) = (answer_due_on is null)),
  check (answer_due_on is null or answer_due_on >= received_on),
  check ((due_extended_on is null) = (due_extended_reason is null)),
  -- Web proposals come from an account; letters and counter proposals are keyed in by staff.
  check (channel <> 'web' or proposer_id is not null),
  check (channel = 'web' or entered_by is not null),
  check (status <> 'draft' or channel = 'web'),
  -- Assigned, answered and implemented proposals have a responsible department (担当課).
  check (status not in ('assigned', 'answered', 'implemented') or (department_code is not null and assigned_on is not null)),
  check ((department_code is null) = (assigned_on is null)),
  -- Declined at intake only (before assignment), with one of the published grounds.
  check ((status = 'declined') = (declined_on is not null)),
  check (status <> 'declined' or (decline_ground is not null and department_code is null)),
  check ((decline_ground is null) or status = 'declined'),
  check ((status = 'withdrawn') = (withdrawn_on is not null)),
  -- An answer: decision and text together; answered proposals have a submitted or approved one.
  check ((answer_state is null) = (decision is null) and (decision is null) = (answer_text is null)),
  check ((status in ('answered', 'implemented')) = (coalesce(answer_state, '') in ('submitted', 'approved'))),
  check ((coalesce(answer_state, '') in ('submitted', 'approved')) = (answer_submitted_at is not null)),
  check ((coalesce(answer_state, '') = 'approved') = (answered_on is not null)),
  check ((coalesce(answer_state, '') = 'approved') = (answer_approved_by is not null)),
  -- Implemented: only after an approved adopt / partly-adopt answer, with its date.
  check ((status = 'implemented') = (implemented_on is not null)),
  check (status <> 'implemented' or (answer_state = 'approved' and decision in ('adopt', 'partly_adopt'))),
  check (implementation_note is null or status = 'implemented'),
  -- A client whose calendar runs on UTC is up to a day behind Japan.
  check (implemented_on is null or implemented_on >= received_on - 1),
  -- Published only with the proposer's consent, with the moderated text.
  check (moderation <> 'published' or (wants_public and public_title is not null and public_body is not null)),
  check ((moderation = 'pending') = (moderated_at is null)),
  check ((hidden_at is null) = (hidden_reason is null))
);
create index proposals_by_status on proposals (tenant_id, status, received_on);
create index proposals_by_department on proposals (tenant_id, department_code, status);
create index proposals_by_proposer on proposals (tenant_id, proposer_id, created_at desc);
create index proposals_public on proposals (tenant_id, received_on desc, seq desc)
  where moderation = 'published' and hidden_at is null;
create index proposals_implemented on proposals (tenant_id, implemented_on) where status = 'implemented';
create index proposals_search on proposals using gin (search_grams);

-- The workflow in the database: only these transitions, an approved answer is final, a
-- number never changes, and only drafts may be deleted.
create function proposals_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    if old.status <> 'draft' then
      raise exception 'proposal %: only drafts may be deleted', old.number using errcode = '23514';
    end if;
    return old;
  end if;
  if new.status is distinct from old.status and (old.status, new.status) not in (
      ('draft', 'received'), ('received', 'assigned'), ('received', 'declined'), ('received', 'withdrawn'),
      ('assigned', 'answered'), ('assigned', 'withdrawn'), ('answered', 'assigned'), ('answered', 'implemented')) then
    raise exception 'proposal %: % -> % is not a transition', old.number, old.status, new.status using errcode = '23514';
  end if;
  if old.answer_state = 'approved' and new.answer_state is distinct from 'approved' then
    raise exception 'proposal %: an approved answer is final', old.number using errcode = '23514';
  end if;
  if old.number is not null and new.number is distinct from old.number then
    raise exception 'proposal %: the number is permanent', old.number using errcode = '23514';
  end if;
  return new;
end $$;
create trigger proposals_guard before update or delete on proposals for each row execute function proposals_guard();

-- The history the proposer (and staff) follow.
create table proposal_events (
  tenant_id uuid not null references municipalities(id),
  id bigint generated always as identity,
  proposal_id uuid not null,
  at timestamptz not null,
  on_date date not null,
  kind text not null check (kind in (
    'received', 'assigned', 'transferred', 'answer_drafted', 'answer_submitted', 'answer_returned',
    'answer_published', 'implemented', 'withdrawn', 'declined', 'due_extended', 'published',
    'publication_refused', 'hidden', 'unhidden', 'reminded')),
  department_code text,
  note text check (length(note) <= 1000),
  -- False for the department's internal steps (drafts, returns, reminders).
  for_proposer boolean not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, proposal_id) references proposals(tenant_id, id) on delete cascade
);
create index proposal_events_by_proposal on proposal_events (tenant_id, proposal_id, id);

-- 賛同: once per account, by the primary key.
create table proposal_supports (
  tenant_id uuid not null references municipalities(id),
  proposal_id uuid not null,
  user_id uuid not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, proposal_id, user_id),
  foreign key (tenant_id, proposal_id) references proposals(tenant_id, id) on delete cascade,
  foreign key (tenant_id, user_id) references users(tenant_id, id)
);

-- Reports of a public proposal (abuse, personal data): one open report per account.
create table proposal_reports (
  tenant_id uuid not null references municipalities(id),
  id uuid not null default gen_random_uuid(),
  proposal_id uuid not null,
  reporter_id uuid not null,
  reason text not null check (length(reason) between 1 and 1000),
  created_at timestamptz not null,
  resolved_at timestamptz,
  resolution text check (resolution in ('hidden', 'dismissed')),
  resolved_by uuid,
  primary key (tenant_id, id),
  foreign key (tenant_id, proposal_id) references proposals(tenant_id, id) on delete cascade,
  foreign key (tenant_id, reporter_id) references users(tenant_id, id),
  foreign key (tenant_id, resolved_by) references users(tenant_id, id),
  check ((resolved_at is null) = (resolution is null) and (resolved_at is null) = (resolved_by is null))
);
create unique index proposal_reports_one_open on proposal_reports (tenant_id, proposal_id, reporter_id) where resolved_at is null;

-- Attachments: stored files served only through the proposal's own authorisation.
create table proposal_attachments (
  tenant_id uuid not null references municipalities(id),
  proposal_id uuid not null,
  file_id uuid not null,
  position integer not null check (position between 1 and 10),
  primary key (tenant_id, proposal_id, file_id),
  unique (tenant_id, proposal_id, position),
  foreign key (tenant_id, proposal_id) references proposals(tenant_id, id) on delete cascade,
  foreign key (tenant_id, file_id) references stored_files(tenant_id, id) on delete cascade
);
`);
}
