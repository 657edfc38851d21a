/**
 * The plan edited in the browser, over HTTP on a real database: each test in a fresh tenant
 * holding the demo plan. Forms are filled from the edit page as served (what a browser would
 * post back), and every effect is read back through the public API, the export, the history
 * page and the audit log, never from the code that wrote it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuthUser, Role } from '../../core/auth.ts';
import { ManualClock } from '../../core/clock.ts';
import { makeUser } from '../../testing/factories.ts';
import { startTestApp, type TestContext, type TestTenant } from '../../testing/harness.ts';
import { planWorkItems } from './plan.service.ts';
import * as support from './plan.test-support.ts';

let ctx: TestContext;
const clock = new ManualClock('2026-06-01T03:00:00Z');
const PLAN = 'maebashi-6';
const ADMIN = `/staff/plan/admin/plans/${PLAN}`;

before(async () => {
  ctx = await startTestApp({ clock });
});
after(async () => {
  await ctx.close();
});

const tenantWithPlan = (): Promise<TestTenant> => support.tenantWithPlan(ctx);
const person = (tenant: TestTenant, role?: Role): Promise<support.Person> => support.person(ctx, tenant, role);

function api(tenant: TestTenant, method: 'GET' | 'POST', url: string, token?: string, payload?: unknown) {
  return ctx.app.inject({
    method,
    url,
    headers: { host: tenant.host, ...(token ? { authorization: `Bearer ${token}` } : {}), ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
  });
}

const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The fields a browser would post from the page's first form after the CSRF one (inputs, textareas, selected options). */
function formFields(html: string): Record<string, string> {
  const form = /<form method="post"[^>]*novalidate>([\s\S]*?)<\/form>/.exec(html)?.[1];
  assert.ok(form, 'the page has an edit form');
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/<input[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"/g)) fields[m[1]!] = unescape(m[2]!);
  for (const m of form.matchAll(/<textarea[^>]*\bname="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) fields[m[1]!] = unescape(m[2]!);
  for (const m of form.matchAll(/<select[^>]*\bname="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    fields[m[1]!] = unescape(/<option value="([^"]*)" selected>/.exec(m[2]!)?.[1] ?? '');
  }
  delete fields._csrf;
  return fields;
}

async function exported(tenant: TestTenant, code = PLAN) {
  const res = await api(tenant, 'GET', `/api/v1/plans/${code}/export`);
  assert.equal(res.statusCode, 200);
  return res.json() as { code: string; current: boolean; chapters: { sections: { code: string; indicators: { code: string; name: string; target: unknown }[] }[] }[] };
}

const indicatorsOf = (doc: Awaited<ReturnType<typeof exported>>) => doc.chapters.flatMap((c) => c.sections.flatMap((s) => s.indicators));

async function changesOf(tenant: TestTenant) {
  return ctx.db.query<{ action: string; entity_type: string; entity_code: string }>(
    'select action, entity_type, entity_code from plan_changes where tenant_id = $1 order by at, id',
    [tenant.id],
  );
}

async function auditOf(tenant: TestTenant) {
  return ctx.db.query<{ action: string; entity_id: string; actor_id: string | null; details: string }>(
    "select action, entity_id, actor_id, details from audit_log where tenant_id = $1 and action like 'plan.%' and action <> 'plan.import' order by seq",
    [tenant.id],
  );
}

/** The edit form of an indicator as served to a plan manager. */
async function indicatorForm(pm: support.Person, code: string): Promise<Record<string, string>> {
  const res = await pm.client.get(`${ADMIN}/indicators/${code}`);
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  return formFields(res.body);
}

describe('plan editing in the browser', () => {
  it('lets a plan manager edit an indicator: the change shows on the plan, in the history and in the audit log', async () => {
    const tenant = await tenantWithPlan();
    const pm = await person(tenant, 'plan_manager');
    const form = await indicatorForm(pm, '6-1-1');
    assert.equal(form.targetValue, '250', 'the form shows the target in force');
    assert.equal(form.source, 'groups.registered', 'the form shows the bound metric');

    const res = await pm.client.submit(`${ADMIN}/indicators/6-1-1`, { ...form, name: '市民活動団体の登録数（改訂）', targetValue: '275' }, { csrf: pm.csrf });
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    assert.match(res.headers.location as string, /done=saved#indicator-6-1-1$/);

    const item = (await api(tenant, 'GET', '/api/v1/indicators/6-1-1')).json() as { name: string; target: { value: number; fiscalYear: number }; source: unknown };
    assert.equal(item.name, '市民活動団体の登録数（改訂）');
    assert.equal(item.target.value, 275);
    assert.equal(item.target.fiscalYear, 2017);
    assert.deepEqual(item.source, { kind: 'metric', metric: 'groups.registered' }, 'fields left as they were stay so');
    const after = indicatorsOf(await exported(tenant)).find((i) => i.code === '6-1-1') as unknown as { department?: string; baseline: unknown };
    // This tenant has no department 市民協働課 on record: the form must still carry the indicator's own.
    assert.equal(after.department, 'shimin-kyodo', 'the department the indicator names is kept');
    assert.deepEqual(after.baseline, { value: 219, asOf: '2013-03-31', label: 'H25.3.31', labelEn: '31 March 2013 (H25.3.31)' });
    const page = await pm.client.get('/plan/indicators/6-1-1');
    assert.match(page.body, /市民活動団体の登録数（改訂）/, 'the public indicator page shows the new name (its cache was invalidated)');

    const history = await pm.client.get(`${ADMIN}/history`);
    assert.equal(history.statusCode, 200);
    assert.match(history.body, /6-1-1/);
    assert.match(history.body, /市民活動支援センターへの団体登録数/, 'the history shows the name before');
    assert.match(history.body, /市民活動団体の登録数（改訂）/, 'and after');
    assert.deepEqual(await changesOf(tenant), [{ action: 'edit', entity_type: 'indicator', entity_code: '6-1-1' }]);

    const audit = await auditOf(tenant);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.action, 'plan.indicator.edit');
    assert.equal(audit[0]!.entity_id, `${PLAN}/6-1-1`);
    assert.equal(audit[0]!.actor_id, pm.user!.id);
    assert.deepEqual((JSON.parse(audit[0]!.details) as { changed: string[] }).changed, ['name', 'target']);
  });

  it('answers an invalid edit with 400 naming each field, and changes nothing', async () => {
    const tenant = await tenantWithPlan();
    const pm = await person(tenant, 'plan_manager');
    const before = await exported(tenant);
    const form = await indicatorForm(pm, '6-1-1');

    // A figure the form cannot read, a name the import's schema refuses, and a metric no module declares.
    const res = await pm.client.submit(`${ADMIN}/indicators/6-1-1`, { ...form, targetValue: 'たくさん' }, { csrf: pm.csrf });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /href="#targetValue"/, 'the error summary links to the target value');
    assert.match(res.body, /<title>エラー：/);
    assert.match(res.body, /value="たくさん"/, 'what was typed is shown again');

    const blankName = await pm.client.submit(`${ADMIN}/indicators/6-1-1`, { ...form, name: '' }, { csrf: pm.csrf });
    assert.equal(blankName.statusCode, 400);
    assert.match(blankName.body, /href="#name"/);

    const noTarget = await pm.client.submit(`${ADMIN}/indicators/6-1-1`, { ...form, targetFiscalYear: '' }, { csrf: pm.csrf });
    assert.equal(noTarget.statusCode, 400, 'a target needs a fiscal year or a date');
    assert.match(noTarget.body, /href="#targetFiscalYear"/);

    const metric = await pm.client.submit(`${ADMIN}/indicators/6-1-1`, { ...form, source: 'nothing.here' }, { csrf: pm.csrf });
    assert.equal(metric.statusCode, 400);
    assert.match(metric.body, /href="#source"/);

    const both = await pm.client.submit(`${ADMIN}/indicators/6-1-1`, { ...form, baselineValue: 'x', name: '' }, { csrf: pm.csrf });
    assert.equal(both.statusCode, 400);
    assert.match(both.body, /href="#baselineValue"/, 'every error at once: the unreadable baseline');
    assert.match(both.body, /href="#name"/, 'and the blank name');

    assert.deepEqual(await exported(tenant), before, 'the plan is as it was');
    assert.deepEqual(await changesOf(tenant), [], 'no history entry');
    assert.deepEqual(await auditOf(tenant), [], 'no audit entry');
  });

  it('refuses staff, citizens and anonymous visitors, and stores nothing', async () => {
    const tenant = await tenantWithPlan();
    const pm = await person(tenant, 'plan_manager');
    const form = await indicatorForm(pm, '6-1-1');
    const before = await exported(tenant);
    for (const role of ['staff', 'citizen', undefined] as const) {
      const p = await person(tenant, role);
      const page = await p.client.get(`${ADMIN}/indicators/6-1-1`);
      assert.ok(role ? page.statusCode === 403 : page.statusCode === 303 || page.statusCode === 401, `${role ?? 'anonymous'} GET → ${page.statusCode}`);
      assert.doesNotMatch(page.body, /name="targetValue"/);
      const edit = await p.client.submit(`${ADMIN}/indicators/6-1-1`, { ...form, name: 'x' }, { csrf: p.csrf });
      assert.equal(edit.statusCode, role ? 403 : 401, `${role ?? 'anonymous'} POST`);
      const retire = await p.client.submit(`${ADMIN}/indicators/6-1-1/retire`, {}, { csrf: p.csrf });
      assert.equal(retire.statusCode, role ? 403 : 401, `${role ?? 'anonymous'} retire`);
    }
    // A bearer token of staff is refused the same way (no browser session needed to probe).
    const staff = await makeUser(ctx.db, tenant, 'staff', { departmentCode: 'shimin-kyodo' });
    const viaToken = await api(tenant, 'GET', `${ADMIN}/history`, staff.token);
    assert.equal(viaToken.statusCode, 403);
    assert.deepEqual(await exported(tenant), before);
    assert.deepEqual(await changesOf(tenant), []);
    assert.deepEqual(await auditOf(tenant), []);
  });

  it('retires an indicator: gone from the plan, the API, the export and open data; its code is not reused', async () => {
    const tenant = await tenantWithPlan();
    const pm = await person(tenant, 'plan_manager');
    const res = await pm.client.submit(`${ADMIN}/indicators/6-1-2/retire`, {}, { csrf: pm.csrf });
    assert.equal(res.statusCode, 303, res.body.slice(0, 300));

    const list = (await api(tenant, 'GET', '/api/v1/indicators')).json() as { items: { code: string }[] };
    assert.deepEqual(list.items.map((i) => i.code), ['6-1-1', '6-1-3', '6-2-1', '6-2-2', '6-2-3', '6-2-4', '6-3-1', '6-3-2']);
    assert.equal((await api(tenant, 'GET', '/api/v1/indicators/6-1-2')).statusCode, 404);
    assert.equal((await pm.client.get('/plan/indicators/6-1-2')).statusCode, 404);
    assert.ok(!indicatorsOf(await exported(tenant)).some((i) => i.code === '6-1-2'), 'not exported');
    const csv = await api(tenant, 'GET', '/opendata/indicators.csv');
    assert.equal(csv.statusCode, 200);
    assert.doesNotMatch(csv.body, /6-1-2/, 'not in open data');
    assert.match(csv.body, /6-1-1/);
    const planPage = await pm.client.get(ADMIN);
    assert.doesNotMatch(planPage.body, /id="indicator-6-1-2"/);

    const form = formFields((await pm.client.get(`${ADMIN}/indicators/new`)).body);
    const reuse = await pm.client.submit(
      `${ADMIN}/indicators/new`,
      { ...form, section: '6-1', code: '6-1-2', name: '新しい指標', unit: '件', targetValue: '10', targetFiscalYear: '2017' },
      { csrf: pm.csrf },
    );
    assert.equal(reuse.statusCode, 400, 'a retired code stays taken');
    assert.match(reuse.body, /href="#code"/);

    assert.deepEqual(await changesOf(tenant), [{ action: 'retire', entity_type: 'indicator', entity_code: '6-1-2' }]);
    assert.deepEqual((await auditOf(tenant)).map((a) => a.action), ['plan.indicator.retire']);
    assert.equal((await pm.client.submit(`${ADMIN}/indicators/6-1-2/retire`, {}, { csrf: pm.csrf })).statusCode, 404, 'retired once');
  });

  it('takes a retired indicator’s pending entries off the approval queue and the work list', async () => {
    const tenant = await tenantWithPlan();
    const pm = await person(tenant, 'plan_manager');
    const staff = await person(tenant, 'staff');
    const entered = await api(tenant, 'POST', '/api/v1/indicators/6-1-2/actuals', staff.user!.token, { value: 20, asOf: '2026-03-31' });
    assert.equal(entered.statusCode, 201, entered.body);
    const queued = await pm.client.get('/staff/plan/approvals');
    assert.match(queued.body, /6-1-2/, 'the entry waits for a decision');
    assert.equal((await pm.client.submit(`${ADMIN}/indicators/6-1-2/retire`, {}, { csrf: pm.csrf })).statusCode, 303);
    const after = await pm.client.get('/staff/plan/approvals');
    assert.equal(after.statusCode, 200);
    assert.doesNotMatch(after.body, /6-1-2/, 'an entry no one can decide any more is not offered');
    const work = await planWorkItems(ctx.db, tenant.id, { id: pm.user!.id, role: 'plan_manager', departmentCode: null } as AuthUser, 'ja', clock.now());
    assert.ok(!work.some((w) => w.href === '/staff/plan/approvals'), 'nor counted in the work list');
  });

  it('adds an indicator through the form; it shows on the plan at the end of its section', async () => {
    const tenant = await tenantWithPlan();
    const pm = await person(tenant, 'plan_manager');
    const form = formFields((await pm.client.get(`${ADMIN}/indicators/new`)).body);
    const res = await pm.client.submit(
      `${ADMIN}/indicators/new`,
      { ...form, section: '6-1', code: '6-1-9', name: '協働事業の件数', unit: '件', baselineValue: '12', baselineAsOf: 'H25.3.31', targetValue: '20', targetFiscalYear: '2017' },
      { csrf: pm.csrf },
    );
    assert.equal(res.statusCode, 303, res.body.slice(0, 800));
    const item = (await api(tenant, 'GET', '/api/v1/indicators/6-1-9')).json() as { baseline: unknown; source: unknown; latest: unknown };
    assert.deepEqual(item.baseline, { value: 12, asOf: '2013-03-31' });
    assert.deepEqual(item.source, { kind: 'manual' });
    assert.equal(item.latest, null);
    const section = (await exported(tenant)).chapters[0]!.sections.find((s) => s.code === '6-1')!;
    assert.deepEqual(section.indicators.map((i) => i.code), ['6-1-1', '6-1-2', '6-1-3', '6-1-9']);
  });

  it('round-trips an edited plan through export and re-import', async () => {
    const tenant = await tenantWithPlan();
    const pm = await person(tenant, 'plan_manager');
    const form = await indicatorForm(pm, '6-2-1');
    const edited = await pm.client.submit(
      `${ADMIN}/indicators/6-2-1`,
      { ...form, targetValue: '2600', targetLabel: 'R2.4.1', targetLabelEn: '1 April 2020 (R2.4.1)', targetDate: 'R2.4.1', description: '説明を改めた' },
      { csrf: pm.csrf },
    );
    assert.equal(edited.statusCode, 303, edited.body.slice(0, 800));
    assert.equal((await pm.client.submit(`${ADMIN}/indicators/6-3-1/retire`, {}, { csrf: pm.csrf })).statusCode, 303);

    const doc = await exported(tenant);
    const moved = indicatorsOf(doc).find((i) => i.code === '6-2-1')!;
    assert.deepEqual(moved.target, { value: 2600, date: '2020-04-01', label: 'R2.4.1', labelEn: '1 April 2020 (R2.4.1)' });

    const copy = { ...doc, code: 'maebashi-6-copy', current: false };
    const imported = await api(tenant, 'POST', '/api/v1/plans', pm.user!.token, copy);
    assert.equal(imported.statusCode, 201, imported.body);
    assert.deepEqual(await exported(tenant, 'maebashi-6-copy'), copy, 'the re-imported plan exports exactly as the edited one did');
  });

  it('creates a plan through the form with its creation in the history; a taken code is refused at its field', async () => {
    const tenant = await tenantWithPlan();
    const pm = await person(tenant, 'plan_manager');
    const fields = { code: 'next-7', title: '第7章', startFiscalYear: '2028', endFiscalYear: '2032', chapterCode: '7', chapterTitle: '第7章', sectionCode: '7-1', sectionTitle: '第1節' };
    const res = await pm.client.submit('/staff/plan/admin/new', fields, { csrf: pm.csrf });
    assert.equal(res.statusCode, 303, res.body.slice(0, 800));
    assert.equal((await exported(tenant, 'next-7')).current, false, 'a new plan does not replace the current one');
    assert.deepEqual(await changesOf(tenant), [{ action: 'create', entity_type: 'plan', entity_code: 'next-7' }]);
    const again = await pm.client.submit('/staff/plan/admin/new', { ...fields, code: PLAN }, { csrf: pm.csrf });
    assert.equal(again.statusCode, 400);
    assert.match(again.body, /href="#code"/);
    assert.equal((await changesOf(tenant)).length, 1, 'the refused plan left no history');
  });

  it('edits a section and retires it with its indicators', async () => {
    const tenant = await tenantWithPlan();
    const pm = await person(tenant, 'plan_manager');
    const page = await pm.client.get(`${ADMIN}/sections/6-3`);
    assert.equal(page.statusCode, 200);
    const form = formFields(page.body);
    const saved = await pm.client.submit(`${ADMIN}/sections/6-3`, { ...form, title: '情報マネジメントの推進（改）', 'glossary-0-term': '' }, { csrf: pm.csrf });
    assert.equal(saved.statusCode, 400, 'a glossary row with a definition but no term is refused');
    assert.match(saved.body, /href="#glossary-0-term"/);
    const ok = await pm.client.submit(`${ADMIN}/sections/6-3`, { ...form, title: '情報マネジメントの推進（改）' }, { csrf: pm.csrf });
    assert.equal(ok.statusCode, 303, ok.body.slice(0, 800));
    const exportedSection = (await exported(tenant)).chapters[0]!.sections.find((s) => s.code === '6-3') as unknown as { title: string };
    assert.equal(exportedSection.title, '情報マネジメントの推進（改）');

    assert.equal((await pm.client.submit(`${ADMIN}/sections/6-3/retire`, {}, { csrf: pm.csrf })).statusCode, 303);
    const list = (await api(tenant, 'GET', '/api/v1/indicators')).json() as { items: { code: string }[] };
    assert.ok(!list.items.some((i) => i.code.startsWith('6-3-')), 'its indicators left the plan with it');
    assert.equal((await pm.client.get('/plan/sections/6-3')).statusCode, 404);
    assert.deepEqual((await changesOf(tenant)).map((c) => `${c.action} ${c.entity_type} ${c.entity_code}`), ['edit section 6-3', 'retire section 6-3']);
  });
});
