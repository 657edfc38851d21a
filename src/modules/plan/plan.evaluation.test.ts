/**
 * 施策評価 over HTTP on a real database: texts entered by the department responsible,
 * refused for other departments, four-eyes, return with a reason its author sees, approval,
 * the report with approved texts only, its CSV and Excel downloads, and publishing a closed
 * year, which freezes the report against later edits of actuals and texts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { AuthUser, Role } from '../../core/auth.ts';
import { ManualClock } from '../../core/clock.ts';
import { newTenant, startTestApp, type TestContext, type TestTenant } from '../../testing/harness.ts';
import { canDecideEvaluation, canWriteEvaluation, subjectDepartments } from './plan.evaluation.ts';
import { demoPlanDocument } from './plan.seed.ts';
import * as support from './plan.test-support.ts';

let ctx: TestContext;
// 1 June 2026: the demo plan's period (FY2013–FY2017) has ended.
const clock = new ManualClock('2026-06-01T03:00:00Z');

before(async () => {
  ctx = await startTestApp({ clock });
});
after(async () => {
  await ctx.close();
});

/** The demo plan with measures: one named for 市民協働課 in 6-1, one without a department in 6-2. */
function docWithMeasures(changes: (doc: Record<string, unknown>) => void = () => {}) {
  const doc = demoPlanDocument() as unknown as { chapters: { sections: { code: string; measures?: unknown[] }[] }[] } & Record<string, unknown>;
  const sections = doc.chapters.flatMap((c) => c.sections);
  sections.find((s) => s.code === '6-1')!.measures = [{ code: '6-1-A', title: '市民活動の支援', department: 'shimin-kyodo' }];
  sections.find((s) => s.code === '6-2')!.measures = [{ code: '6-2-A', title: '行財政改革の推進' }];
  changes(doc);
  return doc;
}

const tenantWithPlan = (doc: unknown = docWithMeasures()): Promise<TestTenant> => support.tenantWithPlan(ctx, doc);
const person = (tenant: TestTenant, role?: Role, departmentCode?: string) => support.person(ctx, tenant, role, departmentCode);

function textOf(html: string): string {
  return html.replace(/<[^>]+>/g, ' ').replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/\s+/g, ' ');
}

const texts = (tag: string) => ({ evaluation: `評価${tag}`, issues: `課題${tag}`, nextSteps: `方向性${tag}` });

async function write(p: support.Person, subject: { section: string; measure?: string }, t: { evaluation: string; issues: string; nextSteps: string }, action: 'save' | 'submit' = 'submit', fy = 2017) {
  return p.client.submit('/staff/plan/evaluation/entry', { fy: String(fy), section: subject.section, measure: subject.measure ?? '', ...t, action }, { csrf: p.csrf });
}

async function decide(p: support.Person, subject: { section: string; measure?: string }, decision: 'approved' | 'returned', reason = '', fy = 2017) {
  return p.client.submit('/staff/plan/evaluation/review', { fy: String(fy), section: subject.section, measure: subject.measure ?? '', decision, reason }, { csrf: p.csrf });
}

async function rowsOf(tenant: TestTenant) {
  return ctx.db.query<{ section_code: string; measure_code: string; status: string; evaluation: string; approved_evaluation: string | null; return_reason: string | null }>(
    'select section_code, measure_code, status, evaluation, approved_evaluation, return_reason from plan_evaluations where tenant_id = $1 order by section_code, measure_code',
    [tenant.id],
  );
}

async function auditActions(tenant: TestTenant): Promise<string[]> {
  const rows = await ctx.db.query<{ action: string }>("select action from audit_log where tenant_id = $1 and action like 'evaluation.%' order by seq", [tenant.id]);
  return rows.map((r) => r.action);
}

describe('who writes and decides an evaluation (pure rules)', () => {
  const u = (role: Role, id = 'u1', departmentCode: string | null = 'shimin-kyodo') => ({ id, role, departmentCode }) as AuthUser;
  const section = {
    indicators: [{ departmentCode: 'shimin-kyodo' }, { departmentCode: null }],
    measures: [
      { code: 'A', title: 'a', departmentCode: 'zaisei' },
      { code: 'B', title: 'b', departmentCode: null },
    ],
  } as never;

  it('gives a measure to its own department, else to the departments of its section’s indicators', () => {
    assert.deepEqual(subjectDepartments(section, 'A'), ['zaisei']);
    assert.deepEqual(subjectDepartments(section, 'B'), ['shimin-kyodo']);
    assert.deepEqual(subjectDepartments(section, ''), ['shimin-kyodo', 'zaisei']);
  });

  it('lets staff of those departments, plan managers and admins write, and nobody else', () => {
    assert.equal(canWriteEvaluation(u('staff'), { departments: ['shimin-kyodo'] }), true);
    assert.equal(canWriteEvaluation(u('staff', 'u1', 'zaisei'), { departments: ['shimin-kyodo'] }), false);
    assert.equal(canWriteEvaluation(u('staff', 'u1', 'zaisei'), { departments: [] }), true);
    assert.equal(canWriteEvaluation(u('plan_manager', 'u1', null), { departments: ['shimin-kyodo'] }), true);
    assert.equal(canWriteEvaluation(u('citizen', 'u1', null), { departments: [] }), false);
    assert.equal(canWriteEvaluation(null, { departments: [] }), false);
  });

  it('lets an approver decide a submitted text only when someone else wrote it', () => {
    assert.equal(canDecideEvaluation(u('plan_manager', 'm1'), { status: 'submitted', enteredBy: 's1' }), true);
    assert.equal(canDecideEvaluation(u('plan_manager', 'm1'), { status: 'submitted', enteredBy: 'm1' }), false);
    assert.equal(canDecideEvaluation(u('plan_manager', 'm1'), { status: 'draft', enteredBy: 's1' }), false);
    assert.equal(canDecideEvaluation(u('staff', 'm1'), { status: 'submitted', enteredBy: 's1' }), false);
  });
});

describe('施策評価 entry and approval', () => {
  it('says so, rather than failing, where no plan is set up yet', async () => {
    const tenant = await newTenant(ctx.db);
    const staff = await person(tenant, 'staff', 'shimin-kyodo');
    const res = await staff.client.get('/staff/plan/evaluation');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /現行の計画が登録されていません/);
    assert.equal((await staff.client.get('/plan/evaluations')).statusCode, 200);
  });

  it('lets department staff write and submit their section’s evaluation, audited', async () => {
    const tenant = await tenantWithPlan();
    const staff = await person(tenant, 'staff', 'shimin-kyodo');
    const list = await staff.client.get('/staff/plan/evaluation?fy=2017');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /href="\/staff\/plan\/evaluation\/entry\?fy=2017&amp;section=6-1"/);
    assert.doesNotMatch(list.body, /section=6-3/, 'no write link for another department’s section');
    const form = await staff.client.get('/staff/plan/evaluation/entry?fy=2017&section=6-1&measure=6-1-A');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /name="_csrf"/);

    const draft = await write(staff, { section: '6-1', measure: '6-1-A' }, { evaluation: '途中', issues: '', nextSteps: '' }, 'save');
    assert.equal(draft.statusCode, 303);
    const saved = await write(staff, { section: '6-1' }, texts('1'));
    assert.equal(saved.statusCode, 303);
    assert.match(saved.headers.location as string, /done=submitted/);
    const rows = await rowsOf(tenant);
    assert.deepEqual(rows.map((r) => [r.section_code, r.measure_code, r.status]), [['6-1', '', 'submitted'], ['6-1', '6-1-A', 'draft']]);
    assert.deepEqual(await auditActions(tenant), ['evaluation.save', 'evaluation.submit']);
    // A submitted text is locked until it is decided.
    const again = await write(staff, { section: '6-1' }, texts('2'));
    assert.equal(again.statusCode, 409);
    assert.equal((await rowsOf(tenant))[0]!.evaluation, '評価1');
  });

  it('refuses staff of another department, on the form and on posting, storing nothing', async () => {
    const tenant = await tenantWithPlan();
    const other = await person(tenant, 'staff', 'zaisei');
    assert.equal((await other.client.get('/staff/plan/evaluation/entry?fy=2017&section=6-1&measure=6-1-A')).statusCode, 403);
    const res = await write(other, { section: '6-1', measure: '6-1-A' }, texts('x'));
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /市民協働|shimin-kyodo/);
    // 6-2-A names no department: it belongs to the departments of 6-2's indicators, 財政課 among them.
    assert.equal((await write(other, { section: '6-2', measure: '6-2-A' }, texts('ok'))).statusCode, 303);
    assert.deepEqual((await rowsOf(tenant)).map((r) => r.measure_code), ['6-2-A']);
    const citizen = await person(tenant, 'citizen');
    assert.equal((await write(citizen, { section: '6-1' }, texts('c'))).statusCode, 403);
  });

  it('answers bad input with 4xx naming every bad field and stores nothing', async () => {
    const tenant = await tenantWithPlan();
    const staff = await person(tenant, 'staff', 'shimin-kyodo');
    const empty = await write(staff, { section: '6-1' }, { evaluation: ' ', issues: '', nextSteps: '' });
    assert.equal(empty.statusCode, 400);
    for (const f of ['evaluation', 'issues', 'nextSteps']) assert.match(empty.body, new RegExp(`href="#${f}"`), f);
    const long = await write(staff, { section: '6-1' }, { evaluation: 'あ'.repeat(2001), issues: 'ok', nextSteps: 'い'.repeat(2001) }, 'save');
    assert.equal(long.statusCode, 400);
    assert.match(long.body, /href="#evaluation"/);
    assert.match(long.body, /href="#nextSteps"/);
    assert.doesNotMatch(long.body, /href="#issues"/);
    const subject = await staff.client.submit('/staff/plan/evaluation/entry', { fy: 'abc', section: '', evaluation: 'a', issues: 'b', nextSteps: 'c', action: 'publish' }, { csrf: staff.csrf });
    assert.equal(subject.statusCode, 400);
    for (const m of ['年度を正しく指定してください', '節を指定してください', '「下書き保存」か「提出」を選んでください']) assert.match(subject.body, new RegExp(m));
    const unknown = await write(staff, { section: '9-9' }, texts('u'));
    assert.equal(unknown.statusCode, 404);
    const outOfPeriod = await write(staff, { section: '6-1' }, texts('u'), 'submit', 2030);
    assert.equal(outOfPeriod.statusCode, 400);
    const noCsrf = await staff.client.submit('/staff/plan/evaluation/entry', { fy: '2017', section: '6-1', ...texts('n'), action: 'submit' }, { csrf: null });
    assert.equal(noCsrf.statusCode, 403);
    const badQuery = await staff.client.get('/staff/plan/evaluation?fy=abc');
    assert.equal(badQuery.statusCode, 400);
    assert.deepEqual(await rowsOf(tenant), []);
  });

  it('refuses an approver deciding their own text (four-eyes) and lets another approve it', async () => {
    const tenant = await tenantWithPlan();
    const manager = await person(tenant, 'plan_manager');
    const other = await person(tenant, 'plan_manager');
    assert.equal((await write(manager, { section: '6-2' }, texts('m'))).statusCode, 303);
    const page = await manager.client.get('/staff/plan/evaluation/review?fy=2017&section=6-2');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /id="evaluation-four-eyes"/);
    assert.doesNotMatch(page.body, /name="decision"/);
    const own = await decide(manager, { section: '6-2' }, 'approved');
    assert.equal(own.statusCode, 403);
    assert.match(own.body, /自分で入力した評価は承認・差し戻しできません/);
    assert.equal((await rowsOf(tenant))[0]!.status, 'submitted');
    const staff = await person(tenant, 'staff', 'shisan-keiei');
    assert.equal((await decide(staff, { section: '6-2' }, 'approved')).statusCode, 403);
    const ok = await decide(other, { section: '6-2' }, 'approved');
    assert.equal(ok.statusCode, 303);
    const [row] = await rowsOf(tenant);
    assert.equal(row!.status, 'approved');
    assert.equal(row!.approved_evaluation, '評価m');
    assert.deepEqual(await auditActions(tenant), ['evaluation.submit', 'evaluation.approve']);
  });

  it('returns a text with its reason, which its author sees, and requires the reason', async () => {
    const tenant = await tenantWithPlan();
    const staff = await person(tenant, 'staff', 'shimin-kyodo');
    const manager = await person(tenant, 'plan_manager');
    await write(staff, { section: '6-1', measure: '6-1-A' }, texts('r'));
    const noReason = await decide(manager, { section: '6-1', measure: '6-1-A' }, 'returned', '  ');
    assert.equal(noReason.statusCode, 400);
    assert.match(noReason.body, /href="#reason"/);
    assert.equal((await rowsOf(tenant))[0]!.status, 'submitted');
    assert.equal((await decide(manager, { section: '6-1', measure: '6-1-A' }, 'returned', '数値の根拠を書いてください')).statusCode, 303);
    const entry = await staff.client.get('/staff/plan/evaluation/entry?fy=2017&section=6-1&measure=6-1-A');
    assert.match(textOf(entry.body), /差し戻されました.*理由：数値の根拠を書いてください/);
    assert.match(entry.body, /評価r/, 'the returned text is there to revise');
    const list = await staff.client.get('/staff/plan/evaluation?fy=2017');
    assert.match(list.body, /数値の根拠を書いてください/);
    // Revised and submitted again: the reason is cleared.
    assert.equal((await write(staff, { section: '6-1', measure: '6-1-A' }, texts('r2'))).statusCode, 303);
    const [row] = await rowsOf(tenant);
    assert.equal(row!.status, 'submitted');
    assert.equal(row!.return_reason, null);
    assert.deepEqual(await auditActions(tenant), ['evaluation.submit', 'evaluation.return', 'evaluation.submit']);
  });
});

describe('施策評価 report, downloads and publishing', () => {
  async function approvedYear() {
    const tenant = await tenantWithPlan();
    const staff = await person(tenant, 'staff', 'shimin-kyodo');
    const manager = await person(tenant, 'plan_manager');
    await write(staff, { section: '6-1' }, { evaluation: '団体登録数は目標に近づいた。\n改行も残る', issues: '=SUM(A1) 若い世代の参加', nextSteps: '講座を増やす' });
    await decide(manager, { section: '6-1' }, 'approved');
    await write(staff, { section: '6-1', measure: '6-1-A' }, texts('未承認'));
    return { tenant, staff, manager };
  }

  it('shows the approved texts only, beside the grades and rates of each indicator', async () => {
    const { tenant, staff } = await approvedYear();
    // A later draft of the approved text does not replace it in the report.
    await write(staff, { section: '6-1' }, texts('下書き'), 'save');
    const res = await staff.client.get('/staff/plan/evaluation/report?fy=2017');
    assert.equal(res.statusCode, 200);
    const text = textOf(res.body);
    assert.match(text, /団体登録数は目標に近づいた。/);
    assert.match(text, /講座を増やす/);
    assert.doesNotMatch(text, /評価未承認/);
    assert.doesNotMatch(text, /評価下書き/);
    assert.match(res.body, /6-1-1/);
    assert.match(res.body, /badge--/, 'grades are shown');
    assert.match(res.body, /id="evaluation-draft"/);
    const anonymous = await (await person(tenant)).client.get('/staff/plan/evaluation/report?fy=2017');
    assert.equal(anonymous.statusCode, 303, 'the anonymous are sent to sign in');
    assert.match(anonymous.headers.location as string, /login/);
  });

  it('downloads the report as CSV (UTF-8 with BOM) and for Excel (UTF-16LE TSV) with the same rows', async () => {
    const { staff } = await approvedYear();
    const csv = await staff.client.get('/staff/plan/evaluation/report.csv?fy=2017');
    assert.equal(csv.statusCode, 200);
    assert.match(csv.headers['content-type'] as string, /text\/csv; charset=utf-8/);
    assert.match(csv.headers['content-disposition'] as string, /attachment; filename="policy-evaluation-FY2017.csv"/);
    assert.ok(csv.body.startsWith('\uFEFF'));
    const rows = parse(csv.body.slice(1), { relax_column_count: false }) as string[][];
    assert.equal(rows[0]![6], '評価 evaluation');
    const summary = rows.find((r) => r[2] === '節' && r[3] === '6-1')!;
    assert.equal(summary[6], '団体登録数は目標に近づいた。\n改行も残る');
    assert.equal(summary[7], "'=SUM(A1) 若い世代の参加", 'a formula-like cell is made inert');
    assert.equal(summary[8], '講座を増やす');
    assert.match(summary[5]!, /市民協働課|テスト課/);
    const measure = rows.find((r) => r[3] === '6-1-A')!;
    assert.equal(measure[2], '施策');
    assert.equal(measure[6], '', 'an unapproved text is not in the CSV');
    const indicator = rows.find((r) => r[3] === '6-1-1')!;
    assert.equal(indicator[2], '指標');
    assert.ok(indicator[12], 'a grade');
    assert.equal(rows.filter((r) => r[2] === '指標').length, 9);

    const excel = await staff.client.request({ method: 'GET', url: '/staff/plan/evaluation/report-excel.csv?fy=2017' });
    assert.equal(excel.statusCode, 200);
    assert.match(excel.headers['content-type'] as string, /charset=utf-16le/);
    const bytes = excel.rawPayload;
    assert.deepEqual([bytes[0], bytes[1]], [0xff, 0xfe], 'UTF-16LE byte-order mark');
    const decoded = bytes.subarray(2).toString('utf16le');
    assert.deepEqual(parse(decoded, { delimiter: '\t' }), rows);
  });

  it('publishes a closed year as a frozen report: later actuals and texts leave it unchanged, and edits are refused', async () => {
    const { tenant, staff, manager } = await approvedYear();
    const anonymous = await person(tenant);
    assert.equal((await anonymous.client.get('/plan/evaluations/2017')).statusCode, 404, 'not public before publishing');
    const published = await manager.client.submit('/staff/plan/evaluation/publish', { fy: '2017' }, { csrf: manager.csrf });
    assert.equal(published.statusCode, 303);
    assert.deepEqual((await auditActions(tenant)).slice(-1), ['evaluation.publish']);

    const list = await anonymous.client.get('/plan/evaluations');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /href="\/plan\/evaluations\/2017"/);
    const before = await anonymous.client.get('/plan/evaluations/2017');
    assert.equal(before.statusCode, 200);
    assert.match(textOf(before.body), /団体登録数は目標に近づいた。/);
    assert.match(before.body, /id="evaluation-published"/);
    const csvBefore = (await anonymous.client.get('/plan/evaluations/2017/report.csv')).body;
    const excelBefore = (await anonymous.client.request({ method: 'GET', url: '/plan/evaluations/2017/report-excel.csv' })).rawPayload;

    // A new actual for FY2017, approved afterwards, moves the live values but not the published report.
    const entered = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/indicators/6-1-1/actuals',
      headers: { host: tenant.host, authorization: `Bearer ${staff.user!.token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ value: 400, asOf: '2018-03-31' }),
    });
    assert.equal(entered.statusCode, 201, entered.body);
    const approved = await ctx.app.inject({
      method: 'POST',
      url: `/api/v1/indicators/6-1-1/actuals/${(JSON.parse(entered.body) as { id: string }).id}/approve`,
      headers: { host: tenant.host, authorization: `Bearer ${manager.user!.token}` },
    });
    assert.equal(approved.statusCode, 200, approved.body);

    // Texts of the frozen year are refused, Japanese first (en on request), and nothing changes.
    const edit = await write(staff, { section: '6-1', measure: '6-1-A' }, texts('後から'), 'save');
    assert.equal(edit.statusCode, 409);
    assert.match(edit.body, /施策評価は公表済みのため、内容を変更できません/);
    const editEn = await staff.client.submit('/staff/plan/evaluation/entry?lang=en', { fy: '2017', section: '6-1', ...texts('en'), action: 'save' }, { csrf: staff.csrf });
    assert.equal(editEn.statusCode, 409);
    const api = await ctx.app.inject({
      method: 'POST',
      url: '/staff/plan/evaluation/entry',
      headers: { host: tenant.host, authorization: `Bearer ${staff.user!.token}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      payload: new URLSearchParams({ fy: '2017', section: '6-1', ...texts('api'), action: 'save' }).toString(),
    });
    assert.ok([403, 409].includes(api.statusCode), `a bearer form post is refused (${api.statusCode})`);
    assert.equal((await decide(manager, { section: '6-1', measure: '6-1-A' }, 'approved')).statusCode, 409);
    assert.equal((await manager.client.submit('/staff/plan/evaluation/publish', { fy: '2017' }, { csrf: manager.csrf })).statusCode, 409);
    const form = await staff.client.get('/staff/plan/evaluation/entry?fy=2017&section=6-1');
    assert.match(form.body, /id="evaluation-frozen"/);
    assert.doesNotMatch(form.body, /name="action"/);

    const after = await anonymous.client.get('/plan/evaluations/2017');
    assert.equal(after.body, before.body, 'the published page is unchanged');
    assert.equal((await anonymous.client.get('/plan/evaluations/2017/report.csv')).body, csvBefore);
    assert.deepEqual((await anonymous.client.request({ method: 'GET', url: '/plan/evaluations/2017/report-excel.csv' })).rawPayload, excelBefore);
    const staffView = await staff.client.get('/staff/plan/evaluation/report?fy=2017');
    assert.match(staffView.body, /id="evaluation-published"/);
    assert.equal((await rowsOf(tenant)).find((r) => r.measure_code === '6-1-A')!.evaluation, '評価未承認');
    const en = await anonymous.client.get('/plan/evaluations/2017?lang=en');
    assert.equal(en.statusCode, 200);
    assert.match(en.body, /Published on/);
  });

  it('refuses to publish a fiscal year that has not ended', async () => {
    const tenant = await tenantWithPlan(docWithMeasures((d) => {
      (d as { period: { endFiscalYear: number } }).period.endFiscalYear = 2030;
    }));
    const manager = await person(tenant, 'plan_manager');
    const res = await manager.client.submit('/staff/plan/evaluation/publish', { fy: '2026' }, { csrf: manager.csrf });
    assert.equal(res.statusCode, 409);
    assert.match(res.body, /まだ終わっていないため公表できません/);
    const bad = await manager.client.submit('/staff/plan/evaluation/publish', { fy: 'x' }, { csrf: manager.csrf });
    assert.equal(bad.statusCode, 400);
    const staff = await person(tenant, 'staff', 'shimin-kyodo');
    assert.equal((await staff.client.submit('/staff/plan/evaluation/publish', { fy: '2017' }, { csrf: staff.csrf })).statusCode, 403);
    const rows = await ctx.db.query('select 1 from plan_evaluation_publications where tenant_id = $1', [tenant.id]);
    assert.equal(rows.length, 0);
  });
});
