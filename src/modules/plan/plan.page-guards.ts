/** Who may open the plan's staff pages, for the page routes of the plan and its evaluation. */
import type { FastifyRequest } from 'fastify';
import { requireUser, type AuthUser } from '../../core/auth.ts';
import { AppError } from '../../core/errors.ts';
import { canApproveActual, canUseStaffPages } from './plan.policy.ts';

/** A staff member (any staff page): 401 → sign-in for the anonymous, 403 for citizens. */
export function requireStaff(request: FastifyRequest): AuthUser {
  const user = requireUser(request.auth);
  if (!canUseStaffPages(user)) throw new AppError('forbidden');
  return user;
}

/** The plan manager or an admin (approvals). */
export function requireApprover(request: FastifyRequest): AuthUser {
  const user = requireUser(request.auth);
  if (!canApproveActual(user)) throw new AppError('forbidden');
  return user;
}
