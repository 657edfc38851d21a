/**
 * Who may do what with a proposal: pure functions, deny by default. The routes declare the
 * coarse access (citizen, staff, plan managers); the service asks these for the rest (the
 * assigned department, the proposer).
 */
import type { AuthUser } from '../../core/auth.ts';

/** What the rules need to know about a proposal. */
export interface ProposalParties {
  proposerId: string | null;
  departmentCode: string | null;
}

type User = Pick<AuthUser, 'id' | 'role' | 'departmentCode'> | null;

/** 職員: department staff, plan managers and administrators. */
export function isStaff(user: User): boolean {
  return user?.role === 'staff' || user?.role === 'plan_manager' || user?.role === 'admin';
}

/** 政策推進課 (plan managers) and administrators: intake, assignment, moderation, approval. */
export function canManageProposals(user: User): boolean {
  return user?.role === 'plan_manager' || user?.role === 'admin';
}

/** Citizens submit proposals of their own (staff key in letters on a citizen's behalf). */
export function canSubmitProposal(user: User): boolean {
  return user?.role === 'citizen';
}

/** Any staff member keys in a proposal received by letter or at a counter. */
export function canKeyInProposal(user: User): boolean {
  return isStaff(user);
}

/** A member of the department the proposal is assigned to (担当課). */
export function isOfAssignedDepartment(user: User, p: ProposalParties): boolean {
  return isStaff(user) && !!user!.departmentCode && p.departmentCode !== null && p.departmentCode === user!.departmentCode;
}

/** Only the assigned department answers (drafts and submits the answer). */
export function canAnswerProposal(user: User, p: ProposalParties): boolean {
  return isOfAssignedDepartment(user, p);
}

/** Only the assigned department records that the proposal was carried out. */
export function canImplementProposal(user: User, p: ProposalParties): boolean {
  return isOfAssignedDepartment(user, p);
}

/** The assigned department or the plan manager extends the answer date. */
export function canExtendProposal(user: User, p: ProposalParties): boolean {
  return canManageProposals(user) || isOfAssignedDepartment(user, p);
}

/** The plan manager or the assigned department hides an abusive public proposal. */
export function canHideProposal(user: User, p: ProposalParties): boolean {
  return canManageProposals(user) || isOfAssignedDepartment(user, p);
}

/** The staff side of a proposal (with the proposer's contact): the plan manager and the assigned department. */
export function canViewCase(user: User, p: ProposalParties): boolean {
  return canManageProposals(user) || isOfAssignedDepartment(user, p);
}

/** The proposer's own account. */
export function isProposer(user: User, p: ProposalParties): boolean {
  return !!user && p.proposerId !== null && p.proposerId === user.id;
}

/** Only the proposer withdraws their proposal. */
export function canWithdrawProposal(user: User, p: ProposalParties): boolean {
  return user?.role === 'citizen' && isProposer(user, p);
}

/** A citizen supports (賛同) someone else's public proposal. */
export function canSupportProposal(user: User, p: ProposalParties): boolean {
  return user?.role === 'citizen' && !isProposer(user, p);
}

/** Any signed-in user reports a public proposal. */
export function canReportProposal(user: User): boolean {
  return !!user;
}

/** Attachments: the proposer and the staff who handle the case. */
export function canReadAttachments(user: User, p: ProposalParties): boolean {
  return isProposer(user, p) || canViewCase(user, p);
}
