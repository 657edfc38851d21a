/**
 * Upload forms that keep each file's name: like core's readMultipartBody (a preValidation hook
 * reading multipart/form-data before the CSRF check reads `_csrf`), but files are kept aside
 * with their field and file name, and a file input left empty is no file at all.
 * (Core's helper stores a file as a bare Buffer, without its name.)
 */
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.ts';
import type { Upload } from './proposals.service.ts';

const uploads = new WeakMap<FastifyRequest, Upload[]>();

/** preValidation hook: text fields into request.body, files into uploadsOf(request). */
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

/** The files of an upload form (none for other requests). */
export function uploadsOf(request: FastifyRequest): Upload[] {
  return uploads.get(request) ?? [];
}
