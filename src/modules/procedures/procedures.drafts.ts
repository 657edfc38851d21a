/**
 * 一時保存 — a signed-in applicant saves a partly filled application and comes back to it: the
 * answers so far are checked for what they say (a date must be a date) but not for being
 * complete, sealed like an application's answers, listed among the applicant's own, resumed
 * in the same form (its key, so the files already attached stay), deleted when the form is
 * submitted, and expire after DRAFT_DAYS (the procedures.drafts job).
 */
import { randomUUID } from 'node:crypto';
import type { AuthUser } from '../../core/auth.ts';
import { AppError } from '../../core/errors.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import type { Tenant } from '../../core/tenancy.ts';
import type { AppDeps } from '../module.ts';
import { extendPending, deletePending } from './procedures.attachments.repository.ts';
import { filesOfForm, formKeyHash } from './procedures.attachments.ts';
import * as drafts from './procedures.drafts.repository.ts';
import { isFileAnswer, validateAnswers, type Answers } from './procedures.fields.ts';
import { seal, unseal } from './procedures.secrets.ts';
import { readProcedure } from './procedures.service.ts';

/** How long a draft is kept after its last save. */
export const DRAFT_DAYS = 30;

/** A draft as the applicant's list shows it. */
export interface Draft {
  id: string;
  procedure: { code: string; title: string };
  updatedAt: string;
  expiresAt: string;
}

/** A draft opened to resume: the form's key and the answers so far. */
export interface OpenDraft extends Draft {
  formKey: string;
  answers: Answers;
}

const notFound = () => new AppError('not_found', { ja: translate('ja', 'procedures.error.draftNotFound'), en: translate('en', 'procedures.error.draftNotFound') });
const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

function draftOf(r: drafts.DraftRow): Draft {
  return { id: r.id, procedure: { code: r.procedureCode, title: r.procedureTitle }, updatedAt: r.updatedAt.toISOString(), expiresAt: r.expiresAt.toISOString() };
}

/**
 * Saves the answers so far of a published procedure's form as the user's draft (saving the
 * same form again updates it). Required fields are not asked for; a value that is there must
 * be valid (every bad field named, nothing stored). The form's pending files are kept as long
 * as the draft.
 */
export async function saveDraft(
  deps: AppDeps,
  tenant: Tenant,
  user: AuthUser,
  code: string,
  input: { formKey?: string | undefined; answers: unknown },
  lang: Lang,
  options: { prefix?: string } = {},
): Promise<Draft & { formKey: string }> {
  const p = await readProcedure(deps, tenant, null, code);
  const formKey = input.formKey && isUuid(input.formKey) ? input.formKey : randomUUID();
  const held = p.fields.some((f) => f.type === 'file') ? (await filesOfForm(deps.db, deps.config, tenant.id, p.id, formKey)).answers : {};
  const checked = validateAnswers(p.fields, input.answers, lang, { partial: true, files: held, ...(options.prefix ? { prefix: options.prefix } : {}) });
  if (checked.errors.length) throw new AppError('validation', undefined, checked.errors);
  // Files stay with the form's pending uploads; the draft holds the other answers.
  const answers = Object.fromEntries(Object.entries(checked.answers).filter(([, v]) => !isFileAnswer(v)));
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + DRAFT_DAYS * 86_400_000);
  const sealed = seal(deps.config, JSON.stringify({ formKey, answers }));
  const hash = formKeyHash(deps.config, formKey);
  const id = await deps.db.transaction(async (tx) => {
    const id = await drafts.upsertDraft(tx, tenant.id, { procedureId: p.id, userId: user.id, formKeyHash: hash, payloadSealed: sealed.sealed, keyId: sealed.keyId, now, expiresAt });
    await extendPending(tx, tenant.id, hash, expiresAt);
    return id;
  });
  return { id, procedure: { code: p.code, title: p.title }, updatedAt: now.toISOString(), expiresAt: expiresAt.toISOString(), formKey };
}

/** The user's drafts, newest first. */
export async function listDrafts(deps: AppDeps, tenant: Tenant, user: AuthUser): Promise<Draft[]> {
  return (await drafts.draftsOf(deps.db, tenant.id, user.id, deps.clock.now())).map(draftOf);
}

/** One of the user's drafts, opened (404 for anyone else's, an expired one, or none). */
export async function openDraft(deps: AppDeps, tenant: Tenant, user: AuthUser, id: string): Promise<OpenDraft> {
  if (!isUuid(id)) throw notFound();
  const r = await drafts.findDraft(deps.db, tenant.id, user.id, id, deps.clock.now());
  if (!r) throw notFound();
  const payload = JSON.parse(unseal(deps.config, r.payloadSealed, r.keyId)) as { formKey: string; answers: Answers };
  return { ...draftOf(r), formKey: payload.formKey, answers: payload.answers };
}

/** Deletes one of the user's drafts and the files its form held. */
export async function discardDraft(deps: AppDeps, tenant: Tenant, user: AuthUser, id: string): Promise<void> {
  if (!isUuid(id)) throw notFound();
  await deps.db.transaction(async (tx) => {
    const hash = await drafts.deleteDraft(tx, tenant.id, user.id, id);
    if (!hash) throw notFound();
    await deletePending(tx, tenant.id, hash);
  });
}

/** Draft answers as the apply form carries them (numbers as typed text). */
export function formValuesOf(answers: Answers): Record<string, unknown> {
  return Object.fromEntries(Object.entries(answers).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]));
}
