/**
 * What the module gives the rest of the platform: the metric `proposals.implemented` (feeding
 * indicator 6-1-2 提案意見の実施数), a panel for the plan's section pages, and the staff's work
 * items (what waits on them, and overdue answers as alerts).
 */
import { canManageProposals, isStaff } from './proposals.policy.ts';
import type { MetricDefinition, MetricObservation } from '../../core/metrics.ts';
import { translate } from '../../core/i18n.ts';
import type { SectionPanel, SectionPanelQuery, WorkItem, WorkItemQuery } from '../module.ts';
import './proposals.messages.ts';
import * as repo from './proposals.repository.ts';
import { PROPOSALS_SCOPE } from './proposals.service.ts';
import { implementedPerYear } from './proposals.workflow.ts';

/** 提案意見の実施数: proposals whose implementation date falls in the fiscal year. */
export const implementedMetric: MetricDefinition = {
  name: 'proposals.implemented',
  description: { ja: '年度内に実施された市民提案の件数', en: 'Citizen proposals implemented in a fiscal year' },
  scopes: [PROPOSALS_SCOPE],
  async observe({ sql, tenantId, today, bindings }) {
    const facts = await repo.implementationFacts(sql, tenantId);
    const result = new Map<string, MetricObservation[]>();
    for (const b of bindings) result.set(b.indicatorCode, implementedPerYear(facts.implemented, facts.firstFiscalYear, today, b.since));
    return result;
  },
};

/** The section page's panel: the section's public proposals by state, linking to them. */
export async function sectionPanels(q: SectionPanelQuery): Promise<SectionPanel[]> {
  const counts = await repo.sectionCounts(q.sql, q.tenantId, q.sectionCode);
  if (counts.length === 0) return [];
  const t = (key: string, params?: Record<string, string | number>) => translate(q.lang, key, params);
  const order = ['received', 'assigned', 'answered', 'implemented'] as const;
  const total = counts.reduce((sum, c) => sum + c.n, 0);
  return [
    {
      heading: t('proposals.panel.heading'),
      lead: t('proposals.panel.lead', { count: total }),
      table: {
        caption: t('proposals.panel.caption', { section: q.sectionCode }),
        columns: [t('proposals.field.status'), t('proposals.panel.count')],
        rows: order.map((s) => [t(`proposals.status.${s}`), String(counts.find((c) => c.status === s)?.n ?? 0)]),
      },
      links: [{ href: `/proposals?section=${encodeURIComponent(q.sectionCode)}`, label: t('proposals.panel.link') }],
      demo: counts.some((c) => c.demo),
    },
  ];
}

/**
 * What waits on this staff member: their department's proposals to answer, and for the plan
 * managers the intake, answers to approve, proposals to moderate and reports. Overdue answers
 * are alerts. Each link leads to a page the role may open; only non-zero counts are listed.
 */
export async function workItems(q: WorkItemQuery): Promise<WorkItem[]> {
  if (!isStaff(q.user)) return [];
  const c = await repo.workCounts(q.sql, q.tenantId, q.user.departmentCode, q.today);
  const t = (key: string, count: number) => translate(q.lang, key, { count });
  const items: WorkItem[] = [];
  const add = (key: string, count: number, href: string, kind: WorkItem['kind'] = 'task') => {
    if (count > 0) items.push({ label: t(key, count), count, href, kind });
  };
  add('proposals.work.department', c.departmentOpen, '/staff/proposals?view=department');
  if (canManageProposals(q.user)) {
    add('proposals.work.intake', c.unassigned, '/staff/proposals?view=intake');
    add('proposals.work.approvals', c.awaitingApproval, '/staff/proposals/approvals');
    add('proposals.work.moderation', c.awaitingModeration + c.openReports, '/staff/proposals/moderation');
    add('proposals.work.overdue', c.overdueAll, '/staff/proposals/overdue', 'alert');
  } else {
    add('proposals.work.overdue', c.overdueDepartment, '/staff/proposals/overdue', 'alert');
  }
  return items;
}
