/**
 * 申請フォーム — the form a procedure asks, as staff build it: the field definitions (the
 * schema staff submit) and the server-side validation of an applicant's answers, which lists
 * every problem at once and drops answers to fields that are not shown.
 */
import { z } from 'zod';
import { isIsoDate, parsePlanDate } from '../../core/dates.ts';
import type { FieldError } from '../../core/errors.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { bilingual } from '../../core/validation.ts';
import './procedures.messages.ts';

export const FIELD_TYPES = ['text', 'textarea', 'number', 'date', 'select', 'radio', 'checkbox', 'email', 'phone', 'postal', 'file'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** Limits shared by the API, the forms and the database. */
export const FORM_LIMITS = { fields: 100, pages: 10, options: 100, label: 200, help: 1000, text: 200, textarea: 4000, name: 40 } as const;

/**
 * 添付ファイル — what a `file` field takes: kinds by content (core/files.ts: PDF, PNG, JPEG,
 * and the spreadsheets DESIGN.md allows, xlsx and CSV), at most `maxBytes` a file (5 MB, the
 * default), at most `perForm` file fields a form (which bounds the request body).
 */
export const FILE_KINDS_ACCEPTED = ['pdf', 'png', 'jpeg', 'xlsx', 'csv'] as const;
export const FILE_LIMITS = { maxBytes: 5 * 1024 * 1024, perForm: 5, defaultKinds: ['pdf', 'png', 'jpeg'] as const } as const;

const OptionSchema = z.object({
  value: z.string().trim().min(1).max(100),
  label: z.string().trim().min(1).max(FORM_LIMITS.label),
});

/** One field of a form. */
export const FieldSchema = z
  .object({
    /** The answer's key: letters, digits and underscores, starting with a letter. */
    name: z
      .string()
      .regex(/^[a-zA-Z][a-zA-Z0-9_]{0,39}$/, { message: bilingual('項目名は英字で始まる英数字と _ で40文字以内です', 'A field name is up to 40 letters, digits and _, starting with a letter') }),
    type: z.enum(FIELD_TYPES),
    label: z.string().trim().min(1).max(FORM_LIMITS.label),
    help: z.string().trim().max(FORM_LIMITS.help).optional(),
    required: z.boolean().optional(),
    /** Which page of the form the field is on (1 = the first). */
    page: z.number().int().min(1).max(FORM_LIMITS.pages).optional(),
    /** Characters for text fields; the value range for numbers. */
    maxLength: z.number().int().min(1).max(FORM_LIMITS.textarea).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    /** Choices of select, radio and checkbox fields. */
    options: z.array(OptionSchema).max(FORM_LIMITS.options).optional(),
    /** Shown (and asked) only when another field has the given answer. */
    showIf: z.object({ field: z.string().min(1).max(40), equals: z.string().max(100) }).optional(),
    /** A field the procedures of a one-stop bundle share (asked once). */
    shared: z.boolean().optional(),
    /** File fields: the kinds accepted (by content; PDF, PNG and JPEG when not given). */
    accept: z.array(z.enum(FILE_KINDS_ACCEPTED)).min(1).max(FILE_KINDS_ACCEPTED.length).optional(),
    /** File fields: the largest file accepted, in bytes (5 MB when not given). */
    maxBytes: z.number().int().min(1).max(FILE_LIMITS.maxBytes).optional(),
  })
  .strict();

export type FieldDef = z.infer<typeof FieldSchema>;

/** A whole form: names unique, choices where needed, conditions naming earlier fields. */
export const FieldsSchema = z
  .array(FieldSchema)
  .min(1)
  .max(FORM_LIMITS.fields)
  .superRefine((fields, ctx) => {
    const seen = new Set<string>();
    fields.forEach((f, i) => {
      if (seen.has(f.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: bilingual(`項目名 ${f.name} が重複しています`, `The field name ${f.name} is used twice`) });
      if (['select', 'radio', 'checkbox'].includes(f.type) && !(f.options && f.options.length > 0)) {
        ctx.addIssue({ code: 'custom', path: [i, 'options'], message: bilingual('選択肢を指定してください', 'Give the choices') });
      }
      if (f.showIf && !seen.has(f.showIf.field)) {
        ctx.addIssue({ code: 'custom', path: [i, 'showIf', 'field'], message: bilingual('表示条件は前にある項目を指定してください', 'A condition names an earlier field') });
      }
      if (f.min !== undefined && f.max !== undefined && f.min > f.max) ctx.addIssue({ code: 'custom', path: [i, 'max'], message: bilingual('最大値は最小値以上です', 'max must be at least min') });
      if (f.showIf && fields.find((x) => x.name === f.showIf!.field)?.type === 'file') {
        ctx.addIssue({ code: 'custom', path: [i, 'showIf', 'field'], message: bilingual('表示条件にファイルの項目は使えません', 'A condition cannot name a file field') });
      }
      if (f.type !== 'file' && (f.accept !== undefined || f.maxBytes !== undefined)) {
        ctx.addIssue({ code: 'custom', path: [i, f.accept !== undefined ? 'accept' : 'maxBytes'], message: bilingual('ファイルの形式と大きさはファイルの項目だけに指定します', 'File types and sizes belong to file fields only') });
      }
      seen.add(f.name);
    });
    if (fields.filter((f) => f.type === 'file').length > FILE_LIMITS.perForm) {
      ctx.addIssue({ code: 'custom', path: [], message: bilingual(`ファイルの項目は${FILE_LIMITS.perForm}個までです`, `A form has at most ${FILE_LIMITS.perForm} file fields`) });
    }
  });

/** A postal code with its address (郵便番号と住所). */
export interface PostalAnswer {
  postalCode: string;
  address: string;
}

/** An attached file as the answers record it (the content is in procedure_attachments). */
export interface FileAnswer {
  /** The attachment's id. */
  file: string;
  filename: string;
  size: number;
  mediaType: string;
}

/** A cleaned answer: text, a number, an ISO date, the chosen values, a postal address, or a file. */
export type Answer = string | number | string[] | PostalAnswer | FileAnswer;

/** The kinds and size a file field accepts. */
export function fileRules(f: FieldDef): { kinds: readonly (typeof FILE_KINDS_ACCEPTED)[number][]; maxBytes: number } {
  return { kinds: f.accept ?? FILE_LIMITS.defaultKinds, maxBytes: f.maxBytes ?? FILE_LIMITS.maxBytes };
}

/** True when the answer is an attached file. */
export function isFileAnswer(v: unknown): v is FileAnswer {
  return !!v && typeof v === 'object' && typeof (v as FileAnswer).file === 'string' && typeof (v as FileAnswer).size === 'number';
}

/** A size in bytes as people read it (12 KB, 1.5 MB). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.max(1, Math.round(n / 1024))} KB`;
  return `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;
}
export type Answers = Record<string, Answer>;

/** The page a field is on. */
export const pageOf = (f: FieldDef): number => f.page ?? 1;

/** The number of pages of a form. */
export function pageCount(fields: readonly FieldDef[]): number {
  return Math.max(1, ...fields.map(pageOf));
}

/** True when the field is asked, given the answers so far (its condition holds). */
export function isShown(f: FieldDef, answers: Readonly<Record<string, unknown>>): boolean {
  if (!f.showIf) return true;
  const other = answers[f.showIf.field];
  return Array.isArray(other) ? other.includes(f.showIf.equals) : String(other ?? '') === f.showIf.equals;
}

const isBlank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);

/** Full-width digits and hyphens to ASCII (applicants type either). */
const narrow = (s: string) => s.normalize('NFKC').replace(/[‐－ー−]/g, '-').trim();

/** One field's answer, or the message saying why it is not acceptable. */
function checkAnswer(f: FieldDef, raw: unknown, lang: Lang): { value: Answer } | { error: string } {
  const t = (key: string, params?: Record<string, string | number>) => translate(lang, key, { label: f.label, ...params });
  const asText = (v: unknown) => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : null);
  switch (f.type) {
    case 'text':
    case 'textarea': {
      const s = asText(raw);
      if (s === null) return { error: t('procedures.answer.text') };
      const max = f.maxLength ?? (f.type === 'text' ? FORM_LIMITS.text : FORM_LIMITS.textarea);
      if (s.length > max) return { error: t('procedures.answer.tooLong', { max }) };
      return { value: s };
    }
    case 'number': {
      const s = typeof raw === 'number' ? String(raw) : asText(raw);
      const n = s === null ? NaN : Number(narrow(s).replace(/,/g, ''));
      if (!Number.isFinite(n) || s === '') return { error: t('procedures.answer.number') };
      if (f.min !== undefined && n < f.min) return { error: t('procedures.answer.min', { min: f.min }) };
      if (f.max !== undefined && n > f.max) return { error: t('procedures.answer.max', { max: f.max }) };
      return { value: n };
    }
    case 'date': {
      const s = asText(raw);
      if (s === null) return { error: t('procedures.answer.date') };
      if (isIsoDate(s)) return { value: s };
      try {
        const d = parsePlanDate(s);
        if (d.kind === 'date') return { value: d.date };
      } catch {
        // reported below
      }
      return { error: t('procedures.answer.date') };
    }
    case 'select':
    case 'radio': {
      const s = asText(raw);
      if (s === null || !f.options!.some((o) => o.value === s)) return { error: t('procedures.answer.choice') };
      return { value: s };
    }
    case 'checkbox': {
      const list = Array.isArray(raw) ? raw : [raw];
      const values = list.map(asText);
      if (values.some((v) => v === null || !f.options!.some((o) => o.value === v))) return { error: t('procedures.answer.choice') };
      return { value: [...new Set(values as string[])] };
    }
    case 'email': {
      const s = asText(raw);
      if (s === null || s.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s)) return { error: t('procedures.answer.email') };
      return { value: s };
    }
    case 'phone': {
      const s = asText(raw);
      const p = s === null ? '' : narrow(s);
      if (!/^0\d{1,4}-?\d{1,4}-?\d{3,4}$/.test(p) || p.replace(/-/g, '').length < 10 || p.replace(/-/g, '').length > 11) return { error: t('procedures.answer.phone') };
      return { value: p };
    }
    case 'postal': {
      const o = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
      const code = typeof o?.postalCode === 'string' ? narrow(o.postalCode) : '';
      const address = typeof o?.address === 'string' ? o.address.trim() : '';
      if (!/^\d{3}-?\d{4}$/.test(code)) return { error: t('procedures.answer.postalCode') };
      if (address.length < 1 || address.length > 200) return { error: t('procedures.answer.address') };
      return { value: { postalCode: `${code.replace('-', '').slice(0, 3)}-${code.replace('-', '').slice(3)}`, address } };
    }
    case 'file':
      // Files come from the uploads the server holds (validateAnswers' `files`), never from the answers sent.
      return { error: t('procedures.answer.fileUnsupported') };
  }
}

/**
 * Checks the answers against the form: every problem at once (path `answers.<name>`), unknown
 * answers named too. Answers to fields that are not shown are dropped. `pages` limits the
 * check to the pages the applicant has filled in so far (the multi-page form). `files` are the
 * uploads the server holds for the form's file fields (a file never comes as an answer);
 * `partial` (a saved draft) leaves required fields unchecked.
 */
export function validateAnswers(
  fields: readonly FieldDef[],
  input: unknown,
  lang: Lang,
  options: { pages?: number; prefix?: string; files?: Readonly<Record<string, FileAnswer>>; partial?: boolean } = {},
): { answers: Answers; errors: FieldError[] } {
  const prefix = options.prefix ?? 'answers.';
  const errors: FieldError[] = [];
  const answers: Answers = {};
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    return { answers, errors: [{ path: prefix.replace(/\.$/, '') || 'answers', message: translate(lang, 'procedures.answer.object') }] };
  }
  const raw = input as Record<string, unknown>;
  const known = new Set(fields.map((f) => f.name));
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) errors.push({ path: `${prefix}${key.slice(0, 40)}`, message: translate(lang, 'procedures.answer.unknown') });
  }
  for (const f of fields) {
    if (options.pages !== undefined && pageOf(f) > options.pages) continue;
    if (!isShown(f, answers)) continue;
    const value = raw[f.name];
    if (f.type === 'file' && isBlank(value)) {
      // The file the applicant uploaded with the form (checked and sealed when it came).
      const file = options.files?.[f.name];
      if (file) answers[f.name] = file;
      else if (f.required && !options.partial) errors.push({ path: `${prefix}${f.name}`, message: translate(lang, 'procedures.answer.required', { label: f.label }) });
      continue;
    }
    if (isBlank(value) || (f.type === 'postal' && isBlank((value as PostalAnswer | undefined)?.postalCode) && isBlank((value as PostalAnswer | undefined)?.address))) {
      if (f.required && !options.partial) errors.push({ path: `${prefix}${f.name}`, message: translate(lang, 'procedures.answer.required', { label: f.label }) });
      continue;
    }
    const checked = checkAnswer(f, value, lang);
    if ('error' in checked) errors.push({ path: `${prefix}${f.name}`, message: checked.error });
    else answers[f.name] = checked.value;
  }
  return { answers, errors };
}

/** An answer as text for the check-your-answers page, the staff case and the CSV. */
export function answerText(f: FieldDef, value: Answer | undefined): string {
  if (value === undefined) return '';
  if (isFileAnswer(value)) return `${value.filename}（${formatBytes(value.size)}）`;
  if (Array.isArray(value)) return value.map((v) => f.options?.find((o) => o.value === v)?.label ?? v).join('、');
  if (typeof value === 'object') return `〒${value.postalCode} ${value.address}`;
  if ((f.type === 'select' || f.type === 'radio') && typeof value === 'string') return f.options?.find((o) => o.value === value)?.label ?? value;
  return String(value);
}
