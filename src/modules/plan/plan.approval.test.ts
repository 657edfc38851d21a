/**
 * Approval as a control (issue 14), over HTTP on a real database: four-eyes, rejection with a
 * reason that reaches its author, "my entries", warnings for implausible values, indicators of
 * other departments kept away, and evidence files behind the actual's authorisation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuthUser, Role } from '../../core/auth.ts';
import { ManualClock } from '../../core/clock.ts';
import { randomToken } from '../../core/crypto.ts';
import { isSqlState } from '../../core/db/database.ts';
import { listOutbox } from '../../core/mail.ts';
import { startTestApp, type TestContext, type TestTenant } from '../../testing/harness.ts';
import { canDecideActual, canReadEvidence } from './plan.policy.ts';
import { plausibilityWarnings, type PlausibilityInput } from './plan.plausibility.ts';
import * as support from './plan.test-support.ts';
import { pendingActuals, planWorkItems } from './plan.service.ts';

let ctx: TestContext;
const clock = new ManualClock('2026-06-01T03:00:00Z');

before(async () => {
  ctx = await startTestApp({ clock });
});
after(async () => {
  await ctx.close();
});

const tenantWithPlan = (): Promise<TestTenant> => support.tenantWithPlan(ctx);
const person = (tenant: TestTenant, role?: Role, departmentCode?: string): Promise<support.Person> => support.person(ctx, tenant, role, departmentCode);

function api(tenant: TestTenant, method: 'GET' | 'POST', url: string, token?: string, payload?: unknown) {
  return ctx.app.inject({
    method,
    url,
    headers: { host: tenant.host, ...(token ? { authorization: `Bearer ${token}` } : {}), ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
  });
}

function textOf(html: string): string {
  return html.replace(/<[^>]+>/g, ' ').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
}

/** A multipart/form-data body as a browser sends the entry form with a file. */
function multipart(fields: Record<string, string>, file?: { name: string; filename: string; type: string; content: Buffer }) {
  const boundary = `----hibiki${randomToken(8)}`;
  const chunks: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`),
      file.content,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function enterWithFile(p: support.Person, fields: Record<string, string>, file?: { filename: string; type: string; content: Buffer }) {
  const body = multipart({ _csrf: p.csrf, ...fields }, file ? { name: 'evidence', ...file } : undefined);
  return p.client.request({ method: 'POST', url: '/staff/plan/actuals/new', payload: body.payload, headers: { 'content-type': body.contentType, accept: 'text/html' } });
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

async function statusOf(tenant: TestTenant, id: string): Promise<{ status: string; reject_reason: string | null }> {
  return ctx.db.one('select status, reject_reason from indicator_actuals where tenant_id = $1 and id = $2', [tenant.id, id]);
}

describe('approval as a control', () => {
  it('refuses an approver their own entry (four-eyes), through the API, the form and the database', async () => {
    const tenant = await tenantWithPlan();
    const a = await person(tenant, 'plan_manager');
    const b = await person(tenant, 'plan_manager');
    const entered = await api(tenant, 'POST', '/api/v1/indicators/6-1-1/actuals', a.user!.token, { value: 247, asOf: '2018-03-31' });
    assert.equal(entered.statusCode, 201, entered.body);
    const id = entered.json().id as string;

    const self = await api(tenant, 'POST', `/api/v1/indicators/6-1-1/actuals/${id}/approve`, a.user!.token);
    assert.equal(self.statusCode, 403);
    assert.match(self.headers['content-type'] as string, /problem\+json/);
    assert.match(self.body, /別の承認者|another approver/);
    const selfReject = await api(tenant, 'POST', `/api/v1/indicators/6-1-1/actuals/${id}/reject`, a.user!.token, { reason: '取り消し' });
    assert.equal(selfReject.statusCode, 403);

    // The form: the queue offers no button for one's own entry, and a forged post is refused.
    const queue = await a.client.get('/staff/plan/approvals');
    assert.ok(queue.body.includes('あなたが入力した実績です'));
    assert.ok(!queue.body.includes(`action="/staff/plan/approvals/${id}"`));
    const forged = await a.client.submit(`/staff/plan/approvals/${id}`, { code: '6-1-1', decision: 'approved' }, { csrf: a.csrf });
    assert.equal(forged.statusCode, 403);
    assert.equal((await statusOf(tenant, id)).status, 'pending', 'nothing changed');

    // The database holds the rule as well: no statement can make the author the approver.
    await assert.rejects(
      ctx.db.query(`update indicator_actuals set status = 'approved', decided_by = entered_by, decided_label = 'x', decided_at = now() where tenant_id = $1 and id = $2`, [tenant.id, id]),
      (err: unknown) => isSqlState(err, '23514'),
    );

    const other = await api(tenant, 'POST', `/api/v1/indicators/6-1-1/actuals/${id}/approve`, b.user!.token);
    assert.equal(other.statusCode, 200, other.body);
    assert.equal((await statusOf(tenant, id)).status, 'approved');
  });

  it('requires a reason to reject, mails it to the author and shows it on their entries page', async () => {
    const tenant = await tenantWithPlan();
    const staff = await person(tenant, 'staff');
    const manager = await person(tenant, 'plan_manager');
    const posted = await staff.client.submit('/staff/plan/actuals/new', { indicator: '6-1-2', value: '24', asOf: '2018-03-31' }, { csrf: staff.csrf });
    assert.equal(posted.statusCode, 303);
    const id = new URL(String(posted.headers.location), 'http://x').searchParams.get('id')!;

    // Without a reason: refused by the API and by the form, nothing changed.
    assert.equal((await api(tenant, 'POST', `/api/v1/indicators/6-1-2/actuals/${id}/reject`, manager.user!.token)).statusCode, 400);
    const blank = await api(tenant, 'POST', `/api/v1/indicators/6-1-2/actuals/${id}/reject`, manager.user!.token, { reason: '   ' });
    assert.equal(blank.statusCode, 400);
    assert.match(blank.body, /"path":"reason"/);
    const page = await manager.client.get(`/staff/plan/approvals/${id}`);
    assert.equal(page.statusCode, 200);
    const noReason = await manager.client.submit(`/staff/plan/approvals/${id}`, { code: '6-1-2', decision: 'rejected', reason: '' }, { csrf: manager.csrf });
    assert.equal(noReason.statusCode, 400);
    assert.ok(noReason.body.includes('href="#reason"'), 'the error summary links the reason field');
    assert.ok(noReason.body.includes('<title>エラー：'));
    assert.equal((await statusOf(tenant, id)).status, 'pending');
    assert.equal((await listOutbox(ctx.db, tenant.id)).length, 0, 'no mail yet');

    const reason = '平成29年度の実施数は台帳では23件です。確認してください。';
    const rejected = await manager.client.submit(`/staff/plan/approvals/${id}`, { code: '6-1-2', decision: 'rejected', reason }, { csrf: manager.csrf });
    assert.equal(rejected.statusCode, 303);
    assert.deepEqual(await statusOf(tenant, id), { status: 'rejected', reject_reason: reason });

    const mail = await listOutbox(ctx.db, tenant.id);
    assert.equal(mail.length, 1);
    assert.equal(mail[0]!.to_address, staff.user!.email);
    assert.ok(mail[0]!.subject.includes('差し戻し') && mail[0]!.subject.includes('Rejected'));
    assert.ok(mail[0]!.body_text.includes(reason));
    assert.ok(mail[0]!.body_text.includes('/staff/plan/mine'));

    const mine = await staff.client.get('/staff/plan/mine');
    assert.equal(mine.statusCode, 200);
    const text = textOf(mine.body);
    assert.ok(text.includes('差し戻し') && text.includes(reason));
    assert.ok(mine.body.includes('/staff/plan/actuals/new?indicator=6-1-2'), 'offers a correction');
    const authUser = { id: staff.user!.id, role: 'staff', departmentCode: 'shimin-kyodo' } as AuthUser;
    const work = await planWorkItems(ctx.db, tenant.id, authUser, 'ja', clock.now());
    assert.deepEqual(work.map((w) => [w.label, w.href]), [['差し戻された実績 1件', '/staff/plan/mine']]);

    // Decided once: a second decision is refused.
    const again = await api(tenant, 'POST', `/api/v1/indicators/6-1-2/actuals/${id}/approve`, manager.user!.token);
    assert.equal(again.statusCode, 404);
  });

  it('lists a staff member’s entries with their states, and nobody else’s', async () => {
    const tenant = await tenantWithPlan();
    const staff = await person(tenant, 'staff');
    const colleague = await person(tenant, 'staff');
    const manager = await person(tenant, 'plan_manager');
    await staff.client.submit('/staff/plan/actuals/new', { indicator: '6-1-1', value: '247', asOf: '2018-03-31' }, { csrf: staff.csrf });
    await colleague.client.submit('/staff/plan/actuals/new', { indicator: '6-1-3', value: '42.0', asOf: '2018-03-31' }, { csrf: colleague.csrf });
    const [first] = await pendingActuals(ctx.db, tenant.id);
    await api(tenant, 'POST', `/api/v1/indicators/6-1-1/actuals/${first!.id}/approve`, manager.user!.token);
    const mine = textOf((await staff.client.get('/staff/plan/mine')).body);
    assert.ok(mine.includes('6-1-1') && mine.includes('承認済み'));
    assert.ok(!mine.includes('6-1-3'), 'only their own entries');
    const theirs = textOf((await colleague.client.get('/staff/plan/mine?lang=en')).body);
    assert.ok(theirs.includes('6-1-3') && theirs.includes('Pending'));
    const citizen = await person(tenant, 'citizen');
    assert.equal((await citizen.client.get('/staff/plan/mine')).statusCode, 403);
  });

  it('warns about 1,000,000 groups dated 2030 on entry and in the approval queue, without refusing it', async () => {
    const tenant = await tenantWithPlan();
    const staff = await person(tenant, 'staff');
    const posted = await staff.client.submit('/staff/plan/actuals/new', { indicator: '6-1-1', value: '1,000,000', asOf: '2030-03-31' }, { csrf: staff.csrf });
    assert.equal(posted.statusCode, 303, 'accepted');
    const confirmation = await staff.client.get(String(posted.headers.location));
    const text = textOf(confirmation.body);
    assert.ok(text.includes('確認してください'));
    assert.ok(text.includes('計画期間（平成25年3月31日〜平成30年3月31日）の外です'), text);
    assert.ok(text.includes('基準値から目標値までの範囲を大きく外れています'));
    assert.ok(text.includes('前回の実績（平成29年3月31日：244）から大きく変わっています（+999,756）'));
    assert.ok(text.includes('今日（令和8年6月1日）より後です'));

    const manager = await person(tenant, 'plan_manager');
    const queue = textOf((await manager.client.get('/staff/plan/approvals')).body);
    assert.ok(queue.includes('要確認') && queue.includes('計画期間（平成25年3月31日〜平成30年3月31日）の外です'));
    const queueEn = textOf((await manager.client.get('/staff/plan/approvals?lang=en')).body);
    assert.ok(queueEn.includes('outside the plan period'));

    // The API answers the warnings too; a plausible value raises none.
    const viaApi = await api(tenant, 'POST', '/api/v1/indicators/6-1-1/actuals', manager.user!.token, { value: 1000000, asOf: '2030-03-31' });
    assert.deepEqual(viaApi.json().warnings.map((w: { code: string }) => w.code), ['outsidePeriod', 'future', 'outsideRange', 'jump']);
    const fine = await api(tenant, 'POST', '/api/v1/indicators/6-1-1/actuals', manager.user!.token, { value: 249, asOf: '2018-03-31' });
    assert.deepEqual(fine.json().warnings, []);
    const calm = await staff.client.submit('/staff/plan/actuals/new', { indicator: '6-1-1', value: '250', asOf: '2018-03-31' }, { csrf: staff.csrf });
    assert.ok(!textOf((await staff.client.get(String(calm.headers.location))).body).includes('確認してください'));
  });

  it('offers staff only their department’s indicators and refuses the others in the service', async () => {
    const tenant = await tenantWithPlan();
    const staff = await person(tenant, 'staff');
    const form = await staff.client.get('/staff/plan/actuals/new');
    for (const code of ['6-1-1', '6-1-2', '6-1-3']) assert.ok(form.body.includes(`<option value="${code}">`), code);
    for (const code of ['6-2-1', '6-2-2', '6-2-3', '6-2-4', '6-3-1', '6-3-2']) assert.ok(!form.body.includes(`<option value="${code}">`), code);
    const posted = await staff.client.submit('/staff/plan/actuals/new', { indicator: '6-2-1', value: '2700', asOf: '2018-04-01' }, { csrf: staff.csrf });
    assert.equal(posted.statusCode, 400);
    assert.ok(posted.body.includes('href="#indicator"'));
    const viaApi = await api(tenant, 'POST', '/api/v1/indicators/6-2-1/actuals', staff.user!.token, { value: 2700, asOf: '2018-04-01' });
    assert.equal(viaApi.statusCode, 403);
    assert.deepEqual(await pendingActuals(ctx.db, tenant.id), []);
  });
});

describe('evidence files', () => {
  it('stores a PDF with the entry and lets only staff entitled to it download a private file', async () => {
    const tenant = await tenantWithPlan();
    const author = await person(tenant, 'staff');
    const colleague = await person(tenant, 'staff');
    const otherDept = await person(tenant, 'staff', 'zaisei');
    const manager = await person(tenant, 'plan_manager');
    const anonymous = await person(tenant);
    const citizen = await person(tenant, 'citizen');

    const posted = await enterWithFile(author, { indicator: '6-1-1', value: '247', asOf: '2018-03-31' }, { filename: '台帳 2018.pdf', type: 'application/pdf', content: PDF });
    assert.equal(posted.statusCode, 303, posted.body);
    const id = new URL(String(posted.headers.location), 'http://x').searchParams.get('id')!;
    const url = `/plan/actuals/${id}/evidence`;

    for (const [who, p] of [['author', author], ['same department', colleague], ['plan manager', manager]] as const) {
      const res = await p.client.get(url);
      assert.equal(res.statusCode, 200, who);
      assert.equal(res.headers['content-type'], 'application/pdf');
      assert.match(String(res.headers['content-disposition']), /^attachment;/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.deepEqual(res.rawPayload, PDF, who);
    }
    const foreign = await otherDept.client.get(url);
    assert.equal(foreign.statusCode, 404, 'another department’s staff cannot download it (nor learn it exists)');
    assert.ok(!foreign.rawPayload.includes(PDF));
    const anon = await anonymous.client.get(url);
    assert.ok(anon.statusCode === 401 || anon.statusCode === 302 || anon.statusCode === 303, `anonymous: ${anon.statusCode}`);
    assert.ok(!anon.rawPayload.includes(PDF));
    assert.equal((await citizen.client.get(url)).statusCode, 404);

    // Approved but private: still not public.
    const [pending] = await pendingActuals(ctx.db, tenant.id);
    await api(tenant, 'POST', `/api/v1/indicators/6-1-1/actuals/${pending!.id}/approve`, manager.user!.token);
    assert.ok(!(await anonymous.client.get(url)).rawPayload.includes(PDF));
    assert.equal((await otherDept.client.get(url)).statusCode, 404);
    // The queue and the indicator page show the file to those who may read it only.
    assert.ok((await author.client.get('/plan/indicators/6-1-1')).body.includes(`href="${url}"`));
    assert.ok(!(await anonymous.client.get('/plan/indicators/6-1-1')).body.includes(url));
    assert.ok(!(await otherDept.client.get('/plan/indicators/6-1-1')).body.includes(url));
  });

  it('shows a public evidence file to everyone once the actual is approved, not before', async () => {
    const tenant = await tenantWithPlan();
    const author = await person(tenant, 'staff');
    const manager = await person(tenant, 'plan_manager');
    const anonymous = await person(tenant);
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.from('IHDR'), Buffer.alloc(17)]);
    const posted = await enterWithFile(author, { indicator: '6-1-1', value: '247', asOf: '2018-03-31', evidencePublic: '1' }, { filename: 'photo.png', type: 'image/png', content: png });
    assert.equal(posted.statusCode, 303, posted.body);
    const id = new URL(String(posted.headers.location), 'http://x').searchParams.get('id')!;
    const url = `/plan/actuals/${id}/evidence`;
    assert.notEqual((await anonymous.client.get(url)).statusCode, 200, 'not while pending');
    await api(tenant, 'POST', `/api/v1/indicators/6-1-1/actuals/${id}/approve`, manager.user!.token);
    const res = await anonymous.client.get(url);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'image/png');
    assert.ok((await anonymous.client.get('/plan/indicators/6-1-1')).body.includes(`href="${url}"`));
  });

  it('refuses a file whose content is no accepted type, with a bilingual field error, storing nothing', async () => {
    const tenant = await tenantWithPlan();
    const author = await person(tenant, 'staff');
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0x90), Buffer.from([0, 1, 2, 3])]);
    const res = await enterWithFile(author, { indicator: '6-1-1', value: '247', asOf: '2018-03-31' }, { filename: 'evidence.pdf', type: 'application/pdf', content: exe });
    assert.equal(res.statusCode, 400);
    assert.ok(res.body.includes('href="#evidence"'));
    assert.ok(res.body.includes('受け付けるファイルの形式は'));
    assert.deepEqual(await pendingActuals(ctx.db, tenant.id), []);
    const stored = await ctx.db.one<{ n: number }>(`select count(*)::int as n from stored_files where tenant_id = $1`, [tenant.id]);
    assert.equal(stored.n, 0);
    const big = await enterWithFile(author, { indicator: '6-1-1', value: '247', asOf: '2018-03-31' }, { filename: 'big.pdf', type: 'application/pdf', content: Buffer.concat([PDF, Buffer.alloc(7 * 1024 * 1024)]) });
    assert.ok(big.statusCode === 400 || big.statusCode === 413, `oversized: ${big.statusCode}`);
    assert.deepEqual(await pendingActuals(ctx.db, tenant.id), []);
  });
});

describe('plausibility and four-eyes rules (pure functions)', () => {
  const base: PlausibilityInput = {
    value: 247,
    asOf: '2018-03-31',
    unit: '団体',
    baseline: { value: 219, asOf: '2013-03-31' },
    target: { value: 250, dueDate: '2018-03-31' },
    period: { startFiscalYear: 2013, endFiscalYear: 2017 },
    previous: { value: 244, asOf: '2017-03-31' },
    today: '2026-06-01',
  };
  const cases: [string, Partial<PlausibilityInput>, string[]][] = [
    ['a value on the way to the target', {}, []],
    ['the baseline day itself', { asOf: '2013-03-31', previous: null, value: 219 }, []],
    ['a date after the plan period', { asOf: '2019-03-31' }, ['outsidePeriod']],
    ['a date before the baseline', { asOf: '2010-03-31', previous: null }, ['outsidePeriod']],
    ['a target dated after the period widens it (H30.4.1)', { asOf: '2018-04-01', target: { value: 250, dueDate: '2018-04-01' } }, []],
    ['a date in the future', { asOf: '2027-03-31', period: { startFiscalYear: 2013, endFiscalYear: 2030 } }, ['future']],
    ['a value far beyond the target', { value: 400, previous: null }, ['outsideRange']],
    ['a value well past the target within the tolerance', { value: 300, previous: { value: 260, asOf: '2017-03-31' } }, []],
    ['a jump from the previous actual', { value: 300, previous: { value: 225, asOf: '2017-03-31' } }, ['jump']],
    ['a percentage above 100', { unit: '%', value: 120, baseline: { value: 99.9, asOf: '2013-03-31' }, target: { value: 99.99, dueDate: '2018-03-31' }, previous: null }, ['percentRange']],
  ];
  for (const [what, change, codes] of cases) {
    it(`warns ${codes.length ? codes.join(', ') : 'nothing'} for ${what}`, () => {
      assert.deepEqual(plausibilityWarnings({ ...base, ...change }).map((w) => w.code), codes);
    });
  }

  const u = (role: Role, id = 'u1', departmentCode: string | null = 'shimin-kyodo') => ({ id, role, departmentCode }) as AuthUser;
  it('lets an approver decide only what someone else entered', () => {
    assert.equal(canDecideActual(u('plan_manager'), { enteredBy: 'u1' }), false);
    assert.equal(canDecideActual(u('plan_manager'), { enteredBy: 'u2' }), true);
    assert.equal(canDecideActual(u('admin'), { enteredBy: null }), true);
    assert.equal(canDecideActual(u('staff', 'u3'), { enteredBy: 'u2' }), false);
    assert.equal(canDecideActual(null, { enteredBy: null }), false);
  });

  it('shows evidence publicly only when approved and public, otherwise to entitled staff', () => {
    const e = (status: 'pending' | 'approved', evidencePublic: boolean) => ({ status, evidencePublic, enteredBy: 'u1', departmentCode: 'shimin-kyodo' });
    assert.equal(canReadEvidence(null, e('approved', true)), true);
    assert.equal(canReadEvidence(null, e('pending', true)), false);
    assert.equal(canReadEvidence(null, e('approved', false)), false);
    assert.equal(canReadEvidence(u('citizen', 'c'), e('approved', false)), false);
    assert.equal(canReadEvidence(u('staff', 'u2', 'zaisei'), e('pending', false)), false);
    assert.equal(canReadEvidence(u('staff', 'u2', 'shimin-kyodo'), e('pending', false)), true);
    assert.equal(canReadEvidence(u('staff', 'u1', 'zaisei'), e('pending', false)), true, 'the author');
    assert.equal(canReadEvidence(u('plan_manager', 'p', null), e('pending', false)), true);
  });
});
