/** 情報システムの可用性監視 — availability monitoring of the city's systems (Hibiki included), feeding 6-3-2. */
import type { HibikiModule } from '../module.ts';
import { incidentWorkCounts } from './monitoring.incidents.ts';
import { monitoringMessages } from './monitoring.messages.ts';
import { observeAvailability } from './monitoring.report.ts';
import { monitoringRoutes } from './monitoring.routes.ts';
import { RAW_RETENTION_SETTING, monitoringJobs, MONITORING_SCOPE } from './monitoring.runner.ts';
import { seedDemoMonitoring } from './monitoring.seed.ts';
import { monitoringSectionPanels } from './monitoring.panels.ts';
import { translate } from '../../core/i18n.ts';

export const monitoringModule: HibikiModule = {
  name: 'monitoring',
  migrations: new URL('./migrations/', import.meta.url),
  routes: monitoringRoutes,
  messages: [monitoringMessages],
  metrics: [
    {
      name: 'monitoring.availability',
      description: { ja: '情報システムの可用性', en: 'Availability of the city’s information systems' },
      scopes: [MONITORING_SCOPE],
      observe: observeAvailability,
    },
  ],
  jobs: monitoringJobs,
  nav: [
    { href: '/status', label: { ja: '稼働状況', en: 'System status' }, audience: 'everyone' },
    { href: '/admin/monitoring', label: { ja: 'システム監視', en: 'Monitoring' }, audience: ['admin'] },
  ],
  settings: [
    {
      key: RAW_RETENTION_SETTING,
      type: 'integer',
      default: 14,
      min: 1,
      max: 400,
      label: { ja: '監視結果（生データ）の保存日数', en: 'Days to keep raw monitoring results' },
      hint: {
        ja: 'これより古い結果は削除されます。可用性は状態の記録から計算するため、削除しても変わりません。',
        en: 'Older results are removed. Availability is computed from the recorded timeline, so it does not change.',
      },
    },
  ],
  seedDemo: seedDemoMonitoring,
  sectionPanels: monitoringSectionPanels,
  async workItems({ sql, tenantId, user, lang }) {
    const counts = await incidentWorkCounts(sql, tenantId, user);
    if (!counts) return [];
    const items = [];
    if (counts.live > 0) items.push({ label: translate(lang, 'monitoring.work.live'), count: counts.live, href: '/staff/monitoring/incidents?status=live', kind: 'alert' as const });
    if (counts.unannotated > 0) items.push({ label: translate(lang, 'monitoring.work.unannotated'), count: counts.unannotated, href: '/staff/monitoring/incidents?status=unannotated', kind: 'task' as const });
    return items;
  },
};
