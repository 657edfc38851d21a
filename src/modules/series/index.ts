/** 財政・人事の時系列 — population, ordinary debt and staff-count series entered with their sources and approved, feeding 6-2-1 and 6-2-3. */
import type { HibikiModule } from '../module.ts';
import { debtPerCapitaMetric, staffCountMetric } from './series.metric.ts';
import { seriesMessages } from './series.messages.ts';
import { countPending } from './series.repository.ts';
import { seriesRoutes } from './series.routes.ts';
import { seedDemoSeries } from './series.seed.ts';
import { canApproveSeries } from './series.service.ts';

export const seriesModule: HibikiModule = {
  name: 'series',
  migrations: new URL('./migrations/', import.meta.url),
  routes: seriesRoutes,
  metrics: [staffCountMetric, debtPerCapitaMetric],
  nav: [
    { href: '/series', label: { ja: '職員数・市債', en: 'Staff and debt' }, audience: 'everyone' },
    { href: '/staff/series', label: { ja: '時系列の入力', en: 'Series entry' }, audience: ['staff', 'plan_manager', 'admin'] },
  ],
  messages: [seriesMessages],
  seedDemo: seedDemoSeries,
  async workItems(q) {
    if (!canApproveSeries(q.user)) return [];
    const n = await countPending(q.sql, q.tenantId);
    return n > 0 ? [{ label: q.lang === 'ja' ? `時系列の承認待ち ${n}件` : `${n} series values to approve`, count: n, href: '/staff/series', kind: 'task' }] : [];
  },
};
