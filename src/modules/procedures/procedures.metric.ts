/**
 * What the module gives the plan: the metric `procedures.onlineApplications` (feeding 6-3-1
 * オンライン化された行政手続の利用件数) and the department's work items.
 */
import { compareIsoDate, fiscalYearEnd, fiscalYearOf } from '../../core/dates.ts';
import { translate } from '../../core/i18n.ts';
import type { MetricDefinition, MetricObservation } from '../../core/metrics.ts';
import type { WorkItem, WorkItemQuery } from '../module.ts';
import './procedures.messages.ts';
import * as repo from './procedures.repository.ts';
import { PROCEDURES_SCOPE } from './procedures.service.ts';

/**
 * Online applications per fiscal year, from the first year the platform holds one up to the
 * running year (dated today, reported even at 0); ended years are dated 31 March. Years
 * ending on or before `since` (the indicator's baseline) are left to staff-entered records.
 */
export function onlinePerYear(counts: readonly { fiscalYear: number; n: number; demo: boolean }[], today: string, since: string | null): MetricObservation[] {
  if (counts.length === 0) return [];
  const current = fiscalYearOf(today);
  const byYear = new Map(counts.map((c) => [c.fiscalYear, c]));
  const out: MetricObservation[] = [];
  for (let fy = Math.min(...counts.map((c) => c.fiscalYear)); fy <= current; fy++) {
    const end = fiscalYearEnd(fy);
    if (since !== null && compareIsoDate(end, since) <= 0) continue;
    const c = byYear.get(fy);
    out.push({ value: c?.n ?? 0, asOf: fy === current ? today : end, ...(c?.demo ? { demo: true } : {}) });
  }
  return out;
}

/** オンライン申請の受付件数: applications received online in each fiscal year. */
export const onlineApplicationsMetric: MetricDefinition = {
  name: 'procedures.onlineApplications',
  description: { ja: 'オンライン申請の受付件数', en: 'Online applications received in a fiscal year' },
  scopes: [PROCEDURES_SCOPE],
  async observe({ sql, tenantId, today, bindings }) {
    const counts = await repo.onlinePerYear(sql, tenantId);
    const result = new Map<string, MetricObservation[]>();
    for (const b of bindings) result.set(b.indicatorCode, onlinePerYear(counts, today, b.since));
    return result;
  },
};

/** What waits on the staff member's department. */
export async function workItems(q: WorkItemQuery): Promise<WorkItem[]> {
  if (!q.user.departmentCode || q.user.role === 'citizen') return [];
  const counts = await repo.openCounts(q.sql, q.tenantId, q.user.departmentCode);
  const n = (s: string) => counts.find((c) => c.status === s)?.n ?? 0;
  const items: WorkItem[] = [];
  if (n('waiting') > 0) items.push({ label: translate(q.lang, 'procedures.work.waiting', { count: n('waiting') }), count: n('waiting'), href: '/staff/applications?status=waiting', kind: 'task' });
  if (n('processing') > 0) items.push({ label: translate(q.lang, 'procedures.work.processing', { count: n('processing') }), count: n('processing'), href: '/staff/applications?status=processing', kind: 'task' });
  return items;
}
