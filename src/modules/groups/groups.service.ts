/**
 * 市民活動団体の登録 — the registry's workflow: a representative applies; staff approve (with a
 * registration number and a term ending on 31 March), return the application for correction or
 * refuse it; registered groups renew, change their public profile through review, and
 * deregister; terms lapse at fiscal-year end. Every step is kept in the group's history and
 * the audit log, and bumps the public scope when it changes what the directory shows.
 */
import { appendAudit } from '../../core/audit.ts';
import type { AuthUser } from '../../core/auth.ts';
import type { Config } from '../../core/config.ts';
import { decrypt, encrypt } from '../../core/crypto.ts';
import { bumpDataVersion } from '../../core/data-version.ts';
import { fiscalYearOf, isIsoDate, todayJst } from '../../core/dates.ts';
import { isSqlState, type Sql } from '../../core/db/database.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { checkUpload, storeFile, type FileKind } from '../../core/files.ts';
import type { Lang } from '../../core/i18n.ts';
import { enqueueMail } from '../../core/mail.ts';
import { searchColumns, searchTerms } from '../../core/search.ts';
import type { Tenant } from '../../core/tenancy.ts';
import { parseWith } from '../../core/validation.ts';
import type { AppDeps } from '../module.ts';
import { canApply, canReview, isApplicant, isStaff, REGISTRY_DEPARTMENT, RENEWAL_DAYS, TERM_YEARS } from './groups.policy.ts';
import * as repo from './groups.repository.ts';
import {
  ApplicationSchema,
  ApproveSchema,
  LIMITS,
  NoteSchema,
  ProfileSchema,
  publicItem,
  RefuseSchema,
  RejectChangeSchema,
  ReturnSchema,
  type ListQuery,
  type ProfileInput,
  type StaffQuery,
} from './groups.schema.ts';
import {
  DEFAULT_PUBLISHED,
  duplicateKey,
  formatRegistrationNumber,
  refusalOf,
  renewalOpen,
  renewalTerm,
  validUntilFor,
  type Action,
} from './groups.rules.ts';

/** The data-version scope of everything public about groups (and of the metric). */
export const GROUPS_SCOPE = 'groups';

/** Kinds of document a group hands in (規約, 会員名簿, 事業計画・予算). */
export const DOCUMENT_KINDS = ['rules', 'members', 'plan', 'other'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];
export const DOCUMENT_FILE_KINDS: readonly FileKind[] = ['pdf', 'png', 'jpeg'];

/** An uploaded document from a form field (the field names the kind: rules, members, plan). */
export interface Upload {
  field: string;
  filename: string;
  bytes: Buffer;
}


// ---------------------------------------------------------------------------------------------
// Sealing the private contact

/** 非公開の連絡先: the representative's own contact and account e-mail, sealed at rest. */
export interface PrivateContact {
  privateContact: string;
  email: string | null;
}

export function sealPrivate(config: Pick<Config, 'encryptionKey'>, p: PrivateContact): string {
  return encrypt(config.encryptionKey, JSON.stringify(p));
}

export function openPrivate(config: Pick<Config, 'encryptionKey' | 'previousEncryptionKeys'>, sealed: string): PrivateContact {
  for (const key of [config.encryptionKey, ...config.previousEncryptionKeys]) {
    try {
      return JSON.parse(decrypt(key, sealed)) as PrivateContact;
    } catch {
      // try the next key
    }
  }
  throw new Error('the private contact cannot be opened with the configured keys');
}

// ---------------------------------------------------------------------------------------------
// Errors

function notFound(): AppError {
  return new AppError('not_found', { ja: '団体の登録が見つかりません', en: 'No such group registration' });
}

function requireState(action: Action, r: repo.Registration): void {
  const refusal = refusalOf(action, r.status);
  if (refusal) throw new AppError('conflict', refusal);
}

function duplicateError(): AppError {
  return new AppError(
    'conflict',
    { ja: '同じ名称・代表者の団体の申請または登録がすでにあります', en: 'A group with the same name and representative has already applied or is registered' },
    [{ path: 'name', message: 'duplicate' }],
  );
}

function throwIfAny(errors: FieldError[]): void {
  if (errors.length) throw new AppError('validation', undefined, errors);
}

function parse<S extends Parameters<typeof parseWith>[0]>(schema: S, body: unknown, lang: Lang) {
  const parsed = parseWith(schema, body, lang);
  if (!parsed.ok) throw new AppError('validation', undefined, parsed.errors);
  return parsed.value;
}

/** Staff who may review; 403 for other staff, 404 for anyone else. */
async function requireReviewer(deps: AppDeps, sql: Sql, tenantId: string, user: AuthUser): Promise<void> {
  if (!isStaff(user)) throw notFound();
  const department = await deps.settings.get<string>(sql, tenantId, REGISTRY_DEPARTMENT);
  if (!canReview(user, department)) {
    throw new AppError('forbidden', { ja: '団体登録の審査は担当課が行います', en: 'Registrations are reviewed by the registry’s department' });
  }
}

/** The same as requireReviewer, answering true or false (pages show the actions or not). */
export async function mayReview(deps: AppDeps, tenantId: string, user: AuthUser | null): Promise<boolean> {
  if (!isStaff(user)) return false;
  return canReview(user, await deps.settings.get<string>(deps.db, tenantId, REGISTRY_DEPARTMENT));
}

// ---------------------------------------------------------------------------------------------
// Validation of a profile and its documents

async function documentErrors(files: readonly Upload[], existing: number): Promise<{ errors: FieldError[]; kinds: FileKind[] }> {
  const errors: FieldError[] = [];
  const kinds: FileKind[] = [];
  if (existing + files.length > LIMITS.documents) {
    errors.push({ path: files[0]?.field ?? 'rules', message: `書類は${LIMITS.documents}件までです / At most ${LIMITS.documents} documents` });
  }
  for (const f of files) {
    try {
      kinds.push(await checkUpload(f.bytes, { kinds: DOCUMENT_FILE_KINDS, maxBytes: LIMITS.documentBytes }, f.field));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      errors.push({ path: f.field, message: err.errors[0]?.message ?? err.message });
    }
  }
  return { errors, kinds };
}

function documentKindOf(field: string): DocumentKind {
  if (field === 'memberList') return 'members';
  return (DOCUMENT_KINDS as readonly string[]).includes(field) ? (field as DocumentKind) : 'other';
}

async function storeDocuments(tx: Sql, tenantId: string, groupId: string, files: readonly Upload[], kinds: FileKind[], now: Date, actorId: string | null): Promise<void> {
  for (const [i, f] of files.entries()) {
    const stored = await storeFile(tx, tenantId, { owner: 'groups', filename: f.filename, kind: kinds[i]!, bytes: f.bytes });
    await repo.insertDocument(tx, tenantId, groupId, stored.id, documentKindOf(f.field));
    await repo.insertEvent(tx, tenantId, groupId, { kind: 'document_added', at: now, onDate: todayJst(now), actorId, details: { kind: documentKindOf(f.field), filename: stored.filename } });
  }
}

/** The columns a validated profile is stored as. */
export function profileValues(config: Pick<Config, 'encryptionKey'>, input: ProfileInput, representative: string, email: string | null): repo.ProfileValues {
  return {
    name: input.name,
    nameKana: input.nameKana.normalize('NFKC'),
    legalForm: input.legalForm,
    representative,
    fields: input.fields,
    area: input.area,
    purpose: input.purpose,
    activities: input.activities,
    foundedOn: input.foundedOn,
    members: input.members,
    publicContact: input.publicContact,
    privateSealed: sealPrivate(config, { privateContact: input.privateContact, email }),
    website: input.website ?? null,
    fee: input.fee ?? null,
    published: input.publish ?? DEFAULT_PUBLISHED,
    duplicateKey: duplicateKey(input.name, representative),
    search: searchColumns(input.name, input.nameKana, input.area, input.purpose, input.activities),
  };
}

/** Runs a write, turning the duplicate index's refusal into a 409 naming the field. */
async function guardDuplicate<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isSqlState(err, '23505') && /group_registrations_live/.test(String((err as Error).message) + JSON.stringify(err))) throw duplicateError();
    if (isSqlState(err, '23505')) throw new AppError('conflict', { ja: 'この登録番号はすでに使われています', en: 'This registration number is already in use' }, [{ path: 'number', message: 'duplicate' }]);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Applying

export interface Applied {
  id: string;
  status: 'applied';
}

/** 登録申請: a citizen applies for their group (with documents from the form). */
export async function applyForRegistration(deps: AppDeps, tenant: Tenant, user: AuthUser, body: unknown, lang: Lang, files: readonly Upload[] = []): Promise<Applied> {
  if (!canApply(user)) throw new AppError('forbidden', { ja: '団体登録は市民のアカウントで申請します', en: 'Groups apply from a citizen account' });
  const parsed = parseWith(ApplicationSchema, body, lang);
  const docs = await documentErrors(files, 0);
  throwIfAny([...(parsed.ok ? [] : parsed.errors), ...docs.errors]);
  const input = (parsed as { ok: true; value: ProfileInput }).value;
  const representative = input.representative ?? user.displayName.slice(0, LIMITS.representative);
  const values = profileValues(deps.config, input, representative, user.email);
  const now = deps.clock.now();
  const today = todayJst(now);
  if (await repo.findLiveDuplicate(deps.db, tenant.id, values.duplicateKey)) throw duplicateError();
  const r = await guardDuplicate(() =>
    deps.db.transaction(async (tx) => {
      const r = await repo.insertRegistration(tx, tenant.id, {
        ...values,
        status: 'applied',
        number: null,
        applicantId: user.id,
        appliedOn: today,
        registeredOn: null,
        validUntil: null,
        isDemo: false,
        now,
      });
      await repo.insertEvent(tx, tenant.id, r.id, { kind: 'applied', at: now, onDate: today, actorId: user.id });
      await storeDocuments(tx, tenant.id, r.id, files, docs.kinds, now, user.id);
      return r;
    }),
  );
  return { id: r.id, status: 'applied' };
}

/** The applicant corrects a returned application (it is under review again). */
export async function resubmitApplication(deps: AppDeps, tenant: Tenant, user: AuthUser, id: string, body: unknown, lang: Lang, files: readonly Upload[] = []) {
  const parsed = parseWith(ProfileSchema, body, lang);
  const existing = await repo.findById(deps.db, tenant.id, id);
  if (!existing || !isApplicant(user, existing)) throw notFound();
  const docs = await documentErrors(files, (await repo.documentsOf(deps.db, tenant.id, id)).length);
  throwIfAny([...(parsed.ok ? [] : parsed.errors), ...docs.errors]);
  const input = (parsed as { ok: true; value: ProfileInput }).value;
  const now = deps.clock.now();
  const values = profileValues(deps.config, input, input.representative ?? existing.representative, user.email);
  if (await repo.findLiveDuplicate(deps.db, tenant.id, values.duplicateKey, id)) throw duplicateError();
  return guardDuplicate(() =>
    deps.db.transaction(async (tx) => {
      const r = await repo.lockById(tx, tenant.id, id);
      if (!r) throw notFound();
      requireState('resubmit', r);
      await repo.updateProfile(tx, tenant.id, id, values, now);
      const after = await repo.patchState(tx, tenant.id, id, { status: 'applied', returnMessage: null }, now);
      await repo.insertEvent(tx, tenant.id, id, { kind: 'resubmitted', at: now, onDate: todayJst(now), actorId: user.id });
      await storeDocuments(tx, tenant.id, id, files, docs.kinds, now, user.id);
      return { id: after.id, status: after.status };
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Reviewing

async function mailApplicant(tx: Sql, deps: AppDeps, tenant: Tenant, r: repo.Registration, what: { ja: string; en: string }): Promise<void> {
  const contact = openPrivate(deps.config, r.privateSealed);
  if (!contact.email) return;
  const url = `${deps.config.publicUrl}/my/groups`;
  await enqueueMail(tx, {
    tenantId: tenant.id,
    to: contact.email,
    subject: `【${tenant.nameJa}】団体登録: ${r.name} / Group registration`,
    text: `${r.name} 様\n\n${what.ja}\n\n${url}\n\n----\n\n${what.en}\n\n${url}`,
  });
}

async function audit(tx: Sql, tenantId: string, user: AuthUser | null, action: string, r: repo.Registration, details: Record<string, unknown> = {}): Promise<void> {
  await appendAudit(tx, {
    tenantId,
    actorId: user?.id ?? null,
    actorLabel: user?.email ?? 'system',
    action: `groups.${action}`,
    entityType: 'group_registration',
    entityId: r.id,
    details: { number: r.number, ...details },
  });
}

/** A staff action on one registration: locked, checked, applied, recorded. */
async function staffAction<T>(
  deps: AppDeps,
  tenant: Tenant,
  user: AuthUser,
  id: string,
  action: Action,
  apply: (tx: Sql, r: repo.Registration, now: Date, today: string) => Promise<T>,
): Promise<T> {
  await requireReviewer(deps, deps.db, tenant.id, user);
  if (!isUuid(id)) throw notFound();
  const result = await guardDuplicate(() =>
    deps.db.transaction(async (tx) => {
      const r = await repo.lockById(tx, tenant.id, id);
      if (!r) throw notFound();
      requireState(action, r);
      const now = deps.clock.now();
      return apply(tx, r, now, todayJst(now));
    }),
  );
  deps.mail.poke();
  return result;
}

export function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}

/** 承認: a registration number (the next of the fiscal year unless given) and the term. */
export async function approveRegistration(deps: AppDeps, tenant: Tenant, user: AuthUser, id: string, body: unknown, lang: Lang) {
  const input = parse(ApproveSchema, body ?? {}, lang);
  return staffAction(deps, tenant, user, id, 'approve', async (tx, r, now, today) => {
    const years = await deps.settings.get<number>(tx, tenant.id, TERM_YEARS);
    const validUntil = validUntilFor(today, years);
    let number = input.number;
    if (number && (await repo.numberTaken(tx, tenant.id, number))) {
      throw new AppError('conflict', { ja: 'この登録番号はすでに使われています', en: 'This registration number is already in use' }, [{ path: 'number', message: 'duplicate' }]);
    }
    if (!number) {
      do number = formatRegistrationNumber(fiscalYearOf(today), await repo.allocateSeq(tx, tenant.id, fiscalYearOf(today)));
      while (await repo.numberTaken(tx, tenant.id, number));
    }
    const after = await repo.patchState(tx, tenant.id, r.id, { status: 'registered', number, registeredOn: today, validUntil }, now);
    await repo.insertTerm(tx, tenant.id, r.id, today, validUntil);
    await repo.insertEvent(tx, tenant.id, r.id, { kind: 'approved', at: now, onDate: today, actorId: user.id, note: input.note ?? null, details: { number, validUntil } });
    await audit(tx, tenant.id, user, 'approve', after, { validUntil });
    await mailApplicant(tx, deps, tenant, after, {
      ja: `団体登録を承認しました。登録番号は ${number}、登録期間は ${validUntil} までです。`,
      en: `The registration is approved: number ${number}, valid until ${validUntil}.`,
    });
    await bumpDataVersion(tx, tenant.id, GROUPS_SCOPE);
    return { id: after.id, status: after.status, number, registeredOn: today, validUntil };
  });
}

/** 差し戻し: back to the applicant with what to correct. */
export async function returnApplication(deps: AppDeps, tenant: Tenant, user: AuthUser, id: string, body: unknown, lang: Lang) {
  const input = parse(ReturnSchema, body, lang);
  return staffAction(deps, tenant, user, id, 'return', async (tx, r, now, today) => {
    const after = await repo.patchState(tx, tenant.id, r.id, { status: 'returned', returnMessage: input.message }, now);
    await repo.insertEvent(tx, tenant.id, r.id, { kind: 'returned', at: now, onDate: today, actorId: user.id, note: input.message });
    await audit(tx, tenant.id, user, 'return', after);
    await mailApplicant(tx, deps, tenant, after, {
      ja: `申請内容の修正をお願いします。\n${input.message}`,
      en: `Please correct the application.\n${input.message}`,
    });
    return { id: after.id, status: after.status, message: input.message };
  });
}

/** 登録不可: refused, with the reason. */
export async function refuseApplication(deps: AppDeps, tenant: Tenant, user: AuthUser, id: string, body: unknown, lang: Lang) {
  const input = parse(RefuseSchema, body, lang);
  return staffAction(deps, tenant, user, id, 'refuse', async (tx, r, now, today) => {
    const after = await repo.patchState(tx, tenant.id, r.id, { status: 'refused', refusalReason: input.reason }, now);
    await repo.insertEvent(tx, tenant.id, r.id, { kind: 'refused', at: now, onDate: today, actorId: user.id, note: input.reason });
    await audit(tx, tenant.id, user, 'refuse', after);
    await mailApplicant(tx, deps, tenant, after, { ja: `団体登録はできませんでした。\n理由: ${input.reason}`, en: `The group cannot be registered.\nReason: ${input.reason}` });
    return { id: after.id, status: after.status, reason: input.reason };
  });
}

/** 更新: a new term, straight after the current one (or from today once lapsed). */
export async function renewRegistration(deps: AppDeps, tenant: Tenant, user: AuthUser, id: string, body: unknown, lang: Lang) {
  const input = parse(NoteSchema, body ?? {}, lang);
  return staffAction(deps, tenant, user, id, 'renew', async (tx, r, now, today) => {
    const windowDays = await deps.settings.get<number>(tx, tenant.id, RENEWAL_DAYS);
    if (!renewalOpen(r.validUntil!, today, windowDays)) {
      throw new AppError('conflict', {
        ja: `更新は登録期間の終わる${windowDays}日前から受け付けます（登録期間は ${r.validUntil} まで）`,
        en: `Renewal opens ${windowDays} days before the term ends (valid until ${r.validUntil})`,
      });
    }
    const years = await deps.settings.get<number>(tx, tenant.id, TERM_YEARS);
    const term = renewalTerm(r.validUntil!, today, years);
    await repo.insertTerm(tx, tenant.id, r.id, term.startsOn, term.endsOn);
    const after = await repo.patchState(tx, tenant.id, r.id, { status: 'registered', validUntil: term.endsOn, lapsedOn: null, renewalRequestedOn: null }, now);
    await repo.insertEvent(tx, tenant.id, r.id, { kind: 'renewed', at: now, onDate: today, actorId: user.id, note: input.note ?? null, details: term });
    await audit(tx, tenant.id, user, 'renew', after, term);
    await mailApplicant(tx, deps, tenant, after, { ja: `団体登録を更新しました。登録期間は ${term.endsOn} までです。`, en: `The registration is renewed until ${term.endsOn}.` });
    await bumpDataVersion(tx, tenant.id, GROUPS_SCOPE);
    return { id: after.id, status: after.status, number: after.number, validUntil: term.endsOn, term };
  });
}

/** 登録抹消 by staff: not registered from today. */
export async function deregisterByStaff(deps: AppDeps, tenant: Tenant, user: AuthUser, id: string, body: unknown, lang: Lang) {
  const input = parse(NoteSchema, body ?? {}, lang);
  return staffAction(deps, tenant, user, id, 'deregister', (tx, r, now, today) => deregister(tx, deps, tenant, user, r, now, today, input.note ?? null));
}

async function deregister(tx: Sql, deps: AppDeps, tenant: Tenant, user: AuthUser, r: repo.Registration, now: Date, today: string, note: string | null) {
  await repo.cutTerms(tx, tenant.id, r.id, today);
  const after = await repo.patchState(tx, tenant.id, r.id, { status: 'deregistered', deregisteredOn: today, pendingChange: null, renewalRequestedOn: null }, now);
  await repo.insertEvent(tx, tenant.id, r.id, { kind: 'deregistered', at: now, onDate: today, actorId: user.id, note });
  await audit(tx, tenant.id, user, 'deregister', after, { byApplicant: isApplicant(user, r) });
  await mailApplicant(tx, deps, tenant, after, { ja: `団体登録を抹消しました（${today}）。`, en: `The registration was ended on ${today}.` });
  await bumpDataVersion(tx, tenant.id, GROUPS_SCOPE);
  return { id: after.id, status: after.status, number: after.number, deregisteredOn: today };
}

/** The applicant's own registration, locked, or 404. */
async function ownAction<T>(deps: AppDeps, tenant: Tenant, user: AuthUser, id: string, action: Action, apply: (tx: Sql, r: repo.Registration, now: Date, today: string) => Promise<T>): Promise<T> {
  if (!isUuid(id)) throw notFound();
  const result = await deps.db.transaction(async (tx) => {
    const r = await repo.lockById(tx, tenant.id, id);
    if (!r || !isApplicant(user, r)) throw notFound();
    requireState(action, r);
    const now = deps.clock.now();
    return apply(tx, r, now, todayJst(now));
  });
  deps.mail.poke();
  return result;
}

/** The group itself deregisters (its representative's account). */
export async function deregisterByApplicant(deps: AppDeps, tenant: Tenant, user: AuthUser, id: string) {
  return ownAction(deps, tenant, user, id, 'deregister', (tx, r, now, today) => deregister(tx, deps, tenant, user, r, now, today, null));
}

/** 更新の申出: the group asks to renew once renewal is open; staff then renew. */
export async function requestRenewal(deps: AppDeps, tenant: Tenant, user: AuthUser, id: string) {
  return ownAction(deps, tenant, user, id, 'renew', async (tx, r, now, today) => {
    const windowDays = await deps.settings.get<number>(tx, tenant.id, RENEWAL_DAYS);
    if (!renewalOpen(r.validUntil!, today, windowDays)) {
      throw new AppError('conflict', { ja: `更新は登録期間の終わる${windowDays}日前から申し出られます`, en: `Renewal opens ${windowDays} days before the term ends` });
    }
    const after = await repo.patchState(tx, tenant.id, r.id, { renewalRequestedOn: today }, now);
    await repo.insertEvent(tx, tenant.id, r.id, { kind: 'renewal_requested', at: now, onDate: today, actorId: user.id });
    return { id: after.id, status: after.status, renewalRequestedOn: today };
  });
}

/** 登録内容の変更: the group proposes a new profile; it shows once staff approve it. */
export async function requestChange(deps: AppDeps, tenant: Tenant, user: AuthUser, id: string, body: unknown, lang: Lang) {
  const input = parse(ProfileSchema, body, lang);
  return ownAction(deps, tenant, user, id, 'requestChange', async (tx, r, now, today) => {
    const after = await repo.patchState(tx, tenant.id, r.id, { pendingChange: input as unknown as Record<string, unknown> }, now);
    await repo.insertEvent(tx, tenant.id, r.id, { kind: 'change_requested', at: now, onDate: today, actorId: user.id });
    return { id: after.id, status: after.status, changePending: true };
  });
}

/** Staff approve a pending profile change: the public profile changes now. */
export async function approveChange(deps: AppDeps, tenant: Tenant, user: AuthUser, id: string) {
  return staffAction(deps, tenant, user, id, 'reviewChange', async (tx, r, now, today) => {
    if (!r.pendingChange) throw new AppError('conflict', { ja: '審査する変更はありません', en: 'No change is waiting for review' });
    const parsed = parseWith(ProfileSchema, r.pendingChange, 'ja');
    if (!parsed.ok) throw new AppError('conflict', { ja: '変更内容が不正です', en: 'The change is not valid' }, parsed.errors);
    const contact = openPrivate(deps.config, r.privateSealed);
    const values = profileValues(deps.config, parsed.value, parsed.value.representative ?? r.representative, contact.email);
    await repo.updateProfile(tx, tenant.id, r.id, values, now);
    const after = await repo.patchState(tx, tenant.id, r.id, { pendingChange: null }, now);
    const changed = Object.keys(r.pendingChange).filter((k) => k !== 'privateContact');
    await repo.insertEvent(tx, tenant.id, r.id, { kind: 'change_approved', at: now, onDate: today, actorId: user.id, details: { fields: changed } });
    await audit(tx, tenant.id, user, 'change.approve', after);
    await mailApplicant(tx, deps, tenant, after, { ja: '登録内容の変更を承認しました。', en: 'The change of the registration is approved.' });
    await bumpDataVersion(tx, tenant.id, GROUPS_SCOPE);
    return { id: after.id, status: after.status, changePending: false };
  });
}

/** Staff reject a pending profile change, with the reason. */
export async function rejectChange(deps: AppDeps, tenant: Tenant, user: AuthUser, id: string, body: unknown, lang: Lang) {
  const input = parse(RejectChangeSchema, body, lang);
  return staffAction(deps, tenant, user, id, 'reviewChange', async (tx, r, now, today) => {
    if (!r.pendingChange) throw new AppError('conflict', { ja: '審査する変更はありません', en: 'No change is waiting for review' });
    const after = await repo.patchState(tx, tenant.id, r.id, { pendingChange: null }, now);
    await repo.insertEvent(tx, tenant.id, r.id, { kind: 'change_rejected', at: now, onDate: today, actorId: user.id, note: input.reason });
    await audit(tx, tenant.id, user, 'change.reject', after);
    await mailApplicant(tx, deps, tenant, after, { ja: `登録内容の変更は認められませんでした。\n理由: ${input.reason}`, en: `The change was not accepted.\nReason: ${input.reason}` });
    return { id: after.id, status: after.status, changePending: false };
  });
}

// ---------------------------------------------------------------------------------------------
// Reading

/** The public directory: groups active (or lapsed) on a day, with the filters. */
export async function listPublicGroups(sql: Sql, tenantId: string, q: ListQuery, today: string) {
  const asOf = q.asOf ?? today;
  const { total, items } = await repo.listDirectory(sql, tenantId, {
    status: q.status,
    asOf,
    field: q.field,
    area: q.area || undefined,
    terms: q.q ? searchTerms(q.q) : null,
    limit: q.limit,
    offset: q.offset,
  });
  return { total, asOf, limit: q.limit, offset: q.offset, items: items.map(publicItem) };
}

/** A registered group's public page (404 for an application or an unknown number). */
export async function publicGroup(sql: Sql, tenantId: string, number: string, today: string) {
  const r = await repo.findByNumber(sql, tenantId, number);
  if (!r || r.registeredOn === null) throw notFound();
  const terms = await repo.termsOf(sql, tenantId, r.id);
  const active = terms.some((t) => t.startsOn <= today && today <= t.endsOn);
  return { ...publicItem(r), active, status: r.status === 'deregistered' ? 'deregistered' : active ? 'active' : 'lapsed' };
}

/** The applicant's own registrations. */
export async function myRegistrations(deps: AppDeps, tenantId: string, user: AuthUser) {
  const rows = await repo.listByApplicant(deps.db, tenantId, user.id);
  return rows.map((r) => ({ registration: r, privateContact: openPrivate(deps.config, r.privateSealed).privateContact }));
}

/** One of the applicant's registrations with its history (404 for anyone else's). */
export async function myRegistration(deps: AppDeps, tenantId: string, user: AuthUser, id: string) {
  if (!isUuid(id)) throw notFound();
  const r = await repo.findById(deps.db, tenantId, id);
  if (!r || !isApplicant(user, r)) throw notFound();
  return recordOf(deps, deps.db, tenantId, r);
}

async function recordOf(deps: AppDeps, sql: Sql, tenantId: string, r: repo.Registration) {
  return {
    registration: r,
    privateContact: openPrivate(deps.config, r.privateSealed).privateContact,
    events: await repo.eventsOf(sql, tenantId, r.id),
    terms: await repo.termsOf(sql, tenantId, r.id),
    documents: await repo.documentsOf(sql, tenantId, r.id),
  };
}

/** Staff: the register and the queue. */
export async function staffList(deps: AppDeps, tenantId: string, user: AuthUser, q: StaffQuery) {
  if (!isStaff(user)) throw notFound();
  return repo.listForStaff(deps.db, tenantId, { status: q.status, terms: q.q ? searchTerms(q.q) : null, limit: q.limit, offset: q.offset });
}

/** Staff: one group's full record (private contact, history, documents). */
export async function staffRecord(deps: AppDeps, tenantId: string, user: AuthUser, id: string) {
  if (!isStaff(user) || !isUuid(id)) throw notFound();
  const r = await repo.findById(deps.db, tenantId, id);
  if (!r) throw notFound();
  return recordOf(deps, deps.db, tenantId, r);
}

/** A document of a registration, for its applicant or staff (404 for anyone else). */
export async function documentFor(deps: AppDeps, tenantId: string, user: AuthUser, fileId: string): Promise<string> {
  if (!isUuid(fileId)) throw notFound();
  const groupId = await repo.documentGroup(deps.db, tenantId, fileId);
  if (!groupId) throw notFound();
  const r = await repo.findById(deps.db, tenantId, groupId);
  if (!r || !(isStaff(user) || isApplicant(user, r))) throw notFound();
  return groupId;
}

/** True when the day is an ISO date (route guard for asOf). */
export function validDay(day: string | undefined): boolean {
  return day === undefined || isIsoDate(day);
}


/** The areas of the registered groups (the directory's filter). */
export function directoryAreas(sql: Sql, tenantId: string): Promise<string[]> {
  return repo.directoryAreas(sql, tenantId);
}
