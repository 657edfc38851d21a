/**
 * File uploads from forms that work without JavaScript (multipart/form-data), on top of
 * @fastify/multipart. The body is read in a preValidation hook, before the CSRF check reads
 * `_csrf` from it; a malformed or oversized body is a 4xx, never a 500.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from './errors.ts';

export interface UploadLimits {
  fileSize: number;
  files: number;
  fields: number;
}

/** Lets routes in this scope take multipart forms (call once per scope). */
export function acceptMultipart(app: FastifyInstance, limits: UploadLimits): void {
  void app.register(multipart, { limits: { ...limits, parts: limits.files + limits.fields } });
}

/**
 * A route's preValidation hook: reads a multipart form into request.body, text fields as
 * strings and files as Buffers. Other content types are left alone.
 */
export async function readMultipartBody(request: FastifyRequest): Promise<void> {
  if (!request.isMultipart()) return;
  const body: Record<string, string | Buffer> = Object.create(null) as Record<string, string | Buffer>;
  try {
    for await (const part of request.parts()) {
      body[part.fieldname] = part.type === 'file' ? await part.toBuffer() : String(part.value);
    }
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 413) throw new AppError('payload_too_large');
    throw new AppError('bad_request', { ja: 'フォームの送信内容を読み取れません', en: 'The form data cannot be read' });
  }
  request.body = body;
}

/** A file sent with an upload form: its form field, its name on the sender's machine, its bytes. */
export interface Upload {
  field: string;
  filename: string;
  bytes: Buffer;
  /** Set by readUploadFormWithLists when the file was larger than the scope's fileSize limit (bytes cut short). */
  truncated?: boolean;
}

const uploads = new WeakMap<FastifyRequest, Upload[]>();

/**
 * A route's preValidation hook for upload forms that keep each file's name: text fields into
 * request.body, files aside into uploadsOf(request). A file input left empty is no file.
 */
export async function readUploadForm(request: FastifyRequest): Promise<void> {
  if (!request.isMultipart()) return;
  const body: Record<string, string> = Object.create(null) as Record<string, string>;
  const files: Upload[] = [];
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        if (part.filename && bytes.length > 0) files.push({ field: part.fieldname, filename: part.filename, bytes });
      } else {
        body[part.fieldname] = String(part.value);
      }
    }
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 413) throw new AppError('payload_too_large');
    throw new AppError('bad_request', { ja: 'フォームの送信内容を読み取れません', en: 'The form data cannot be read' });
  }
  request.body = body;
  uploads.set(request, files);
}

/** The files of an upload form read by readUploadForm (none for other requests). */
export function uploadsOf(request: FastifyRequest): Upload[] {
  return uploads.get(request) ?? [];
}

/**
 * Like readUploadForm, for forms with repeated fields (checkboxes) and files checked field by
 * field: a field sent more than once becomes a list, and a file larger than the scope's
 * fileSize limit is not an error of the whole request but an upload marked `truncated`, so the
 * form can name the field that is too large. The request is still bounded by bodyLimit and the
 * scope's part limits.
 */
export async function readUploadFormWithLists(request: FastifyRequest): Promise<void> {
  if (!request.isMultipart()) return;
  const body: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  const files: Upload[] = [];
  try {
    // throwFileSizeLimit is read per call by @fastify/multipart, though its types leave it out.
    for await (const part of request.parts({ throwFileSizeLimit: false } as Parameters<FastifyRequest['parts']>[0])) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        if (part.filename && bytes.length > 0) files.push({ field: part.fieldname, filename: part.filename, bytes, truncated: part.file.truncated });
      } else {
        const value = String(part.value);
        const before = body[part.fieldname];
        body[part.fieldname] = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value];
      }
    }
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 413) throw new AppError('payload_too_large');
    throw new AppError('bad_request', { ja: 'フォームの送信内容を読み取れません', en: 'The form data cannot be read' });
  }
  request.body = body;
  uploads.set(request, files);
}
