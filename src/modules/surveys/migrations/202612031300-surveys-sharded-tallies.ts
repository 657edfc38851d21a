/**
 * Running tallies without hot rows, and per weighting cell.
 *
 * Every answer used to add to the same rows — the survey's respondent count and one tally row
 * per question and choice — so answers queued on those row locks and committed one after the
 * other (one WAL flush each, never shared). Now:
 * - a tally is kept per (question, choice, sex, age group, shard): '' for an attribute not
 *   given; the shard is the writing connection's (pg_backend_pid() % 16), so answers arriving
 *   on different connections lock different rows; readers sum the shards;
 * - the respondent count moves from surveys.respondents to survey_respondent_counts, sharded
 *   the same way;
 * - the weighted figures read the cells of the tallies instead of scanning the answers;
 * - the answer path's tables lose their own foreign key to municipalities: their key to the
 *   survey (or question) already implies it, and checking it made every answer key-share-lock
 *   the municipality's one row (a multixact per answer under concurrency).
 * Backfilled from the stored answers (the tallies recounted, the respondents counted), so both
 * start equal to a full recount.
 */
import type { Sql } from '../../../core/db/database.ts';

export async function up(tx: Sql): Promise<void> {
  await tx.exec(`
alter table survey_tallies
  add column sex text not null default '' check (length(sex) <= 40),
  add column age_group text not null default '' check (length(age_group) <= 40),
  add column shard smallint not null default 0 check (shard between 0 and 63);
alter table survey_tallies drop constraint survey_tallies_pkey;
alter table survey_tallies drop constraint survey_tallies_tenant_id_fkey;
alter table survey_responses drop constraint survey_responses_tenant_id_fkey;
alter table survey_tallies add primary key (tenant_id, survey_id, question_code, choice_code, sex, age_group, shard);

delete from survey_tallies;
insert into survey_tallies (tenant_id, survey_id, question_code, choice_code, sex, age_group, n)
select r.tenant_id, r.survey_id, q.code, k.choice, coalesce(r.sex, ''), coalesce(r.age_group, ''), count(*)::integer
  from survey_responses r
  join survey_questions q on q.tenant_id = r.tenant_id and q.survey_id = r.survey_id
  cross join lateral (select r.answers -> q.code as a) v
  cross join lateral (
    select e as choice from jsonb_array_elements_text(case when q.kind not in ('text', 'number') and jsonb_typeof(v.a) = 'array' then v.a else '[]'::jsonb end) as e
    union all
    select case
             when q.kind in ('text', 'number') then case when coalesce(jsonb_typeof(v.a), 'null') = 'null' then '' else '*' end
             when jsonb_typeof(v.a) = 'array' then ''
             else coalesce(v.a #>> '{}', '')
           end
     where q.kind in ('text', 'number') or coalesce(jsonb_typeof(v.a), 'null') <> 'array' or jsonb_array_length(v.a) = 0
  ) k
 group by r.tenant_id, r.survey_id, q.code, k.choice, coalesce(r.sex, ''), coalesce(r.age_group, '');

create table survey_respondent_counts (
  tenant_id uuid not null,
  survey_id uuid not null,
  shard smallint not null check (shard between 0 and 63),
  n integer not null check (n >= 0),
  primary key (tenant_id, survey_id, shard),
  foreign key (tenant_id, survey_id) references surveys(tenant_id, id) on delete cascade
);
insert into survey_respondent_counts (tenant_id, survey_id, shard, n)
select tenant_id, survey_id, 0, count(*)::integer from survey_responses group by tenant_id, survey_id;
alter table surveys drop column respondents;
`);
}
