/**
 * The surveys API over HTTP on a real database (each test in a fresh municipality with the
 * chapter-6 plan): building, running and answering a survey with single-use codes (also 20 at
 * once), refusals that store nothing, results with their intervals, tallies against a recount,
 * the firm's CSV import, open data, and the metric behind indicator 6-1-3.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import { ManualClock } from '../../core/clock.ts';
import { startTestApp, type TestContext } from '../../testing/harness.ts';
import { world, type World } from '../proposals/proposals.testing.ts';
import type { JobContext } from '../../core/scheduler.ts';
import { findSurvey, loadQuestions, SETTLE_GROUP, storeAnswers, type AnswerToStore, type ResponseRow } from './surveys.repository.ts';
import { checkAnswers, hashCode, settleJob } from './surveys.service.ts';
import { wilson } from './surveys.stats.ts';

let ctx: TestContext;
const clock = new ManualClock('2026-06-01T01:00:00Z');

before(async () => {
  ctx = await startTestApp({ clock });
});
after(async () => ctx?.close());

const definition = (code = 'cc-survey', extra: Record<string, unknown> = {}) => ({
  code,
  title: '契約確認の調査',
  fiscalYear: 2026,
  questions: [
    { code: 'Q1', kind: 'perception', text: '協働が進んでいると感じますか', section: '6-1' },
    { code: 'Q2', kind: 'single', text: '性別', choices: ['女性', '男性', '回答しない'] },
  ],
  ...extra,
});

/** A survey created, opened and given `count` codes. */
async function openSurvey(w: World, count = 3, body: Record<string, unknown> = definition()) {
  const created = await w.api('POST', '/api/v1/surveys', w.pm, body);
  assert.equal(created.statusCode, 201, created.body);
  assert.equal(created.json().state, 'draft');
  assert.equal((await w.api('POST', `/api/v1/surveys/${body.code}/open`, w.pm, {})).statusCode, 200);
  const inv = await w.api('POST', `/api/v1/surveys/${body.code}/invitations`, w.pm, { count });
  assert.equal(inv.statusCode, 201, inv.body);
  return inv.json().codes as string[];
}

/** Runs the scheduler's settle job once (every survey's ballot box, all tenants). */
const settle = () => settleJob().run({ db: ctx.db } as JobContext);

/** Answers stored, settled or still in the ballot box. */
const answersStored = async (w: World) =>
  (await ctx.db.one<{ n: number }>('select ((select count(*) from survey_responses where tenant_id = $1) + (select count(*) from survey_ballots where tenant_id = $1))::integer as n', [w.tenant.id])).n;

async function snapshot(w: World) {
  const q = (sql: string) => ctx.db.query(sql, [w.tenant.id]);
  return JSON.stringify({
    responses: await q('select count(*)::integer as n from survey_responses where tenant_id = $1'),
    ballots: await q('select count(*)::integer as n from survey_ballots where tenant_id = $1'),
    tallies: await q('select question_code, choice_code, sex, age_group, sum(n)::integer as n from survey_tallies where tenant_id = $1 group by 1, 2, 3, 4 order by 1, 2, 3, 4'),
    used: await q('select count(*)::integer as n from survey_invitations where tenant_id = $1 and used'),
    surveys: await q('select code, state, (select coalesce(sum(n), 0)::integer from survey_respondent_counts c where c.tenant_id = s.tenant_id and c.survey_id = s.id) as respondents from surveys s where tenant_id = $1 order by code'),
  });
}

describe('a survey from creation to published results', () => {
  it('runs the contract: codes once each, 409 again, 404 unknown, counts and the positive share with its interval', async () => {
    const w = await world(ctx, { plan: true });
    const [c1, c2] = await openSurvey(w);
    assert.match(c1!, /^[A-Z2-9]{4}(-[A-Z2-9]{4}){3}$/);
    const answer = (invitation: string, answers: Record<string, unknown>) => w.api('POST', '/api/v1/surveys/cc-survey/responses', null, { invitation, answers });
    assert.equal((await answer(c1!, { Q1: 1, Q2: '女性' })).statusCode, 201);
    const again = await answer(c1!, { Q1: 2 });
    assert.equal(again.statusCode, 409);
    assert.match(again.headers['content-type'] as string, /problem\+json/);
    // Typed in lower case with full-width characters, the code is still the same code.
    assert.equal((await answer(c1!.toLowerCase().replaceAll('-', '－'), { Q1: 2 })).statusCode, 409);
    assert.equal((await answer(c2!, { Q1: 3 })).statusCode, 201);
    assert.equal((await answer('no-such-code-0000', { Q1: 1 })).statusCode, 404);
    // Not public before publication.
    assert.equal((await w.api('GET', '/api/v1/surveys/cc-survey/results')).statusCode, 404);
    assert.equal((await w.api('GET', '/api/v1/surveys/cc-survey/results', w.pm)).statusCode, 200);
    assert.equal((await w.api('POST', '/api/v1/surveys/cc-survey/close', w.pm, {})).statusCode, 200);
    const closed = await answer('whatever', { Q1: 1 });
    assert.equal(closed.statusCode, 409);
    assert.match(closed.json().detail, /受け付けていません/);
    assert.equal((await w.api('POST', '/api/v1/surveys/cc-survey/publish', w.pm, {})).statusCode, 200);
    const res = await w.api('GET', '/api/v1/surveys/cc-survey/results');
    assert.equal(res.statusCode, 200);
    const d = res.json();
    assert.equal(d.invited, 3);
    assert.equal(d.respondents, 2);
    assert.equal(d.responseRate, 2 / 3);
    const q1 = d.questions.find((q: { code: string }) => q.code === 'Q1');
    assert.deepEqual(q1.counts, { '1': 1, '2': 0, '3': 1, '4': 0, '8': 0, '9': 0 });
    assert.deepEqual(q1.positiveShare, wilson(1, 2));
    assert.ok(q1.positiveShare.low < 0.5 && q1.positiveShare.high > 0.5);
    assert.equal(q1.opinionShare.value, 0.5);
    assert.equal(q1.meanScore, 3); // (4 + 2) / 2
    const q2 = d.questions.find((q: { code: string }) => q.code === 'Q2');
    assert.deepEqual(q2.counts, { 女性: 1, 男性: 0, 回答しない: 0 });
    assert.equal(q2.unanswered, 1);
    assert.equal(q2.positiveShare, null);
  });

  it('counts a blank perception answer as 9 無回答 and a blank on a five-point scale as unanswered', async () => {
    const w = await world(ctx, { plan: true });
    const scale = { choices: [{ code: '5', label: '満足', positive: true }, { code: '4', label: 'やや満足', positive: true }, { code: '3', label: 'どちらともいえない' }, { code: '2', label: 'やや不満' }, { code: '1', label: '不満' }] };
    const codes = await openSurvey(w, 4, {
      code: 'five',
      title: '満足度',
      fiscalYear: 2026,
      questions: [
        { code: 'P', kind: 'perception', text: '実感' },
        { code: 'S', kind: 'perception', text: '満足度', scale },
      ],
    });
    const send = (i: number, answers: Record<string, unknown>) => w.api('POST', '/api/v1/surveys/five/responses', null, { invitation: codes[i], answers });
    assert.equal((await send(0, { P: 1, S: 5 })).statusCode, 201);
    assert.equal((await send(1, { P: '', S: 4 })).statusCode, 201);
    assert.equal((await send(2, {})).statusCode, 201);
    const r = (await w.api('GET', '/api/v1/surveys/five/results', w.pm)).json();
    const p = r.questions[0];
    const s = r.questions[1];
    assert.equal(p.counts['9'], 2);
    assert.equal(s.unanswered, 1);
    assert.deepEqual(s.counts, { '5': 1, '4': 1, '3': 0, '2': 0, '1': 0 });
    assert.deepEqual(s.positiveShare, wilson(2, 3));
    assert.equal(s.meanScore, 4.5); // 満足 5, やや満足 4
  });

  it('refuses invalid answers, a missing required answer and an unknown choice with 400, storing nothing', async () => {
    const w = await world(ctx, { plan: true });
    const body = definition('req', { questions: [{ code: 'Q1', kind: 'perception', text: 'x', required: true }, { code: 'Q2', kind: 'multiple', text: 'y', choices: ['a', 'b'] }] });
    const [c] = await openSurvey(w, 1, body);
    const before = await snapshot(w);
    for (const answers of [{ Q2: ['a'] }, { Q1: 7 }, { Q1: 1, Q2: ['c'] }, { Q1: 1, Q9: 'x' }, { Q1: 1, Q2: ['a', 'a'] }]) {
      const res = await w.api('POST', '/api/v1/surveys/req/responses', null, { invitation: c, answers });
      assert.equal(res.statusCode, 400, JSON.stringify(answers));
      assert.ok(res.json().errors.length >= 1);
      assert.match(res.json().errors[0].path, /^answers\./);
    }
    assert.equal((await w.api('POST', '/api/v1/surveys/req/responses', null, { answers: {} })).statusCode, 400);
    assert.equal(await snapshot(w), before);
    // The code is still usable.
    assert.equal((await w.api('POST', '/api/v1/surveys/req/responses', null, { invitation: c, answers: { Q1: 2, Q2: ['b', 'a'] } })).statusCode, 201);
  });

  it('stores exactly one answer when the same code is sent 20 times at once', async () => {
    const w = await world(ctx, { plan: true });
    const [c] = await openSurvey(w, 1);
    const results = await Promise.all(Array.from({ length: 20 }, () => w.api('POST', '/api/v1/surveys/cc-survey/responses', null, { invitation: c, answers: { Q1: 1 } })));
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [201, ...Array(19).fill(409)]);
    assert.equal(await answersStored(w), 1);
  });

  it('keeps the running tallies equal to a recount after a mixed concurrent load', async () => {
    const w = await world(ctx, { plan: true });
    const body = definition('mixed', { questions: [{ code: 'Q1', kind: 'perception', text: 'x' }, { code: 'Q2', kind: 'multiple', text: 'y', choices: ['a', 'b', 'c'] }, { code: 'Q3', kind: 'text', text: 'z' }] });
    const codes = await openSurvey(w, 40, body);
    const answers = (i: number) => ({ Q1: [1, 2, 3, 4, 8, ''][i % 6], Q2: [['a'], ['b', 'c'], [], ['a', 'c']][i % 4], ...(i % 3 ? { Q3: `意見 ${i}` } : {}) });
    const sends = codes.flatMap((c, i) => [
      w.api('POST', '/api/v1/surveys/mixed/responses', null, { invitation: c, answers: answers(i) }),
      w.api('POST', '/api/v1/surveys/mixed/responses', null, { invitation: c, answers: answers(i + 1) }),
    ]);
    sends.push(w.api('POST', '/api/v1/surveys/mixed/responses', null, { invitation: codes[0], answers: { Q1: 99 } }));
    const statuses = (await Promise.all(sends)).map((r) => r.statusCode);
    assert.equal(statuses.filter((s) => s === 201).length, 40);
    const verify = async () => (await w.api('GET', '/api/v1/surveys/mixed/tallies/verify', w.pm)).json();
    const counts = async () => (await w.api('GET', '/api/v1/surveys/mixed/results', w.pm)).json().questions.map((q: { counts: unknown }) => q.counts);
    // All 40 still in the ballot box: the live results count them.
    assert.deepEqual(await verify(), { same: true, respondents: 40, stored: 40, waiting: 40 });
    const live = await counts();
    assert.equal(Object.values(live[0] as Record<string, number>).reduce((a, b) => a + b, 0), 40);
    // Settled: the running tallies now hold them, and equal a recount of the responses.
    await settle();
    assert.deepEqual(await verify(), { same: true, respondents: 40, stored: 40, waiting: 0 });
    assert.deepEqual(await counts(), live);
    assert.equal((await w.api('POST', '/api/v1/surveys/mixed/close', w.pm, {})).statusCode, 200);
    assert.deepEqual(await verify(), { same: true, respondents: 40, stored: 40, waiting: 0 });
    assert.deepEqual(await counts(), live);
  });

  it('stores a batch of answers in one statement: a code twice in the batch, an unknown code and a closed survey each get their own outcome', async () => {
    const w = await world(ctx, { plan: true });
    const [a, b] = await openSurvey(w, 2, definition('batch-open'));
    const [c] = await openSurvey(w, 1, definition('batch-closed'));
    assert.equal((await w.api('POST', '/api/v1/surveys/batch-closed/close', w.pm, {})).statusCode, 200);
    const open = (await findSurvey(ctx.db, w.tenant.id, 'batch-open'))!;
    const closed = (await findSurvey(ctx.db, w.tenant.id, 'batch-closed'))!;
    const questions = await loadQuestions(ctx.db, w.tenant.id, open.id);
    const item = (surveyId: string, code: string, answers: Record<string, unknown>, sex: string | null, ageGroup: string | null): AnswerToStore => {
      const { stored, errors } = checkAnswers(questions, answers, 'ja');
      assert.deepEqual(errors, []);
      const row: ResponseRow = { channel: 'web', receivedOn: '2026-06-01', sex, ageGroup, area: null, answers: stored, isDemo: false };
      return { tenantId: w.tenant.id, surveyId, hash: hashCode(code), row };
    };
    const outcomes = await storeAnswers(ctx.db, [
      item(open.id, a!, { Q1: 1 }, '女性', '30-39歳'),
      item(open.id, a!, { Q1: 3 }, null, null),
      item(open.id, 'NOPE-NOPE-NOPE-NOPE', { Q1: 2 }, null, null),
      item(closed.id, c!, { Q1: 2 }, null, null),
      item(open.id, b!, { Q1: 1 }, '男性', '70歳以上'),
    ]);
    assert.deepEqual(outcomes, ['ok', 'used', 'unknown', 'closed', 'ok']);
    const verify = await w.api('GET', '/api/v1/surveys/batch-open/tallies/verify', w.pm);
    assert.deepEqual(verify.json(), { same: true, respondents: 2, stored: 2, waiting: 2 });
    const q1 = (await w.api('GET', '/api/v1/surveys/batch-open/results', w.pm)).json().questions[0];
    assert.equal(q1.counts['1'], 2);
    assert.equal(q1.counts['3'], 0);
    // The closed survey's code is still unused, and it stored nothing.
    const unused = await ctx.db.one<{ n: number }>('select count(*)::int as n from survey_invitations where tenant_id = $1 and survey_id = $2 and not used', [w.tenant.id, closed.id]);
    assert.equal(unused.n, 1);
  });

  it('keeps no link from a code to its answer: answers settle in groups, in another transaction, and closing rewrites them all in one', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const w = await world(ctx, { plan: true });
    const codes = await openSurvey(w, SETTLE_GROUP + 5, definition('anon'));
    const answer = (code: string, i: number) => w.api('POST', '/api/v1/surveys/anon/responses', null, { invitation: code, answers: { Q1: [1, 2, 3, 4][i % 4], Q2: '女性' } });
    // One answer at a time: each commits in its own transaction.
    for (const [i, code] of codes.slice(0, SETTLE_GROUP).entries()) assert.equal((await answer(code, i)).statusCode, 201);
    const xmins = async (table: string, where = '') =>
      (await ctx.db.query<{ x: string }>(`select xmin::text as x from ${table} where tenant_id = $1 ${where}`, [w.tenant.id])).map((r) => r.x);
    const used = async () => new Set(await xmins('survey_invitations', 'and used'));
    // The transaction that redeems a code is the one that writes its answer: in the ballot box, every row shares one with a used code.
    const waiting = await xmins('survey_ballots');
    assert.equal(waiting.length, SETTLE_GROUP);
    const redeemed = await used();
    assert.equal(redeemed.size, SETTLE_GROUP);
    assert.ok(waiting.every((x) => redeemed.has(x)));
    const unlinked = async (expected: number) => {
      const codesUsed = await used();
      const responses = await xmins('survey_responses');
      assert.equal(responses.length, expected);
      for (const table of ['survey_responses', 'survey_tallies', 'survey_respondent_counts']) {
        const linked = (await xmins(table)).filter((x) => codesUsed.has(x));
        assert.deepEqual(linked, [], `${table} shares a transaction with a used code`);
      }
      return new Set(responses);
    };
    // Settled, the day's answers are responses of one transaction that redeemed no code.
    await settle();
    assert.deepEqual(await xmins('survey_ballots'), []);
    assert.equal((await unlinked(SETTLE_GROUP)).size, 1);
    // The next day's few answers wait: fewer than SETTLE_GROUP would be a small crowd to hide in.
    clock.set('2026-06-02T01:00:00Z');
    for (const [i, code] of codes.slice(SETTLE_GROUP).entries()) assert.equal((await answer(code, i)).statusCode, 201);
    await settle();
    assert.equal((await xmins('survey_ballots')).length, 5);
    const results = (await w.api('GET', '/api/v1/surveys/anon/results', w.pm)).json();
    assert.equal(results.respondents, SETTLE_GROUP + 5);
    // Closing settles them and rewrites every response of the survey in one transaction.
    assert.equal((await w.api('POST', '/api/v1/surveys/anon/close', w.pm, {})).statusCode, 200);
    assert.deepEqual(await xmins('survey_ballots'), []);
    assert.equal((await unlinked(SETTLE_GROUP + 5)).size, 1);
    const verify = await w.api('GET', '/api/v1/surveys/anon/tallies/verify', w.pm);
    assert.deepEqual(verify.json(), { same: true, respondents: SETTLE_GROUP + 5, stored: SETTLE_GROUP + 5, waiting: 0 });
    const after = (await w.api('GET', '/api/v1/surveys/anon/results', w.pm)).json();
    assert.deepEqual(after.questions, results.questions);
  });

  it('slows guessing: after ten unknown codes from one address, 429 with Retry-After, and not even a right code is tried', async () => {
    const w = await world(ctx, { plan: true });
    const [right, other] = await openSurvey(w, 2);
    const send = (invitation: string, remoteAddress: string) =>
      ctx.app.inject({
        method: 'POST',
        url: '/api/v1/surveys/cc-survey/responses',
        remoteAddress,
        headers: { host: w.tenant.host, accept: 'application/json', 'content-type': 'application/json' },
        payload: JSON.stringify({ invitation, answers: { Q1: 1 } }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await send(`GUESS-${i}`, '198.51.100.7')).statusCode);
    assert.deepEqual(statuses, [...Array(10).fill(404), 429]);
    const refused = await send(right!, '198.51.100.7');
    assert.equal(refused.statusCode, 429);
    assert.ok(Number(refused.headers['retry-after']) > 0);
    assert.equal(await answersStored(w), 0);
    // Another address is not held back, and answers with real codes are not limited.
    assert.equal((await send(right!, '198.51.100.8')).statusCode, 201);
    assert.equal((await send(other!, '198.51.100.8')).statusCode, 201);
  });

  it('answers 403 to a paper answer sent without a staff sign-in, and takes it from staff', async () => {
    const w = await world(ctx, { plan: true });
    const [c1, c2] = await openSurvey(w, 2);
    assert.equal((await w.api('POST', '/api/v1/surveys/cc-survey/responses', null, { invitation: c1, channel: 'paper', answers: { Q1: 1 } })).statusCode, 403);
    assert.equal((await w.api('POST', '/api/v1/surveys/cc-survey/responses', w.citizen, { invitation: c1, channel: 'paper', answers: { Q1: 1 } })).statusCode, 403);
    assert.equal((await w.api('POST', '/api/v1/surveys/cc-survey/responses', w.kyodo, { invitation: c2, channel: 'paper', answers: { Q1: 1 } })).statusCode, 201);
  });

  it('lists every problem of a bad definition at once', async () => {
    const w = await world(ctx, { plan: true });
    const res = await w.api('POST', '/api/v1/surveys', w.pm, {
      code: 'bad',
      title: 'x',
      fiscalYear: 2026,
      questions: [
        { code: 'A', kind: 'perception', text: 'x', section: '9-9' },
        { code: 'A', kind: 'single', text: 'y' },
        { code: 'B', kind: 'perception', text: 'z', scale: { choices: [{ code: '1', label: 'a' }, { code: '2', label: 'b' }] } },
      ],
    });
    assert.equal(res.statusCode, 400);
    const paths = res.json().errors.map((e: { path: string }) => e.path);
    for (const p of ['questions.1.code', 'questions.1.choices', 'questions.2.scale']) assert.ok(paths.includes(p), `${p} in ${paths}`);
    const unknown = await w.api('POST', '/api/v1/surveys', w.pm, definition('x1', { questions: [{ code: 'A', kind: 'perception', text: 'x', section: '9-9', indicator: '9-9-9' }] }));
    assert.deepEqual(unknown.json().errors.map((e: { path: string }) => e.path).sort(), ['questions.0.indicator', 'questions.0.section']);
    assert.equal((await w.api('POST', '/api/v1/surveys', w.citizen, definition())).statusCode, 403);
    assert.equal((await w.api('POST', '/api/v1/surveys', null, definition())).statusCode, 401);
    await w.api('POST', '/api/v1/surveys', w.pm, definition('dup'));
    assert.equal((await w.api('POST', '/api/v1/surveys', w.pm, definition('dup'))).statusCode, 400);
  });

  it('refuses a state change out of order with 409', async () => {
    const w = await world(ctx, { plan: true });
    await w.api('POST', '/api/v1/surveys', w.pm, definition());
    assert.equal((await w.api('POST', '/api/v1/surveys/cc-survey/publish', w.pm, {})).statusCode, 409);
    assert.equal((await w.api('POST', '/api/v1/surveys/cc-survey/close', w.pm, {})).statusCode, 409);
    assert.equal((await w.api('POST', '/api/v1/surveys/nope/open', w.pm, {})).statusCode, 404);
  });
});

describe('the firm’s CSV', () => {
  const csv = (w: World, body: Buffer | string, dryRun: boolean) =>
    ctx.app.inject({
      method: 'POST',
      url: `/api/v1/surveys/cc-survey/import${dryRun ? '?dryRun=true' : ''}`,
      headers: { host: w.tenant.host, authorization: `Bearer ${w.pm.token}`, 'content-type': 'text/csv', accept: 'application/json' },
      payload: body,
    });

  it('imports nothing while any row is bad, listing every bad row, then imports a clean Shift_JIS file', async () => {
    const w = await world(ctx, { plan: true });
    const codes = await openSurvey(w, 4);
    const before = await snapshot(w);
    const bad = `回答用コード,Q1,Q2,性別\n${codes[0]},1,女性,女性\n${codes[1]},7,男性,男性\nNOPE-NOPE,2,,\n${codes[0]},3,,\n`;
    for (const dry of [true, false]) {
      const res = await csv(w, bad, dry);
      assert.equal(res.statusCode, dry ? 200 : 422);
      assert.equal(res.json().imported, 0);
      assert.deepEqual(res.json().problems.map((p: { line: number }) => p.line), [3, 4, 5]);
    }
    assert.equal(await snapshot(w), before);
    const good = `回答用コード,Q1,Q2,性別\n${codes[0]},1,女性,女性\n${codes[1]},4,男性,男性\n${codes[2]},,,\n`;
    const encoded = Buffer.concat(
      [...good].map((ch) => (ch.charCodeAt(0) < 128 ? Buffer.from(ch) : Buffer.from(SJIS[ch] ?? [0x3f]))),
    );
    const dry = await csv(w, encoded, true);
    assert.deepEqual(dry.json(), { rows: 3, imported: 0, problems: [] });
    const res = await csv(w, encoded, false);
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().imported, 3);
    const r = (await w.api('GET', '/api/v1/surveys/cc-survey/results', w.pm)).json();
    assert.equal(r.respondents, 3);
    assert.equal(r.questions[0].counts['9'], 1);
    assert.equal(r.questions[1].counts['女性'], 1);
    assert.equal((await csv(w, good, false)).statusCode, 422); // the codes are used now
  });

  it('imports into a closed survey: settled at once, every response then rewritten in that one transaction', async () => {
    const w = await world(ctx, { plan: true });
    const codes = await openSurvey(w, 4);
    for (const c of codes.slice(0, 2)) assert.equal((await w.api('POST', '/api/v1/surveys/cc-survey/responses', null, { invitation: c, answers: { Q1: 2 } })).statusCode, 201);
    assert.equal((await w.api('POST', '/api/v1/surveys/cc-survey/close', w.pm, {})).statusCode, 200);
    const res = await csv(w, `回答用コード,Q1\n${codes[2]},1\n${codes[3]},1\n`, false);
    assert.equal(res.statusCode, 201, res.body);
    const verify = await w.api('GET', '/api/v1/surveys/cc-survey/tallies/verify', w.pm);
    assert.deepEqual(verify.json(), { same: true, respondents: 4, stored: 4, waiting: 0 });
    // The imported codes share their transaction with every response alike, so it names none of them.
    const xmins = await ctx.db.query<{ x: string }>('select distinct xmin::text as x from survey_responses where tenant_id = $1', [w.tenant.id]);
    assert.equal(xmins.length, 1);
    const counts = (await w.api('GET', '/api/v1/surveys/cc-survey/results', w.pm)).json().questions[0].counts;
    assert.equal(counts['1'], 2);
    assert.equal(counts['2'], 2);
  });
});

/** Shift_JIS bytes of the characters the test file uses. */
const SJIS: Record<string, number[]> = {
  回: [0x89, 0xf1], 答: [0x93, 0x9a], 用: [0x97, 0x70], コ: [0x83, 0x52], ー: [0x81, 0x5b], ド: [0x83, 0x68],
  性: [0x90, 0xab], 別: [0x95, 0xca], 女: [0x8f, 0x97], 男: [0x92, 0x6a],
};

describe('open data and the plan', () => {
  it('publishes the answers without codes, and feeds 6-1-3 with the survey as its source', async () => {
    const w = await world(ctx, { plan: true });
    const body = definition('gender', {
      fiscalYear: 2025,
      questions: [{ code: 'G1', kind: 'perception', text: '支持しますか', indicator: '6-1-3', scale: { choices: [{ code: '1', label: '賛成', positive: true }, { code: '2', label: '反対' }] } }],
    });
    const codes = await openSurvey(w, 5, body);
    for (const [i, c] of codes.entries()) await w.api('POST', '/api/v1/surveys/gender/responses', null, { invitation: c, answers: { G1: i < 2 ? '1' : '2' } });
    assert.equal((await w.api('GET', '/opendata/surveys/gender/answers.csv')).statusCode, 404);
    const ind = async () => (await w.api('GET', '/api/v1/indicators/6-1-3')).json();
    const before = await ind();
    assert.deepEqual(before.source, { kind: 'metric', metric: 'surveys.positiveShare' });
    assert.ok(!before.history.some((h: { origin: string }) => h.origin === 'metric'));
    await w.api('POST', '/api/v1/surveys/gender/close', w.pm, {});
    await w.api('POST', '/api/v1/surveys/gender/publish', w.pm, {});
    const after = await ind();
    const fed = after.history.filter((h: { origin: string }) => h.origin === 'metric');
    assert.deepEqual(fed.map((h: { value: number; asOf: string }) => [h.value, h.asOf]), [[40, '2026-03-31']]);
    assert.match(after.history.find((h: { origin: string }) => h.origin === 'metric').note, /gender/);
    const file = await w.api('GET', '/opendata/surveys/gender/answers.csv');
    assert.equal(file.statusCode, 200);
    assert.ok(file.body.startsWith('\uFEFF'));
    const rows = parseCsv(file.body.slice(1), { columns: true }) as Record<string, string>[];
    assert.equal(rows.length, 5);
    for (const c of codes) assert.ok(!file.body.includes(c));
    assert.deepEqual(rows.map((r) => r.G1).sort(), ['1', '1', '2', '2', '2']);
    const json = (await w.api('GET', '/opendata/surveys/gender/answers.json')).json();
    assert.equal(json.items.length, 5);
    const results = await w.api('GET', '/opendata/surveys/gender/results.csv');
    assert.match(results.body, /gender,2025,G1,positive/);
  });

  it('shows year-over-year change and weighted figures beside the raw ones', async () => {
    const w = await world(ctx, { plan: true });
    for (const [fy, yes] of [[2024, 2], [2025, 4]] as const) {
      const body = definition(`s${fy}`, { fiscalYear: fy, questions: [{ code: 'Q1', kind: 'perception', text: 'x', section: '6-2' }] });
      const codes = await openSurvey(w, 6, body);
      for (const [i, c] of codes.entries()) {
        await w.api('POST', `/api/v1/surveys/s${fy}/responses`, null, { invitation: c, answers: { Q1: i < yes ? 2 : 3 }, attributes: { sex: i % 2 ? '男性' : '女性', ageGroup: '40代' } });
      }
      await w.api('POST', `/api/v1/surveys/s${fy}/close`, w.pm, {});
      await w.api('POST', `/api/v1/surveys/s${fy}/publish`, w.pm, {});
    }
    assert.equal((await w.api('PUT', '/api/v1/surveys/s2025/strata', w.pm, { cells: [{ sex: '女性', ageGroup: '40代', population: 300 }, { sex: '男性', ageGroup: '40代', population: 100 }] })).statusCode, 200);
    const q = (await w.api('GET', '/api/v1/surveys/s2025/results')).json().questions[0];
    assert.equal(q.change.fromSurvey, 's2024');
    assert.ok(Math.abs(q.change.difference - (4 / 6 - 2 / 6)) < 1e-12);
    // Women (0, 2, 4) and men (1, 3, 5) are each 2/3 positive: weighted 3:1 it stays 2/3.
    assert.ok(Math.abs(q.weighted.value - 2 / 3) < 1e-12);
    assert.ok(Math.abs(q.positiveShare.value - 4 / 6) < 1e-12);
  });
});
