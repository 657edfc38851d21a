/**
 * Personal data stays sealed: a seeded personal value (a name and an address sent as answers,
 * a message quoting them, files attached through the pages and through the API) appears in no log line of the whole run, nowhere in the embedded
 * database's files, and nowhere in a pg_dump of PostgreSQL; a key rotation re-seals old records
 * under the new key and they still open.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildApp } from '../../app.ts';
import { openPglite, type Db } from '../../core/db/database.ts';
import { randomToken } from '../../core/crypto.ts';
import { makeUser } from '../../testing/factories.ts';
import { freshDatabase, newTenant, testConfig, TestClient } from '../../testing/harness.ts';
import { composePlatform, migratePlatform } from '../../platform.ts';
import { rotateKeys } from './procedures.jobs.ts';
import { currentKeyId } from './procedures.secrets.ts';
import { multipart } from './procedures.testing.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => statSync(f).isFile());
}

/** Runs a whole application's life on db with logging at debug; returns the log lines and the markers. */
async function lifeOfAnApplication(db: Db, env: Record<string, string> = {}) {
  const lines: string[] = [];
  const config = testConfig({ LOG_LEVEL: 'debug', ...env });
  const app = await buildApp({ db, config, logger: true, logStream: { write: (l) => void lines.push(l) } });
  await app.ready();
  const marker = `Zq${randomToken(8).replace(/[^A-Za-z0-9]/g, 'x')}`;
  const name = `秘匿${marker}`;
  const address = `前橋市大手町${marker}番地`;
  try {
    const tenant = await newTenant(db);
    const staff = await makeUser(db, tenant, 'staff', { departmentCode: 'shimin' });
    const api = (method: 'GET' | 'POST', url: string, body?: unknown, token?: string) =>
      app.inject({
        method,
        url,
        headers: { host: tenant.host, accept: 'application/json', 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body ? { payload: JSON.stringify(body) } : {}),
      });
    const fields = [
      { name: 'fullName', type: 'text', label: '氏名', required: true },
      { name: 'address', type: 'postal', label: '住所', required: true },
      { name: 'age', type: 'number', label: '年齢', required: true, max: 150 },
    ];
    assert.equal((await api('POST', '/api/v1/procedures', { code: 'secret', title: '秘密の手続', department: 'shimin', identity: 'none', retentionYears: 1, fields }, staff.token)).statusCode, 201);
    await api('POST', '/api/v1/procedures/secret/publish', {}, staff.token);
    // A refused application (the value is in the body, not in the answer).
    assert.equal((await api('POST', '/api/v1/procedures/secret/applications', { answers: { fullName: name, address: { postalCode: '371-8601', address }, age: 999 } })).statusCode, 400);
    const r = await api('POST', '/api/v1/procedures/secret/applications', { answers: { fullName: name, address: { postalCode: '371-8601', address }, age: 40 } });
    assert.equal(r.statusCode, 201);
    const { receiptNumber, password } = r.json();
    assert.equal((await api('POST', '/api/v1/inquiries', { receiptNumber, password })).json().answers.fullName, name);
    assert.equal((await api('GET', `/api/v1/applications/${receiptNumber}`, undefined, staff.token)).json().answers.address.address, address);
    await api('POST', `/api/v1/applications/${receiptNumber}/status`, { to: 'processing', message: `${name}様、確認中です` }, staff.token);
    // A file attached through the apply pages (its name and content hold the marker).
    const fileFields = [{ name: 'fullName', type: 'text', label: '氏名', required: true }, { name: 'proof', type: 'file', label: '添付', required: true, accept: ['pdf'] }];
    assert.equal((await api('POST', '/api/v1/procedures', { code: 'secret-file', title: '添付の手続', department: 'shimin', identity: 'none', retentionYears: 1, fields: fileFields }, staff.token)).statusCode, 201);
    await api('POST', '/api/v1/procedures/secret-file/publish', {}, staff.token);
    const browser = new TestClient(app, tenant.host);
    const form = await browser.get('/procedures/secret-file/apply');
    const formKey = /name="formKey" value="([^"]+)"/.exec(form.body)![1]!;
    const csrf = await browser.csrfToken();
    const upload = multipart([
      { name: '_csrf', value: csrf },
      { name: 'formKey', value: formKey },
      { name: 'page', value: '1' },
      { name: 'a_fullName', value: name },
      { name: 'a_proof', value: { filename: `${marker}.pdf`, bytes: Buffer.from(`%PDF-1.4\n%${marker}\n%%EOF\n`, 'latin1') } },
      { name: 'intent', value: 'next' },
    ]);
    assert.equal((await browser.request({ method: 'POST', url: '/procedures/secret-file/apply', payload: upload.payload, headers: { 'content-type': upload.contentType, accept: 'text/html' } })).statusCode, 200);
    assert.equal((await browser.submit('/procedures/secret-file/apply', { formKey, page: '1', a_fullName: name, intent: 'submit' }, { csrf })).statusCode, 201);
    // Files through the JSON API: one refused (a text file posing as a PDF), one uploaded and taken by a JSON application.
    const viaApi = (filename: string, bytes: Buffer) => {
      const body = multipart([{ name: 'proof', value: { filename, bytes } }]);
      return app.inject({ method: 'POST', url: '/api/v1/procedures/secret-file/uploads', headers: { host: tenant.host, accept: 'application/json', 'content-type': body.contentType }, payload: body.payload });
    };
    assert.equal((await viaApi(`bad-${marker}.pdf`, Buffer.from(`not a pdf ${marker}`))).statusCode, 400);
    const uploaded = await viaApi(`api-${marker}.pdf`, Buffer.from(`%PDF-1.4\n%api-${marker}\n%%EOF\n`, 'latin1'));
    assert.equal(uploaded.statusCode, 201, uploaded.body);
    assert.equal((await api('POST', '/api/v1/procedures/secret-file/applications', { answers: { fullName: name }, formKey: uploaded.json().formKey })).statusCode, 201);
    // A key rotation: the records sealed under the old key are re-sealed under the new one.
    const rotated = testConfig({ HIBIKI_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'), HIBIKI_PREVIOUS_ENCRYPTION_KEYS: config.encryptionKey.toString('base64') });
    assert.ok((await rotateKeys({ config: rotated }, db)) >= 4);
    const keys = await db.query<{ key_id: string }>('select distinct key_id from procedure_applications where tenant_id = $1', [tenant.id]);
    assert.deepEqual(keys.map((k) => k.key_id), [currentKeyId(rotated)]);
    const fileKeys = await db.query<{ key_id: string }>('select distinct key_id from procedure_attachments where tenant_id = $1', [tenant.id]);
    assert.deepEqual(fileKeys.map((k) => k.key_id), [currentKeyId(rotated)]);
    return { lines, marker };
  } finally {
    await app.close();
  }
}

describe('personal data at rest and in the logs', () => {
  it('never appears in a log line nor in the embedded database files', { skip: process.env.DATABASE_URL ? 'PGlite only' : false, timeout: 120_000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hibiki-privacy-'));
    const db = await openPglite({ dataDir: dir });
    await migratePlatform(db, composePlatform());
    const { lines, marker } = await lifeOfAnApplication(db);
    await db.close();
    assert.ok(lines.length > 5, 'the run was logged');
    assert.deepEqual(lines.filter((l) => l.includes(marker)), []);
    const files = filesUnder(dir);
    assert.ok(files.length > 50, 'the data folder holds the database');
    const needle = Buffer.from(marker, 'utf8');
    assert.deepEqual(files.filter((f) => readFileSync(f).includes(needle)), []);
  });

  it('never appears in a pg_dump of PostgreSQL', { skip: process.env.DATABASE_URL ? false : 'PostgreSQL only', timeout: 120_000 }, async () => {
    // A database of its own: the rotation re-seals every municipality's records.
    const db = await freshDatabase();
    await migratePlatform(db, composePlatform());
    try {
      const { lines, marker } = await lifeOfAnApplication(db);
      assert.deepEqual(lines.filter((l) => l.includes(marker)), []);
      const dump = execFileSync('pg_dump', ['--data-only', db.url!], { maxBuffer: 1 << 30 });
      assert.ok(dump.includes(Buffer.from('procedure_applications')), 'the dump holds the applications');
      assert.equal(dump.includes(Buffer.from(marker, 'utf8')), false);
    } finally {
      await db.close();
    }
  });
});
