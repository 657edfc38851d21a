/**
 * The monitoring pages' forms: the posted text read into the API's input shapes, every
 * problem at once in the reader's language (the rules between fields run in the service).
 * Figures may be typed with full-width digits (NFKC).
 */
import { z } from 'zod';
import type { FieldError } from '../../core/errors.ts';
import { formValues } from '../../core/forms.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { LIMITS, type AnnotationInput, type CreateCheckInput, type MaintenanceInput } from './monitoring.schema.ts';
import './monitoring.messages.ts';

export const CHECK_FIELDS = [
  'name',
  'kind',
  'url',
  'method',
  'expectedStatus',
  'keyword',
  'intervalSeconds',
  'timeoutMs',
  'retries',
  'tlsMinDays',
  'counted',
  'published',
  'department',
  'active',
] as const;
export type CheckFormValues = Record<(typeof CHECK_FIELDS)[number], string>;

export const MAINTENANCE_FIELDS = ['start', 'end', 'reason'] as const;
export type MaintenanceFormValues = Record<(typeof MAINTENANCE_FIELDS)[number], string> & { systems: string[] };

export const ANNOTATION_FIELDS = ['cause', 'action', 'published'] as const;
export type AnnotationFormValues = Record<(typeof ANNOTATION_FIELDS)[number], string>;

const norm = (s: string) => s.normalize('NFKC').trim();

/** A whole number typed into a field, or an error for it. */
function integer(values: Record<string, string>, name: string, min: number, max: number, errors: FieldError[], lang: Lang, options: { optional?: boolean; fallback: number }): number | null {
  const text = norm(values[name] ?? '').replace(/,/g, '');
  if (text === '') {
    if (options.optional) return null;
    errors.push({ path: name, message: translate(lang, 'monitoring.error.required') });
    return options.fallback;
  }
  const n = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    errors.push({ path: name, message: translate(lang, 'monitoring.error.integer', { min, max }) });
    return options.optional ? null : options.fallback;
  }
  return n;
}

function text(values: Record<string, string>, name: string, max: number, errors: FieldError[], lang: Lang, required: boolean): string | null {
  const s = (values[name] ?? '').trim();
  if (!s) {
    if (required) errors.push({ path: name, message: translate(lang, 'monitoring.error.required') });
    return null;
  }
  if (s.length > max) errors.push({ path: name, message: translate(lang, 'monitoring.error.tooLong', { max }) });
  return s.slice(0, max);
}

const checked = (v: string) => v === 'on' || v === 'true' || v === '1';

/**
 * The check form: the input for the service (invalid figures replaced by a placeholder so the
 * rules between fields still run) and the problems found here.
 */
export function readCheckForm(body: unknown, lang: Lang): { values: CheckFormValues; input: CreateCheckInput; errors: FieldError[] } {
  const values = formValues(body, CHECK_FIELDS);
  const errors: FieldError[] = [];
  const kind = (['http', 'tcp', 'tls'] as const).find((k) => k === values.kind) ?? 'http';
  const method = values.method === 'HEAD' ? 'HEAD' : 'GET';
  const input: CreateCheckInput = {
    name: text(values, 'name', LIMITS.name, errors, lang, true) ?? '',
    kind,
    url: text(values, 'url', LIMITS.url, errors, lang, true) ?? '',
    method,
    expectedStatus: integer(values, 'expectedStatus', 100, 599, errors, lang, { optional: true, fallback: 200 }),
    keyword: text(values, 'keyword', LIMITS.keyword, errors, lang, false),
    intervalSeconds: integer(values, 'intervalSeconds', LIMITS.minInterval, LIMITS.maxInterval, errors, lang, { fallback: LIMITS.maxInterval })!,
    timeoutMs: integer(values, 'timeoutMs', LIMITS.minTimeout, LIMITS.maxTimeout, errors, lang, { fallback: LIMITS.minTimeout })!,
    retries: integer(values, 'retries', 0, LIMITS.maxRetries, errors, lang, { optional: true, fallback: 0 }) ?? 0,
    tlsMinDays: integer(values, 'tlsMinDays', 1, LIMITS.maxTlsDays, errors, lang, { optional: true, fallback: 14 }),
    counted: checked(values.counted),
    published: checked(values.published),
    department: values.department.trim() || null,
    active: checked(values.active),
  };
  if (kind !== 'tls') input.tlsMinDays = null;
  return { values, input, errors };
}

/** Empty check form values (a new check: counted and active by default). */
export function newCheckValues(): CheckFormValues {
  return {
    name: '',
    kind: 'http',
    url: 'https://',
    method: 'GET',
    expectedStatus: '',
    keyword: '',
    intervalSeconds: '60',
    timeoutMs: '10000',
    retries: '1',
    tlsMinDays: '',
    counted: 'on',
    published: '',
    department: '',
    active: 'on',
  };
}

const SystemsField = z.union([z.string(), z.array(z.string())]).optional();

/** The maintenance form: datetime-local fields read as Japan time. */
export function readMaintenanceForm(body: unknown, lang: Lang): { values: MaintenanceFormValues; input: MaintenanceInput; errors: FieldError[] } {
  const raw = formValues(body, MAINTENANCE_FIELDS);
  const parsedSystems = SystemsField.safeParse((body as Record<string, unknown> | undefined)?.systems);
  const systems = parsedSystems.success ? [parsedSystems.data ?? []].flat().slice(0, LIMITS.maxSystems) : [];
  const values = { ...raw, systems };
  const errors: FieldError[] = [];
  const instant = (name: 'start' | 'end') => {
    const s = norm(raw[name]).replace(' ', 'T');
    if (!s) {
      errors.push({ path: name, message: translate(lang, 'monitoring.error.required') });
      return '';
    }
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(s) || !Number.isFinite(Date.parse(`${s}+09:00`))) {
      errors.push({ path: name, message: translate(lang, 'monitoring.error.formInstant') });
      return '';
    }
    return s;
  };
  const input: MaintenanceInput = {
    start: instant('start'),
    end: instant('end'),
    reason: text(raw, 'reason', LIMITS.reason, errors, lang, true) ?? '',
    systems: systems.filter((id) => /^[0-9a-f-]{36}$/i.test(id)),
  };
  return { values, input, errors };
}

/** The annotation form. */
export function readAnnotationForm(body: unknown, lang: Lang): { values: AnnotationFormValues; input: AnnotationInput; errors: FieldError[] } {
  const values = formValues(body, ANNOTATION_FIELDS);
  const errors: FieldError[] = [];
  const input: AnnotationInput = {
    cause: text(values, 'cause', LIMITS.note, errors, lang, false),
    action: text(values, 'action', LIMITS.note, errors, lang, false),
    published: checked(values.published),
  };
  return { values, input, errors };
}
