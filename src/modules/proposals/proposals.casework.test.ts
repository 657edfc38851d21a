/**
 * The staff's side over HTTP on a real database: answer-due dates from the municipality's
 * setting, overdue across fiscal years and with an extension, reminders sent by the scheduler,
 * drafts, letters keyed in by staff, reports and hiding, the inbox per department, statistics,
 * work items and the plan section panel.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { createScheduler } from '../../core/scheduler.ts';
import { startTestApp, type TestContext } from '../../testing/harness.ts';
import { sectionPanels, workItems } from './proposals.metric.ts';
import { advance, browserFor, proposalBody, submit, world, type World } from './proposals.testing.ts';

let ctx: TestContext;
const clock = new ManualClock('2026-06-01T01:00:00Z');

before(async () => {
  ctx = await startTestApp({ clock });
});
after(async () => ctx?.close());

const mails = (w: World) =>
  ctx.db.query<{ to_address: string; subject: string; body_text: string }>('select to_address, subject, body_text from mail_outbox where tenant_id = $1 order by created_at, id', [
    w.tenant.id,
  ]);

const overdueNumbers = async (w: World, who: World['pm']) =>
  ((await w.api('GET', '/api/v1/staff/proposals?view=' + (who === w.pm ? 'all' : 'department') + '&overdue=true', who)).json().items as { number: string }[]).map((i) => i.number);

describe('answer-due dates', () => {
  it('makes the answer due 30 days after receipt, or as many days as the municipality sets', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const w = await world(ctx);
    const a = await submit(w);
    assert.equal((await w.api('GET', `/api/v1/my/proposals/${a}`, w.citizen)).json().answerDueOn, '2026-07-01');
    await ctx.deps.settings.save(ctx.db, w.tenant.id, new Map([['proposals.answerDays', 10]]));
    const b = await submit(w);
    assert.equal((await w.api('GET', `/api/v1/my/proposals/${b}`, w.citizen)).json().answerDueOn, '2026-06-11');
  });

  it('is overdue the day after the due date across the fiscal year end, and not after an extension until the new date', async () => {
    clock.set('2027-03-15T01:00:00Z');
    const w = await world(ctx);
    const number = await submit(w);
    assert.equal(number, '2026-0001');
    await advance(w, number, 'published');
    await advance(w, number, 'assigned');
    clock.set('2027-04-14T14:00:00Z'); // 23:00 on the due day in Japan
    assert.deepEqual(await overdueNumbers(w, w.pm), []);
    clock.set('2027-04-14T15:00:00Z'); // 00:00 on 15 April in Japan
    assert.deepEqual(await overdueNumbers(w, w.pm), [number]);
    assert.deepEqual(await overdueNumbers(w, w.kyodo), [number]);
    assert.deepEqual(await overdueNumbers(w, w.shisan), [], 'another department does not see it');
    const alerts = await workItems({ sql: ctx.db, tenantId: w.tenant.id, user: staffUser(w, 'kyodo'), lang: 'ja', today: '2027-04-15', now: clock.now() });
    assert.deepEqual(alerts.filter((a) => a.kind === 'alert').map((a) => [a.count, a.href]), [[1, '/staff/proposals/overdue']]);

    const earlier = await w.api('POST', `/api/v1/proposals/${number}/extend`, w.kyodo, { until: '2027-04-14', reason: '調整中' });
    assert.equal(earlier.statusCode, 400);
    assert.equal(earlier.json().errors[0].path, 'until');
    const extended = await w.api('POST', `/api/v1/proposals/${number}/extend`, w.kyodo, { until: '2027-04-30', reason: '関係機関との協議に時間を要するため' });
    assert.equal(extended.statusCode, 200);
    assert.equal(extended.json().answerDueOn, '2027-04-30');
    assert.deepEqual(await overdueNumbers(w, w.pm), []);
    const shown = (await w.api('GET', `/api/v1/proposals/${number}`)).json();
    assert.deepEqual(shown.dueExtension, { on: '2027-04-15', reason: '関係機関との協議に時間を要するため' }, 'the reason is public');
    assert.match((await mails(w)).at(-1)!.body_text, /関係機関との協議に時間を要するため/);
    const page = await w.api('GET', `/proposals/${number}`, null, undefined, { accept: 'text/html' });
    assert.match(page.body, /関係機関との協議に時間を要するため/);

    clock.set('2027-05-01T01:00:00Z');
    assert.deepEqual(await overdueNumbers(w, w.pm), [number]);
    await advance(w, number, 'approved');
    assert.deepEqual(await overdueNumbers(w, w.pm), [], 'answered: no longer owed');
    clock.set('2026-06-01T01:00:00Z');
  });
});

/** The AuthUser of one of the world's staff, as the platform would pass it. */
function staffUser(w: World, who: 'kyodo' | 'pm' | 'shisan') {
  const u = w[who];
  const departmentCode = who === 'kyodo' ? 'shimin-kyodo' : who === 'shisan' ? 'shisan-keiei' : 'seisaku-suishin';
  return { id: u.id, tenantId: w.tenant.id, email: u.email, displayName: u.email, role: u.role, departmentId: null, departmentCode, totpEnabled: true };
}

describe('reminders', () => {
  /** Runs every due reminder (a tick takes a few at a time; on PostgreSQL other test files' are due too). */
  const tick = async () => {
    const scheduler = createScheduler({ db: ctx.db, jobs: ctx.platform.jobs(ctx.deps).filter((j) => j.name === 'proposals.remind'), clock });
    while ((await scheduler.tick()) > 0);
  };
  const reminders = async (w: World) => (await mails(w)).filter((m) => m.subject.includes('が近づいています'));

  it('reminds whoever the answer waits on, seven days before the due date at 09:00 in Japan', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const w = await world(ctx);
    const unassigned = await submit(w);
    const assigned = await submit(w);
    await advance(w, assigned, 'assigned');
    clock.set('2026-06-23T23:59:00Z');
    await tick();
    assert.deepEqual(await reminders(w), []);
    clock.set('2026-06-24T00:00:00Z');
    await tick();
    const sent = await reminders(w);
    assert.deepEqual(sent.map((m) => [m.to_address, m.subject.includes(unassigned) ? unassigned : assigned]).sort(), [
      [w.pm.email, unassigned],
      [w.kyodo.email, assigned],
    ].sort());
    assert.match(sent[0]!.subject, /令和8年7月1日/);
    await tick();
    assert.equal((await reminders(w)).length, 2, 'each reminder once');
    clock.set('2026-06-01T01:00:00Z');
  });

  it('moves the reminder with an extension, and sends none once the answer is published', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const w = await world(ctx);
    const extended = await submit(w);
    const answered = await submit(w);
    await advance(w, extended, 'assigned');
    await w.api('POST', `/api/v1/proposals/${extended}/extend`, w.kyodo, { until: '2026-07-31', reason: '調査のため' });
    await advance(w, answered, 'approved');
    const rows = await ctx.db.query<{ key: string; run_at: Date }>(`select key, run_at from scheduled_jobs where name = 'proposals.remind' and tenant_id = $1`, [w.tenant.id]);
    assert.deepEqual(rows.map((r) => r.run_at.toISOString()), ['2026-07-24T00:00:00.000Z']);
    clock.set('2026-06-24T00:00:00Z');
    await tick();
    assert.deepEqual(await reminders(w), []);
    clock.set('2026-07-24T00:00:00Z');
    await tick();
    assert.deepEqual((await reminders(w)).map((m) => m.to_address), [w.kyodo.email]);
    clock.set('2026-06-01T01:00:00Z');
  });
});

describe('drafts', () => {
  it('saves a draft without a number, lets only its author change it, and numbers it when submitted', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const w = await world(ctx);
    const saved = await w.api('POST', '/api/v1/proposals', w.citizen, proposalBody({ draft: true }));
    assert.equal(saved.statusCode, 201);
    assert.equal(saved.json().status, 'draft');
    assert.equal(saved.json().number, null);
    const id = saved.json().id as string;
    const stranger = await w.user('citizen');
    assert.equal((await w.api('PUT', `/api/v1/my/drafts/${id}`, stranger, proposalBody({ title: '乗っ取り' }))).statusCode, 404);
    const bad = await w.api('PUT', `/api/v1/my/drafts/${id}`, w.citizen, proposalBody({ title: '' }));
    assert.equal(bad.statusCode, 400);
    assert.equal((await w.api('PUT', `/api/v1/my/drafts/${id}`, w.citizen, proposalBody({ title: '公園のベンチ（改）' }))).statusCode, 200);
    assert.equal(await submit(w), '2026-0001', 'a draft takes no number');
    const submitted = await w.api('POST', `/api/v1/my/drafts/${id}/submit`, w.citizen, {});
    assert.equal(submitted.statusCode, 201);
    assert.equal(submitted.json().number, '2026-0002');
    assert.equal((await w.api('POST', `/api/v1/my/drafts/${id}/submit`, w.citizen, {})).statusCode, 404, 'submitted once');
    const mine = (await w.api('GET', '/api/v1/my/proposals', w.citizen)).json().items as { title: string; status: string }[];
    assert.ok(mine.some((m) => m.title === '公園のベンチ（改）' && m.status === 'received'));
    assert.equal((await w.api('DELETE', `/api/v1/my/drafts/${id}`, w.citizen)).statusCode, 404, 'a submitted proposal is no draft to delete');
  });

  it('deletes a draft', async () => {
    const w = await world(ctx);
    const id = (await w.api('POST', '/api/v1/proposals', w.citizen, proposalBody({ draft: true }))).json().id as string;
    assert.equal((await w.api('DELETE', `/api/v1/my/drafts/${id}`, w.citizen)).statusCode, 204);
    assert.equal((await w.api('GET', '/api/v1/my/proposals', w.citizen)).json().total, 0);
  });
});

describe('letters and counter proposals keyed in by staff', () => {
  it('receives a letter on the day it arrived, links it to the citizen’s account by e-mail, and audits the entry', async () => {
    clock.set('2026-04-03T01:00:00Z');
    const w = await world(ctx);
    const res = await w.api('POST', '/api/v1/proposals/intake', w.kyodo, {
      channel: 'letter',
      proposerName: '前橋 花子',
      email: w.citizen.email,
      phone: '０２７－２２４－１１１１',
      address: '前橋市大手町2-12-1',
      receivedOn: '2026-03-30',
      title: '手紙で届いた提案',
      body: '公園の照明を明るくしてください',
      public: false,
    });
    assert.equal(res.statusCode, 201);
    assert.equal(res.json().number, '2025-0001', 'numbered in the fiscal year it was received');
    const mine = (await w.api('GET', '/api/v1/my/proposals', w.citizen)).json().items as { number: string; channel: string }[];
    assert.deepEqual(mine.map((m) => [m.number, m.channel]), [['2025-0001', 'letter']]);
    const staffView = (await w.api('GET', `/api/v1/staff/proposals/2025-0001`, w.pm)).json();
    assert.deepEqual(staffView.proposer, { name: '前橋 花子', email: w.citizen.email, phone: '027-224-1111', address: '前橋市大手町2-12-1' });
    const sealed = await ctx.db.one<{ proposer_sealed: string }>('select proposer_sealed from proposals where tenant_id = $1', [w.tenant.id]);
    assert.ok(!sealed.proposer_sealed.includes('花子') && !sealed.proposer_sealed.includes('@'), 'the contact is sealed at rest');
    const audit = await ctx.db.one<{ details: string }>(`select details from audit_log where tenant_id = $1 and action = 'proposal.key_in'`, [w.tenant.id]);
    assert.ok(!audit.details.includes('花子'));
    assert.equal((await mails(w))[0]!.to_address, w.citizen.email);
    clock.set('2026-06-01T01:00:00Z');
  });

  it('names every bad field of a keyed-in proposal, and refuses a date of receipt in the future', async () => {
    const w = await world(ctx);
    const res = await w.api('POST', '/api/v1/proposals/intake', w.kyodo, { channel: 'fax', proposerName: '', email: 'not-an-address', title: 't', body: 'b', public: true });
    assert.equal(res.statusCode, 400);
    assert.deepEqual((res.json().errors as { path: string }[]).map((e) => e.path).sort(), ['channel', 'email', 'proposerName']);
    const future = await w.api('POST', '/api/v1/proposals/intake', w.kyodo, { channel: 'counter', proposerName: '窓口 太郎', receivedOn: '2026-06-02', title: 't', body: 'b', public: true });
    assert.equal(future.statusCode, 400);
    assert.equal(future.json().errors[0].path, 'receivedOn');
    assert.equal((await w.api('POST', '/api/v1/proposals/intake', w.citizen, { channel: 'counter' })).statusCode, 403);
  });
});

describe('reports and the staff inbox', () => {
  it('takes one open report per account, and closes the reports when staff hide the proposal', async () => {
    const w = await world(ctx);
    const number = await submit(w);
    const reporter = await w.user('citizen');
    assert.equal((await w.api('POST', `/api/v1/proposals/${number}/reports`, reporter, { reason: '個人名があります' })).statusCode, 404, 'not public yet');
    await advance(w, number, 'assigned');
    assert.equal((await w.api('POST', `/api/v1/proposals/${number}/reports`, reporter, { reason: '個人名があります' })).statusCode, 201);
    assert.equal((await w.api('POST', `/api/v1/proposals/${number}/reports`, reporter, { reason: 'もう一度' })).statusCode, 409);
    assert.equal((await w.api('POST', `/api/v1/proposals/${number}/reports`, reporter, { reason: '' })).statusCode, 400);
    const items = await workItems({ sql: ctx.db, tenantId: w.tenant.id, user: staffUser(w, 'pm'), lang: 'ja', today: '2026-06-01', now: clock.now() });
    assert.ok(items.some((i) => i.href === '/staff/proposals/moderation' && i.count === 1));
    assert.equal((await w.api('POST', `/api/v1/proposals/${number}/hide`, w.shisan, { reason: 'x' })).statusCode, 403, 'not their department');
    assert.equal((await w.api('POST', `/api/v1/proposals/${number}/hide`, w.kyodo, { reason: '個人名を含むため' })).statusCode, 200);
    const open = await ctx.db.one<{ n: number }>('select count(*) as n from proposal_reports where tenant_id = $1 and resolved_at is null', [w.tenant.id]);
    assert.equal(Number(open.n), 0);
    const mine = (await w.api('GET', `/api/v1/my/proposals/${number}`, w.citizen)).json();
    assert.equal(mine.publication, 'hidden');
    assert.ok(mine.history.some((h: { kind: string; note: string }) => h.kind === 'hidden' && h.note === '個人名を含むため'));
  });

  it('shows each department its own proposals and the plan manager the intake', async () => {
    const w = await world(ctx);
    const a = await submit(w);
    const b = await submit(w);
    await advance(w, b, 'assigned');
    const numbers = async (url: string, who: World['pm']) => ((await w.api('GET', url, who)).json().items as { number: string }[]).map((i) => i.number);
    assert.deepEqual(await numbers('/api/v1/staff/proposals', w.pm), [a], 'the plan manager starts at the intake');
    assert.deepEqual((await numbers('/api/v1/staff/proposals?view=all', w.pm)).sort(), [a, b].sort());
    assert.deepEqual(await numbers('/api/v1/staff/proposals', w.kyodo), [b]);
    assert.deepEqual(await numbers('/api/v1/staff/proposals', w.shisan), []);
    assert.equal((await w.api('GET', '/api/v1/staff/proposals?view=intake', w.kyodo)).statusCode, 403);
    assert.equal((await w.api('GET', `/api/v1/staff/proposals/${a}`, w.kyodo)).statusCode, 404, 'an unassigned private case is the plan manager’s');
    assert.equal((await w.api('GET', `/api/v1/staff/proposals/${b}`, w.shisan)).statusCode, 403, 'a public proposal, but not their case');
    assert.equal((await w.api('GET', `/api/v1/staff/proposals/${b}`, w.kyodo)).statusCode, 200);
  });

  it('lists the work waiting on each role, each link a page the role may open', async () => {
    const w = await world(ctx);
    await submit(w);
    const b = await submit(w);
    await advance(w, b, 'assigned');
    const c = await submit(w);
    await advance(w, c, 'answered');
    const forPm = await workItems({ sql: ctx.db, tenantId: w.tenant.id, user: staffUser(w, 'pm'), lang: 'ja', today: '2026-06-01', now: clock.now() });
    assert.deepEqual(forPm.map((i) => [i.href, i.count, i.kind]), [
      ['/staff/proposals?view=intake', 1, 'task'],
      ['/staff/proposals/approvals', 1, 'task'],
      ['/staff/proposals/moderation', 1, 'task'],
    ]);
    const forKyodo = await workItems({ sql: ctx.db, tenantId: w.tenant.id, user: staffUser(w, 'kyodo'), lang: 'en', today: '2026-06-01', now: clock.now() });
    assert.deepEqual(forKyodo.map((i) => [i.label, i.href]), [['1 proposals for your department to answer', '/staff/proposals?view=department']]);
    for (const [items, who] of [[forPm, w.pm], [forKyodo, w.kyodo]] as const) {
      const { client } = await browserFor(ctx, w.tenant, who);
      for (const i of items) assert.equal((await client.get(i.href)).statusCode, 200, i.href);
    }
    assert.deepEqual(await workItems({ sql: ctx.db, tenantId: w.tenant.id, user: { ...staffUser(w, 'pm'), role: 'citizen' }, lang: 'ja', today: '2026-06-01', now: clock.now() }), []);
  });
});

describe('statistics and the plan section panel', () => {
  it('counts received, answered by decision and implemented per fiscal year, as a table and CSV', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const w = await world(ctx, { plan: true });
    const numbers = await Promise.all([0, 1, 2, 3].map(() => submit(w, { section: '6-1' })));
    await advance(w, numbers[0]!, 'implemented', { on: '2026-06-01' });
    await advance(w, numbers[1]!, 'approved', { decision: 'reference' });
    await advance(w, numbers[2]!, 'approved', { decision: 'reference' });
    await w.api('POST', `/api/v1/proposals/${numbers[3]}/decline`, w.pm, { ground: 'repeated' });
    const [year] = (await w.api('GET', '/api/v1/proposals/statistics?fiscalYear=2026')).json().items;
    assert.deepEqual(
      { received: year.received, declined: year.declined, answered: year.answered, implemented: year.implemented, decisions: year.decisions },
      { received: 4, declined: 1, answered: 3, implemented: 1, decisions: { adopt: 1, partly_adopt: 0, consider: 0, not_adopt: 0, reference: 2 } },
    );
    const empty = (await w.api('GET', '/api/v1/proposals/statistics?fiscalYear=2019')).json().items[0];
    assert.equal(empty.received, 0);
    const csv = await w.api('GET', '/opendata/proposals-statistics.csv');
    assert.ok(csv.body.startsWith('\uFEFF年度 fiscal year,受付 received'));
    assert.match(csv.body, /\r\n2026,4,1,0,3,1,0,0,0,2,1,false\r\n/);
    const page = await w.api('GET', '/proposals/statistics', null, undefined, { accept: 'text/html' });
    assert.match(page.body, /令和8年度/);

    const [panel] = await sectionPanels({ sql: ctx.db, tenantId: w.tenant.id, sectionCode: '6-1', lang: 'ja', today: '2026-06-01' });
    assert.deepEqual(panel!.table.rows, [['受付', '0'], ['担当課で検討中', '0'], ['回答済み', '2'], ['実施済み', '1']], 'public proposals only (the declined one is not)');
    assert.deepEqual(panel!.links, [{ href: '/proposals?section=6-1', label: 'この節の提案を見る' }]);
    assert.deepEqual(await sectionPanels({ sql: ctx.db, tenantId: w.tenant.id, sectionCode: '6-3', lang: 'ja', today: '2026-06-01' }), []);
  });
});
