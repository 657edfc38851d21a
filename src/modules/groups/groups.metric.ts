/**
 * What the module gives the rest of the platform: the metric `groups.registered` (feeding
 * indicator 6-1-1 市民活動支援センターへの団体登録数), and the staff's work items.
 */
import type { MetricDefinition, MetricObservation } from '../../core/metrics.ts';
import { translate } from '../../core/i18n.ts';
import type { WorkItem, WorkItemQuery } from '../module.ts';
import './groups.messages.ts';
import { canReview, isStaff, REGISTRY_DEPARTMENT, RENEWAL_DAYS } from './groups.policy.ts';
import * as repo from './groups.repository.ts';
import { registeredPerYear } from './groups.rules.ts';
import { GROUPS_SCOPE } from './groups.service.ts';
import type { SettingsRegistry } from '../../core/settings.ts';

/** 団体登録数: groups registered on 31 March of each fiscal year, and today. */
export const registeredMetric: MetricDefinition = {
  name: 'groups.registered',
  description: { ja: '登録市民活動団体数', en: 'Citizen groups registered as of a date' },
  scopes: [GROUPS_SCOPE],
  async observe({ sql, tenantId, today, bindings }) {
    const terms = await repo.allTerms(sql, tenantId);
    const result = new Map<string, MetricObservation[]>();
    for (const b of bindings) result.set(b.indicatorCode, registeredPerYear(terms, today, b.since));
    return result;
  },
};

/** What waits on the registry's staff: applications, changes and renewals to review. */
export function workItemsOf(settings: SettingsRegistry) {
  return async (q: WorkItemQuery): Promise<WorkItem[]> => {
    if (!isStaff(q.user)) return [];
    if (!canReview(q.user, await settings.get<string>(q.sql, q.tenantId, REGISTRY_DEPARTMENT))) return [];
    const windowDays = await settings.get<number>(q.sql, q.tenantId, RENEWAL_DAYS);
    const c = await repo.workCounts(q.sql, q.tenantId, q.today, windowDays);
    const items: WorkItem[] = [];
    const add = (key: string, count: number, href: string, kind: WorkItem['kind'] = 'task') => {
      if (count > 0) items.push({ label: translate(q.lang, key, { count }), count, href, kind });
    };
    add('groups.work.applied', c.applied, '/staff/groups?status=applied');
    add('groups.work.changes', c.changes, '/staff/groups');
    add('groups.work.renewals', c.renewals, '/staff/groups');
    add('groups.work.expiring', c.expiring, '/staff/groups?status=registered', 'alert');
    return items;
  };
}
