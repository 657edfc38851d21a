/**
 * The plan pages' form and query schemas, and the readers for the figures and dates staff
 * type in. Field limits come from plan.schema.ts (shared with the API). Every invalid field
 * is reported at once, in the reader's language (messages written with bilingual()).
 */
import { z } from 'zod';
import { isIsoDate, parsePlanDate, PlanDateError } from '../../core/dates.ts';
import { translate } from '../../core/i18n.ts';
import { bilingual } from '../../core/validation.ts';
export { formValues } from '../../core/forms.ts';
import { LIMITS } from './plan.schema.ts';
import './plan.messages.ts';

/** A message key as a bilingual schema message. */
function message(key: string, params?: Record<string, string | number>): string {
  return bilingual(translate('ja', key, params), translate('en', key, params));
}

const FIGURE_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * A figure as staff type it: full-width digits, thousands separators and spaces are
 * accepted ('５,９１３,１０７' → 5913107); null when it is not a finite decimal number.
 */
export function parseFigureText(text: string): number | null {
  const t = text.normalize('NFKC').replace(/\s/g, '');
  // Thousands separators only where they belong: 12,345 yes, 12,34 no.
  if (t.includes(',') && !/^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$/.test(t)) return null;
  const s = t.replace(/,/g, '');
  if (s.length === 0 || s.length > 40 || !FIGURE_RE.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/**
 * A date as staff type it: ISO, or any of the plan's notations (H29.3.31, 平成28年度 → 31
 * March of the following year, H23年度末). null when it names no real date.
 */
export function parseAsOfText(text: string): string | null {
  const s = text.trim();
  if (isIsoDate(s)) return s;
  try {
    return parsePlanDate(s).date;
  } catch (err) {
    if (err instanceof PlanDateError) return null;
    throw err;
  }
}

/** A text field that is absent in the body reads as ''. */
const field = z.string().optional().default('');

/** 実績値の入力 — the entry form. */
export const ActualEntryForm = z.object({
  indicator: field.transform((raw, ctx) => {
    const s = raw.trim();
    if (!s) ctx.addIssue({ code: 'custom', message: message('plan.error.indicatorRequired'), input: raw });
    return s.slice(0, LIMITS.code);
  }),
  value: field.transform((raw, ctx) => {
    const s = raw.trim();
    if (!s) {
      ctx.addIssue({ code: 'custom', message: message('plan.error.valueRequired'), input: raw });
      return z.NEVER;
    }
    const n = parseFigureText(s);
    if (n === null) {
      ctx.addIssue({ code: 'custom', message: message('plan.error.valueNumber'), input: raw });
      return z.NEVER;
    }
    return n;
  }),
  asOf: field.transform((raw, ctx) => {
    const s = raw.trim();
    if (!s) {
      ctx.addIssue({ code: 'custom', message: message('plan.error.asOfRequired'), input: raw });
      return z.NEVER;
    }
    const iso = parseAsOfText(s);
    if (iso === null) {
      ctx.addIssue({ code: 'custom', message: message('plan.error.asOfInvalid'), input: raw });
      return z.NEVER;
    }
    return iso;
  }),
  note: field.transform((raw, ctx) => {
    const s = raw.trim();
    if (s.length > LIMITS.note) ctx.addIssue({ code: 'custom', message: message('plan.error.noteTooLong', { max: LIMITS.note }), input: raw });
    return s;
  }),
  /** The checkbox 「根拠資料を公開する」: present (any value) when ticked. */
  evidencePublic: field.transform((raw) => raw !== ''),
});

/** The entry form as typed, for re-rendering it with its errors. */
export interface ActualEntryValues {
  indicator: string;
  value: string;
  asOf: string;
  note: string;
  evidencePublic: string;
}

/** An approval decision posted from the queue. */
export const DecisionForm = z.object({
  code: z.string().trim().min(1).max(LIMITS.code),
  decision: z.enum(['approved', 'rejected']),
  /** 差し戻しの理由 (required to reject; checked by the service, which words the error). */
  reason: z.string().max(LIMITS.note * 2).optional().default(''),
});

/** ?fy= of the fiscal-year report. */
export const ReportQuery = z.object({
  fy: z.coerce.number().int().min(1900).max(2200).optional(),
});

/** The CSV import form: pasted text or an uploaded file, checked or imported. */
export const ImportForm = z.object({
  csv: z.string().optional().default(''),
  file: z.string().optional().default(''),
  mode: z.enum(['preview', 'import']).optional().default('preview'),
});

/** The entry page's query after a successful entry (post/redirect/get). */
export const EntryQuery = z.object({
  recorded: z.string().max(LIMITS.code).optional().catch(undefined),
  asOf: z.string().refine(isIsoDate).optional().catch(undefined),
  /** The entry just recorded (its warnings are shown to its author). */
  id: z.uuid().optional().catch(undefined),
  /** An indicator to preselect (a correction from "my entries"). */
  indicator: z.string().max(LIMITS.code).optional().catch(undefined),
});
