/**
 * The workflow's actions (DESIGN.md "proposals"): assign or transfer, answer (draft, submit),
 * approve or return the answer, implement, decline, withdraw, moderate, extend the due date,
 * hide and unhide, support and report. Each runs in one transaction on the locked proposal:
 * who may act (policy: 403, or 404 when they may not even see it), whether the state allows it
 * (workflow: 409), the input (400), then the change, its history, the audit entry for staff,
 * the mail to the proposer and the public data version. A refusal stores nothing.
 */
import { appendAudit } from '../../core/audit.ts';
import type { AuthUser } from '../../core/auth.ts';
import { bumpDataVersion } from '../../core/data-version.ts';
import { addDays, compareIsoDate, todayJst } from '../../core/dates.ts';
import type { Sql } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { enforceRateLimits } from '../../core/rate-limit.ts';
import { findDepartment, type Tenant } from '../../core/tenancy.ts';
import type { AppDeps } from '../module.ts';
import { actorOf, departmentNames, notFound, refuseAccess, requireState, requireVisible, searchPatch } from './proposals.case.ts';
import { cancelReminder, mailProposer, scheduleReminder, type ProposerMail } from './proposals.notify.ts';
import {
  canAnswerProposal,
  canExtendProposal,
  canHideProposal,
  canImplementProposal,
  canManageProposals,
  canReportProposal,
  canSupportProposal,
  canWithdrawProposal,
} from './proposals.policy.ts';
import * as repo from './proposals.repository.ts';
import type { DepartmentNames } from './proposals.schema.ts';
import { PROPOSALS_SCOPE, RATE_LIMITS, type Requester } from './proposals.service.ts';
import { isProposalNumber, type Decision, type DeclineGround } from './proposals.workflow.ts';

interface CaseContext {
  tx: Sql;
  p: repo.Proposal;
  names: DepartmentNames;
  now: Date;
  today: string;
  /** Changes the locked proposal (in its current state) and returns it as it is now. */
  update(patch: repo.ProposalPatch): Promise<repo.Proposal>;
  event(kind: string, options?: { note?: string | null; departmentCode?: string | null; forProposer?: boolean }): Promise<void>;
  audit(user: AuthUser, action: string, details?: Record<string, unknown>): Promise<void>;
  mail(p: repo.Proposal, mail: ProposerMail): Promise<void>;
  bump(): Promise<void>;
}

/** Runs fn on the locked proposal in one transaction; pokes the mail job after the commit. */
async function onCase<T>(deps: AppDeps, tenant: Tenant, number: string, fn: (c: CaseContext) => Promise<T>): Promise<T> {
  const now = deps.clock.now();
  const today = todayJst(now);
  const result = await deps.db.transaction(async (tx) => {
    const p = isProposalNumber(number) ? await repo.lockByNumber(tx, tenant.id, number) : undefined;
    if (!p || p.status === 'draft') throw notFound(number);
    const names = await departmentNames(tx, tenant.id);
    const c: CaseContext = {
      tx,
      p,
      names,
      now,
      today,
      async update(patch) {
        const changed = await repo.updateProposal(tx, tenant.id, p.id, p.status, patch, now);
        if (!changed) throw new AppError('conflict');
        return (await repo.findById(tx, tenant.id, p.id))!;
      },
      event: (kind, options = {}) =>
        repo.insertEvent(tx, tenant.id, p.id, {
          kind,
          at: now,
          onDate: today,
          departmentCode: options.departmentCode === undefined ? p.departmentCode : options.departmentCode,
          note: options.note ?? null,
          forProposer: options.forProposer ?? true,
        }),
      audit: (user, action, details = {}) =>
        appendAudit(tx, { tenantId: tenant.id, ...actorOf(user), action, entityType: 'proposal', entityId: p.number, details: { number: p.number, ...details } }),
      mail: (after, mail) => mailProposer(tx, deps.config, tenant, after, mail, names),
      bump: () => bumpDataVersion(tx, tenant.id, PROPOSALS_SCOPE),
    };
    return fn(c);
  });
  deps.mail.poke();
  return result;
}

function invalid(path: string, lang: Lang, key: string, params?: Record<string, string | number>): AppError {
  return new AppError('validation', undefined, [{ path, message: translate(lang, key, params) }]);
}

/** 担当課の決定 — the plan manager assigns a received proposal, or transfers an assigned one. */
export async function assignProposal(deps: AppDeps, tenant: Tenant, user: AuthUser, number: string, input: { department: string; note?: string | undefined }, lang: Lang) {
  return onCase(deps, tenant, number, async (c) => {
    if (!canManageProposals(user)) refuseAccess(user, c.p);
    const transfer = c.p.status === 'assigned';
    requireState(transfer ? 'transfer' : 'assign', c.p);
    const department = await findDepartment(c.tx, tenant.id, input.department);
    if (!department || department.retiredAt) throw invalid('department', lang, 'proposals.error.departmentUnknown', { code: input.department.slice(0, 40) });
    if (transfer && department.code === c.p.departmentCode) {
      throw new AppError('conflict', { ja: `既に${department.nameJa}が担当しています`, en: `It is already assigned to ${department.nameEn}` });
    }
    // A transfer starts the answer afresh in the new department.
    const after = await c.update({
      status: 'assigned',
      departmentCode: department.code,
      assignedOn: c.today,
      ...(transfer ? { decision: null, answerText: null, answerState: null } : {}),
    });
    await c.event(transfer ? 'transferred' : 'assigned', { departmentCode: department.code, note: input.note ?? null });
    await c.audit(user, transfer ? 'proposal.transfer' : 'proposal.assign', { department: department.code, ...(transfer ? { from: c.p.departmentCode } : {}) });
    await c.mail(after, { kind: transfer ? 'transferred' : 'assigned' });
    await c.bump();
    return after;
  });
}

/** 回答 — the assigned department drafts (`draft`) or submits its answer for approval. */
export async function answerProposal(
  deps: AppDeps,
  tenant: Tenant,
  user: AuthUser,
  number: string,
  input: { decision: Decision; text: string; draft?: boolean | undefined },
) {
  return onCase(deps, tenant, number, async (c) => {
    if (!canAnswerProposal(user, c.p)) refuseAccess(user, c.p);
    requireState(input.draft ? 'saveAnswer' : 'answer', c.p);
    const after = await c.update(
      input.draft
        ? { decision: input.decision, answerText: input.text, answerState: 'draft' }
        : { status: 'answered', decision: input.decision, answerText: input.text, answerState: 'submitted', answerSubmittedAt: c.now },
    );
    await c.event(input.draft ? 'answer_drafted' : 'answer_submitted', { forProposer: false });
    await c.audit(user, input.draft ? 'proposal.answer_draft' : 'proposal.answer_submit', { decision: input.decision });
    return after;
  });
}

/** 回答の承認 — the plan manager approves the answer, which publishes it (to the proposer, and publicly). */
export async function approveAnswer(deps: AppDeps, tenant: Tenant, user: AuthUser, number: string) {
  return onCase(deps, tenant, number, async (c) => {
    if (!canManageProposals(user)) refuseAccess(user, c.p);
    requireState('approveAnswer', c.p);
    const approved = { ...c.p, answerState: 'approved' as const };
    const after = await c.update({ answerState: 'approved', answeredOn: c.today, answerApprovedBy: user.id, ...searchPatch(approved) });
    await c.event('answer_published', { note: null });
    await c.audit(user, 'proposal.answer_approve', { decision: c.p.decision });
    await cancelReminder(c.tx, c.p.id);
    await c.mail(after, { kind: 'answer_published' });
    await c.bump();
    return after;
  });
}

/** 差し戻し — the plan manager returns the answer to the department for changes. */
export async function returnAnswer(deps: AppDeps, tenant: Tenant, user: AuthUser, number: string, input: { note: string }) {
  return onCase(deps, tenant, number, async (c) => {
    if (!canManageProposals(user)) refuseAccess(user, c.p);
    requireState('returnAnswer', c.p);
    const after = await c.update({ status: 'assigned', answerState: 'draft', answerSubmittedAt: null });
    await c.event('answer_returned', { note: input.note, forProposer: false });
    await c.audit(user, 'proposal.answer_return');
    return after;
  });
}

/** 実施 — the assigned department records that an adopted proposal was carried out. */
export async function implementProposal(deps: AppDeps, tenant: Tenant, user: AuthUser, number: string, input: { on: string; note?: string | undefined }, lang: Lang) {
  return onCase(deps, tenant, number, async (c) => {
    if (!canImplementProposal(user, c.p)) refuseAccess(user, c.p);
    requireState('implement', c.p);
    // Not in the future, and not before receipt (a client on UTC is up to a day behind Japan).
    if (compareIsoDate(input.on, c.today) > 0 || compareIsoDate(input.on, addDays(c.p.receivedOn!, -1)) < 0) {
      throw invalid('on', lang, 'proposals.error.implementedOnRange');
    }
    const note = input.note ?? null;
    const after = await c.update({ status: 'implemented', implementedOn: input.on, implementationNote: note, ...searchPatch({ ...c.p, implementationNote: note }) });
    await c.event('implemented', { note });
    await c.audit(user, 'proposal.implement', { on: input.on });
    await c.mail(after, { kind: 'implemented' });
    await c.bump();
    return after;
  });
}

/** 受付不可 — the plan manager declines a proposal at intake, on a published ground. */
export async function declineProposal(deps: AppDeps, tenant: Tenant, user: AuthUser, number: string, input: { ground: DeclineGround; note?: string | undefined }) {
  return onCase(deps, tenant, number, async (c) => {
    if (!canManageProposals(user)) refuseAccess(user, c.p);
    requireState('decline', c.p);
    const after = await c.update({ status: 'declined', declinedOn: c.today, declineGround: input.ground, declineNote: input.note ?? null, searchText: '', searchGrams: [] });
    await c.event('declined', { note: input.note ?? null });
    await c.audit(user, 'proposal.decline', { ground: input.ground });
    await cancelReminder(c.tx, c.p.id);
    await c.mail(after, { kind: 'declined' });
    await c.bump();
    return after;
  });
}

/** 取下げ — the proposer withdraws their proposal before it is answered. */
export async function withdrawProposal(deps: AppDeps, tenant: Tenant, user: AuthUser, number: string) {
  return onCase(deps, tenant, number, async (c) => {
    if (!canWithdrawProposal(user, c.p)) refuseAccess(user, c.p);
    requireState('withdraw', c.p);
    const after = await c.update({ status: 'withdrawn', withdrawnOn: c.today, searchText: '', searchGrams: [] });
    await c.event('withdrawn');
    await cancelReminder(c.tx, c.p.id);
    await c.mail(after, { kind: 'withdrawn' });
    await c.bump();
    return after;
  });
}

/**
 * 公開の審査 — the plan manager publishes a proposal marked public (with its text edited to
 * remove personal data, where needed), or decides not to publish it.
 */
export async function moderateProposal(
  deps: AppDeps,
  tenant: Tenant,
  user: AuthUser,
  number: string,
  input: { publish: boolean; reason?: string | undefined; title?: string | undefined; body?: string | undefined },
) {
  return onCase(deps, tenant, number, async (c) => {
    if (!canManageProposals(user)) refuseAccess(user, c.p);
    requireState(input.publish ? 'publish' : 'refusePublication', c.p);
    const publicTitle = input.publish ? (input.title ?? c.p.publicTitle ?? c.p.title) : null;
    const publicBody = input.publish ? (input.body ?? c.p.publicBody ?? c.p.body) : null;
    const moderation = input.publish ? ('published' as const) : ('rejected' as const);
    const after = await c.update({
      moderation,
      moderationReason: input.reason ?? null,
      moderatedAt: c.now,
      publicTitle,
      publicBody,
      ...searchPatch({ ...c.p, moderation, publicTitle, publicBody }),
    });
    await c.event(input.publish ? 'published' : 'publication_refused', { note: input.publish ? null : (input.reason ?? null) });
    await c.audit(user, input.publish ? 'proposal.publish' : 'proposal.refuse_publication', {
      edited: input.publish && (publicTitle !== c.p.title || publicBody !== c.p.body),
    });
    // The proposer hears once: when it first goes public, or that it will not.
    if (c.p.moderation !== moderation) await c.mail(after, input.publish ? { kind: 'published' } : { kind: 'publication_refused', reason: input.reason ?? null });
    await c.bump();
    return after;
  });
}

/** 回答期限の延長 — a later due date, with a reason that is published. */
export async function extendDueDate(deps: AppDeps, tenant: Tenant, user: AuthUser, number: string, input: { until: string; reason: string }, lang: Lang) {
  return onCase(deps, tenant, number, async (c) => {
    if (!canExtendProposal(user, c.p)) refuseAccess(user, c.p);
    requireState('extend', c.p);
    if (compareIsoDate(input.until, c.p.answerDueOn!) <= 0) throw invalid('until', lang, 'proposals.error.extendLater', { due: c.p.answerDueOn! });
    if (compareIsoDate(input.until, addDays(c.p.receivedOn!, 365)) > 0) throw invalid('until', lang, 'proposals.error.extendTooFar');
    const after = await c.update({ answerDueOn: input.until, dueExtendedOn: c.today, dueExtendedReason: input.reason });
    await c.event('due_extended', { note: input.reason });
    await c.audit(user, 'proposal.extend', { from: c.p.answerDueOn, until: input.until });
    await scheduleReminder(c.tx, deps.settings, tenant.id, after, c.now);
    await c.mail(after, { kind: 'due_extended' });
    await c.bump();
    return after;
  });
}

/** 非表示 — staff hide a public proposal (abuse, personal data), with the reason; open reports close. */
export async function hideProposal(deps: AppDeps, tenant: Tenant, user: AuthUser, number: string, input: { reason: string }) {
  return onCase(deps, tenant, number, async (c) => {
    if (!canHideProposal(user, c.p)) refuseAccess(user, c.p);
    requireState('hide', c.p);
    const after = await c.update({ hiddenAt: c.now, hiddenReason: input.reason });
    const reports = await repo.resolveReports(c.tx, tenant.id, c.p.id, 'hidden', user.id, c.now);
    await c.event('hidden', { note: input.reason });
    await c.audit(user, 'proposal.hide', { reason: input.reason, reportsClosed: reports });
    await c.mail(after, { kind: 'hidden', reason: input.reason });
    await c.bump();
    return after;
  });
}

/** Shows a hidden proposal again. */
export async function unhideProposal(deps: AppDeps, tenant: Tenant, user: AuthUser, number: string) {
  return onCase(deps, tenant, number, async (c) => {
    if (!canHideProposal(user, c.p)) refuseAccess(user, c.p);
    requireState('unhide', c.p);
    const after = await c.update({ hiddenAt: null, hiddenReason: null });
    await c.event('unhidden', { forProposer: true });
    await c.audit(user, 'proposal.unhide');
    await c.bump();
    return after;
  });
}

/** Staff close a proposal's open reports without hiding it. */
export async function dismissReports(deps: AppDeps, tenant: Tenant, user: AuthUser, number: string) {
  return onCase(deps, tenant, number, async (c) => {
    if (!canHideProposal(user, c.p)) refuseAccess(user, c.p);
    const closed = await repo.resolveReports(c.tx, tenant.id, c.p.id, 'dismissed', user.id, c.now);
    if (closed > 0) await c.audit(user, 'proposal.reports_dismiss', { reports: closed });
    return { closed };
  });
}

/** 賛同 — a citizen supports a public proposal, once per account (the database's primary key). */
export async function supportProposal(deps: AppDeps, tenant: Tenant, who: Requester, number: string) {
  const { user } = who;
  return onCase(deps, tenant, number, async (c) => {
    requireVisible(user, c.p);
    if (!canSupportProposal(user, c.p)) {
      throw new AppError('forbidden', { ja: '自分の提案や職員のアカウントでは賛同できません', en: 'You cannot support your own proposal, or support from a staff account' });
    }
    requireState('support', c.p);
    await enforceRateLimits(c.tx, deps.clock, tenant.id, [
      { rule: RATE_LIMITS.supportPerClient, key: who.ip },
      { rule: RATE_LIMITS.supportPerAccount, key: user.id },
    ]);
    if (!(await repo.insertSupport(c.tx, tenant.id, c.p.id, user.id, c.now))) {
      throw new AppError('conflict', { ja: 'この提案には既に賛同しています', en: 'You have already supported this proposal' });
    }
    await c.bump();
    return { number: c.p.number!, supports: await repo.countSupports(c.tx, tenant.id, c.p.id) };
  });
}

/** 通報 — a signed-in user reports a public proposal to the staff (one open report per account). */
export async function reportProposal(deps: AppDeps, tenant: Tenant, who: Requester, number: string, input: { reason: string }) {
  const { user } = who;
  return onCase(deps, tenant, number, async (c) => {
    requireVisible(user, c.p);
    if (!canReportProposal(user)) refuseAccess(user, c.p);
    requireState('report', c.p);
    await enforceRateLimits(c.tx, deps.clock, tenant.id, [
      { rule: RATE_LIMITS.reportPerClient, key: who.ip },
      { rule: RATE_LIMITS.reportPerAccount, key: user.id },
    ]);
    if (!(await repo.insertReport(c.tx, tenant.id, c.p.id, user.id, input.reason, c.now))) {
      throw new AppError('conflict', { ja: 'この提案は既に通報済みです', en: 'You have already reported this proposal' });
    }
    return { number: c.p.number!, reported: true };
  });
}
