/**
 * 市民意識調査 — citizen perception surveys: a survey per fiscal year and its questions, the
 * single-use invitation codes (stored only as hashes), the anonymous responses and the running
 * tallies kept in the same transaction as each response.
 *
 * Anonymity: a response row carries no reference to an invitation, no timestamp (only the day
 * it arrived), and a random id; an invitation row carries only the hash of its code and whether
 * it was used. The code list itself (who received which code) never enters the database.
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
create table surveys (
  tenant_id uuid not null references municipalities(id),
  id uuid not null default gen_random_uuid(),
  code text not null check (code ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
  title text not null check (length(title) between 1 and 200),
  fiscal_year integer not null check (fiscal_year between 1900 and 2200),
  -- The number of residents the sample was drawn from (finite-population correction).
  population integer check (population > 0),
  state text not null default 'draft' check (state in ('draft', 'open', 'closed', 'published')),
  invited integer not null default 0 check (invited >= 0),
  respondents integer not null default 0 check (respondents >= 0),
  opened_on date,
  closed_on date,
  published_on date,
  is_demo boolean not null default false,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, code),
  check ((state = 'published') = (published_on is not null))
);
create index surveys_by_year on surveys (tenant_id, fiscal_year, state);

create table survey_questions (
  tenant_id uuid not null references municipalities(id),
  survey_id uuid not null,
  code text not null check (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$'),
  position integer not null check (position >= 0),
  kind text not null check (kind in ('perception', 'single', 'multiple', 'text', 'number')),
  text text not null check (length(text) between 1 and 500),
  required boolean not null default false,
  -- [{ code, label, positive, substantive, score, blank? }] for perception, single and multiple.
  choices jsonb not null default '[]',
  -- True when a perception question uses the city's own scale instead of the plan's six codes.
  own_scale boolean not null default false,
  section_code text check (length(section_code) between 1 and 64),
  indicator_code text check (length(indicator_code) between 1 and 64),
  primary key (tenant_id, survey_id, code),
  unique (tenant_id, survey_id, position),
  foreign key (tenant_id, survey_id) references surveys(tenant_id, id) on delete cascade,
  check (jsonb_typeof(choices) = 'array'),
  check ((kind in ('perception', 'single', 'multiple')) = (jsonb_array_length(choices) > 0)),
  check (indicator_code is null or kind in ('perception', 'single'))
);
create index survey_questions_by_section on survey_questions (tenant_id, section_code) where section_code is not null;
create index survey_questions_by_indicator on survey_questions (tenant_id, indicator_code) where indicator_code is not null;

-- One row per code: its SHA-256 only. "used" turns true once, in the transaction that stores
-- the response; the update's row lock makes a second (or concurrent) use see it.
create table survey_invitations (
  tenant_id uuid not null references municipalities(id),
  survey_id uuid not null,
  code_hash text not null check (code_hash ~ '^[0-9a-f]{64}$'),
  used boolean not null default false,
  primary key (tenant_id, survey_id, code_hash),
  foreign key (tenant_id, survey_id) references surveys(tenant_id, id) on delete cascade
);
create function survey_invitations_once() returns trigger language plpgsql as $$
begin
  if old.used and not new.used then
    raise exception 'a used invitation cannot be used again' using errcode = '23514';
  end if;
  return new;
end $$;
create trigger survey_invitations_once before update on survey_invitations for each row execute function survey_invitations_once();

create table survey_responses (
  tenant_id uuid not null references municipalities(id),
  survey_id uuid not null,
  id uuid not null default gen_random_uuid(),
  channel text not null check (channel in ('web', 'paper', 'import')),
  received_on date not null,
  sex text check (length(sex) between 1 and 40),
  age_group text check (length(age_group) between 1 and 40),
  area text check (length(area) between 1 and 60),
  -- { "<question>": "<choice>" | ["<choice>", …] | "text" | number }; a blank is absent.
  answers jsonb not null check (jsonb_typeof(answers) = 'object'),
  is_demo boolean not null default false,
  primary key (tenant_id, survey_id, id),
  foreign key (tenant_id, survey_id) references surveys(tenant_id, id) on delete cascade
);

-- Running tallies: respondents per (question, choice), '' for unanswered on a scale without a
-- 無回答 choice. Updated in the response's transaction; surveys recount proves them.
create table survey_tallies (
  tenant_id uuid not null references municipalities(id),
  survey_id uuid not null,
  question_code text not null,
  choice_code text not null,
  n integer not null check (n >= 0),
  primary key (tenant_id, survey_id, question_code, choice_code),
  foreign key (tenant_id, survey_id, question_code) references survey_questions(tenant_id, survey_id, code) on delete cascade
);

-- Population counts per weighting cell (sex × age group), entered by staff.
create table survey_strata (
  tenant_id uuid not null references municipalities(id),
  survey_id uuid not null,
  sex text not null check (length(sex) between 1 and 40),
  age_group text not null check (length(age_group) between 1 and 40),
  population integer not null check (population > 0),
  primary key (tenant_id, survey_id, sex, age_group),
  foreign key (tenant_id, survey_id) references surveys(tenant_id, id) on delete cascade
);
`);
}
