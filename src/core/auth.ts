/**
 * Who is asking, shared by every module: roles, the signed-in user, CSRF tokens and the
 * guards routes call. Deny by default: every route declares its access (core/access.ts) and
 * handlers call requireUser / requireRole for the user. Users, sessions and tokens themselves
 * belong to the accounts module, which authenticates requests through an Authenticator.
 */
import type { Sql } from './db/database.ts';
import { AppError } from './errors.ts';
import { hmac, safeEqual } from './crypto.ts';

export const ROLES = ['citizen', 'staff', 'plan_manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that must pass TOTP two-factor before their session counts. */
export const MFA_ROLES: readonly Role[] = ['staff', 'plan_manager', 'admin'];

export interface AuthUser {
  id: string;
  tenantId: string;
  email: string;
  displayName: string;
  role: Role;
  departmentId: string | null;
  /** The department's code (担当課), e.g. "shimin-kyodo"; null for users without one. */
  departmentCode: string | null;
  totpEnabled: boolean;
}

export type AuthVia = 'session' | 'token';

/** Who is asking: the user (if any), how they proved it, and whether 2FA is complete. */
export interface Auth {
  user: AuthUser | null;
  via: AuthVia | null;
  /** Session only: false while a 2FA-role user has not yet passed TOTP. */
  mfaPassed: boolean;
  sessionHash: string | null;
  /**
   * Session only: a user whose role does not need two-factor but who turned it on, between the
   * password and the code. `user` stays null meanwhile, so no module treats them as signed in;
   * only the two-factor step (and sign-out) reads this.
   */
  pendingUser?: AuthUser;
}

export const ANONYMOUS: Auth = { user: null, via: null, mfaPassed: false, sessionHash: null };

export const SESSION_COOKIE = 'hibiki_session';
export const CSRF_COOKIE = 'hibiki_csrf';

/**
 * Who a session cookie or a bearer token belongs to. The module that owns accounts (users,
 * sessions, tokens) provides it through the module contract; core only asks.
 */
export interface Authenticator {
  /** The session's user, or ANONYMOUS when the cookie is unknown, expired or the user disabled. */
  session(sql: Sql, tenantId: string, token: string): Promise<Auth>;
  /** The token's user, or ANONYMOUS when unknown, revoked or the user disabled. */
  bearer(sql: Sql, tenantId: string, token: string): Promise<Auth>;
}

/**
 * CSRF: every browser carries a random, HttpOnly `hibiki_csrf` cookie; the token forms send
 * back is an HMAC of it under the server secret (signed double-submit). Stateless, so any app
 * server can check it.
 */
export function csrfTokenFor(secret: string, csrfCookie: string): string {
  return hmac(secret, `csrf:${csrfCookie}`);
}

/** True when the submitted token belongs to this browser's CSRF cookie. */
export function isValidCsrf(secret: string, csrfCookie: string | undefined, submitted: unknown): boolean {
  if (!csrfCookie || typeof submitted !== 'string' || submitted.length === 0) return false;
  return safeEqual(csrfTokenFor(secret, csrfCookie), submitted);
}

/** The signed-in user with two-factor complete, or 401. */
export function requireUser(auth: Auth): AuthUser {
  if (!auth.user) throw new AppError('unauthenticated');
  if ((MFA_ROLES.includes(auth.user.role) || auth.user.totpEnabled) && !auth.mfaPassed) throw new AppError('unauthenticated');
  return auth.user;
}

/** The signed-in user if their role is one of roles; 401 when anonymous, 403 otherwise. */
export function requireRole(auth: Auth, roles: readonly Role[]): AuthUser {
  const user = requireUser(auth);
  if (!roles.includes(user.role)) throw new AppError('forbidden');
  return user;
}
