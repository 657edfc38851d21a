/**
 * 電子申請 — the service: the catalogue (procedures and their versioned forms), receiving
 * applications (validated whole, sealed, numbered, audited, idempotent), the inquiry by
 * receipt number and password, the department's inbox and workflow, the statistics with the
 * counter counts staff enter, and one-stop bundles.
 */
import { appendAudit, canonicalJson } from '../../core/audit.ts';
import type { AuthUser } from '../../core/auth.ts';
import { bumpDataVersion } from '../../core/data-version.ts';
import { fiscalYearOf, todayJst } from '../../core/dates.ts';
import { batchedPerDatabase } from '../../core/db/batch.ts';
import type { Sql } from '../../core/db/database.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { enqueueMail } from '../../core/mail.ts';
import { enforceRateLimits, type RateLimit } from '../../core/rate-limit.ts';
import { findDepartment, type Tenant } from '../../core/tenancy.ts';
import { parseWith } from '../../core/validation.ts';
import type { AppDeps } from '../module.ts';
import { FieldsSchema, isFileAnswer, validateAnswers, type Answers, type FieldDef, type FileAnswer } from './procedures.fields.ts';
import './procedures.messages.ts';
import * as repo from './procedures.repository.ts';
import { filesOfForm, formKeyHash, openAttachment } from './procedures.attachments.ts';
import { linkPending } from './procedures.attachments.repository.ts';
import { deleteDraft, deleteDraftOfForm } from './procedures.drafts.repository.ts';
import { BundleSchema, CounterSchema, CreateProcedureSchema, FormSchema, StatusChangeSchema, type CreateProcedure } from './procedures.schema.ts';
import { hashInquiryPassword, inquiryPasswordMatches, keyedHash, newInquiryPassword, retryPassword, seal, unseal } from './procedures.secrets.ts';
import { canCorrect, canStaffMove, canWithdraw, isReceiptNumber, purgeAfter, type Status } from './procedures.workflow.ts';

/** The data-version scope of the statistics and the metric. */
export const PROCEDURES_SCOPE = 'procedures';

export const RATE_LIMITS = {
  /** Guessing passwords: per receipt number and per client. */
  inquiryPerReceipt: { bucket: 'procedures.inquiry.receipt', limit: 10, windowSeconds: 900 },
  inquiryPerClient: { bucket: 'procedures.inquiry.client', limit: 30, windowSeconds: 900 },
} as const satisfies Record<string, RateLimit>;

/** How long a retry with the same Idempotency-Key is answered with the password again. */
const RETRY_MS = 86_400_000;

const STAFF_ROLES = new Set(['staff', 'plan_manager', 'admin']);

/** Staff who may build and publish a department's procedures: its own staff, and administrators. */
export function canManageProcedures(user: AuthUser, departmentCode: string): boolean {
  return STAFF_ROLES.has(user.role) && (user.role === 'admin' || user.departmentCode === departmentCode);
}

/** Staff who may see and process an application: the staff of the department handling it, nobody else. */
export function canHandle(user: AuthUser | null, app: Pick<repo.Application, 'departmentCode'>): boolean {
  return !!user && STAFF_ROLES.has(user.role) && user.departmentCode !== null && user.departmentCode === app.departmentCode;
}

const say = (lang: Lang, key: string, params?: Record<string, string | number>) => ({ ja: translate('ja', key, params), en: translate('en', key, params) });
const validation = (errors: FieldError[]) => new AppError('validation', undefined, errors);
const actor = (user: AuthUser) => ({ actorId: user.id, actorLabel: user.email });

function procedureNotFound(code: string): AppError {
  return new AppError('not_found', say('ja', 'procedures.error.notFound', { code: code.slice(0, 60) }));
}

function applicationNotFound(receipt: string): AppError {
  return new AppError('not_found', say('ja', 'procedures.error.applicationNotFound', { receipt: receipt.slice(0, 20) }));
}

// ---------------------------------------------------------------------------------------------
// Catalogue

/** A procedure as staff and the public read it, with the form of a version. */
export interface ProcedureView extends repo.Procedure {
  fields: FieldDef[];
  /** The version `fields` belong to. */
  version: number;
}

/** Published forms never change: kept in memory once read (keyed by tenant, procedure and version). */
const formCache = new Map<string, FieldDef[]>();

async function publishedForm(sql: Sql, tenantId: string, p: repo.Procedure): Promise<FieldDef[]> {
  if (p.publishedVersion === null) throw new AppError('conflict', say('ja', 'procedures.error.notPublished'));
  return formOf(sql, tenantId, p.id, p.publishedVersion);
}

/** The fields of a published (or retired) version; drafts are read fresh. */
async function formOf(sql: Sql, tenantId: string, procedureId: string, version: number): Promise<FieldDef[]> {
  const key = `${tenantId}:${procedureId}:${version}`;
  const cached = formCache.get(key);
  if (cached) return cached;
  const v = await repo.findVersion(sql, tenantId, procedureId, version);
  if (!v) throw new Error(`procedure ${procedureId} has no version ${version}`);
  if (v.state !== 'draft') {
    if (formCache.size > 5000) formCache.clear();
    formCache.set(key, v.fields);
  }
  return v.fields;
}

/** Staff create a procedure: version 1 of its form, as a draft. */
export async function createProcedure(deps: AppDeps, tenant: Tenant, user: AuthUser, body: unknown, lang: Lang, options: { isDemo?: boolean } = {}) {
  const parsed = parseWith(CreateProcedureSchema, body, lang);
  const errors = parsed.ok ? [] : [...parsed.errors];
  const department = typeof (body as { department?: unknown })?.department === 'string' ? ((body as { department: string }).department) : '';
  if (department && !errors.some((e) => e.path === 'department') && !(await findDepartment(deps.db, tenant.id, department))) {
    errors.push({ path: 'department', message: translate(lang, 'procedures.error.department', { code: department.slice(0, 40) }) });
  }
  if (errors.length || !parsed.ok) throw validation(errors);
  const input: CreateProcedure = parsed.value;
  if (!canManageProcedures(user, input.department)) throw new AppError('forbidden', say(lang, 'procedures.error.notYourDepartment'));
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const id = await repo.insertProcedure(tx, tenant.id, {
      code: input.code,
      title: input.title,
      description: input.description ?? '',
      eligibility: input.eligibility ?? '',
      departmentCode: input.department,
      identity: input.identity,
      retentionYears: input.retentionYears,
      isDemo: options.isDemo ?? false,
      now,
    });
    if (!id) throw new AppError('conflict', say(lang, 'procedures.error.exists', { code: input.code }), [{ path: 'code', message: translate(lang, 'procedures.error.exists', { code: input.code }) }]);
    await repo.insertVersion(tx, tenant.id, id, 1, input.fields, now);
    await appendAudit(tx, { tenantId: tenant.id, ...actor(user), action: 'procedure.create', entityType: 'procedure', entityId: input.code, details: { version: 1 } });
    return { code: input.code, version: 1, state: 'draft' as const, publishedVersion: null };
  });
}

async function lockManaged(tx: Sql, tenant: Tenant, user: AuthUser, code: string, lang: Lang): Promise<repo.Procedure> {
  const p = await repo.lockProcedure(tx, tenant.id, code);
  if (!p) throw procedureNotFound(code);
  if (!canManageProcedures(user, p.departmentCode)) throw new AppError('forbidden', say(lang, 'procedures.error.notYourDepartment'));
  return p;
}

/**
 * A new form: the draft version is edited; when the newest version is published, the next
 * version starts as a draft (the published one is never edited in place).
 */
export async function updateForm(deps: AppDeps, tenant: Tenant, user: AuthUser, code: string, body: unknown, lang: Lang) {
  const parsed = parseWith(FormSchema, body, lang);
  if (!parsed.ok) throw validation(parsed.errors);
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const p = await lockManaged(tx, tenant, user, code, lang);
    let version = p.latestVersion;
    if (p.latestState === 'draft') await repo.updateDraftFields(tx, tenant.id, p.id, version, parsed.value.fields);
    else await repo.insertVersion(tx, tenant.id, p.id, ++version, parsed.value.fields, now);
    await appendAudit(tx, { tenantId: tenant.id, ...actor(user), action: 'procedure.form', entityType: 'procedure', entityId: code, details: { version } });
    return { code, version, state: 'draft' as const, publishedVersion: p.publishedVersion };
  });
}

/** Publishes the draft version: new applications use it, earlier ones keep theirs. */
export async function publishProcedure(deps: AppDeps, tenant: Tenant, user: AuthUser, code: string, lang: Lang) {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const p = await lockManaged(tx, tenant, user, code, lang);
    if (p.latestState !== 'draft') {
      if (p.publishedVersion === p.latestVersion) return { code, version: p.latestVersion, state: 'published' as const, publishedVersion: p.publishedVersion };
      throw new AppError('conflict', say(lang, 'procedures.error.noDraft'));
    }
    // A draft saved before the schema checks of today is checked again.
    const fields = (await repo.findVersion(tx, tenant.id, p.id, p.latestVersion))!.fields;
    const check = parseWith(FieldsSchema, fields, lang);
    if (!check.ok) throw validation(check.errors.map((e) => ({ ...e, path: `fields.${e.path}` })));
    await repo.publishVersion(tx, tenant.id, p.id, p.latestVersion, now);
    openForms.delete(`${tenant.id}:${code}`);
    await appendAudit(tx, { tenantId: tenant.id, ...actor(user), action: 'procedure.publish', entityType: 'procedure', entityId: code, details: { version: p.latestVersion } });
    await bumpDataVersion(tx, tenant.id, PROCEDURES_SCOPE);
    return { code, version: p.latestVersion, state: 'published' as const, publishedVersion: p.latestVersion };
  });
}

/** A procedure with the form applicants fill in (published), or for its staff the newest version. */
export async function readProcedure(deps: AppDeps, tenant: Tenant, user: AuthUser | null, code: string): Promise<ProcedureView> {
  const p = await repo.findProcedure(deps.db, tenant.id, code);
  if (!p) throw procedureNotFound(code);
  const staff = user && canManageProcedures(user, p.departmentCode);
  if (p.publishedVersion === null && !staff) throw procedureNotFound(code);
  const version = staff ? p.latestVersion : p.publishedVersion!;
  return { ...p, version, fields: await formOf(deps.db, tenant.id, p.id, version) };
}

/** The published catalogue (or, for staff, their department's procedures too). */
export async function listProcedures(deps: AppDeps, tenantId: string, options: { department?: string } = {}) {
  return repo.listProcedures(deps.db, tenantId, { publishedOnly: !options.department, ...(options.department ? { department: options.department } : {}) });
}

// ---------------------------------------------------------------------------------------------
// Applying

export interface Applicant {
  user: AuthUser | null;
  ip: string;
}

export interface Receipt {
  receiptNumber: string;
  /** The inquiry password: shown once (and again to a retry of the same request within a day; null after). */
  password: string | null;
  status: Status;
  procedure: string;
  version: number;
  receivedAt: string;
  /** True when this answers a retry of a request already received. */
  replayed: boolean;
}

/** Who may apply: anyone for identity `none`, a signed-in user for `account`. */
function requireIdentity(p: repo.Procedure, applicant: Applicant, lang: Lang): void {
  if (p.identity === 'account' && !applicant.user) throw new AppError('unauthenticated', say(lang, 'procedures.error.signIn'));
}

/**
 * Receives an application: answers checked against the published form (every error listed,
 * nothing stored), sealed, numbered and audited in one statement. With an Idempotency-Key,
 * a retry (a double click, a network retry — also 20 at once) answers the same receipt and
 * stores nothing new; the key reused for different answers is refused (409).
 */
export async function submitApplication(
  deps: AppDeps,
  tenant: Tenant,
  applicant: Applicant,
  code: string,
  body: unknown,
  lang: Lang,
  options: { idempotencyKey?: string | undefined; isDemo?: boolean; receivedAt?: Date; formKey?: string; prefix?: string } = {},
): Promise<Receipt> {
  const raw = body && typeof body === 'object' && !Array.isArray(body) ? (body as { answers?: unknown }).answers : undefined;
  for (let attempt = 0; ; attempt++) {
    // The open form from memory (no query): the insert itself checks that it is still the
    // published version, and a stale one is read again once.
    const open = (attempt === 0 ? openForms.get(`${tenant.id}:${code}`) : undefined) ?? (await loadOpenForm(deps.db, tenant.id, code));
    requireIdentity(open.procedure, applicant, lang);
    // The files the form's uploads left (the page's hidden form key, or the one an API upload answered).
    const held = options.formKey && open.fields.some((f) => f.type === 'file') ? await filesOfForm(deps.db, deps.config, tenant.id, open.procedure.id, options.formKey) : null;
    const { answers, errors } = validateAnswers(open.fields, raw, lang, { ...(held ? { files: held.answers } : {}), ...(options.prefix ? { prefix: options.prefix } : {}) });
    if (errors.length) throw validation(errors);
    const attachments = held && options.formKey ? { formKeyHash: formKeyHash(deps.config, options.formKey), ids: fileIdsOf(answers) } : undefined;
    const receipt = await receive(deps, tenant, applicant, open.procedure, open.procedure.publishedVersion!, answers, { ...options, ...(attachments ? { attachments } : {}) });
    if (receipt !== 'stale') {
      // A draft of this form (the page's form key, or the draft an API client names) is done with.
      const draft = (body as { draft?: unknown }).draft;
      if (applicant.user && options.formKey) await deleteDraftOfForm(deps.db, tenant.id, applicant.user.id, formKeyHash(deps.config, options.formKey));
      if (applicant.user && typeof draft === 'string' && /^[0-9a-f-]{36}$/i.test(draft)) await deleteDraft(deps.db, tenant.id, applicant.user.id, draft);
      return receipt;
    }
    openForms.delete(`${tenant.id}:${code}`);
    if (attempt >= 1) throw new AppError('conflict', say(lang, 'procedures.error.notPublished'));
  }
}

/** The attachments the answers name (a file of a field not shown is not among them). */
function fileIdsOf(answers: Answers): string[] {
  return Object.values(answers).flatMap((v) => (isFileAnswer(v) ? [v.file] : []));
}

/** Published procedures with their forms, by tenant and code (checked by every insert). */
const openForms = new Map<string, { procedure: repo.Procedure; fields: FieldDef[] }>();

async function loadOpenForm(sql: Sql, tenantId: string, code: string) {
  const p = await repo.findProcedure(sql, tenantId, code);
  if (!p || p.publishedVersion === null) throw procedureNotFound(code);
  const open = { procedure: p, fields: await publishedForm(sql, tenantId, p) };
  if (!sql.inTransaction) {
    if (openForms.size > 5000) openForms.clear();
    openForms.set(`${tenantId}:${code}`, open);
  }
  return open;
}

/**
 * Applications without files, written with those arriving at the same moment in one statement
 * (group commit: core/db/batch.ts); inside a caller's transaction (demo seeding), alone in it.
 */
const gatheredInsert = batchedPerDatabase<{ tenantId: string; application: repo.NewApplication }, { id: string; receiptNumber: string } | null>((db) => ({
  many: (rows) => repo.insertApplications(db, rows),
  one: (row) => repo.insertApplication(db, row.tenantId, row.application),
}));

async function receive(
  deps: AppDeps,
  tenant: Tenant,
  applicant: Applicant,
  p: repo.Procedure,
  version: number,
  answers: Answers,
  options: {
    idempotencyKey?: string | undefined;
    isDemo?: boolean;
    receivedAt?: Date;
    bundle?: { id: string; receipt: string };
    /** The form's uploads the answers name: the application takes them (every one still pending, or 409). */
    attachments?: { formKeyHash: string; ids: readonly string[] };
  },
): Promise<Receipt | 'stale'> {
  const now = options.receivedAt ?? deps.clock.now();
  const today = todayJst(now);
  const password = options.idempotencyKey ? retryPassword(deps.config, tenant.id, p.id, options.idempotencyKey) : newInquiryPassword();
  const keyHash = options.idempotencyKey ? keyedHash(deps.config, 'idempotency', options.idempotencyKey) : null;
  const requestHash = keyedHash(deps.config, 'request', `${p.id}|${version}|${canonicalJson(answers)}`);
  const sealed = seal(deps.config, JSON.stringify(answers));
  const attachments = options.attachments?.ids.length ? options.attachments : undefined;
  const application: repo.NewApplication = {
    procedureId: p.id,
    version,
    departmentCode: p.departmentCode,
    applicantId: applicant.user?.id ?? null,
    answersSealed: sealed.sealed,
    keyId: sealed.keyId,
    passwordHash: hashInquiryPassword(deps.config, password),
    idempotencyKeyHash: keyHash,
    requestHash,
    bundleId: options.bundle?.id ?? null,
    bundleReceipt: options.bundle?.receipt ?? null,
    receivedAt: now,
    fiscalYear: fiscalYearOf(today),
    purgeAfter: purgeAfter(today, p.retentionYears),
    isDemo: options.isDemo ?? false,
    audit: {
      actorId: applicant.user?.id ?? null,
      actorLabel: applicant.user ? applicant.user.email : 'applicant',
      details: { procedure: p.code, version, ...(options.bundle ? { bundle: options.bundle.receipt } : {}), ...(attachments ? { attachments: attachments.ids.length } : {}) },
    },
  };
  // With files, the application and its files are one transaction (the plain path stays one statement).
  const inserted = attachments
    ? await deps.db.transaction(async (tx) => {
        const row = await repo.insertApplication(tx, tenant.id, application);
        // Files another application of the same form already took are not shared (rolled back, 409).
        if (row && (await linkPending(tx, tenant.id, p.id, attachments.formKeyHash, row.id, attachments.ids)) !== attachments.ids.length) {
          throw new AppError('conflict', say('ja', 'procedures.error.filesSubmitted'));
        }
        return row;
      })
    : await gatheredInsert(deps.db)({ tenantId: tenant.id, application });
  if (inserted) {
    return { receiptNumber: inserted.receiptNumber, password, status: 'waiting', procedure: p.code, version, receivedAt: now.toISOString(), replayed: false };
  }
  // The key was seen (the same request answers the same receipt), or the form changed.
  const existing = keyHash ? await repo.findByIdempotencyKey(deps.db, tenant.id, p.id, keyHash) : undefined;
  if (!existing) return 'stale';
  if (existing.requestHash !== requestHash || (existing.applicantId ?? null) !== (applicant.user?.id ?? null)) {
    throw new AppError('conflict', say('ja', 'procedures.error.idempotencyReused'));
  }
  // A retry gets the password again (derived from the key, never stored) for a day.
  const again = now.getTime() - existing.receivedAt.getTime() < RETRY_MS ? retryPassword(deps.config, tenant.id, p.id, options.idempotencyKey!) : null;
  return {
    receiptNumber: existing.receiptNumber,
    password: again,
    status: existing.status,
    procedure: p.code,
    version: existing.version,
    receivedAt: existing.receivedAt.toISOString(),
    replayed: true,
  };
}

// ---------------------------------------------------------------------------------------------
// The applicant: inquiry, withdrawal, corrections

export interface HistoryItem {
  at: string;
  kind: 'received' | repo.ApplicationEvent['kind'];
  status: Status | null;
  message: string | null;
}

export interface ApplicationView {
  receiptNumber: string;
  procedure: { code: string; title: string };
  version: number;
  status: Status;
  receivedAt: string;
  fiscalYear: number;
  department: string;
  bundleReceipt: string | null;
  reopenedFields: string[];
  purged: boolean;
  /** The form the application was made with (its own version, however the form changed since). */
  fields: FieldDef[];
  answers: Answers | null;
  history: HistoryItem[];
  isDemo: boolean;
}

async function viewOf(deps: AppDeps, tenantId: string, a: repo.Application): Promise<ApplicationView> {
  const events = await repo.eventsOf(deps.db, tenantId, a.id);
  const history: HistoryItem[] = [
    { at: a.receivedAt.toISOString(), kind: 'received', status: 'waiting', message: null },
    ...events.map((e) => ({
      at: e.at.toISOString(),
      kind: e.kind,
      status: e.toStatus,
      message: e.messageSealed && e.keyId ? unseal(deps.config, e.messageSealed, e.keyId) : null,
    })),
  ];
  return {
    receiptNumber: a.receiptNumber,
    procedure: { code: a.procedureCode, title: a.procedureTitle },
    version: a.version,
    status: a.status,
    receivedAt: a.receivedAt.toISOString(),
    fiscalYear: a.fiscalYear,
    department: a.departmentCode,
    bundleReceipt: a.bundleReceipt,
    reopenedFields: a.reopenedFields,
    purged: a.purgedAt !== null,
    fields: await formOf(deps.db, tenantId, a.procedureId, a.version),
    answers: a.answersSealed && a.keyId ? (JSON.parse(unseal(deps.config, a.answersSealed, a.keyId)) as Answers) : null,
    history,
    isDemo: a.isDemo,
  };
}

/** The application named by receipt and password; rate limited against guessing (429). */
async function proveApplicant(deps: AppDeps, tenant: Tenant, ip: string, receiptNumber: string, password: string, lang: Lang): Promise<repo.Application> {
  const receipt = receiptNumber.normalize('NFKC').trim();
  await enforceRateLimits(deps.db, deps.clock, tenant.id, [
    { rule: RATE_LIMITS.inquiryPerClient, key: ip },
    { rule: RATE_LIMITS.inquiryPerReceipt, key: receipt },
  ]);
  const failed = new AppError('not_found', say(lang, 'procedures.error.inquiryFailed'));
  if (!isReceiptNumber(receipt)) throw failed;
  const a = await repo.findApplication(deps.db, tenant.id, receipt);
  if (!a || !inquiryPasswordMatches(deps.config, password, a.passwordHash)) throw failed;
  return a;
}

function readInquiry(body: unknown, lang: Lang): { receiptNumber: string; password: string } {
  const o = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const errors: FieldError[] = [];
  if (typeof o.receiptNumber !== 'string' || !o.receiptNumber.trim() || o.receiptNumber.length > 20) errors.push({ path: 'receiptNumber', message: translate(lang, 'procedures.answer.required', { label: lang === 'ja' ? '受付番号' : 'the receipt number' }) });
  if (typeof o.password !== 'string' || !o.password || o.password.length > 100) errors.push({ path: 'password', message: translate(lang, 'procedures.answer.required', { label: lang === 'ja' ? 'パスワード' : 'the password' }) });
  if (errors.length) throw validation(errors);
  return { receiptNumber: o.receiptNumber as string, password: o.password as string };
}

/** 照会: the status and history of an application, for whoever holds its receipt number and password. */
export async function inquire(deps: AppDeps, tenant: Tenant, ip: string, body: unknown, lang: Lang): Promise<ApplicationView> {
  const { receiptNumber, password } = readInquiry(body, lang);
  const a = await proveApplicant(deps, tenant, ip, receiptNumber, password, lang);
  return viewOf(deps, tenant.id, a);
}

/** The signed-in applicant's own application. */
export async function readOwnApplication(deps: AppDeps, tenant: Tenant, user: AuthUser, receiptNumber: string): Promise<ApplicationView> {
  const a = await repo.findApplication(deps.db, tenant.id, receiptNumber);
  if (!a || a.applicantId !== user.id) throw applicationNotFound(receiptNumber);
  return viewOf(deps, tenant.id, a);
}

/** An attachment as a download: name, type, content. */
export interface AttachmentDownload {
  filename: string;
  mediaType: string;
  byteSize: number;
  id: string;
  content: Buffer;
}

async function attachmentOf(deps: AppDeps, tenantId: string, a: repo.Application, id: string): Promise<AttachmentDownload & { field: string }> {
  const file = await openAttachment(deps.db, deps.config, tenantId, a.id, id);
  if (!file) throw new AppError('not_found', say('ja', 'procedures.error.attachmentNotFound'));
  return file;
}

/** The applicant's attachment, for whoever holds the receipt number and password (rate limited as the inquiry). */
export async function inquiryAttachment(deps: AppDeps, tenant: Tenant, ip: string, body: unknown, id: string, lang: Lang): Promise<AttachmentDownload> {
  const { receiptNumber, password } = readInquiry(body, lang);
  const a = await proveApplicant(deps, tenant, ip, receiptNumber, password, lang);
  return attachmentOf(deps, tenant.id, a, id);
}

/** The signed-in applicant's own attachment. */
export async function ownAttachment(deps: AppDeps, tenant: Tenant, user: AuthUser, receiptNumber: string, id: string): Promise<AttachmentDownload> {
  const a = await repo.findApplication(deps.db, tenant.id, receiptNumber);
  if (!a || a.applicantId !== user.id) throw applicationNotFound(receiptNumber);
  return attachmentOf(deps, tenant.id, a, id);
}

/** An attachment for the staff of the handling department; each download is audited as a read of personal data. */
export async function caseAttachment(deps: AppDeps, tenant: Tenant, user: AuthUser, receiptNumber: string, id: string): Promise<AttachmentDownload> {
  const a = await repo.findApplication(deps.db, tenant.id, receiptNumber);
  if (!a || !canHandle(user, a)) throw applicationNotFound(receiptNumber);
  const file = await attachmentOf(deps, tenant.id, a, id);
  await appendAudit(deps.db, {
    tenantId: tenant.id,
    ...actor(user),
    action: 'procedure.application.attachment.read',
    entityType: 'procedure_application',
    entityId: a.receiptNumber,
    details: { personalData: true, attachment: file.id, field: file.field },
  });
  return file;
}

/** The signed-in user's applications (no answers). */
export async function listOwnApplications(deps: AppDeps, tenant: Tenant, user: AuthUser) {
  return repo.applicationsOf(deps.db, tenant.id, user.id);
}

/** 取下げ by the applicant (receipt and password): only while waiting or returned (409 otherwise). */
export async function withdrawApplication(deps: AppDeps, tenant: Tenant, ip: string, body: unknown, lang: Lang): Promise<ApplicationView> {
  const { receiptNumber, password } = readInquiry(body, lang);
  const now = deps.clock.now();
  const proven = await proveApplicant(deps, tenant, ip, receiptNumber, password, lang);
  await deps.db.transaction(async (tx) => {
    const a = (await repo.findApplication(tx, tenant.id, proven.receiptNumber, { lock: true }))!;
    if (!canWithdraw(a.status)) throw new AppError('conflict', say(lang, 'procedures.error.withdraw', { status: translate(lang, `procedures.status.${a.status}`) }));
    await repo.updateApplication(tx, tenant.id, a.id, { status: 'withdrawn' }, now);
    await repo.insertEvent(tx, tenant.id, a.id, { at: now, kind: 'status', fromStatus: a.status, toStatus: 'withdrawn', actorId: null });
    await appendAudit(tx, { tenantId: tenant.id, actorId: null, actorLabel: 'applicant', action: 'procedure.application.withdraw', entityType: 'procedure_application', entityId: a.receiptNumber });
  });
  return inquire(deps, tenant, ip, body, lang);
}

/**
 * Corrections after 差し戻し: only the fields the department reopened may change; the whole
 * application is checked again against its own form version, and goes back to 処理中.
 */
export async function correctApplication(deps: AppDeps, tenant: Tenant, ip: string, body: unknown, lang: Lang): Promise<ApplicationView> {
  const { receiptNumber, password } = readInquiry(body, lang);
  const changes = (body as { answers?: unknown }).answers;
  const now = deps.clock.now();
  const proven = await proveApplicant(deps, tenant, ip, receiptNumber, password, lang);
  await deps.db.transaction(async (tx) => {
    const a = (await repo.findApplication(tx, tenant.id, proven.receiptNumber, { lock: true }))!;
    if (!canCorrect(a.status)) throw new AppError('conflict', say(lang, 'procedures.error.correct'));
    if (!a.answersSealed || !a.keyId) throw new AppError('conflict', say(lang, 'procedures.error.purged'));
    const fields = await formOf(tx, tenant.id, a.procedureId, a.version);
    const before = JSON.parse(unseal(deps.config, a.answersSealed, a.keyId)) as Answers;
    const errors: FieldError[] = [];
    const merged: Record<string, unknown> = { ...before };
    if (!changes || typeof changes !== 'object' || Array.isArray(changes)) throw validation([{ path: 'answers', message: translate(lang, 'procedures.answer.object') }]);
    for (const [name, value] of Object.entries(changes)) {
      if (!a.reopenedFields.includes(name)) errors.push({ path: `answers.${name.slice(0, 40)}`, message: translate(lang, 'procedures.error.notReopened') });
      else merged[name] = value;
    }
    // Files already attached stay as they are (a correction sends no files).
    const kept: Record<string, FileAnswer> = {};
    for (const f of fields) {
      const v = before[f.name];
      if (f.type === 'file' && isFileAnswer(v) && merged[f.name] === v) {
        kept[f.name] = v;
        delete merged[f.name];
      }
    }
    const checked = validateAnswers(fields, merged, lang, { files: kept });
    errors.push(...checked.errors);
    if (errors.length) throw validation(errors);
    const sealed = seal(deps.config, JSON.stringify(checked.answers));
    await repo.updateApplication(tx, tenant.id, a.id, { status: 'processing', reopenedFields: [], answersSealed: sealed.sealed, keyId: sealed.keyId }, now);
    await repo.insertEvent(tx, tenant.id, a.id, { at: now, kind: 'corrected', fromStatus: 'returned', toStatus: 'processing', actorId: null });
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: null,
      actorLabel: 'applicant',
      action: 'procedure.application.correct',
      entityType: 'procedure_application',
      entityId: a.receiptNumber,
      details: { fields: Object.keys(changes) },
    });
  });
  return inquire(deps, tenant, ip, { receiptNumber, password }, lang);
}

// ---------------------------------------------------------------------------------------------
// The department

function requireDepartment(user: AuthUser): string {
  if (!user.departmentCode) throw new AppError('forbidden', say('ja', 'procedures.error.notYourDepartment'));
  return user.departmentCode;
}

/** 受付一覧: the staff member's department's applications, without personal data. */
export async function departmentInbox(deps: AppDeps, tenant: Tenant, user: AuthUser, q: { status?: Status | undefined; procedure?: string | undefined; mine?: boolean; limit: number; offset: number }) {
  const department = requireDepartment(user);
  return repo.inbox(deps.db, tenant.id, { department, status: q.status, procedure: q.procedure, assignee: q.mine ? user.id : undefined, limit: q.limit, offset: q.offset });
}

/** The case for its department: answers opened, and the read recorded in the audit log. */
export async function readCase(deps: AppDeps, tenant: Tenant, user: AuthUser, receiptNumber: string): Promise<ApplicationView> {
  const a = await repo.findApplication(deps.db, tenant.id, receiptNumber);
  if (!a || !canHandle(user, a)) throw applicationNotFound(receiptNumber);
  const view = await viewOf(deps, tenant.id, a);
  await appendAudit(deps.db, {
    tenantId: tenant.id,
    ...actor(user),
    action: 'procedure.application.read',
    entityType: 'procedure_application',
    entityId: a.receiptNumber,
    details: { personalData: view.answers !== null },
  });
  return view;
}

/** The applicant's e-mail address, when the form asked one. */
function applicantEmail(fields: readonly FieldDef[], answers: Answers | null): string | null {
  if (!answers) return null;
  const f = fields.find((x) => x.type === 'email' && typeof answers[x.name] === 'string');
  return f ? (answers[f.name] as string) : null;
}

/**
 * A status change by the department (or 取下げ keyed in for the applicant at the counter),
 * with an optional message the applicant sees; 差し戻し names the fields to correct.
 */
export async function changeStatus(deps: AppDeps, tenant: Tenant, user: AuthUser, receiptNumber: string, body: unknown, lang: Lang) {
  const parsed = parseWith(StatusChangeSchema, body, lang);
  if (!parsed.ok) throw validation(parsed.errors);
  const { to, message, fields: reopen } = parsed.value;
  const now = deps.clock.now();
  const result = await deps.db.transaction(async (tx) => {
    const a = await repo.findApplication(tx, tenant.id, receiptNumber, { lock: true });
    if (!a || !canHandle(user, a)) throw applicationNotFound(receiptNumber);
    const allowed = to === 'withdrawn' ? canWithdraw(a.status) : canStaffMove(a.status, to);
    if (!allowed) {
      throw to === 'withdrawn'
        ? new AppError('conflict', say(lang, 'procedures.error.withdraw', { status: translate(lang, `procedures.status.${a.status}`) }))
        : new AppError('conflict', {
            ja: translate('ja', 'procedures.error.move', { from: translate('ja', `procedures.status.${a.status}`), to: translate('ja', `procedures.status.${to}`) }),
            en: translate('en', 'procedures.error.move', { from: translate('en', `procedures.status.${a.status}`), to: translate('en', `procedures.status.${to}`) }),
          });
    }
    const form = await formOf(tx, tenant.id, a.procedureId, a.version);
    let reopened: string[] = [];
    if (to === 'returned') {
      const names = [...new Set(reopen ?? [])];
      const unknown = names.filter((n) => !form.some((f) => f.name === n));
      if (unknown.length) throw validation(unknown.map((n) => ({ path: 'fields', message: `${n}: ${translate(lang, 'procedures.error.reopenUnknown')}` })));
      reopened = names;
    }
    await repo.updateApplication(tx, tenant.id, a.id, { status: to, reopenedFields: reopened, ...(to === 'processing' && !a.assigneeId ? { assigneeId: user.id } : {}) }, now);
    await repo.insertEvent(tx, tenant.id, a.id, { at: now, kind: 'status', fromStatus: a.status, toStatus: to, message: message ? seal(deps.config, message) : null, actorId: user.id });
    await appendAudit(tx, {
      tenantId: tenant.id,
      ...actor(user),
      action: 'procedure.application.status',
      entityType: 'procedure_application',
      entityId: a.receiptNumber,
      details: { from: a.status, to, ...(reopened.length ? { fields: reopened } : {}), message: Boolean(message) },
    });
    const email = applicantEmail(form, a.answersSealed && a.keyId ? (JSON.parse(unseal(deps.config, a.answersSealed, a.keyId)) as Answers) : null);
    if (email) {
      const lang0: Lang = 'ja';
      await enqueueMail(tx, {
        tenantId: tenant.id,
        to: email,
        subject: translate(lang0, 'procedures.mail.subject', { city: tenant.nameJa, receipt: a.receiptNumber }),
        text: translate(lang0, 'procedures.mail.body', {
          receipt: a.receiptNumber,
          procedure: a.procedureTitle,
          status: translate(lang0, `procedures.status.${to}`),
          url: `${deps.config.publicUrl}/inquiry`,
        }),
      });
    }
    return { receiptNumber: a.receiptNumber, status: to, from: a.status, reopenedFields: reopened, mailed: Boolean(email) };
  });
  if (result.mailed) deps.mail.poke();
  return result;
}

/** 担当者: assigns the application to a staff member of its department (the caller by default). */
export async function assignApplication(deps: AppDeps, tenant: Tenant, user: AuthUser, receiptNumber: string, assignee: string | undefined) {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const a = await repo.findApplication(tx, tenant.id, receiptNumber, { lock: true });
    if (!a || !canHandle(user, a)) throw applicationNotFound(receiptNumber);
    const target = assignee ?? user.id;
    const member = await tx.maybeOne<{ id: string }>(
      `select u.id from users u join departments d on d.tenant_id = u.tenant_id and d.id = u.department_id where u.tenant_id = $1 and u.id = $2 and d.code = $3`,
      [tenant.id, target, a.departmentCode],
    );
    if (!member) throw validation([{ path: 'assignee', message: translate('ja', 'procedures.error.notYourDepartment') }]);
    await repo.updateApplication(tx, tenant.id, a.id, { assigneeId: target }, now);
    await repo.insertEvent(tx, tenant.id, a.id, { at: now, kind: 'assigned', actorId: user.id });
    await appendAudit(tx, { tenantId: tenant.id, ...actor(user), action: 'procedure.application.assign', entityType: 'procedure_application', entityId: a.receiptNumber, details: { assignee: target } });
    return { receiptNumber: a.receiptNumber, assignee: target };
  });
}

// ---------------------------------------------------------------------------------------------
// Statistics

export interface StatisticsItem {
  code: string;
  title: string;
  department: string;
  fiscalYear: number;
  online: number;
  counter: number;
  total: number;
  /** online ÷ total as an unrounded fraction; null when there were no uses. */
  onlineShare: number | null;
  demo: boolean;
}

/** 手続総件数 / うちオンライン数 / 割合 per published procedure in a fiscal year, zero rows included. */
export async function statistics(deps: AppDeps, tenantId: string, fiscalYear: number): Promise<StatisticsItem[]> {
  const rows = await repo.statistics(deps.db, tenantId, fiscalYear);
  return rows.map((r) => ({
    code: r.code,
    title: r.title,
    department: r.departmentCode,
    fiscalYear,
    online: r.online,
    counter: r.counter,
    total: r.online + r.counter,
    onlineShare: r.online + r.counter === 0 ? null : r.online / (r.online + r.counter),
    demo: r.demo,
  }));
}

/** Staff enter the counter (paper) uses of a procedure in a fiscal year. */
export async function setCounterCount(deps: AppDeps, tenant: Tenant, user: AuthUser, code: string, fiscalYear: number, body: unknown, lang: Lang) {
  const parsed = parseWith(CounterSchema, body, lang);
  if (!parsed.ok) throw validation(parsed.errors);
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const p = await lockManaged(tx, tenant, user, code, lang);
    await repo.setCounterCount(tx, tenant.id, p.id, fiscalYear, parsed.value.count, user.id, now);
    await appendAudit(tx, { tenantId: tenant.id, ...actor(user), action: 'procedure.counter', entityType: 'procedure', entityId: code, details: { fiscalYear, count: parsed.value.count } });
    await bumpDataVersion(tx, tenant.id, PROCEDURES_SCOPE);
    return { code, fiscalYear, counter: parsed.value.count };
  });
}

// ---------------------------------------------------------------------------------------------
// One-stop bundles

/** A bundle's form: every procedure's fields, a shared field (same name, `shared`) asked once. */
export interface BundleForm {
  bundle: repo.Bundle;
  procedures: { procedure: repo.Procedure; fields: FieldDef[] }[];
  fields: FieldDef[];
}

async function receiveOrRefuse(...args: Parameters<typeof receive>): Promise<Receipt> {
  const r = await receive(...args);
  if (r === 'stale') throw new AppError('conflict', say('ja', 'procedures.error.notPublished'));
  return r;
}

export async function createBundle(deps: AppDeps, tenant: Tenant, user: AuthUser, body: unknown, lang: Lang, options: { isDemo?: boolean } = {}) {
  const parsed = parseWith(BundleSchema, body, lang);
  if (!parsed.ok) throw validation(parsed.errors);
  const errors: FieldError[] = [];
  for (const [i, code] of parsed.value.procedures.entries()) {
    if (!(await repo.findProcedure(deps.db, tenant.id, code))) errors.push({ path: `procedures.${i}`, message: translate(lang, 'procedures.error.notFound', { code }) });
  }
  if (errors.length) throw validation(errors);
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const id = await repo.insertBundle(tx, tenant.id, { code: parsed.value.code, title: parsed.value.title, description: parsed.value.description ?? '', procedureCodes: parsed.value.procedures, isDemo: options.isDemo ?? false }, now);
    if (!id) throw new AppError('conflict', say(lang, 'procedures.error.exists', { code: parsed.value.code }));
    await appendAudit(tx, { tenantId: tenant.id, ...actor(user), action: 'procedure.bundle.create', entityType: 'procedure_bundle', entityId: parsed.value.code, details: { procedures: parsed.value.procedures } });
    return { code: parsed.value.code, procedures: parsed.value.procedures };
  });
}

export async function bundleForm(deps: AppDeps, tenantId: string, code: string): Promise<BundleForm> {
  const bundle = await repo.findBundle(deps.db, tenantId, code);
  if (!bundle) throw new AppError('not_found', say('ja', 'procedures.error.bundleNotFound', { code: code.slice(0, 60) }));
  const procedures: BundleForm['procedures'] = [];
  for (const c of bundle.procedureCodes) {
    const p = await repo.findProcedure(deps.db, tenantId, c);
    if (!p || p.publishedVersion === null) throw new AppError('conflict', say('ja', 'procedures.error.notPublished'));
    procedures.push({ procedure: p, fields: await publishedForm(deps.db, tenantId, p) });
  }
  const fields: FieldDef[] = [];
  for (const { fields: own } of procedures) {
    for (const f of own) if (!fields.some((x) => x.name === f.name)) fields.push(f);
  }
  return { bundle, procedures, fields };
}

export async function listBundles(deps: AppDeps, tenantId: string) {
  return repo.listBundles(deps.db, tenantId);
}

/**
 * One-stop: the bundle's answers (shared fields once) split into one application per
 * procedure, each in its own department's inbox, linked by the bundle's receipt (that of the
 * first). Every procedure's answers are validated before anything is stored. Files come from
 * the bundle form's uploads (`formKey`: the apply page's, or the one an API upload answered),
 * each procedure taking its own sealed copy.
 */
export async function submitBundle(
  deps: AppDeps,
  tenant: Tenant,
  applicant: Applicant,
  code: string,
  body: unknown,
  lang: Lang,
  options: { idempotencyKey?: string | undefined; formKey?: string | undefined; prefix?: string } = {},
) {
  const form = await bundleForm(deps, tenant.id, code);
  const raw = body && typeof body === 'object' && !Array.isArray(body) ? (body as { answers?: unknown }).answers : undefined;
  for (const { procedure } of form.procedures) requireIdentity(procedure, applicant, lang);
  // Each procedure's copies of the form's files, and for the whole form the first copy of each field.
  const held: Record<string, FileAnswer>[] = [];
  for (const { procedure, fields } of form.procedures) {
    held.push(options.formKey && fields.some((f) => f.type === 'file') ? (await filesOfForm(deps.db, deps.config, tenant.id, procedure.id, options.formKey)).answers : {});
  }
  const files: Record<string, FileAnswer> = Object.assign({}, ...[...held].reverse());
  const prefix = options.prefix ? { prefix: options.prefix } : {};
  const all = validateAnswers(form.fields, raw, lang, { files, ...prefix });
  if (all.errors.length) throw validation(all.errors);
  // Then each procedure's own answers against its own form and its own copies of the files.
  const own: Answers[] = [];
  const errors: FieldError[] = [];
  for (const [i, { fields }] of form.procedures.entries()) {
    const mine = Object.fromEntries(fields.filter((f) => f.type !== 'file' && all.answers[f.name] !== undefined).map((f) => [f.name, (raw as Record<string, unknown>)[f.name]]));
    const checked = validateAnswers(fields, mine, lang, { files: held[i]!, ...prefix });
    for (const e of checked.errors) if (!errors.some((x) => x.path === e.path)) errors.push(e);
    own.push(checked.answers);
  }
  if (errors.length) throw validation(errors);
  const keyHash = options.formKey ? formKeyHash(deps.config, options.formKey) : undefined;
  const receipts: Receipt[] = [];
  let link: { id: string; receipt: string } | undefined;
  for (const [i, { procedure }] of form.procedures.entries()) {
    const answers = own[i]!;
    const ids = fileIdsOf(answers);
    const r = await receiveOrRefuse(deps, tenant, applicant, procedure, procedure.publishedVersion!, answers, {
      idempotencyKey: options.idempotencyKey ? `${options.idempotencyKey}|${i}` : undefined,
      ...(link ? { bundle: link } : {}),
      ...(keyHash && ids.length ? { attachments: { formKeyHash: keyHash, ids } } : {}),
    });
    if (!link) {
      link = { id: form.bundle.id, receipt: r.receiptNumber };
      // The first application links to itself.
      await deps.db.query('update procedure_applications set bundle_id = $3, bundle_receipt = $4 where tenant_id = $1 and receipt_number = $2 and bundle_receipt is null', [
        tenant.id,
        r.receiptNumber,
        form.bundle.id,
        r.receiptNumber,
      ]);
    }
    receipts.push(r);
  }
  return { bundle: code, bundleReceipt: link!.receipt, applications: receipts.map((r) => ({ procedure: r.procedure, receiptNumber: r.receiptNumber, password: r.password })) };
}
