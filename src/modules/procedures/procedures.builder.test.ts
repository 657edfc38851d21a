/**
 * The browser form builder over HTTP (plain forms, no JavaScript): staff create a procedure,
 * add fields of every type, edit, reorder and remove them, preview and publish; a change after
 * publishing makes the next version a draft (the published one never changes); bad input names
 * every bad input and stores nothing; other departments' staff are refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestContext } from '../../testing/harness.ts';
import type { TestUser } from '../../testing/factories.ts';
import { world, type World } from './procedures.testing.ts';

let ctx: TestContext;
before(async () => {
  ctx = await startTestApp();
});
after(async () => ctx?.close());

const post = (w: World, who: TestUser, url: string, fields: Record<string, string | string[]>) => {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return ctx.app.inject({ method: 'POST', url, payload: body.toString(), headers: { host: w.tenant.host, authorization: `Bearer ${who.token}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' } });
};
const get = (w: World, who: TestUser, url: string) => ctx.app.inject({ method: 'GET', url, headers: { host: w.tenant.host, authorization: `Bearer ${who.token}`, accept: 'text/html' } });
const fieldsOf = async (w: World, code: string) => (await w.api('GET', `/api/v1/procedures/${code}`, w.kyodo)).json() as { version: number; latestVersion: number; publishedVersion: number | null; fields: { name: string; type: string; label: string; required?: boolean }[] };

const EVERY_TYPE: Record<string, string | string[]>[] = [
  { f_name: 'note', f_type: 'textarea', f_label: '備考', f_help: '自由にお書きください', f_maxLength: '500' },
  { f_name: 'copies', f_type: 'number', f_label: '通数', f_required: 'true', f_min: '1', f_max: '10', f_page: '2' },
  { f_name: 'birth', f_type: 'date', f_label: '生年月日' },
  { f_name: 'purpose', f_type: 'select', f_label: '使用目的', f_options: 'pension|年金\nother|その他' },
  { f_name: 'purposeOther', f_type: 'text', f_label: 'その他の内容', f_showIfField: 'purpose', f_showIfEquals: 'other' },
  { f_name: 'how', f_type: 'radio', f_label: '受取方法', f_options: '窓口\n郵送' },
  { f_name: 'extras', f_type: 'checkbox', f_label: '追加', f_options: 'a|A\nb|B' },
  { f_name: 'mail', f_type: 'email', f_label: 'メール' },
  { f_name: 'tel', f_type: 'phone', f_label: '電話' },
  { f_name: 'home', f_type: 'postal', f_label: '住所', f_shared: 'true' },
  { f_name: 'proof', f_type: 'file', f_label: '本人確認書類', f_accept: ['pdf', 'png'], f_maxKb: '1024' },
];

describe('the form builder', () => {
  it('creates a procedure, adds a field of every type, edits, reorders and removes them, previews and publishes', async () => {
    const w = await world(ctx);
    const list = await get(w, w.kyodo, '/staff/procedures');
    assert.equal(list.statusCode, 200);
    const created = await post(w, w.kyodo, '/staff/procedures', { code: 'built', title: '作った手続', department: 'shimin-kyodo', identity: 'none', retentionYears: '5' });
    assert.equal(created.statusCode, 303, created.body.slice(0, 1500));
    assert.equal(created.headers.location, '/staff/procedures/built');
    for (const f of EVERY_TYPE) {
      const res = await post(w, w.kyodo, '/staff/procedures/built/fields/new', f);
      assert.equal(res.statusCode, 303, `${String(f.f_type)}: ${res.body.slice(0, 1500)}`);
    }
    let form = await fieldsOf(w, 'built');
    assert.deepEqual(form.fields.map((f) => f.type), ['text', 'textarea', 'number', 'date', 'select', 'text', 'radio', 'checkbox', 'email', 'phone', 'postal', 'file']);
    assert.deepEqual(form.fields.find((f) => f.name === 'proof'), { name: 'proof', type: 'file', label: '本人確認書類', accept: ['pdf', 'png'], maxBytes: 1024 * 1024 });
    // Edit the first field, move it down, remove the date.
    const edit = await get(w, w.kyodo, '/staff/procedures/built/fields/0');
    assert.ok(edit.body.includes('value="fullName"'));
    assert.equal((await post(w, w.kyodo, '/staff/procedures/built/fields/0', { f_name: 'fullName', f_type: 'text', f_label: '申請者の氏名', f_required: 'true' })).statusCode, 303);
    assert.equal((await post(w, w.kyodo, '/staff/procedures/built', { intent: 'down:0' })).statusCode, 303);
    assert.equal((await post(w, w.kyodo, '/staff/procedures/built', { intent: 'remove:3' })).statusCode, 303);
    form = await fieldsOf(w, 'built');
    assert.deepEqual(form.fields.slice(0, 3).map((f) => f.name), ['note', 'fullName', 'copies']);
    assert.equal(form.fields[1]!.label, '申請者の氏名');
    assert.ok(!form.fields.some((f) => f.name === 'birth'));
    const preview = await get(w, w.kyodo, '/staff/procedures/built/preview');
    assert.equal(preview.statusCode, 200);
    assert.ok(preview.body.includes('申請者の氏名') && preview.body.includes('type="file"'));
    assert.equal((await post(w, w.kyodo, '/staff/procedures/built', { intent: 'publish' })).statusCode, 303);
    form = await fieldsOf(w, 'built');
    assert.equal(form.publishedVersion, 1);
  });

  it('never edits a published version: a change makes the next version a draft', async () => {
    const w = await world(ctx);
    await post(w, w.kyodo, '/staff/procedures', { code: 'versions', title: '版の手続', department: 'shimin-kyodo', identity: 'none', retentionYears: '5' });
    await post(w, w.kyodo, '/staff/procedures/versions', { intent: 'publish' });
    const page = await get(w, w.kyodo, '/staff/procedures/versions');
    assert.ok(page.body.includes('第1版は公開中です'));
    assert.ok(!page.body.includes('value="publish"'), 'nothing to publish');
    assert.equal((await post(w, w.kyodo, '/staff/procedures/versions/fields/new', { f_name: 'note', f_type: 'text', f_label: '備考' })).statusCode, 303);
    const form = await fieldsOf(w, 'versions');
    assert.equal(form.latestVersion, 2);
    assert.equal(form.publishedVersion, 1);
    // The public still gets version 1.
    const open = (await w.api('GET', '/api/v1/procedures/versions')).json();
    assert.equal(open.version, 1);
    assert.equal(open.fields.length, 1);
  });

  it('names every bad input and stores nothing', async () => {
    const w = await world(ctx);
    await post(w, w.kyodo, '/staff/procedures', { code: 'bad', title: '悪い手続', department: 'shimin-kyodo', identity: 'none', retentionYears: '5' });
    const before = await fieldsOf(w, 'bad');
    const res = await post(w, w.kyodo, '/staff/procedures/bad/fields/new', { f_name: '1bad', f_type: 'select', f_label: '', f_min: 'abc' });
    assert.equal(res.statusCode, 400);
    for (const id of ['f_name', 'f_label', 'f_min']) assert.ok(res.body.includes(`href="#${id}"`), `${id} named`);
    assert.deepEqual(await fieldsOf(w, 'bad'), before);
    const dup = await post(w, w.kyodo, '/staff/procedures/bad/fields/new', { f_name: 'fullName', f_type: 'text', f_label: '二つ目' });
    assert.equal(dup.statusCode, 400);
    assert.ok(dup.body.includes('href="#f_name"'));
    const create = await post(w, w.kyodo, '/staff/procedures', { code: 'Bad Code', title: '', department: 'shimin-kyodo', identity: 'none', retentionYears: 'x' });
    assert.equal(create.statusCode, 400);
    for (const id of ['code', 'title', 'retentionYears']) assert.ok(create.body.includes(`href="#${id}"`), `${id} named`);
    // Removing the only field is refused.
    assert.equal((await post(w, w.kyodo, '/staff/procedures/bad', { intent: 'remove:0' })).statusCode, 400);
    assert.deepEqual(await fieldsOf(w, 'bad'), before);
  });

  it('refuses staff of another department and citizens', async () => {
    const w = await world(ctx);
    await post(w, w.kyodo, '/staff/procedures', { code: 'theirs', title: '他課の手続', department: 'shimin-kyodo', identity: 'none', retentionYears: '5' });
    assert.equal((await post(w, w.shisan, '/staff/procedures', { code: 'sneak', title: '他課', department: 'shimin-kyodo', identity: 'none', retentionYears: '5' })).statusCode, 403);
    assert.equal((await get(w, w.shisan, '/staff/procedures/theirs')).statusCode, 404);
    assert.equal((await post(w, w.shisan, '/staff/procedures/theirs/fields/new', { f_name: 'x', f_type: 'text', f_label: 'x' })).statusCode, 404);
    assert.equal((await get(w, w.citizen, '/staff/procedures')).statusCode, 403);
    assert.equal((await fieldsOf(w, 'theirs')).fields.length, 1);
  });
});
