/**
 * Uploaded files (evidence, attachments, documents): limited in size and type, the type
 * taken from the content (magic bytes), never from the name or the browser's claim; stored in
 * the database (stored_files), encrypted when they hold personal data, and served only by the
 * module that owns the record they belong to, after its own authorisation check — there is no
 * public URL for a file.
 */
import { createHash } from 'node:crypto';
import type { Sql } from './db/database.ts';
import { AppError } from './errors.ts';

/** The kinds of file Hibiki takes, by what their content says they are. */
export const FILE_KINDS = {
  pdf: { mediaType: 'application/pdf', ja: 'PDF', en: 'PDF' },
  png: { mediaType: 'image/png', ja: 'PNG画像', en: 'PNG image' },
  jpeg: { mediaType: 'image/jpeg', ja: 'JPEG画像', en: 'JPEG image' },
  xlsx: { mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ja: 'Excel (xlsx)', en: 'Excel (xlsx)' },
  docx: { mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', ja: 'Word (docx)', en: 'Word (docx)' },
  csv: { mediaType: 'text/csv', ja: 'CSV', en: 'CSV' },
} as const;

export type FileKind = keyof typeof FILE_KINDS;

/** The kind of a file from its bytes, or null when it is none Hibiki takes. */
export async function detectFileKind(bytes: Uint8Array): Promise<FileKind | null> {
  // file-type is loaded with the first upload, not at start-up.
  const { fileTypeFromBuffer } = await import('file-type');
  const detected = await fileTypeFromBuffer(bytes);
  if (detected) {
    const kind = (Object.keys(FILE_KINDS) as FileKind[]).find((k) => FILE_KINDS[k].mediaType === detected.mime);
    return kind ?? null;
  }
  // Text has no magic bytes: CSV is text that decodes as UTF-8 (or Shift_JIS) without NULs.
  return looksLikeText(bytes) ? 'csv' : null;
}

function looksLikeText(bytes: Uint8Array): boolean {
  if (bytes.length === 0 || bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    try {
      new TextDecoder('shift_jis', { fatal: true }).decode(bytes);
      return true;
    } catch {
      return false;
    }
  }
}

export interface StoredFile {
  id: string;
  filename: string;
  mediaType: string;
  byteSize: number;
  sha256: string;
}

export interface UploadRules {
  /** Kinds accepted for this field. */
  kinds: readonly FileKind[];
  maxBytes: number;
}

/** The file name as given, reduced to something safe to show and to send back (no paths). */
export function safeFilename(name: string): string {
  const base = name.normalize('NFC').split(/[\\/]/).pop() ?? '';
  const cleaned = [...base].filter((ch) => ch.charCodeAt(0) >= 0x20 && ch !== '"' && ch.charCodeAt(0) !== 0x7f).join('').trim();
  return (cleaned || 'file').slice(0, 200);
}

/** Checks an upload against the rules; its kind, or a bilingual 400 naming the problem. */
export async function checkUpload(bytes: Uint8Array, rules: UploadRules, field = 'file'): Promise<FileKind> {
  const mb = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10}`;
  if (bytes.length === 0) {
    throw new AppError('validation', undefined, [{ path: field, message: 'ファイルが空です / The file is empty' }]);
  }
  if (bytes.length > rules.maxBytes) {
    throw new AppError('validation', undefined, [
      { path: field, message: `ファイルは${mb(rules.maxBytes)}MB以下にしてください / The file must be at most ${mb(rules.maxBytes)} MB` },
    ]);
  }
  const kind = await detectFileKind(bytes);
  if (!kind || !rules.kinds.includes(kind)) {
    const ja = rules.kinds.map((k) => FILE_KINDS[k].ja).join('・');
    const en = rules.kinds.map((k) => FILE_KINDS[k].en).join(', ');
    throw new AppError('validation', undefined, [
      { path: field, message: `受け付けるファイルの形式は ${ja} です / Accepted file types: ${en}` },
    ]);
  }
  return kind;
}

/**
 * Stores a checked file for a record of `owner` (inside the caller's transaction). With
 * `seal`, the content is encrypted first (personal data) and keyId records which key.
 */
export async function storeFile(
  tx: Sql,
  tenantId: string,
  file: { owner: string; filename: string; kind: FileKind; bytes: Uint8Array },
  seal?: { encrypt(bytes: Buffer): Buffer; keyId: string },
): Promise<StoredFile> {
  const plain = Buffer.from(file.bytes);
  const content = seal ? seal.encrypt(plain) : plain;
  const row = await tx.one<{ id: string }>(
    `insert into stored_files (tenant_id, owner, filename, media_type, byte_size, sha256, content, key_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`,
    [tenantId, file.owner, safeFilename(file.filename), FILE_KINDS[file.kind].mediaType, plain.length, sha256Hex(plain), content, seal?.keyId ?? null],
  );
  return { id: row.id, filename: safeFilename(file.filename), mediaType: FILE_KINDS[file.kind].mediaType, byteSize: plain.length, sha256: sha256Hex(plain) };
}

/** A stored file with its content (still sealed when keyId is set), or undefined. */
export async function loadFile(
  sql: Sql,
  tenantId: string,
  owner: string,
  id: string,
): Promise<(StoredFile & { content: Buffer; keyId: string | null }) | undefined> {
  const row = await sql.maybeOne<{ id: string; filename: string; media_type: string; byte_size: number; sha256: string; content: Uint8Array; key_id: string | null }>(
    'select id, filename, media_type, byte_size, sha256, content, key_id from stored_files where tenant_id = $1 and owner = $2 and id = $3',
    [tenantId, owner, id],
  );
  return (
    row && {
      id: row.id,
      filename: row.filename,
      mediaType: row.media_type,
      byteSize: row.byte_size,
      sha256: row.sha256,
      content: Buffer.from(row.content),
      keyId: row.key_id,
    }
  );
}

/** Deletes a stored file (e.g. with the personal data it belongs to). */
export async function deleteFile(tx: Sql, tenantId: string, owner: string, id: string): Promise<void> {
  await tx.query('delete from stored_files where tenant_id = $1 and owner = $2 and id = $3', [tenantId, owner, id]);
}

/** Headers for sending a stored file as a download (never rendered inline by the browser). */
export function downloadHeaders(file: Pick<StoredFile, 'filename' | 'mediaType'>): Record<string, string> {
  const ascii = file.filename.replace(/[^\x20-\x7e]/g, '_');
  return {
    'content-type': file.mediaType,
    'content-disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
    'x-content-type-options': 'nosniff',
    'cache-control': 'private, no-store',
  };
}

function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
