/**
 * The surveys pages over HTTP as a browser without JavaScript uses them: the answer form
 * (every error at once, nothing saved until sent, a used code refused on its field), the
 * public results with their charts and tables, the plan section's 市民の実感 panel updated on
 * publication, and the staff's builder, codes CSV, paper entry and CSV import with its report.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { randomToken } from '../../core/crypto.ts';
import { startTestApp, type TestClient, type TestContext } from '../../testing/harness.ts';
import { browserFor, world, type World } from '../proposals/proposals.testing.ts';

let ctx: TestContext;
const clock = new ManualClock('2026-06-01T01:00:00Z');

before(async () => {
  ctx = await startTestApp({ clock });
});
after(async () => ctx?.close());

const summaryLinks = (html: string) => [...html.matchAll(/<li><a href="#([^"]+)">/g)].map((m) => m[1]);

/** A form body with repeated fields (checkboxes). */
async function post(client: TestClient, url: string, csrf: string, fields: [string, string][]) {
  const body = new URLSearchParams([['_csrf', csrf], ...fields]).toString();
  return client.request({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' } });
}

async function openSurvey(w: World, count: number) {
  const res = await w.api('POST', '/api/v1/surveys', w.pm, {
    code: 'web',
    title: 'ウェブ回答の調査',
    fiscalYear: 2026,
    questions: [
      { code: 'Q1', kind: 'perception', text: '協働が進んでいると感じますか', section: '6-1', required: true },
      { code: 'Q2', kind: 'multiple', text: '知っている取組', choices: ['提案制度', '支援センター', '広報'] },
      { code: 'Q3', kind: 'text', text: 'ご意見' },
    ],
  });
  assert.equal(res.statusCode, 201, res.body);
  await w.api('POST', '/api/v1/surveys/web/open', w.pm, {});
  return (await w.api('POST', '/api/v1/surveys/web/invitations', w.pm, { count })).json().codes as string[];
}

describe('the answer form', () => {
  it('works without JavaScript: every error at once, then one answer per code', async () => {
    const w = await world(ctx, { plan: true });
    const [code] = await openSurvey(w, 2);
    const { client, csrf } = await browserFor(ctx, w.tenant);
    const form = await client.get('/surveys/web/answer');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /<fieldset>\s*<legend class="field__label">Q1\./);
    assert.match(form.body, /type="checkbox" id="answers.Q2" name="answers.Q2" value="提案制度"/);
    const bad = await post(client, '/surveys/web/answer', csrf, [['invitation', ''], ['answers.Q2', '広報']]);
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(summaryLinks(bad.body), ['invitation', 'answers.Q1']);
    assert.match(bad.body, /value="広報" checked/, 'the chosen box stays ticked');
    assert.equal((await ctx.db.query('select 1 from survey_responses where tenant_id = $1 union all select 1 from survey_ballots where tenant_id = $1', [w.tenant.id])).length, 0);
    const good = await post(client, '/surveys/web/answer', csrf, [['invitation', code!], ['answers.Q1', '2'], ['answers.Q2', '提案制度'], ['answers.Q2', '広報'], ['answers.Q3', '良いと思います'], ['sex', '女性']]);
    assert.equal(good.statusCode, 303, good.body);
    assert.equal(good.headers.location, '/surveys/web/thanks');
    assert.equal((await client.get('/surveys/web/thanks')).statusCode, 200);
    const again = await post(client, '/surveys/web/answer', csrf, [['invitation', code!], ['answers.Q1', '1']]);
    assert.equal(again.statusCode, 409);
    assert.deepEqual(summaryLinks(again.body), ['invitation']);
    assert.match(again.body, /既に回答済み/);
    const unknown = await post(client, '/surveys/web/answer', csrf, [['invitation', 'AAAA-BBBB-CCCC-DDDD'], ['answers.Q1', '1']]);
    assert.equal(unknown.statusCode, 404);
    const stored = await ctx.db.query<{ answers: Record<string, unknown>; sex: string }>('select answers, sex from survey_responses where tenant_id = $1 union all select answers, sex from survey_ballots where tenant_id = $1', [w.tenant.id]);
    assert.deepEqual(stored.map((r) => [r.answers, r.sex]), [[{ Q1: '2', Q2: ['提案制度', '広報'], Q3: '良いと思います' }, '女性']]);
    // Closed: the form says so.
    await w.api('POST', '/api/v1/surveys/web/close', w.pm, {});
    assert.match((await client.get('/surveys/web/answer')).body, /受付を終了/);
  });
});

describe('results and the plan section', () => {
  it('publishes results with chart and tables, and the section page shows its perception panel', async () => {
    const w = await world(ctx, { plan: true });
    const codes = await openSurvey(w, 4);
    for (const [i, c] of codes.entries()) await w.api('POST', '/api/v1/surveys/web/responses', null, { invitation: c, answers: { Q1: [1, 2, 3, 8][i] } });
    const { client } = await browserFor(ctx, w.tenant);
    assert.equal((await client.get('/surveys/web')).statusCode, 404);
    const sectionBefore = await client.get('/plan/sections/6-1');
    assert.doesNotMatch(sectionBefore.body, /市民意識調査）/);
    await w.api('POST', '/api/v1/surveys/web/close', w.pm, {});
    await w.api('POST', '/api/v1/surveys/web/publish', w.pm, {});
    const page = await client.get('/surveys/web');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<svg role="img" aria-labelledby="chart-Q1-title"/);
    assert.match(page.body, /肯定的な回答の割合（とても感じる＋まあまあ感じる）：50\.0%/);
    assert.match(page.body, /<th scope="row">とても感じる<\/th><td class="num">1<\/td><td class="num">25\.0%<\/td>/);
    const section = await client.get('/plan/sections/6-1');
    assert.match(section.body, /この政策に対する市民の実感（市民意識調査）/);
    assert.match(section.body, /50\.0%/);
    assert.match((await client.get('/surveys')).body, /ウェブ回答の調査/);
  });
});

describe('the staff pages', () => {
  it('build a survey, issue codes as CSV, key in a paper answer and import a CSV with a report', async () => {
    const w = await world(ctx, { plan: true });
    const { client, csrf } = await browserFor(ctx, w.tenant, w.pm);
    assert.equal((await client.get('/staff/surveys')).statusCode, 200);
    const bad = await post(client, '/staff/surveys', csrf, [['code', 'b1'], ['title', ''], ['fiscalYear', '2026'], ['q1_code', 'A'], ['q1_kind', 'single'], ['q1_text', 'x']]);
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(summaryLinks(bad.body).sort(), ['q1_choices', 'title']);
    const created = await post(client, '/staff/surveys', csrf, [
      ['code', 'b1'], ['title', '紙の調査'], ['fiscalYear', '2026'],
      ['q1_code', 'S'], ['q1_kind', 'perception'], ['q1_text', '満足度'], ['q1_choices', '+満足\n+やや満足\nどちらともいえない\nやや不満\n不満'], ['q1_order', '2'],
      ['q2_code', 'P'], ['q2_kind', 'perception'], ['q2_text', '実感'], ['q2_section', '6-2'], ['q2_order', '1'],
    ]);
    assert.equal(created.statusCode, 303, created.body);
    const def = (await w.api('GET', '/api/v1/surveys/b1', w.pm)).json();
    assert.deepEqual(def.questions.map((q: { code: string }) => q.code), ['P', 'S'], 'reordered');
    assert.deepEqual(def.questions[1].choices.filter((c: { positive: boolean }) => c.positive).map((c: { label: string }) => c.label), ['満足', 'やや満足']);
    assert.equal((await client.get('/staff/surveys/b1/preview')).statusCode, 200);
    await post(client, '/staff/surveys/b1/open', csrf, []);
    const csv = await post(client, '/staff/surveys/b1/invitations', csrf, [['count', '3']]);
    assert.equal(csv.statusCode, 200);
    assert.match(csv.headers['content-type'] as string, /text\/csv/);
    const codes = csv.body.replace(/^\uFEFF/, '').trim().split('\n').slice(1);
    assert.equal(codes.length, 3);
    const paper = await post(client, '/staff/surveys/b1/paper', csrf, [['invitation', codes[0]!], ['answers.P', '1'], ['answers.S', '2']]);
    assert.equal(paper.statusCode, 200);
    assert.match(paper.body, /紙の回答を1件保存しました/);
    const boundary = `----hibiki${randomToken(8)}`;
    const file = `回答用コード,P,S\n${codes[1]},2,1\n${codes[2]},9,9\n`;
    const payload = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n--${boundary}\r\nContent-Disposition: form-data; name="dryRun"\r\n\r\nyes\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="firm.csv"\r\nContent-Type: text/csv\r\n\r\n${file}\r\n--${boundary}--\r\n`,
    );
    const report = await client.request({ method: 'POST', url: '/staff/surveys/b1/import', payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, accept: 'text/html' } });
    assert.equal(report.statusCode, 200);
    assert.match(report.body, /2行を確認しました。取り込み：0件、問題：1件/);
    assert.match(report.body, /<th scope="row">3<\/th><td>S<\/td>/);
    const r = (await w.api('GET', '/api/v1/surveys/b1/results', w.pm)).json();
    assert.equal(r.respondents, 1);
    const citizen = (await browserFor(ctx, w.tenant, w.citizen)).client;
    assert.equal((await citizen.get('/staff/surveys')).statusCode, 403);
  });
});
