/**
 * Running tallies per weighting cell: respondents per (perception question, sex, age group,
 * choice), '' for an attribute not given, kept in the same transaction as each answer so the
 * weighted figures read them instead of scanning the answers. Backfilled from the stored
 * answers; the totals (survey_tallies) and each survey's respondent count are recounted from
 * the answers at the same time, so both tables start equal to a full recount.
 */
import type { Sql } from '../../../core/db/database.ts';

/** The tally keys of the stored answers (as the module counts them), with the cell when `byCell`. */
function recount(byCell: boolean): string {
  const cell = byCell ? `coalesce(r.sex, ''), coalesce(r.age_group, ''), ` : '';
  return `select r.tenant_id, r.survey_id, q.code, ${cell}k.choice, count(*)::integer
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
create table survey_cell_tallies (
  tenant_id uuid not null references municipalities(id),
  survey_id uuid not null,
  question_code text not null,
  sex text not null check (length(sex) <= 40),
  age_group text not null check (length(age_group) <= 40),
  choice_code text not null,
  n integer not null check (n >= 0),
  primary key (tenant_id, survey_id, question_code, sex, age_group, choice_code),
  foreign key (tenant_id, survey_id, question_code) references survey_questions(tenant_id, survey_id, code) on delete cascade
);
insert into survey_cell_tallies (tenant_id, survey_id, question_code, sex, age_group, choice_code, n) ${recount(true)};
delete from survey_tallies;
insert into survey_tallies (tenant_id, survey_id, question_code, choice_code, n) ${recount(false)};
update surveys s set respondents = (select count(*) from survey_responses r where r.tenant_id = s.tenant_id and r.survey_id = s.id);
`);
}
