/**
 * Sessions, API tokens and password hashes: the accounts module owns the users, sessions and
 * api_tokens tables, and authenticates every request for core through `authenticator`.
 * Session and token values are random; only their SHA-256 hashes are stored.
 */
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import { ANONYMOUS, MFA_ROLES, type Auth, type Authenticator, type AuthUser, type Role } from '../../core/auth.ts';
import { randomToken, sha256 } from '../../core/crypto.ts';
import type { Sql } from '../../core/db/database.ts';
import type { JobDefinition } from '../../core/scheduler.ts';
import type { SettingDefinition } from '../../core/settings.ts';

/** How long a session lasts once two-factor is done. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

// OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane.
const ARGON = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** An argon2id hash of a password. */
export function hashPassword(password: string): Promise<string> {
  return argonHash(password, ARGON);
}

/** True when password matches the stored hash. */
export function verifyPassword(stored: string, password: string): Promise<boolean> {
  return argonVerify(stored, password).catch(() => false);
}

interface UserRow {
  id: string;
  tenant_id: string;
  email: string;
  display_name: string;
  role: Role;
  department_id: string | null;
  department_code: string | null;
  totp_enabled_at: Date | null;
}

/** A user's columns; the query joins `departments d` (left) for the department code. */
export const USER_COLUMNS = 'u.id, u.tenant_id, u.email, u.display_name, u.role, u.department_id, d.code as department_code, u.totp_enabled_at';
const JOIN_DEPARTMENT = 'left join departments d on d.tenant_id = u.tenant_id and d.id = u.department_id';

/** Maps a users row (selected with USER_COLUMNS) to an AuthUser. */
export function toAuthUser(row: UserRow): AuthUser {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    departmentId: row.department_id,
    departmentCode: row.department_code,
    totpEnabled: row.totp_enabled_at !== null,
  };
}

/** A session still waiting for its second factor lasts only this long. */
export const PENDING_SESSION_TTL_MS = 15 * 60 * 1000;

/**
 * Starts a session; returns the cookie value (only its hash is stored). The user's expired
 * sessions are removed on the way.
 */
export async function createSession(sql: Sql, tenantId: string, userId: string, mfaPassed: boolean): Promise<string> {
  const token = randomToken();
  await sql.query('delete from sessions where tenant_id = $1 and user_id = $2 and expires_at <= now()', [tenantId, userId]);
  await sql.query(
    `insert into sessions (tenant_id, token_hash, user_id, mfa_passed, expires_at)
     values ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
    [tenantId, sha256(token), userId, mfaPassed, (mfaPassed ? SESSION_TTL_MS : PENDING_SESSION_TTL_MS) / 1000],
  );
  return token;
}

/** The municipality's setting: minutes without a request after which a session ends. */
export const SESSION_IDLE_SETTING = {
  key: 'accounts.sessionIdleMinutes',
  type: 'integer',
  default: 60,
  min: 5,
  max: SESSION_TTL_MS / 60_000,
  label: { ja: '操作がない場合の自動ログアウト（分）', en: 'Sign out after this many minutes without activity' },
  hint: {
    ja: 'ログイン中に操作がないまま、この時間が過ぎるとログアウトします（5〜720分）',
    en: 'A session with no request for this long ends (5–720 minutes)',
  },
} as const satisfies SettingDefinition;

/**
 * The tenant's idle minutes in SQL, for a row alias with tenant_id. Read here rather than through
 * the settings registry because it is needed on every request, inside the session's own query
 * (the registry writes only values it accepts; anything else reads as the default).
 */
export const IDLE_MINUTES_SQL = (alias: string) => `coalesce((select case when jsonb_typeof(ts.value) = 'number' then (ts.value #>> '{}')::int end
     from tenant_settings ts where ts.tenant_id = ${alias}.tenant_id and ts.key = '${SESSION_IDLE_SETTING.key}'), ${SESSION_IDLE_SETTING.default})`;

/** A session's last request is written at most this often (not on every request). */
const LAST_SEEN_GRANULARITY_SECONDS = 60;

/**
 * The session's user, or ANONYMOUS when the cookie is unknown, expired, idle longer than the
 * municipality's idle timeout, or the user disabled. A live session's last request time moves on.
 */
export async function authenticateSession(sql: Sql, tenantId: string, token: string): Promise<Auth> {
  const tokenHash = sha256(token);
  const row = await sql.maybeOne<UserRow & { mfa_passed: boolean; stale: boolean }>(
    `select ${USER_COLUMNS}, s.mfa_passed, s.last_seen_at < now() - make_interval(secs => $3) as stale
       from sessions s join users u on u.tenant_id = s.tenant_id and u.id = s.user_id ${JOIN_DEPARTMENT}
      where s.tenant_id = $1 and s.token_hash = $2 and s.expires_at > now() and u.disabled_at is null
        and s.last_seen_at > now() - make_interval(mins => ${IDLE_MINUTES_SQL('s')})`,
    [tenantId, tokenHash, LAST_SEEN_GRANULARITY_SECONDS],
  );
  if (!row) return ANONYMOUS;
  if (row.stale) await sql.query('update sessions set last_seen_at = now() where tenant_id = $1 and token_hash = $2', [tenantId, tokenHash]);
  const user = toAuthUser(row);
  // A citizen who turned two-factor on and has not given the code yet is nobody to the modules
  // (several of them check two-factor only for staff roles); the two-factor step reads pendingUser.
  if (!row.mfa_passed && !MFA_ROLES.includes(user.role)) return { user: null, via: 'session', mfaPassed: false, sessionHash: tokenHash, pendingUser: user };
  return { user, via: 'session', mfaPassed: row.mfa_passed, sessionHash: tokenHash };
}

/**
 * Removes sessions that ended by `now` (past their lifetime, or idle longer than their
 * municipality's timeout) and e-mail links spent or expired more than a week ago, for every
 * municipality. Run by the scheduler (accounts.sessionSweep).
 */
export async function sweepSessions(sql: Sql, now: Date): Promise<{ sessions: number; links: number }> {
  const sessions = await sql.query(
    `delete from sessions s where s.expires_at <= $1 or s.last_seen_at <= $1::timestamptz - make_interval(mins => ${IDLE_MINUTES_SQL('s')}) returning 1`,
    [now],
  );
  const links = await sql.query(`delete from email_tokens where expires_at < $1::timestamptz - interval '7 days' returning 1`, [now]);
  return { sessions: sessions.length, links: links.length };
}

/** Ends a session. */
export async function destroySession(sql: Sql, tenantId: string, sessionHash: string): Promise<void> {
  await sql.query('delete from sessions where tenant_id = $1 and token_hash = $2', [tenantId, sessionHash]);
}

export const API_TOKEN_PREFIX = 'hbk_';

/** Issues a bearer token for a user; returns its id and the token (shown once, stored hashed). */
export async function createApiToken(
  sql: Sql,
  tenantId: string,
  userId: string,
  name: string,
): Promise<{ id: string; token: string }> {
  const token = API_TOKEN_PREFIX + randomToken();
  const row = await sql.one<{ id: string }>(
    'insert into api_tokens (tenant_id, user_id, name, token_hash) values ($1, $2, $3, $4) returning id',
    [tenantId, userId, name, sha256(token)],
  );
  return { id: row.id, token };
}

/** The token's user, or ANONYMOUS when unknown, revoked or the user disabled. */
export async function authenticateToken(sql: Sql, tenantId: string, token: string): Promise<Auth> {
  const row = await sql.maybeOne<UserRow>(
    `update api_tokens t set last_used_at = now()
       from users u ${JOIN_DEPARTMENT}
      where t.tenant_id = $1 and t.token_hash = $2 and t.revoked_at is null
        and u.tenant_id = t.tenant_id and u.id = t.user_id and u.disabled_at is null
      returning ${USER_COLUMNS}`,
    [tenantId, sha256(token)],
  );
  if (!row) return ANONYMOUS;
  // A token is a second factor in itself: it is issued only to a signed-in, verified user.
  return { user: toAuthUser(row), via: 'token', mfaPassed: true, sessionHash: null };
}

/** Revokes one of a user's tokens; false when there was no such live token. */
export async function revokeApiToken(sql: Sql, tenantId: string, userId: string, tokenId: string): Promise<boolean> {
  const rows = await sql.query(
    `update api_tokens set revoked_at = now()
      where tenant_id = $1 and user_id = $2 and id = $3 and revoked_at is null returning id`,
    [tenantId, userId, tokenId],
  );
  return rows.length === 1;
}


/** Authenticates requests for core's pipeline (session cookies and bearer tokens). */
export const authenticator: Authenticator = {
  session: authenticateSession,
  bearer: authenticateToken,
};

/** The scheduler job that sweeps ended sessions and old links (every 15 minutes). */
export const SESSION_SWEEP_JOB = 'accounts.sessionSweep';

export function sessionSweepJob(): JobDefinition {
  return {
    name: SESSION_SWEEP_JOB,
    everySeconds: 15 * 60,
    keepRunsDays: 7,
    async run(ctx) {
      const removed = await sweepSessions(ctx.db, ctx.now);
      return `${removed.sessions} sessions, ${removed.links} links removed`;
    },
  };
}
