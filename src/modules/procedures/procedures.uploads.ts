/**
 * 添付ファイル through the JSON API. An API client uploads the files of a form first
 * (multipart/form-data, each part named after its file field) and gets a form key; the JSON
 * application then names that key (`{ answers, formKey }`) and takes the form's files, as the
 * apply page does with its hidden form key. The files are checked by content and size per field
 * when they come, sealed with AES-256-GCM and kept as the form's pending uploads (24 hours, or as
 * long as a saved draft), exactly as on the page path: one design, two doors. A refused upload
 * stores nothing. A one-stop bundle's upload keeps one sealed copy for each of its procedures
 * whose form asks the field.
 */
import { randomUUID } from 'node:crypto';
import { AppError, type FieldError } from '../../core/errors.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import type { Upload } from '../../core/multipart.ts';
import { enforceRateLimits, type RateLimit } from '../../core/rate-limit.ts';
import type { Tenant } from '../../core/tenancy.ts';
import type { AppDeps } from '../module.ts';
import { PENDING_MS, stageFormUploads, type StagedFile } from './procedures.attachments.ts';
import type { FieldDef } from './procedures.fields.ts';
import './procedures.messages.ts';
import { bundleForm, readProcedure, type Applicant } from './procedures.service.ts';

export const UPLOAD_RATE_LIMITS = {
  /** Uploads a client may make (each up to FILE_LIMITS.perForm files): bounds what an anonymous sender can park. */
  perClient: { bucket: 'procedures.upload.client', limit: 60, windowSeconds: 900 },
} as const satisfies Record<string, RateLimit>;

/** What an upload is for: a procedure's form, or a one-stop bundle's. */
export type UploadTarget = { procedure: string } | { bundle: string };

/** The answer to an upload: the form key to send with the application, and the form's files kept by this upload. */
export interface UploadReceipt {
  formKey: string;
  files: StagedFile[];
  /** When the pending files are deleted if no application (or saved draft) takes them. */
  expiresAt: string;
}

const say = (key: string) => ({ ja: translate('ja', key), en: translate('en', key) });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The form key a request names (a JSON application's `formKey`, an upload's `formKey` part):
 * undefined when none is given; a 400 naming `formKey` when it is not one.
 */
export function formKeyOf(body: unknown, lang: Lang): string | undefined {
  const v = body && typeof body === 'object' ? (body as { formKey?: unknown }).formKey : undefined;
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || !UUID.test(v)) throw new AppError('validation', undefined, [{ path: 'formKey', message: translate(lang, 'procedures.upload.formKey') }]);
  return v.toLowerCase();
}

/** The forms an upload is checked against, after the applicant's right to apply is checked (401 for an account-only procedure). */
async function formsOf(deps: AppDeps, tenant: Tenant, applicant: Applicant, target: UploadTarget): Promise<{ procedureId: string; fields: readonly FieldDef[] }[]> {
  const procedures = 'procedure' in target
    ? [await readProcedure(deps, tenant, null, target.procedure)].map((p) => ({ procedure: p, fields: p.fields }))
    : (await bundleForm(deps, tenant.id, target.bundle)).procedures;
  if (procedures.some((p) => p.procedure.identity === 'account') && !applicant.user) throw new AppError('unauthenticated', say('procedures.error.signIn'));
  return procedures.map((p) => ({ procedureId: p.procedure.id, fields: p.fields }));
}

/**
 * Before the body is read: the procedure (or bundle) is open, the caller may apply for it, and
 * the client is within its upload limit (429 otherwise).
 */
export async function admitUpload(deps: AppDeps, tenant: Tenant, applicant: Applicant, target: UploadTarget): Promise<void> {
  await formsOf(deps, tenant, applicant, target);
  await enforceRateLimits(deps.db, deps.clock, tenant.id, [{ rule: UPLOAD_RATE_LIMITS.perClient, key: applicant.ip }]);
}

/**
 * Keeps the files of one upload request for the form (a new form key when the request names
 * none). Every problem is listed (the part's name as its path) and nothing is kept when there
 * is one; a form already submitted keeps its files as they were (409).
 */
export async function uploadFiles(
  deps: AppDeps,
  tenant: Tenant,
  applicant: Applicant,
  target: UploadTarget,
  input: { formKey: string | undefined; uploads: readonly Upload[] },
  lang: Lang,
): Promise<UploadReceipt> {
  const forms = await formsOf(deps, tenant, applicant, target);
  if (input.uploads.length === 0) throw new AppError('validation', undefined, [{ path: 'file', message: translate(lang, 'procedures.upload.none') }]);
  const formKey = input.formKey ?? randomUUID();
  const now = deps.clock.now();
  const staged = await deps.db.transaction(async (tx) => {
    const r = await stageFormUploads(tx, deps.config, tenant.id, forms, formKey, input.uploads, lang, { now, prefix: '' });
    if ('errors' in r) throw new AppError('validation', undefined, r.errors satisfies FieldError[]);
    if (r.submitted) throw new AppError('conflict', say('procedures.error.filesSubmitted'));
    return r.staged;
  });
  return { formKey, files: staged, expiresAt: new Date(now.getTime() + PENDING_MS).toISOString() };
}
