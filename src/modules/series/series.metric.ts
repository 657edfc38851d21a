/**
 * The metrics `series.staffCount` (indicator 6-2-1 職員数) and `series.debtPerCapita` (6-2-3
 * 市民一人あたりの通常債残高, ordinaryDebt ÷ population in 万円 to one decimal): the approved
 * values dated after the indicator's baseline.
 */
import { compareIsoDate } from '../../core/dates.ts';
import type { MetricDefinition, MetricObservation } from '../../core/metrics.ts';
import { approvedValues } from './series.repository.ts';
import { derivedDebtPerCapita, SERIES_SCOPE } from './series.service.ts';

const after = (since: string | null) => (o: { asOf: string }) => since === null || compareIsoDate(o.asOf, since) > 0;

export const staffCountMetric: MetricDefinition = {
  name: 'series.staffCount',
  description: { ja: '職員数（4月1日現在、承認済みの値）', en: 'Number of staff on 1 April (approved values)' },
  scopes: [SERIES_SCOPE],
  async observe({ sql, tenantId, bindings }) {
    const values = await approvedValues(sql, tenantId, 'staffCount');
    const result = new Map<string, MetricObservation[]>();
    for (const b of bindings) {
      result.set(
        b.indicatorCode,
        values.filter(after(b.since)).map((v) => ({ value: v.value, asOf: v.asOf, ...(v.source ? { note: `出典: ${v.source}` } : {}), ...(v.isDemo ? { demo: true } : {}) })),
      );
    }
    return result;
  },
};

export const debtPerCapitaMetric: MetricDefinition = {
  name: 'series.debtPerCapita',
  description: { ja: '市民一人あたりの通常債残高（通常債残高 ÷ 人口、万円、小数第1位）', en: 'Ordinary debt per resident (debt ÷ population, in units of 10,000 yen, one decimal)' },
  scopes: [SERIES_SCOPE],
  async observe({ sql, tenantId, bindings }) {
    const derived = derivedDebtPerCapita(await approvedValues(sql, tenantId));
    const result = new Map<string, MetricObservation[]>();
    for (const b of bindings) {
      result.set(
        b.indicatorCode,
        derived.filter(after(b.since)).map((d) => ({
          value: d.value,
          asOf: d.asOf,
          note: `通常債残高 ${d.debt.toLocaleString('ja-JP')}円 ÷ 人口 ${d.population.toLocaleString('ja-JP')}人（${d.populationAsOf}）`,
          ...(d.demo ? { demo: true } : {}),
        })),
      );
    }
    return result;
  },
};
