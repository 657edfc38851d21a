/**
 * 処理の流れ — the workflow of an application: 処理待ち → 処理中 → 差し戻し → 処理完了 / 却下,
 * with 取下げ (withdrawal) only while it waits or is returned. Pure rules; the service calls
 * them and the database's trigger refuses anything else.
 */
export const STATUSES = ['waiting', 'processing', 'returned', 'completed', 'rejected', 'withdrawn'] as const;
export type Status = (typeof STATUSES)[number];

/** Status changes a department makes. */
export const STAFF_TARGETS = ['processing', 'returned', 'completed', 'rejected'] as const;
export type StaffTarget = (typeof STAFF_TARGETS)[number];

const STAFF_MOVES: Record<Status, readonly Status[]> = {
  waiting: ['processing', 'rejected'],
  processing: ['returned', 'completed', 'rejected'],
  returned: ['processing', 'rejected'],
  completed: [],
  rejected: [],
  withdrawn: [],
};

/** True when the department may move an application from `from` to `to`. */
export function canStaffMove(from: Status, to: Status): boolean {
  return STAFF_MOVES[from].includes(to);
}

/** 取下げ: only while the application waits (処理待ち) or is returned for correction (差し戻し). */
export function canWithdraw(from: Status): boolean {
  return from === 'waiting' || from === 'returned';
}

/** The applicant's corrections after 差し戻し send it back to the department (処理中). */
export function canCorrect(from: Status): boolean {
  return from === 'returned';
}

/** Closed: nothing changes any more. */
export function isClosed(s: Status): boolean {
  return s === 'completed' || s === 'rejected' || s === 'withdrawn';
}

/** 受付番号: the fiscal year and an 8-digit serial, e.g. 2026-00000042. */
export function formatReceiptNumber(fiscalYear: number, serial: number | bigint): string {
  return `${fiscalYear}-${String(serial).padStart(8, '0')}`;
}

export function isReceiptNumber(s: string): boolean {
  return /^[0-9]{4}-[0-9]{8,12}$/.test(s);
}

/** The last day personal data is kept: `years` after receipt. */
export function purgeAfter(receivedOn: string, years: number): string {
  const [y, m, d] = receivedOn.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y + years, m - 1, d));
  // 29 February + n years lands on 1 March in a common year: keep it to the end of February.
  if (target.getUTCMonth() !== m - 1) target.setUTCDate(0);
  return target.toISOString().slice(0, 10);
}

/** オンライン化率: online ÷ total, null when there were no uses at all. */
export function onlineShare(online: number, counter: number): number | null {
  const total = online + counter;
  return total === 0 ? null : online / total;
}
