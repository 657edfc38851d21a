/**
 * The metric `facilities.totalArea` (indicator 6-2-2 公共施設（公園を除く）の延べ床面積及び敷地面積の合計):
 * the floor and site area of facilities in service, parks excluded, at each fiscal year's end
 * and today.
 */
import type { MetricDefinition, MetricObservation } from '../../core/metrics.ts';
import { totalAreaObservations } from './facilities.areas.ts';
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
