/**
 * The proposals pages over HTTP as a browser without JavaScript uses them: forms posted with
 * their CSRF token, every error at once in a summary linking to its field, attachments
 * uploaded and served only to the proposer and the staff of the case, the staff case page
 * carrying a proposal from receipt to implementation, and the public pages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { randomToken } from '../../core/crypto.ts';
import { startTestApp, type TestClient, type TestContext } from '../../testing/harness.ts';
import { advance, browserFor, submit, world } from './proposals.testing.ts';

let ctx: TestContext;
const clock = new ManualClock('2026-06-01T01:00:00Z');

before(async () => {
  ctx = await startTestApp({ clock });
});
after(async () => ctx?.close());

/** A 1×1 PNG image. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/** A multipart/form-data body as a browser sends an upload form (empty file inputs included). */
function multipart(fields: Record<string, string>, files: { name: string; filename: string; type: string; content: Buffer }[] = []) {
  const boundary = `----hibiki${randomToken(8)}`;
  const chunks: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  for (const f of files) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.name}"; filename="${f.filename}"\r\nContent-Type: ${f.type}\r\n\r\n`),
      f.content,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, accept: 'text/html' } };
}

async function postUpload(client: TestClient, url: string, fields: Record<string, string>, files: Parameters<typeof multipart>[1] = []) {
  const { payload, headers } = multipart(fields, files);
  return client.request({ method: 'POST', url, payload, headers });
}

const summaryLinks = (html: string) => [...html.matchAll(/<li><a href="#([^"]+)">/g)].map((m) => m[1]);
const title = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '';

describe('the submit form', () => {
  it('shows every error at once, in the order of the fields, keeping what was typed', async () => {
    const w = await world(ctx, { plan: true });
    const { client, csrf } = await browserFor(ctx, w.tenant, w.citizen);
    assert.equal((await client.get('/proposals/new')).statusCode, 200);
    const res = await postUpload(client, '/proposals/new', { _csrf: csrf, title: '', body: '', area: 'x'.repeat(61), section: '6-1', intent: 'submit' });
    assert.equal(res.statusCode, 400);
    assert.match(title(res.body), /^エラー：提案を送る/);
    assert.deepEqual(summaryLinks(res.body), ['title', 'body', 'area', 'public']);
    assert.match(res.body, /<option value="6-1" selected>/, 'the chosen section is kept');
    assert.match(res.body, /aria-invalid="true"/);
    assert.equal((await ctx.db.query('select 1 from proposals where tenant_id = $1', [w.tenant.id])).length, 0);
  });

  it('submits with an attachment served only to the proposer and the staff of the case', async () => {
    const w = await world(ctx);
    const { client, csrf } = await browserFor(ctx, w.tenant, w.citizen);
    const res = await postUpload(
      client,
      '/proposals/new',
      { _csrf: csrf, title: '公園の地図を添付します', body: '地図の場所にベンチを', section: '', area: '', public: 'yes', intent: 'submit' },
      [
        { name: 'file1', filename: '地図.png', type: 'image/png', content: PNG },
        { name: 'file2', filename: '', type: 'application/octet-stream', content: Buffer.alloc(0) },
      ],
    );
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/my/proposals/2026-0001?submitted=1');
    const page = await client.get('/my/proposals/2026-0001?submitted=1');
    assert.match(page.body, /提案 2026-0001 を受け付けました。回答期限は令和8年7月1日です。/);
    const href = /href="(\/proposal-files\/[0-9a-f-]+)"/.exec(page.body)![1]!;
    const file = await client.get(href);
    assert.equal(file.statusCode, 200);
    assert.equal(file.headers['content-type'], 'image/png');
    assert.match(String(file.headers['content-disposition']), /^attachment;/);
    assert.deepEqual(file.rawPayload, PNG);

    const stranger = (await browserFor(ctx, w.tenant, await w.user('citizen'))).client;
    assert.equal((await stranger.get(href)).statusCode, 404);
    const kyodo = (await browserFor(ctx, w.tenant, w.kyodo)).client;
    assert.equal((await kyodo.get(href)).statusCode, 404, 'not assigned to them yet');
    await advance(w, '2026-0001', 'assigned');
    assert.equal((await kyodo.get(href)).statusCode, 200);
    assert.equal((await (await browserFor(ctx, w.tenant, w.shisan)).client.get(href)).statusCode, 404);
    const anonymous = (await browserFor(ctx, w.tenant)).client;
    assert.equal((await anonymous.get(href)).statusCode, 303, 'the anonymous are sent to sign in');
    assert.ok(!(await anonymous.get('/proposals/2026-0001')).body.includes('proposal-files'), 'attachments are never public');
  });

  it('refuses an attachment whose content is not a PDF, PNG or JPEG, whatever its name says', async () => {
    const w = await world(ctx);
    const { client, csrf } = await browserFor(ctx, w.tenant, w.citizen);
    const res = await postUpload(client, '/proposals/new', { _csrf: csrf, title: 't', body: 'b', public: 'no', intent: 'submit' }, [
      { name: 'file1', filename: 'photo.png', type: 'image/png', content: Buffer.from('MZ this is no image') },
    ]);
    assert.equal(res.statusCode, 400);
    assert.deepEqual(summaryLinks(res.body), ['file1']);
    assert.match(res.body, /PDF・PNG画像・JPEG画像/);
  });

  it('saves a draft, shows it again for editing, and submits it', async () => {
    const w = await world(ctx);
    const { client, csrf } = await browserFor(ctx, w.tenant, w.citizen);
    const saved = await postUpload(client, '/proposals/new', { _csrf: csrf, title: '下書きの提案', body: 'まだ途中', public: 'no', intent: 'draft' });
    assert.equal(saved.statusCode, 303);
    const location = String(saved.headers.location);
    assert.match(location, /^\/my\/drafts\/[0-9a-f-]+\?saved=1$/);
    const page = await client.get(location);
    assert.match(page.body, /下書きを保存しました。/);
    assert.match(page.body, /value="下書きの提案"/);
    assert.match((await client.get('/my/proposals')).body, /下書きの提案/);
    const submitted = await postUpload(client, location.split('?')[0]!, { _csrf: csrf, title: '下書きの提案（完成）', body: '書き終えました', public: 'no', intent: 'submit' });
    assert.equal(submitted.headers.location, '/my/proposals/2026-0001?submitted=1');
    const stranger = (await browserFor(ctx, w.tenant, await w.user('citizen'))).client;
    assert.equal((await stranger.get(location)).statusCode, 404);
  });

  it('refuses a form posted without its CSRF token', async () => {
    const w = await world(ctx);
    const { client } = await browserFor(ctx, w.tenant, w.citizen);
    const res = await postUpload(client, '/proposals/new', { title: 't', body: 'b', public: 'no', intent: 'submit' });
    assert.equal(res.statusCode, 403);
    assert.equal((await ctx.db.query('select 1 from proposals where tenant_id = $1', [w.tenant.id])).length, 0);
  });
});

describe('the staff case page', () => {
  it('carries a proposal from receipt to implementation, showing each form’s errors beside it', async () => {
    const w = await world(ctx);
    const number = await submit(w);
    const pm = await browserFor(ctx, w.tenant, w.pm);
    const kyodo = await browserFor(ctx, w.tenant, w.kyodo);
    const casePage = await pm.client.get(`/staff/proposals/${number}`);
    assert.equal(casePage.statusCode, 200);
    assert.match(casePage.body, new RegExp(w.citizen.email), 'the plan manager sees the proposer’s contact');
    let res = await pm.client.submit(`/staff/proposals/${number}/moderate`, { _csrf: pm.csrf, intent: 'publish', 'moderate-title': '駅前の公園のベンチ', 'moderate-body': '公園にベンチを' }, { csrf: null });
    assert.equal(res.statusCode, 303);
    res = await pm.client.submit(`/staff/proposals/${number}/assign`, { _csrf: pm.csrf, 'assign-department': '' }, { csrf: null });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(summaryLinks(res.body), ['assign-department']);
    res = await pm.client.submit(`/staff/proposals/${number}/assign`, { _csrf: pm.csrf, 'assign-department': 'shimin-kyodo' }, { csrf: null });
    assert.equal(res.headers.location, `/staff/proposals/${number}?done=assign`);
    assert.match((await pm.client.get(String(res.headers.location))).body, /「担当課を決める」を行いました。/);

    res = await kyodo.client.submit(`/staff/proposals/${number}/answer`, { _csrf: kyodo.csrf, intent: 'submit', 'answer-decision': '', 'answer-text': '' }, { csrf: null });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(summaryLinks(res.body), ['answer-decision', 'answer-text']);
    res = await kyodo.client.submit(`/staff/proposals/${number}/answer`, { _csrf: kyodo.csrf, intent: 'draft', 'answer-decision': 'adopt', 'answer-text': '設置を検討します' }, { csrf: null });
    assert.equal(res.statusCode, 303);
    assert.match((await kyodo.client.get(`/staff/proposals/${number}`)).body, /設置を検討します<\/textarea>/, 'the draft answer comes back for editing');
    res = await kyodo.client.submit(`/staff/proposals/${number}/answer`, { _csrf: kyodo.csrf, intent: 'submit', 'answer-decision': 'adopt', 'answer-text': '今年度中に設置します' }, { csrf: null });
    assert.equal(res.statusCode, 303);
    assert.match((await pm.client.get('/staff/proposals/approvals')).body, /今年度中に設置します/);
    res = await pm.client.submit(`/staff/proposals/${number}/approve-answer`, { _csrf: pm.csrf }, { csrf: null });
    assert.equal(res.statusCode, 303);

    res = await kyodo.client.submit(`/staff/proposals/${number}/implement`, { _csrf: kyodo.csrf, 'implement-on': '2026-13-01' }, { csrf: null });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(summaryLinks(res.body), ['implement-on']);
    assert.match(res.body, /value="2026-13-01"/);
    res = await kyodo.client.submit(`/staff/proposals/${number}/implement`, { _csrf: kyodo.csrf, 'implement-on': '2026-06-01', 'implement-note': 'ベンチを設置しました' }, { csrf: null });
    assert.equal(res.statusCode, 303);
    const shown = await (await browserFor(ctx, w.tenant)).client.get(`/proposals/${number}`);
    assert.match(shown.body, /実施済み/);
    assert.match(shown.body, /ベンチを設置しました/);
    assert.match(shown.body, /駅前の公園のベンチ/, 'the moderated title');
  });

  it('shows a refused action on the case page with its reason, storing nothing', async () => {
    const w = await world(ctx);
    const number = await submit(w);
    await advance(w, number, 'assigned');
    const pm = await browserFor(ctx, w.tenant, w.pm);
    const res = await pm.client.submit(`/staff/proposals/${number}/decline`, { _csrf: pm.csrf, 'decline-ground': 'slander' }, { csrf: null });
    assert.equal(res.statusCode, 409);
    assert.match(res.body, /受付不可にできるのは担当課を決める前の提案だけです/);
    const other = await browserFor(ctx, w.tenant, w.shisan);
    const forbidden = await other.client.submit(`/staff/proposals/${number}/answer`, { _csrf: other.csrf, intent: 'submit', 'answer-decision': 'adopt', 'answer-text': 'x' }, { csrf: null });
    assert.equal(forbidden.statusCode, 403);
    const row = await ctx.db.one<{ status: string; answer_state: string | null }>('select status, answer_state from proposals where tenant_id = $1', [w.tenant.id]);
    assert.deepEqual(row, { status: 'assigned', answer_state: null });
  });

  it('keys in a letter through the form', async () => {
    const w = await world(ctx);
    const { client, csrf } = await browserFor(ctx, w.tenant, w.kyodo);
    const bad = await postUpload(client, '/staff/proposals/new', { _csrf: csrf, channel: '', proposerName: '', title: '', body: '', public: '' });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(summaryLinks(bad.body), ['channel', 'proposerName', 'title', 'body', 'public']);
    const ok = await postUpload(client, '/staff/proposals/new', { _csrf: csrf, channel: 'letter', proposerName: '手紙 一郎', title: '手紙の提案', body: '内容', public: 'no' });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/staff/proposals/new?done=2026-0001');
  });
});

describe('the public pages and the citizen’s own', () => {
  it('lets a citizen support and report a public proposal, and the proposer withdraw theirs', async () => {
    const w = await world(ctx);
    const number = await submit(w);
    await advance(w, number, 'published');
    const supporter = await browserFor(ctx, w.tenant, await w.user('citizen'));
    let res = await supporter.client.submit(`/proposals/${number}/support`, { _csrf: supporter.csrf }, { csrf: null });
    assert.equal(res.headers.location, `/proposals/${number}?supported=1`);
    const page = await supporter.client.get(String(res.headers.location));
    assert.match(page.body, /賛同しました。/);
    assert.match(page.body, /この提案に賛同しています。/);
    res = await supporter.client.submit(`/proposals/${number}/report`, { _csrf: supporter.csrf, reason: '' }, { csrf: null });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(summaryLinks(res.body), ['reason']);
    res = await supporter.client.submit(`/proposals/${number}/report`, { _csrf: supporter.csrf, reason: '個人の名前が書かれています' }, { csrf: null });
    assert.equal(res.headers.location, `/proposals/${number}?reported=1`);

    const proposer = await browserFor(ctx, w.tenant, w.citizen);
    const own = await proposer.client.get(`/my/proposals/${number}`);
    assert.match(own.body, /この提案を取り下げる/);
    res = await proposer.client.submit(`/my/proposals/${number}/withdraw`, { _csrf: proposer.csrf }, { csrf: null });
    assert.equal(res.headers.location, `/my/proposals/${number}?withdrawn=1`);
    const after = await proposer.client.get(String(res.headers.location));
    assert.match(after.body, /提案を取り下げました。/);
    assert.match(after.body, /取り下げられました/, 'the history shows it');
    assert.doesNotMatch(after.body, /この提案を取り下げる/);
  });

  it('serves the public list from the cache to visitors, in Japanese and English, moving when a proposal changes', async () => {
    const w = await world(ctx);
    const number = await submit(w, { title: '英語ページの確認' });
    await advance(w, number, 'published');
    const visitor = (await browserFor(ctx, w.tenant)).client;
    const first = await visitor.get('/proposals');
    assert.equal(first.statusCode, 200);
    assert.match(first.body, /英語ページの確認/);
    assert.equal((await visitor.get('/proposals', { 'if-none-match': String(first.headers.etag) })).statusCode, 304);
    const en = await visitor.get('/proposals?lang=en');
    assert.match(en.body, /<html lang="en">/);
    assert.match(en.body, /Citizen proposals/);
    assert.match(en.body, /<span lang="ja">英語ページの確認<\/span>/, 'Japanese text is marked as such on an English page');
    await advance(w, number, 'assigned');
    assert.equal((await visitor.get('/proposals?lang=ja', { 'if-none-match': String(first.headers.etag) })).statusCode, 200);
    assert.equal((await visitor.get('/proposals/about')).statusCode, 200);
    assert.match((await visitor.get('/proposals/about')).body, /30日/);
  });

  it('sends the anonymous to sign in for the submit form, and refuses it to staff', async () => {
    const w = await world(ctx);
    const visitor = (await browserFor(ctx, w.tenant)).client;
    const res = await visitor.get('/proposals/new');
    assert.equal(res.statusCode, 303);
    assert.match(String(res.headers.location), /^\/login\?next=/);
    assert.equal((await (await browserFor(ctx, w.tenant, w.kyodo)).client.get('/proposals/new')).statusCode, 403);
    assert.doesNotMatch((await (await browserFor(ctx, w.tenant, w.kyodo)).client.get('/proposals')).body, /href="\/proposals\/new"/, 'staff are not offered it');
  });
});

