/**
 * Files through the JSON API, over HTTP on a real database: an API client uploads a form's
 * files (multipart, one part per file field), gets a form key, and applies with JSON naming it;
 * the files are checked by content and size per field, sealed at rest, and go with the
 * application. Refusals are problem+json in the reader's language naming the part, never a
 * 5xx, and store nothing. A one-stop bundle's upload gives each of its procedures its own copy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomToken } from '../../core/crypto.ts';
import { startTestApp, type TestContext } from '../../testing/harness.ts';
import type { TestUser } from '../../testing/factories.ts';
import { multipart, publishedProcedure, world, type Part, type World } from './procedures.testing.ts';
import { UPLOAD_RATE_LIMITS } from './procedures.uploads.ts';

let ctx: TestContext;

before(async () => {
  ctx = await startTestApp();
});
after(async () => ctx?.close());

const FIELDS = [
  { name: 'fullName', type: 'text', label: '氏名', required: true },
  { name: 'proof', type: 'file', label: '本人確認書類', required: true, accept: ['pdf', 'png'], maxBytes: 2000 },
];

/** A small PDF whose text holds a marker. */
function pdf(marker: string, padding = 0): Buffer {
  return Buffer.from(`%PDF-1.4\n%${marker}\n${'%'.repeat(padding)}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`, 'latin1');
}
const marker = () => `Zq${randomToken(8).replace(/[^A-Za-z0-9]/g, 'x')}`;

let ip = 0;
/** A multipart POST as an API client sends it (its own address unless named). */
function upload(w: World, url: string, parts: Part[], options: { user?: TestUser; lang?: string; ip?: string } = {}) {
  const { payload, contentType } = multipart(parts);
  return ctx.app.inject({
    method: 'POST',
    url,
    remoteAddress: options.ip ?? `10.9.${Math.floor(++ip / 250) % 250}.${ip % 250}`,
    headers: {
      host: w.tenant.host,
      accept: 'application/json',
      'content-type': contentType,
      ...(options.lang ? { 'accept-language': options.lang } : {}),
      ...(options.user ? { authorization: `Bearer ${options.user.token}` } : {}),
    },
    payload,
  });
}

async function attachmentRows(w: World) {
  return ctx.db.query<{ application_id: string | null; content_sealed: Uint8Array; filename_sealed: string; procedure_id: string }>(
    'select application_id, content_sealed, filename_sealed, procedure_id from procedure_attachments where tenant_id = $1',
    [w.tenant.id],
  );
}
const applicationCount = async (w: World) => (await ctx.db.one<{ n: number }>('select count(*)::int as n from procedure_applications where tenant_id = $1', [w.tenant.id])).n;

describe('files through the JSON API', () => {
  it('uploads a file, applies with JSON naming the form key, and the department downloads the same bytes', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w, { code: 'api-file', fields: FIELDS });
    const m = marker();
    const bytes = pdf(m);
    const up = await upload(w, `/api/v1/procedures/${code}/uploads`, [{ name: 'proof', value: { filename: `免許証_${m}.pdf`, bytes } }]);
    assert.equal(up.statusCode, 201, up.body);
    const { formKey, files, expiresAt } = up.json();
    assert.match(formKey, /^[0-9a-f-]{36}$/);
    assert.deepEqual(files, [{ field: 'proof', filename: `免許証_${m}.pdf`, size: bytes.length, mediaType: 'application/pdf' }]);
    assert.ok(Date.parse(expiresAt) > Date.now());
    const rows = await attachmentRows(w);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.application_id, null, 'pending until an application takes it');
    assert.equal(Buffer.from(rows[0]!.content_sealed).includes(Buffer.from(m)), false, 'content sealed');
    assert.equal(rows[0]!.filename_sealed.includes(m), false, 'file name sealed');

    const res = await w.api('POST', `/api/v1/procedures/${code}/applications`, null, { answers: { fullName: '前橋 花子' }, formKey });
    assert.equal(res.statusCode, 201, res.body);
    const { receiptNumber, password } = res.json();
    const view = (await w.api('GET', `/api/v1/applications/${receiptNumber}`, w.kyodo)).json();
    assert.equal(view.answers.proof.filename, `免許証_${m}.pdf`);
    const got = await w.api('GET', `/api/v1/applications/${receiptNumber}/attachments/${view.answers.proof.file}`, w.kyodo);
    assert.equal(got.statusCode, 200);
    assert.deepEqual(got.rawPayload, bytes);
    // The applicant gets it back with the receipt number and password; another department does not.
    const mine = await w.api('POST', '/api/v1/inquiries/attachment', null, { receiptNumber, password, attachment: view.answers.proof.file });
    assert.deepEqual(mine.rawPayload, bytes);
    assert.equal((await w.api('GET', `/api/v1/applications/${receiptNumber}/attachments/${view.answers.proof.file}`, w.shisan)).statusCode, 404);
    assert.ok((await attachmentRows(w))[0]!.application_id, 'linked to the application');
  });

  it('adds a second file to the same form and replaces a field’s file when sent again', async () => {
    const w = await world(ctx);
    const fields = [...FIELDS, { name: 'extra', type: 'file', label: '委任状', accept: ['pdf'] }];
    const code = await publishedProcedure(w, { code: 'api-two', fields });
    const first = (await upload(w, `/api/v1/procedures/${code}/uploads`, [{ name: 'proof', value: { filename: 'a.pdf', bytes: pdf('a') } }])).json();
    const again = await upload(w, `/api/v1/procedures/${code}/uploads`, [
      { name: 'formKey', value: first.formKey },
      { name: 'proof', value: { filename: 'b.pdf', bytes: pdf('bb') } },
      { name: 'extra', value: { filename: 'c.pdf', bytes: pdf('ccc') } },
    ]);
    assert.equal(again.statusCode, 201, again.body);
    assert.equal(again.json().formKey, first.formKey);
    assert.equal((await attachmentRows(w)).length, 2, 'one file per field');
    const res = await w.api('POST', `/api/v1/procedures/${code}/applications`, null, { answers: { fullName: '前橋 花子' }, formKey: first.formKey });
    assert.equal(res.statusCode, 201, res.body);
    const view = (await w.api('GET', `/api/v1/applications/${res.json().receiptNumber}`, w.kyodo)).json();
    assert.equal(view.answers.proof.filename, 'b.pdf');
    assert.equal(view.answers.extra.filename, 'c.pdf');
  });

  it('refuses a file of the wrong kind or too large, naming the part in Japanese and in English, and stores nothing', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w, { code: 'api-bad', fields: FIELDS });
    const url = `/api/v1/procedures/${code}/uploads`;
    const text = [{ name: 'proof', value: { filename: 'proof.pdf', bytes: Buffer.from('just some text pretending to be a PDF') } }];
    const ja = await upload(w, url, text);
    assert.equal(ja.statusCode, 400);
    assert.match(String(ja.headers['content-type']), /^application\/problem\+json/);
    assert.deepEqual(ja.json().errors, [{ path: 'proof', message: '本人確認書類に添付できるファイルの形式は PDF・PNG画像 です' }]);
    const en = await upload(w, url, text, { lang: 'en' });
    assert.deepEqual(en.json().errors, [{ path: 'proof', message: 'The file for 本人確認書類 must be one of: PDF, PNG image' }]);
    const big = await upload(w, url, [{ name: 'proof', value: { filename: 'big.pdf', bytes: pdf('big', 3000) } }]);
    assert.equal(big.statusCode, 400);
    assert.deepEqual(big.json().errors, [{ path: 'proof', message: '本人確認書類のファイルは2 KB以下にしてください' }]);
    // Far beyond every limit: still a 4xx.
    const huge = await upload(w, url, [{ name: 'proof', value: { filename: 'huge.pdf', bytes: pdf('huge', 6 * 1024 * 1024) } }]);
    assert.ok(huge.statusCode >= 400 && huge.statusCode < 500, `huge: ${huge.statusCode}`);
    // A good file beside a bad one, or beside a part naming no file field: nothing kept.
    const mixed = await upload(w, url, [
      { name: 'proof', value: { filename: 'ok.pdf', bytes: pdf('ok') } },
      { name: 'nosuch', value: { filename: 'x.pdf', bytes: pdf('x') } },
    ]);
    assert.equal(mixed.statusCode, 400);
    assert.deepEqual(mixed.json().errors.map((e: { path: string }) => e.path), ['nosuch']);
    const none = await upload(w, url, [{ name: 'note', value: 'no file here' }]);
    assert.equal(none.statusCode, 400);
    assert.deepEqual(none.json().errors.map((e: { path: string }) => e.path), ['file']);
    const badKey = await upload(w, url, [{ name: 'formKey', value: 'not-a-key' }, { name: 'proof', value: { filename: 'ok.pdf', bytes: pdf('ok') } }]);
    assert.equal(badKey.statusCode, 400);
    assert.deepEqual(badKey.json().errors.map((e: { path: string }) => e.path), ['formKey']);
    const json = await w.api('POST', url, null, { proof: 'x' });
    assert.equal(json.statusCode, 415);
    assert.equal((await attachmentRows(w)).length, 0);
  });

  it('refuses an application whose required file is missing or whose form key is malformed, and stores nothing', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w, { code: 'api-missing', fields: FIELDS });
    const missing = await w.api('POST', `/api/v1/procedures/${code}/applications`, null, { answers: { fullName: '前橋 花子' } });
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(missing.json().errors, [{ path: 'answers.proof', message: '本人確認書類を入力してください' }]);
    const unknownKey = await w.api('POST', `/api/v1/procedures/${code}/applications`, null, { answers: { fullName: '前橋 花子' }, formKey: '00000000-0000-4000-8000-000000000000' });
    assert.equal(unknownKey.statusCode, 400);
    const badKey = await w.api('POST', `/api/v1/procedures/${code}/applications`, null, { answers: { fullName: '前橋 花子' }, formKey: 'abc' });
    assert.equal(badKey.statusCode, 400);
    assert.deepEqual(badKey.json().errors.map((e: { path: string }) => e.path), ['formKey']);
    assert.equal(await applicationCount(w), 0);
  });

  it('answers a retry with the same Idempotency-Key with the same receipt, and refuses a second application taking the same files', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w, { code: 'api-retry', fields: FIELDS });
    const { formKey } = (await upload(w, `/api/v1/procedures/${code}/uploads`, [{ name: 'proof', value: { filename: 'a.pdf', bytes: pdf('a') } }])).json();
    const body = { answers: { fullName: '前橋 花子' }, formKey };
    const tries = await Promise.all(Array.from({ length: 5 }, () => w.api('POST', `/api/v1/procedures/${code}/applications`, null, body, { 'idempotency-key': 'api-retry-1' })));
    assert.deepEqual(tries.map((r) => r.statusCode), [201, 201, 201, 201, 201], tries.map((r) => r.body).join('\n'));
    assert.equal(new Set(tries.map((r) => r.json().receiptNumber)).size, 1);
    const other = await w.api('POST', `/api/v1/procedures/${code}/applications`, null, body, { 'idempotency-key': 'api-retry-2' });
    assert.equal(other.statusCode, 409, other.body);
    const plain = await w.api('POST', `/api/v1/procedures/${code}/applications`, null, body);
    assert.equal(plain.statusCode, 409);
    assert.equal(await applicationCount(w), 1);
    // Uploading to a submitted form keeps its files as they were.
    const late = await upload(w, `/api/v1/procedures/${code}/uploads`, [{ name: 'formKey', value: formKey }, { name: 'proof', value: { filename: 'b.pdf', bytes: pdf('b') } }]);
    assert.equal(late.statusCode, 409);
    assert.equal((await attachmentRows(w)).length, 1);
  });

  it('asks for an account before reading the upload of an account-only procedure, and for a published one', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w, { code: 'api-account', fields: FIELDS, identity: 'account' });
    const parts = [{ name: 'proof', value: { filename: 'a.pdf', bytes: pdf('a') } }];
    assert.equal((await upload(w, `/api/v1/procedures/${code}/uploads`, parts)).statusCode, 401);
    assert.equal((await attachmentRows(w)).length, 0);
    const up = await upload(w, `/api/v1/procedures/${code}/uploads`, parts, { user: w.citizen });
    assert.equal(up.statusCode, 201, up.body);
    assert.equal((await upload(w, '/api/v1/procedures/no-such-procedure/uploads', parts)).statusCode, 404);
  });

  it('keeps the uploaded files with a saved draft, and the draft’s application takes them', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w, { code: 'api-draft', fields: FIELDS });
    const { formKey } = (await upload(w, `/api/v1/procedures/${code}/uploads`, [{ name: 'proof', value: { filename: 'a.pdf', bytes: pdf('a') } }], { user: w.citizen })).json();
    const saved = await w.api('POST', `/api/v1/procedures/${code}/drafts`, w.citizen, { answers: {}, formKey });
    assert.equal(saved.statusCode, 201, saved.body);
    assert.equal(saved.json().formKey, formKey);
    const expiry = await ctx.db.one<{ expires_at: Date }>('select expires_at from procedure_attachments where tenant_id = $1', [w.tenant.id]);
    assert.equal(expiry.expires_at.toISOString(), saved.json().expiresAt, 'the file is kept as long as the draft');
    const opened = (await w.api('GET', `/api/v1/my/procedure-drafts/${saved.json().id}`, w.citizen)).json();
    assert.equal(opened.formKey, formKey);
    const res = await w.api('POST', `/api/v1/procedures/${code}/applications`, w.citizen, { answers: { fullName: '前橋 花子' }, formKey: opened.formKey, draft: opened.id });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal((await w.api('GET', `/api/v1/my/procedure-drafts/${opened.id}`, w.citizen)).statusCode, 404, 'the draft is done with');
    assert.equal((await w.api('GET', `/api/v1/my/applications/${res.json().receiptNumber}`, w.citizen)).json().answers.proof.filename, 'a.pdf');
  });

  it('limits the uploads of one client', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w, { code: 'api-limit', fields: FIELDS });
    const statuses: number[] = [];
    // Counted before the body is read: the refused content type still counts.
    for (let i = 0; i <= UPLOAD_RATE_LIMITS.perClient.limit; i++) {
      const res = await ctx.app.inject({ method: 'POST', url: `/api/v1/procedures/${code}/uploads`, remoteAddress: '10.8.0.1', headers: { host: w.tenant.host, accept: 'application/json', 'content-type': 'application/json' }, payload: '{}' });
      statuses.push(res.statusCode);
    }
    assert.equal(statuses.filter((s) => s === 415).length, UPLOAD_RATE_LIMITS.perClient.limit);
    assert.equal(statuses.at(-1), 429);
  });
});

describe('files in a one-stop bundle', () => {
  async function bundle(w: World) {
    // 転出届 (市民協働課) and a change of 国民健康保険 (資産経営課), both asking the same proof of identity.
    const proof = { name: 'proof', type: 'file', label: '本人確認書類', required: true, shared: true, accept: ['pdf', 'png'], maxBytes: 2000 };
    await publishedProcedure(w, { code: 'tenshutsu', fields: [{ name: 'fullName', type: 'text', label: '氏名', required: true, shared: true }, proof] });
    const created = await w.api('POST', '/api/v1/procedures', w.shisan, {
      code: 'kokuho',
      title: '国民健康保険の資格喪失',
      department: 'shisan-keiei',
      identity: 'none',
      retentionYears: 5,
      fields: [{ name: 'fullName', type: 'text', label: '氏名', required: true, shared: true }, proof, { name: 'card', type: 'file', label: '保険証の写し', accept: ['png'] }],
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal((await w.api('POST', '/api/v1/procedures/kokuho/publish', w.shisan, {})).statusCode, 200);
    assert.equal((await w.api('POST', '/api/v1/procedure-bundles', w.kyodo, { code: 'moving', title: '引っ越し', procedures: ['tenshutsu', 'kokuho'] })).statusCode, 201);
  }
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

  it('gives each procedure of the bundle its own sealed copy of a shared file, each in its own department', async () => {
    const w = await world(ctx);
    await bundle(w);
    const m = marker();
    const bytes = pdf(m);
    const up = await upload(w, '/api/v1/procedure-bundles/moving/uploads', [
      { name: 'proof', value: { filename: `免許証_${m}.pdf`, bytes } },
      { name: 'card', value: { filename: 'card.png', bytes: png } },
    ]);
    assert.equal(up.statusCode, 201, up.body);
    assert.deepEqual(up.json().files.map((f: { field: string }) => f.field), ['proof', 'card']);
    assert.equal((await attachmentRows(w)).length, 3, 'proof twice (one copy a procedure), card once');
    const res = await w.api('POST', '/api/v1/procedure-bundles/moving/applications', null, { answers: { fullName: '前橋 花子' }, formKey: up.json().formKey });
    assert.equal(res.statusCode, 201, res.body);
    const [tenshutsu, kokuho] = res.json().applications as { procedure: string; receiptNumber: string }[];
    const a = (await w.api('GET', `/api/v1/applications/${tenshutsu!.receiptNumber}`, w.kyodo)).json();
    const b = (await w.api('GET', `/api/v1/applications/${kokuho!.receiptNumber}`, w.shisan)).json();
    assert.equal(a.answers.proof.filename, `免許証_${m}.pdf`);
    assert.equal(a.answers.card, undefined, '転出届 asks no insurance card');
    assert.equal(b.answers.proof.filename, `免許証_${m}.pdf`);
    assert.equal(b.answers.card.filename, 'card.png');
    assert.notEqual(a.answers.proof.file, b.answers.proof.file, 'separate copies');
    assert.deepEqual((await w.api('GET', `/api/v1/applications/${tenshutsu!.receiptNumber}/attachments/${a.answers.proof.file}`, w.kyodo)).rawPayload, bytes);
    assert.deepEqual((await w.api('GET', `/api/v1/applications/${kokuho!.receiptNumber}/attachments/${b.answers.proof.file}`, w.shisan)).rawPayload, bytes);
    // Neither department reads the other's copy.
    assert.equal((await w.api('GET', `/api/v1/applications/${kokuho!.receiptNumber}/attachments/${b.answers.proof.file}`, w.kyodo)).statusCode, 404);
    assert.equal((await w.api('GET', `/api/v1/applications/${tenshutsu!.receiptNumber}`, w.shisan)).statusCode, 404);
    const rows = await attachmentRows(w);
    assert.ok(rows.every((r) => r.application_id !== null), 'all linked');
    assert.ok(rows.every((r) => !Buffer.from(r.content_sealed).includes(Buffer.from(m))), 'sealed');
  });

  it('makes one application a procedure under 20 concurrent retries of a bundle with files', async () => {
    const w = await world(ctx);
    await bundle(w);
    const up = await upload(w, '/api/v1/procedure-bundles/moving/uploads', [{ name: 'proof', value: { filename: 'proof.pdf', bytes: pdf('proof') } }]);
    assert.equal(up.statusCode, 201, up.body);
    const body = { answers: { fullName: '前橋 花子' }, formKey: up.json().formKey };
    const tries = await Promise.all(Array.from({ length: 20 }, () => w.api('POST', '/api/v1/procedure-bundles/moving/applications', null, body, { 'idempotency-key': 'moving-retry' })));
    assert.deepEqual([...new Set(tries.map((r) => r.statusCode))], [201], tries.map((r) => r.body).join('\n'));
    assert.equal(new Set(tries.map((r) => r.json().bundleReceipt)).size, 1);
    assert.equal(new Set(tries.map((r) => JSON.stringify(r.json().applications.map((a: { receiptNumber: string }) => a.receiptNumber)))).size, 1);
    assert.equal(await applicationCount(w), 2);
    const rows = await attachmentRows(w);
    assert.equal(rows.length, 2);
    assert.ok(rows.every((r) => r.application_id !== null));
  });

  it('refuses a bundle application without its required file, and an upload one of its forms refuses, storing nothing', async () => {
    const w = await world(ctx);
    await bundle(w);
    const missing = await w.api('POST', '/api/v1/procedure-bundles/moving/applications', null, { answers: { fullName: '前橋 花子' } });
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(missing.json().errors.map((e: { path: string }) => e.path), ['answers.proof']);
    const wrong = await upload(w, '/api/v1/procedure-bundles/moving/uploads', [
      { name: 'proof', value: { filename: 'ok.pdf', bytes: pdf('ok') } },
      { name: 'card', value: { filename: 'card.pdf', bytes: pdf('card') } },
    ], { lang: 'en' });
    assert.equal(wrong.statusCode, 400);
    assert.deepEqual(wrong.json().errors, [{ path: 'card', message: 'The file for 保険証の写し must be one of: PNG image' }]);
    assert.equal((await attachmentRows(w)).length, 0);
    assert.equal(await applicationCount(w), 0);
  });
});
