/**
 * Pieces every proposal service shares: the proposer's sealed contact, the rules' view of a
 * proposal, what the public sees, the search columns, and the errors (404 for what the user
 * may not even see, 403 for what they may see but not do, 409 for the wrong state).
 */
import type { AuthUser } from '../../core/auth.ts';
import type { Config } from '../../core/config.ts';
import { decrypt, encrypt } from '../../core/crypto.ts';
import type { Sql } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import { searchColumns } from '../../core/search.ts';
import { listDepartments } from '../../core/tenancy.ts';
import { canViewCase, isProposer } from './proposals.policy.ts';
import type { Proposal, ProposalPatch } from './proposals.repository.ts';
import type { DepartmentNames } from './proposals.schema.ts';
import { refusalOf, type Action, type CaseState } from './proposals.workflow.ts';

/** 提案者 — who proposed and how to reach them: personal data, sealed at rest. */
export interface Contact {
  name: string;
  email: string | null;
  phone: string | null;
  address: string | null;
}

/** The contact sealed with the current key (AES-256-GCM). */
export function sealContact(config: Pick<Config, 'encryptionKey'>, contact: Contact): string {
  return encrypt(config.encryptionKey, JSON.stringify(contact));
}

/** The contact opened with the current key or, after a key change, a previous one. */
export function openContact(config: Pick<Config, 'encryptionKey' | 'previousEncryptionKeys'>, sealed: string): Contact {
  for (const key of [config.encryptionKey, ...config.previousEncryptionKeys]) {
    try {
      return JSON.parse(decrypt(key, sealed)) as Contact;
    } catch {
      // try the next key
    }
  }
  throw new Error('the proposer’s contact cannot be opened with the configured keys');
}

/** Shown publicly: published after moderation with the proposer's consent, not hidden, not closed unanswered. */
export function isPublicProposal(p: Proposal): boolean {
  return (
    p.moderation === 'published' &&
    p.wantsPublic &&
    p.hiddenAt === null &&
    (p.status === 'received' || p.status === 'assigned' || p.status === 'answered' || p.status === 'implemented')
  );
}

/** The workflow's view of a proposal. */
export function caseState(p: Proposal): CaseState {
  return {
    status: p.status,
    answerState: p.answerState,
    decision: p.decision,
    wantsPublic: p.wantsPublic,
    publiclyVisible: isPublicProposal(p),
    hidden: p.hiddenAt !== null,
  };
}

/** True when the user may know the proposal exists: it is public, theirs, or their case. */
export function maySee(user: AuthUser | null, p: Proposal): boolean {
  return isPublicProposal(p) || isProposer(user, p) || canViewCase(user, p);
}

/** 404 unless the user may know of the proposal. */
export function requireVisible(user: AuthUser | null, p: Proposal): void {
  if (!maySee(user, p)) throw notFound(p.number ?? '');
}

/** 404 for a proposal the user may not know of, 403 for one they may see but not act on. */
export function refuseAccess(user: AuthUser | null, p: Proposal): never {
  requireVisible(user, p);
  throw new AppError('forbidden', { ja: 'この提案に対してこの操作を行う権限がありません', en: 'You may not do this with this proposal' });
}

export function notFound(number: string): AppError {
  return new AppError('not_found', { ja: `提案 ${number.slice(0, 20)} は見つかりません`, en: `No proposal ${number.slice(0, 20)}` });
}

/** 409 unless the action is possible in the proposal's state. */
export function requireState(action: Action, p: Proposal): void {
  const refusal = refusalOf(action, caseState(p));
  if (refusal) throw new AppError('conflict', refusal);
}

/** search_text and search_grams for several texts (core's searchColumns). */
export function searchValues(...texts: (string | null | undefined)[]): ProposalPatch {
  const { text, grams } = searchColumns(...texts);
  return { searchText: text, searchGrams: grams };
}

/**
 * The search columns of a proposal after a change: its public text and published answer while
 * it is published, nothing otherwise (only public proposals are ever searched).
 */
export function searchPatch(p: Pick<Proposal, 'moderation' | 'publicTitle' | 'publicBody' | 'answerState' | 'answerText' | 'implementationNote'>): ProposalPatch {
  if (p.moderation !== 'published') return { searchText: '', searchGrams: [] };
  return searchValues(p.publicTitle, p.publicBody, p.answerState === 'approved' ? p.answerText : null, p.implementationNote);
}

/** The tenant's departments by code, for naming them. */
export async function departmentNames(sql: Sql, tenantId: string): Promise<DepartmentNames> {
  const list = await listDepartments(sql, tenantId);
  return new Map(list.map((d) => [d.code, { nameJa: d.nameJa, nameEn: d.nameEn }]));
}

/** The actor as the audit log records them (never the proposer's personal data). */
export function actorOf(user: AuthUser) {
  return { actorId: user.id, actorLabel: user.email };
}
