/**
 * Test support for the groups tests: a fresh municipality with the demo departments (and, when
 * asked, the chapter-6 plan with indicator 6-1-1 bound to groups.registered), people of each
 * role, a JSON client, and an application body as the contract check sends it.
 */
import type { LightMyRequestResponse } from 'fastify';
import type { Role } from '../../core/auth.ts';
import { ensureDepartment } from '../../core/tenancy.ts';
import { DEMO_DEPARTMENTS } from '../../seed.ts';
import { makeUser, type TestUser } from '../../testing/factories.ts';
import { newTenant, type TestContext, type TestTenant } from '../../testing/harness.ts';
import { demoPlanDocument } from '../plan/plan.seed.ts';
import { importPlan } from '../plan/plan.service.ts';

export interface World {
  tenant: TestTenant;
  citizen: TestUser;
  pm: TestUser;
  /** Staff of 市民協働課 (the registry) and of 資産経営課. */
  kyodo: TestUser;
  shisan: TestUser;
  api(method: 'GET' | 'POST', url: string, user?: TestUser | null, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  user(role: Role, departmentCode?: string): Promise<TestUser>;
}

export async function world(ctx: TestContext, options: { plan?: boolean } = {}): Promise<World> {
  const tenant = await newTenant(ctx.db);
  for (const d of DEMO_DEPARTMENTS) await ensureDepartment(ctx.db, tenant.id, d);
  if (options.plan) await importPlan(ctx.db, ctx.deps, tenant, { id: null, label: 'test' }, demoPlanDocument(), 'ja', { demoActuals: true });
  const user = (role: Role, departmentCode?: string) => makeUser(ctx.db, tenant, role, departmentCode ? { departmentCode } : {});
  const [citizen, pm, kyodo, shisan] = await Promise.all([user('citizen'), user('plan_manager', 'seisaku-suishin'), user('staff', 'shimin-kyodo'), user('staff', 'shisan-keiei')]);
  const api: World['api'] = (method, url, who, body, headers = {}) =>
    ctx.app.inject({
      method,
      url,
      headers: {
        host: tenant.host,
        accept: 'application/json',
        ...(who ? { authorization: `Bearer ${who.token}` } : {}),
        ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body) } : {}),
    });
  return { tenant, citizen, pm, kyodo, shisan, api, user };
}

/** An application as the contract check sends it. */
export function applicationBody(overrides: Record<string, unknown> = {}) {
  return {
    name: '前橋まちづくり契約の会',
    nameKana: 'マエバシマチヅクリケイヤクノカイ',
    legalForm: '任意団体',
    fields: [2, 3],
    area: '中央地区',
    purpose: 'まちづくり',
    activities: '清掃活動',
    foundedOn: '2020-04-01',
    members: 12,
    publicContact: 'contract@example.jp',
    privateContact: '090-0000-0000',
    ...overrides,
  };
}

/** Applies as the citizen (or another) and returns the id. */
export async function apply(w: World, overrides: Record<string, unknown> = {}, who: TestUser = w.citizen): Promise<string> {
  const res = await w.api('POST', '/api/v1/groups/applications', who, applicationBody(overrides));
  if (res.statusCode !== 201) throw new Error(`apply answered ${res.statusCode}: ${res.body}`);
  return res.json().id as string;
}

/** Applies and approves; returns the id, number and validUntil. */
export async function register(w: World, overrides: Record<string, unknown> = {}, who: TestUser = w.citizen): Promise<{ id: string; number: string; validUntil: string }> {
  const id = await apply(w, overrides, who);
  const res = await w.api('POST', `/api/v1/groups/${id}/approve`, w.kyodo, {});
  if (res.statusCode !== 200) throw new Error(`approve answered ${res.statusCode}: ${res.body}`);
  return { id, number: res.json().number as string, validUntil: res.json().validUntil as string };
}
