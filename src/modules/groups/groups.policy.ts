/**
 * Who may do what in the registry, as pure functions: the registry's department (市民協働課 by
 * default, a tenant setting) reviews, plan managers and administrators too; a group's
 * applicant (its representative's account) follows, corrects and renews their own.
 */
import type { AuthUser } from '../../core/auth.ts';
import type { Registration } from './groups.repository.ts';

/** The setting naming the department that runs the registry. */
export const REGISTRY_DEPARTMENT = 'groups.department';
/** Fiscal years a registration covers (the one of approval included). */
export const TERM_YEARS = 'groups.termYears';
/** Days before the end of a term when renewal opens and the reminder goes out. */
export const RENEWAL_DAYS = 'groups.renewalDays';

/** Any staff role (the staff pages and queues). */
export function isStaff(user: AuthUser | null): boolean {
  return !!user && (user.role === 'staff' || user.role === 'plan_manager' || user.role === 'admin');
}

/** May review applications, renew, deregister and change the register. */
export function canReview(user: AuthUser | null, registryDepartment: string): boolean {
  if (!user) return false;
  if (user.role === 'admin' || user.role === 'plan_manager') return true;
  return user.role === 'staff' && user.departmentCode === registryDepartment;
}

/** Applications come from citizen accounts (the group's representative). */
export function canApply(user: AuthUser | null): boolean {
  return user?.role === 'citizen';
}

/** The applicant's own registration. */
export function isApplicant(user: AuthUser | null, r: Pick<Registration, 'applicantId'>): boolean {
  return !!user && r.applicantId !== null && r.applicantId === user.id;
}
