/**
 * SQL of the accounts module: users, known devices, e-mail tokens, recovery
 * codes, API token listings and the audit-log listing. Every query is scoped by tenant_id.
 */
import type { Role } from '../../core/auth.ts';
import type { Sql } from '../../core/db/database.ts';

/** A stored hash no password matches: the account has no password until one is set by link (an invitation). */
export const NO_PASSWORD = '!no-password';

/** What a mailed single-use link is for. */
export type EmailTokenPurpose = 'verify_email' | 'set_password' | 'reset_password' | 'change_email' | 'sign_in';

/** Inserts a user; undefined when the e-mail is already taken in the tenant. */
export function insertUser(
  sql: Sql,
  u: {
    tenantId: string;
    email: string;
    passwordHash: string;
    displayName: string;
    role: Role;
    departmentId: string | null;
    emailVerified: boolean;
  },
): Promise<{ id: string; email: string; role: Role } | undefined> {
  // ON CONFLICT keeps the caller's transaction usable (a raised 23505 would abort it).
  return sql.maybeOne(
    `insert into users (tenant_id, email, password_hash, display_name, role, department_id, email_verified_at)
     values ($1, $2, $3, $4, $5, $6, case when $7::boolean then now() end)
     on conflict (tenant_id, email) do nothing
     returning id, email, role`,
    [u.tenantId, u.email, u.passwordHash, u.displayName, u.role, u.departmentId, u.emailVerified],
  );
}

export interface UserSummaryRow {
  id: string;
  email: string;
  role: Role;
  display_name: string;
}

/** A user by e-mail (already lower-cased by the caller). */
export function findUserByEmail(sql: Sql, tenantId: string, email: string): Promise<UserSummaryRow | undefined> {
  return sql.maybeOne<UserSummaryRow>(
    'select id, email, role, display_name from users where tenant_id = $1 and email = $2',
    [tenantId, email],
  );
}

export interface LoginUserRow {
  id: string;
  email: string;
  role: Role;
  display_name: string;
  password_hash: string;
  email_verified: boolean;
  disabled: boolean;
  totp_secret_enc: string | null;
  totp_enabled: boolean;
  /** The browser's device cookie is one this account signed in from before. */
  known_device: boolean;
}

const LOGIN_COLUMNS = `u.id, u.email, u.role, u.display_name, u.password_hash,
  u.email_verified_at is not null as email_verified, u.disabled_at is not null as disabled,
  u.totp_secret_enc, u.totp_enabled_at is not null as totp_enabled,
  exists (select 1 from known_devices k where k.tenant_id = u.tenant_id and k.user_id = u.id and k.device_hash = $3) as known_device`;

/**
 * What sign-in needs to know about the account with this e-mail, and whether deviceHash (the
 * hash of the browser's device cookie, or '' without one) is one of its known devices.
 */
export function findLoginUserByEmail(sql: Sql, tenantId: string, email: string, deviceHash = ''): Promise<LoginUserRow | undefined> {
  return sql.maybeOne<LoginUserRow>(`select ${LOGIN_COLUMNS} from users u where u.tenant_id = $1 and u.email = $2`, [tenantId, email, deviceHash]);
}

/** What sign-in needs to know about the account with this id (see findLoginUserByEmail). */
export function findLoginUserById(sql: Sql, tenantId: string, id: string, deviceHash = ''): Promise<LoginUserRow | undefined> {
  return sql.maybeOne<LoginUserRow>(`select ${LOGIN_COLUMNS} from users u where u.tenant_id = $1 and u.id = $2`, [tenantId, id, deviceHash]);
}

/** How long a device stays known without a sign-in from it. */
export const KNOWN_DEVICE_DAYS = 400;

/**
 * Remembers that the account signed in from this device (or that it did so again), and forgets
 * the account's devices unused for KNOWN_DEVICE_DAYS.
 */
export async function rememberDevice(sql: Sql, tenantId: string, userId: string, deviceHash: string): Promise<void> {
  await sql.query(
    `delete from known_devices where tenant_id = $1 and user_id = $2 and last_used_at < now() - make_interval(days => $3)`,
    [tenantId, userId, KNOWN_DEVICE_DAYS],
  );
  await sql.query(
    `insert into known_devices (tenant_id, user_id, device_hash) values ($1, $2, $3)
     on conflict (tenant_id, user_id, device_hash) do update set last_used_at = now()`,
    [tenantId, userId, deviceHash],
  );
}

/**
 * Stores an e-mail token (hashed) valid for ttlSeconds from `at` (the app's clock; the
 * database's time when omitted). A change_email token keeps the new address.
 */
export async function insertEmailToken(
  sql: Sql,
  t: { tenantId: string; userId: string; tokenHash: string; purpose: EmailTokenPurpose; ttlSeconds: number; at?: Date; newEmail?: string },
): Promise<void> {
  await sql.query(
    `insert into email_tokens (tenant_id, token_hash, user_id, purpose, expires_at, new_email)
     values ($1, $2, $3, $4, coalesce($6::timestamptz, now()) + make_interval(secs => $5), $7)`,
    [t.tenantId, t.tokenHash, t.userId, t.purpose, t.ttlSeconds, t.at ?? null, t.newEmail ?? null],
  );
}

/** E-mail tokens issued to a user within the last `withinSeconds` (tokens of a fixed lifetime). */
export async function countRecentEmailTokens(
  sql: Sql,
  tenantId: string,
  userId: string,
  ttlSeconds: number,
  withinSeconds: number,
): Promise<number> {
  const row = await sql.one<{ n: number }>(
    `select count(*)::int as n from email_tokens
      where tenant_id = $1 and user_id = $2 and expires_at > now() + make_interval(secs => $3)`,
    [tenantId, userId, ttlSeconds - withinSeconds],
  );
  return row.n;
}

/** Live or recent tokens of one purpose issued to a user within `withinSeconds` (tokens of a fixed lifetime). */
export async function countRecentTokensOf(
  sql: Sql,
  tenantId: string,
  userId: string,
  purpose: EmailTokenPurpose,
  ttlSeconds: number,
  withinSeconds: number,
): Promise<number> {
  const row = await sql.one<{ n: number }>(
    `select count(*)::int as n from email_tokens
      where tenant_id = $1 and user_id = $2 and purpose = $3 and expires_at > now() + make_interval(secs => $4)`,
    [tenantId, userId, purpose, ttlSeconds - withinSeconds],
  );
  return row.n;
}

/** Whether a token of one of these purposes is live (not used, not expired at `at`, the database's time when omitted). */
export async function emailTokenIsLive(
  sql: Sql,
  tenantId: string,
  tokenHash: string,
  purpose: EmailTokenPurpose | readonly EmailTokenPurpose[],
  at?: Date,
): Promise<boolean> {
  const row = await sql.maybeOne(
    `select 1 from email_tokens where tenant_id = $1 and token_hash = $2 and purpose = any($3::text[])
        and used_at is null and expires_at > coalesce($4::timestamptz, now())`,
    [tenantId, tokenHash, typeof purpose === 'string' ? [purpose] : purpose, at ?? null],
  );
  return row !== undefined;
}

/**
 * Uses up a live e-mail token of one of these purposes (live at `at`, the database's time when
 * omitted); its user, purpose and new address, or undefined when unknown, used or expired.
 */
export function consumeEmailToken(
  sql: Sql,
  tenantId: string,
  tokenHash: string,
  purpose: EmailTokenPurpose | readonly EmailTokenPurpose[],
  at?: Date,
): Promise<{ user_id: string; purpose: EmailTokenPurpose; new_email: string | null } | undefined> {
  return sql.maybeOne(
    `update email_tokens set used_at = coalesce($4::timestamptz, now())
      where tenant_id = $1 and token_hash = $2 and purpose = any($3::text[]) and used_at is null
        and expires_at > coalesce($4::timestamptz, now())
      returning user_id, purpose, new_email`,
    [tenantId, tokenHash, typeof purpose === 'string' ? [purpose] : purpose, at ?? null],
  );
}

/** Spends every live token of these purposes a user still holds (a password was just set: older links stop working). */
export async function spendEmailTokensOf(sql: Sql, tenantId: string, userId: string, purposes: readonly EmailTokenPurpose[], at?: Date): Promise<void> {
  await sql.query(
    `update email_tokens set used_at = coalesce($4::timestamptz, now())
      where tenant_id = $1 and user_id = $2 and purpose = any($3::text[]) and used_at is null`,
    [tenantId, userId, purposes, at ?? null],
  );
}

/** Marks the user's e-mail address as confirmed. */
export async function markEmailVerified(sql: Sql, tenantId: string, userId: string): Promise<void> {
  await sql.query(
    'update users set email_verified_at = coalesce(email_verified_at, now()), updated_at = now() where tenant_id = $1 and id = $2',
    [tenantId, userId],
  );
}

/** Turns TOTP on with the given (encrypted) secret; false when it was already on. */
export async function enableTotp(sql: Sql, tenantId: string, userId: string, secretEnc: string, step: number): Promise<boolean> {
  const rows = await sql.query(
    `update users set totp_secret_enc = $3, totp_enabled_at = now(), totp_last_step = $4, updated_at = now()
      where tenant_id = $1 and id = $2 and totp_enabled_at is null returning id`,
    [tenantId, userId, secretEnc, step],
  );
  return rows.length === 1;
}

/**
 * Accepts a TOTP time step once: true when it is later than the last one accepted (a code
 * seen before, even within its validity window, is refused).
 */
export async function claimTotpStep(sql: Sql, tenantId: string, userId: string, step: number): Promise<boolean> {
  const rows = await sql.query(
    `update users set totp_last_step = $3
      where tenant_id = $1 and id = $2 and (totp_last_step is null or totp_last_step < $3) returning id`,
    [tenantId, userId, step],
  );
  return rows.length === 1;
}

/** Replaces the user's recovery codes with these hashes. */
export async function replaceRecoveryCodes(sql: Sql, tenantId: string, userId: string, codeHashes: string[]): Promise<void> {
  await sql.query('delete from recovery_codes where tenant_id = $1 and user_id = $2', [tenantId, userId]);
  await sql.query(
    `insert into recovery_codes (tenant_id, user_id, code_hash)
     select $1, $2, unnest($3::text[])`,
    [tenantId, userId, codeHashes],
  );
}

/** Uses up one unused recovery code; false when there is no such code. */
export async function consumeRecoveryCode(sql: Sql, tenantId: string, userId: string, codeHash: string): Promise<boolean> {
  const rows = await sql.query(
    `update recovery_codes set used_at = now()
      where tenant_id = $1 and user_id = $2 and code_hash = $3 and used_at is null returning code_hash`,
    [tenantId, userId, codeHash],
  );
  return rows.length === 1;
}

export interface ApiTokenRow {
  id: string;
  user_id: string;
  name: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** A user's API tokens, newest first. */
export function listApiTokens(sql: Sql, tenantId: string, userId: string): Promise<ApiTokenRow[]> {
  return sql.query<ApiTokenRow>(
    `select id, user_id, name, created_at, last_used_at, revoked_at from api_tokens
      where tenant_id = $1 and user_id = $2 order by created_at desc, id`,
    [tenantId, userId],
  );
}

/** One API token by id. */
export function findApiToken(sql: Sql, tenantId: string, id: string): Promise<ApiTokenRow | undefined> {
  return sql.maybeOne<ApiTokenRow>(
    'select id, user_id, name, created_at, last_used_at, revoked_at from api_tokens where tenant_id = $1 and id = $2',
    [tenantId, id],
  );
}

export interface UserListRow {
  id: string;
  email: string;
  display_name: string;
  role: Role;
  department_code: string | null;
  department_name_ja: string | null;
  department_name_en: string | null;
  email_verified: boolean;
  totp_enabled: boolean;
  disabled: boolean;
  /** False for an invited account whose person has not set a password yet. */
  has_password: boolean;
  created_at: Date;
}

const USER_LIST_COLUMNS = `u.id, u.email, u.display_name, u.role, d.code as department_code,
  d.name_ja as department_name_ja, d.name_en as department_name_en,
  u.email_verified_at is not null as email_verified, u.totp_enabled_at is not null as totp_enabled,
  u.disabled_at is not null as disabled, u.password_hash <> '${NO_PASSWORD}' as has_password, u.created_at`;

/** Every user of the tenant with their department, by e-mail. */
export function listUsers(sql: Sql, tenantId: string): Promise<UserListRow[]> {
  return sql.query<UserListRow>(
    `select ${USER_LIST_COLUMNS}
       from users u left join departments d on d.tenant_id = u.tenant_id and d.id = u.department_id
      where u.tenant_id = $1 order by u.email`,
    [tenantId],
  );
}

/** One user with their department. */
export function findUserById(sql: Sql, tenantId: string, id: string): Promise<UserListRow | undefined> {
  return sql.maybeOne<UserListRow>(
    `select ${USER_LIST_COLUMNS}
       from users u left join departments d on d.tenant_id = u.tenant_id and d.id = u.department_id
      where u.tenant_id = $1 and u.id = $2`,
    [tenantId, id],
  );
}

/** Disables a user and ends their sessions; false when already disabled or unknown. */
export async function disableUser(sql: Sql, tenantId: string, id: string): Promise<boolean> {
  const rows = await sql.query(
    'update users set disabled_at = now(), updated_at = now() where tenant_id = $1 and id = $2 and disabled_at is null returning id',
    [tenantId, id],
  );
  if (rows.length === 0) return false;
  await sql.query('delete from sessions where tenant_id = $1 and user_id = $2', [tenantId, id]);
  return true;
}

/** Replaces a user's password hash (and confirms the address the link was mailed to). */
export async function setPasswordHash(sql: Sql, tenantId: string, userId: string, passwordHash: string): Promise<void> {
  await sql.query(
    `update users set password_hash = $3, email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
      where tenant_id = $1 and id = $2`,
    [tenantId, userId, passwordHash],
  );
}

/** Ends every session of a user (after a password change, or when an administrator asks). */
export async function deleteSessionsOf(sql: Sql, tenantId: string, userId: string): Promise<void> {
  await sql.query('delete from sessions where tenant_id = $1 and user_id = $2', [tenantId, userId]);
}

/** Administrators of the tenant who are not disabled. */
export async function countActiveAdmins(sql: Sql, tenantId: string): Promise<number> {
  const row = await sql.one<{ n: number }>(
    "select count(*)::int as n from users where tenant_id = $1 and role = 'admin' and disabled_at is null",
    [tenantId],
  );
  return row.n;
}

/** Ends every session of a user but one; how many ended. */
export async function deleteOtherSessions(sql: Sql, tenantId: string, userId: string, keepHash: string): Promise<number> {
  const rows = await sql.query('delete from sessions where tenant_id = $1 and user_id = $2 and token_hash <> $3 returning 1', [tenantId, userId, keepHash]);
  return rows.length;
}

/** Live sessions of a user besides one. */
export async function countOtherSessions(sql: Sql, tenantId: string, userId: string, keepHash: string): Promise<number> {
  const row = await sql.one<{ n: number }>(
    'select count(*)::int as n from sessions where tenant_id = $1 and user_id = $2 and token_hash <> $3 and expires_at > now()',
    [tenantId, userId, keepHash],
  );
  return row.n;
}

/** Gives a user a new, confirmed e-mail address. */
export async function changeEmail(sql: Sql, tenantId: string, userId: string, email: string): Promise<void> {
  await sql.query('update users set email = $3, email_verified_at = now(), updated_at = now() where tenant_id = $1 and id = $2', [tenantId, userId, email]);
}

/**
 * The ids of the tenant's active administrators, locked until the transaction ends: two
 * administrators demoting each other at once cannot both see the other still there.
 */
export async function lockActiveAdmins(sql: Sql, tenantId: string): Promise<string[]> {
  const rows = await sql.query<{ id: string }>(
    "select id from users where tenant_id = $1 and role = 'admin' and disabled_at is null order by id for update",
    [tenantId],
  );
  return rows.map((r) => r.id);
}

/** Changes a user's display name, role and department. */
export async function updateUserProfile(
  sql: Sql,
  tenantId: string,
  userId: string,
  p: { displayName: string; role: Role; departmentId: string | null },
): Promise<void> {
  await sql.query(
    'update users set display_name = $3, role = $4, department_id = $5, updated_at = now() where tenant_id = $1 and id = $2',
    [tenantId, userId, p.displayName, p.role, p.departmentId],
  );
}

/** Re-enables a disabled user; false when it was not disabled. */
export async function enableUser(sql: Sql, tenantId: string, userId: string): Promise<boolean> {
  const rows = await sql.query(
    'update users set disabled_at = null, updated_at = now() where tenant_id = $1 and id = $2 and disabled_at is not null returning id',
    [tenantId, userId],
  );
  return rows.length === 1;
}

/** Forgets a user's two-factor enrolment and recovery codes (they enrol again); false when none was on. */
export async function resetTotp(sql: Sql, tenantId: string, userId: string): Promise<boolean> {
  const rows = await sql.query(
    `update users set totp_secret_enc = null, totp_enabled_at = null, totp_last_step = null, updated_at = now()
      where tenant_id = $1 and id = $2 and totp_enabled_at is not null returning id`,
    [tenantId, userId],
  );
  await sql.query('delete from recovery_codes where tenant_id = $1 and user_id = $2', [tenantId, userId]);
  return rows.length === 1;
}
