/** The surveys module's SQL: surveys, questions, invitations, responses and their tallies. */
import type { Sql } from '../../core/db/database.ts';
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

const SURVEY_COLUMNS = `id, code, title, fiscal_year as "fiscalYear", population, state, invited, respondents,
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

/** Counts one more respondent while the survey is open; false when it is not open (closed meanwhile). */
export async function countRespondent(tx: Sql, tenantId: string, surveyId: string, n = 1, states: readonly State[] = ['open']): Promise<boolean> {
  const row = await tx.maybeOne(`update surveys set respondents = respondents + $3 where tenant_id = $1 and id = $2 and state = any($4::text[]) returning 1`, [
    tenantId,
    surveyId,
    n,
    states,
  ]);
  return row !== undefined;
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

/** Inserts responses (one statement for the batch). */
export async function insertResponses(tx: Sql, tenantId: string, surveyId: string, rows: readonly ResponseRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `insert into survey_responses (tenant_id, survey_id, channel, received_on, sex, age_group, area, answers, is_demo)
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

/** Adds to the running tallies, in a fixed key order (concurrent answers lock rows in the same order). */
export async function addTallies(tx: Sql, tenantId: string, surveyId: string, increments: ReadonlyMap<string, number>): Promise<void> {
  if (increments.size === 0) return;
  const keys = [...increments.keys()].sort();
  const questions = keys.map((k) => k.slice(0, k.indexOf('\u0000')));
  const choices = keys.map((k) => k.slice(k.indexOf('\u0000') + 1));
  const counts = keys.map((k) => increments.get(k)!);
  await tx.query(
    `insert into survey_tallies as t (tenant_id, survey_id, question_code, choice_code, n)
     select $1, $2, q, c, n from unnest($3::text[], $4::text[], $5::integer[]) with ordinality as u(q, c, n, i) order by i
     on conflict (tenant_id, survey_id, question_code, choice_code) do update set n = t.n + excluded.n`,
    [tenantId, surveyId, questions, choices, counts],
  );
}

export interface Tally {
  questionCode: string;
  choiceCode: string;
  n: number;
}

export async function loadTallies(sql: Sql, tenantId: string, surveyId: string): Promise<Tally[]> {
  return sql.query<Tally>(
    'select question_code as "questionCode", choice_code as "choiceCode", n from survey_tallies where tenant_id = $1 and survey_id = $2',
    [tenantId, surveyId],
  );
}

/** The tallies recounted from the responses themselves (the proof that the running ones are right). */
export async function recountTallies(sql: Sql, tenantId: string, surveyId: string, questions: readonly Question[]): Promise<Tally[]> {
  const rows = await sql.query<{ answers: Record<string, unknown> }>('select answers from survey_responses where tenant_id = $1 and survey_id = $2', [
    tenantId,
    surveyId,
  ]);
  const counts = new Map<string, number>();
  for (const r of rows) {
    for (const [key, n] of tallyKeys(questions, r.answers)) counts.set(key, (counts.get(key) ?? 0) + n);
  }
  return [...counts].map(([k, n]) => ({ questionCode: k.slice(0, k.indexOf('\u0000')), choiceCode: k.slice(k.indexOf('\u0000') + 1), n }));
}

/** Rebuilds the tallies from the responses (seeding, repair). */
export async function rebuildTallies(tx: Sql, tenantId: string, surveyId: string, questions: readonly Question[]): Promise<void> {
  await tx.query('delete from survey_tallies where tenant_id = $1 and survey_id = $2', [tenantId, surveyId]);
  const recount = await recountTallies(tx, tenantId, surveyId, questions);
  await addTallies(tx, tenantId, surveyId, new Map(recount.map((t) => [`${t.questionCode}\u0000${t.choiceCode}`, t.n])));
}

/**
 * The tally keys ("question\0choice") a stored response adds: each choice once, '' for an
 * unanswered choice question, '*' for an answered text or number question.
 */
export function tallyKeys(questions: readonly Question[], answers: Record<string, unknown>): Map<string, number> {
  const keys = new Map<string, number>();
  const add = (q: string, c: string) => keys.set(`${q}\u0000${c}`, (keys.get(`${q}\u0000${c}`) ?? 0) + 1);
  for (const q of questions) {
    const a = answers[q.code];
    if (q.kind === 'text' || q.kind === 'number') add(q.code, a === undefined || a === null ? '' : '*');
    else if (Array.isArray(a)) {
      if (a.length === 0) add(q.code, '');
      for (const c of a) add(q.code, String(c));
    } else add(q.code, a === undefined || a === null ? '' : String(a));
  }
  return keys;
}

/** Responses per weighting cell, with how many gave one of `choices` to the question. */
export async function cellCounts(sql: Sql, tenantId: string, surveyId: string, questionCode: string, choices: readonly string[]) {
  return sql.query<{ sex: string | null; ageGroup: string | null; respondents: number; hits: number }>(
    `select sex, age_group as "ageGroup", count(*)::integer as respondents,
            count(*) filter (where answers->>$3 = any($4::text[]))::integer as hits
       from survey_responses where tenant_id = $1 and survey_id = $2 group by sex, age_group`,
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
            s.id as "surveyId", s.code as "surveyCode", s.title as "surveyTitle", s.fiscal_year as "fiscalYear", s.respondents,
            s.population, s.published_on as "publishedOn", s.is_demo as "isDemo"
       from survey_questions q join surveys s on s.tenant_id = q.tenant_id and s.id = q.survey_id
      where q.tenant_id = $1 and s.state = 'published' and ${filter}
      order by s.fiscal_year, s.published_on, s.code`,
    [tenantId, by.indicators ?? by.section],
  );
}

/** The tallies of several surveys' questions at once. */
export async function talliesOf(sql: Sql, tenantId: string, surveyIds: readonly string[]) {
  return sql.query<Tally & { surveyId: string }>(
    `select survey_id as "surveyId", question_code as "questionCode", choice_code as "choiceCode", n
       from survey_tallies where tenant_id = $1 and survey_id = any($2::uuid[])`,
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

/**
 * One answer in one statement (the hot path): the code marked used, the respondent counted
 * while the survey is open, the response stored and the tallies added, each step only when
 * the one before it happened. 'closed' leaves the code used: the caller rolls back.
 */
export async function storeAnswer(
  tx: Sql,
  tenantId: string,
  surveyId: string,
  hash: string,
  row: ResponseRow,
  increments: ReadonlyMap<string, number>,
): Promise<'ok' | 'used' | 'unknown' | 'closed'> {
  const keys = [...increments.keys()].sort();
  const result = await tx.one<{ redeemed: number; counted: number }>(
    `with inv as (
       update survey_invitations set used = true where tenant_id = $1 and survey_id = $2 and code_hash = $3 and not used returning 1
     ), s as (
       update surveys set respondents = respondents + 1 where tenant_id = $1 and id = $2 and state = 'open' and exists (select 1 from inv) returning id
     ), r as (
       insert into survey_responses (tenant_id, survey_id, channel, received_on, sex, age_group, area, answers, is_demo)
       select $1, $2, $4, $5::date, $6, $7, $8, $9::jsonb, $10 from s returning 1
     ), t as (
       insert into survey_tallies as t (tenant_id, survey_id, question_code, choice_code, n)
       select $1, $2, q, c, n from unnest($11::text[], $12::text[], $13::integer[]) with ordinality as u(q, c, n, i), s order by i
       on conflict (tenant_id, survey_id, question_code, choice_code) do update set n = t.n + excluded.n returning 1
     )
     select (select count(*) from inv)::integer as redeemed, (select count(*) from s)::integer + 0 * (select count(*) from r) + 0 * (select count(*) from t) as counted`,
    [
      tenantId,
      surveyId,
      hash,
      row.channel,
      row.receivedOn,
      row.sex,
      row.ageGroup,
      row.area,
      JSON.stringify(row.answers),
      row.isDemo,
      keys.map((k) => k.slice(0, k.indexOf('\u0000'))),
      keys.map((k) => k.slice(k.indexOf('\u0000') + 1)),
      keys.map((k) => increments.get(k)!),
    ],
  );
  if (result.redeemed === 0) {
    const exists = await tx.maybeOne('select 1 from survey_invitations where tenant_id = $1 and survey_id = $2 and code_hash = $3', [tenantId, surveyId, hash]);
    return exists ? 'used' : 'unknown';
  }
  return result.counted === 1 ? 'ok' : 'closed';
}

/** A survey with its questions in one read. */
export async function findSurveyWithQuestions(sql: Sql, tenantId: string, code: string): Promise<{ survey: Survey; questions: Question[] } | undefined> {
  const row = await sql.maybeOne<Survey & { questions: Question[] }>(
    `select ${SURVEY_COLUMNS},
            coalesce((select json_agg(json_build_object('code', q.code, 'position', q.position, 'kind', q.kind, 'text', q.text, 'required', q.required,
                'choices', q.choices, 'ownScale', q.own_scale, 'sectionCode', q.section_code, 'indicatorCode', q.indicator_code) order by q.position)
              from survey_questions q where q.tenant_id = s.tenant_id and q.survey_id = s.id), '[]'::json) as questions
       from surveys s where tenant_id = $1 and code = $2`,
    [tenantId, code],
  );
  if (!row) return undefined;
  const { questions, ...survey } = row;
  return { survey, questions };
}
