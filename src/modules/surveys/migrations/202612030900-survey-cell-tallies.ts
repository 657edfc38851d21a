/**
 * Running tallies that many answers can add to at once, and per weighting cell:
 * - Every running count is split into shards (0–63): a writer adds to the rows of its
 *   connection's shard, so concurrent answers seldom wait for each other's row locks (each
 *   holds them until its commit); a read sums the shards.
 * - survey_cell_tallies: respondents per (perception question, sex, age group, choice), ''
 *   for an attribute not given, so the weighted figures read them instead of the answers.
 * - survey_counts: respondents counted by the answers themselves (added to surveys.respondents,
 *   which bulk paths set), so an answer no longer updates the survey's row.
 * Backfilled from the stored answers; the totals and each survey's respondent count are
 * recounted from the answers at the same time, so every table starts equal to a full recount.
 */
import type { Sql } from '../../../core/db/database.ts';

/** The tally keys of the stored answers (as the module counts them), with the cell when `byCell`. */
function recount(byCell: boolean): string {
  const cell = byCell ? `coalesce(r.sex, ''), coalesce(r.age_group, ''), ` : '';
  return `select r.tenant_id, r.survey_id, q.code, ${cell}k.choice, count(*)::integer, 0
       from survey_responses r
       join survey_questions q on q.tenant_id = r.tenant_id and q.survey_id = r.survey_id${byCell ? ` and q.kind = 'perception'` : ''}
       cross join lateral (select r.answers -> q.code as a, q.kind in ('text', 'number') as free) v
       cross join lateral (
         select e as choice from jsonb_array_elements_text(case when not v.free and jsonb_typeof(v.a) = 'array' then v.a else '[]' end) e
         union all
         select case when coalesce(jsonb_typeof(v.a), 'null') = 'null' then '' when v.free then '*' when jsonb_typeof(v.a) = 'array' then '' else v.a #>> '{}' end
          where v.free or jsonb_typeof(v.a) is distinct from 'array' or jsonb_array_length(v.a) = 0
       ) k
      group by r.tenant_id, r.survey_id, q.code, ${cell}k.choice`;
}

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
alter table survey_tallies add column shard smallint not null default 0 check (shard between 0 and 63);
alter table survey_tallies drop constraint survey_tallies_pkey;
alter table survey_tallies add primary key (tenant_id, survey_id, question_code, choice_code, shard);
alter table survey_tallies alter column shard drop default;

create table survey_cell_tallies (
  tenant_id uuid not null references municipalities(id),
  survey_id uuid not null,
  question_code text not null,
  sex text not null check (length(sex) <= 40),
  age_group text not null check (length(age_group) <= 40),
  choice_code text not null,
  shard smallint not null check (shard between 0 and 63),
  n integer not null check (n >= 0),
  primary key (tenant_id, survey_id, question_code, sex, age_group, choice_code, shard),
  foreign key (tenant_id, survey_id, question_code) references survey_questions(tenant_id, survey_id, code) on delete cascade
);

create table survey_counts (
  tenant_id uuid not null references municipalities(id),
  survey_id uuid not null,
  shard smallint not null check (shard between 0 and 63),
  n integer not null check (n >= 0),
  primary key (tenant_id, survey_id, shard),
  foreign key (tenant_id, survey_id) references surveys(tenant_id, id) on delete cascade
);

insert into survey_cell_tallies (tenant_id, survey_id, question_code, sex, age_group, choice_code, n, shard) ${recount(true)};
delete from survey_tallies;
insert into survey_tallies (tenant_id, survey_id, question_code, choice_code, n, shard) ${recount(false)};
update surveys s set respondents = (select count(*) from survey_responses r where r.tenant_id = s.tenant_id and r.survey_id = s.id);
`);
}
