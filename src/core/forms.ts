/**
 * The form kit every page uses (after GOV.UK Frontend): a posted form body read through its
 * zod schema with every error at once in the order of the form's fields, the text values kept
 * for re-rendering, and the 「エラー：」 title prefix. The markup is in views/templates/macros/form.njk
 * (error summary linking to each field, the message beside the field, aria-describedby).
 */
import type { z } from 'zod';
import type { FieldError } from './errors.ts';
import type { Lang } from './i18n.ts';
import { inFieldOrder, parseWith } from './validation.ts';

/** The raw text fields of a form body (anything missing or not text reads as ''). */
export function formValues<K extends string>(body: unknown, keys: readonly K[]): Record<K, string> {
  const b = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(keys.map((k) => [k, typeof b[k] === 'string' ? (b[k] as string) : ''])) as Record<K, string>;
}

export type FormResult<T, K extends string> =
  | { ok: true; value: T; values: Record<K, string>; errors: [] }
  | { ok: false; values: Record<K, string>; errors: FieldError[] };

/**
 * Reads a posted form: the text of each field in `fields` (for showing the form again) and the
 * schema's result; on failure every field's first error, ordered as the fields are.
 */
export function readForm<S extends z.ZodType, K extends string>(
  schema: S,
  body: unknown,
  fields: readonly K[],
  lang: Lang,
): FormResult<z.output<S>, K> {
  const values = formValues(body, fields);
  const parsed = parseWith(schema, body, lang);
  return parsed.ok ? { ok: true, value: parsed.value, values, errors: [] } : { ok: false, values, errors: inFieldOrder(parsed.errors, fields) };
}

/** The page title of a form: prefixed with 「エラー：」 / "Error: " while it shows errors. */
export function formTitle(title: string, errors: readonly FieldError[], lang: Lang): string {
  if (errors.length === 0) return title;
  return lang === 'ja' ? `エラー：${title}` : `Error: ${title}`;
}
