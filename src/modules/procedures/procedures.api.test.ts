/**
 * The procedures API over HTTP on a real database, each test in a fresh municipality: the
 * catalogue and its versions, applying (every bad field named, nothing stored; idempotent
 * under 20 concurrent retries), the inquiry and its rate limit, every status rule, the
 * departments' separation, statistics with zero rows and counter counts, the metric behind
 * 6-3-1, retention purges, and one-stop bundles.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { startTestApp, type TestContext } from '../../testing/harness.ts';
import { demoPlanDocument } from '../plan/plan.seed.ts';
import { importPlan } from '../plan/plan.service.ts';
import { announceApplications, purgePersonalData } from './procedures.jobs.ts';
import { insertApplications, type NewApplication } from './procedures.repository.ts';
import { apply, goodAnswers, procedureBody, publishedProcedure, world, type World } from './procedures.testing.ts';

let ctx: TestContext;
const clock = new ManualClock('2026-06-01T01:00:00Z');

before(async () => {
  ctx = await startTestApp({ clock });
});
after(async () => ctx?.close());

/** Everything stored about a municipality's applications, to prove a refusal changed nothing. */
async function snapshot(w: World) {
  const q = (sql: string) => ctx.db.query(sql, [w.tenant.id]);
  return JSON.stringify({
    applications: await q('select id, status, reopened_fields, assignee_id, answers_sealed from procedure_applications where tenant_id = $1 order by id'),
    events: await q('select count(*) as n from procedure_events where tenant_id = $1'),
    audit: await q(`select count(*) as n from audit_log where tenant_id = $1 and action <> 'procedure.application.read'`),
  });
}

const inquire = (w: World, receiptNumber: string, password: string, ip?: string) =>
  w.api('POST', '/api/v1/inquiries', null, { receiptNumber, password }, ip ? { 'x-test-ip': ip } : {});

const setStatus = (w: World, receipt: string, body: Record<string, unknown>, who = w.kyodo) => w.api('POST', `/api/v1/applications/${receipt}/status`, who, body);

describe('the catalogue', () => {
  it('creates version 1 as a draft that takes no applications until published', async () => {
    const w = await world(ctx);
    const res = await w.api('POST', '/api/v1/procedures', w.kyodo, procedureBody());
    assert.equal(res.statusCode, 201);
    assert.deepEqual(res.json(), { code: 'test-proc', version: 1, state: 'draft', publishedVersion: null });
    assert.equal((await w.api('POST', '/api/v1/procedures/test-proc/applications', null, { answers: goodAnswers })).statusCode, 404);
    assert.equal((await w.api('POST', '/api/v1/procedures/test-proc/publish', w.kyodo, {})).statusCode, 200);
    assert.equal((await w.api('POST', '/api/v1/procedures/test-proc/applications', null, { answers: goodAnswers })).statusCode, 201);
  });

  it('refuses a procedure for another department, a taken code and a bad form, naming every problem', async () => {
    const w = await world(ctx);
    assert.equal((await w.api('POST', '/api/v1/procedures', w.shisan, procedureBody())).statusCode, 403);
    assert.equal((await w.api('POST', '/api/v1/procedures', w.citizen, procedureBody())).statusCode, 403);
    await publishedProcedure(w);
    assert.equal((await w.api('POST', '/api/v1/procedures', w.kyodo, procedureBody())).statusCode, 409);
    const bad = await w.api('POST', '/api/v1/procedures', w.kyodo, {
      ...procedureBody({ code: 'Bad Code', department: 'no-such', identity: 'mynumber', retentionYears: 0 }),
      fields: [{ name: 'a', type: 'select', label: 'A' }, { name: 'a', type: 'nope', label: 'B' }],
    });
    assert.equal(bad.statusCode, 400);
    const paths = bad.json().errors.map((e: { path: string }) => e.path);
    for (const p of ['code', 'identity', 'retentionYears', 'fields.1.type']) assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
  });

  it('never edits a published version: a change makes version 2, and old applications keep their form', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w);
    const old = await apply(w, code);
    const changed = procedureBody().fields.map((f) => (f.name === 'fullName' ? { ...f, label: '申請者の氏名' } : f));
    const form = await w.api('PUT', `/api/v1/procedures/${code}/form`, w.kyodo, { fields: [...changed, { name: 'note', type: 'textarea', label: '備考' }] });
    assert.equal(form.statusCode, 200);
    assert.equal(form.json().version, 2);
    // Until version 2 is published, applications are made with version 1.
    assert.equal((await w.api('GET', `/api/v1/procedures/${code}`)).json().version, 1);
    assert.equal((await w.api('POST', `/api/v1/procedures/${code}/publish`, w.kyodo, {})).json().version, 2);
    const fresh = await apply(w, code, { ...goodAnswers, note: '急ぎます' });
    const a = (await w.api('GET', `/api/v1/applications/${old.receiptNumber}`, w.kyodo)).json();
    assert.equal(a.version, 1);
    assert.equal(a.fields.find((f: { name: string }) => f.name === 'fullName').label, '氏名');
    assert.equal(a.answers.fullName, '前橋 花子');
    const b = (await w.api('GET', `/api/v1/applications/${fresh.receiptNumber}`, w.kyodo)).json();
    assert.equal(b.version, 2);
    assert.equal(b.answers.note, '急ぎます');
    // The database itself refuses to edit a published version.
    await assert.rejects(ctx.db.query(`update procedure_versions set fields = '[]' where tenant_id = $1 and version = 1`, [w.tenant.id]));
  });
});

describe('applying', () => {
  it('answers 201 with a receipt number and a one-time password kept only as a keyed hash', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w);
    const r = await apply(w, code);
    assert.match(r.receiptNumber, /^2026-\d{8}$/);
    assert.match(r.password, /^[A-Z2-9]{4}(-[A-Z2-9]{4}){3}$/);
    const row = await ctx.db.one<{ password_hash: string; answers_sealed: string }>('select password_hash, answers_sealed from procedure_applications where tenant_id = $1', [w.tenant.id]);
    assert.ok(!row.password_hash.includes(r.password.replace(/-/g, '')));
    assert.ok(!row.answers_sealed.includes('花子'));
    // Its audit entry, written in the same statement, says it came in through the API.
    const audit = await ctx.db.one<{ details: string }>(
      "select details from audit_log where tenant_id = $1 and action = 'procedure.apply' and entity_id = $2",
      [w.tenant.id, r.receiptNumber],
    );
    assert.equal(JSON.parse(audit.details).channel, 'api');
    const res = await inquire(w, r.receiptNumber, r.password);
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().status, 'waiting');
    assert.equal(res.json().history[0].kind, 'received');
    // Hyphens and case do not matter when typing the password.
    assert.equal((await inquire(w, r.receiptNumber, r.password.replace(/-/g, '').toLowerCase())).statusCode, 200);
  });

  it('names every bad answer at once and stores nothing', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w);
    const before = await snapshot(w);
    const res = await w.api('POST', `/api/v1/procedures/${code}/applications`, null, {
      answers: { fullName: '', birthDate: 'H31.5.1', email: 'not-mail', copies: 99, purpose: 'other', unknownField: 1 },
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
    const paths = res.json().errors.map((e: { path: string }) => e.path).sort();
    assert.deepEqual(paths, ['answers.birthDate', 'answers.copies', 'answers.email', 'answers.fullName', 'answers.purposeOther', 'answers.unknownField']);
    assert.equal(await snapshot(w), before);
  });

  it('accepts 和暦 dates and drops answers to fields that are not shown', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w);
    const r = await apply(w, code, { ...goodAnswers, birthDate: '令和元年5月1日', purposeOther: '見えない項目' });
    const a = (await w.api('GET', `/api/v1/applications/${r.receiptNumber}`, w.kyodo)).json();
    assert.equal(a.answers.birthDate, '2019-05-01');
    assert.equal(a.answers.purposeOther, undefined);
  });

  it('creates one application under 20 concurrent retries with the same Idempotency-Key, all answering the same receipt and password', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => w.api('POST', `/api/v1/procedures/${code}/applications`, null, { answers: goodAnswers }, { 'idempotency-key': 'retry-key-1' })),
    );
    assert.deepEqual([...new Set(results.map((r) => r.statusCode))], [201]);
    assert.equal(new Set(results.map((r) => r.json().receiptNumber)).size, 1);
    assert.equal(new Set(results.map((r) => r.json().password)).size, 1);
    assert.equal(results.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 19);
    const n = await ctx.db.one<{ n: number }>('select count(*)::int as n from procedure_applications where tenant_id = $1', [w.tenant.id]);
    assert.equal(n.n, 1);
    const audits = await ctx.db.one<{ n: number }>(`select count(*)::int as n from audit_log where tenant_id = $1 and action = 'procedure.apply'`, [w.tenant.id]);
    assert.equal(audits.n, 1);
    // The same key with other answers is refused; a new key makes a new application.
    assert.equal((await w.api('POST', `/api/v1/procedures/${code}/applications`, null, { answers: { ...goodAnswers, copies: 3 } }, { 'idempotency-key': 'retry-key-1' })).statusCode, 409);
    assert.equal((await w.api('POST', `/api/v1/procedures/${code}/applications`, null, { answers: goodAnswers }, { 'idempotency-key': 'retry-key-2' })).statusCode, 201);
  });

  it('gives 30 applications sent at once 30 receipts, each opened by its own password and audited under its own number', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w);
    const sent = await Promise.all(
      Array.from({ length: 30 }, (_, i) => w.api('POST', `/api/v1/procedures/${code}/applications`, null, { answers: { ...goodAnswers, fullName: `申請者 ${i}` } })),
    );
    assert.deepEqual([...new Set(sent.map((r) => r.statusCode))], [201]);
    const receipts = sent.map((r) => r.json() as { receiptNumber: string; password: string });
    assert.equal(new Set(receipts.map((r) => r.receiptNumber)).size, 30);
    const audited = await ctx.db.query<{ entityId: string }>(
      `select entity_id as "entityId" from audit_log where tenant_id = $1 and action = 'procedure.apply'`,
      [w.tenant.id],
    );
    assert.deepEqual(audited.map((a) => a.entityId).sort(), receipts.map((r) => r.receiptNumber).sort());
    // Each receipt's own password opens it and shows its own answers (rows and results not crossed).
    for (const [i, r] of receipts.entries()) {
      const res = await inquire(w, r.receiptNumber, r.password, `10.9.0.${i}`);
      assert.equal(res.statusCode, 200);
      const staff = (await w.api('GET', `/api/v1/applications/${r.receiptNumber}`, w.kyodo)).json();
      assert.equal(staff.answers.fullName, `申請者 ${i}`);
    }
  });

  it('writes several applications in one statement: a key repeated in the batch and a stale version write nothing, the rest are numbered and audited', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w);
    // One application through the real path gives a well-formed row to copy.
    await apply(w, code);
    const p = await ctx.db.one<{ id: string; version: number; departmentCode: string }>(
      `select id, published_version as version, department_code as "departmentCode" from procedures where tenant_id = $1 and code = $2`,
      [w.tenant.id, code],
    );
    const row = (key: string | null, version = p.version): NewApplication => ({
      procedureId: p.id,
      version,
      departmentCode: p.departmentCode,
      applicantId: null,
      answersSealed: 'sealed',
      keyId: 'k1',
      passwordHash: 'h',
      idempotencyKeyHash: key,
      requestHash: 'r',
      bundleId: null,
      bundleReceipt: null,
      receivedAt: new Date('2026-06-01T01:00:00.123Z'),
      fiscalYear: 2026,
      purgeAfter: '2031-03-31',
      isDemo: false,
      audit: { actorId: null, actorLabel: 'applicant', details: { procedure: code, version } },
    });
    const results = await insertApplications(ctx.db, [row('a'), row('a'), row(null, p.version + 1), row(null), row('b')].map((application) => ({ tenantId: w.tenant.id, application })));
    assert.equal(results.length, 5);
    assert.ok(results[0] && results[3] && results[4]);
    assert.equal(results[1], null);
    assert.equal(results[2], null);
    const numbers = [results[0]!, results[3]!, results[4]!].map((r) => r.receiptNumber);
    assert.equal(new Set(numbers).size, 3);
    // Numbered in the batch's order.
    assert.deepEqual([...numbers].sort(), numbers);
    const audited = await ctx.db.query<{ entityId: string; at: Date }>(
      `select entity_id as "entityId", at from audit_log where tenant_id = $1 and action = 'procedure.apply' and entity_id = any($2::text[])`,
      [w.tenant.id, numbers],
    );
    assert.deepEqual(audited.map((a) => a.entityId).sort(), [...numbers].sort());
    assert.equal(audited[0]!.at.toISOString(), '2026-06-01T01:00:00.123Z');
  });

  it('asks for sign-in when the procedure needs an account, and lists the applicant’s own applications', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w, { code: 'acct-proc', identity: 'account' });
    assert.equal((await w.api('POST', `/api/v1/procedures/${code}/applications`, null, { answers: goodAnswers })).statusCode, 401);
    const res = await w.api('POST', `/api/v1/procedures/${code}/applications`, w.citizen, { answers: goodAnswers });
    assert.equal(res.statusCode, 201);
    const mine = (await w.api('GET', '/api/v1/my/applications', w.citizen)).json();
    assert.deepEqual(mine.items.map((i: { receiptNumber: string }) => i.receiptNumber), [res.json().receiptNumber]);
    assert.equal((await w.api('GET', `/api/v1/my/applications/${res.json().receiptNumber}`, w.citizen)).json().answers.fullName, '前橋 花子');
    const other = await w.user('citizen');
    assert.equal((await w.api('GET', `/api/v1/my/applications/${res.json().receiptNumber}`, other)).statusCode, 404);
  });
});

describe('the inquiry', () => {
  it('refuses a wrong password like an unknown receipt, and rate limits guessing', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w);
    const r = await apply(w, code);
    const wrong = await inquire(w, r.receiptNumber, 'WRONG-WRON-WRON-WRON');
    assert.equal(wrong.statusCode, 404);
    assert.equal((await inquire(w, '2026-99999999', r.password)).json().detail, wrong.json().detail);
    let limited = 0;
    for (let i = 0; i < 12; i++) if ((await inquire(w, r.receiptNumber, `guess-${i}`)).statusCode === 429) limited++;
    assert.ok(limited >= 3, `429 answers: ${limited}`);
    // Even the right password waits for the window now.
    assert.equal((await inquire(w, r.receiptNumber, r.password)).statusCode, 429);
    clock.advance(16 * 60 * 1000);
    assert.equal((await inquire(w, r.receiptNumber, r.password)).statusCode, 200);
  });
});

describe('the workflow', () => {
  it('moves 処理待ち → 処理中 → 差し戻し → 処理中 → 処理完了 with messages the applicant sees', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w);
    const r = await apply(w, code);
    assert.equal((await setStatus(w, r.receiptNumber, { to: 'processing' })).statusCode, 200);
    const ret = await setStatus(w, r.receiptNumber, { to: 'returned', message: '通数を確認してください', fields: ['copies'] });
    assert.equal(ret.statusCode, 200);
    assert.deepEqual(ret.json().reopenedFields, ['copies']);
    // Only the reopened field may change.
    const refused = await w.api('POST', '/api/v1/inquiries/correct', null, { ...r, answers: { fullName: '別人' } });
    assert.equal(refused.statusCode, 400);
    const fixed = await w.api('POST', '/api/v1/inquiries/correct', null, { ...r, answers: { copies: 1 } });
    assert.equal(fixed.statusCode, 200);
    assert.equal(fixed.json().status, 'processing');
    assert.equal((await setStatus(w, r.receiptNumber, { to: 'completed', message: '郵送しました' })).statusCode, 200);
    const seen = (await inquire(w, r.receiptNumber, r.password)).json();
    assert.equal(seen.status, 'completed');
    assert.deepEqual(seen.history.map((h: { message: string | null }) => h.message).filter(Boolean), ['通数を確認してください', '郵送しました']);
    assert.equal(seen.answers.copies, 1);
    // The form asked an e-mail address: the applicant was told of each change.
    const mail = await ctx.db.query<{ to_address: string }>('select to_address from mail_outbox where tenant_id = $1', [w.tenant.id]);
    assert.equal(mail.length, 3);
  });

  it('refuses every move the rules do not allow, and withdrawal while 処理中, changing nothing', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w);
    const r = await apply(w, code);
    const before = await snapshot(w);
    for (const to of ['completed', 'returned']) assert.equal((await setStatus(w, r.receiptNumber, { to })).statusCode, 409, to);
    assert.equal(await snapshot(w), before);
    await setStatus(w, r.receiptNumber, { to: 'processing' });
    const during = await snapshot(w);
    assert.equal((await w.api('POST', '/api/v1/inquiries/withdraw', null, r)).statusCode, 409);
    assert.equal((await setStatus(w, r.receiptNumber, { to: 'withdrawn' })).statusCode, 409);
    assert.equal(await snapshot(w), during);
    await setStatus(w, r.receiptNumber, { to: 'returned' });
    const withdrawn = await w.api('POST', '/api/v1/inquiries/withdraw', null, r);
    assert.equal(withdrawn.statusCode, 200);
    assert.equal(withdrawn.json().status, 'withdrawn');
    for (const to of ['processing', 'completed', 'rejected', 'returned', 'withdrawn']) assert.equal((await setStatus(w, r.receiptNumber, { to })).statusCode, 409, to);
    // A waiting application may be withdrawn; a completed or rejected one is final.
    const r2 = await apply(w, code);
    assert.equal((await w.api('POST', '/api/v1/inquiries/withdraw', null, r2)).statusCode, 200);
    const r3 = await apply(w, code);
    assert.equal((await setStatus(w, r3.receiptNumber, { to: 'rejected', message: '対象外です' })).statusCode, 200);
    assert.equal((await w.api('POST', '/api/v1/inquiries/withdraw', null, r3)).statusCode, 409);
    // The database refuses an illegal transition too.
    await assert.rejects(ctx.db.query(`update procedure_applications set status = 'waiting' where tenant_id = $1 and receipt_number = $2`, [w.tenant.id, r3.receiptNumber]));
  });

  it('keeps each department to its own applications: inbox, case, actions', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w);
    const r = await apply(w, code);
    const inbox = (await w.api('GET', '/api/v1/staff/applications?status=waiting', w.kyodo)).json();
    assert.equal(inbox.total, 1);
    assert.equal(inbox.items[0].receiptNumber, r.receiptNumber);
    assert.equal(inbox.items[0].answers, undefined);
    assert.equal((await w.api('GET', '/api/v1/staff/applications', w.shisan)).json().total, 0);
    assert.equal((await w.api('GET', `/api/v1/applications/${r.receiptNumber}`, w.shisan)).statusCode, 404);
    assert.equal((await w.api('GET', `/api/v1/applications/${r.receiptNumber}`, w.admin)).statusCode, 404);
    assert.equal((await setStatus(w, r.receiptNumber, { to: 'processing' }, w.shisan)).statusCode, 404);
    assert.equal((await w.api('GET', `/api/v1/applications/${r.receiptNumber}`, w.citizen)).statusCode, 403);
    // Every read of personal data by staff is in the audit log.
    await w.api('GET', `/api/v1/applications/${r.receiptNumber}`, w.kyodo);
    const reads = await ctx.db.query<{ actor_label: string }>(`select actor_label from audit_log where tenant_id = $1 and action = 'procedure.application.read'`, [w.tenant.id]);
    assert.deepEqual(reads.map((x) => x.actor_label), [w.kyodo.email]);
    const csv = await w.api('GET', '/api/v1/staff/applications.csv', w.kyodo);
    assert.equal(csv.statusCode, 200);
    assert.ok(csv.body.startsWith('\ufeff受付番号'));
    assert.ok(csv.body.includes('前橋 花子'));
    assert.equal((await w.api('POST', `/api/v1/applications/${r.receiptNumber}/assign`, w.kyodo, {})).statusCode, 200);
    assert.equal((await w.api('GET', '/api/v1/staff/applications?mine=true', w.kyodo)).json().total, 1);
  });
});

describe('statistics and the metric', () => {
  it('lists every published procedure with online, counter, total and share, zero rows included', async () => {
    const w = await world(ctx);
    const a = await publishedProcedure(w);
    const b = await publishedProcedure(w, { code: 'quiet-proc', title: '利用のない手続' });
    await apply(w, a);
    await apply(w, a);
    await apply(w, a);
    assert.equal((await w.api('PUT', `/api/v1/procedures/${a}/counter-counts/2026`, w.kyodo, { count: 1 })).statusCode, 200);
    assert.equal((await w.api('PUT', `/api/v1/procedures/${a}/counter-counts/2026`, w.shisan, { count: 5 })).statusCode, 403);
    const stats = (await w.api('GET', '/api/v1/procedures/statistics?fiscalYear=2026')).json();
    const byCode = new Map(stats.items.map((i: { code: string }) => [i.code, i]));
    assert.deepEqual(byCode.get(a), { code: a, title: '住民票の写しの請求', department: 'shimin-kyodo', fiscalYear: 2026, online: 3, counter: 1, total: 4, onlineShare: 0.75, demo: false });
    assert.equal((byCode.get(b) as { total: number }).total, 0);
    assert.equal((byCode.get(b) as { onlineShare: null }).onlineShare, null);
    assert.equal((await w.api('GET', '/api/v1/procedures/statistics?fiscalYear=2025')).json().items[0].online, 0);
    const csv = await w.api('GET', '/opendata/procedures-statistics.csv?fiscalYear=2026');
    assert.ok(csv.body.startsWith('\ufeff年度,手続コード,手続名,手続総件数,うちオンライン数'));
    assert.ok(csv.body.includes('2026,test-proc,住民票の写しの請求,4,3,1,75.00'));
  });

  it('feeds indicator 6-3-1 with the live count once the announce job has run', async () => {
    const w = await world(ctx);
    await importPlan(ctx.db, ctx.deps, w.tenant, { id: null, label: 'test' }, demoPlanDocument(), 'ja', { demoActuals: true });
    const code = await publishedProcedure(w);
    await apply(w, code);
    await announceApplications(ctx.db);
    const first = (await w.api('GET', '/api/v1/indicators/6-3-1')).json();
    assert.deepEqual(first.source, { kind: 'metric', metric: 'procedures.onlineApplications' });
    const metric = first.history.filter((h: { origin: string }) => h.origin === 'metric');
    assert.equal(metric.at(-1).value, 1);
    await apply(w, code);
    await announceApplications(ctx.db);
    const second = (await w.api('GET', '/api/v1/indicators/6-3-1')).json();
    assert.equal(second.history.filter((h: { origin: string }) => h.origin === 'metric').at(-1).value, 2);
  });
});

describe('retention', () => {
  it('purges the personal data after the retention period and keeps the counts', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w, { code: 'short-proc', retentionYears: 1 });
    clock.set('2026-06-01T01:00:00Z');
    const r = await apply(w, code);
    await setStatus(w, r.receiptNumber, { to: 'processing', message: '確認中です' });
    const statsBefore = (await w.api('GET', '/api/v1/procedures/statistics?fiscalYear=2026')).json().items;
    await purgePersonalData(ctx.db, new Date('2027-06-01T01:00:00Z'));
    assert.equal((await inquire(w, r.receiptNumber, r.password)).statusCode, 200, 'kept through the last day');
    await purgePersonalData(ctx.db, new Date('2027-06-02T01:00:00Z'));
    const row = await ctx.db.one<Record<string, unknown>>('select answers_sealed, password_hash, purged_at from procedure_applications where tenant_id = $1', [w.tenant.id]);
    assert.equal(row.answers_sealed, null);
    assert.equal(row.password_hash, null);
    assert.ok(row.purged_at);
    const ev = await ctx.db.query(`select 1 from procedure_events where tenant_id = $1 and message_sealed is not null`, [w.tenant.id]);
    assert.equal(ev.length, 0);
    assert.equal((await inquire(w, r.receiptNumber, r.password)).statusCode, 404);
    const c = (await w.api('GET', `/api/v1/applications/${r.receiptNumber}`, w.kyodo)).json();
    assert.equal(c.purged, true);
    assert.equal(c.answers, null);
    assert.deepEqual((await w.api('GET', '/api/v1/procedures/statistics?fiscalYear=2026')).json().items, statsBefore);
  });
});

describe('one-stop bundles', () => {
  it('asks shared fields once and splits into linked applications in each department’s inbox', async () => {
    const w = await world(ctx);
    const shared = [
      { name: 'fullName', type: 'text', label: '氏名', required: true, shared: true },
      { name: 'birthDate', type: 'date', label: '生年月日', required: true, shared: true },
    ];
    await publishedProcedure(w, { code: 'tenshutsu', department: 'shimin-kyodo', fields: [...shared, { name: 'newAddress', type: 'text', label: '転出先', required: true }] });
    const create = await w.api('POST', '/api/v1/procedures', w.shisan, procedureBody({ code: 'kokuho', department: 'shisan-keiei', fields: [...shared, { name: 'insuredNumber', type: 'text', label: '被保険者番号', required: true }] }));
    assert.equal(create.statusCode, 201);
    await w.api('POST', '/api/v1/procedures/kokuho/publish', w.shisan, {});
    assert.equal((await w.api('POST', '/api/v1/procedure-bundles', w.kyodo, { code: 'moving', title: '引っ越し', procedures: ['tenshutsu', 'kokuho'] })).statusCode, 201);
    const form = (await w.api('GET', '/api/v1/procedure-bundles/moving')).json();
    assert.deepEqual(form.fields.map((f: { name: string }) => f.name), ['fullName', 'birthDate', 'newAddress', 'insuredNumber']);
    const bad = await w.api('POST', '/api/v1/procedure-bundles/moving/applications', null, { answers: { fullName: '前橋 花子' } });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(bad.json().errors.map((e: { path: string }) => e.path), ['answers.birthDate', 'answers.newAddress', 'answers.insuredNumber']);
    const res = await w.api('POST', '/api/v1/procedure-bundles/moving/applications', null, { answers: { fullName: '前橋 花子', birthDate: '1990-01-02', newAddress: '高崎市', insuredNumber: '12-345' } });
    assert.equal(res.statusCode, 201);
    const { bundleReceipt, applications } = res.json();
    assert.equal(applications.length, 2);
    const kyodoCase = (await w.api('GET', `/api/v1/applications/${applications[0].receiptNumber}`, w.kyodo)).json();
    const shisanCase = (await w.api('GET', `/api/v1/applications/${applications[1].receiptNumber}`, w.shisan)).json();
    assert.equal(kyodoCase.bundleReceipt, bundleReceipt);
    assert.equal(shisanCase.bundleReceipt, bundleReceipt);
    assert.deepEqual(kyodoCase.answers, { fullName: '前橋 花子', birthDate: '1990-01-02', newAddress: '高崎市' });
    assert.deepEqual(shisanCase.answers, { fullName: '前橋 花子', birthDate: '1990-01-02', insuredNumber: '12-345' });
    assert.equal((await w.api('GET', `/api/v1/applications/${applications[1].receiptNumber}`, w.kyodo)).statusCode, 404);
  });
});
