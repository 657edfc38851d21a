/**
 * The registry's forms without JavaScript: the application form's text fields and checkboxes
 * (one per activity field and per published detail, since a multipart body keeps one value per
 * name) turned into the API's input, and back into form values for showing the form again.
 */
import type { FieldError } from '../../core/errors.ts';
import { formValues } from '../../core/forms.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import type { Registration } from './groups.repository.ts';
import { ACTIVITY_FIELDS, PUBLISHABLE, type Publishable } from './groups.rules.ts';

export const TEXT_FIELDS = [
  'name', 'nameKana', 'legalForm', 'representative', 'area', 'purpose', 'activities', 'foundedOn', 'members', 'publicContact', 'privateContact', 'website', 'fee',
] as const;
type TextField = (typeof TEXT_FIELDS)[number];

/** The order of the form's fields (the error summary follows it). */
export const FORM_ORDER = ['name', 'nameKana', 'legalForm', 'representative', 'fields', 'area', 'purpose', 'activities', 'foundedOn', 'members', 'publicContact', 'privateContact', 'website', 'fee', 'publish', 'rules', 'members_list', 'plan'];

export interface ProfileFormValues extends Record<TextField, string> {
  fields: number[];
  publish: Publishable[];
}

/** The posted form as form values. */
export function profileFormValues(body: unknown): ProfileFormValues {
  const b = (body ?? {}) as Record<string, unknown>;
  const text = formValues(body, TEXT_FIELDS);
  const fields = ACTIVITY_FIELDS.map((_, i) => i + 1).filter((n) => b[`field_${n}`] !== undefined && b[`field_${n}`] !== '');
  const publish = PUBLISHABLE.filter((p) => b[`publish_${p}`] !== undefined && b[`publish_${p}`] !== '');
  return { ...text, fields, publish };
}

/** The form values as the API's input (members as a number when it is one). */
export function profileInput(v: ProfileFormValues): Record<string, unknown> {
  const members = v.members.normalize('NFKC').trim();
  return {
    name: v.name,
    nameKana: v.nameKana,
    legalForm: v.legalForm,
    representative: v.representative,
    fields: v.fields,
    area: v.area,
    purpose: v.purpose,
    activities: v.activities,
    foundedOn: v.foundedOn.normalize('NFKC').trim(),
    members: /^\d{1,9}$/.test(members) ? Number(members) : members === '' ? undefined : NaN,
    publicContact: v.publicContact,
    privateContact: v.privateContact,
    website: v.website,
    fee: v.fee,
    publish: v.publish,
  };
}

/** An empty application form (every optional detail published but the representative). */
export function emptyProfile(): ProfileFormValues {
  return {
    ...(Object.fromEntries(TEXT_FIELDS.map((f) => [f, ''])) as Record<TextField, string>),
    fields: [],
    publish: ['publicContact', 'foundedOn', 'members', 'fee', 'website'],
  };
}

/** A registration's profile as form values (the private contact opened by the caller). */
export function registrationProfile(r: Registration, privateContact: string): ProfileFormValues {
  return {
    name: r.name,
    nameKana: r.nameKana,
    legalForm: r.legalForm,
    representative: r.representative,
    area: r.area,
    purpose: r.purpose,
    activities: r.activities,
    foundedOn: r.foundedOn ?? '',
    members: String(r.members),
    publicContact: r.publicContact,
    privateContact,
    website: r.website ?? '',
    fee: r.fee ?? '',
    fields: r.fields,
    publish: r.published,
  };
}

/** Field errors of the API's paths as the form's ids ("fields.0" → the first checkbox). */
export function formErrors(errors: readonly FieldError[]): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errors) {
    const head = e.path.split('.')[0]!;
    const path = head === 'fields' ? 'fields' : head === 'publish' ? 'publish' : head;
    if (seen.has(path)) continue;
    seen.add(path);
    out.push({ path, message: e.message });
  }
  return out.sort((a, b) => rank(a.path) - rank(b.path));
}

function rank(path: string): number {
  const i = FORM_ORDER.indexOf(path);
  return i < 0 ? FORM_ORDER.length : i;
}

/** The checkboxes of the activity fields. */
export function fieldChoices(lang: Lang, checked: readonly number[]) {
  return ACTIVITY_FIELDS.map((f, i) => ({ name: `field_${i + 1}`, id: i === 0 ? 'fields' : `field_${i + 1}`, label: `${i + 1}. ${f[lang]}`, checked: checked.includes(i + 1) }));
}

/** The checkboxes of the published details. */
export function publishChoices(lang: Lang, checked: readonly string[]) {
  return PUBLISHABLE.map((p, i) => ({
    name: `publish_${p}`,
    id: i === 0 ? 'publish' : `publish_${p}`,
    label: translate(lang, `groups.field.${p}`),
    checked: checked.includes(p),
  }));
}
