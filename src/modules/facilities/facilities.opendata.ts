/**
 * Open data of the register: the 2024 edition of 公共施設一覧 (UTF-8 with BOM) with this
 * register's columns (分類, 延床面積, 敷地面積, 建築年, 供用開始日), the current status and the
 * demonstration mark; it
 * imports back unchanged. JSON carries the same facilities as API items.
 */
import { toCsv } from './facilities.csv.ts';
import { EDITION_2024_COLUMNS, REGISTER_COLUMNS } from './facilities.dataset.ts';
import type { Facility } from './facilities.repository.ts';
import { facilityItem } from './facilities.schema.ts';
import { STATUS_LABELS } from './facilities.service.ts';

export const OPEN_DATA_COLUMNS = [...EDITION_2024_COLUMNS, ...REGISTER_COLUMNS, '状態', '状態の日付', 'デモデータ'] as const;

export function facilitiesCsv(facilities: readonly Facility[]): string {
  const rows = facilities.map((f) => {
    const d: Record<string, string> = { ...f.dataset };
    if (f.category !== null) d['分類'] = f.category;
    if (f.floorArea !== null) d['延床面積'] = String(f.floorArea);
    if (f.siteArea !== null) d['敷地面積'] = String(f.siteArea);
    if (f.yearBuilt !== null) d['建築年'] = String(f.yearBuilt);
    d['状態'] = STATUS_LABELS[f.status].ja;
    d['状態の日付'] = f.statusSince;
    d['デモデータ'] = f.isDemo ? 'true' : 'false';
    return OPEN_DATA_COLUMNS.map((c) => d[c] ?? '');
  });
  return toCsv([[...OPEN_DATA_COLUMNS], ...rows]);
}

export function facilitiesJson(facilities: readonly Facility[]): string {
  return JSON.stringify({ total: facilities.length, items: facilities.map(facilityItem) });
}
