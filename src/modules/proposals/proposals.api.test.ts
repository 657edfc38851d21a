/**
 * The proposals API over HTTP on a real database (each test in a fresh municipality holding
 * the chapter-6 plan): numbering per fiscal year and under concurrency, bad input, the whole
 * workflow with its mail, every illegal transition refused with nothing stored, supports once
 * per account under concurrency, privacy of the public side, Japanese search, and the metric
 * behind indicator 6-1-2 with the plan's cached reads.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import { ManualClock } from '../../core/clock.ts';
import { startTestApp, type TestContext } from '../../testing/harness.ts';
import { PublicListSchema, PublicProposalSchema } from './proposals.schema.ts';
import { advance, proposalBody, submit, world, type World } from './proposals.testing.ts';

let ctx: TestContext;
const clock = new ManualClock('2026-06-01T01:00:00Z');

before(async () => {
  ctx = await startTestApp({ clock });
});
after(async () => ctx?.close());

/** Everything stored about a municipality's proposals, to prove a refusal changed nothing. */
async function snapshot(w: World) {
  const q = (sql: string) => ctx.db.query(sql, [w.tenant.id]);
  return JSON.stringify({
    proposals: await q('select * from proposals where tenant_id = $1 order by id'),
    events: await q('select count(*) as n from proposal_events where tenant_id = $1'),
    supports: await q('select count(*) as n from proposal_supports where tenant_id = $1'),
    counters: await q('select * from proposal_counters where tenant_id = $1 order by fiscal_year'),
    mail: await q('select count(*) as n from mail_outbox where tenant_id = $1'),
    audit: await q('select count(*) as n from audit_log where tenant_id = $1'),
    jobs: await ctx.db.query(`select key, run_at from scheduled_jobs where name = 'proposals.remind' and tenant_id = $1 order by key`, [w.tenant.id]),
  });
}

async function outbox(w: World) {
  return ctx.db.query<{ to_address: string; subject: string; body_text: string }>(
    'select to_address, subject, body_text from mail_outbox where tenant_id = $1 order by created_at, id',
    [w.tenant.id],
  );
}

describe('submitting', () => {
  it('answers 201 with a number of the fiscal year and the state received', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const w = await world(ctx);
    const res = await w.api('POST', '/api/v1/proposals', w.citizen, proposalBody());
    assert.equal(res.statusCode, 201);
    assert.equal(res.json().number, '2026-0001');
    assert.equal(res.json().status, 'received');
    assert.equal((await w.api('POST', '/api/v1/proposals', w.citizen, proposalBody())).json().number, '2026-0002');
  });

  it('numbers by the fiscal year of receipt: 31 March ends one year, 1 April starts the next at 0001', async () => {
    const w = await world(ctx);
    clock.set('2027-03-31T14:59:00Z'); // 23:59 on 31 March in Japan
    assert.equal(await submit(w), '2026-0001');
    clock.set('2027-03-31T15:00:00Z'); // 00:00 on 1 April in Japan
    assert.equal(await submit(w), '2027-0001');
    assert.equal(await submit(w), '2027-0002');
    clock.set('2026-06-01T01:00:00Z');
  });

  it('gives 20 concurrent submissions 20 distinct, consecutive numbers', async () => {
    const w = await world(ctx);
    const citizens = await Promise.all(Array.from({ length: 20 }, () => w.user('citizen')));
    const results = await Promise.all(citizens.map((c) => w.api('POST', '/api/v1/proposals', c, proposalBody())));
    assert.deepEqual(results.map((r) => r.statusCode), Array(20).fill(201));
    const numbers = results.map((r) => r.json().number as string).sort();
    const expected = Array.from({ length: 20 }, (_, i) => `2026-${String(i + 1).padStart(4, '0')}`);
    assert.deepEqual(numbers, expected);
  });

  it('names every bad field in the reader’s language and stores nothing', async () => {
    const w = await world(ctx);
    const before = await snapshot(w);
    const res = await w.api('POST', '/api/v1/proposals', w.citizen, { title: '  ', body: 'あ'.repeat(4001), section: '9-9', area: 'x'.repeat(61), public: 'yes' });
    assert.equal(res.statusCode, 400);
    assert.match(String(res.headers['content-type']), /application\/problem\+json/);
    const errors = res.json().errors as { path: string; message: string }[];
    assert.deepEqual(errors.map((e) => e.path).sort(), ['area', 'body', 'public', 'section', 'title']);
    assert.equal(errors.find((e) => e.path === 'title')!.message, '件名を入力してください');
    assert.match(errors.find((e) => e.path === 'section')!.message, /9-9/);
    const en = await w.api('POST', '/api/v1/proposals', w.citizen, { title: '', body: 'x', public: true }, { 'accept-language': 'en' });
    assert.equal(en.json().errors[0].message, 'Enter the title');
    const unknown = await w.api('POST', '/api/v1/proposals', w.citizen, { ...proposalBody(), extra: 1 });
    assert.equal(unknown.statusCode, 400);
    assert.equal(await snapshot(w), before);
  });

  it('accepts a section of the current plan and refuses submissions from staff accounts', async () => {
    const w = await world(ctx, { plan: true });
    const number = await submit(w, { section: '6-1', area: '中央地区' });
    const mine = (await w.api('GET', `/api/v1/my/proposals/${number}`, w.citizen)).json();
    assert.equal(mine.section, '6-1');
    assert.equal(mine.area, '中央地区');
    assert.equal((await w.api('POST', '/api/v1/proposals', w.kyodo, proposalBody())).statusCode, 403);
    assert.equal((await w.api('POST', '/api/v1/proposals', null, proposalBody())).statusCode, 401);
  });

  it('limits submissions per account (429 with Retry-After), storing nothing more', async () => {
    const w = await world(ctx);
    for (let i = 0; i < 10; i++) await submit(w);
    const res = await w.api('POST', '/api/v1/proposals', w.citizen, proposalBody());
    assert.equal(res.statusCode, 429);
    assert.ok(Number(res.headers['retry-after']) > 0);
    const count = await ctx.db.one<{ n: number }>('select count(*) as n from proposals where tenant_id = $1', [w.tenant.id]);
    assert.equal(Number(count.n), 10);
    clock.advance(3600_000);
    assert.equal((await w.api('POST', '/api/v1/proposals', w.citizen, proposalBody())).statusCode, 201, 'the next hour is a new window');
    clock.set('2026-06-01T01:00:00Z');
  });
});

describe('the workflow', () => {
  it('goes from receipt to implementation, mailing the proposer at each state change', async () => {
    const w = await world(ctx);
    const number = await submit(w);
    await advance(w, number, 'implemented', { on: '2026-06-01' });
    const subjects = (await outbox(w)).filter((m) => m.to_address === w.citizen.email).map((m) => m.subject.split(' / ')[0]);
    assert.deepEqual(subjects.map((s) => (s ?? '').replace(/^【[^】]+】/, '')), [
      `市民提案 ${number} を受け付けました`,
      `市民提案 ${number} を公開しました`,
      `市民提案 ${number} の担当課が決まりました`,
      `市民提案 ${number} に回答しました`,
      `市民提案 ${number} を実施しました`,
    ]);
    const answered = (await outbox(w)).find((m) => m.subject.includes('に回答しました'))!;
    assert.match(answered.body_text, /採用・実現/);
    assert.match(answered.body_text, /ベンチを2基増設します。/);
    assert.match(answered.body_text, /----\n\nDear /, 'Japanese first, English second');
    const item = (await w.api('GET', `/api/v1/proposals/${number}`)).json();
    assert.equal(item.status, 'implemented');
    assert.equal(item.decision, 'adopt');
    assert.equal(item.answer, 'ベンチを2基増設します。');
    assert.equal(item.implementedOn, '2026-06-01');
    assert.equal(item.department.code, 'shimin-kyodo');
    const history = (await w.api('GET', `/api/v1/my/proposals/${number}`, w.citizen)).json().history.map((h: { kind: string }) => h.kind);
    assert.deepEqual(history, ['received', 'published', 'assigned', 'answer_published', 'implemented'], 'the department’s internal steps are not shown');
    const audit = await ctx.db.query<{ action: string; details: string }>(`select action, details from audit_log where tenant_id = $1 and action like 'proposal.%' order by seq`, [w.tenant.id]);
    assert.deepEqual(audit.map((a) => a.action), ['proposal.publish', 'proposal.assign', 'proposal.answer_submit', 'proposal.answer_approve', 'proposal.implement']);
    assert.ok(audit.every((a) => !a.details.includes(w.citizen.email)), 'no personal data in the audit');
  });

  it('transfers an assigned proposal to another department, which then answers it', async () => {
    const w = await world(ctx);
    const number = await submit(w);
    await advance(w, number, 'assigned');
    await w.api('POST', `/api/v1/proposals/${number}/answer`, w.kyodo, { decision: 'consider', text: '下書き', draft: true });
    const moved = await w.api('POST', `/api/v1/proposals/${number}/assign`, w.pm, { department: 'shisan-keiei', note: '公園の管理は資産経営課' });
    assert.equal(moved.statusCode, 200);
    assert.equal(moved.json().department, 'shisan-keiei');
    assert.equal(moved.json().answerState, null, 'the old department’s draft does not follow');
    assert.equal((await w.api('POST', `/api/v1/proposals/${number}/answer`, w.kyodo, { decision: 'adopt', text: 'x' })).statusCode, 403);
    assert.equal((await w.api('POST', `/api/v1/proposals/${number}/answer`, w.shisan, { decision: 'adopt', text: '設置します' })).statusCode, 200);
    const same = await w.api('POST', `/api/v1/proposals/${number}/assign`, w.pm, { department: 'shisan-keiei' });
    assert.equal(same.statusCode, 409, 'no transfer once the answer is submitted');
  });

  it('returns a submitted answer to the department, which revises and resubmits it', async () => {
    const w = await world(ctx);
    const number = await submit(w);
    await advance(w, number, 'answered');
    const returned = await w.api('POST', `/api/v1/proposals/${number}/return-answer`, w.pm, { note: '実施時期を書いてください' });
    assert.equal(returned.json().status, 'assigned');
    assert.equal(returned.json().answerState, 'draft');
    assert.equal((await w.api('POST', `/api/v1/proposals/${number}/answer`, w.kyodo, { decision: 'adopt', text: '来年度に設置します' })).statusCode, 200);
    assert.equal((await w.api('POST', `/api/v1/proposals/${number}/approve-answer`, w.pm, {})).statusCode, 200);
  });

  it('declines a received proposal on a published ground, and lets the proposer withdraw one', async () => {
    const w = await world(ctx);
    const a = await submit(w);
    const declined = await w.api('POST', `/api/v1/proposals/${a}/decline`, w.pm, { ground: 'personal_data', note: '個人名が含まれています' });
    assert.equal(declined.json().status, 'declined');
    assert.match((await outbox(w)).at(-1)!.body_text, /他人の個人情報を含む内容/);
    const b = await submit(w);
    assert.equal((await w.api('POST', `/api/v1/proposals/${b}/withdraw`, w.citizen, {})).json().status, 'withdrawn');
    const bad = await w.api('POST', `/api/v1/proposals/${b}/decline`, w.pm, { ground: 'rude' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().errors[0].path, 'ground');
  });
});

describe('illegal transitions', () => {
  /** Expects the call to be refused with one of the statuses, a problem saying why, and nothing stored. */
  async function refused(w: World, call: () => ReturnType<World['api']>, statuses: number[]) {
    const before = await snapshot(w);
    const res = await call();
    assert.ok(statuses.includes(res.statusCode), `answered ${res.statusCode}: ${res.body}`);
    assert.match(String(res.headers['content-type']), /application\/problem\+json/);
    if (res.statusCode === 409) assert.ok(res.json().detail, 'a conflict says why');
    assert.equal(await snapshot(w), before, 'nothing stored');
    return res;
  }

  it('refuses to implement before an answer, or before it is approved, or after “consider”', async () => {
    const w = await world(ctx);
    const number = await submit(w);
    await advance(w, number, 'assigned');
    const res = await refused(w, () => w.api('POST', `/api/v1/proposals/${number}/implement`, w.kyodo, { on: '2026-06-01' }), [409]);
    assert.match(res.json().detail, /回答/);
    await advance(w, number, 'answered');
    await refused(w, () => w.api('POST', `/api/v1/proposals/${number}/implement`, w.kyodo, { on: '2026-06-01' }), [409]);
    const other = await submit(w);
    await advance(w, other, 'approved', { decision: 'consider' });
    await refused(w, () => w.api('POST', `/api/v1/proposals/${other}/implement`, w.kyodo, { on: '2026-06-01' }), [409]);
  });

  it('refuses an answer by another department, and one before assignment', async () => {
    const w = await world(ctx);
    const number = await submit(w);
    await refused(w, () => w.api('POST', `/api/v1/proposals/${number}/answer`, w.kyodo, { decision: 'adopt', text: 'x' }), [403, 404]);
    await advance(w, number, 'assigned');
    await refused(w, () => w.api('POST', `/api/v1/proposals/${number}/answer`, w.shisan, { decision: 'adopt', text: 'x' }), [403, 404]);
    await refused(w, () => w.api('POST', `/api/v1/proposals/${number}/answer`, w.pm, { decision: 'adopt', text: 'x' }), [403, 404]);
  });

  it('never publishes an unapproved answer: not by approving a draft, not on the public side', async () => {
    const w = await world(ctx);
    const number = await submit(w);
    await advance(w, number, 'assigned');
    await w.api('POST', `/api/v1/proposals/${number}/moderate`, w.pm, { publish: true });
    await w.api('POST', `/api/v1/proposals/${number}/answer`, w.kyodo, { decision: 'adopt', text: '下書きの回答', draft: true });
    await refused(w, () => w.api('POST', `/api/v1/proposals/${number}/approve-answer`, w.pm, {}), [409]);
    await w.api('POST', `/api/v1/proposals/${number}/answer`, w.kyodo, { decision: 'adopt', text: '承認待ちの回答' });
    for (const url of [`/api/v1/proposals/${number}`, '/api/v1/proposals', '/opendata/proposals.json', '/opendata/proposals.csv', `/proposals/${number}`]) {
      const body = (await w.api('GET', url)).body;
      assert.ok(body.includes('駅前の公園'), `${url} shows the proposal`);
      assert.ok(!body.includes('承認待ちの回答') && !body.includes('下書きの回答'), `${url} shows no unapproved answer`);
    }
    const item = (await w.api('GET', `/api/v1/proposals/${number}`)).json();
    assert.equal(item.status, 'assigned');
    assert.equal(item.answer, null);
    assert.equal((await w.api('GET', `/api/v1/my/proposals/${number}`, w.citizen)).json().answer, null, 'nor to the proposer');
    await refused(w, () => w.api('POST', `/api/v1/proposals/${number}/approve-answer`, w.kyodo, {}), [403]);
    await refused(w, () => w.api('POST', `/api/v1/proposals/${number}/supports`, w.citizen, {}), [403]);
  });

  it('refuses to withdraw after an answer, or someone else’s proposal', async () => {
    const w = await world(ctx);
    const number = await submit(w);
    await advance(w, number, 'answered');
    await refused(w, () => w.api('POST', `/api/v1/proposals/${number}/withdraw`, w.citizen, {}), [409]);
    const stranger = await w.user('citizen');
    const fresh = await submit(w);
    await refused(w, () => w.api('POST', `/api/v1/proposals/${fresh}/withdraw`, stranger, {}), [404]);
  });

  it('refuses to decline after assignment, to assign twice to the same department, to act on closed proposals', async () => {
    const w = await world(ctx);
    const number = await submit(w);
    await advance(w, number, 'assigned');
    await refused(w, () => w.api('POST', `/api/v1/proposals/${number}/decline`, w.pm, { ground: 'slander' }), [409]);
    await refused(w, () => w.api('POST', `/api/v1/proposals/${number}/assign`, w.pm, { department: 'shimin-kyodo' }), [409]);
    await refused(w, () => w.api('POST', `/api/v1/proposals/${number}/assign`, w.pm, { department: 'no-such-division' }), [400]);
    await w.api('POST', `/api/v1/proposals/${number}/withdraw`, w.citizen, {});
    await refused(w, () => w.api('POST', `/api/v1/proposals/${number}/answer`, w.kyodo, { decision: 'adopt', text: 'x' }), [409]);
    await refused(w, () => w.api('POST', `/api/v1/proposals/${number}/assign`, w.pm, { department: 'shisan-keiei' }), [409]);
    await refused(w, () => w.api('POST', `/api/v1/proposals/no-such/assign`, w.pm, { department: 'shisan-keiei' }), [404]);
  });

  it('refuses an implementation dated in the future or before receipt', async () => {
    const w = await world(ctx);
    const number = await submit(w);
    await advance(w, number, 'approved');
    for (const on of ['2026-06-02', '2026-05-30', '2026-02-30']) {
      const res = await refused(w, () => w.api('POST', `/api/v1/proposals/${number}/implement`, w.kyodo, { on }), [400]);
      assert.equal(res.json().errors[0].path, 'on');
    }
  });

  it('keeps the workflow in the database too: an illegal update is refused by its trigger', async () => {
    const w = await world(ctx);
    const number = await submit(w);
    await assert.rejects(
      ctx.db.query(`update proposals set status = 'implemented', implemented_on = received_on where tenant_id = $1 and number = $2`, [w.tenant.id, number]),
      (err: { code?: string }) => err.code === '23514',
    );
    await assert.rejects(ctx.db.query(`update proposals set status = 'assigned' where tenant_id = $1 and number = $2`, [w.tenant.id, number]), (err: { code?: string }) =>
      ['23514', '23503'].includes(err.code ?? ''),
    );
    await assert.rejects(ctx.db.query(`delete from proposals where tenant_id = $1 and number = $2`, [w.tenant.id, number]), (err: { code?: string }) => err.code === '23514');
  });
});

describe('supports (賛同)', () => {
  it('counts one support per account under 20 concurrent requests', async () => {
    const w = await world(ctx);
    const number = await submit(w);
    await advance(w, number, 'published');
    const supporter = await w.user('citizen');
    const results = await Promise.all(Array.from({ length: 20 }, () => w.api('POST', `/api/v1/proposals/${number}/supports`, supporter, {})));
    const codes = results.map((r) => r.statusCode).sort();
    assert.deepEqual(codes, [201, ...Array(19).fill(409)]);
    assert.equal((await w.api('GET', `/api/v1/proposals/${number}`)).json().supports, 1);
  });

  it('counts 20 accounts supporting at once as 20', async () => {
    const w = await world(ctx);
    const number = await submit(w);
    await advance(w, number, 'published');
    const supporters = await Promise.all(Array.from({ length: 20 }, () => w.user('citizen')));
    const results = await Promise.all(supporters.map((s) => w.api('POST', `/api/v1/proposals/${number}/supports`, s, {})));
    assert.deepEqual(results.map((r) => r.statusCode), Array(20).fill(201));
    assert.equal((await w.api('GET', `/api/v1/proposals/${number}`)).json().supports, 20);
  });

  it('limits reports per account (429), storing nothing more', async () => {
    const w = await world(ctx);
    const numbers: string[] = [];
    for (let i = 0; i < 11; i++) {
      const keyed = await w.api('POST', '/api/v1/proposals/intake', w.kyodo, { channel: 'counter', proposerName: '窓口 太郎', title: `提案${i}`, body: '内容', public: true });
      numbers.push(keyed.json().number);
      await w.api('POST', `/api/v1/proposals/${keyed.json().number}/moderate`, w.pm, { publish: true });
    }
    const codes: number[] = [];
    for (const n of numbers) codes.push((await w.api('POST', `/api/v1/proposals/${n}/reports`, w.citizen, { reason: '確認してください' })).statusCode);
    assert.deepEqual(codes, [...Array(10).fill(201), 429]);
    const count = await ctx.db.one<{ n: number }>('select count(*) as n from proposal_reports where tenant_id = $1', [w.tenant.id]);
    assert.equal(Number(count.n), 10);
  });

  it('refuses supporting one’s own proposal, and a proposal that is not public (404)', async () => {
    const w = await world(ctx);
    const number = await submit(w);
    const other = await w.user('citizen');
    assert.equal((await w.api('POST', `/api/v1/proposals/${number}/supports`, other, {})).statusCode, 404);
    await advance(w, number, 'published');
    assert.equal((await w.api('POST', `/api/v1/proposals/${number}/supports`, w.citizen, {})).statusCode, 403);
  });
});

describe('the public side', () => {
  it('never shows a private or unmoderated proposal, nor any proposer, in lists, search, exports, the API or pages', async () => {
    const w = await world(ctx);
    const name = (await ctx.db.one<{ display_name: string }>('select display_name from users where id = $1', [w.citizen.id])).display_name;
    const published = await submit(w, { title: '公開する提案ＡＢＣ', body: '公園の話です' });
    await advance(w, published, 'published');
    const privateOne = await submit(w, { title: '非公開の提案', body: '公園の秘密の話', public: false });
    await advance(w, privateOne, 'assigned');
    const unmoderated = await submit(w, { title: '審査前の提案', body: '公園の審査前の話' });
    const refusedOne = await submit(w, { title: '公開しない提案', body: '公園の別の話' });
    await w.api('POST', `/api/v1/proposals/${refusedOne}/moderate`, w.pm, { publish: false, reason: '個人が特定されます' });
    const forbidden = await w.api('POST', `/api/v1/proposals/${privateOne}/moderate`, w.pm, { publish: true });
    assert.equal(forbidden.statusCode, 409, 'a private proposal cannot be published');

    const urls = ['/api/v1/proposals', '/api/v1/proposals?q=公園', '/api/v1/proposals?status=received', '/opendata/proposals.json', '/opendata/proposals.csv', '/proposals', '/proposals?q=公園'];
    for (const url of urls) {
      const body = (await w.api('GET', url, null, undefined, { accept: url.startsWith('/api') || url.startsWith('/opendata') ? 'application/json' : 'text/html' })).body;
      assert.ok(body.includes('公開する提案'), `${url} shows the published proposal`);
      for (const secret of ['非公開の提案', '審査前の提案', '公開しない提案', w.citizen.email, name]) {
        assert.ok(!body.includes(secret), `${url} does not show ${secret}`);
      }
    }
    assert.equal((await w.api('GET', '/api/v1/proposals?status=assigned')).json().total, 0, 'the assigned private proposal is not listed');
    for (const number of [privateOne, unmoderated, refusedOne]) {
      assert.equal((await w.api('GET', `/api/v1/proposals/${number}`)).statusCode, 404);
      assert.equal((await w.api('GET', `/proposals/${number}`, null, undefined, { accept: 'text/html' })).statusCode, 404);
    }
    const list = PublicListSchema.parse((await w.api('GET', '/api/v1/proposals')).json());
    assert.equal(list.total, 1);
    assert.deepEqual(Object.keys(list.items[0]!).filter((k) => /proposer|email|name|contact/i.test(k)), []);
    const published2 = (await w.api('GET', `/api/v1/proposals/${published}`)).json();
    PublicProposalSchema.parse(published2);
  });

  it('publishes the moderated text, not the original, and hides a proposal again with a reason (audited)', async () => {
    const w = await world(ctx);
    const number = await submit(w, { body: '隣の山田太郎さんの家の前の公園です' });
    await w.api('POST', `/api/v1/proposals/${number}/moderate`, w.pm, { publish: true, body: '家の近くの公園です' });
    const shown = (await w.api('GET', `/api/v1/proposals/${number}`)).json();
    assert.equal(shown.body, '家の近くの公園です');
    assert.ok(!(await w.api('GET', '/api/v1/proposals?q=山田')).body.includes(number), 'the original text is not searched');
    const hidden = await w.api('POST', `/api/v1/proposals/${number}/hide`, w.pm, { reason: '誹謗中傷の通報があったため' });
    assert.equal(hidden.statusCode, 200);
    assert.equal((await w.api('GET', `/api/v1/proposals/${number}`)).statusCode, 404);
    assert.equal((await w.api('GET', '/api/v1/proposals')).json().total, 0);
    const entry = await ctx.db.one<{ details: string }>(`select details from audit_log where tenant_id = $1 and action = 'proposal.hide'`, [w.tenant.id]);
    assert.match(entry.details, /誹謗中傷の通報があったため/);
    assert.equal((await w.api('POST', `/api/v1/proposals/${number}/unhide`, w.pm, {})).statusCode, 200);
    assert.equal((await w.api('GET', `/api/v1/proposals/${number}`)).statusCode, 200);
  });

  it('finds 公園 inside 「駅前の公園にベンチを増やしてほしい」, ＡＢＣ as ABC and カタカナ as ひらがな', async () => {
    const w = await world(ctx);
    const a = await submit(w, { title: '駅前の公園にベンチを増やしてほしい', body: 'お願いします。' });
    const b = await submit(w, { title: 'ABCバスの本数', body: 'ベンチのあるバス停を' });
    const c = await submit(w, { title: '図書館の開館時間', body: '土曜の夜も開けてください' });
    for (const n of [a, b, c]) await advance(w, n, 'published');
    const found = async (q: string) =>
      ((await w.api('GET', `/api/v1/proposals?q=${encodeURIComponent(q)}`)).json().items as { number: string }[]).map((i) => i.number).sort();
    assert.deepEqual(await found('公園'), [a]);
    assert.deepEqual(await found('ＡＢＣ'), [b]);
    assert.deepEqual(await found('abc'), [b]);
    assert.deepEqual(await found('べんち'), [a, b].sort());
    assert.deepEqual(await found('ベンチ 公園'), [a]);
    assert.deepEqual(await found('夜'), [c]);
    assert.deepEqual(await found('博物館'), []);
  });

  it('filters by state, decision, section and fiscal year, with limit and offset', async () => {
    const w = await world(ctx, { plan: true });
    const a = await submit(w, { section: '6-1' });
    const b = await submit(w, { section: '6-2' });
    const c = await submit(w, { section: '6-2' });
    await advance(w, a, 'approved', { decision: 'reference' });
    await advance(w, b, 'implemented', { on: '2026-06-01' });
    await advance(w, c, 'published');
    const numbers = async (query: string) => ((await w.api('GET', `/api/v1/proposals?${query}`)).json().items as { number: string }[]).map((i) => i.number);
    assert.deepEqual(await numbers('status=answered'), [a]);
    assert.deepEqual(await numbers('status=implemented'), [b]);
    assert.deepEqual(await numbers('status=received'), [c]);
    assert.deepEqual(await numbers('decision=reference'), [a]);
    assert.deepEqual((await numbers('section=6-2')).sort(), [b, c].sort());
    assert.equal((await numbers('fiscalYear=2026')).length, 3);
    assert.deepEqual(await numbers('fiscalYear=2025'), []);
    const page = (await w.api('GET', '/api/v1/proposals?limit=2&offset=2')).json();
    assert.equal(page.total, 3);
    assert.equal(page.items.length, 1);
    const bad = await w.api('GET', '/api/v1/proposals?limit=501&status=nope&fiscalYear=abc');
    assert.equal(bad.statusCode, 400);
    assert.deepEqual((bad.json().errors as { path: string }[]).map((e) => e.path).sort(), ['querystring.fiscalYear', 'querystring.limit', 'querystring.status']);
  });

  it('publishes open data: CSV with BOM and JSON of the public proposals with their answers', async () => {
    const w = await world(ctx);
    const number = await submit(w, { title: '=SUM(A1)の件' });
    await advance(w, number, 'approved');
    const csv = await w.api('GET', '/opendata/proposals.csv');
    assert.match(String(csv.headers['content-type']), /text\/csv/);
    assert.equal(csv.rawPayload.subarray(0, 3).toString('hex'), 'efbbbf');
    const rows = parseCsv(csv.body.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!['提案番号 number'], number);
    assert.equal(rows[0]!['件名 title'], "'=SUM(A1)の件", 'a formula-looking cell is made inert');
    assert.equal(rows[0]!['回答 answer'], 'ベンチを2基増設します。');
    assert.equal(rows[0]!['デモデータ demo'], 'false');
    const json = (await w.api('GET', '/opendata/proposals.json')).json();
    assert.equal(json.items[0].answer, 'ベンチを2基増設します。');
  });
});

describe('the metric behind 6-1-2', () => {
  const latest612 = async (w: World) => {
    const res = await w.api('GET', '/api/v1/indicators');
    return { etag: res.headers.etag, item: res.json().items.find((i: { code: string }) => i.code === '6-1-2') };
  };

  it('shows the live count with the proposals as its source, and the cached reads move at once', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const w = await world(ctx, { plan: true });
    const number = await submit(w);
    const before = await latest612(w);
    assert.deepEqual(before.item.source, { kind: 'metric', metric: 'proposals.implemented' });
    assert.deepEqual(before.item.latest, { value: 0, asOf: '2026-06-01', demo: false }, 'the running year is reported at 0');
    assert.equal((await w.api('GET', '/api/v1/indicators', null, undefined, { 'if-none-match': String(before.etag) })).statusCode, 304);
    await advance(w, number, 'implemented', { on: '2026-06-01' });
    const after = await latest612(w);
    assert.notEqual(after.etag, before.etag);
    assert.deepEqual(after.item.latest, { value: 1, asOf: '2026-06-01', demo: false });
    const history = (await w.api('GET', '/api/v1/indicators/6-1-2')).json().history as { value: number; asOf: string; origin: string }[];
    assert.deepEqual(history.filter((h) => h.origin === 'metric').map((h) => [h.value, h.asOf]), [[1, '2026-06-01']]);
    assert.ok(history.some((h) => h.origin === 'record'), 'the staff-entered years before the platform stay');
    const page = await w.api('GET', '/plan/indicators/6-1-2', null, undefined, { accept: 'text/html' });
    assert.equal(page.statusCode, 200);
  });

  it('counts only implemented proposals, by the fiscal year of the implementation date (31 March / 1 April)', async () => {
    clock.set('2027-03-20T01:00:00Z');
    const w = await world(ctx, { plan: true });
    const onMarch31 = await submit(w);
    const onApril1 = await submit(w);
    const answeredOnly = await submit(w);
    await advance(w, answeredOnly, 'approved');
    await advance(w, onMarch31, 'approved');
    await advance(w, onApril1, 'approved');
    clock.set('2027-04-02T01:00:00Z');
    await w.api('POST', `/api/v1/proposals/${onMarch31}/implement`, w.kyodo, { on: '2027-03-31' });
    await w.api('POST', `/api/v1/proposals/${onApril1}/implement`, w.kyodo, { on: '2027-04-01' });
    const history = (await w.api('GET', '/api/v1/indicators/6-1-2')).json().history as { value: number; asOf: string; origin: string }[];
    assert.deepEqual(history.filter((h) => h.origin === 'metric').map((h) => [h.value, h.asOf]), [
      [1, '2027-03-31'],
      [1, '2027-04-02'],
    ]);
    const stats = (await w.api('GET', '/api/v1/proposals/statistics')).json().items as { fiscalYear: number; received: number; answered: number; implemented: number }[];
    assert.deepEqual(stats.map((s) => [s.fiscalYear, s.received, s.answered, s.implemented]), [
      [2027, 0, 0, 1],
      [2026, 3, 3, 1],
    ]);
    clock.set('2026-06-01T01:00:00Z');
  });
});
