/**
 * The pages' forms: each reads the posted text fields into the same input the API takes (so
 * one schema checks both), with the fields in the order the form shows them. Staff action forms
 * on one page prefix their fields with the action ("assign-department"), so an error lands
 * beside the right form.
 */
import { z } from 'zod';
import { formValues } from '../../core/forms.ts';
import type { FieldError } from '../../core/errors.ts';
import {
  AnswerSchema,
  AssignSchema,
  DeclineSchema,
  ExtendSchema,
  HideSchema,
  ImplementSchema,
  ModerateSchema,
  ReportSchema,
  ReturnAnswerSchema,
} from './proposals.schema.ts';

/** The submit form's text fields, in the order shown. */
export const SUBMIT_FIELDS = ['title', 'body', 'section', 'area', 'public', 'file1', 'file2', 'file3'] as const;
export type SubmitValues = Record<(typeof SUBMIT_FIELDS)[number], string>;

/** A yes/no radio as a boolean (absent when neither was chosen, which the schema reports). */
function yesNo(value: string): boolean | undefined {
  return value === 'yes' ? true : value === 'no' ? false : undefined;
}

/** The submit (and draft) form as the API's body. */
export function submitInput(body: unknown): { values: SubmitValues; input: Record<string, unknown>; intent: 'submit' | 'draft' } {
  const values = formValues(body, SUBMIT_FIELDS);
  const intent = formValues(body, ['intent'] as const).intent === 'draft' ? 'draft' : 'submit';
  return {
    values,
    intent,
    input: { title: values.title, body: values.body, section: values.section, area: values.area, public: yesNo(values.public) },
  };
}

/** The staff key-in form's fields, in the order shown. */
export const INTAKE_FIELDS = ['channel', 'receivedOn', 'proposerName', 'email', 'phone', 'address', 'title', 'body', 'section', 'area', 'public', 'file1', 'file2', 'file3'] as const;
export type IntakeValues = Record<(typeof INTAKE_FIELDS)[number], string>;

export function intakeInput(body: unknown): { values: IntakeValues; input: Record<string, unknown> } {
  const values = formValues(body, INTAKE_FIELDS);
  return {
    values,
    input: {
      channel: values.channel || undefined,
      receivedOn: values.receivedOn.trim() || undefined,
      proposerName: values.proposerName,
      email: values.email,
      phone: values.phone,
      address: values.address,
      title: values.title,
      body: values.body,
      section: values.section,
      area: values.area,
      public: yesNo(values.public),
    },
  };
}

/** One staff action form: its fields, and how they become the API's input. */
interface ActionForm {
  schema: z.ZodType;
  fields: readonly string[];
  toInput(values: Record<string, string>): Record<string, unknown>;
}

const text = (v: string) => v;

/** The staff case page's forms, by action (the URL's last segment). */
export const ACTION_FORMS = {
  assign: { schema: AssignSchema, fields: ['department', 'note'], toInput: (v) => ({ department: v.department, note: v.note }) },
  answer: {
    schema: AnswerSchema,
    fields: ['decision', 'text'],
    toInput: (v) => ({ decision: v.decision || undefined, text: text(v.text ?? ''), draft: v.intent === 'draft' }),
  },
  'approve-answer': { schema: z.strictObject({}), fields: [], toInput: () => ({}) },
  'return-answer': { schema: ReturnAnswerSchema, fields: ['note'], toInput: (v) => ({ note: v.note }) },
  implement: { schema: ImplementSchema, fields: ['on', 'note'], toInput: (v) => ({ on: (v.on ?? '').trim(), note: v.note }) },
  extend: { schema: ExtendSchema, fields: ['until', 'reason'], toInput: (v) => ({ until: (v.until ?? '').trim(), reason: v.reason }) },
  decline: { schema: DeclineSchema, fields: ['ground', 'note'], toInput: (v) => ({ ground: v.ground || undefined, note: v.note }) },
  moderate: {
    schema: ModerateSchema,
    fields: ['title', 'body', 'reason'],
    toInput: (v) => ({ publish: v.intent === 'publish', reason: v.reason, ...(v.intent === 'publish' ? { title: v.title, body: v.body } : {}) }),
  },
  hide: { schema: HideSchema, fields: ['reason'], toInput: (v) => ({ reason: v.reason }) },
  unhide: { schema: z.strictObject({}), fields: [], toInput: () => ({}) },
  'dismiss-reports': { schema: z.strictObject({}), fields: [], toInput: () => ({}) },
} satisfies Record<string, ActionForm>;

export type StaffAction = keyof typeof ACTION_FORMS;
export const STAFF_ACTIONS = Object.keys(ACTION_FORMS) as StaffAction[];

/** The posted fields of an action form (named "<action>-<field>"), without the prefix. */
export function actionValues(action: StaffAction, body: unknown): Record<string, string> {
  const names = [...ACTION_FORMS[action].fields, 'intent'];
  const raw = formValues(body, names.map((f) => `${action}-${f}`));
  const values: Record<string, string> = {};
  for (const f of names) values[f] = raw[`${action}-${f}`] ?? '';
  // The buttons of a form post their own name: intent.
  values.intent = formValues(body, ['intent'] as const).intent || values.intent || '';
  return values;
}

/** Errors of an action form, their paths prefixed to match the form's field ids. */
export function prefixErrors(action: StaffAction, errors: readonly FieldError[]): FieldError[] {
  const fields: readonly string[] = ACTION_FORMS[action].fields;
  return errors.map((e) => ({ ...e, path: fields.includes(e.path) ? `${action}-${e.path}` : (fields[0] ? `${action}-${fields[0]}` : e.path) }));
}

/** The report form on a public proposal. */
export const REPORT_FIELDS = ['reason'] as const;
export { ReportSchema };
