/** Who may do what with the plan: pure functions, deny by default. */
import type { AuthUser } from '../../core/auth.ts';

/** 担当課 staff of the indicator's department (any staff when none is set), plan managers and admins enter actuals. */
export function canEnterActual(user: AuthUser | null, indicator: { departmentCode: string | null }): boolean {
  if (!user) return false;
  if (user.role === 'plan_manager' || user.role === 'admin') return true;
  if (user.role !== 'staff') return false;
  return indicator.departmentCode === null || indicator.departmentCode === user.departmentCode;
}

/** Only the plan manager (政策推進課) and admins approve actuals and import plans. */
export function canApproveActual(user: AuthUser | null): boolean {
  return user?.role === 'plan_manager' || user?.role === 'admin';
}

/** Importing or replacing a plan is the plan manager's (and admin's) job. */
export function canManagePlans(user: AuthUser | null): boolean {
  return canApproveActual(user);
}

/** Staff pages of the plan (entry, queue, evaluation report). */
export function canUseStaffPages(user: AuthUser | null): boolean {
  return user?.role === 'staff' || canApproveActual(user);
}

/**
 * Four-eyes (承認の分離): an approver decides an entry only when someone else entered it.
 * Imported and seeded actuals have no author.
 */
export function canDecideActual(user: AuthUser | null, actual: { enteredBy: string | null }): boolean {
  if (!canApproveActual(user)) return false;
  return actual.enteredBy === null || actual.enteredBy !== user!.id;
}

/**
 * 根拠資料 — an actual's evidence file: everyone once the actual is approved and the file is
 * marked public; otherwise its author, the plan managers and admins, and the staff of the
 * indicator's department.
 */
export function canReadEvidence(
  user: AuthUser | null,
  actual: { status: 'pending' | 'approved' | 'rejected'; evidencePublic: boolean; enteredBy: string | null; departmentCode: string | null },
): boolean {
  if (actual.status === 'approved' && actual.evidencePublic) return true;
  if (!user) return false;
  if (user.role === 'plan_manager' || user.role === 'admin') return true;
  if (user.role !== 'staff') return false;
  if (actual.enteredBy !== null && actual.enteredBy === user.id) return true;
  return actual.departmentCode !== null && actual.departmentCode === user.departmentCode;
}
