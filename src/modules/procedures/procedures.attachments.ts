/**
 * 添付ファイル — files answering a form's `file` fields. A file is checked when it comes (its
 * kind by content, its size, both per field), sealed (content and name, AES-256-GCM under the
 * current key, key id stored) and kept as a pending upload of the apply form (owned by a keyed
 * hash of the form's key), so it survives the check-your-answers step of a form that works
 * without JavaScript; the submitted application takes the form's files. Who may read an
 * attachment is the service's rule (procedures.service.ts); this file only stores and opens.
 */
import type { Config } from '../../core/config.ts';
import type { Sql } from '../../core/db/database.ts';
import type { FieldError } from '../../core/errors.ts';
import { detectFileKind, FILE_KINDS, safeFilename } from '../../core/files.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import type { Upload } from '../../core/multipart.ts';
import * as files from './procedures.attachments.repository.ts';
import { fileRules, formatBytes, type FieldDef, type FileAnswer } from './procedures.fields.ts';
import './procedures.messages.ts';
import { keyedHash, seal, sealBytes, unseal, unsealBytes } from './procedures.secrets.ts';

/** How long an upload of a form nobody submits is kept. */
export const PENDING_MS = 24 * 3600 * 1000;

type KeyConfig = Pick<Config, 'secret' | 'encryptionKey' | 'previousEncryptionKeys'>;

/** What the database knows a form by: a keyed hash of its key (the key itself is only in the applicant's form). */
export function formKeyHash(config: Pick<Config, 'secret'>, formKey: string): string {
  return keyedHash(config, 'form', formKey);
}

/** The kinds a field accepts, as the reader reads them ("PDF・PNG画像" / "PDF, PNG image"). */
export function kindsText(f: FieldDef, lang: Lang): string {
  return fileRules(f)
    .kinds.map((k) => FILE_KINDS[k][lang])
    .join(lang === 'ja' ? '・' : ', ');
}

/**
 * Checks an upload against its field: an error naming the field (path `prefix` + name), or
 * the kind. Nothing is stored here.
 */
export async function checkFieldUpload(f: FieldDef, upload: Upload, lang: Lang, prefix: string): Promise<{ error: FieldError } | { mediaType: string }> {
  const rules = fileRules(f);
  const path = `${prefix}${f.name}`;
  if (upload.bytes.length === 0) return { error: { path, message: translate(lang, 'procedures.answer.fileEmpty', { label: f.label }) } };
  if (upload.truncated || upload.bytes.length > rules.maxBytes) {
    return { error: { path, message: translate(lang, 'procedures.answer.fileTooLarge', { label: f.label, max: formatBytes(rules.maxBytes) }) } };
  }
  const kind = await detectFileKind(upload.bytes);
  if (!kind || !(rules.kinds as readonly string[]).includes(kind)) {
    return { error: { path, message: translate(lang, 'procedures.answer.fileType', { label: f.label, kinds: kindsText(f, lang) }) } };
  }
  return { mediaType: FILE_KINDS[kind].mediaType };
}

/**
 * Checks the uploads of one post of a form and keeps the good ones as the form's pending
 * files (a new file for a field replaces the old). Returns the problems, each naming its field;
 * a refused file is not stored.
 */
export async function stageUploads(
  sql: Sql,
  config: KeyConfig,
  tenantId: string,
  form: { procedureId: string; fields: readonly FieldDef[] },
  formKey: string,
  uploads: readonly Upload[],
  lang: Lang,
  options: { now: Date; prefix: string; only?: (f: FieldDef) => boolean },
): Promise<FieldError[]> {
  const r = await stageFormUploads(sql, config, tenantId, [form], formKey, uploads, lang, options);
  return 'errors' in r ? r.errors : [];
}

/** A file kept for a form: the field it answers and what the applicant sees of it. */
export interface StagedFile {
  field: string;
  filename: string;
  size: number;
  mediaType: string;
}

/**
 * The uploads of one request for a form made of one or more procedures' forms (a one-stop
 * bundle asks several at once): each file is checked against every form that has its field
 * (a shared field must suit them all) and, only when every file of the request is good, sealed
 * once per form that asks it, so each application owns its copy (its own retention and
 * purge). `staged` lists the files kept; `submitted` means the form was already submitted and
 * nothing was kept (its files belong to the application now). Nothing is stored on a problem.
 */
export async function stageFormUploads(
  sql: Sql,
  config: KeyConfig,
  tenantId: string,
  forms: readonly { procedureId: string; fields: readonly FieldDef[] }[],
  formKey: string,
  uploads: readonly Upload[],
  lang: Lang,
  options: { now: Date; prefix: string; only?: (f: FieldDef) => boolean },
): Promise<{ errors: FieldError[] } | { staged: StagedFile[]; submitted: boolean }> {
  const errors: FieldError[] = [];
  const good: { procedureId: string; f: FieldDef; upload: Upload; mediaType: string }[] = [];
  for (const upload of uploads) {
    const name = upload.field.startsWith(options.prefix) ? upload.field.slice(options.prefix.length) : upload.field;
    const asking = forms.flatMap((form) => {
      const f = form.fields.find((x) => x.name === name && x.type === 'file');
      return f && (!options.only || options.only(f)) ? [{ procedureId: form.procedureId, f }] : [];
    });
    if (asking.length === 0) {
      errors.push({ path: upload.field.slice(0, 60), message: translate(lang, 'procedures.answer.fileNotAField', { name: name.slice(0, 40) }) });
      continue;
    }
    for (const { procedureId, f } of asking) {
      const checked = await checkFieldUpload(f, upload, lang, options.prefix);
      if ('error' in checked) {
        if (!errors.some((e) => e.path === checked.error.path)) errors.push(checked.error);
        break;
      }
      good.push({ procedureId, f, upload, mediaType: checked.mediaType });
    }
  }
  if (errors.length) return { errors };
  const hash = formKeyHash(config, formKey);
  const staged: StagedFile[] = [];
  let submitted = false;
  for (const { procedureId, f, upload, mediaType } of good) {
    const filename = safeFilename(upload.filename);
    const name = seal(config, filename);
    const content = sealBytes(config, upload.bytes);
    const id = await files.upsertPending(sql, tenantId, {
      procedureId,
      fieldName: f.name,
      formKeyHash: hash,
      filenameSealed: name.sealed,
      mediaType,
      byteSize: upload.bytes.length,
      contentSealed: content.sealed,
      keyId: content.keyId,
      now: options.now,
      expiresAt: new Date(options.now.getTime() + PENDING_MS),
    });
    if (id === null) submitted = true;
    else {
      // A later file for the same field replaced the earlier one.
      const item = { field: f.name, filename, size: upload.bytes.length, mediaType };
      const i = staged.findIndex((s) => s.field === f.name);
      if (i >= 0) staged[i] = item;
      else staged.push(item);
    }
  }
  return { staged, submitted };
}

function answerOf(config: KeyConfig, r: files.AttachmentRow): FileAnswer {
  return { file: r.id, filename: unseal(config, r.filenameSealed, r.keyId), size: r.byteSize, mediaType: r.mediaType };
}

/** The files a form holds, by field (pending, or already linked when the form was submitted). */
export async function filesOfForm(sql: Sql, config: KeyConfig, tenantId: string, procedureId: string, formKey: string): Promise<{ answers: Record<string, FileAnswer>; pendingIds: string[] }> {
  const rows = await files.filesOfForm(sql, tenantId, procedureId, formKeyHash(config, formKey));
  const answers: Record<string, FileAnswer> = {};
  for (const r of rows) answers[r.fieldName] = answerOf(config, r);
  return { answers, pendingIds: rows.filter((r) => r.applicationId === null).map((r) => r.id) };
}

/** An application's attachments (no content), by field. */
export async function filesOfApplication(sql: Sql, config: KeyConfig, tenantId: string, applicationId: string): Promise<(FileAnswer & { field: string })[]> {
  return (await files.filesOfApplication(sql, tenantId, applicationId)).map((r) => ({ ...answerOf(config, r), field: r.fieldName }));
}

/** An attachment of an application, opened: its name, type and content; undefined when it has none of that id. */
export async function openAttachment(sql: Sql, config: KeyConfig, tenantId: string, applicationId: string, id: string) {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const r = await files.findAttachment(sql, tenantId, applicationId, id);
  if (!r) return undefined;
  const content = unsealBytes(config, r.contentSealed, r.keyId);
  return { id: r.id, field: r.fieldName, filename: unseal(config, r.filenameSealed, r.keyId), mediaType: r.mediaType, byteSize: r.byteSize, content };
}
