/**
 * 市民提案 — submitting: a citizen's proposal (or draft), a letter or counter proposal keyed in
 * by staff, numbered per fiscal year at receipt; and reading: the public list and search, the
 * proposer's own proposals with their history, the staff inbox and case, attachments and the
 * yearly statistics. The workflow's actions are in proposals.actions.ts.
 */
import { appendAudit } from '../../core/audit.ts';
import type { AuthUser } from '../../core/auth.ts';
import { bumpDataVersion } from '../../core/data-version.ts';
import { addDays, compareIsoDate, fiscalYearOf, todayJst } from '../../core/dates.ts';
import type { Sql } from '../../core/db/database.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { checkUpload, deleteFile, loadFile, storeFile, type FileKind } from '../../core/files.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { enforceRateLimits, type RateLimit } from '../../core/rate-limit.ts';
import { searchTerms } from '../../core/search.ts';
import type { Tenant } from '../../core/tenancy.ts';
import { parseWith } from '../../core/validation.ts';
import { findUserByEmail } from '../accounts/accounts.service.ts';
import type { AppDeps } from '../module.ts';
import { currentPlanSections } from '../plan/plan.service.ts';
import { actorOf, departmentNames, isPublicProposal, notFound, openContact, refuseAccess, sealContact, type Contact } from './proposals.case.ts';
import './proposals.messages.ts';
import { ANSWER_DAYS, mailProposer, scheduleReminder } from './proposals.notify.ts';
import { canKeyInProposal, canReadAttachments, canSubmitProposal, canViewCase, isProposer, isStaff, canManageProposals } from './proposals.policy.ts';
import * as repo from './proposals.repository.ts';
import { DraftSchema, IntakeSchema, LIMITS, publicItem, SubmitSchema, type InboxQuery, type ListQuery, type PublicProposal } from './proposals.schema.ts';
import { answerDueOn, formatProposalNumber, isOverdue, isProposalNumber } from './proposals.workflow.ts';

/** The data-version scope of everything public about proposals (and of the metric). */
export const PROPOSALS_SCOPE = 'proposals';

/** Rate limits on the citizen-facing writes, kept in the database (every app server sees them). */
export const RATE_LIMITS = {
  submitPerAccount: { bucket: 'proposals.submit.account', limit: 10, windowSeconds: 3600 },
  submitPerClient: { bucket: 'proposals.submit.client', limit: 30, windowSeconds: 3600 },
  draftPerAccount: { bucket: 'proposals.draft.account', limit: 60, windowSeconds: 3600 },
  supportPerAccount: { bucket: 'proposals.support.account', limit: 60, windowSeconds: 3600 },
  supportPerClient: { bucket: 'proposals.support.client', limit: 200, windowSeconds: 3600 },
  reportPerAccount: { bucket: 'proposals.report.account', limit: 10, windowSeconds: 3600 },
  reportPerClient: { bucket: 'proposals.report.client', limit: 30, windowSeconds: 3600 },
} as const satisfies Record<string, RateLimit>;

/** The kinds of file a proposal may carry. */
export const ATTACHMENT_KINDS: readonly FileKind[] = ['pdf', 'png', 'jpeg'];

/** An uploaded file from a form field. */
export interface Upload {
  field: string;
  filename: string;
  bytes: Buffer;
}

/** Who is asking and from where (rate limits are keyed by both). */
export interface Requester {
  user: AuthUser;
  ip: string;
}

const todayOf = (deps: Pick<AppDeps, 'clock'>) => todayJst(deps.clock.now());

// ---------------------------------------------------------------------------------------------
// Validation

/**
 * Every problem of a submission at once: the schema's, an unknown plan section, and each bad
 * attachment (by its form field).
 */
async function submissionErrors<S extends typeof SubmitSchema | typeof DraftSchema | typeof IntakeSchema>(
  sql: Sql,
  tenantId: string,
  schema: S,
  body: unknown,
  lang: Lang,
  files: readonly Upload[],
  existingFiles: number,
): Promise<{ value?: ReturnType<S['parse']>; errors: FieldError[]; kinds: FileKind[] }> {
  const parsed = parseWith(schema, body, lang);
  const errors = parsed.ok ? [] : [...parsed.errors];
  const rawSection = (body as { section?: unknown } | null)?.section;
  const section = typeof rawSection === 'string' ? rawSection.trim() : '';
  if (section && !errors.some((e) => e.path === 'section')) {
    const sections = await currentPlanSections(sql, tenantId);
    if (!sections.some((s) => s.code === section)) {
      errors.push({ path: 'section', message: translate(lang, 'proposals.error.sectionUnknown', { code: section.slice(0, LIMITS.section) }) });
    }
  }
  const kinds: FileKind[] = [];
  if (existingFiles + files.length > LIMITS.attachments) {
    errors.push({ path: files[0]?.field ?? 'file1', message: translate(lang, 'proposals.error.tooManyFiles', { max: LIMITS.attachments }) });
  }
  for (const f of files) {
    try {
      kinds.push(await checkUpload(f.bytes, { kinds: ATTACHMENT_KINDS, maxBytes: LIMITS.attachmentBytes }, f.field));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const message = err.errors[0]?.message ?? '';
      const parts = message.split(' / ');
      errors.push({ path: f.field, message: parts.length === 2 ? (lang === 'ja' ? parts[0]! : parts[1]!) : message });
    }
  }
  return parsed.ok ? { value: parsed.value as ReturnType<S['parse']>, errors, kinds } : { errors, kinds };
}

function throwIfAny(errors: FieldError[]): void {
  if (errors.length) throw new AppError('validation', undefined, errors);
}

async function storeAttachments(tx: Sql, tenantId: string, proposalId: string, files: readonly Upload[], kinds: FileKind[], firstPosition: number): Promise<void> {
  for (const [i, f] of files.entries()) {
    const stored = await storeFile(tx, tenantId, { owner: 'proposals', filename: f.filename, kind: kinds[i]!, bytes: f.bytes });
    await repo.insertAttachment(tx, tenantId, proposalId, stored.id, firstPosition + i);
  }
}

// ---------------------------------------------------------------------------------------------
// Receipt

/** Number, fiscal year and due date for a proposal received on a day (inside the transaction). */
async function numbering(tx: Sql, deps: Pick<AppDeps, 'settings'>, tenantId: string, receivedOn: string) {
  const fiscalYear = fiscalYearOf(receivedOn);
  const seq = await repo.allocateSeq(tx, tenantId, fiscalYear);
  const days = await deps.settings.get<number>(tx, tenantId, ANSWER_DAYS);
  return { fiscalYear, seq, number: formatProposalNumber(fiscalYear, seq), receivedOn, answerDueOn: answerDueOn(receivedOn, days) };
}

/** What follows a receipt: the history, the reminder, the mail to the proposer, the public counts. */
async function afterReceipt(tx: Sql, deps: AppDeps, tenant: Tenant, p: repo.Proposal, now: Date): Promise<void> {
  await repo.insertEvent(tx, tenant.id, p.id, { kind: 'received', at: now, onDate: p.receivedOn!, forProposer: true });
  await scheduleReminder(tx, deps.settings, tenant.id, p, now);
  await mailProposer(tx, deps.config, tenant, p, { kind: 'received' }, await departmentNames(tx, tenant.id));
  // The statistics (received per year) and the metric's years are public.
  await bumpDataVersion(tx, tenant.id, PROPOSALS_SCOPE);
}

export interface Submitted {
  id: string;
  number: string | null;
  status: 'draft' | 'received';
}

/** A citizen submits a proposal, or saves it as a draft (`draft: true`). */
export async function submitProposal(deps: AppDeps, tenant: Tenant, who: Requester, body: unknown, lang: Lang, files: readonly Upload[] = []): Promise<Submitted> {
  const { user } = who;
  if (!canSubmitProposal(user)) throw new AppError('forbidden', { ja: '提案は市民のアカウントで提出します', en: 'Proposals are submitted from a citizen account' });
  const { value, errors, kinds } = await submissionErrors(deps.db, tenant.id, SubmitSchema, body, lang, files, 0);
  throwIfAny(errors);
  const input = value!;
  const now = deps.clock.now();
  const result = await deps.db.transaction(async (tx) => {
    await enforceRateLimits(
      tx,
      deps.clock,
      tenant.id,
      input.draft
        ? [{ rule: RATE_LIMITS.draftPerAccount, key: user.id }]
        : [
            { rule: RATE_LIMITS.submitPerClient, key: who.ip },
            { rule: RATE_LIMITS.submitPerAccount, key: user.id },
          ],
    );
    const base = {
      channel: 'web' as const,
      title: input.title,
      body: input.body,
      sectionCode: input.section ?? null,
      area: input.area ?? null,
      wantsPublic: input.public,
      proposerId: user.id,
      proposerSealed: sealContact(deps.config, { name: user.displayName, email: user.email, phone: null, address: null }),
      enteredBy: null,
      now,
    };
    if (input.draft) {
      const p = await repo.insertProposal(tx, tenant.id, { ...base, status: 'draft', fiscalYear: null, seq: null, number: null, receivedOn: null, answerDueOn: null });
      await storeAttachments(tx, tenant.id, p.id, files, kinds, 1);
      return { id: p.id, number: null, status: 'draft' as const };
    }
    const p = await repo.insertProposal(tx, tenant.id, { ...base, status: 'received', ...(await numbering(tx, deps, tenant.id, todayJst(now))) });
    await storeAttachments(tx, tenant.id, p.id, files, kinds, 1);
    await afterReceipt(tx, deps, tenant, p, now);
    return { id: p.id, number: p.number, status: 'received' as const };
  });
  deps.mail.poke();
  return result;
}

/** The proposer's draft, locked for a change (404 for anyone else's, or for a submitted one). */
async function lockOwnDraft(tx: Sql, tenantId: string, user: AuthUser, id: string): Promise<repo.Proposal> {
  const missing = new AppError('not_found', { ja: '下書きが見つかりません', en: 'No such draft' });
  if (!(await repo.lockById(tx, tenantId, id))) throw missing;
  const p = (await repo.findById(tx, tenantId, id))!;
  if (!isProposer(user, p) || p.status !== 'draft') throw missing;
  return p;
}

/** The proposer changes a draft (and, with `submit`, submits it: it is numbered then). */
export async function updateDraft(
  deps: AppDeps,
  tenant: Tenant,
  who: Requester,
  id: string,
  body: unknown,
  lang: Lang,
  options: { submit?: boolean; files?: readonly Upload[] } = {},
): Promise<Submitted> {
  const { user } = who;
  const files = options.files ?? [];
  const existing = await deps.db.transaction(async (tx) => {
    const p = await lockOwnDraft(tx, tenant.id, user, id);
    return (await repo.listAttachments(tx, tenant.id, p.id)).length;
  });
  const { value, errors, kinds } = await submissionErrors(deps.db, tenant.id, DraftSchema, body, lang, files, existing);
  throwIfAny(errors);
  const input = value!;
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    const p = await lockOwnDraft(tx, tenant.id, user, id);
    await enforceRateLimits(tx, deps.clock, tenant.id, [{ rule: RATE_LIMITS.draftPerAccount, key: user.id }]);
    const first = (await repo.listAttachments(tx, tenant.id, p.id)).reduce((max, a) => Math.max(max, a.position), 0) + 1;
    await repo.updateProposal(
      tx,
      tenant.id,
      p.id,
      'draft',
      { title: input.title, body: input.body, sectionCode: input.section ?? null, area: input.area ?? null, wantsPublic: input.public },
      now,
    );
    await storeAttachments(tx, tenant.id, p.id, files, kinds, first);
  });
  return options.submit ? submitDraft(deps, tenant, who, id, lang) : { id, number: null, status: 'draft' };
}

/** The proposer submits a saved draft. */
export async function submitDraft(deps: AppDeps, tenant: Tenant, who: Requester, id: string, lang: Lang): Promise<Submitted> {
  const { user } = who;
  const now = deps.clock.now();
  const result = await deps.db.transaction(async (tx) => {
    const draft = await lockOwnDraft(tx, tenant.id, user, id);
    // The draft is checked again as if submitted now (a plan section may have gone since).
    const { errors } = await submissionErrors(
      tx,
      tenant.id,
      DraftSchema,
      { title: draft.title, body: draft.body, section: draft.sectionCode ?? undefined, area: draft.area ?? undefined, public: draft.wantsPublic },
      lang,
      [],
      0,
    );
    throwIfAny(errors);
    await enforceRateLimits(tx, deps.clock, tenant.id, [
      { rule: RATE_LIMITS.submitPerClient, key: who.ip },
      { rule: RATE_LIMITS.submitPerAccount, key: user.id },
    ]);
    const numbers = await numbering(tx, deps, tenant.id, todayJst(now));
    await repo.updateProposal(tx, tenant.id, id, 'draft', { status: 'received', ...numbers }, now);
    const p = (await repo.findById(tx, tenant.id, id))!;
    await afterReceipt(tx, deps, tenant, p, now);
    return { id, number: p.number, status: 'received' as const };
  });
  deps.mail.poke();
  return result;
}

/** The proposer deletes a draft with its attachments. */
export async function deleteDraft(deps: AppDeps, tenant: Tenant, user: AuthUser, id: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const p = await lockOwnDraft(tx, tenant.id, user, id);
    const files = await repo.listAttachments(tx, tenant.id, p.id);
    await repo.deleteDraft(tx, tenant.id, p.id);
    for (const f of files) await deleteFile(tx, tenant.id, 'proposals', f.fileId);
  });
}

/**
 * Staff key in a proposal received by letter or at a counter, on the citizen's behalf. When the
 * e-mail given belongs to a citizen's account, the proposal shows among that account's own.
 */
export async function keyInProposal(deps: AppDeps, tenant: Tenant, user: AuthUser, body: unknown, lang: Lang, files: readonly Upload[] = []): Promise<Submitted> {
  if (!canKeyInProposal(user)) throw new AppError('forbidden');
  const { value, errors, kinds } = await submissionErrors(deps.db, tenant.id, IntakeSchema, body, lang, files, 0);
  const today = todayOf(deps);
  const receivedOn = value?.receivedOn ?? today;
  if (value && (compareIsoDate(receivedOn, today) > 0 || compareIsoDate(receivedOn, addDays(today, -366)) < 0)) {
    errors.push({ path: 'receivedOn', message: translate(lang, 'proposals.error.receivedOnRange') });
  }
  throwIfAny(errors);
  const input = value!;
  const account = input.email ? await findUserByEmail(deps.db, tenant.id, input.email) : undefined;
  const now = deps.clock.now();
  const result = await deps.db.transaction(async (tx) => {
    const contact: Contact = { name: input.proposerName, email: input.email ?? null, phone: input.phone?.normalize('NFKC') ?? null, address: input.address ?? null };
    const p = await repo.insertProposal(tx, tenant.id, {
      status: 'received',
      channel: input.channel,
      title: input.title,
      body: input.body,
      sectionCode: input.section ?? null,
      area: input.area ?? null,
      wantsPublic: input.public,
      proposerId: account?.role === 'citizen' ? account.id : null,
      proposerSealed: sealContact(deps.config, contact),
      enteredBy: user.id,
      now,
      ...(await numbering(tx, deps, tenant.id, receivedOn)),
    });
    await storeAttachments(tx, tenant.id, p.id, files, kinds, 1);
    await afterReceipt(tx, deps, tenant, p, now);
    await appendAudit(tx, {
      tenantId: tenant.id,
      ...actorOf(user),
      action: 'proposal.key_in',
      entityType: 'proposal',
      entityId: p.number,
      details: { channel: input.channel, receivedOn, linkedToAccount: p.proposerId !== null },
    });
    return { id: p.id, number: p.number, status: 'received' as const };
  });
  deps.mail.poke();
  return result;
}

// ---------------------------------------------------------------------------------------------
// Public reads

/** The public list and search (public, moderated proposals only; never the proposer). */
export async function listPublicProposals(sql: Sql, tenantId: string, query: ListQuery): Promise<{ total: number; items: PublicProposal[] }> {
  const terms = query.q ? searchTerms(query.q) : null;
  const names = await departmentNames(sql, tenantId);
  const { total, items } = await repo.listPublic(sql, tenantId, {
    terms,
    status: query.status,
    decision: query.decision,
    section: query.section,
    fiscalYear: query.fiscalYear,
    limit: query.limit,
    offset: query.offset,
  });
  return { total, items: items.map((p) => publicItem(p, names)) };
}

/** One public proposal (404 for any other). */
export async function getPublicProposal(sql: Sql, tenantId: string, number: string): Promise<{ item: PublicProposal; proposal: repo.Proposal }> {
  const p = isProposalNumber(number) ? await repo.findByNumber(sql, tenantId, number) : undefined;
  if (!p || !isPublicProposal(p)) throw notFound(number);
  return { item: publicItem(p, await departmentNames(sql, tenantId)), proposal: p };
}

/** Every public proposal with its answer, for open data. */
export async function openDataProposals(sql: Sql, tenantId: string): Promise<PublicProposal[]> {
  const names = await departmentNames(sql, tenantId);
  return (await repo.listAllPublic(sql, tenantId)).map((p) => publicItem(p, names));
}

/** 年度別の統計 — per fiscal year, newest first. */
export function proposalStatistics(sql: Sql, tenantId: string): Promise<repo.YearStatistics[]> {
  return repo.yearlyStatistics(sql, tenantId);
}

/** Whether this account has supported the proposal. */
export function hasSupported(sql: Sql, tenantId: string, proposalId: string, user: AuthUser | null): Promise<boolean> {
  return user ? repo.hasSupported(sql, tenantId, proposalId, user.id) : Promise.resolve(false);
}

// ---------------------------------------------------------------------------------------------
// The proposer's own

/** The proposer's proposals and drafts. */
export function listOwnProposals(sql: Sql, tenant: Tenant, user: AuthUser): Promise<repo.Proposal[]> {
  return repo.listOwn(sql, tenant.id, user.id);
}

/** One of the proposer's proposals with its history and attachments (404 for anyone else). */
export async function ownProposal(sql: Sql, tenant: Tenant, user: AuthUser, number: string) {
  const p = isProposalNumber(number) ? await repo.findByNumber(sql, tenant.id, number) : undefined;
  if (!p || !isProposer(user, p)) throw notFound(number);
  return { proposal: p, events: await repo.listEvents(sql, tenant.id, p.id), attachments: await repo.listAttachments(sql, tenant.id, p.id) };
}

/** One of the proposer's drafts (404 for anyone else's). */
export async function ownDraft(sql: Sql, tenant: Tenant, user: AuthUser, id: string) {
  const p = await repo.findById(sql, tenant.id, id);
  if (!p || p.status !== 'draft' || !isProposer(user, p)) throw new AppError('not_found', { ja: '下書きが見つかりません', en: 'No such draft' });
  return { proposal: p, attachments: await repo.listAttachments(sql, tenant.id, p.id) };
}

// ---------------------------------------------------------------------------------------------
// Staff

/**
 * The staff inbox: department staff see their department's proposals; plan managers see the
 * intake (unassigned), everything, or one state. `overdue` limits it to overdue answers.
 */
export async function staffInbox(sql: Sql, tenant: Tenant, user: AuthUser, query: InboxQuery, today: string) {
  if (!isStaff(user)) throw new AppError('forbidden');
  const manager = canManageProposals(user);
  const view = query.view ?? (manager ? 'intake' : 'department');
  if (!manager && view !== 'department') throw new AppError('forbidden', { ja: 'この一覧は政策推進課の職員が使います', en: 'This list is for the plan managers' });
  const { total, items } = await repo.listInbox(sql, tenant.id, {
    departmentCode: view === 'department' ? (user.departmentCode ?? '') : null,
    unassignedOnly: view === 'intake',
    status: query.status,
    ...(query.overdue === 'true' ? { overdueOn: today } : {}),
    limit: query.limit,
    offset: query.offset,
  });
  return { view, total, items };
}

/** Answers waiting for the plan manager's approval. */
export async function answersAwaitingApproval(sql: Sql, tenant: Tenant, user: AuthUser) {
  if (!canManageProposals(user)) throw new AppError('forbidden');
  return (await repo.listInbox(sql, tenant.id, { departmentCode: null, unassignedOnly: false, awaitingApproval: true, limit: 500, offset: 0 })).items;
}

/** Overdue answers: all of them for plan managers, their department's for department staff. */
export async function overdueProposals(sql: Sql, tenant: Tenant, user: AuthUser, today: string) {
  if (!isStaff(user)) throw new AppError('forbidden');
  const departmentCode = canManageProposals(user) ? null : (user.departmentCode ?? '');
  return (await repo.listInbox(sql, tenant.id, { departmentCode, unassignedOnly: false, overdueOn: today, limit: 500, offset: 0 })).items;
}

/** What waits for moderation: public-marked proposals not yet reviewed, and open reports. */
export async function moderationQueue(sql: Sql, tenant: Tenant, user: AuthUser) {
  if (!canManageProposals(user)) throw new AppError('forbidden');
  return { pending: await repo.listAwaitingModeration(sql, tenant.id), reports: await repo.listOpenReports(sql, tenant.id) };
}

/** The staff side of one proposal, with the proposer's contact (plan managers and the assigned department). */
export async function staffCase(deps: Pick<AppDeps, 'config'>, sql: Sql, tenant: Tenant, user: AuthUser, number: string, today: string) {
  const p = isProposalNumber(number) ? await repo.findByNumber(sql, tenant.id, number) : undefined;
  if (!p || p.status === 'draft') throw notFound(number);
  if (!canViewCase(user, p)) refuseAccess(user, p);
  return {
    proposal: p,
    contact: openContact(deps.config, p.proposerSealed),
    events: await repo.listEvents(sql, tenant.id, p.id),
    attachments: await repo.listAttachments(sql, tenant.id, p.id),
    reports: await repo.listOpenReports(sql, tenant.id, p.id),
    overdue: isOverdue(p, today),
  };
}

/** An attachment, for the proposer and the staff handling the case only. */
export async function attachmentFor(sql: Sql, tenant: Tenant, user: AuthUser, fileId: string) {
  const missing = new AppError('not_found', { ja: 'ファイルが見つかりません', en: 'No such file' });
  const proposalId = await repo.attachmentOwner(sql, tenant.id, fileId);
  const p = proposalId ? await repo.findById(sql, tenant.id, proposalId) : undefined;
  if (!p || !canReadAttachments(user, p)) throw missing;
  const file = await loadFile(sql, tenant.id, 'proposals', fileId);
  if (!file) throw missing;
  return file;
}
