/**
 * File fields over HTTP on a real database: a file uploaded with the apply form (multipart,
 * no JavaScript) survives the check-your-answers step as a sealed pending upload and goes with
 * the application; a wrong kind or a file too large is refused naming the field in the
 * reader's language (Japanese, English) and nothing is stored; only the applicant and the
 * handling department may download it (each staff download audited); the content is never in
 * the database in the clear; the retention purge removes it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { randomToken } from '../../core/crypto.ts';
import { startTestApp, TestClient, type TestContext } from '../../testing/harness.ts';
import { purgePersonalData } from './procedures.jobs.ts';
import { multipart, publishedProcedure, world, type Part, type World } from './procedures.testing.ts';

let ctx: TestContext;
const clock = new ManualClock('2026-06-01T01:00:00Z');

before(async () => {
  ctx = await startTestApp({ clock });
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

const formKeyOf = (html: string) => /name="formKey" value="([^"]+)"/.exec(html)![1]!;

/** An anonymous applicant's browser on the apply form of code. */
async function applicant(w: World, code: string) {
  const client = new TestClient(ctx.app, w.tenant.host);
  const form = await client.get(`/procedures/${code}/apply`);
  assert.equal(form.statusCode, 200);
  const formKey = formKeyOf(form.body);
  const csrf = await client.csrfToken();
  const post = (parts: Part[], query = '') => {
    const { payload, contentType } = multipart([{ name: '_csrf', value: csrf }, { name: 'formKey', value: formKey }, ...parts]);
    return client.request({ method: 'POST', url: `/procedures/${code}/apply${query}`, payload, headers: { 'content-type': contentType, accept: 'text/html' } });
  };
  return { client, form, formKey, csrf, post };
}

async function attachments(w: World) {
  return ctx.db.query<{ application_id: string | null; content_sealed: Uint8Array; filename_sealed: string }>(
    'select application_id, content_sealed, filename_sealed from procedure_attachments where tenant_id = $1',
    [w.tenant.id],
  );
}

/** Applies through the pages with a PDF attached; returns the receipt, password, marker and the file's bytes. */
async function applyWithFile(w: World, code: string) {
  const marker = `Zq${randomToken(8).replace(/[^A-Za-z0-9]/g, 'x')}`;
  const bytes = pdf(marker);
  const a = await applicant(w, code);
  const check = await a.post([
    { name: 'page', value: '1' },
    { name: 'a_fullName', value: '前橋 花子' },
    { name: 'a_proof', value: { filename: `免許証_${marker}.pdf`, bytes } },
    { name: 'intent', value: 'next' },
  ]);
  assert.equal(check.statusCode, 200, check.body.slice(0, 2000));
  const done = await a.client.submit(`/procedures/${code}/apply`, { formKey: a.formKey, page: '1', a_fullName: '前橋 花子', intent: 'submit' }, { csrf: a.csrf });
  assert.equal(done.statusCode, 201, done.body.slice(0, 2000));
  const [receiptNumber, password] = [...done.body.matchAll(/<dd><strong>([^<]+)<\/strong><\/dd>/g)].map((m) => m[1]!);
  return { receiptNumber: receiptNumber!, password: password!, marker, bytes, check, client: a.client };
}

describe('file fields', () => {
  it('draws a file input on a multipart form that works without JavaScript', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w, { code: 'file-form', fields: FIELDS });
    const { form } = await applicant(w, code);
    assert.match(form.body, /<form method="post" action="\/procedures\/file-form\/apply" enctype="multipart\/form-data"/);
    assert.match(form.body, /<input class="field__input" id="a_proof" name="a_proof" type="file" accept="application\/pdf,image\/png"/);
  });

  it('keeps an uploaded file through the check page, shows its name and size, and gives it to the application sealed', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w, { code: 'file-ok', fields: FIELDS });
    const r = await applyWithFile(w, code);
    assert.ok(r.check.body.includes(`免許証_${r.marker}.pdf（${r.bytes.length} B）`), 'the check page names the file and its size');
    const rows = await attachments(w);
    assert.equal(rows.length, 1);
    assert.ok(rows[0]!.application_id, 'linked to the application');
    assert.equal(Buffer.from(rows[0]!.content_sealed).includes(Buffer.from(r.marker)), false);
    assert.equal(rows[0]!.filename_sealed.includes(r.marker), false);
    const view = (await w.api('GET', `/api/v1/applications/${r.receiptNumber}`, w.kyodo)).json();
    assert.equal(view.answers.proof.filename, `免許証_${r.marker}.pdf`);
    assert.equal(view.answers.proof.size, r.bytes.length);
  });

  it('lets the handling department download it, audited as a read of personal data', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w, { code: 'file-staff', fields: FIELDS });
    const r = await applyWithFile(w, code);
    const id = (await w.api('GET', `/api/v1/applications/${r.receiptNumber}`, w.kyodo)).json().answers.proof.file as string;
    const got = await w.api('GET', `/api/v1/applications/${r.receiptNumber}/attachments/${id}`, w.kyodo);
    assert.equal(got.statusCode, 200);
    assert.deepEqual(got.rawPayload, r.bytes);
    assert.equal(got.headers['content-type'], 'application/pdf');
    assert.match(String(got.headers['content-disposition']), /^attachment;/);
    assert.equal(got.headers['cache-control'], 'private, no-store');
    const page = await w.api('GET', `/staff/applications/${r.receiptNumber}/attachments/${id}`, w.kyodo, undefined, { accept: 'text/html' });
    assert.equal(page.statusCode, 200);
    const audit = await ctx.db.query<{ details: string }>(`select details from audit_log where tenant_id = $1 and action = 'procedure.application.attachment.read'`, [w.tenant.id]);
    assert.equal(audit.length, 2);
    assert.equal(JSON.parse(audit[0]!.details).personalData, true);
    assert.equal(audit[0]!.details.includes(r.marker), false);
    // The case page links to it.
    assert.ok((await w.api('GET', `/staff/applications/${r.receiptNumber}`, w.kyodo, undefined, { accept: 'text/html' })).body.includes(`/attachments/${id}`));
  });

  it('refuses another department, the anonymous and another citizen; the applicant gets it with the receipt number and password', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w, { code: 'file-deny', fields: FIELDS });
    const r = await applyWithFile(w, code);
    const id = (await w.api('GET', `/api/v1/applications/${r.receiptNumber}`, w.kyodo)).json().answers.proof.file as string;
    assert.equal((await w.api('GET', `/api/v1/applications/${r.receiptNumber}/attachments/${id}`, w.shisan)).statusCode, 404);
    assert.equal((await w.api('GET', `/staff/applications/${r.receiptNumber}/attachments/${id}`, w.shisan)).statusCode, 404);
    assert.equal((await w.api('GET', `/api/v1/applications/${r.receiptNumber}/attachments/${id}`, null)).statusCode, 401);
    assert.equal((await w.api('GET', `/api/v1/my/applications/${r.receiptNumber}/attachments/${id}`, w.citizen)).statusCode, 404);
    assert.equal((await w.api('POST', '/api/v1/inquiries/attachment', null, { receiptNumber: r.receiptNumber, password: 'AAAA-AAAA-AAAA-AAAA', attachment: id })).statusCode, 404);
    const mine = await w.api('POST', '/api/v1/inquiries/attachment', null, { receiptNumber: r.receiptNumber, password: r.password, attachment: id });
    assert.equal(mine.statusCode, 200);
    assert.deepEqual(mine.rawPayload, r.bytes);
    // The inquiry page offers it as a form (receipt number and password), no JavaScript needed.
    const inquiry = await r.client.submit('/inquiry', { receiptNumber: r.receiptNumber, password: r.password });
    assert.equal(inquiry.statusCode, 200);
    assert.ok(inquiry.body.includes(`action="/inquiry/attachments/${id}"`));
    const viaPage = await r.client.submit(`/inquiry/attachments/${id}`, { receiptNumber: r.receiptNumber, password: r.password });
    assert.equal(viaPage.statusCode, 200);
    assert.deepEqual(viaPage.rawPayload, r.bytes);
  });

  it('refuses a file of the wrong kind, naming the field in Japanese and in English, and stores nothing', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w, { code: 'file-kind', fields: FIELDS });
    const a = await applicant(w, code);
    const parts = [
      { name: 'page', value: '1' },
      { name: 'a_fullName', value: '前橋 花子' },
      { name: 'a_proof', value: { filename: 'proof.pdf', bytes: Buffer.from('just some text pretending to be a PDF') } },
      { name: 'intent', value: 'next' },
    ];
    const ja = await a.post(parts);
    assert.equal(ja.statusCode, 400);
    assert.ok(ja.body.includes('本人確認書類に添付できるファイルの形式は PDF・PNG画像 です'), 'Japanese');
    assert.ok(ja.body.includes('href="#a_proof"'), 'the error summary links to the field');
    const en = await a.post(parts, '?lang=en');
    assert.equal(en.statusCode, 400);
    assert.ok(en.body.includes('The file for 本人確認書類 must be one of: PDF, PNG image'), 'English');
    assert.equal((await attachments(w)).length, 0);
  });

  it('refuses a file too large for its field, naming the field, and stores nothing', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w, { code: 'file-big', fields: FIELDS });
    const a = await applicant(w, code);
    const big = await a.post([
      { name: 'page', value: '1' },
      { name: 'a_fullName', value: '前橋 花子' },
      { name: 'a_proof', value: { filename: 'proof.pdf', bytes: pdf('big', 3000) } },
      { name: 'intent', value: 'next' },
    ]);
    assert.equal(big.statusCode, 400);
    assert.ok(big.body.includes('本人確認書類のファイルは2 KB以下にしてください'), big.body.slice(0, 3000));
    assert.equal((await attachments(w)).length, 0);
    // Without the file the form asks for it.
    const none = await a.post([{ name: 'page', value: '1' }, { name: 'a_fullName', value: '前橋 花子' }, { name: 'intent', value: 'next' }]);
    assert.ok(none.body.includes('本人確認書類を入力してください'));
  });

  it('refuses a file sent as a JSON answer, naming the field', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w, { code: 'file-json', fields: FIELDS });
    const res = await w.api('POST', `/api/v1/procedures/${code}/applications`, null, { answers: { fullName: '前橋 花子', proof: { file: '00000000-0000-4000-8000-000000000000', filename: 'x.pdf', size: 1, mediaType: 'application/pdf' } } });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json().errors.map((e: { path: string }) => e.path), ['answers.proof']);
    assert.equal((await ctx.db.one<{ n: number }>('select count(*)::int as n from procedure_applications where tenant_id = $1', [w.tenant.id])).n, 0);
  });

  it('removes attachments with the personal data at the end of retention, and pending uploads nobody submitted', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w, { code: 'file-purge', fields: FIELDS, retentionYears: 1 });
    const r = await applyWithFile(w, code);
    // A form left on the check page: its upload is pending.
    const left = await applicant(w, code);
    const check = await left.post([{ name: 'page', value: '1' }, { name: 'a_fullName', value: '前橋 太郎' }, { name: 'a_proof', value: { filename: 'left.pdf', bytes: pdf('left') } }, { name: 'intent', value: 'next' }]);
    assert.equal(check.statusCode, 200);
    assert.equal((await attachments(w)).length, 2);
    await purgePersonalData(ctx.db, new Date('2026-06-03T01:00:00Z'));
    const kept = await attachments(w);
    assert.equal(kept.length, 1, 'the pending upload expired');
    assert.ok(kept[0]!.application_id);
    await purgePersonalData(ctx.db, new Date('2027-06-02T01:00:00Z'));
    assert.equal((await attachments(w)).length, 0);
    const view = (await w.api('GET', `/api/v1/applications/${r.receiptNumber}`, w.kyodo)).json();
    assert.equal(view.purged, true);
  });

  it('keeps the attached file when a returned application is corrected', async () => {
    const w = await world(ctx);
    const code = await publishedProcedure(w, { code: 'file-fix', fields: FIELDS });
    const r = await applyWithFile(w, code);
    const staff = (path: string, body: unknown) => w.api('POST', `/api/v1/applications/${r.receiptNumber}/${path}`, w.kyodo, body);
    assert.equal((await staff('status', { to: 'processing' })).statusCode, 200);
    assert.equal((await staff('status', { to: 'returned', fields: ['fullName'] })).statusCode, 200);
    const fixed = await w.api('POST', '/api/v1/inquiries/correct', null, { receiptNumber: r.receiptNumber, password: r.password, answers: { fullName: '前橋 花子（訂正）' } });
    assert.equal(fixed.statusCode, 200, fixed.body);
    assert.equal(fixed.json().answers.proof.size, r.bytes.length);
  });
});

describe('file fields in a one-stop bundle’s pages', () => {
  /** 転出届 (市民協働課) and 国民健康保険 (資産経営課) share 氏名 and the proof of identity; only the latter asks for the insurance card. */
  async function movingBundle(w: World) {
    const proof = { name: 'proof', type: 'file', label: '本人確認書類', required: true, shared: true, accept: ['pdf', 'png'], maxBytes: 2000 };
    const fullName = { name: 'fullName', type: 'text', label: '氏名', required: true, shared: true };
    await publishedProcedure(w, { code: 'tenshutsu', title: '転出届', fields: [fullName, proof] });
    const created = await w.api('POST', '/api/v1/procedures', w.shisan, {
      code: 'kokuho',
      title: '国民健康保険の資格喪失',
      department: 'shisan-keiei',
      identity: 'none',
      retentionYears: 5,
      fields: [fullName, proof, { name: 'card', type: 'file', label: '保険証の写し', accept: ['pdf'], page: 2 }],
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal((await w.api('POST', '/api/v1/procedures/kokuho/publish', w.shisan, {})).statusCode, 200);
    assert.equal((await w.api('POST', '/api/v1/procedure-bundles', w.kyodo, { code: 'moving', title: '引っ越しの手続', procedures: ['tenshutsu', 'kokuho'] })).statusCode, 201);
  }

  async function bundleApplicant(w: World) {
    const client = new TestClient(ctx.app, w.tenant.host);
    const list = await client.get('/procedures');
    assert.ok(list.body.includes('href="/procedures/bundles/moving/apply"'), 'the catalogue links the bundle');
    const form = await client.get('/procedures/bundles/moving/apply');
    assert.equal(form.statusCode, 200);
    const formKey = formKeyOf(form.body);
    const csrf = await client.csrfToken();
    const post = (parts: Part[], query = '') => {
      const { payload, contentType } = multipart([{ name: '_csrf', value: csrf }, { name: 'formKey', value: formKey }, ...parts]);
      return client.request({ method: 'POST', url: `/procedures/bundles/moving/apply${query}`, payload, headers: { 'content-type': contentType, accept: 'text/html' } });
    };
    return { client, form, formKey, csrf, post };
  }

  it('asks a shared file once, keeps it through the pages and the check page, and gives each procedure’s department its own sealed copy', async () => {
    const w = await world(ctx);
    await movingBundle(w);
    const a = await bundleApplicant(w);
    assert.match(a.form.body, /<form method="post" action="\/procedures\/bundles\/moving\/apply" enctype="multipart\/form-data"/);
    assert.equal([...a.form.body.matchAll(/name="a_proof"/g)].length, 1, 'the shared file is asked once');
    const marker = `Zq${randomToken(8).replace(/[^A-Za-z0-9]/g, 'x')}`;
    const bytes = pdf(marker);
    const page2 = await a.post([{ name: 'page', value: '1' }, { name: 'a_fullName', value: '前橋 花子' }, { name: 'a_proof', value: { filename: `免許証_${marker}.pdf`, bytes } }, { name: 'intent', value: 'next' }]);
    assert.equal(page2.statusCode, 200, page2.body.slice(0, 2000));
    assert.ok(page2.body.includes('name="a_card"'), 'page 2 asks the insurance card');
    const card = pdf('card');
    const check = await a.post([{ name: 'page', value: '2' }, { name: 'a_fullName', value: '前橋 花子' }, { name: 'a_card', value: { filename: 'card.pdf', bytes: card } }, { name: 'intent', value: 'next' }]);
    assert.equal(check.statusCode, 200, check.body.slice(0, 2000));
    assert.ok(check.body.includes(`免許証_${marker}.pdf（${bytes.length} B）`), 'the check page names the shared file');
    assert.ok(check.body.includes('card.pdf'));
    const done = await a.client.submit('/procedures/bundles/moving/apply', { formKey: a.formKey, page: '2', a_fullName: '前橋 花子', intent: 'submit' }, { csrf: a.csrf });
    assert.equal(done.statusCode, 201, done.body.slice(0, 2000));
    const strong = [...done.body.matchAll(/<dd><strong>([^<]+)<\/strong><\/dd>/g)].map((m) => m[1]!);
    assert.equal(strong.length, 4, 'a receipt number and a password for each procedure');
    const [tenshutsu, , kokuho] = strong;
    const a1 = (await w.api('GET', `/api/v1/applications/${tenshutsu}`, w.kyodo)).json();
    const a2 = (await w.api('GET', `/api/v1/applications/${kokuho}`, w.shisan)).json();
    assert.equal(a1.bundleReceipt, tenshutsu);
    assert.equal(a2.bundleReceipt, tenshutsu);
    assert.equal(a1.answers.proof.filename, `免許証_${marker}.pdf`);
    assert.equal(a1.answers.card, undefined);
    assert.equal(a2.answers.card.filename, 'card.pdf');
    assert.notEqual(a1.answers.proof.file, a2.answers.proof.file);
    assert.deepEqual((await w.api('GET', `/api/v1/applications/${kokuho}/attachments/${a2.answers.proof.file}`, w.shisan)).rawPayload, bytes);
    assert.equal((await w.api('GET', `/api/v1/applications/${kokuho}/attachments/${a2.answers.proof.file}`, w.kyodo)).statusCode, 404);
    const rows = await attachments(w);
    assert.equal(rows.length, 3);
    assert.ok(rows.every((r) => r.application_id && !Buffer.from(r.content_sealed).includes(Buffer.from(marker))));
    // The same form posted again (a double click) is the same applications.
    const again = await a.client.submit('/procedures/bundles/moving/apply', { formKey: a.formKey, page: '2', a_fullName: '前橋 花子', intent: 'submit' }, { csrf: a.csrf });
    assert.equal(again.statusCode, 201);
    assert.ok(again.body.includes(tenshutsu!));
    assert.equal((await ctx.db.one<{ n: number }>('select count(*)::int as n from procedure_applications where tenant_id = $1', [w.tenant.id])).n, 2);
  });

  it('refuses a file one of the bundle’s forms does not take, naming the field, and asks for the required file', async () => {
    const w = await world(ctx);
    await movingBundle(w);
    const a = await bundleApplicant(w);
    const wrong = await a.post([{ name: 'page', value: '1' }, { name: 'a_fullName', value: '前橋 花子' }, { name: 'a_proof', value: { filename: 'proof.pdf', bytes: Buffer.from('not a pdf at all') } }, { name: 'intent', value: 'next' }]);
    assert.equal(wrong.statusCode, 400);
    assert.ok(wrong.body.includes('本人確認書類に添付できるファイルの形式は PDF・PNG画像 です'));
    assert.ok(wrong.body.includes('href="#a_proof"'));
    assert.equal((await attachments(w)).length, 0);
    const none = await a.post([{ name: 'page', value: '1' }, { name: 'a_fullName', value: '前橋 花子' }, { name: 'intent', value: 'next' }]);
    assert.ok(none.body.includes('本人確認書類を入力してください'));
    const submit = await a.client.submit('/procedures/bundles/moving/apply', { formKey: a.formKey, page: '2', a_fullName: '前橋 花子', intent: 'submit' }, { csrf: a.csrf });
    assert.ok(submit.body.includes('本人確認書類を入力してください'));
    assert.equal((await ctx.db.one<{ n: number }>('select count(*)::int as n from procedure_applications where tenant_id = $1', [w.tenant.id])).n, 0);
  });
});
