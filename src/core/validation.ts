/**
 * Validation messages in the reader's language, independent of HTTP: services, forms, the
 * API and the command line all turn zod issues into field errors here. Custom messages are
 * written in both languages with bilingual(); zod's own messages come from its ja/en locales.
 */
import { z } from 'zod';
import type { FieldError } from './errors.ts';
import { translate, type Lang } from './i18n.ts';

const SEPARATOR = '\u001f';

/** A schema error message in both languages; fieldErrorsOf() shows the reader's one. */
export function bilingual(ja: string, en: string): string {
  return `${ja}${SEPARATOR}${en}`;
}

/** A registered message (see defineMessages) as a bilingual schema message. */
export function messageOf(key: string, params?: Record<string, string | number>): string {
  return bilingual(translate('ja', key, params), translate('en', key, params));
}

/** A message written with bilingual() reduced to one language (others pass through). */
export function pickLanguage(message: string, lang: Lang): string {
  const parts = message.split(SEPARATOR);
  return parts.length === 2 ? (lang === 'ja' ? parts[0]! : parts[1]!) : message;
}

const zodLocales = { ja: z.locales.ja(), en: z.locales.en() };

function localizeIssue(issue: z.core.$ZodIssue, lang: Lang): string {
  const fn = zodLocales[lang].localeError;
  const raw = typeof fn === 'function' ? fn(issue as never) : undefined;
  const text = typeof raw === 'string' ? raw : raw?.message;
  return text ?? issue.message;
}

/** Field errors from zod issues, in the reader's language; paths dotted ("chapters.0.title"). */
export function fieldErrorsOf(issues: readonly z.core.$ZodIssue[], lang: Lang, prefix = ''): FieldError[] {
  return issues.map((issue) => {
    const custom = issue.message.includes(SEPARATOR);
    const localized = custom ? pickLanguage(issue.message, lang) : localizeIssue(issue, lang);
    return { path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'), message: localized };
  });
}

/**
 * Field errors for a failed parse: in the reader's language when lang is given, otherwise as
 * "日本語 / English" (the command line). One message per field: the first is the one to fix.
 */
export function toFieldErrors(issues: readonly z.core.$ZodIssue[], lang?: Lang): FieldError[] {
  if (lang) return firstPerField(fieldErrorsOf(issues, lang));
  const ja = fieldErrorsOf(issues, 'ja');
  const en = fieldErrorsOf(issues, 'en');
  return firstPerField(
    ja.map((e, i) => ({ path: e.path, message: e.message === en[i]!.message ? e.message : `${e.message} / ${en[i]!.message}` })),
  );
}

/** Keeps the first error of each field. */
export function firstPerField(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => (seen.has(e.path) ? false : (seen.add(e.path), true)));
}

/** Errors in the order of a form's fields (unknown paths last), so a summary reads top to bottom. */
export function inFieldOrder(errors: FieldError[], fields: readonly string[]): FieldError[] {
  const rank = (e: FieldError) => {
    const head = e.path.split('.')[0]!;
    const r = fields.indexOf(e.path) >= 0 ? fields.indexOf(e.path) : fields.indexOf(head);
    return r < 0 ? fields.length : r;
  };
  return errors.map((e, i) => ({ e, i })).sort((a, b) => rank(a.e) - rank(b.e) || a.i - b.i).map((x) => x.e);
}

/** Parses input with schema; on failure every field's first error, in the reader's language. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  lang?: Lang,
): { ok: true; value: z.output<S> } | { ok: false; errors: FieldError[] } {
  const result = schema.safeParse(input ?? {});
  return result.success ? { ok: true, value: result.data } : { ok: false, errors: toFieldErrors(result.error.issues, lang) };
}

/** A field's name in both languages, for its messages. */
export interface FieldName {
  ja: string;
  en: string;
}

/** A required text: trimmed, not empty, at most max characters, with messages naming the field. */
export function requiredText(max: number, name: FieldName) {
  const missing = bilingual(`${name.ja}を入力してください`, `Enter the ${name.en}`);
  return z
    .string({ message: missing })
    .trim()
    .min(1, { message: missing })
    .max(max, { message: bilingual(`${name.ja}は${max}文字以内で入力してください`, `The ${name.en} must be at most ${max} characters`) });
}

/** An optional text: empty or null reads as absent. */
export function optionalText(max: number, name: FieldName) {
  return z
    .string({ message: bilingual(`${name.ja}は文字列で入力してください`, `The ${name.en} must be text`) })
    .trim()
    .max(max, { message: bilingual(`${name.ja}は${max}文字以内で入力してください`, `The ${name.en} must be at most ${max} characters`) })
    .nullish()
    .transform((s) => (s ? s : undefined));
}
