/**
 * The proposals API's request schemas (one per request, shared by the pages through their form
 * readers), the field limits, and the wire shapes: what the public sees of a proposal (never
 * the proposer, never an unapproved answer), what the proposer sees, and what staff see.
 */
import { z } from 'zod';
import { isIsoDate } from '../../core/dates.ts';
import { bilingual, optionalText, requiredText, type FieldName } from '../../core/validation.ts';
import { CHANNELS, DECISIONS, DECLINE_GROUNDS, LISTED_STATUSES, visibleStatus, type Status } from './proposals.workflow.ts';
import type { Proposal, ProposalEvent } from './proposals.repository.ts';

/** Field limits shared by the API and the forms (the database checks the same). */
export const LIMITS = {
  title: 100,
  body: 4000,
  area: 60,
  section: 64,
  answer: 4000,
  reason: 500,
  note: 1000,
  name: 100,
  email: 254,
  phone: 30,
  address: 200,
  query: 100,
  /** Attachments per proposal, and their size. */
  attachments: 3,
  attachmentBytes: 5 * 1024 * 1024,
} as const;

type Name = FieldName;

const isoDate = (name: Name) =>
  z.string({ message: bilingual(`${name.ja}を入力してください`, `Enter the ${name.en}`) }).refine((s) => isIsoDate(s) && s >= '2000-01-01' && s <= '2200-12-31', {
    message: bilingual(`${name.ja}は実在する日付を YYYY-MM-DD 形式で入力してください`, `The ${name.en} must be a real date as YYYY-MM-DD`),
  });

const publicFlag = z.boolean({
  message: bilingual('公開してよいかどうかを選んでください', 'Choose whether the proposal may be published'),
});

const TITLE = { ja: '件名', en: 'title' };
const BODY = { ja: '提案の内容', en: 'proposal' };
const AREA = { ja: '地域', en: 'area' };
const SECTION = { ja: '関連する施策の節', en: 'plan section' };

/** 提案の提出 — POST /api/v1/proposals (and the submit form). */
export const SubmitSchema = z.strictObject({
  title: requiredText(LIMITS.title, TITLE),
  body: requiredText(LIMITS.body, BODY),
  section: optionalText(LIMITS.section, SECTION),
  area: optionalText(LIMITS.area, AREA),
  public: publicFlag,
  /** Saves a draft (下書き) instead of submitting. */
  draft: z.boolean({ message: bilingual('draft は true か false です', 'draft is true or false') }).optional(),
});
export type SubmitInput = z.output<typeof SubmitSchema>;

/** 下書きの更新 — PUT /api/v1/my/drafts/{id}. */
export const DraftSchema = SubmitSchema.omit({ draft: true });

/** 手紙・窓口の提案の入力 — staff key in a proposal on a citizen's behalf. */
export const IntakeSchema = z.strictObject({
  channel: z.enum(['letter', 'counter'] as const satisfies readonly (typeof CHANNELS)[number][], {
    message: bilingual('受付方法を選んでください（letter: 手紙、counter: 窓口）', 'Choose how it was received (letter or counter)'),
  }),
  proposerName: requiredText(LIMITS.name, { ja: '提案者の氏名', en: 'proposer’s name' }),
  email: optionalText(LIMITS.email, { ja: 'メールアドレス', en: 'e-mail address' }).refine((s) => s === undefined || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s), {
    message: bilingual('メールアドレスの形式が正しくありません', 'Enter a valid e-mail address'),
  }),
  phone: optionalText(LIMITS.phone, { ja: '電話番号', en: 'phone number' }).refine((s) => s === undefined || /^[0-9+()\- ]{6,30}$/.test(s.normalize('NFKC')), {
    message: bilingual('電話番号は数字とハイフンで入力してください', 'Enter the phone number in digits and hyphens'),
  }),
  address: optionalText(LIMITS.address, { ja: '住所', en: 'address' }),
  receivedOn: isoDate({ ja: '受付日', en: 'date of receipt' }).optional(),
  title: requiredText(LIMITS.title, TITLE),
  body: requiredText(LIMITS.body, BODY),
  section: optionalText(LIMITS.section, SECTION),
  area: optionalText(LIMITS.area, AREA),
  public: publicFlag,
});
export type IntakeInput = z.output<typeof IntakeSchema>;

/** 担当課の決定・移管 — assign (or transfer) to a department. */
export const AssignSchema = z.strictObject({
  department: z
    .string({ message: bilingual('担当課を選んでください', 'Choose the department') })
    .trim()
    .min(1, { message: bilingual('担当課を選んでください', 'Choose the department') })
    .max(40, { message: bilingual('担当課のコードが長すぎます', 'The department code is too long') }),
  note: optionalText(LIMITS.note, { ja: '申し送り', en: 'note' }),
});

const decision = z.enum(DECISIONS, {
  message: bilingual('回答区分を選んでください（adopt / partly_adopt / consider / not_adopt / reference）', 'Choose the decision (adopt, partly_adopt, consider, not_adopt or reference)'),
});

/** 回答 — the department's answer: saved as a draft, or submitted for approval. */
export const AnswerSchema = z.strictObject({
  decision,
  text: requiredText(LIMITS.answer, { ja: '回答', en: 'answer' }),
  draft: z.boolean({ message: bilingual('draft は true か false です', 'draft is true or false') }).optional(),
});

/** 差し戻し — the plan manager returns an answer for changes. */
export const ReturnAnswerSchema = z.strictObject({
  note: requiredText(LIMITS.note, { ja: '差し戻しの理由', en: 'reason for returning it' }),
});

/** 実施 — the proposal was carried out on this day. */
export const ImplementSchema = z.strictObject({
  on: isoDate({ ja: '実施日', en: 'date of implementation' }),
  note: optionalText(LIMITS.note, { ja: '実施内容', en: 'note on what was done' }),
});

/** 受付不可 — declined at intake on a published ground. */
export const DeclineSchema = z.strictObject({
  ground: z.enum(DECLINE_GROUNDS, {
    message: bilingual(
      '受け付けない理由を選んでください（slander / campaigning / personal_data / commercial / outside_remit / repeated）',
      'Choose the ground (slander, campaigning, personal_data, commercial, outside_remit or repeated)',
    ),
  }),
  note: optionalText(LIMITS.reason, { ja: '補足', en: 'note' }),
});

/** 公開の審査 — publish (with the text edited to remove personal data) or not. */
export const ModerateSchema = z.strictObject({
  publish: z.boolean({ message: bilingual('公開するかどうかを選んでください', 'Choose whether to publish') }),
  reason: optionalText(LIMITS.reason, { ja: '理由', en: 'reason' }),
  title: optionalText(LIMITS.title, { ja: '公開する件名', en: 'published title' }),
  body: optionalText(LIMITS.body, { ja: '公開する内容', en: 'published text' }),
});

/** 回答期限の延長 — a later due date with its public reason. */
export const ExtendSchema = z.strictObject({
  until: isoDate({ ja: '新しい回答期限', en: 'new due date' }),
  reason: requiredText(LIMITS.reason, { ja: '延長の理由', en: 'reason for the extension' }),
});

/** 非表示 — staff hide a public proposal, with the reason. */
export const HideSchema = z.strictObject({
  reason: requiredText(LIMITS.reason, { ja: '非表示にする理由', en: 'reason for hiding it' }),
});

/** 通報 — a citizen reports a public proposal. */
export const ReportSchema = z.strictObject({
  reason: requiredText(LIMITS.note, { ja: '通報の理由', en: 'reason for the report' }),
});

/** A body that carries nothing (or nothing but an empty object). */
export const EmptySchema = z.strictObject({}).optional();

const intParam = (min: number, max: number) =>
  z.coerce
    .number({ message: bilingual('数値で指定してください', 'Use a number') })
    .int({ message: bilingual('整数で指定してください', 'Use a whole number') })
    .min(min, { message: bilingual(`${min}以上で指定してください`, `Use at least ${min}`) })
    .max(max, { message: bilingual(`${max}以下で指定してください`, `Use at most ${max}`) });

const emptyAsUndefined = (v: unknown) => (v === '' ? undefined : v);

/** GET /api/v1/proposals — the public list and search. */
export const ListQuerySchema = z.object({
  q: z.string().max(LIMITS.query, { message: bilingual(`検索語は${LIMITS.query}文字以内です`, `Search at most ${LIMITS.query} characters`) }).optional(),
  status: z.preprocess(emptyAsUndefined, z.enum(LISTED_STATUSES, { message: bilingual('状態の指定が正しくありません', 'Unknown status') }).optional()),
  decision: z.preprocess(emptyAsUndefined, decision.optional()),
  section: z.preprocess(emptyAsUndefined, z.string().max(LIMITS.section).optional()),
  fiscalYear: z.preprocess(emptyAsUndefined, intParam(1900, 2200).optional()),
  limit: intParam(1, 500).default(50),
  offset: intParam(0, 1_000_000).default(0),
});
export type ListQuery = z.output<typeof ListQuerySchema>;

/** GET /api/v1/staff/proposals — the staff inbox. */
export const InboxQuerySchema = z.object({
  view: z.enum(['department', 'intake', 'all'], { message: bilingual('表示の指定が正しくありません', 'Unknown view') }).optional(),
  status: z.preprocess(emptyAsUndefined, z.enum(LISTED_STATUSES, { message: bilingual('状態の指定が正しくありません', 'Unknown status') }).optional()),
  overdue: z.preprocess(emptyAsUndefined, z.enum(['true', 'false']).optional()),
  limit: intParam(1, 500).default(50),
  offset: intParam(0, 1_000_000).default(0),
});
export type InboxQuery = z.output<typeof InboxQuerySchema>;

/** ?fiscalYear= of the statistics. */
export const StatisticsQuerySchema = z.object({
  fiscalYear: z.preprocess(emptyAsUndefined, intParam(1900, 2200).optional()),
});

/** A proposal number in a path (a malformed one is simply not found). */
export const NumberParam = z.object({ number: z.string().max(20) });
export const IdParam = z.object({ id: z.uuid() });

// ---------------------------------------------------------------------------------------------
// Wire shapes

/** A department as shown: its code and names. */
export type DepartmentNames = ReadonlyMap<string, { nameJa: string; nameEn: string }>;

function departmentOf(code: string | null, names: DepartmentNames) {
  if (!code) return null;
  const d = names.get(code);
  return { code, nameJa: d?.nameJa ?? code, nameEn: d?.nameEn ?? code };
}

const DepartmentSchema = z.object({ code: z.string(), nameJa: z.string(), nameEn: z.string() }).nullable();

/** 公開される提案 — what anyone may read (DESIGN.md contract fields first). */
export const PublicProposalSchema = z.object({
  number: z.string(),
  title: z.string(),
  body: z.string(),
  status: z.enum(LISTED_STATUSES),
  section: z.string().nullable(),
  decision: z.enum(DECISIONS).nullable(),
  answer: z.string().nullable(),
  supports: z.number().int(),
  receivedOn: z.string(),
  implementedOn: z.string().nullable(),
  fiscalYear: z.number().int(),
  area: z.string().nullable(),
  department: DepartmentSchema,
  answerDueOn: z.string(),
  dueExtension: z.object({ on: z.string(), reason: z.string() }).nullable(),
  answeredOn: z.string().nullable(),
  implementationNote: z.string().nullable(),
  demo: z.boolean(),
});
export type PublicProposal = z.output<typeof PublicProposalSchema>;

export const PublicListSchema = z.object({ total: z.number().int(), items: z.array(PublicProposalSchema) });

/** What the public sees of a proposal: the moderated text, the answer once approved, no proposer. */
export function publicItem(p: Proposal, names: DepartmentNames): PublicProposal {
  const approved = p.answerState === 'approved';
  return {
    number: p.number!,
    title: p.publicTitle ?? p.title,
    body: p.publicBody ?? p.body,
    status: visibleStatus(p) as Exclude<Status, 'draft'>,
    section: p.sectionCode,
    decision: approved ? p.decision : null,
    answer: approved ? p.answerText : null,
    supports: p.supports,
    receivedOn: p.receivedOn!,
    implementedOn: p.implementedOn,
    fiscalYear: p.fiscalYear!,
    area: p.area,
    department: departmentOf(p.departmentCode, names),
    answerDueOn: p.answerDueOn!,
    dueExtension: p.dueExtendedOn ? { on: p.dueExtendedOn, reason: p.dueExtendedReason! } : null,
    answeredOn: approved ? p.answeredOn : null,
    implementationNote: p.implementationNote,
    demo: p.isDemo,
  };
}

/** One step of the history as the proposer (or staff) reads it. */
export function eventItem(e: ProposalEvent, names: DepartmentNames) {
  return { kind: e.kind, at: e.at.toISOString(), on: e.onDate, department: departmentOf(e.departmentCode, names), note: e.note };
}

/** 自分の提案 — what the proposer sees: their own text, the state they may know, the history. */
export function ownItem(p: Proposal, names: DepartmentNames, events: ProposalEvent[] = []) {
  const approved = p.answerState === 'approved';
  return {
    id: p.id,
    number: p.number,
    status: visibleStatus(p),
    channel: p.channel,
    title: p.title,
    body: p.body,
    section: p.sectionCode,
    area: p.area,
    public: p.wantsPublic,
    publication: p.hiddenAt ? 'hidden' : p.moderation,
    receivedOn: p.receivedOn,
    answerDueOn: p.answerDueOn,
    dueExtension: p.dueExtendedOn ? { on: p.dueExtendedOn, reason: p.dueExtendedReason! } : null,
    department: departmentOf(p.departmentCode, names),
    decision: approved ? p.decision : null,
    answer: approved ? p.answerText : null,
    answeredOn: approved ? p.answeredOn : null,
    implementedOn: p.implementedOn,
    implementationNote: p.implementationNote,
    withdrawnOn: p.withdrawnOn,
    declined: p.declinedOn ? { on: p.declinedOn, ground: p.declineGround!, note: p.declineNote } : null,
    supports: p.supports,
    demo: p.isDemo,
    history: events.filter((e) => e.forProposer).map((e) => eventItem(e, names)),
  };
}

/** 職員向け — everything about the case, the proposer's contact included. */
export function staffItem(
  p: Proposal,
  names: DepartmentNames,
  extra: { contact?: { name: string; email: string | null; phone: string | null; address: string | null }; events?: ProposalEvent[]; overdue: boolean; openReports: number },
) {
  return {
    id: p.id,
    number: p.number,
    status: p.status,
    visibleStatus: visibleStatus(p),
    channel: p.channel,
    title: p.title,
    body: p.body,
    publicTitle: p.publicTitle,
    publicBody: p.publicBody,
    section: p.sectionCode,
    area: p.area,
    wantsPublic: p.wantsPublic,
    moderation: p.moderation,
    moderationReason: p.moderationReason,
    hidden: p.hiddenAt ? { at: p.hiddenAt.toISOString(), reason: p.hiddenReason! } : null,
    receivedOn: p.receivedOn,
    answerDueOn: p.answerDueOn,
    overdue: extra.overdue,
    dueExtension: p.dueExtendedOn ? { on: p.dueExtendedOn, reason: p.dueExtendedReason! } : null,
    department: departmentOf(p.departmentCode, names),
    assignedOn: p.assignedOn,
    answer: p.answerState ? { state: p.answerState, decision: p.decision!, text: p.answerText!, answeredOn: p.answeredOn } : null,
    implementedOn: p.implementedOn,
    implementationNote: p.implementationNote,
    withdrawnOn: p.withdrawnOn,
    declined: p.declinedOn ? { on: p.declinedOn, ground: p.declineGround!, note: p.declineNote } : null,
    supports: p.supports,
    openReports: extra.openReports,
    demo: p.isDemo,
    ...(extra.contact ? { proposer: extra.contact } : {}),
    ...(extra.events ? { history: extra.events.map((e) => ({ ...eventItem(e, names), forProposer: e.forProposer })) } : {}),
  };
}
