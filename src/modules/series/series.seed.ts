/**
 * Demo series for the demo tenant (marked demo wherever shown, approved): staff counts on
 * 1 April and population and ordinary debt at each fiscal-year end from FY2017, so indicators
 * 6-2-1 and 6-2-3 show staff records up to FY2016 and computed values after. Not the city's
 * figures. Idempotent: nothing is added once the tenant holds demo values.
 */
import { bumpDataVersion } from '../../core/data-version.ts';
import type { Sql } from '../../core/db/database.ts';
import type { Tenant } from '../../core/tenancy.ts';
import type { SeedContext } from '../module.ts';
import { insertValue, type SeriesName } from './series.repository.ts';
import { SERIES_SCOPE } from './series.service.ts';

const STAFF: [string, number][] = [
  ['2017-04-01', 2671], ['2018-04-01', 2655], ['2019-04-01', 2648], ['2020-04-01', 2652], ['2021-04-01', 2641],
  ['2022-04-01', 2633], ['2023-04-01', 2628], ['2024-04-01', 2619], ['2025-04-01', 2612], ['2026-04-01', 2604],
];
const POPULATION: [string, number][] = [
  ['2018-03-31', 336_154], ['2019-03-31', 335_352], ['2020-03-31', 334_447], ['2021-03-31', 333_284], ['2022-03-31', 331_956],
  ['2023-03-31', 330_494], ['2024-03-31', 329_043], ['2025-03-31', 327_518], ['2026-03-31', 326_010],
];
const DEBT: [string, number][] = [
  ['2018-03-31', 92_780_000_000], ['2019-03-31', 91_230_000_000], ['2020-03-31', 90_410_000_000], ['2021-03-31', 89_050_000_000], ['2022-03-31', 87_620_000_000],
  ['2023-03-31', 86_010_000_000], ['2024-03-31', 84_770_000_000], ['2025-03-31', 83_390_000_000], ['2026-03-31', 82_150_000_000],
];
const SOURCES: Record<SeriesName, string> = {
  staffCount: '定員管理調査（デモ）',
  population: '住民基本台帳（デモ）',
  ordinaryDebt: '一般会計決算 地方債現在高（臨時財政対策債を除く）（デモ）',
};

export async function seedDemoSeries(tx: Sql, tenant: Tenant, _ctx: SeedContext): Promise<string[]> {
  if (await tx.maybeOne('select 1 from series_values where tenant_id = $1 and is_demo limit 1', [tenant.id])) return [];
  const by = { id: null, label: 'seed' };
  for (const [series, values] of [['staffCount', STAFF], ['population', POPULATION], ['ordinaryDebt', DEBT]] as const) {
    for (const [asOf, value] of values) {
      await insertValue(tx, tenant.id, { series, asOf, value, note: 'デモデータ（実際の数値ではありません） / demo data', source: SOURCES[series] }, by, { approved: true, demo: true });
    }
  }
  await bumpDataVersion(tx, tenant.id, SERIES_SCOPE);
  return [];
}
