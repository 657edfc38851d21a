/**
 * 団体登録の決まり — the registry's rules as pure functions: the 20 activity fields of the
 * 特定非営利活動促進法 別表, legal forms, which action is possible in which state, the
 * registration period (31 March of a fiscal year), whether a registration is active on a day,
 * the yearly counts the metric reports, and the key that catches a duplicate application.
 * No I/O, no clock: "today" is always passed in.
 */
import { addDays, compareIsoDate, fiscalYearEnd, fiscalYearOf } from '../../core/dates.ts';
import type { MetricObservation } from '../../core/metrics.ts';

/** 特定非営利活動促進法 別表 — the 20 fields of specified non-profit activity, numbered 1–20. */
export const ACTIVITY_FIELDS: readonly { short: string; ja: string; en: string }[] = [
  { short: '保健・医療・福祉', ja: '保健、医療又は福祉の増進を図る活動', en: 'Health, medical care or welfare' },
  { short: '社会教育', ja: '社会教育の推進を図る活動', en: 'Social education' },
  { short: 'まちづくり', ja: 'まちづくりの推進を図る活動', en: 'Community development' },
  { short: '観光', ja: '観光の振興を図る活動', en: 'Tourism' },
  { short: '農山漁村・中山間地域', ja: '農山漁村又は中山間地域の振興を図る活動', en: 'Rural, mountain and fishing communities' },
  { short: '学術・文化・芸術・スポーツ', ja: '学術、文化、芸術又はスポーツの振興を図る活動', en: 'Science, culture, arts or sports' },
  { short: '環境の保全', ja: '環境の保全を図る活動', en: 'Environmental conservation' },
  { short: '災害救援', ja: '災害救援活動', en: 'Disaster relief' },
  { short: '地域安全', ja: '地域安全活動', en: 'Community safety' },
  { short: '人権の擁護・平和の推進', ja: '人権の擁護又は平和の推進を図る活動', en: 'Human rights or peace' },
  { short: '国際協力', ja: '国際協力の活動', en: 'International cooperation' },
  { short: '男女共同参画', ja: '男女共同参画社会の形成の促進を図る活動', en: 'Gender equality' },
  { short: '子どもの健全育成', ja: '子どもの健全育成を図る活動', en: 'Sound upbringing of children' },
  { short: '情報化社会', ja: '情報化社会の発展を図る活動', en: 'Information society' },
  { short: '科学技術の振興', ja: '科学技術の振興を図る活動', en: 'Science and technology' },
  { short: '経済活動の活性化', ja: '経済活動の活性化を図る活動', en: 'Economic activity' },
  { short: '職業能力・雇用機会', ja: '職業能力の開発又は雇用機会の拡充を支援する活動', en: 'Vocational skills or employment' },
  { short: '消費者の保護', ja: '消費者の保護を図る活動', en: 'Consumer protection' },
  { short: '団体の運営・活動の支援', ja: '前各号に掲げる活動を行う団体の運営又は活動に関する連絡、助言又は援助の活動', en: 'Support for organisations doing the above' },
  { short: '条例で定める活動', ja: '前各号に掲げる活動に準ずる活動として都道府県又は指定都市の条例で定める活動', en: 'Activities set by prefectural or designated-city ordinance' },
];

/** The name of field n (1–20). */
export function fieldName(n: number, lang: 'ja' | 'en'): string {
  return ACTIVITY_FIELDS[n - 1]?.[lang] ?? String(n);
}

/** A short name of field n for badges and menus (Japanese short form; English as is). */
export function fieldShortName(n: number, lang: 'ja' | 'en'): string {
  const f = ACTIVITY_FIELDS[n - 1];
  return f ? (lang === 'ja' ? f.short : f.en) : String(n);
}

/** 団体の形態 — legal forms a registry admits. */
export const LEGAL_FORMS = ['NPO法人', '任意団体', '自治会・町内会', '一般社団法人', '一般財団法人', '公益法人', '企業', '個人', 'その他'] as const;
export type LegalForm = (typeof LEGAL_FORMS)[number];

/** 状態 — the states of a registration. */
export const STATUSES = ['applied', 'returned', 'refused', 'registered', 'lapsed', 'deregistered'] as const;
export type Status = (typeof STATUSES)[number];

/** States of a group that holds (or held) a registration number. */
export const REGISTERED_STATES: readonly Status[] = ['registered', 'lapsed', 'deregistered'];

/**
 * Optional profile fields the group chooses to publish (per field). Number, name, kana, legal
 * form, fields, area, purpose and activities are always public; the private contact never is.
 */
export const PUBLISHABLE = ['representative', 'publicContact', 'foundedOn', 'members', 'fee', 'website'] as const;
export type Publishable = (typeof PUBLISHABLE)[number];
/** What is published when the applicant does not say. */
export const DEFAULT_PUBLISHED: readonly Publishable[] = ['publicContact', 'foundedOn', 'members', 'fee', 'website'];

export type Action = 'approve' | 'return' | 'refuse' | 'resubmit' | 'renew' | 'lapse' | 'deregister' | 'requestChange' | 'reviewChange';

const ALLOWED: Record<Action, readonly Status[]> = {
  approve: ['applied'],
  return: ['applied'],
  refuse: ['applied'],
  resubmit: ['returned'],
  renew: ['registered', 'lapsed'],
  lapse: ['registered'],
  deregister: ['registered', 'lapsed'],
  requestChange: ['registered'],
  reviewChange: ['registered', 'lapsed'],
};

const STATUS_NAMES: Record<Status, { ja: string; en: string }> = {
  applied: { ja: '審査中', en: 'under review' },
  returned: { ja: '修正依頼中', en: 'returned for correction' },
  refused: { ja: '登録不可', en: 'refused' },
  registered: { ja: '登録中', en: 'registered' },
  lapsed: { ja: '登録期間満了', en: 'lapsed' },
  deregistered: { ja: '登録抹消', en: 'deregistered' },
};

/** The state's name in a language. */
export function statusName(s: Status, lang: 'ja' | 'en'): string {
  return STATUS_NAMES[s][lang];
}

/** Null when the action is possible in this state, otherwise why not (both languages; a 409). */
export function refusalOf(action: Action, status: Status): { ja: string; en: string } | null {
  if (ALLOWED[action].includes(status)) return null;
  return {
    ja: `この操作は「${STATUS_NAMES[status].ja}」の団体にはできません`,
    en: `This cannot be done to a group that is ${STATUS_NAMES[status].en}`,
  };
}

/**
 * 登録期間: a registration made (or continued) from `from` covers `termYears` fiscal years,
 * the one containing `from` included, and ends on 31 March of the last.
 */
export function validUntilFor(from: string, termYears: number): string {
  return fiscalYearEnd(fiscalYearOf(from) + termYears - 1);
}

/**
 * The next term of a renewal: straight after the current one while it runs (or on the day it
 * ends), from today once it has lapsed.
 */
export function renewalTerm(validUntil: string, today: string, termYears: number): { startsOn: string; endsOn: string } {
  const startsOn = compareIsoDate(today, validUntil) > 0 ? today : addDays(validUntil, 1);
  return { startsOn, endsOn: validUntilFor(startsOn, termYears) };
}

/** True when renewal is open: from `windowDays` before the end of the term, and after it lapsed. */
export function renewalOpen(validUntil: string, today: string, windowDays: number): boolean {
  return compareIsoDate(today, addDays(validUntil, -windowDays)) >= 0;
}

/** The day a renewal reminder goes out for a term ending on validUntil (null when reminders are off). */
export function reminderOn(validUntil: string, windowDays: number): string | null {
  return windowDays > 0 ? addDays(validUntil, -windowDays) : null;
}

/** A term of registration: active from startsOn through endsOn (both included). */
export interface Term {
  startsOn: string;
  endsOn: string;
  isDemo?: boolean;
}

/** True when a term covers the day: valid until 31 March counts on 31 March, not on 1 April. */
export function activeOn(term: Term, day: string): boolean {
  return compareIsoDate(term.startsOn, day) <= 0 && compareIsoDate(day, term.endsOn) <= 0;
}

/**
 * 団体登録数 — the metric's observations: the groups active on 31 March of each fiscal year from
 * the first year a registration began, and on today for the current year; years ending on or
 * before `since` (the indicator's baseline) are left to the staff-entered actuals.
 */
export function registeredPerYear(terms: readonly (Term & { groupId: string })[], today: string, since: string | null): MetricObservation[] {
  if (terms.length === 0) return [];
  const first = Math.min(...terms.map((t) => fiscalYearOf(t.startsOn)));
  const current = fiscalYearOf(today);
  const out: MetricObservation[] = [];
  for (let fy = first; fy <= current; fy++) {
    const day = fy === current ? today : fiscalYearEnd(fy);
    if (since !== null && compareIsoDate(fiscalYearEnd(fy), since) <= 0) continue;
    const active = terms.filter((t) => activeOn(t, day));
    const groups = new Set(active.map((t) => t.groupId));
    out.push({ value: groups.size, asOf: day, ...(active.some((t) => t.isDemo) ? { demo: true } : {}) });
  }
  return out;
}

/** Text as compared for duplicates: NFKC, without spaces, lower case, katakana as hiragana. */
export function comparable(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\u3000・･.,、。]+/g, '')
    .replace(/[\u30a1-\u30f6]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0x60));
}

/** The key two applications of the same group share: the name and the representative, normalised. */
export function duplicateKey(name: string, representative: string): string {
  return `${comparable(name)}|${comparable(representative)}`;
}

/** 登録番号 given at approval: fiscal year and a three-digit sequence, e.g. 2026-007. */
export function formatRegistrationNumber(fiscalYear: number, seq: number): string {
  return `${fiscalYear}-${String(seq).padStart(3, '0')}`;
}
