/**
 * The groups API over HTTP on a real database (each test in a fresh municipality): applying,
 * bad input and duplicates refused with nothing stored, the review workflow and its illegal
 * transitions, the term ending on 31 March (counted that day, not on 1 April), renewal with its
 * reminder, lapse, deregistration, profile changes through review, privacy of the public side,
 * Japanese search, and the metric behind indicator 6-1-1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import { ManualClock } from '../../core/clock.ts';
import { startTestApp, type TestContext } from '../../testing/harness.ts';
import { runRegistryDay } from './groups.jobs.ts';
import { PublicListSchema } from './groups.schema.ts';
import { applicationBody, apply, register, world, type World } from './groups.testing.ts';

let ctx: TestContext;
const clock = new ManualClock('2026-06-01T01:00:00Z');

before(async () => {
  ctx = await startTestApp({ clock });
});
after(async () => ctx?.close());

/** Everything stored about a municipality's groups, to prove a refusal changed nothing. */
async function snapshot(w: World) {
  const q = (sql: string) => ctx.db.query(sql, [w.tenant.id]);
  return JSON.stringify({
    groups: await q('select id, status, number, name, valid_until, pending_change, updated_at from group_registrations where tenant_id = $1 order by id'),
    terms: await q('select * from group_terms where tenant_id = $1 order by group_id, starts_on'),
    events: await q('select count(*) as n from group_events where tenant_id = $1'),
    counters: await q('select * from group_counters where tenant_id = $1'),
    mail: await q('select count(*) as n from mail_outbox where tenant_id = $1'),
    audit: await q('select count(*) as n from audit_log where tenant_id = $1'),
  });
}

const names = (res: { json(): { items: { name: string }[] } }) => res.json().items.map((i) => i.name);

describe('applying', () => {
  it('answers 201 with the id and the state applied, and an application is not public', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const w = await world(ctx);
    const res = await w.api('POST', '/api/v1/groups/applications', w.citizen, applicationBody());
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().status, 'applied');
    assert.match(res.json().id, /^[0-9a-f-]{36}$/);
    const list = await w.api('GET', '/api/v1/groups?status=active');
    assert.equal(list.json().total, 0);
    const mine = await w.api('GET', '/api/v1/my/groups', w.citizen);
    assert.equal(mine.json().items[0].privateContact, '090-0000-0000');
  });

  it('names every bad field at once in problem+json and stores nothing', async () => {
    const w = await world(ctx);
    const before = await snapshot(w);
    const res = await w.api('POST', '/api/v1/groups/applications', w.citizen, {
      name: '',
      nameKana: '漢字の名前',
      legalForm: '宗教法人',
      fields: [0, 21],
      area: '',
      purpose: 'x',
      activities: 'y',
      foundedOn: '2020-02-30',
      members: 0,
      publicContact: 'a@example.jp',
      website: 'javascript:alert(1)',
    });
    assert.equal(res.statusCode, 400);
    assert.match(String(res.headers['content-type']), /application\/problem\+json/);
    const paths = new Set((res.json().errors as { path: string }[]).map((e) => e.path.split('.')[0]));
    for (const p of ['name', 'nameKana', 'legalForm', 'fields', 'area', 'foundedOn', 'members', 'privateContact', 'website']) assert.ok(paths.has(p), `${p} in ${[...paths].join(',')}`);
    assert.equal(await snapshot(w), before);
  });

  it('refuses a staff member or an anonymous caller', async () => {
    const w = await world(ctx);
    assert.equal((await w.api('POST', '/api/v1/groups/applications', null, applicationBody())).statusCode, 401);
    assert.equal((await w.api('POST', '/api/v1/groups/applications', w.kyodo, applicationBody())).statusCode, 403);
  });

  it('catches a duplicate application of the same group: same name and representative after NFKC, spaces and kana folding', async () => {
    const w = await world(ctx);
    await apply(w, { representative: '前橋 太郎' });
    const before = await snapshot(w);
    const again = await w.api('POST', '/api/v1/groups/applications', w.user ? (await w.user('citizen')) : w.citizen, applicationBody({ name: '前橋まちづくり　契約の会', representative: '前橋太郎' }));
    assert.equal(again.statusCode, 409, again.body);
    assert.equal(again.json().errors[0].path, 'name');
    const fullWidth = await w.api('POST', '/api/v1/groups/applications', w.citizen, applicationBody({ name: '前橋まちづくり契約の会', representative: '前橋　太郎' }));
    assert.equal(fullWidth.statusCode, 409);
    assert.equal(await snapshot(w), before);
    // Another representative is another group.
    assert.equal((await w.api('POST', '/api/v1/groups/applications', w.citizen, applicationBody({ representative: '赤城 花子' }))).statusCode, 201);
  });
});

describe('reviewing', () => {
  it('approves with a number of the fiscal year and a term ending on 31 March', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const w = await world(ctx);
    const id = await apply(w);
    const res = await w.api('POST', `/api/v1/groups/${id}/approve`, w.kyodo, {});
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().number, '2026-001');
    assert.equal(res.json().validUntil, '2027-03-31');
    const second = await register(w, { name: '二つ目の会' });
    assert.equal(second.number, '2026-002');
  });

  it('uses the municipality’s term: three fiscal years end on 31 March two years after this one', async () => {
    clock.set('2027-01-10T01:00:00Z');
    const w = await world(ctx);
    await ctx.db.query(`insert into tenant_settings (tenant_id, key, value) values ($1, 'groups.termYears', '3'::jsonb)`, [w.tenant.id]);
    const { validUntil, number } = await register(w);
    assert.equal(validUntil, '2029-03-31');
    assert.equal(number, '2026-001');
  });

  it('lets only the registry’s department (or plan managers) review: other staff get 403, citizens 403, nothing stored', async () => {
    const w = await world(ctx);
    const id = await apply(w);
    const before = await snapshot(w);
    assert.equal((await w.api('POST', `/api/v1/groups/${id}/approve`, w.shisan, {})).statusCode, 403);
    assert.equal((await w.api('POST', `/api/v1/groups/${id}/approve`, w.citizen, {})).statusCode, 403);
    assert.equal((await w.api('POST', `/api/v1/groups/${id}/approve`, null, {})).statusCode, 401);
    assert.equal((await w.api('POST', '/api/v1/groups/00000000-0000-0000-0000-000000000000/approve', w.kyodo, {})).statusCode, 404);
    assert.equal((await w.api('POST', '/api/v1/groups/not-an-id/approve', w.kyodo, {})).statusCode, 404);
    assert.equal(await snapshot(w), before);
    assert.equal((await w.api('POST', `/api/v1/groups/${id}/approve`, w.pm, {})).statusCode, 200);
  });

  it('returns for correction with a message, takes the corrected application, and keeps the whole history', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const w = await world(ctx);
    const id = await apply(w);
    const missing = await w.api('POST', `/api/v1/groups/${id}/return`, w.kyodo, {});
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().errors[0].path, 'message');
    const ret = await w.api('POST', `/api/v1/groups/${id}/return`, w.kyodo, { message: '規約の写しを添付してください' });
    assert.equal(ret.statusCode, 200);
    assert.equal(ret.json().status, 'returned');
    const mine = await w.api('GET', `/api/v1/my/groups/${id}`, w.citizen);
    assert.equal(mine.json().returnMessage, '規約の写しを添付してください');
    // Only the applicant may resubmit.
    const other = await w.user('citizen');
    assert.equal((await w.api('POST', `/api/v1/my/groups/${id}/resubmit`, other, applicationBody())).statusCode, 404);
    const re = await w.api('POST', `/api/v1/my/groups/${id}/resubmit`, w.citizen, applicationBody({ members: 15 }));
    assert.equal(re.statusCode, 200, re.body);
    assert.equal(re.json().status, 'applied');
    assert.equal((await w.api('POST', `/api/v1/groups/${id}/approve`, w.kyodo, {})).statusCode, 200);
    const record = await w.api('GET', `/api/v1/staff/groups/${id}`, w.kyodo);
    assert.deepEqual(
      (record.json().history as { kind: string }[]).map((h) => h.kind),
      ['applied', 'returned', 'resubmitted', 'approved'],
    );
    assert.equal(record.json().members, 15);
    const mail = await ctx.db.query<{ body_text: string }>('select body_text from mail_outbox where tenant_id = $1 order by created_at', [w.tenant.id]);
    assert.ok(mail.some((m) => m.body_text.includes('規約の写しを添付してください')));
  });

  it('refuses with a reason; a refused application takes no further step', async () => {
    const w = await world(ctx);
    const id = await apply(w);
    const res = await w.api('POST', `/api/v1/groups/${id}/refuse`, w.kyodo, { reason: '政治活動を主な目的とする団体は登録できません' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().status, 'refused');
    const before = await snapshot(w);
    for (const [action, body] of [['approve', {}], ['return', { message: 'x' }], ['refuse', { reason: 'x' }], ['renew', {}], ['deregister', {}]] as const) {
      const r = await w.api('POST', `/api/v1/groups/${id}/${action}`, w.kyodo, body);
      assert.equal(r.statusCode, 409, `${action}: ${r.body}`);
    }
    assert.equal(await snapshot(w), before);
    // A refused group may apply again.
    assert.equal((await w.api('POST', '/api/v1/groups/applications', w.citizen, applicationBody())).statusCode, 201);
  });

  it('refuses the illegal transitions of a registered group with 409 and stores nothing', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const w = await world(ctx);
    const { id } = await register(w);
    const before = await snapshot(w);
    for (const [action, body] of [['approve', {}], ['return', { message: 'x' }], ['refuse', { reason: 'x' }], ['renew', {}], ['approve-change', undefined]] as const) {
      const r = await w.api('POST', `/api/v1/groups/${id}/${action}`, w.kyodo, body);
      assert.equal(r.statusCode, 409, `${action}: ${r.body}`);
    }
    assert.equal((await w.api('POST', `/api/v1/my/groups/${id}/resubmit`, w.citizen, applicationBody())).statusCode, 409);
    assert.equal((await w.api('POST', `/api/v1/my/groups/${id}/renewal`, w.citizen)).statusCode, 409);
    assert.equal(await snapshot(w), before);
  });
});

describe('the term of registration', () => {
  it('counts a registration valid until 31 March on that day and not on 1 April (asOf)', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const w = await world(ctx);
    const { validUntil } = await register(w);
    assert.equal(validUntil, '2027-03-31');
    const on = await w.api('GET', '/api/v1/groups?status=active&asOf=2027-03-31&limit=500');
    const off = await w.api('GET', '/api/v1/groups?status=active&asOf=2027-04-01&limit=500');
    const beforeIt = await w.api('GET', '/api/v1/groups?status=active&asOf=2026-05-31');
    assert.deepEqual(names(on), ['前橋まちづくり契約の会']);
    assert.deepEqual(names(off), []);
    assert.deepEqual(names(beforeIt), []);
    assert.deepEqual(names(await w.api('GET', '/api/v1/groups?status=lapsed&asOf=2027-04-01')), ['前橋まちづくり契約の会']);
    PublicListSchema.parse(on.json());
  });

  it('sends one renewal reminder through the daily job, renews straight after the term, and lapses a group not renewed', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const w = await world(ctx);
    const a = await register(w, { name: '更新する会' });
    const b = await register(w, { name: '更新しない会' });
    clock.set('2027-01-15T01:00:00Z'); // 75 days before the end: not yet
    assert.deepEqual(await runRegistryDay(ctx.deps, ctx.db, w.tenant.id, clock.now()), { reminded: 0, lapsed: 0 });
    assert.equal((await w.api('POST', `/api/v1/groups/${a.id}/renew`, w.kyodo, {})).statusCode, 409);
    clock.set('2027-02-01T01:00:00Z'); // 58 days before: renewal is open
    assert.deepEqual(await runRegistryDay(ctx.deps, ctx.db, w.tenant.id, clock.now()), { reminded: 2, lapsed: 0 });
    assert.deepEqual(await runRegistryDay(ctx.deps, ctx.db, w.tenant.id, clock.now()), { reminded: 0, lapsed: 0 });
    const reminders = await ctx.db.query<{ subject: string; to_address: string }>(`select subject, to_address from mail_outbox where tenant_id = $1 and subject like '%更新のお知らせ%'`, [w.tenant.id]);
    assert.equal(reminders.length, 2);
    assert.equal(reminders[0]!.to_address, w.citizen.email);
    assert.equal((await w.api('POST', `/api/v1/my/groups/${a.id}/renewal`, w.citizen)).statusCode, 200);
    const renewed = await w.api('POST', `/api/v1/groups/${a.id}/renew`, w.kyodo, {});
    assert.equal(renewed.statusCode, 200, renewed.body);
    assert.equal(renewed.json().validUntil, '2028-03-31');
    assert.deepEqual(renewed.json().term, { startsOn: '2027-04-01', endsOn: '2028-03-31' });
    clock.set('2027-04-01T01:00:00Z');
    assert.deepEqual(await runRegistryDay(ctx.deps, ctx.db, w.tenant.id, clock.now()), { reminded: 0, lapsed: 1 });
    assert.deepEqual(names(await w.api('GET', '/api/v1/groups?status=active')), ['更新する会']);
    const lapsed = await w.api('GET', `/api/v1/staff/groups/${b.id}`, w.kyodo);
    assert.equal(lapsed.json().status, 'lapsed');
    assert.ok((lapsed.json().history as { kind: string }[]).some((h) => h.kind === 'lapsed'));
    // A lapsed group renews from today.
    const back = await w.api('POST', `/api/v1/groups/${b.id}/renew`, w.kyodo, {});
    assert.deepEqual(back.json().term, { startsOn: '2027-04-01', endsOn: '2028-03-31' });
  });

  it('deregisters: not registered from that day, still counted the day before', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const w = await world(ctx);
    const { id } = await register(w);
    clock.set('2026-09-10T01:00:00Z');
    const res = await w.api('POST', `/api/v1/my/groups/${id}/deregister`, w.citizen);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().deregisteredOn, '2026-09-10');
    assert.equal((await w.api('GET', '/api/v1/groups?asOf=2026-09-09')).json().total, 1);
    assert.equal((await w.api('GET', '/api/v1/groups?asOf=2026-09-10')).json().total, 0);
    assert.equal((await w.api('POST', `/api/v1/groups/${id}/renew`, w.kyodo, {})).statusCode, 409);
  });
});

describe('profile changes', () => {
  it('shows a change of the public profile only once staff approve it', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const w = await world(ctx);
    const { id, number } = await register(w);
    const asked = await w.api('POST', `/api/v1/my/groups/${id}/changes`, w.citizen, applicationBody({ purpose: '川と緑のまちづくり' }));
    assert.equal(asked.statusCode, 202, asked.body);
    assert.equal((await w.api('GET', `/api/v1/groups/${number}`)).json().purpose, 'まちづくり');
    const bad = await w.api('POST', `/api/v1/groups/${id}/reject-change`, w.kyodo, {});
    assert.equal(bad.statusCode, 400);
    const ok = await w.api('POST', `/api/v1/groups/${id}/approve-change`, w.kyodo);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal((await w.api('GET', `/api/v1/groups/${number}`)).json().purpose, '川と緑のまちづくり');
    assert.equal((await w.api('POST', `/api/v1/groups/${id}/approve-change`, w.kyodo)).statusCode, 409);
  });
});

describe('the public side', () => {
  it('never shows the private contact, and optional fields only where the group publishes them', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const w = await world(ctx);
    const { number } = await register(w, { publish: ['website'], website: 'https://example.jp/g', fee: '年500円', representative: '前橋 太郎' });
    const bodies = [
      (await w.api('GET', '/api/v1/groups?limit=500')).body,
      (await w.api('GET', `/api/v1/groups/${number}`)).body,
      (await w.api('GET', '/opendata/groups.csv')).body,
      (await w.api('GET', '/opendata/groups.json')).body,
    ];
    for (const b of bodies) {
      assert.ok(!b.includes('090-0000-0000'), b.slice(0, 200));
      assert.ok(!b.includes('contract@example.jp'));
      assert.ok(!b.includes('前橋 太郎'));
      assert.ok(!b.includes('年500円'));
    }
    const item = (await w.api('GET', `/api/v1/groups/${number}`)).json();
    assert.equal(item.website, 'https://example.jp/g');
    assert.equal(item.publicContact, null);
    const csv = (await w.api('GET', '/opendata/groups.csv')).body;
    assert.ok(csv.startsWith('\ufeff登録番号'));
    const rows = parseCsv(csv, { bom: true, columns: true }) as Record<string, string>[];
    assert.equal(rows[0]!['団体名'], '前橋まちづくり契約の会');
    assert.equal(rows[0]!['活動分野番号'], '2;3');
  });

  it('finds groups by keyword inside Japanese text, by kana in either script, by field and by area', async () => {
    const w = await world(ctx);
    await register(w, { name: '広瀬川をきれいにする会', nameKana: 'ヒロセガワヲキレイニスルカイ', purpose: '河川敷の清掃と水辺の環境の保全', fields: [7], area: '中央地区' });
    await register(w, { name: '子ども食堂ネット', nameKana: 'コドモショクドウネット', purpose: '子どもの居場所づくり', fields: [1, 13], area: '東部地区' });
    const q = async (query: string) => names(await w.api('GET', `/api/v1/groups?${query}`));
    assert.deepEqual(await q(`q=${encodeURIComponent('環境')}`), ['広瀬川をきれいにする会']);
    assert.deepEqual(await q(`q=${encodeURIComponent('ひろせがわ')}`), ['広瀬川をきれいにする会']);
    assert.deepEqual(await q(`q=${encodeURIComponent('ｺﾄﾞﾓ')}`), ['子ども食堂ネット']);
    assert.deepEqual(await q('field=13'), ['子ども食堂ネット']);
    assert.deepEqual(await q(`area=${encodeURIComponent('中央地区')}`), ['広瀬川をきれいにする会']);
    assert.equal((await w.api('GET', '/api/v1/groups?field=21')).statusCode, 400);
    assert.equal((await w.api('GET', '/api/v1/groups?asOf=2026-13-01')).statusCode, 400);
    const page = await w.api('GET', '/api/v1/groups?limit=1&offset=1');
    assert.equal(page.json().total, 2);
    assert.equal(page.json().items.length, 1);
  });
});

describe('indicator 6-1-1', () => {
  it('shows the live count with the registry as its source, equal to the active total for today', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const w = await world(ctx, { plan: true });
    await register(w, { name: '一の会' });
    await register(w, { name: '二の会' });
    const dropped = await register(w, { name: '三の会' });
    await w.api('POST', `/api/v1/groups/${dropped.id}/deregister`, w.kyodo, {});
    const total = (await w.api('GET', '/api/v1/groups?status=active')).json().total;
    assert.equal(total, 2);
    const list = await w.api('GET', '/api/v1/indicators');
    const ind = (list.json().items as { code: string; source: { kind: string; metric?: string }; latest: { value: number; asOf: string } | null }[]).find((i) => i.code === '6-1-1')!;
    assert.deepEqual(ind.source, { kind: 'metric', metric: 'groups.registered' });
    assert.equal(Number(ind.latest!.value), total);
    assert.equal(ind.latest!.asOf, '2026-06-01');
    const detail = await w.api('GET', '/api/v1/indicators/6-1-1');
    const fromMetric = (detail.json().history as { origin: string; value: number; asOf: string }[]).filter((h) => h.origin === 'metric');
    assert.deepEqual(fromMetric.map((h) => [h.asOf, Number(h.value)]), [['2026-06-01', 2]]);
    // A new registration shows at once (the plan's cached read depends on the groups scope).
    await register(w, { name: '四の会' });
    const again = (await w.api('GET', '/api/v1/indicators')).json().items.find((i: { code: string }) => i.code === '6-1-1');
    assert.equal(Number(again.latest.value), 3);
  });
});
