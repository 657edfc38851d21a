/**
 * Area totals as of a date (延べ床面積及び敷地面積): a facility counts on a day when its status
 * on that day (the latest status dated on or before it) is in service; closed, demolished and
 * transferred facilities do not. Parks (公園) are shown per category but left out of the total
 * that feeds indicator 6-2-2. Pure functions over the facts the repository reads.
 */
import { compareIsoDate, fiscalYearEnd, fiscalYearOf } from '../../core/dates.ts';
import type { MetricObservation } from '../../core/metrics.ts';
import type { AreaFacts, FacilityStatus } from './facilities.repository.ts';

export interface CategoryTotal {
  category: string | null;
  isPark: boolean;
  count: number;
  floorArea: number;
  siteArea: number;
  total: number;
}

export interface AreaTotals {
  asOf: string;
  /** Floor + site area of facilities in service, parks excluded (indicator 6-2-2). */
  total: number;
  floorArea: number;
  siteArea: number;
  count: number;
  parks: { count: number; total: number };
  byCategory: CategoryTotal[];
  demo: boolean;
}

/** Areas are summed in hundredths of a ㎡ so that totals are exact. */
const cents = (n: number) => Math.round(n * 100);

export function statusOn(history: readonly { on: string; status: FacilityStatus }[] | undefined, date: string): FacilityStatus | null {
  let current: FacilityStatus | null = null;
  for (const h of history ?? []) {
    if (compareIsoDate(h.on, date) > 0) break;
    current = h.status;
  }
  return current;
}

/** The totals on a date, per category and overall. */
export function totalsAsOf(facts: AreaFacts, date: string): AreaTotals {
  const byCategory = new Map<string, { category: string | null; isPark: boolean; count: number; floor: number; site: number }>();
  let demo = false;
  for (const f of facts.facilities) {
    if (statusOn(facts.statuses.get(f.id), date) !== 'in_service') continue;
    const key = `${f.isPark ? 1 : 0}|${f.category ?? ''}`;
    let c = byCategory.get(key);
    if (!c) byCategory.set(key, (c = { category: f.category, isPark: f.isPark, count: 0, floor: 0, site: 0 }));
    c.count++;
    c.floor += cents(f.floorArea);
    c.site += cents(f.siteArea);
    demo ||= f.isDemo;
  }
  const rows = [...byCategory.values()].sort((a, b) => Number(a.isPark) - Number(b.isPark) || (a.category ?? '￿').localeCompare(b.category ?? '￿', 'ja'));
  const counted = rows.filter((r) => !r.isPark);
  const parks = rows.filter((r) => r.isPark);
  const sum = (list: typeof rows, pick: (r: (typeof rows)[number]) => number) => list.reduce((s, r) => s + pick(r), 0);
  const floor = sum(counted, (r) => r.floor);
  const site = sum(counted, (r) => r.site);
  return {
    asOf: date,
    total: (floor + site) / 100,
    floorArea: floor / 100,
    siteArea: site / 100,
    count: sum(counted, (r) => r.count),
    parks: { count: sum(parks, (r) => r.count), total: sum(parks, (r) => r.floor + r.site) / 100 },
    byCategory: rows.map((r) => ({ category: r.category, isPark: r.isPark, count: r.count, floorArea: r.floor / 100, siteArea: r.site / 100, total: (r.floor + r.site) / 100 })),
    demo,
  };
}

/**
 * The metric's observations: the total at the end of each fiscal year from the first year the
 * register holds a facility (its earliest status date) to the running year, which is dated
 * today; years ending on or before the indicator's baseline date are left to staff records.
 */
export function totalAreaObservations(facts: AreaFacts, today: string, since: string | null): MetricObservation[] {
  let earliest: string | null = null;
  for (const list of facts.statuses.values()) {
    const first = list[0]?.on;
    if (first && (earliest === null || compareIsoDate(first, earliest) < 0)) earliest = first;
  }
  if (earliest === null || compareIsoDate(earliest, today) > 0) return [];
  const out: MetricObservation[] = [];
  const current = fiscalYearOf(today);
  for (let fy = fiscalYearOf(earliest); fy <= current; fy++) {
    const end = fy === current ? today : fiscalYearEnd(fy);
    if (since !== null && compareIsoDate(end, since) <= 0) continue;
    const t = totalsAsOf(facts, end);
    out.push({ value: t.total, asOf: end, ...(t.demo ? { demo: true } : {}) });
  }
  return out;
}
