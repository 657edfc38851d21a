/**
 * 市民提案の流れ — the proposal workflow as pure functions: which action is possible in which
 * state (the database's trigger and CHECK constraints hold the same rules), proposal numbers
 * per fiscal year, answer-due dates, overdue and reminders, and the yearly count the metric
 * reports. No I/O, no clock: "today" is always passed in.
 */
import { addDays, compareIsoDate, fiscalYearEnd, fiscalYearOf } from '../../core/dates.ts';
import type { MetricObservation } from '../../core/metrics.ts';

/** 状態 — the states of DESIGN.md, plus the proposer's own draft (下書き). */
export const STATUSES = ['draft', 'received', 'assigned', 'answered', 'implemented', 'withdrawn', 'declined'] as const;
export type Status = (typeof STATUSES)[number];

/** The states an outside reader may filter on (drafts are nobody's but the proposer's). */
export const LISTED_STATUSES = ['received', 'assigned', 'answered', 'implemented', 'withdrawn', 'declined'] as const;

/** 回答区分 — how a proposal was answered. */
export const DECISIONS = ['adopt', 'partly_adopt', 'consider', 'not_adopt', 'reference'] as const;
export type Decision = (typeof DECISIONS)[number];

/** Decisions after which the proposal may be carried out (実施). */
export const IMPLEMENTABLE: readonly Decision[] = ['adopt', 'partly_adopt'];

/** 受け付けない提案 — the published grounds for declining a proposal at intake. */
export const DECLINE_GROUNDS = ['slander', 'campaigning', 'personal_data', 'commercial', 'outside_remit', 'repeated'] as const;
export type DeclineGround = (typeof DECLINE_GROUNDS)[number];

/** How the proposal reached the city. */
export const CHANNELS = ['web', 'letter', 'counter'] as const;
export type Channel = (typeof CHANNELS)[number];

export type AnswerState = 'draft' | 'submitted' | 'approved' | null;

/** What the rules need to know about a proposal. */
export interface CaseState {
  status: Status;
  answerState: AnswerState;
  decision: Decision | null;
  wantsPublic: boolean;
  /** Published after moderation and not hidden: what the public sees. */
  publiclyVisible: boolean;
  hidden: boolean;
}

export type Action =
  | 'submit'
  | 'editDraft'
  | 'assign'
  | 'transfer'
  | 'saveAnswer'
  | 'answer'
  | 'approveAnswer'
  | 'returnAnswer'
  | 'implement'
  | 'decline'
  | 'withdraw'
  | 'extend'
  | 'publish'
  | 'refusePublication'
  | 'hide'
  | 'unhide'
  | 'support'
  | 'report';

/** Why an action is refused in this state, in both languages (a 409). */
export interface Refusal {
  ja: string;
  en: string;
}

const STATUS_JA: Record<Status, string> = {
  draft: '下書き',
  received: '受付',
  assigned: '担当課で検討中',
  answered: '回答済み',
  implemented: '実施済み',
  withdrawn: '取下げ',
  declined: '受付不可',
};

function inState(s: CaseState): Refusal {
  return { ja: `この提案は「${STATUS_JA[s.status]}」の状態です`, en: `The proposal is ${s.status}` };
}

function refuse(s: CaseState, ja: string, en: string): Refusal {
  const base = inState(s);
  return { ja: `${base.ja}。${ja}`, en: `${base.en}: ${en}` };
}

/** True while an answer is still owed to the proposer (the due date runs). */
export function awaitingAnswer(s: Pick<CaseState, 'status' | 'answerState'>): boolean {
  return s.status === 'received' || s.status === 'assigned' || (s.status === 'answered' && s.answerState === 'submitted');
}

/**
 * null when the action is possible in this state, otherwise why not. Who may act is the
 * policy's question (proposals.policy.ts); this is only about the state.
 */
export function refusalOf(action: Action, s: CaseState): Refusal | null {
  switch (action) {
    case 'submit':
    case 'editDraft':
      return s.status === 'draft' ? null : refuse(s, '下書きではありません', 'it is not a draft');
    case 'assign':
      return s.status === 'received' ? null : refuse(s, '担当課を決められるのは受付の段階だけです（担当課の変更は「移管」です）', 'only a received proposal is assigned (a change is a transfer)');
    case 'transfer':
      if (s.status !== 'assigned') return refuse(s, '移管できるのは担当課で検討中の提案だけです', 'only an assigned proposal is transferred');
      return null;
    case 'saveAnswer':
    case 'answer':
      if (s.status === 'answered' && s.answerState === 'submitted') {
        return refuse(s, '回答は承認待ちです。修正するには政策推進課が差し戻します', 'the answer awaits approval; the plan manager returns it for changes');
      }
      return s.status === 'assigned' ? null : refuse(s, '回答できるのは担当課が決まった提案だけです', 'only an assigned proposal is answered');
    case 'approveAnswer':
    case 'returnAnswer':
      return s.status === 'answered' && s.answerState === 'submitted'
        ? null
        : refuse(s, '承認待ちの回答がありません', 'there is no answer awaiting approval');
    case 'implement':
      if (s.status !== 'answered') return refuse(s, '実施済みにできるのは回答が公開された提案だけです', 'only an answered proposal is implemented');
      if (s.answerState !== 'approved') return refuse(s, '回答がまだ承認されていません', 'its answer is not approved yet');
      if (!s.decision || !IMPLEMENTABLE.includes(s.decision)) {
        return refuse(s, '実施済みにできるのは「採用・実現」「一部採用」の回答をした提案だけです', 'only an adopted or partly adopted proposal is implemented');
      }
      return null;
    case 'decline':
      return s.status === 'received' ? null : refuse(s, '受付不可にできるのは担当課を決める前の提案だけです', 'a proposal is declined only before it is assigned');
    case 'withdraw':
      return s.status === 'received' || s.status === 'assigned'
        ? null
        : refuse(s, '取り下げられるのは回答の前だけです', 'a proposal is withdrawn only before it is answered');
    case 'extend':
      return awaitingAnswer(s) ? null : refuse(s, '回答期限を延長できるのは回答の前だけです', 'the answer date is extended only before the answer');
    case 'publish':
      if (s.status === 'draft') return refuse(s, '下書きは公開できません', 'a draft is not published');
      if (s.status === 'withdrawn' || s.status === 'declined') return refuse(s, '受付を終えた提案は公開できません', 'a closed proposal is not published');
      if (!s.wantsPublic) return refuse(s, '提案者が公開を希望していません', 'the proposer did not agree to publication');
      return null;
    case 'refusePublication':
      return s.status === 'draft' ? refuse(s, '下書きです', 'it is a draft') : null;
    case 'hide':
      return s.publiclyVisible ? null : refuse(s, '公開されていない提案です', 'it is not shown publicly');
    case 'unhide':
      return s.hidden ? null : refuse(s, '非表示にされていません', 'it is not hidden');
    case 'support':
    case 'report':
      if (!s.publiclyVisible) return refuse(s, '公開されていない提案です', 'it is not shown publicly');
      if (s.status === 'withdrawn' || s.status === 'declined') return refuse(s, '受付を終えた提案です', 'it is closed');
      return null;
  }
}

/** The state after an action (the same state for actions that change no state). */
export function statusAfter(action: Action, s: Pick<CaseState, 'status'>): Status {
  switch (action) {
    case 'submit':
      return 'received';
    case 'assign':
      return 'assigned';
    case 'answer':
      return 'answered';
    case 'returnAnswer':
      return 'assigned';
    case 'implement':
      return 'implemented';
    case 'decline':
      return 'declined';
    case 'withdraw':
      return 'withdrawn';
    default:
      return s.status;
  }
}

/**
 * The state the public and the proposer see: an answer awaiting approval is not given yet,
 * so the proposal still reads as being considered by its department.
 */
export function visibleStatus(s: Pick<CaseState, 'status' | 'answerState'>): Status {
  return s.status === 'answered' && s.answerState !== 'approved' ? 'assigned' : s.status;
}

// ---------------------------------------------------------------------------------------------
// Numbers

/** 提案番号 — fiscal year and sequence, e.g. (2026, 42) → '2026-0042'. */
export function formatProposalNumber(fiscalYear: number, seq: number): string {
  return `${fiscalYear}-${String(seq).padStart(4, '0')}`;
}

/** True when text looks like a proposal number. */
export function isProposalNumber(text: string): boolean {
  return /^\d{4}-\d{4,5}$/.test(text);
}

// ---------------------------------------------------------------------------------------------
// Due dates and reminders

/** 回答期限 — the day by which the answer is due: `days` after receipt. */
export function answerDueOn(receivedOn: string, days: number): string {
  return addDays(receivedOn, days);
}

/** True when the answer is owed and its due date has passed (it is due until the end of that day). */
export function isOverdue(s: Pick<CaseState, 'status' | 'answerState'> & { answerDueOn: string | null }, today: string): boolean {
  return awaitingAnswer(s) && s.answerDueOn !== null && compareIsoDate(today, s.answerDueOn) > 0;
}

/** Days left until the due date (negative once overdue). */
export function daysLeft(answerDue: string, today: string): number {
  return Math.round((Date.parse(`${answerDue}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000);
}

/**
 * When the reminder for a due date goes out: 09:00 in Japan, `reminderDays` before the due
 * date, or at once when that moment has passed. null when reminders are off (0 days).
 */
export function reminderAt(answerDue: string, reminderDays: number, now: Date): Date | null {
  if (reminderDays <= 0) return null;
  // 09:00 JST is 00:00 UTC of the same calendar day.
  const at = new Date(`${addDays(answerDue, -reminderDays)}T00:00:00Z`);
  return at.getTime() < now.getTime() ? now : at;
}

// ---------------------------------------------------------------------------------------------
// The metric: proposals implemented in a fiscal year

/**
 * 提案意見の実施数 per fiscal year, from the first fiscal year the platform holds proposals in
 * up to the running one. An ended year is dated its last day (31 March); the running year is
 * dated today, and is reported even at 0, so one proposal implemented today raises the latest
 * value by one. Years ending on or before `since` (the indicator's baseline date) are left to
 * the staff-entered records. No observations at all while the platform holds no proposal.
 */
export function implementedPerYear(
  implemented: readonly { implementedOn: string; isDemo: boolean }[],
  firstFiscalYear: number | null,
  today: string,
  since: string | null,
): MetricObservation[] {
  if (firstFiscalYear === null) return [];
  const current = fiscalYearOf(today);
  const counts = new Map<number, { n: number; demo: boolean }>();
  for (const p of implemented) {
    if (compareIsoDate(p.implementedOn, today) > 0) continue;
    const fy = fiscalYearOf(p.implementedOn);
    const c = counts.get(fy) ?? { n: 0, demo: false };
    c.n++;
    c.demo ||= p.isDemo;
    counts.set(fy, c);
  }
  const first = Math.min(firstFiscalYear, ...counts.keys());
  const out: MetricObservation[] = [];
  for (let fy = first; fy <= current; fy++) {
    const end = fiscalYearEnd(fy);
    if (since !== null && compareIsoDate(end, since) <= 0) continue;
    const c = counts.get(fy) ?? { n: 0, demo: false };
    out.push({ value: c.n, asOf: fy === current ? today : end, ...(c.demo ? { demo: true } : {}) });
  }
  return out;
}
