/** Who may do what with monitoring: pure functions, deny by default. */
import type { AuthUser } from '../../core/auth.ts';

/** Checks and maintenance windows are the administrators' (情報政策課 runs them as admins). */
export function canManageChecks(user: AuthUser | null): boolean {
  return user?.role === 'admin';
}

/**
 * An incident's cause and action are written, and the incident published, by administrators
 * and by staff (or plan managers) of the department responsible for the system.
 */
export function canAnnotateIncident(user: AuthUser | null, check: { departmentCode: string | null }): boolean {
  if (!user) return false;
  if (user.role === 'admin') return true;
  if (user.role !== 'staff' && user.role !== 'plan_manager') return false;
  return check.departmentCode !== null && check.departmentCode === user.departmentCode;
}

/** The staff incident pages (each lists only what the user may annotate). */
export function canUseIncidentPages(user: AuthUser | null): boolean {
  return user?.role === 'admin' || user?.role === 'staff' || user?.role === 'plan_manager';
}
