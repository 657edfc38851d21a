/**
 * Saved drafts (一時保存) over HTTP on a real database: a signed-in applicant saves a partly
 * filled form (required fields not asked for, bad values refused naming every field), sees it
 * in their list, resumes it and submits it (the draft is then gone); drafts are sealed, belong
 * to their user only, and expire after 30 days.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { startTestApp, type TestContext } from '../../testing/harness.ts';
import type { TestUser } from '../../testing/factories.ts';
import { expireDrafts } from './procedures.jobs.ts';
import { goodAnswers, publishedProcedure, world, type World } from './procedures.testing.ts';

let ctx: TestContext;
const clock = new ManualClock('2026-06-01T01:00:00Z');

before(async () => {
  ctx = await startTestApp({ clock });
});
after(async () => ctx?.close());

const draftCount = async (w: World) => (await ctx.db.one<{ n: number }>('select count(*)::int as n from procedure_drafts where tenant_id = $1', [w.tenant.id])).n;

/** A page form posted by a signed-in user (bearer token: no CSRF token needed). */
const postForm = (w: World, who: TestUser, url: string, fields: Record<string, string | string[]>) => {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return ctx.app.inject({ method: 'POST', url, payload: body.toString(), headers: { host: w.tenant.host, authorization: `Bearer ${who.token}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' } });
};
const getPage = (w: World, who: TestUser, url: string) => ctx.app.inject({ method: 'GET', url, headers: { host: w.tenant.host, authorization: `Bearer ${who.token}`, accept: 'text/html' } });

describe('saved drafts', () => {
  it('saves a partly filled application without its required fields, lists it, opens it, and refuses everyone else', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w);
    const saved = await w.api('POST', `/api/v1/procedures/${code}/drafts`, w.citizen, { answers: { fullName: '前橋 花子' } });
    assert.equal(saved.statusCode, 201, saved.body);
    const { id, expiresAt } = saved.json();
    assert.equal(expiresAt, '2026-07-01T01:00:00.000Z');
    const list = (await w.api('GET', '/api/v1/my/procedure-drafts', w.citizen)).json();
    assert.deepEqual(list.items.map((d: { id: string; procedure: string }) => [d.id, d.procedure]), [[id, code]]);
    assert.equal((await w.api('GET', `/api/v1/my/procedure-drafts/${id}`, w.citizen)).json().answers.fullName, '前橋 花子');
    const other = await w.user('citizen');
    assert.equal((await w.api('GET', `/api/v1/my/procedure-drafts/${id}`, other)).statusCode, 404);
    assert.equal((await w.api('DELETE', `/api/v1/my/procedure-drafts/${id}`, other)).statusCode, 404);
    assert.equal((await w.api('GET', '/api/v1/my/procedure-drafts', other)).json().total, 0);
    assert.equal((await w.api('POST', `/api/v1/procedures/${code}/drafts`, null, { answers: {} })).statusCode, 401);
    // Sealed like the answers.
    const row = await ctx.db.one<{ payload_sealed: string; key_id: string }>('select payload_sealed, key_id from procedure_drafts where tenant_id = $1', [w.tenant.id]);
    assert.ok(!row.payload_sealed.includes('花子'));
    assert.match(row.key_id, /^[0-9a-f]{16}$/);
  });

  it('refuses bad values on save, naming every bad field, and stores nothing', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w);
    const res = await w.api('POST', `/api/v1/procedures/${code}/drafts`, w.citizen, { answers: { birthDate: '2026-02-30', copies: 'many', nope: 1 } });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json().errors.map((e: { path: string }) => e.path).sort(), ['answers.birthDate', 'answers.copies', 'answers.nope']);
    assert.equal(await draftCount(w), 0);
  });

  it('is deleted when the application is submitted', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w);
    const { id } = (await w.api('POST', `/api/v1/procedures/${code}/drafts`, w.citizen, { answers: { fullName: '前橋 花子' } })).json();
    const r = await w.api('POST', `/api/v1/procedures/${code}/applications`, w.citizen, { answers: goodAnswers, draft: id });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(await draftCount(w), 0);
  });

  it('expires 30 days after the last save', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w);
    await w.api('POST', `/api/v1/procedures/${code}/drafts`, w.citizen, { answers: { fullName: '前橋 花子' } });
    await expireDrafts(ctx.db, new Date('2026-06-30T01:00:00Z'));
    assert.equal(await draftCount(w), 1);
    await expireDrafts(ctx.db, new Date('2026-07-01T01:00:01Z'));
    assert.equal(await draftCount(w), 0);
  });

  it('saves from the form pages, shows in the applicant’s list, resumes and submits without JavaScript', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w);
    const form = await getPage(w, w.citizen, `/procedures/${code}/apply`);
    assert.ok(form.body.includes('value="save"'), 'a signed-in applicant may save');
    const formKey = /name="formKey" value="([^"]+)"/.exec(form.body)![1]!;
    const anonymous = await ctx.app.inject({ method: 'GET', url: `/procedures/${code}/apply`, headers: { host: w.tenant.host, accept: 'text/html' } });
    assert.ok(!anonymous.body.includes('value="save"'), 'the anonymous cannot');
    const saved = await postForm(w, w.citizen, `/procedures/${code}/apply`, { formKey, page: '1', a_fullName: '前橋 花子', intent: 'save' });
    assert.equal(saved.statusCode, 303);
    assert.match(String(saved.headers.location), /^\/my\/procedures\?saved=/);
    const mine = await getPage(w, w.citizen, String(saved.headers.location));
    assert.equal(mine.statusCode, 200);
    const href = /href="(\/procedures\/[^"]+\?draft=[^"]+)"/.exec(mine.body)![1]!;
    assert.ok(mine.body.includes('一時保存しました'));
    const resumed = await getPage(w, w.citizen, href.replace(/&amp;/g, '&'));
    assert.equal(resumed.statusCode, 200);
    assert.ok(resumed.body.includes('value="前橋 花子"'), 'the answers so far');
    assert.ok(resumed.body.includes(`name="formKey" value="${formKey}"`), 'the same form');
    assert.equal((await getPage(w, await w.user('citizen'), href)).statusCode, 404, 'nobody else resumes it');
    const done = await postForm(w, w.citizen, `/procedures/${code}/apply`, {
      formKey,
      page: '2',
      a_fullName: '前橋 花子',
      a_birthDate: 'S60.4.1',
      a_copies: '2',
      a_purpose: 'pension',
      intent: 'submit',
    });
    assert.equal(done.statusCode, 201, done.body.slice(0, 2000));
    assert.equal(await draftCount(w), 0);
    const after = await getPage(w, w.citizen, '/my/procedures');
    assert.ok(after.body.includes('一時保存した申請はありません'));
    assert.match(after.body, /\d{4}-\d{8}/, 'the application is listed');
  });

  it('deletes a draft from the list', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w);
    const { id } = (await w.api('POST', `/api/v1/procedures/${code}/drafts`, w.citizen, { answers: { fullName: '前橋 花子' } })).json();
    assert.equal((await postForm(w, w.citizen, `/my/procedure-drafts/${id}/delete`, {})).statusCode, 303);
    assert.equal(await draftCount(w), 0);
  });
});
