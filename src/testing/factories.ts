/** Small factories for tests: users with a bearer token, in a given tenant. */
import type { Db } from '../core/db/database.ts';
import type { Role } from '../core/auth.ts';
import { createApiToken } from '../modules/accounts/accounts.sessions.ts';
import { createUserAccount } from '../modules/accounts/accounts.service.ts';
import { ensureDepartment, type Tenant } from '../core/tenancy.ts';
import { randomToken } from '../core/crypto.ts';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: Role;
  /** Bearer token for API calls. */
  token: string;
}

/** A verified user of role (staff get a fresh department unless one is named) with an API token. */
export async function makeUser(db: Db, tenant: Tenant, role: Role, options: { departmentCode?: string } = {}): Promise<TestUser> {
  const email = `${role}-${randomToken(6).toLowerCase().replace(/[^a-z0-9]/g, 'x')}@example.jp`;
  const password = `pw-${randomToken(12)}`;
  let departmentCode = options.departmentCode;
  if (role === 'staff' && !departmentCode) departmentCode = `dept-${randomToken(4).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;
  if (departmentCode) await ensureDepartment(db, tenant.id, { code: departmentCode, nameJa: 'テスト課', nameEn: 'Test Division' });
  const user = await db.transaction((tx) =>
    createUserAccount(tx, tenant, { email, password, role, displayName: email, emailVerified: true, ...(departmentCode ? { departmentCode } : {}) }),
  );
  const { token } = await createApiToken(db, tenant.id, user.id, 'test');
  return { id: user.id, email, password, role, token };
}
