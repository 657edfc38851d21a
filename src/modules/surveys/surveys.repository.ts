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

/** Respondents: the count set by bulk paths plus the shards the answers add to (`t`: the surveys row's name in the query). */
export const respondentsOf = (t: string) =>
  `(${t}.respondents + coalesce((select sum(k.n) from survey_counts k where k.tenant_id = ${t}.tenant_id and k.survey_id = ${t}.id), 0))::integer`;
const surveyColumns = (t = 'surveys') => `id, code, title, fiscal_year as "fiscalYear", population, state, invited, ${respondentsOf(t)} as respondents,
  opened_on as "openedOn", closed_on as "closedOn", published_on as "publishedOn", is_demo as "isDemo"`;
const SURVEY_COLUMNS = surveyColumns();

/**
 * The shard a writer adds to: its database connection's, so the statements in flight at once
 * (one per connection) almost never share rows; a read sums the 64 shards.
 */
const SHARD = '(pg_backend_pid() % 64)::smallint';
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

/** Marks these codes used in one statement (rows locked in index order); how many were unused. */
export async function redeemInvitations(tx: Sql, tenantId: string, surveyId: string, hashes: readonly string[]): Promise<number> {
  const rows = await tx.query(
    'update survey_invitations set used = true where tenant_id = $1 and survey_id = $2 and code_hash = any($3::text[]) and not used returning 1',
    [tenantId, surveyId, [...hashes].sort()],
  );
  return rows.length;
}

/** Whether each code is known and unused (for an import's dry run). */
export async function invitationStates(sql: Sql, tenantId: string, surveyId: string, hashes: readonly string[]): Promise<Map<string, boolean>> {
  const rows = await sql.query<{ code_hash: string; used: boolean }>(
    'select code_hash, used from survey_invitations where tenant_id = $1 and survey_id = $2 and code_hash = any($3::text[])',
    [tenantId, surveyId, hashes],
  );
  return new Map(rows.map((r) => [r.code_hash, r.used]));
}

/**
 * Locks the survey's row in share mode while it is in one of `states` (a close waits for the
 * answers being stored, and they for it); false when it is in none.
 */
export async function lockForAnswers(tx: Sql, tenantId: string, surveyId: string, states: readonly State[]): Promise<boolean> {
  const row = await tx.maybeOne('select 1 from surveys where tenant_id = $1 and id = $2 and state = any($3::text[]) for share', [tenantId, surveyId, states]);
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

/** The columns of cell tally keys ("question\0sex\0age group\0choice"), for unnest. */
function cellColumns(keys: readonly string[], cells: ReadonlyMap<string, number>): [string[], string[], string[], string[], number[]] {
  const parts = keys.map((k) => k.split('\u0000'));
  return [parts.map((p) => p[0]!), parts.map((p) => p[1]!), parts.map((p) => p[2]!), parts.map((p) => p[3]!), keys.map((k) => cells.get(k)!)];
}

/**
 * Adds to the running tallies (totals, then cells), each in a fixed key order: concurrent
 * answers lock the same rows in the same order, so they wait for each other but never deadlock.
 */
export async function addTallies(
  tx: Sql,
  tenantId: string,
  surveyId: string,
  respondents: number,
  increments: ReadonlyMap<string, number>,
  cells: ReadonlyMap<string, number>,
): Promise<void> {
  if (increments.size > 0) {
    const keys = [...increments.keys()].sort();
    const questions = keys.map((k) => k.slice(0, k.indexOf('\u0000')));
    const choices = keys.map((k) => k.slice(k.indexOf('\u0000') + 1));
    const counts = keys.map((k) => increments.get(k)!);
    await tx.query(
      `insert into survey_tallies as t (tenant_id, survey_id, question_code, choice_code, shard, n)
       select $1, $2, q, c, ${SHARD}, n from unnest($3::text[], $4::text[], $5::integer[]) with ordinality as u(q, c, n, i) order by i
       on conflict (tenant_id, survey_id, question_code, choice_code, shard) do update set n = t.n + excluded.n`,
      [tenantId, surveyId, questions, choices, counts],
    );
  }
  if (cells.size > 0) {
    await tx.query(
      `insert into survey_cell_tallies as t (tenant_id, survey_id, question_code, sex, age_group, choice_code, shard, n)
       select $1, $2, u.q, u.sex, u.age, u.c, ${SHARD}, u.n from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::integer[]) with ordinality as u(q, sex, age, c, n, i) order by u.i
       on conflict (tenant_id, survey_id, question_code, sex, age_group, choice_code, shard) do update set n = t.n + excluded.n`,
      [tenantId, surveyId, ...cellColumns([...cells.keys()].sort(), cells)],
    );
  }
  if (respondents > 0) {
    await tx.query(
      `insert into survey_counts as k (tenant_id, survey_id, shard, n) values ($1, $2, ${SHARD}, $3)
       on conflict (tenant_id, survey_id, shard) do update set n = k.n + excluded.n`,
      [tenantId, surveyId, respondents],
    );
  }
}

export interface Tally {
  questionCode: string;
  choiceCode: string;
  n: number;
}

export async function loadTallies(sql: Sql, tenantId: string, surveyId: string): Promise<Tally[]> {
  return sql.query<Tally>(
    `select question_code as "questionCode", choice_code as "choiceCode", sum(n)::integer as n
       from survey_tallies where tenant_id = $1 and survey_id = $2 group by question_code, choice_code`,
    [tenantId, surveyId],
  );
}

/**
 * The tallies recounted in this process from the stored answers (an implementation apart from
 * the database's recount), page by page.
 */
export async function recountTallies(sql: Sql, tenantId: string, surveyId: string, questions: readonly Question[]): Promise<{ totals: Tally[]; cells: CellTally[] }> {
  const totals = new Map<string, number>();
  const cells = new Map<string, number>();
  for await (const page of responsePages(sql, tenantId, surveyId)) {
    for (const r of page) {
      for (const [key, n] of tallyKeys(questions, r.answers)) totals.set(key, (totals.get(key) ?? 0) + n);
      for (const [key, n] of cellKeys(questions, r)) cells.set(key, (cells.get(key) ?? 0) + n);
    }
  }
  return {
    totals: [...totals].map(([k, n]) => ({ questionCode: k.slice(0, k.indexOf('\u0000')), choiceCode: k.slice(k.indexOf('\u0000') + 1), n })),
    cells: [...cells].map(([k, n]) => {
      const [questionCode, sex, ageGroup, choiceCode] = k.split('\u0000') as [string, string, string, string];
      return { questionCode, sex, ageGroup, choiceCode, n };
    }),
  };
}

/**
 * The tally keys of every stored response, counted by the database itself (the same keys as
 * `tallyKeys`): `byCell` adds the respondent's sex and age group ('' when not given) for the
 * perception questions, the ones weighted by them.
 */
export function recountSql(byCell: boolean): string {
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
      where r.tenant_id = $1 and r.survey_id = $2
      group by r.tenant_id, r.survey_id, q.code, ${cell}k.choice`;
}

/** Rebuilds the running tallies (totals and per cell) and the respondent count from the responses (seeding, bulk loads, repair). */
export async function rebuildTallies(tx: Sql, tenantId: string, surveyId: string): Promise<void> {
  await tx.query('delete from survey_tallies where tenant_id = $1 and survey_id = $2', [tenantId, surveyId]);
  await tx.query('delete from survey_cell_tallies where tenant_id = $1 and survey_id = $2', [tenantId, surveyId]);
  await tx.query('delete from survey_counts where tenant_id = $1 and survey_id = $2', [tenantId, surveyId]);
  await tx.query(`insert into survey_tallies (tenant_id, survey_id, question_code, choice_code, n, shard) select *, 0 from (${recountSql(false)}) x`, [tenantId, surveyId]);
  await tx.query(`insert into survey_cell_tallies (tenant_id, survey_id, question_code, sex, age_group, choice_code, n, shard) select *, 0 from (${recountSql(true)}) x`, [tenantId, surveyId]);
  await tx.query(
    `update surveys set respondents = (select count(*) from survey_responses where tenant_id = $1 and survey_id = $2) where tenant_id = $1 and id = $2`,
    [tenantId, surveyId],
  );
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

/**
 * The cell tally keys ("question\0sex\0age group\0choice") a stored response adds: its
 * perception questions' keys within its sex × age group cell ('' for an attribute not given).
 */
export function cellKeys(questions: readonly Question[], row: Pick<ResponseRow, 'sex' | 'ageGroup' | 'answers'>): Map<string, number> {
  const cell = `${row.sex ?? ''}\u0000${row.ageGroup ?? ''}\u0000`;
  const out = new Map<string, number>();
  for (const [k, n] of tallyKeys(questions.filter((q) => q.kind === 'perception'), row.answers)) {
    const key = k.replace('\u0000', `\u0000${cell}`);
    out.set(key, (out.get(key) ?? 0) + n);
  }
  return out;
}

export interface CellTally {
  questionCode: string;
  sex: string;
  ageGroup: string;
  choiceCode: string;
  n: number;
}

/** The running tallies per weighting cell of a survey's perception questions. */
export async function loadCellTallies(sql: Sql, tenantId: string, surveyId: string): Promise<CellTally[]> {
  return sql.query<CellTally>(
    `select question_code as "questionCode", sex, age_group as "ageGroup", choice_code as "choiceCode", sum(n)::integer as n
       from survey_cell_tallies where tenant_id = $1 and survey_id = $2 group by question_code, sex, age_group, choice_code having sum(n) > 0`,
    [tenantId, surveyId],
  );
}

/** The tallies, totals or per cell, recounted by the database from the stored answers. */
export async function recountInDatabase(sql: Sql, tenantId: string, surveyId: string) {
  const [totals, cells] = await Promise.all([
    sql.query<{ q: string; c: string; n: number }>(`select q, c, n from (${recountSql(false)}) as x(t, s, q, c, n)`, [tenantId, surveyId]),
    sql.query<{ q: string; sex: string; age: string; c: string; n: number }>(`select q, sex, age, c, n from (${recountSql(true)}) as x(t, s, q, sex, age, c, n)`, [tenantId, surveyId]),
  ]);
  return {
    totals: totals.map((r): Tally => ({ questionCode: r.q, choiceCode: r.c, n: r.n })),
    cells: cells.map((r): CellTally => ({ questionCode: r.q, sex: r.sex, ageGroup: r.age, choiceCode: r.c, n: r.n })),
  };
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

/** The tallies of several surveys' questions at once. */
export async function talliesOf(sql: Sql, tenantId: string, surveyIds: readonly string[]) {
  return sql.query<Tally & { surveyId: string }>(
    `select survey_id as "surveyId", question_code as "questionCode", choice_code as "choiceCode", sum(n)::integer as n
       from survey_tallies where tenant_id = $1 and survey_id = any($2::uuid[]) group by survey_id, question_code, choice_code`,
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

/** A rate limit that refuses the answer once its window holds `limit` hits (the caller counts them, e.g. the misses). */
export interface AnswerLimit {
  /** rate_limits' bucket, the hash of the key (as core's hitRateLimit hashes it) and the rule. */
  bucket: string;
  keyHash: string;
  limit: number;
  windowSeconds: number;
  now: Date;
}

export type StoreOutcome = 'ok' | 'used' | 'unknown' | 'closed' | { rateLimited: number };

/**
 * One answer in one statement, committed on its own (the hot path): refused while the client's
 * rate limit is reached (read only: the caller counts the misses), the survey's row locked in
 * share mode while it is open (a close waits for it), the code marked
 * used, the response stored, and the tallies, cell tallies and respondent count added to the
 * connection's shard — each step only when the one before it happened. Row locks are
 * taken in a fixed order (survey, code, tallies by key, cells by key, count), the
 * same as an import's, so concurrent writers wait but never deadlock.
 */
export async function storeAnswer(
  sql: Sql,
  tenantId: string,
  surveyId: string,
  hash: string,
  row: ResponseRow,
  increments: ReadonlyMap<string, number>,
  cells: ReadonlyMap<string, number>,
  limit: AnswerLimit | null,
): Promise<StoreOutcome> {
  const keys = [...increments.keys()].sort();
  const cellKeys = [...cells.keys()].sort();
  const result = await sql.one<{ blockedSince: Date | null; open: number; redeemed: number }>(
    `with gate as (
       select window_start from rate_limits
        where $19::text is not null and tenant_id = $1 and bucket = $19 and key_hash = $20 and hits >= $21::integer
          and window_start > $22::timestamptz - make_interval(secs => $23::integer)
     ), s as (
       select 1 from surveys where tenant_id = $1 and id = $2 and state = 'open' and not exists (select 1 from gate) for share
     ), inv as (
       update survey_invitations set used = true where tenant_id = $1 and survey_id = $2 and code_hash = $3 and not used and exists (select 1 from s) returning 1
     ), r as (
       insert into survey_responses (tenant_id, survey_id, channel, received_on, sex, age_group, area, answers, is_demo)
       select $1, $2, $4, $5::date, $6, $7, $8, $9::jsonb, $10 from inv returning 1
     ), t as (
       insert into survey_tallies as t (tenant_id, survey_id, question_code, choice_code, shard, n)
       select $1, $2, u.q, u.c, ${SHARD}, u.n from unnest($11::text[], $12::text[], $13::integer[]) with ordinality as u(q, c, n, i), inv order by u.i
       on conflict (tenant_id, survey_id, question_code, choice_code, shard) do update set n = t.n + excluded.n returning 1
     ), c as (
       insert into survey_cell_tallies as t (tenant_id, survey_id, question_code, sex, age_group, choice_code, shard, n)
       select $1, $2, u.q, u.sex, u.age, u.c, ${SHARD}, u.n from unnest($14::text[], $15::text[], $16::text[], $17::text[], $18::integer[]) with ordinality as u(q, sex, age, c, n, i), inv order by u.i
       on conflict (tenant_id, survey_id, question_code, sex, age_group, choice_code, shard) do update set n = t.n + excluded.n returning 1
     ), k as (
       insert into survey_counts as k (tenant_id, survey_id, shard, n) select $1, $2, ${SHARD}, 1 from inv
       on conflict (tenant_id, survey_id, shard) do update set n = k.n + 1 returning 1
     )
     select (select window_start from gate) as "blockedSince", (select count(*) from s)::integer as open,
            (select count(*) from inv)::integer + 0 * (select count(*) from r) + 0 * (select count(*) from t) + 0 * (select count(*) from c) + 0 * (select count(*) from k) as redeemed`,
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
      ...cellColumns(cellKeys, cells),
      limit?.bucket ?? null,
      limit?.keyHash ?? null,
      limit?.limit ?? null,
      limit?.now ?? null,
      limit?.windowSeconds ?? null,
    ],
  );
  if (limit && result.blockedSince !== null) {
    const resetsAt = new Date(result.blockedSince).getTime() + limit.windowSeconds * 1000;
    return { rateLimited: Math.max(1, Math.ceil((resetsAt - limit.now.getTime()) / 1000)) };
  }
  if (result.open === 0) return 'closed';
  if (result.redeemed === 0) {
    const exists = await sql.maybeOne('select 1 from survey_invitations where tenant_id = $1 and survey_id = $2 and code_hash = $3', [tenantId, surveyId, hash]);
    return exists ? 'used' : 'unknown';
  }
  return 'ok';
}

/** A survey with its questions in one read. */
export async function findSurveyWithQuestions(sql: Sql, tenantId: string, code: string): Promise<{ survey: Survey; questions: Question[] } | undefined> {
  const row = await sql.maybeOne<Survey & { questions: Question[] }>(
    `select ${surveyColumns('s')},
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
