/**
 * What the proposals pages show: labels in the reader's language, dates in 和暦 with the
 * western date beside, days left before an answer is due, and the rows of each table. Pure
 * functions, no I/O.
 */
import { formatDateEn, formatJapaneseDate, formatJapaneseFiscalYear, formatWesternFiscalYear } from '../../core/dates.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import './proposals.messages.ts';
import type { ProposalEvent, Proposal, YearStatistics, Attachment } from './proposals.repository.ts';
import type { DepartmentNames, PublicProposal } from './proposals.schema.ts';
import { daysLeft, DECISIONS, DECLINE_GROUNDS, isOverdue, visibleStatus, awaitingAnswer } from './proposals.workflow.ts';

/** A date in the reader's calendar first, the other beside it. */
export interface DateText {
  main: string;
  alt: string;
  altLang: Lang | null;
}

export function dateText(iso: string, lang: Lang): DateText {
  return lang === 'ja' ? { main: formatJapaneseDate(iso), alt: iso, altLang: null } : { main: formatDateEn(iso), alt: formatJapaneseDate(iso), altLang: 'ja' };
}

export function fiscalYearText(fy: number, lang: Lang): DateText {
  return lang === 'ja'
    ? { main: formatJapaneseFiscalYear(fy), alt: formatWesternFiscalYear(fy), altLang: null }
    : { main: formatWesternFiscalYear(fy), alt: formatJapaneseFiscalYear(fy), altLang: 'ja' };
}

const t = (lang: Lang, key: string, params?: Record<string, string | number>) => translate(lang, key, params);

export const statusLabel = (status: string, lang: Lang) => t(lang, `proposals.status.${status}`);
export const decisionLabel = (decision: string, lang: Lang) => t(lang, `proposals.decision.${decision}`);
export const groundLabel = (ground: string, lang: Lang) => t(lang, `proposals.ground.${ground}`);

function departmentLabel(d: { nameJa: string; nameEn: string } | null | undefined, lang: Lang): string | null {
  return d ? (lang === 'ja' ? d.nameJa : d.nameEn) : null;
}

/** How far the due date is: "あと3日", "本日が期限", "2日超過". */
export function dueLine(answerDue: string, today: string, lang: Lang): { text: string; overdue: boolean } {
  const n = daysLeft(answerDue, today);
  if (n > 0) return { text: t(lang, 'proposals.staff.daysLeft', { days: n }), overdue: false };
  if (n === 0) return { text: t(lang, 'proposals.staff.dueToday'), overdue: false };
  return { text: t(lang, 'proposals.staff.daysOver', { days: -n }), overdue: true };
}

/** Options of a select: the first one empty ("choose"). */
export function options(values: readonly string[], label: (v: string) => string, emptyLabel: string) {
  return [{ value: '', label: emptyLabel }, ...values.map((v) => ({ value: v, label: label(v) }))];
}

export const decisionOptions = (lang: Lang, empty: string) => options(DECISIONS, (d) => decisionLabel(d, lang), empty);
export const groundOptions = (lang: Lang, empty: string) => options(DECLINE_GROUNDS, (g) => groundLabel(g, lang), empty);

/** A public proposal as the list and the detail page show it. */
export function publicView(p: PublicProposal, lang: Lang, sections: ReadonlyMap<string, string>) {
  return {
    number: p.number,
    href: `/proposals/${p.number}`,
    title: p.title,
    body: p.body,
    status: p.status,
    statusLabel: statusLabel(p.status, lang),
    section: p.section ? { code: p.section, title: sections.get(p.section) ?? '' } : null,
    area: p.area,
    receivedOn: dateText(p.receivedOn, lang),
    answerDueOn: dateText(p.answerDueOn, lang),
    extension: p.dueExtension ? t(lang, 'proposals.detail.extendedBecause', { date: dateText(p.dueExtension.on, lang).main, reason: p.dueExtension.reason }) : null,
    department: departmentLabel(p.department, lang),
    decision: p.decision ? decisionLabel(p.decision, lang) : null,
    answer: p.answer,
    answeredOn: p.answeredOn ? dateText(p.answeredOn, lang) : null,
    implementedOn: p.implementedOn ? dateText(p.implementedOn, lang) : null,
    implementationNote: p.implementationNote,
    supports: p.supports,
    supportsLabel: t(lang, 'proposals.list.supports', { count: p.supports }),
    fiscalYear: fiscalYearText(p.fiscalYear, lang),
    demo: p.demo,
  };
}

/** Which notes of the history the proposer reads (the rest are the staff's own). */
const PUBLIC_NOTES = new Set(['due_extended', 'declined', 'implemented', 'publication_refused', 'hidden']);

/** The history as a table: the proposer's steps, or every step for staff. */
export function historyRows(events: readonly ProposalEvent[], names: DepartmentNames, lang: Lang, staff: boolean) {
  return events
    .filter((e) => staff || e.forProposer)
    .map((e) => ({
      date: dateText(e.onDate, lang),
      what: t(lang, `proposals.event.${e.kind}`) + (staff && !e.forProposer ? t(lang, 'proposals.history.staffOnly') : ''),
      department: departmentLabel(e.departmentCode ? names.get(e.departmentCode) : null, lang) ?? '',
      note: staff || PUBLIC_NOTES.has(e.kind) ? (e.kind === 'reminded' ? '' : (e.note ?? '')) : '',
    }));
}

/** The proposer's own list rows. */
export function ownRows(list: readonly Proposal[], lang: Lang) {
  const sent = list.filter((p) => p.status !== 'draft');
  const drafts = list.filter((p) => p.status === 'draft');
  return {
    sent: sent.map((p) => ({
      number: p.number!,
      href: `/my/proposals/${p.number}`,
      title: p.title,
      status: statusLabel(visibleStatus(p), lang),
      receivedOn: dateText(p.receivedOn!, lang),
      answerDueOn: dateText(p.answerDueOn!, lang),
      demo: p.isDemo,
    })),
    drafts: drafts.map((p) => ({ href: `/my/drafts/${p.id}`, title: p.title, updatedAt: dateText(p.updatedAt.toISOString().slice(0, 10), lang) })),
  };
}

/** A staff table row. */
export function inboxRow(p: Proposal, names: DepartmentNames, lang: Lang, today: string) {
  const due = p.answerDueOn && awaitingAnswer(p) ? dueLine(p.answerDueOn, today, lang) : null;
  const awaitingApproval = p.status === 'answered' && p.answerState === 'submitted';
  return {
    number: p.number!,
    href: `/staff/proposals/${p.number}`,
    title: p.title,
    status: awaitingApproval ? t(lang, 'proposals.status.awaitingApproval') : statusLabel(p.status, lang),
    department: departmentLabel(p.departmentCode ? names.get(p.departmentCode) : null, lang) ?? '—',
    receivedOn: dateText(p.receivedOn!, lang),
    answerDueOn: dateText(p.answerDueOn!, lang),
    due,
    overdue: isOverdue(p, today),
    demo: p.isDemo,
  };
}

/** The yearly figures as table rows. */
export function statisticsRows(years: readonly YearStatistics[], lang: Lang) {
  return years.map((y) => ({
    fiscalYear: fiscalYearText(y.fiscalYear, lang),
    received: y.received,
    declined: y.declined,
    withdrawn: y.withdrawn,
    answered: y.answered,
    decisions: DECISIONS.map((d) => y.decisions[d]),
    implemented: y.implemented,
    demo: y.demo,
  }));
}

/** Attachments as download links. */
export function attachmentLinks(files: readonly Attachment[]) {
  return files.map((f) => ({ href: `/proposal-files/${f.fileId}`, filename: f.filename, size: `${Math.max(1, Math.round(f.byteSize / 1024))} KB` }));
}
