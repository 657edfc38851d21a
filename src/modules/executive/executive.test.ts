/**
 * The executive view through the real stack: who may open it, what it shows (grade, progress,
 * projection, the concern, changes since last month, the services' alerts), and the two
 * scheduled jobs driven by a clock the test controls: a new concern is mailed once, and the
 * digest once a month.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { listOutbox } from '../../core/mail.ts';
import { createScheduler } from '../../core/scheduler.ts';
import { ensureDepartment } from '../../core/tenancy.ts';
import { DEMO_DEPARTMENTS } from '../../seed.ts';
import { makeUser, type TestUser } from '../../testing/factories.ts';
import { newTenant, startTestApp, type TestContext, type TestTenant } from '../../testing/harness.ts';
import { importPlan } from '../plan/plan.service.ts';
import { executiveJobs } from './executive.jobs.ts';
import { concernOf, deservesAlert, endOfMonthBefore, monthBefore } from './executive.rules.ts';
import { APPLICATION_DAYS, parseRecipients, RECIPIENTS } from './executive.service.ts';

const indicator = (code: string, actuals: { value: number; asOf: string }[]) => ({
  code,
  name: `テスト指標 ${code}`,
  unit: '件',
  direction: 'increase',
  baseline: { value: 100, asOf: '2020-03-31' },
  target: { value: 200, fiscalYear: 2030 },
  actuals,
});

/** E1 on track and projected to reach its target; E2 behind and short; E3 without data. */
const PLAN = {
  code: 'exec-test',
  title: '確認用の計画',
  current: true,
  period: { startFiscalYear: 2020, endFiscalYear: 2030 },
  chapters: [
    {
      code: '1',
      title: '確認',
      sections: [
        {
          code: '1-1',
          title: '確認の節',
          visions: ['目指す姿'],
          issues: ['課題'],
          directions: ['方針'],
          glossary: [],
          indicators: [
            indicator('E1', [{ value: 110, asOf: '2021-03-31' }, { value: 120, asOf: '2022-03-31' }]),
            indicator('E2', [{ value: 101, asOf: '2021-03-31' }, { value: 102, asOf: '2022-03-31' }]),
            indicator('E3', []),
          ],
        },
      ],
    },
  ],
};

describe('executive rules', () => {
  it('mails a concern only when it appears', () => {
    assert.equal(deservesAlert(null, 'none'), false);
    assert.equal(deservesAlert(null, 'behind'), true);
    assert.equal(deservesAlert('behind', 'behind'), false);
    assert.equal(deservesAlert('behind', 'both'), true);
    assert.equal(deservesAlert('both', 'behind'), false);
    assert.equal(deservesAlert('none', 'projection'), true);
    assert.equal(deservesAlert('projection', 'none'), false);
  });
  it('takes the same day a month before, shortened at the month end', () => {
    assert.equal(monthBefore('2026-03-31'), '2026-02-28');
    assert.equal(monthBefore('2028-03-30'), '2028-02-29');
    assert.equal(monthBefore('2026-01-15'), '2025-12-15');
    // Snapshots are read up to the end of that JST day, not Date#setUTCMonth's overflow (3 March).
    assert.equal(endOfMonthBefore('2026-03-31').toISOString(), '2026-02-28T14:59:59.999Z');
    assert.equal(endOfMonthBefore('2026-07-01').toISOString(), '2026-06-01T14:59:59.999Z');
    assert.equal(monthBefore('2026-07-01'), '2026-06-01');
  });
  it('reads the recipients setting leniently and drops what is not an address', () => {
    assert.deepEqual(parseRecipients('a@example.jp, B@example.jp、 nonsense a@example.jp'), ['a@example.jp', 'b@example.jp']);
    assert.deepEqual(parseRecipients(''), []);
  });
  it('judges the concern from the plan evaluation: behind, projection short, both', () => {
    const base = { direction: 'increase' as const, baseline: { value: 100, asOf: '2020-03-31', label: null }, target: { value: 200, fiscalYear: 2030, date: null, label: null, dueDate: '2031-03-31' } };
    const ev = (onTrack: boolean | null, projection: number | null) => ({ latest: null, achievement: null, onTrack, expectedProgress: null, exactExpectedProgress: null, projection });
    assert.equal(concernOf({ ...base, evaluation: ev(true, 210) }), 'none');
    assert.equal(concernOf({ ...base, evaluation: ev(false, 210) }), 'behind');
    assert.equal(concernOf({ ...base, evaluation: ev(true, 150) }), 'projection');
    assert.equal(concernOf({ ...base, evaluation: ev(false, 150) }), 'both');
    assert.equal(concernOf({ ...base, evaluation: ev(null, null) }), 'none');
  });
});

describe('executive view and jobs', () => {
  const clock = new ManualClock('2026-06-01T03:00:00Z'); // 12:00 JST, 1 June
  let ctx: TestContext;
  let tenant: TestTenant;
  let planner: TestUser;
  let admin: TestUser;
  let staff: TestUser;
  let citizen: TestUser;

  before(async () => {
    ctx = await startTestApp({ clock });
    tenant = await newTenant(ctx.db);
    planner = await makeUser(ctx.db, tenant, 'plan_manager');
    admin = await makeUser(ctx.db, tenant, 'admin');
    staff = await makeUser(ctx.db, tenant, 'staff');
    citizen = await makeUser(ctx.db, tenant, 'citizen');
    await importPlan(ctx.db, ctx.deps, tenant, { id: null, label: 'test' }, PLAN, 'ja');
  });
  after(async () => ctx?.close());

  const get = (url: string, user?: TestUser, lang = 'ja') =>
    ctx.app.inject({ url: `${url}${url.includes('?') ? '&' : '?'}lang=${lang}`, headers: { host: tenant.host, accept: 'text/html', ...(user ? { authorization: `Bearer ${user.token}` } : {}) } });

  it('opens for plan managers and administrators only', async () => {
    assert.equal((await get('/staff/executive', planner)).statusCode, 200);
    assert.equal((await get('/staff/executive', admin)).statusCode, 200);
    assert.equal((await get('/staff/executive', staff)).statusCode, 403);
    assert.equal((await get('/staff/executive', citizen)).statusCode, 403);
    assert.ok([401, 302, 303].includes((await get('/staff/executive')).statusCode));
  });

  it('shows every indicator with its grade, progress and projection, and the ones needing attention', async () => {
    const res = await get('/staff/executive', planner);
    const html = res.body;
    for (const code of ['E1', 'E2', 'E3']) assert.match(html, new RegExp(`>${code}</a>`));
    const concerns = html.slice(html.indexOf('id="exec-concerns"'), html.indexOf('id="exec-indicators"'));
    assert.match(concerns, /E2/);
    assert.match(concerns, /遅れ・見込みが目標に届かない/);
    assert.doesNotMatch(concerns, /E1|E3/);
    // E2: 102 against the line from 100 (2020-03-31) to 200 (2031-03-31): rate 2 %, grade C, 遅れ, projection 111.
    const e2 = html.slice(html.indexOf('>E2</a>'), html.indexOf('>E3</a>'));
    assert.match(e2, /2\.00%/);
    assert.match(e2, /badge--c/);
    assert.match(e2, /badge--behind/);
    assert.match(e2, /111件<br><span class="small">（達成率 11.00%）/);
    const en = await get('/staff/executive', planner, 'en');
    assert.equal(en.statusCode, 200);
    assert.match(en.body, /<html lang="en"/);
    assert.match(en.body, /Behind, and the projection misses the target/);
    assert.match(en.body, /<span lang="ja">テスト指標 E2<\/span>/);
  });

  it('mails a new concern once, and the digest once a month', async () => {
    await ctx.db.transaction((tx) => ctx.deps.settings.save(tx, tenant.id, new Map([[RECIPIENTS, 'mayor@example.jp, plan@example.jp']])));
    const scheduler = createScheduler({ db: ctx.db, jobs: executiveJobs(ctx.deps), clock, owner: 'executive-test' });
    await scheduler.register();
    const mails = async () => (await listOutbox(ctx.db, tenant.id, 500)).reverse();
    const alerts = async () => (await mails()).filter((m) => m.subject.includes('Indicator alert'));
    const digests = async () => (await mails()).filter((m) => m.subject.includes('Monthly progress'));

    assert.equal(await scheduler.tick(), 2);
    let a = await alerts();
    assert.equal(a.length, 2, 'one alert per recipient');
    assert.deepEqual(a.map((m) => m.to_address).sort(), ['mayor@example.jp', 'plan@example.jp']);
    assert.match(a[0]!.body_text, /E2 テスト指標 E2/);
    assert.doesNotMatch(a[0]!.body_text, /E1 テスト指標/);
    assert.equal((await digests()).length, 2, 'the June digest to each recipient');
    assert.match((await digests())[0]!.subject, /2026-06/);

    // Every later run finds nothing new: no mail.
    for (let n = 0; n < 3; n++) {
      clock.advance(3601_000);
      assert.equal(await scheduler.tick(), 2);
    }
    assert.equal((await alerts()).length, 2);
    assert.equal((await digests()).length, 2);

    // E1 falls behind: a value entered and approved (by someone else) through the API.
    const entered = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/indicators/E1/actuals',
      headers: { host: tenant.host, authorization: `Bearer ${planner.token}` },
      payload: { value: 115, asOf: '2023-03-31' },
    });
    assert.equal(entered.statusCode, 201, entered.body);
    const approved = await ctx.app.inject({
      method: 'POST',
      url: `/api/v1/indicators/E1/actuals/${entered.json().id}/approve`,
      headers: { host: tenant.host, authorization: `Bearer ${admin.token}` },
    });
    assert.equal(approved.statusCode, 200, approved.body);
    clock.advance(3601_000);
    await scheduler.tick();
    a = await alerts();
    assert.equal(a.length, 4, 'one more alert per recipient');
    assert.match(a[3]!.body_text, /E1 テスト指標 E1/);
    assert.doesNotMatch(a[3]!.body_text, /E2 テスト指標/, 'E2 was mailed already');
    clock.advance(3601_000);
    await scheduler.tick();
    assert.equal((await alerts()).length, 4, 'and not again');

    // The page compares with the snapshot the June digest recorded: E1 has a new value and fell behind.
    const page = await get('/staff/executive', planner);
    assert.match(page.body, /令和8年6月1日の月次のまとめの時点と比べた変化です/);
    const e1 = page.body.slice(page.body.indexOf('>E1</a><br>'), page.body.indexOf('>E2</a><br>'));
    assert.match(e1, /新しい値、遅れになった/);
    const e2 = page.body.slice(page.body.indexOf('>E2</a><br>'), page.body.indexOf('>E3</a><br>'));
    assert.match(e2, /変化なし/);

    // July: the next digest, once.
    clock.set('2026-07-01T00:30:00Z'); // 09:30 JST, 1 July
    await scheduler.tick();
    clock.advance(3601_000);
    await scheduler.tick();
    const d = await digests();
    assert.equal(d.length, 4);
    assert.match(d[3]!.subject, /2026-07/);
    assert.match(d[3]!.body_text, /E1 テスト指標 E1/);
    assert.match(d[3]!.body_text, /前月（2026-06）からの変化\nE1 テスト指標 E1: 新しい値, 遅れになった\n\n/);
  });
});

describe('executive view with the services of the demo municipality', () => {
  const clock = new ManualClock('2026-06-01T03:00:00Z');
  let ctx: TestContext;
  let tenant: TestTenant;
  let planner: TestUser;

  before(async () => {
    ctx = await startTestApp({ clock });
    tenant = await newTenant(ctx.db);
    await ctx.db.transaction(async (tx) => {
      for (const d of DEMO_DEPARTMENTS) await ensureDepartment(tx, tenant.id, d);
      for (const m of ctx.platform.modules) await m.seedDemo?.(tx, tenant, { config: ctx.config, clock: ctx.deps.clock, deps: ctx.deps });
    });
    planner = await makeUser(ctx.db, tenant, 'plan_manager');
  });
  after(async () => ctx?.close());

  const alertsOf = async () => {
    const res = await ctx.app.inject({ url: '/staff/executive', headers: { host: tenant.host, accept: 'text/html', authorization: `Bearer ${planner.token}` } });
    assert.equal(res.statusCode, 200);
    return res.body.slice(res.body.indexOf('id="exec-alerts"'), res.body.indexOf('id="exec-mail"'));
  };

  it('lists the services’ own alerts: overdue proposals and applications, registrations about to lapse', async () => {
    clock.set('2027-03-01T03:00:00Z');
    const alerts = await alertsOf();
    assert.match(alerts, /<a href="\/staff\/proposals\/overdue">回答期限を過ぎた提案 \d+件<\/a>/);
    assert.match(alerts, /<a href="\/staff\/groups\?status=registered">登録期間が近く終わる団体 \d+件<\/a>/);
    const late = /受付から14日を超えて処理待ち・処理中の申請 (\d+)件/.exec(alerts);
    assert.ok(late && Number(late[1]) > 0, 'overdue applications are counted');
    // The overdue threshold is the municipality's: at 365 days, a month after seeding nothing is overdue.
    await ctx.db.transaction((tx) => ctx.deps.settings.save(tx, tenant.id, new Map([[APPLICATION_DAYS, 365]])));
    clock.set('2026-07-01T03:00:00Z');
    assert.doesNotMatch(await alertsOf(), /処理待ち・処理中の申請/);
  });

  it('shows the demo plan’s nine indicators with their grades', async () => {
    const res = await ctx.app.inject({ url: '/staff/executive', headers: { host: tenant.host, accept: 'text/html', authorization: `Bearer ${planner.token}` } });
    for (const code of ['6-1-1', '6-1-2', '6-1-3', '6-2-1', '6-2-2', '6-2-3', '6-2-4', '6-3-1', '6-3-2']) assert.match(res.body, new RegExp(`>${code}</a><br>`));
  });
});
