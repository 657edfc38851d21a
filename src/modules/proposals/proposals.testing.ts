/**
 * Test support for the proposals tests: a fresh municipality with the demo departments (and,
 * when asked, the chapter-6 plan: its sections, and indicator 6-1-2 bound to
 * proposals.implemented), people of every role, and a JSON client for the API.
 */
import type { LightMyRequestResponse } from 'fastify';
import { CSRF_COOKIE, csrfTokenFor, SESSION_COOKIE, type Role } from '../../core/auth.ts';
import { randomToken } from '../../core/crypto.ts';
import { ensureDepartment } from '../../core/tenancy.ts';
import { DEMO_DEPARTMENTS } from '../../seed.ts';
import { makeUser, type TestUser } from '../../testing/factories.ts';
import { newTenant, TestClient, type TestContext, type TestTenant } from '../../testing/harness.ts';
import { createSession } from '../accounts/accounts.sessions.ts';
import { demoPlanDocument } from '../plan/plan.seed.ts';
import { importPlan } from '../plan/plan.service.ts';

export interface World {
  tenant: TestTenant;
  citizen: TestUser;
  pm: TestUser;
  /** Staff of 市民協働課 and of 資産経営課. */
  kyodo: TestUser;
  shisan: TestUser;
  /** Calls the API as the given user (or anonymously). */
  api(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, user?: TestUser | null, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** Another user of a role in this municipality. */
  user(role: Role, departmentCode?: string): Promise<TestUser>;
}

/** A municipality with the demo departments and people of each role (and, with `plan`, the chapter-6 plan). */
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
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
  return { tenant, citizen, pm, kyodo, shisan, api, user };
}

/** A browser-like client signed in as the user (two-factor done), with its CSRF token. */
export async function browserFor(ctx: TestContext, tenant: TestTenant, user?: TestUser): Promise<{ client: TestClient; csrf: string }> {
  const client = new TestClient(ctx.app, tenant.host);
  const cookie = randomToken();
  client.jar.cookies.set(CSRF_COOKIE, cookie);
  if (user) client.jar.cookies.set(SESSION_COOKIE, await createSession(ctx.db, tenant.id, user.id, true));
  return { client, csrf: csrfTokenFor(ctx.config.secret, cookie) };
}

/** A proposal body as the contract check sends it. */
export function proposalBody(overrides: Record<string, unknown> = {}) {
  return {
    title: '駅前の公園にベンチを増やしてほしい',
    body: '高齢者が休める場所が少ないため、駅前の公園にベンチを増やしてください。',
    public: true,
    ...overrides,
  };
}

/** Submits a proposal as the citizen and returns its number. */
export async function submit(w: World, overrides: Record<string, unknown> = {}, who: TestUser = w.citizen): Promise<string> {
  const res = await w.api('POST', '/api/v1/proposals', who, proposalBody(overrides));
  if (res.statusCode !== 201) throw new Error(`submit answered ${res.statusCode}: ${res.body}`);
  return res.json().number as string;
}

/**
 * Takes a proposal as far as the named step, by the people entitled to each step; steps
 * already taken (or that do not apply, like publishing a private proposal) are skipped.
 */
export async function advance(
  w: World,
  number: string,
  to: 'published' | 'assigned' | 'answered' | 'approved' | 'implemented',
  options: { decision?: string; on?: string; department?: 'shimin-kyodo' | 'shisan-keiei' } = {},
): Promise<void> {
  const department = options.department ?? 'shimin-kyodo';
  const answerer = department === 'shimin-kyodo' ? w.kyodo : w.shisan;
  const state = (await w.api('GET', `/api/v1/staff/proposals/${number}`, w.pm)).json() as {
    wantsPublic: boolean;
    moderation: string;
    department: { code: string } | null;
    answer: { state: string } | null;
  };
  const done: Record<string, boolean> = {
    published: !state.wantsPublic || state.moderation !== 'pending',
    assigned: state.department !== null,
    answered: state.answer?.state === 'submitted' || state.answer?.state === 'approved',
    approved: state.answer?.state === 'approved',
    implemented: false,
  };
  const steps: [string, string, TestUser, unknown][] = [
    ['published', 'moderate', w.pm, { publish: true }],
    ['assigned', 'assign', w.pm, { department }],
    ['answered', 'answer', answerer, { decision: options.decision ?? 'adopt', text: 'ベンチを2基増設します。' }],
    ['approved', 'approve-answer', w.pm, {}],
    ['implemented', 'implement', answerer, { on: options.on }],
  ];
  for (const [name, action, who, body] of steps) {
    if (!done[name]) {
      const res = await w.api('POST', `/api/v1/proposals/${number}/${action}`, who, body);
      if (res.statusCode !== 200) throw new Error(`${action} answered ${res.statusCode}: ${res.body}`);
    }
    if (name === to) return;
  }
}
