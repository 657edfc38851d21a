/**
 * The metric `facilities.totalArea` (indicator 6-2-2 公共施設（公園を除く）の延べ床面積及び敷地面積の合計):
 * the floor and site area of facilities in service, parks excluded, at each fiscal year's end
 * and today.
 */
import type { MetricDefinition, MetricObservation } from '../../core/metrics.ts';
import { translate } from '../../core/i18n.ts';
import type { SectionPanel, SectionPanelQuery } from '../module.ts';
import { totalAreaObservations, totalsAsOf } from './facilities.areas.ts';
import './facilities.messages.ts';
import { areaFacts } from './facilities.repository.ts';
import { FACILITIES_SCOPE } from './facilities.service.ts';

export const totalAreaMetric: MetricDefinition = {
  name: 'facilities.totalArea',
  description: { ja: '公共施設（公園を除く）の延べ床面積及び敷地面積の合計（年度末・本日時点）', en: 'Total floor and site area of public facilities, parks excluded (each fiscal year end and today)' },
  scopes: [FACILITIES_SCOPE],
  async observe({ sql, tenantId, today, bindings }) {
    const facts = await areaFacts(sql, tenantId);
    const result = new Map<string, MetricObservation[]>();
    for (const b of bindings) result.set(b.indicatorCode, totalAreaObservations(facts, today, b.since));
    return result;
  },
};

const areaText = new Intl.NumberFormat('ja-JP', { maximumFractionDigits: 2 });

/** The plan's section 6-2 page: the register's area totals today, per category. */
export async function sectionPanels(q: SectionPanelQuery): Promise<SectionPanel[]> {
  if (q.sectionCode !== '6-2') return [];
  const facts = await areaFacts(q.sql, q.tenantId);
  if (facts.facilities.length === 0) return [];
  const totals = totalsAsOf(facts, q.today);
  const t = (key: string, params?: Record<string, string | number>) => translate(q.lang, key, params);
  return [
    {
      heading: t('facilities.panel.heading'),
      lead: t('facilities.panel.lead', { total: areaText.format(totals.total), count: totals.count }),
      table: {
        caption: t('facilities.totals.caption'),
        columns: [t('facilities.field.category'), t('facilities.totals.count'), t('facilities.field.area')],
        rows: totals.byCategory.map((c) => [
          (c.category ?? t('facilities.filter.uncategorised')) + (c.isPark ? `（${t('facilities.totals.excluded')}）` : ''),
          String(c.count),
          areaText.format(c.total),
        ]),
      },
      links: [{ href: '/facilities', label: t('facilities.panel.link') }],
      demo: totals.demo,
    },
  ];
}
