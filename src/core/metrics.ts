/**
 * Named metrics: how a module feeds the plan's indicators. An indicator names a metric
 * ("groups.registered"); the module that holds the data registers a function computing the
 * metric's observations. The names are known up front (DESIGN.md's module table) so a plan
 * can bind an indicator to a metric before the module that feeds it exists.
 */
import type { Sql } from './db/database.ts';

/** One value of a metric, dated (ISO date, JST). */
export interface MetricObservation {
  value: string | number;
  asOf: string;
  note?: string;
}

export interface MetricContext {
  sql: Sql;
  tenantId: string;
  /** The plan the indicator belongs to (metrics such as plan.averageAchievement need it). */
  planId: string;
  /** The code of the indicator being fed (to leave itself out of averages). */
  indicatorCode: string;
  /** The bound indicator's own baseline date: metrics report from there on. */
  since: string | null;
}

export interface Metric {
  name: string;
  description: { ja: string; en: string };
  /** Observations the platform holds; staff-entered actuals fill earlier years. */
  observe(ctx: MetricContext): Promise<MetricObservation[]>;
}

/** Metric names the plan may bind to, with what they measure. */
export const METRIC_CATALOGUE: Record<string, { ja: string; en: string }> = {
  'plan.averageAchievement': { ja: '主要施策の目標達成率（平均値）', en: 'Average achievement of the plan’s other indicators' },
  'surveys.positiveShare': { ja: '市民意識調査の肯定的回答の割合', en: 'Positive share of a perception-survey question' },
  'proposals.implemented': { ja: '年度内に実施された市民提案の件数', en: 'Citizen proposals implemented in a fiscal year' },
  'groups.registered': { ja: '登録市民活動団体数', en: 'Citizen groups registered as of a date' },
  'procedures.onlineApplications': { ja: 'オンライン申請の受付件数', en: 'Online applications received in a fiscal year' },
  'facilities.totalArea': { ja: '公共施設の延べ床面積及び敷地面積の合計', en: 'Total floor and site area of public facilities' },
  'monitoring.availability': { ja: '情報システムの可用性', en: 'Availability of the city’s information systems' },
  'series.staffCount': { ja: '職員数', en: 'Number of staff' },
  'series.debtPerCapita': { ja: '市民一人あたりの通常債残高', en: 'Ordinary municipal debt per resident' },
};

const implementations = new Map<string, Metric>();

/** Registers a module's implementation of a catalogued metric. */
export function registerMetric(metric: Metric): void {
  if (!(metric.name in METRIC_CATALOGUE)) throw new Error(`metric ${metric.name} is not in the catalogue`);
  implementations.set(metric.name, metric);
}

/** The implementation of a metric, or undefined while no module feeds it yet. */
export function metricImplementation(name: string): Metric | undefined {
  return implementations.get(name);
}

/** True when name is a metric an indicator may bind to. */
export function isKnownMetric(name: string): boolean {
  return name in METRIC_CATALOGUE;
}
