/**
 * What the plan module's HTTP tests share: a fresh municipality holding the demo plan, and a
 * browser-like client signed in with a real session (two-factor done) holding a CSRF token.
 */
import { CSRF_COOKIE, csrfTokenFor, SESSION_COOKIE, type Role } from '../../core/auth.ts';
import { randomToken } from '../../core/crypto.ts';
import { makeUser, type TestUser } from '../../testing/factories.ts';
import { newTenant, TestClient, type TestContext, type TestTenant } from '../../testing/harness.ts';
import { createSession } from '../accounts/accounts.sessions.ts';
import { demoPlanDocument } from './plan.seed.ts';
import { importPlan } from './plan.service.ts';

/** A fresh municipality holding a plan (the demo plan, chapter 6 with its demonstration actuals, unless another is given). */
export async function tenantWithPlan(ctx: TestContext, doc: unknown = demoPlanDocument()): Promise<TestTenant> {
  const tenant = await newTenant(ctx.db);
  await importPlan(ctx.db, ctx.deps, tenant, { id: null, label: 'test' }, doc, 'ja', { demoActuals: true });
  return tenant;
}

export interface Person {
  client: TestClient;
  /** The CSRF token the client's forms carry. */
  csrf: string;
  /** The signed-in user (null for an anonymous visitor). */
  user: TestUser | null;
}

/** A browser-like client; with a role, signed in. Staff default to 市民協働課, which the demo plan names for 6-1-x. */
export async function person(ctx: TestContext, tenant: TestTenant, role?: Role, departmentCode?: string): Promise<Person> {
  const client = new TestClient(ctx.app, tenant.host);
  const csrfCookie = randomToken();
  client.jar.cookies.set(CSRF_COOKIE, csrfCookie);
  let user: TestUser | null = null;
  if (role) {
    user = await makeUser(ctx.db, tenant, role, role === 'staff' ? { departmentCode: departmentCode ?? 'shimin-kyodo' } : {});
    client.jar.cookies.set(SESSION_COOKIE, await createSession(ctx.db, tenant.id, user.id, true));
  }
  return { client, csrf: csrfTokenFor(ctx.config.secret, csrfCookie), user };
}
