/**
 * フォームビルダー — the browser form builder's pure parts: one field's form (plain inputs, no
 * JavaScript) to and from a field definition, and the schema's error paths (`fields.3.max`)
 * to the inputs they belong to. The whole form is still validated by the service
 * (FieldsSchema), so the API and the builder take exactly the same forms.
 */
import type { FieldError } from '../../core/errors.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { FILE_KINDS_ACCEPTED, type FieldDef } from './procedures.fields.ts';
import './procedures.messages.ts';

/** The inputs of the field form, in the order they are drawn (error summary order). */
export const FIELD_INPUTS = ['f_name', 'f_type', 'f_label', 'f_help', 'f_required', 'f_page', 'f_maxLength', 'f_min', 'f_max', 'f_options', 'f_showIfField', 'f_showIfEquals', 'f_accept', 'f_maxKb', 'f_shared'] as const;

const str = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '');
const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);

/** The field form's values as posted (strings, and the accepted kinds as a list). */
export interface FieldFormValues {
  f_name: string;
  f_type: string;
  f_label: string;
  f_help: string;
  f_required: boolean;
  f_page: string;
  f_maxLength: string;
  f_min: string;
  f_max: string;
  f_options: string;
  f_showIfField: string;
  f_showIfEquals: string;
  f_accept: string[];
  f_maxKb: string;
  f_shared: boolean;
}

/** The posted field form. */
export function fieldFormValues(body: Record<string, unknown>): FieldFormValues {
  return {
    f_name: str(body.f_name).trim(),
    f_type: str(body.f_type),
    f_label: str(body.f_label),
    f_help: str(body.f_help),
    f_required: str(body.f_required) === 'true',
    f_page: str(body.f_page).trim(),
    f_maxLength: str(body.f_maxLength).trim(),
    f_min: str(body.f_min).trim(),
    f_max: str(body.f_max).trim(),
    f_options: str(body.f_options),
    f_showIfField: str(body.f_showIfField),
    f_showIfEquals: str(body.f_showIfEquals),
    f_accept: list(body.f_accept),
    f_maxKb: str(body.f_maxKb).trim(),
    f_shared: str(body.f_shared) === 'true',
  };
}

/** A field definition as the field form shows it. */
export function valuesOfField(f: FieldDef | undefined): FieldFormValues {
  return {
    f_name: f?.name ?? '',
    f_type: f?.type ?? 'text',
    f_label: f?.label ?? '',
    f_help: f?.help ?? '',
    f_required: f?.required ?? false,
    f_page: f?.page === undefined ? '' : String(f.page),
    f_maxLength: f?.maxLength === undefined ? '' : String(f.maxLength),
    f_min: f?.min === undefined ? '' : String(f.min),
    f_max: f?.max === undefined ? '' : String(f.max),
    f_options: (f?.options ?? []).map((o) => (o.value === o.label ? o.value : `${o.value}|${o.label}`)).join('\n'),
    f_showIfField: f?.showIf?.field ?? '',
    f_showIfEquals: f?.showIf?.equals ?? '',
    f_accept: f?.accept ? [...f.accept] : [],
    f_maxKb: f?.maxBytes === undefined ? '' : String(Math.round(f.maxBytes / 1024)),
    f_shared: f?.shared ?? false,
  };
}

/**
 * The field the form describes (left for FieldsSchema to judge), and the problems only the
 * form can have (a number that is not one). Options are one a line, "value|label" or a label
 * alone (its own value).
 */
export function fieldFromValues(v: FieldFormValues, lang: Lang): { field: Record<string, unknown>; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const num = (key: keyof FieldFormValues, text: string): number | undefined => {
    if (text === '') return undefined;
    const n = Number(text.normalize('NFKC'));
    if (!Number.isFinite(n)) errors.push({ path: key, message: translate(lang, 'procedures.builder.number') });
    return n;
  };
  const options = v.f_options
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const at = line.indexOf('|');
      return at < 0 ? { value: line, label: line } : { value: line.slice(0, at).trim(), label: line.slice(at + 1).trim() };
    });
  const maxKb = num('f_maxKb', v.f_maxKb);
  const field: Record<string, unknown> = {
    name: v.f_name,
    type: v.f_type,
    label: v.f_label,
    ...(v.f_help.trim() ? { help: v.f_help } : {}),
    ...(v.f_required ? { required: true } : {}),
    ...(v.f_page ? { page: num('f_page', v.f_page) } : {}),
    ...(v.f_maxLength ? { maxLength: num('f_maxLength', v.f_maxLength) } : {}),
    ...(v.f_min ? { min: num('f_min', v.f_min) } : {}),
    ...(v.f_max ? { max: num('f_max', v.f_max) } : {}),
    ...(options.length ? { options } : {}),
    ...(v.f_showIfField ? { showIf: { field: v.f_showIfField, equals: v.f_showIfEquals.trim() } } : {}),
    ...(v.f_type === 'file' && v.f_accept.length ? { accept: v.f_accept } : {}),
    ...(maxKb !== undefined && Number.isFinite(maxKb) ? { maxBytes: Math.round(maxKb * 1024) } : {}),
    ...(v.f_shared ? { shared: true } : {}),
  };
  return { field, errors };
}

/** The input of the field form a schema error of field `index` belongs to (or null: another field's). */
export function inputOfPath(path: string, index: number): string | null {
  const m = /^fields\.(\d+)\.?(.*)$/.exec(path);
  if (!m) return path === 'fields' ? 'f_name' : null;
  if (Number(m[1]) !== index) return null;
  const prop = m[2] ?? '';
  if (prop.startsWith('showIf.field') || prop === 'showIf') return 'f_showIfField';
  if (prop.startsWith('showIf.equals')) return 'f_showIfEquals';
  if (prop.startsWith('options')) return 'f_options';
  if (prop.startsWith('accept')) return 'f_accept';
  if (prop === 'maxBytes') return 'f_maxKb';
  const input = `f_${prop.split('.')[0]}`;
  return (FIELD_INPUTS as readonly string[]).includes(input) ? input : 'f_name';
}

/** The kinds a file field may accept (the builder's checkboxes). */
export const ACCEPT_CHOICES = FILE_KINDS_ACCEPTED;
