/** The surveys module's SQL: surveys, questions, invitations, responses and their tallies. */
import type { Sql } from '../../core/db/database.ts';
import { roomlessSince, type RoomCheck } from '../../core/rate-limit.ts';
import type { Choice } from './surveys.scale.ts';
import type { Kind } from './surveys.schema.ts';

export type State = 'draft' | 'open' | 'closed' | 'published';

export interface Survey {
  id: string;
  code: string;
  title: string;
  fiscalYear: number;
  population: number | null;
  state: State;
  invited: number;
  respondents: number;
  openedOn: string | null;
  closedOn: string | null;
  publishedOn: string | null;
  isDemo: boolean;
}

export interface Question {
  code: string;
  position: number;
  kind: Kind;
  text: string;
  required: boolean;
  choices: Choice[];
  ownScale: boolean;
  sectionCode: string | null;
  indicatorCode: string | null;
}

/** The respondents of the survey row `t`: the sum of its count's shards, and the answers waiting in the ballot box. */
const respondentsOf = (t: string) =>
  `((select coalesce(sum(c.n), 0)::integer from survey_respondent_counts c where c.tenant_id = ${t}.tenant_id and c.survey_id = ${t}.id)
    + (select count(*)::integer from survey_ballots b where b.tenant_id = ${t}.tenant_id and b.survey_id = ${t}.id))`;
const SURVEY_COLUMNS = `id, code, title, fiscal_year as "fiscalYear", population, state, invited, ${respondentsOf('surveys')} as respondents,
  opened_on as "openedOn", closed_on as "closedOn", published_on as "publishedOn", is_demo as "isDemo"`;
const QUESTION_COLUMNS = `code, position, kind, text, required, choices, own_scale as "ownScale", section_code as "sectionCode", indicator_code as "indicatorCode"`;

export async function findSurvey(sql: Sql, tenantId: string, code: string): Promise<Survey | undefined> {
  return sql.maybeOne<Survey>(`select ${SURVEY_COLUMNS} from surveys where tenant_id = $1 and code = $2`, [tenantId, code]);
}

export async function listSurveys(sql: Sql, tenantId: string, options: { states: readonly State[]; fiscalYear?: number | undefined; limit: number; offset: number }) {
  const params = [tenantId, options.states, options.fiscalYear ?? null, options.limit, options.offset];
  const where = `tenant_id = $1 and state = any($2::text[]) and ($3::integer is null or fiscal_year = $3)`;
  const [items, total] = await Promise.all([
    sql.query<Survey>(`select ${SURVEY_COLUMNS} from surveys where ${where} order by fiscal_year desc, code limit $4 offset $5`, params),
    sql.one<{ n: number }>(`select count(*)::integer as n from surveys where ${where}`, params.slice(0, 3)),
  ]);
  return { total: total.n, items };
}

export async function loadQuestions(sql: Sql, tenantId: string, surveyId: string): Promise<Question[]> {
  return sql.query<Question>(`select ${QUESTION_COLUMNS} from survey_questions where tenant_id = $1 and survey_id = $2 order by position`, [tenantId, surveyId]);
}

export async function insertSurvey(
  tx: Sql,
  tenantId: string,
  s: { code: string; title: string; fiscalYear: number; population: number | null; isDemo: boolean },
): Promise<Survey> {
  return tx.one<Survey>(
    `insert into surveys (tenant_id, code, title, fiscal_year, population, is_demo) values ($1, $2, $3, $4, $5, $6) returning ${SURVEY_COLUMNS}`,
    [tenantId, s.code, s.title, s.fiscalYear, s.population, s.isDemo],
  );
}

export async function insertQuestion(tx: Sql, tenantId: string, surveyId: string, q: Question): Promise<void> {
  await tx.query(
    `insert into survey_questions (tenant_id, survey_id, code, position, kind, text, required, choices, own_scale, section_code, indicator_code)
     values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11)`,
    [tenantId, surveyId, q.code, q.position, q.kind, q.text, q.required, JSON.stringify(q.choices), q.ownScale, q.sectionCode, q.indicatorCode],
  );
}

/** Moves the survey from one of `from` to `to`; undefined when it is in no such state. */
export async function transition(tx: Sql, tenantId: string, surveyId: string, from: readonly State[], to: State, today: string): Promise<Survey | undefined> {
  const column = { draft: null, open: 'opened_on', closed: 'closed_on', published: 'published_on' }[to];
  return tx.maybeOne<Survey>(
    `update surveys set state = $4${column ? `, ${column} = $5` : ''} where tenant_id = $1 and id = $2 and state = any($3::text[]) returning ${SURVEY_COLUMNS}`,
    column ? [tenantId, surveyId, from, to, today] : [tenantId, surveyId, from, to],
  );
}

/** Stores the hashes of new codes; returns how many were new (a clash, never expected, is skipped). */
export async function insertInvitations(tx: Sql, tenantId: string, surveyId: string, hashes: readonly string[]): Promise<number> {
  const rows = await tx.query(
    `insert into survey_invitations (tenant_id, survey_id, code_hash) select $1, $2, h from unnest($3::text[]) as h
     on conflict do nothing returning 1`,
    [tenantId, surveyId, hashes],
  );
  await tx.query('update surveys set invited = invited + $3 where tenant_id = $1 and id = $2', [tenantId, surveyId, rows.length]);
  return rows.length;
}

/**
 * Marks the code used. 'used' when it was used already (a concurrent use waits on the row
 * lock and then sees it), 'unknown' when no such code belongs to the survey.
 */
export async function redeemInvitation(tx: Sql, tenantId: string, surveyId: string, hash: string): Promise<'ok' | 'used' | 'unknown'> {
  const row = await tx.maybeOne(
    'update survey_invitations set used = true where tenant_id = $1 and survey_id = $2 and code_hash = $3 and not used returning 1',
    [tenantId, surveyId, hash],
  );
  if (row) return 'ok';
  const exists = await tx.maybeOne('select 1 from survey_invitations where tenant_id = $1 and survey_id = $2 and code_hash = $3', [tenantId, surveyId, hash]);
  return exists ? 'used' : 'unknown';
}

/** Whether each code is known and unused (for an import's dry run). */
export async function invitationStates(sql: Sql, tenantId: string, surveyId: string, hashes: readonly string[]): Promise<Map<string, boolean>> {
  const rows = await sql.query<{ code_hash: string; used: boolean }>(
    'select code_hash, used from survey_invitations where tenant_id = $1 and survey_id = $2 and code_hash = any($3::text[])',
    [tenantId, surveyId, hashes],
  );
  return new Map(rows.map((r) => [r.code_hash, r.used]));
}

/** Share-locks the survey and returns its state (a concurrent change of state waits for this transaction). */
export async function lockSurvey(tx: Sql, tenantId: string, surveyId: string): Promise<State | undefined> {
  const row = await tx.maybeOne<{ state: State }>('select state from surveys where tenant_id = $1 and id = $2 for share', [tenantId, surveyId]);
  return row?.state;
}

export interface ResponseRow {
  channel: 'web' | 'paper' | 'import';
  receivedOn: string;
  sex: string | null;
  ageGroup: string | null;
  area: string | null;
  answers: Record<string, unknown>;
  isDemo: boolean;
}

/**
 * Inserts answers (one statement for the batch): into the ballot box (an import, settled later
 * like any answer), or straight into the responses (the demo, which has no codes to protect).
 */
export async function insertResponses(tx: Sql, tenantId: string, surveyId: string, rows: readonly ResponseRow[], into: 'survey_ballots' | 'survey_responses'): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `insert into ${into} (tenant_id, survey_id, channel, received_on, sex, age_group, area, answers, is_demo)
     select $1, $2, r.channel, r.received_on::date, r.sex, r.age_group, r.area, r.answers, r.is_demo
       from jsonb_to_recordset($3::jsonb) as r(channel text, received_on text, sex text, age_group text, area text, answers jsonb, is_demo boolean)`,
    [
      tenantId,
      surveyId,
      JSON.stringify(
        rows.map((r) => ({ channel: r.channel, received_on: r.receivedOn, sex: r.sex, age_group: r.ageGroup, area: r.area, answers: r.answers, is_demo: r.isDemo })),
      ),
    ],
  );
}

/**
 * The tally keys of the answers in `rows` (a table holding tenant_id, survey_id, sex, age_group
 * and answers, aliased r, filtered by `where`), one row per key: each choice once, '' for an
 * unanswered choice question, '*' for an answered text or number question; '' for an attribute
 * not given. This one definition counts both the ballot box (live results, settling) and the
 * responses (the recount that proves the running tallies).
 */
const keysOf = (rows: string, where: string) => `
  select r.tenant_id, r.survey_id, q.code as question_code, k.choice as choice_code, coalesce(r.sex, '') as sex, coalesce(r.age_group, '') as age_group
    from ${rows} r
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
   where ${where}`;

/**
 * The live tallies of the surveys `where` selects (written for alias x): the settled running
 * tallies plus the keys of the answers still in the ballot box.
 */
const liveTallies = (where: (alias: string) => string) => `(
  select t.survey_id, t.question_code, t.choice_code, t.sex, t.age_group, t.n from survey_tallies t where ${where('t')}
  union all
  select k.survey_id, k.question_code, k.choice_code, k.sex, k.age_group, 1 from (${keysOf('survey_ballots', where('r'))}) k
)`;
const ONE_SURVEY = (a: string) => `${a}.tenant_id = $1 and ${a}.survey_id = $2`;

export interface Tally {
  questionCode: string;
  choiceCode: string;
  n: number;
}

/** The live tallies of a survey: per question and choice, its cells and shards summed. */
export async function loadTallies(sql: Sql, tenantId: string, surveyId: string): Promise<Tally[]> {
  return sql.query<Tally>(
    `select question_code as "questionCode", choice_code as "choiceCode", sum(n)::integer as n
       from ${liveTallies(ONE_SURVEY)} x group by question_code, choice_code`,
    [tenantId, surveyId],
  );
}

export interface CellTally extends Tally {
  /** '' when not given. */
  sex: string;
  /** '' when not given. */
  ageGroup: string;
}

/** The tallies per weighting cell (shards summed): live, or the settled running ones alone. */
export async function loadCellTallies(sql: Sql, tenantId: string, surveyId: string, which: 'live' | 'settled' = 'live'): Promise<CellTally[]> {
  const from = which === 'live' ? liveTallies(ONE_SURVEY) : `(select * from survey_tallies t where ${ONE_SURVEY('t')})`;
  return sql.query<CellTally>(
    `select question_code as "questionCode", choice_code as "choiceCode", sex, age_group as "ageGroup", sum(n)::integer as n
       from ${from} x group by question_code, choice_code, sex, age_group`,
    [tenantId, surveyId],
  );
}

/** The settled responses' keys counted per weighting cell in the database (a million answers move a few dozen rows, not the answers). */
const RECOUNT = `
  select question_code as "questionCode", choice_code as "choiceCode", sex, age_group as "ageGroup", count(*)::integer as n
    from (${keysOf('survey_responses', ONE_SURVEY('r'))}) k
   group by question_code, choice_code, sex, age_group`;

/** The tallies recounted from the settled responses themselves (the proof that the running ones are right). */
export async function recountTallies(sql: Sql, tenantId: string, surveyId: string): Promise<CellTally[]> {
  return sql.query<CellTally>(RECOUNT, [tenantId, surveyId]);
}

/** Rebuilds the running tallies and the respondent count from the settled responses (seeding, repair, a bulk load). */
export async function rebuildTallies(tx: Sql, tenantId: string, surveyId: string): Promise<void> {
  await tx.query('delete from survey_tallies where tenant_id = $1 and survey_id = $2', [tenantId, surveyId]);
  await tx.query(
    `insert into survey_tallies (tenant_id, survey_id, question_code, choice_code, sex, age_group, shard, n)
     select $1, $2, "questionCode", "choiceCode", sex, "ageGroup", 0, n from (${RECOUNT}) as recount order by 3, 4, 5, 6`,
    [tenantId, surveyId],
  );
  await tx.query('delete from survey_respondent_counts where tenant_id = $1 and survey_id = $2', [tenantId, surveyId]);
  await tx.query(
    `insert into survey_respondent_counts (tenant_id, survey_id, shard, n)
     select $1, $2, 0, count(*)::integer from survey_responses where tenant_id = $1 and survey_id = $2`,
    [tenantId, surveyId],
  );
}

/** How many answers of the survey are settled (stored responses) and how many wait in the ballot box. */
export async function storedCounts(sql: Sql, tenantId: string, surveyId: string): Promise<{ responses: number; ballots: number }> {
  return sql.one(
    `select (select count(*)::integer from survey_responses where tenant_id = $1 and survey_id = $2) as responses,
            (select count(*)::integer from survey_ballots where tenant_id = $1 and survey_id = $2) as ballots`,
    [tenantId, surveyId],
  );
}

/**
 * Respondents per weighting cell, with how many gave one of `choices` to the question, from the
 * live cell tallies (a perception question adds exactly one key per response).
 */
export async function cellCounts(sql: Sql, tenantId: string, surveyId: string, questionCode: string, choices: readonly string[]) {
  return sql.query<{ sex: string; ageGroup: string; respondents: number; hits: number }>(
    `select sex, age_group as "ageGroup", sum(n)::integer as respondents, coalesce(sum(n) filter (where choice_code = any($4::text[])), 0)::integer as hits
       from ${liveTallies(ONE_SURVEY)} x where question_code = $3 group by sex, age_group`,
    [tenantId, surveyId, questionCode, choices],
  );
}

export async function loadStrata(sql: Sql, tenantId: string, surveyId: string) {
  return sql.query<{ sex: string; ageGroup: string; population: number }>(
    'select sex, age_group as "ageGroup", population from survey_strata where tenant_id = $1 and survey_id = $2 order by sex, age_group',
    [tenantId, surveyId],
  );
}

export async function replaceStrata(tx: Sql, tenantId: string, surveyId: string, cells: readonly { sex: string; ageGroup: string; population: number }[]) {
  await tx.query('delete from survey_strata where tenant_id = $1 and survey_id = $2', [tenantId, surveyId]);
  if (cells.length === 0) return;
  await tx.query(
    `insert into survey_strata (tenant_id, survey_id, sex, age_group, population)
     select $1, $2, s, a, p from unnest($3::text[], $4::text[], $5::integer[]) as u(s, a, p)`,
    [tenantId, surveyId, cells.map((c) => c.sex), cells.map((c) => c.ageGroup), cells.map((c) => c.population)],
  );
}

/** Published questions bound to these indicators (or linked to a section), with their survey. */
export async function publishedQuestions(sql: Sql, tenantId: string, by: { indicators?: readonly string[]; section?: string }) {
  const filter = by.indicators ? 'q.indicator_code = any($2::text[])' : 'q.section_code = $2';
  return sql.query<Question & { surveyId: string; surveyCode: string; surveyTitle: string; fiscalYear: number; respondents: number; population: number | null; publishedOn: string; isDemo: boolean }>(
    `select ${QUESTION_COLUMNS.split(', ').map((c) => `q.${c}`).join(', ')},
            s.id as "surveyId", s.code as "surveyCode", s.title as "surveyTitle", s.fiscal_year as "fiscalYear", ${respondentsOf('s')} as respondents,
            s.population, s.published_on as "publishedOn", s.is_demo as "isDemo"
       from survey_questions q join surveys s on s.tenant_id = q.tenant_id and s.id = q.survey_id
      where q.tenant_id = $1 and s.state = 'published' and ${filter}
      order by s.fiscal_year, s.published_on, s.code`,
    [tenantId, by.indicators ?? by.section],
  );
}

/** The live tallies of several surveys' questions at once. */
export async function talliesOf(sql: Sql, tenantId: string, surveyIds: readonly string[]) {
  return sql.query<Tally & { surveyId: string }>(
    `select survey_id as "surveyId", question_code as "questionCode", choice_code as "choiceCode", sum(n)::integer as n
       from ${liveTallies((a) => `${a}.tenant_id = $1 and ${a}.survey_id = any($2::uuid[])`)} x group by survey_id, question_code, choice_code`,
    [tenantId, surveyIds],
  );
}

/** The latest published survey of an earlier fiscal year. */
export async function previousPublished(sql: Sql, tenantId: string, fiscalYear: number): Promise<Survey[]> {
  return sql.query<Survey>(
    `select ${SURVEY_COLUMNS} from surveys where tenant_id = $1 and state = 'published' and fiscal_year < $2 order by fiscal_year desc, published_on desc limit 20`,
    [tenantId, fiscalYear],
  );
}

/** Streams the responses in pages by id (memory flat whatever the count). */
export async function* responsePages(sql: Sql, tenantId: string, surveyId: string, pageSize = 2000): AsyncGenerator<(ResponseRow & { id: string })[]> {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await sql.query<ResponseRow & { id: string }>(
      `select id, channel, received_on as "receivedOn", sex, age_group as "ageGroup", area, answers, is_demo as "isDemo"
         from survey_responses where tenant_id = $1 and survey_id = $2 and id > $3 order by id limit $4`,
      [tenantId, surveyId, after, pageSize],
    );
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1]!.id;
    if (rows.length < pageSize) return;
  }
}

/** A CSV field in SQL, quoted as csv-stringify quotes it (when it holds a comma, a quote or a line break). */
const csvField = (x: string) => `case when ${x} ~ '[",\\r\\n]' then '"' || replace(${x}, '"', '""') || '"' else ${x} end`;

/**
 * The answers' CSV lines, page by page in id order, made by the database: each page is one
 * string (`prefix`, then channel, sex, age group, area, each of `questions` — a multiple
 * choice joined by ';' — and the demo flag), so an export of a million answers moves a few
 * hundred strings through Node instead of a million parsed answer objects (whose garbage, not
 * any accumulation, made the server's memory swell by ~170 MiB before a collection).
 */
export async function* answerCsvPages(sql: Sql, tenantId: string, surveyId: string, prefix: string, questions: readonly string[], pageSize = 1000): AsyncGenerator<string> {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const [page] = await sql.queryNamed<{ csv: string | null; n: number; last: string | null }>(
      'surveys.answerCsvPage',
      `select string_agg(line, '' order by id) as csv, count(*)::integer as n, (array_agg(id order by id desc))[1] as last
         from (
           select r.id, $5 || concat_ws(',', ${csvField('r.channel')}, ${csvField(`coalesce(r.sex, '')`)}, ${csvField(`coalesce(r.age_group, '')`)}, ${csvField(`coalesce(r.area, '')`)},
                  (select string_agg(${csvField('w.v')}, ',' order by u.i)
                     from unnest($6::text[]) with ordinality as u(c, i)
                     cross join lateral (select case when jsonb_typeof(r.answers -> u.c) = 'array'
                                                     then coalesce((select string_agg(e, ';' order by o) from jsonb_array_elements_text(r.answers -> u.c) with ordinality as x(e, o)), '')
                                                     else coalesce(r.answers ->> u.c, '') end as v) as w),
                  case when r.is_demo then 'true' else 'false' end) || E'\\n' as line
             from survey_responses r
            where r.tenant_id = $1 and r.survey_id = $2 and r.id > $3::uuid
            order by r.id limit $4
         ) as p`,
      [tenantId, surveyId, after, pageSize, prefix, questions],
    );
    if (!page || page.n === 0) return;
    yield page.csv!;
    if (page.n < pageSize) return;
    after = page.last!;
  }
}

/** What became of an answer: stored, or why not ('full': its address has no room left, nothing tried). */
export type StoreOutcome = 'ok' | 'used' | 'unknown' | 'closed' | { full: Date };

/** One answer through storeAnswers() (a lone caller, or a paper answer inside its transaction). */
export async function storeAnswer(sql: Sql, answer: AnswerToStore): Promise<StoreOutcome> {
  return (await storeAnswers(sql, [answer]))[0]!;
}

/** One answer for storeAnswers(). */
export interface AnswerToStore {
  tenantId: string;
  surveyId: string;
  hash: string;
  row: ResponseRow;
  /** A web answer's limit (core's rate limits), checked in the same statement before the code is tried. */
  room?: RoomCheck | undefined;
}

/**
 * Answers in one statement (the hot path; atomic on its own, no transaction needed; several at
 * once under group commit, core/db/batch.ts), one outcome each, in order. Per answer: the
 * survey share-locked while open (a concurrent close waits for the answer; an answer after it
 * sees it closed), the code marked used and the answer dropped into the ballot box, the latter
 * only when the code was redeemed. A code that comes twice in one batch is redeemed by the first
 * and found used by the second. 'closed' and 'used' change nothing. The answer reaches the
 * responses and the tallies later, with others, in another transaction (settleBallots), so
 * nothing the answer's transaction writes outlives it but the used flag and a row that is
 * deleted. (Every data-modifying step of a WITH runs to completion, read or not.)
 */
export async function storeAnswers(sql: Sql, answers: readonly AnswerToStore[]): Promise<StoreOutcome[]> {
  const column = <T>(f: (a: AnswerToStore) => T) => answers.map(f);
  const rows = await sql.queryNamed<{ n: number; open: boolean; redeemed: boolean; full: Date | null }>(
    'surveys.storeAnswers',
    `with a as (
       select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::date[], $6::text[], $7::text[], $8::text[], $9::text[], $10::boolean[],
                            $11::text[], $12::text[], $13::int[], $14::int[], $15::timestamptz[])
         with ordinality as a(tenant_id, survey_id, hash, channel, received_on, sex, age_group, area, answers, is_demo, room_bucket, room_key, room_secs, room_limit, room_now, n)
     ), f as (
       select a.n, ${roomlessSince('a')} as full from a
     ), i as (
       select a.* from a join f on f.n = a.n where f.full is null
     ), s as (
       select tenant_id, id from surveys where (tenant_id, id) in (select tenant_id, survey_id from i) and state = 'open' order by tenant_id, id for share
     ), inv as (
       update survey_invitations v set used = true
        where (v.tenant_id, v.survey_id, v.code_hash) in (select i.tenant_id, i.survey_id, i.hash from i join s on s.tenant_id = i.tenant_id and s.id = i.survey_id)
          and not v.used
       returning v.tenant_id, v.survey_id, v.code_hash
     ), w as (
       select distinct on (i.tenant_id, i.survey_id, i.hash) i.*
         from i join inv on inv.tenant_id = i.tenant_id and inv.survey_id = i.survey_id and inv.code_hash = i.hash
        order by i.tenant_id, i.survey_id, i.hash, i.n
     ), b as (
       insert into survey_ballots (tenant_id, survey_id, channel, received_on, sex, age_group, area, answers, is_demo)
       select tenant_id, survey_id, channel, received_on, sex, age_group, area, answers::jsonb, is_demo from w
     )
     select a.n::int as n, s.id is not null as open, w.n is not null as redeemed, f.full
       from a join f on f.n = a.n left join s on s.tenant_id = a.tenant_id and s.id = a.survey_id left join w on w.n = a.n
      order by a.n`,
    [
      column((a) => a.tenantId),
      column((a) => a.surveyId),
      column((a) => a.hash),
      column((a) => a.row.channel),
      column((a) => a.row.receivedOn),
      column((a) => a.row.sex),
      column((a) => a.row.ageGroup),
      column((a) => a.row.area),
      column((a) => JSON.stringify(a.row.answers)),
      column((a) => a.row.isDemo),
      column((a) => a.room?.bucket ?? null),
      column((a) => a.room?.keyHash ?? null),
      column((a) => a.room?.windowSeconds ?? null),
      column((a) => a.room?.limit ?? null),
      column((a) => a.room?.now ?? null),
    ],
  );
  if (rows.length !== answers.length) throw new Error(`storeAnswers: ${answers.length} answers, ${rows.length} outcomes`);
  const outcomes: StoreOutcome[] = [];
  for (const [k, r] of rows.entries()) {
    if (r.full) outcomes.push({ full: r.full });
    else if (!r.open) outcomes.push('closed');
    else if (r.redeemed) outcomes.push('ok');
    else {
      const a = answers[k]!;
      const exists = await sql.maybeOne('select 1 from survey_invitations where tenant_id = $1 and survey_id = $2 and code_hash = $3', [a.tenantId, a.surveyId, a.hash]);
      outcomes.push(exists ? 'used' : 'unknown');
    }
  }
  return outcomes;
}

/**
 * How many answers of one day must wait in the ballot box before they are settled together
 * while the survey is open: each settled group shares one transaction, so this is the least
 * number of answers among which a code's answer hides (the day counts because the responses
 * keep the day they arrived). A day with fewer waits until the survey closes.
 */
export const SETTLE_GROUP = 10;

/**
 * Moves answers from the ballot box into the responses (in random order) and the running
 * tallies and respondent count, in one statement: the days of the survey with at least
 * `minimum` waiting answers (1: all of them). Returns how many moved. Concurrent settles of the
 * same survey do not move an answer twice: the second waits for the first's deleted rows and
 * skips them.
 */
export async function settleBallots(sql: Sql, tenantId: string, surveyId: string, minimum: number): Promise<number> {
  const row = await sql.one<{ n: number }>(
    `with m as (
       delete from survey_ballots r
        where r.tenant_id = $1 and r.survey_id = $2
          -- The days, computed once (an array, not a join the planner might repeat per row).
          and r.received_on = any (array(select received_on from survey_ballots where tenant_id = $1 and survey_id = $2 group by received_on having count(*) >= $3))
       returning r.tenant_id, r.survey_id, r.channel, r.received_on, r.sex, r.age_group, r.area, r.answers, r.is_demo
     ), responses as (
       insert into survey_responses (tenant_id, survey_id, channel, received_on, sex, age_group, area, answers, is_demo)
       select tenant_id, survey_id, channel, received_on, sex, age_group, area, answers, is_demo from m order by random()
     ), tallies as (
       insert into survey_tallies as t (tenant_id, survey_id, question_code, choice_code, sex, age_group, shard, n)
       select $1, $2, k.question_code, k.choice_code, k.sex, k.age_group, 0, count(*)::integer
         from (${keysOf('m', 'true')}) k
        group by k.question_code, k.choice_code, k.sex, k.age_group
        order by k.question_code collate "C", k.choice_code collate "C", k.sex collate "C", k.age_group collate "C"
       on conflict (tenant_id, survey_id, question_code, choice_code, sex, age_group, shard) do update set n = t.n + excluded.n
     ), counted as (
       insert into survey_respondent_counts as c (tenant_id, survey_id, shard, n)
       select $1, $2, 0, count(*)::integer from m having count(*) > 0
       on conflict (tenant_id, survey_id, shard) do update set n = c.n + excluded.n
     )
     select count(*)::integer as n from m`,
    [tenantId, surveyId, minimum],
  );
  return row.n;
}

/**
 * Rewrites all the survey's responses in one statement, in random order (with new ids), so that
 * every response carries the same transaction and no position or id remembers when it came.
 */
export async function reshuffleResponses(tx: Sql, tenantId: string, surveyId: string): Promise<void> {
  await tx.query(
    `with old as (
       delete from survey_responses where tenant_id = $1 and survey_id = $2
       returning channel, received_on, sex, age_group, area, answers, is_demo
     )
     insert into survey_responses (tenant_id, survey_id, channel, received_on, sex, age_group, area, answers, is_demo)
     select $1, $2, channel, received_on, sex, age_group, area, answers, is_demo from old order by random()`,
    [tenantId, surveyId],
  );
}

/**
 * Settles every waiting answer and rewrites all the responses (inside the caller's transaction:
 * the close of a survey, an import into a closed one), so afterwards one transaction holds them all.
 */
export async function settleAll(tx: Sql, tenantId: string, surveyId: string): Promise<void> {
  await settleBallots(tx, tenantId, surveyId, 1);
  await reshuffleResponses(tx, tenantId, surveyId);
}

/** The surveys with answers waiting in the ballot box. */
export async function surveysWithBallots(sql: Sql): Promise<{ tenantId: string; surveyId: string }[]> {
  return sql.query('select distinct tenant_id as "tenantId", survey_id as "surveyId" from survey_ballots');
}

/**
 * Vacuums the tables an answer's transaction wrote, so the deleted ballots and the rewritten
 * responses leave no dead row versions behind (outside a transaction).
 */
export async function vacuumBallots(sql: Sql, responsesToo: boolean): Promise<void> {
  await sql.exec(`vacuum survey_ballots${responsesToo ? ', survey_responses' : ''}`);
}

/** A survey with its questions in one read. */
export async function findSurveyWithQuestions(sql: Sql, tenantId: string, code: string): Promise<{ survey: Survey; questions: Question[] } | undefined> {
  const row = await sql.maybeOne<Survey & { questions: Question[] }>(
    `select ${SURVEY_COLUMNS},
            coalesce((select json_agg(json_build_object('code', q.code, 'position', q.position, 'kind', q.kind, 'text', q.text, 'required', q.required,
                'choices', q.choices, 'ownScale', q.own_scale, 'sectionCode', q.section_code, 'indicatorCode', q.indicator_code) order by q.position)
              from survey_questions q where q.tenant_id = surveys.tenant_id and q.survey_id = surveys.id), '[]'::json) as questions
       from surveys where tenant_id = $1 and code = $2`,
    [tenantId, code],
  );
  if (!row) return undefined;
  const { questions, ...survey } = row;
  return { survey, questions };
}
