/**
 * Route access, deny by default. Every route declares who may reach it in its options
 * (`config: { access: access.roles('staff') }`); a route without a declaration stops the app
 * from starting. The declaration is enforced in the onRequest hook, right after the caller
 * is identified and before the body is read, so nothing is parsed or computed for a request
 * that is not allowed. Finer rules (the proposal's own department, the applicant's own
 * application) are pure policy functions the service calls.
 */
import type { FastifyRequest } from 'fastify';
import { requireRole, requireUser, type Role } from './auth.ts';
import { AppError } from './errors.ts';

export type Access =
  /** Anyone, signed in or not. */
  | { kind: 'public' }
  /** A browser session, even one still waiting for its second factor (the two-factor pages). */
  | { kind: 'session' }
  /** Any signed-in user whose two-factor is done. */
  | { kind: 'user' }
  /** Signed-in users of these roles. */
  | { kind: 'roles'; roles: readonly Role[] };

export const access = {
  public: { kind: 'public' } as Access,
  session: { kind: 'session' } as Access,
  user: { kind: 'user' } as Access,
  roles: (...roles: Role[]): Access => ({ kind: 'roles', roles }),
  /** 職員: department staff, plan managers and administrators. */
  staff: { kind: 'roles', roles: ['staff', 'plan_manager', 'admin'] } as Access,
  /** 政策推進課: plan managers and administrators. */
  planManagers: { kind: 'roles', roles: ['plan_manager', 'admin'] } as Access,
  admins: { kind: 'roles', roles: ['admin'] } as Access,
};

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may reach the route (required on every route). */
    access?: Access;
  }
}

/** A short, stable text for an access rule (the authorisation table test compares these). */
export function describeAccess(a: Access | undefined): string {
  if (!a) return 'undeclared';
  return a.kind === 'roles' ? [...a.roles].sort().join('|') : a.kind;
}

/** Throws 401/403 unless the request meets the route's declared access. */
export function enforceAccess(request: FastifyRequest, a: Access): void {
  switch (a.kind) {
    case 'public':
      return;
    case 'session':
      if (!request.auth.user || request.auth.via !== 'session') throw new AppError('unauthenticated');
      return;
    case 'user':
      requireUser(request.auth);
      return;
    case 'roles':
      requireRole(request.auth, a.roles);
      return;
  }
}
