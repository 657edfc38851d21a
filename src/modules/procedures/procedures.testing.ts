/**
 * Test support for the procedures tests: a fresh municipality with the demo departments, staff
 * of two departments, a citizen, a JSON client, and a small published procedure.
 */
import type { LightMyRequestResponse } from 'fastify';
import type { Role } from '../../core/auth.ts';
import { randomToken } from '../../core/crypto.ts';
import { ensureDepartment } from '../../core/tenancy.ts';
import { DEMO_DEPARTMENTS } from '../../seed.ts';
import { makeUser, type TestUser } from '../../testing/factories.ts';
import { newTenant, type TestContext, type TestTenant } from '../../testing/harness.ts';

export interface World {
  tenant: TestTenant;
  citizen: TestUser;
  /** Staff of 市民協働課 and of 資産経営課. */
  kyodo: TestUser;
  shisan: TestUser;
  admin: TestUser;
  api(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, user?: TestUser | null, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  user(role: Role, departmentCode?: string): Promise<TestUser>;
}

export async function world(ctx: TestContext): Promise<World> {
  const tenant = await newTenant(ctx.db);
  for (const d of DEMO_DEPARTMENTS) await ensureDepartment(ctx.db, tenant.id, d);
  const user = (role: Role, departmentCode?: string) => makeUser(ctx.db, tenant, role, departmentCode ? { departmentCode } : {});
  const [citizen, kyodo, shisan, admin] = await Promise.all([user('citizen'), user('staff', 'shimin-kyodo'), user('staff', 'shisan-keiei'), user('admin', 'joho-seisaku')]);
  let ip = 0;
  const api: World['api'] = (method, url, who, body, headers = {}) =>
    ctx.app.inject({
      method,
      url,
      // Each call from its own address unless a test names one (rate limits are per client).
      remoteAddress: `10.0.${Math.floor(++ip / 250) % 250}.${ip % 250}`,
      headers: {
        host: tenant.host,
        accept: 'application/json',
        ...(who ? { authorization: `Bearer ${who.token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
  return { tenant, citizen, kyodo, shisan, admin, api, user };
}

/** A procedure body like the contract check's, with more field types. */
export function procedureBody(overrides: Record<string, unknown> = {}) {
  return {
    code: 'test-proc',
    title: '住民票の写しの請求',
    department: 'shimin-kyodo',
    identity: 'none',
    retentionYears: 5,
    fields: [
      { name: 'fullName', type: 'text', label: '氏名', required: true, maxLength: 40 },
      { name: 'birthDate', type: 'date', label: '生年月日', required: true },
      { name: 'email', type: 'email', label: 'メールアドレス' },
      { name: 'copies', type: 'number', label: '通数', required: true, min: 1, max: 10, page: 2 },
      { name: 'purpose', type: 'select', label: '使用目的', required: true, page: 2, options: [{ value: 'pension', label: '年金' }, { value: 'other', label: 'その他' }] },
      { name: 'purposeOther', type: 'text', label: 'その他の内容', required: true, page: 2, showIf: { field: 'purpose', equals: 'other' } },
    ],
    ...overrides,
  };
}

export const goodAnswers = { fullName: '前橋 花子', birthDate: 'S60.4.1', email: 'hanako@example.jp', copies: 2, purpose: 'pension' };

/** Creates and publishes a procedure as 市民協働課 staff; returns its code. */
export async function publishedProcedure(w: World, overrides: Record<string, unknown> = {}): Promise<string> {
  const body = procedureBody(overrides);
  const created = await w.api('POST', '/api/v1/procedures', w.kyodo, body);
  if (created.statusCode !== 201) throw new Error(`create answered ${created.statusCode}: ${created.body}`);
  const published = await w.api('POST', `/api/v1/procedures/${body.code}/publish`, w.kyodo, {});
  if (published.statusCode !== 200) throw new Error(`publish answered ${published.statusCode}: ${published.body}`);
  return body.code;
}

/** Applies anonymously; returns the receipt number and password. */
export async function apply(w: World, code: string, answers: Record<string, unknown> = goodAnswers, headers: Record<string, string> = {}): Promise<{ receiptNumber: string; password: string }> {
  const res = await w.api('POST', `/api/v1/procedures/${code}/applications`, null, { answers }, headers);
  if (res.statusCode !== 201) throw new Error(`apply answered ${res.statusCode}: ${res.body}`);
  return res.json();
}

export interface Part {
  name: string;
  value: string | { filename: string; bytes: Buffer };
}

/** A multipart/form-data body as a browser sends it. */
export function multipart(parts: Part[]): { payload: Buffer; contentType: string } {
  const boundary = `----hibiki${randomToken(8).replace(/[^A-Za-z0-9]/g, 'x')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    if (typeof p.value === 'string') {
      chunks.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${p.name}"\r\n\r\n${p.value}\r\n`, 'utf8'));
    } else {
      chunks.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${p.name}"; filename="${p.value.filename}"\r\ncontent-type: application/octet-stream\r\n\r\n`, 'utf8'), p.value.bytes, Buffer.from('\r\n'));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

