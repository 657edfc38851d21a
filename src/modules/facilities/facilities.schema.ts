/** Request schemas of the facility register and its wire shapes. */
import { z } from 'zod';
import { isIsoDate } from '../../core/dates.ts';
import { bilingual } from '../../core/validation.ts';
import type { AreaTotals } from './facilities.areas.ts';
import { STATUSES, type Facility, type ListedFacility } from './facilities.repository.ts';

export const LIMITS = { query: 100, note: 500, category: 60, importBytes: 10 * 1024 * 1024 } as const;

const intParam = (min: number, max: number) =>
  z.coerce
    .number({ message: bilingual('数値で指定してください', 'Use a number') })
    .int({ message: bilingual('整数で指定してください', 'Use a whole number') })
    .min(min, { message: bilingual(`${min}以上で指定してください`, `Use at least ${min}`) })
    .max(max, { message: bilingual(`${max}以下で指定してください`, `Use at most ${max}`) });

const emptyAsUndefined = (v: unknown) => (v === '' ? undefined : v);

/** An ISO date (YYYY-MM-DD). */
export const isoDate = z.string().refine(isIsoDate, { message: bilingual('日付は YYYY-MM-DD で指定してください', 'Use a date YYYY-MM-DD') });

/** GET /api/v1/facilities */
export const ListQuerySchema = z.object({
  /** 分類 (exact); empty: every category. */
  category: z.preprocess(emptyAsUndefined, z.string().max(LIMITS.category).optional()),
  status: z.preprocess(emptyAsUndefined, z.enum(STATUSES, { message: bilingual('状態の指定が正しくありません', 'Unknown status') }).optional()),
  /** The date the list and its statuses are as of (default today). */
  asOf: z.preprocess(emptyAsUndefined, isoDate.optional()),
  q: z.preprocess(emptyAsUndefined, z.string().max(LIMITS.query, { message: bilingual(`検索語は${LIMITS.query}文字以内です`, `Search at most ${LIMITS.query} characters`) }).optional()),
  limit: intParam(1, 500).default(50),
  offset: intParam(0, 1_000_000).default(0),
});
export type ListQuery = z.output<typeof ListQuerySchema>;

export const AsOfQuerySchema = z.object({ asOf: z.preprocess(emptyAsUndefined, isoDate.optional()) });

export const ImportQuerySchema = z.object({
  dryRun: z.preprocess(emptyAsUndefined, z.enum(['true', 'false', '1', '0']).optional()),
});

/** POST /api/v1/facilities/{id}/status */
export const StatusSchema = z.strictObject({
  status: z.enum(STATUSES, { message: bilingual('状態の指定が正しくありません', 'Unknown status') }),
  on: isoDate,
  note: z.string().max(LIMITS.note, { message: bilingual(`備考は${LIMITS.note}文字以内です`, `At most ${LIMITS.note} characters`) }).optional(),
});

export const IdParam = z.object({ id: z.string().max(64) });

/** A facility as the API shows it. */
export function facilityItem(f: Facility | ListedFacility) {
  return {
    id: f.id,
    externalId: f.externalId,
    name: f.name,
    nameKana: f.nameKana,
    category: f.category,
    park: f.isPark,
    address: f.address,
    latitude: f.latitude,
    longitude: f.longitude,
    floorArea: f.floorArea,
    siteArea: f.siteArea,
    yearBuilt: f.yearBuilt,
    responsible: f.responsible,
    status: 'statusOn' in f ? f.statusOn : f.status,
    currentStatus: f.status,
    statusSince: f.statusSince,
    demo: f.isDemo,
  };
}

export function totalsItem(t: AreaTotals) {
  return t;
}

const FacilityItemSchema = z.object({
  id: z.string(),
  externalId: z.string(),
  name: z.string(),
  nameKana: z.string().nullable(),
  category: z.string().nullable(),
  park: z.boolean(),
  address: z.string().nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  floorArea: z.number().nullable(),
  siteArea: z.number().nullable(),
  yearBuilt: z.number().nullable(),
  responsible: z.string().nullable(),
  status: z.enum(STATUSES),
  currentStatus: z.enum(STATUSES),
  statusSince: z.string(),
  demo: z.boolean(),
});

export const ListSchema = z.object({ total: z.number(), asOf: z.string(), items: z.array(FacilityItemSchema) });
