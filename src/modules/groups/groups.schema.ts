/**
 * The groups API's request schemas (shared by the pages' form readers), the field limits, and
 * the wire shapes: what the public sees of a group (never the private contact, only the
 * optional fields the group publishes), and what the applicant and staff see.
 */
import { z } from 'zod';
import { isIsoDate } from '../../core/dates.ts';
import { bilingual, optionalText, requiredText, type FieldName } from '../../core/validation.ts';
import type { GroupEvent, Registration } from './groups.repository.ts';
import { LEGAL_FORMS, PUBLISHABLE, STATUSES } from './groups.rules.ts';

/** Field limits shared by the API and the forms (the database checks the same). */
export const LIMITS = {
  name: 100,
  nameKana: 200,
  representative: 60,
  area: 60,
  purpose: 2000,
  activities: 4000,
  contact: 200,
  website: 300,
  fee: 100,
  message: 2000,
  query: 100,
  members: 1_000_000,
  /** Documents per application, and their size. */
  documents: 4,
  documentBytes: 5 * 1024 * 1024,
} as const;

type Name = FieldName;

const isoDate = (name: Name) =>
  z.string({ message: bilingual(`${name.ja}を入力してください`, `Enter the ${name.en}`) }).refine((s) => isIsoDate(s) && s >= '1800-01-01' && s <= '2200-12-31', {
    message: bilingual(`${name.ja}は実在する日付を YYYY-MM-DD 形式で入力してください`, `The ${name.en} must be a real date as YYYY-MM-DD`),
  });

const KANA_RE = /^[\p{Script=Katakana}\p{Script=Hiragana}ー・ \u3000A-Za-z0-9０-９Ａ-Ｚａ-ｚ\-－]+$/u;

/** The profile of a group: what an application, a correction and a profile change carry. */
export const ProfileSchema = z.strictObject({
  /** 団体名 */
  name: requiredText(LIMITS.name, { ja: '団体名', en: 'group name' }),
  /** 団体名（フリガナ） */
  nameKana: requiredText(LIMITS.nameKana, { ja: '団体名のフリガナ', en: 'name in kana' }).refine((s) => KANA_RE.test(s.normalize('NFKC')), {
    message: bilingual('団体名のフリガナはカタカナかひらがなで入力してください', 'Write the name in kana (katakana or hiragana)'),
  }),
  /** 団体の形態 */
  legalForm: z.enum(LEGAL_FORMS, { message: bilingual(`団体の形態を選んでください（${LEGAL_FORMS.join('・')}）`, `Choose the legal form (${LEGAL_FORMS.join(', ')})`) }),
  /** 代表者 (defaults to the applicant's name) */
  representative: optionalText(LIMITS.representative, { ja: '代表者名', en: 'representative' }),
  /** 活動分野: numbers of the 特定非営利活動促進法 別表 (1–20), one or more. */
  fields: z
    .array(z.number({ message: bilingual('活動分野は1〜20の番号です', 'Activity fields are numbers 1–20') }).int().min(1).max(20), {
      message: bilingual('活動分野を1つ以上選んでください', 'Choose at least one activity field'),
    })
    .min(1, { message: bilingual('活動分野を1つ以上選んでください', 'Choose at least one activity field') })
    .max(20)
    .transform((a) => [...new Set(a)].sort((x, y) => x - y)),
  /** 主な活動地域 */
  area: requiredText(LIMITS.area, { ja: '主な活動地域', en: 'main area' }),
  /** 活動の目的 */
  purpose: requiredText(LIMITS.purpose, { ja: '活動の目的', en: 'purpose' }),
  /** 活動内容 */
  activities: requiredText(LIMITS.activities, { ja: '活動内容', en: 'activities' }),
  /** 設立年月日 */
  foundedOn: isoDate({ ja: '設立年月日', en: 'founding date' }),
  /** 会員数 */
  members: z
    .number({ message: bilingual('会員数を数字で入力してください', 'Enter the number of members') })
    .int({ message: bilingual('会員数は整数です', 'The number of members is a whole number') })
    .min(1, { message: bilingual('会員数は1以上です', 'There is at least one member') })
    .max(LIMITS.members, { message: bilingual('会員数が大きすぎます', 'The number of members is too large') }),
  /** 公開する連絡先 */
  publicContact: requiredText(LIMITS.contact, { ja: '公開する連絡先', en: 'public contact' }),
  /** 代表者の連絡先（非公開） */
  privateContact: requiredText(LIMITS.contact, { ja: '代表者の連絡先（非公開）', en: 'private contact' }),
  /** ホームページ */
  website: optionalText(LIMITS.website, { ja: 'ホームページ', en: 'website' }).refine((s) => s === undefined || /^https?:\/\/[^\s<>"]+$/.test(s), {
    message: bilingual('ホームページは http:// か https:// で始まるアドレスです', 'The website is an address starting with http:// or https://'),
  }),
  /** 会費 */
  fee: optionalText(LIMITS.fee, { ja: '会費', en: 'fee' }),
  /** Which optional fields to publish (default: all but the representative). */
  publish: z.array(z.enum(PUBLISHABLE, { message: bilingual(`公開する項目は ${PUBLISHABLE.join(', ')} から選びます`, `Published fields are among ${PUBLISHABLE.join(', ')}`) })).optional(),
});
export type ProfileInput = z.output<typeof ProfileSchema>;

/** 登録申請 — POST /api/v1/groups/applications. */
export const ApplicationSchema = ProfileSchema;

/** 承認 — optional registration number (the next of the fiscal year otherwise) and start date. */
export const ApproveSchema = z.strictObject({
  number: optionalText(40, { ja: '登録番号', en: 'registration number' }),
  note: optionalText(LIMITS.message, { ja: '備考', en: 'note' }),
});
export const ReturnSchema = z.strictObject({ message: requiredText(LIMITS.message, { ja: '修正をお願いする内容', en: 'message' }) });
export const RefuseSchema = z.strictObject({ reason: requiredText(LIMITS.message, { ja: '登録できない理由', en: 'reason' }) });
export const NoteSchema = z.strictObject({ note: optionalText(LIMITS.message, { ja: '備考', en: 'note' }) });
export const RejectChangeSchema = z.strictObject({ reason: requiredText(LIMITS.message, { ja: '変更を認めない理由', en: 'reason' }) });
export const EmptySchema = z.object({}).passthrough().optional();

export const IdParam = z.object({ id: z.string().max(64) });
export const NumberParam = z.object({ number: z.string().max(64) });

/** GET /api/v1/groups — the public directory. */
export const ListQuerySchema = z.object({
  status: z.enum(['active', 'lapsed']).default('active'),
  field: z.coerce.number().int().min(1).max(20).optional(),
  area: z.string().trim().max(LIMITS.area).optional(),
  q: z.string().trim().max(LIMITS.query).optional(),
  asOf: z.string().refine(isIsoDate, { message: bilingual('asOf は YYYY-MM-DD 形式の日付です', 'asOf is a date as YYYY-MM-DD') }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type ListQuery = z.output<typeof ListQuerySchema>;

/** GET /api/v1/staff/groups — the staff queue and register. */
export const StaffQuerySchema = z.object({
  status: z.enum(STATUSES).optional(),
  q: z.string().trim().max(LIMITS.query).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type StaffQuery = z.output<typeof StaffQuerySchema>;

/** What the public sees of a registered group. */
export const PublicGroupSchema = z.object({
  number: z.string(),
  name: z.string(),
  nameKana: z.string(),
  legalForm: z.string(),
  fields: z.array(z.number()),
  area: z.string(),
  purpose: z.string(),
  activities: z.string(),
  registeredOn: z.string(),
  validUntil: z.string(),
  representative: z.string().nullable(),
  publicContact: z.string().nullable(),
  foundedOn: z.string().nullable(),
  members: z.number().nullable(),
  fee: z.string().nullable(),
  website: z.string().nullable(),
  demo: z.boolean(),
});
export type PublicGroup = z.output<typeof PublicGroupSchema>;
export const PublicListSchema = z.object({ total: z.number(), asOf: z.string(), items: z.array(PublicGroupSchema) });

/** The public fields of a registration (the optional ones only when the group publishes them). */
export function publicItem(r: Registration): PublicGroup {
  const shows = (f: (typeof PUBLISHABLE)[number]) => r.published.includes(f);
  return {
    number: r.number!,
    name: r.name,
    nameKana: r.nameKana,
    legalForm: r.legalForm,
    fields: r.fields,
    area: r.area,
    purpose: r.purpose,
    activities: r.activities,
    registeredOn: r.registeredOn!,
    validUntil: r.validUntil!,
    representative: shows('representative') ? r.representative : null,
    publicContact: shows('publicContact') ? r.publicContact : null,
    foundedOn: shows('foundedOn') ? r.foundedOn : null,
    members: shows('members') ? r.members : null,
    fee: shows('fee') ? (r.fee ?? null) : null,
    website: shows('website') ? (r.website ?? null) : null,
    demo: r.isDemo,
  };
}

/** What the applicant and staff see: everything, the private contact opened. */
export function fullItem(r: Registration, privateContact: string, events: readonly GroupEvent[] = []) {
  return {
    id: r.id,
    status: r.status,
    number: r.number,
    name: r.name,
    nameKana: r.nameKana,
    legalForm: r.legalForm,
    representative: r.representative,
    fields: r.fields,
    area: r.area,
    purpose: r.purpose,
    activities: r.activities,
    foundedOn: r.foundedOn,
    members: r.members,
    publicContact: r.publicContact,
    privateContact,
    website: r.website,
    fee: r.fee,
    publish: r.published,
    appliedOn: r.appliedOn,
    registeredOn: r.registeredOn,
    validUntil: r.validUntil,
    returnMessage: r.returnMessage,
    refusalReason: r.refusalReason,
    deregisteredOn: r.deregisteredOn,
    lapsedOn: r.lapsedOn,
    renewalRequestedOn: r.renewalRequestedOn,
    pendingChange: r.pendingChange,
    demo: r.isDemo,
    history: events.map((e) => ({ kind: e.kind, at: e.at.toISOString(), onDate: e.onDate, note: e.note, details: e.details })),
  };
}

/** A line of the staff queue. */
export function staffItem(r: Registration) {
  return {
    id: r.id,
    status: r.status,
    number: r.number,
    name: r.name,
    nameKana: r.nameKana,
    representative: r.representative,
    appliedOn: r.appliedOn,
    validUntil: r.validUntil,
    renewalRequestedOn: r.renewalRequestedOn,
    changePending: r.pendingChange !== null,
    demo: r.isDemo,
  };
}
