/**
 * The registry's pages through the real stack, as a browser without JavaScript uses them: the
 * application form (every error at once, documents checked by content), the applicant's page,
 * the staff record's review actions, the import page, and the public directory and group page
 * that never show the private contact.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { randomToken } from '../../core/crypto.ts';
import { CSRF_COOKIE, csrfTokenFor, SESSION_COOKIE } from '../../core/auth.ts';
import { startTestApp, TestClient, type TestContext, type TestTenant } from '../../testing/harness.ts';
import type { TestUser } from '../../testing/factories.ts';
import { createSession } from '../accounts/accounts.sessions.ts';
import { apply, register, world } from './groups.testing.ts';

let ctx: TestContext;
const clock = new ManualClock('2026-06-01T01:00:00Z');

before(async () => {
  ctx = await startTestApp({ clock });
});
after(async () => ctx?.close());

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

async function browserFor(tenant: TestTenant, user?: TestUser): Promise<{ client: TestClient; csrf: string }> {
  const client = new TestClient(ctx.app, tenant.host);
  const cookie = randomToken();
  client.jar.cookies.set(CSRF_COOKIE, cookie);
  if (user) client.jar.cookies.set(SESSION_COOKIE, await createSession(ctx.db, tenant.id, user.id, true));
  return { client, csrf: csrfTokenFor(ctx.config.secret, cookie) };
}

function multipart(fields: Record<string, string>, files: { name: string; filename: string; type: string; content: Buffer }[] = []) {
  const boundary = `----hibiki${randomToken(8)}`;
  const chunks: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  for (const f of files) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.name}"; filename="${f.filename}"\r\nContent-Type: ${f.type}\r\n\r\n`), f.content, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, accept: 'text/html' } };
}

const post = (client: TestClient, url: string, fields: Record<string, string>, files: Parameters<typeof multipart>[1] = []) => client.request({ method: 'POST', url, ...multipart(fields, files) });
const summaryLinks = (html: string) => [...html.matchAll(/<li><a href="#([^"]+)">/g)].map((m) => m[1]);

const FORM = {
  name: 'ひろせ川の会',
  nameKana: 'ヒロセガワノカイ',
  legalForm: '任意団体',
  field_3: 'on',
  field_7: 'on',
  area: '中央地区',
  purpose: '川の清掃',
  activities: '毎月の清掃',
  foundedOn: '2019-04-01',
  members: '１２',
  publicContact: 'hirose@example.jp',
  privateContact: '090-1111-2222',
  publish_publicContact: 'on',
};

describe('the application form', () => {
  it('shows every error at once in the order of the fields, keeping what was typed, and stores nothing', async () => {
    const w = await world(ctx);
    const { client, csrf } = await browserFor(w.tenant, w.citizen);
    const form = await client.get('/groups/apply');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /enctype="multipart\/form-data"/);
    const res = await post(client, '/groups/apply', { _csrf: csrf, name: '', nameKana: '漢字', area: '東部地区', members: 'たくさん' });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(summaryLinks(res.body), ['name', 'nameKana', 'legalForm', 'fields', 'purpose', 'activities', 'foundedOn', 'members', 'publicContact', 'privateContact']);
    assert.match(res.body, /value="東部地区"/);
    assert.equal((await ctx.db.query('select 1 from group_registrations where tenant_id = $1', [w.tenant.id])).length, 0);
  });

  it('refuses a document whose content is not a PDF or an image, whatever its name says', async () => {
    const w = await world(ctx);
    const { client, csrf } = await browserFor(w.tenant, w.citizen);
    const res = await post(client, '/groups/apply', { _csrf: csrf, ...FORM }, [{ name: 'rules', filename: 'kiyaku.pdf', type: 'application/pdf', content: Buffer.from('not a pdf at all') }]);
    assert.equal(res.statusCode, 400);
    assert.deepEqual(summaryLinks(res.body), ['rules']);
    assert.equal((await ctx.db.query('select 1 from group_registrations where tenant_id = $1', [w.tenant.id])).length, 0);
  });

  it('applies with documents, which the applicant and staff can open and nobody else', async () => {
    const w = await world(ctx);
    const { client, csrf } = await browserFor(w.tenant, w.citizen);
    const res = await post(client, '/groups/apply', { _csrf: csrf, ...FORM }, [{ name: 'rules', filename: '規約.png', type: 'image/png', content: PNG }]);
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    assert.equal(res.headers.location, '/my/groups?applied=1');
    const mine = await client.get('/my/groups?applied=1');
    assert.match(mine.body, /ひろせ川の会/);
    const id = /href="\/my\/groups\/([0-9a-f-]{36})"/.exec(mine.body)![1]!;
    const own = await client.get(`/my/groups/${id}`);
    assert.match(own.body, /090-1111-2222/);
    const file = /href="(\/group-files\/[0-9a-f-]{36})"/.exec(own.body)![1]!;
    assert.equal((await client.get(file)).statusCode, 200);
    const stranger = await browserFor(w.tenant, await w.user('citizen'));
    assert.equal((await stranger.client.get(file)).statusCode, 404);
    assert.equal((await stranger.client.get(`/my/groups/${id}`)).statusCode, 404);
    const staff = await browserFor(w.tenant, w.kyodo);
    assert.equal((await staff.client.get(file)).statusCode, 200);
    const record = await w.api('GET', `/api/v1/staff/groups/${id}`, w.kyodo);
    assert.equal(record.json().members, 12);
    assert.deepEqual(record.json().fields, [3, 7]);
    assert.deepEqual(record.json().publish, ['publicContact']);
  });
});

describe('the staff pages', () => {
  it('reviews from the record: a return needs its message, then approve registers the group', async () => {
    const w = await world(ctx);
    const id = await apply(w);
    const { client, csrf } = await browserFor(w.tenant, w.kyodo);
    const queue = await client.get('/staff/groups?status=applied');
    assert.match(queue.body, new RegExp(`/staff/groups/${id}`));
    const empty = await client.submit(`/staff/groups/${id}/return`, { message: '' }, { csrf });
    assert.equal(empty.statusCode, 400);
    assert.deepEqual(summaryLinks(empty.body), ['message']);
    const approved = await client.submit(`/staff/groups/${id}/approve`, { number: '', note: '' }, { csrf });
    assert.equal(approved.statusCode, 303);
    const page = await client.get(`/staff/groups/${id}?done=1`);
    assert.match(page.body, /2026-001/);
    const twice = await client.submit(`/staff/groups/${id}/approve`, {}, { csrf });
    assert.equal(twice.statusCode, 400);
    // Staff of another department see the record but no actions.
    const other = await browserFor(w.tenant, w.shisan);
    const seen = await other.client.get(`/staff/groups/${id}`);
    assert.equal(seen.statusCode, 200);
    assert.doesNotMatch(seen.body, /action="\/staff\/groups\/[^"]+\/renew"/);
  });

  it('imports a registry from the page: the problems listed by line, nothing imported until the file is clean', async () => {
    const w = await world(ctx);
    const { client, csrf } = await browserFor(w.tenant, w.kyodo);
    assert.equal((await client.get('/staff/groups/import')).statusCode, 200);
    const bad = Buffer.from('登録番号,団体名,フリガナ\r\n1,会,カイ\r\n');
    const refused = await post(client, '/staff/groups/import', { _csrf: csrf }, [{ name: 'file', filename: 'bad.csv', type: 'text/csv', content: bad }]);
    assert.equal(refused.statusCode, 200);
    assert.match(refused.body, /エラーがあるため取り込みませんでした/);
    const fixture = readFileSync(path.join(import.meta.dirname, 'fixtures', 'registry-sjis.csv'));
    const done = await post(client, '/staff/groups/import', { _csrf: csrf }, [{ name: 'file', filename: 'registry.csv', type: 'text/csv', content: fixture }]);
    assert.match(done.body, /3団体を取り込みました/);
    assert.equal((await w.api('GET', '/api/v1/groups')).json().total, 2);
  });
});

describe('the public pages', () => {
  it('lists and searches the directory and shows a group’s page, never the private contact', async () => {
    const w = await world(ctx);
    const { number } = await register(w, { name: '広瀬川をきれいにする会', nameKana: 'ヒロセガワヲキレイニスルカイ', purpose: '水辺の環境の保全', fields: [7] });
    await register(w, { name: '子ども食堂ネット', nameKana: 'コドモショクドウネット', fields: [13] });
    const anon = new TestClient(ctx.app, w.tenant.host);
    const list = await anon.get('/groups');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /広瀬川をきれいにする会/);
    assert.match(list.body, /子ども食堂ネット/);
    const found = await anon.get(`/groups?q=${encodeURIComponent('環境')}&field=&area=`);
    assert.match(found.body, /広瀬川をきれいにする会/);
    assert.doesNotMatch(found.body, /子ども食堂ネット/);
    const byField = await anon.get('/groups?field=13');
    assert.doesNotMatch(byField.body, /広瀬川/);
    const page = await anon.get(`/groups/${number}`);
    assert.equal(page.statusCode, 200);
    for (const body of [list.body, page.body]) assert.ok(!body.includes('090-0000-0000'));
    assert.equal((await anon.get('/groups/no-such-number')).statusCode, 404);
  });
});
