/** Who may do what with surveys: pure functions, deny by default. */
import type { AuthUser } from '../../core/auth.ts';
import type { State } from './surveys.repository.ts';

type User = Pick<AuthUser, 'role'> | null | undefined;

/** Staff, plan managers and administrators build and run surveys, and key in paper answers. */
export function canManageSurveys(user: User): boolean {
  return user?.role === 'staff' || user?.role === 'plan_manager' || user?.role === 'admin';
}

/** Results are public once published; staff see them before. */
export function canReadResults(user: User, state: State): boolean {
  return state === 'published' || canManageSurveys(user);
}

/** The questions are public while a survey is open or published; staff see drafts too. */
export function canReadDefinition(user: User, state: State): boolean {
  return state === 'open' || state === 'closed' || state === 'published' || canManageSurveys(user);
}
