/**
 * The facility register's rules: importing 公共施設一覧 files (dry run first; nothing written
 * while an error remains; re-imports update by ID with the history kept and report what the
 * file no longer holds), status changes with their dates, and the reads behind the API.
 */
import type { AuthUser } from '../../core/auth.ts';
import { appendAudit } from '../../core/audit.ts';
import { bumpDataVersion } from '../../core/data-version.ts';
import type { Db, Sql } from '../../core/db/database.ts';
import { compareIsoDate, isIsoDate } from '../../core/dates.ts';
import { AppError } from '../../core/errors.ts';
import type { Tenant } from '../../core/tenancy.ts';
import { totalsAsOf, type AreaTotals } from './facilities.areas.ts';
import { decodeCsvBytes, type CsvEncoding } from './facilities.csv.ts';
import { readFacilityFile, type Edition, type FacilityInput, type ImportProblem } from './facilities.dataset.ts';
import * as repo from './facilities.repository.ts';
import type { Facility, FacilityFields, FacilityStatus } from './facilities.repository.ts';

/** The data-version scope of the register (public reads and indicator 6-2-2 depend on it). */
export const FACILITIES_SCOPE = 'facilities';

/** Rows one file may hold. */
export const MAX_IMPORT_ROWS = 20_000;

export interface Actor {
  id: string | null;
  label: string;
}

/** Who may change the register: 資産経営課 staff, plan managers and administrators. */
export const REGISTER_DEPARTMENT = 'shisan-keiei';
export function canManageFacilities(user: AuthUser): boolean {
  return user.role === 'admin' || user.role === 'plan_manager' || (user.role === 'staff' && user.departmentCode === REGISTER_DEPARTMENT);
}

export interface ImportResult {
  dryRun: boolean;
  encoding: CsvEncoding;
  edition: Edition | null;
  /** Data rows in the file. */
  rows: number;
  /** Rows written (0 in a dry run and whenever an error remains). */
  imported: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Facilities of the register the file does not hold (kept, not deleted). */
  missing: { id: string; name: string }[];
  problems: ImportProblem[];
}

function fieldsOf(f: FacilityInput): FacilityFields {
  return {
    externalId: f.externalId,
    name: f.name,
    nameKana: f.nameKana,
    category: f.category,
    isPark: f.isPark,
    address: f.address,
    latitude: f.latitude,
    longitude: f.longitude,
    floorArea: f.floorArea,
    siteArea: f.siteArea,
    yearBuilt: f.yearBuilt,
    responsible: f.responsible,
    dataset: f.dataset,
  };
}

const COMPARED: (keyof FacilityFields)[] = ['name', 'nameKana', 'category', 'isPark', 'address', 'latitude', 'longitude', 'floorArea', 'siteArea', 'yearBuilt', 'responsible'];

/** Field → [before, after] for the fields that differ (the dataset's other columns as one). */
function differences(before: Facility, after: FacilityFields): Record<string, [unknown, unknown]> {
  const out: Record<string, [unknown, unknown]> = {};
  for (const k of COMPARED) if (before[k] !== after[k]) out[k] = [before[k], after[k]];
  const keys = new Set([...Object.keys(before.dataset), ...Object.keys(after.dataset)]);
  for (const k of keys) {
    if (before.dataset[k] !== after.dataset[k]) out[`dataset.${k}`] = [before.dataset[k] ?? null, after.dataset[k] ?? null];
  }
  return out;
}

/**
 * Imports a 公共施設一覧 file (either edition, UTF-8 or Shift_JIS). With `dryRun` nothing is
 * written; without it the file is applied whole in one transaction, or — while any error
 * remains — not at all. New facilities are in service from their 供用開始日, or from today.
 */
export async function importFacilities(
  db: Db,
  tenant: Tenant,
  actor: Actor,
  bytes: Uint8Array,
  options: { dryRun: boolean; today: string; demo?: boolean },
): Promise<ImportResult> {
  const { text, encoding } = decodeCsvBytes(bytes);
  const parsed = readFacilityFile(text, { maxRows: MAX_IMPORT_ROWS });
  const hasErrors = parsed.problems.some((p) => p.severity === 'error');
  const result: ImportResult = {
    dryRun: options.dryRun,
    encoding,
    edition: parsed.edition,
    rows: parsed.rows,
    imported: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    missing: [],
    problems: parsed.problems,
  };
  const apply = async (tx: Sql, write: boolean) => {
    const existing = await repo.facilitiesByExternalId(tx, tenant.id);
    const inFile = new Set(parsed.facilities.map((f) => f.externalId));
    result.missing = [...existing.values()].filter((f) => !inFile.has(f.externalId)).map((f) => ({ id: f.externalId, name: f.name }));
    for (const input of parsed.facilities) {
      const fields = fieldsOf(input);
      const before = existing.get(input.externalId);
      if (!before) {
        result.created++;
        if (write) {
          const since = input.inServiceSince ?? options.today;
          const id = await repo.insertFacility(tx, tenant.id, fields, since, options.demo ?? false);
          await repo.insertEvent(tx, tenant.id, id, 'created', { line: input.line, inServiceSince: since }, actor);
        }
        continue;
      }
      const diff = differences(before, fields);
      if (Object.keys(diff).length === 0) {
        result.unchanged++;
        continue;
      }
      result.updated++;
      if (write) {
        await repo.updateFacility(tx, tenant.id, before.id, fields);
        await repo.insertEvent(tx, tenant.id, before.id, 'updated', { line: input.line, fields: diff }, actor);
      }
    }
  };
  if (hasErrors || options.dryRun) {
    if (!hasErrors) await apply(db, false);
    return result;
  }
  await db.transaction(async (tx) => {
    await apply(tx, true);
    await bumpDataVersion(tx, tenant.id, FACILITIES_SCOPE);
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: actor.id,
      actorLabel: actor.label,
      action: 'facilities.import',
      entityType: 'facility',
      details: { rows: result.rows, created: result.created, updated: result.updated, missing: result.missing.length, edition: result.edition, encoding },
    });
  });
  result.imported = result.created + result.updated + result.unchanged;
  return result;
}

/** Which statuses may follow which: demolished and transferred are final. */
export const NEXT_STATUSES: Record<FacilityStatus, readonly FacilityStatus[]> = {
  in_service: ['closed', 'demolished', 'transferred'],
  closed: ['in_service', 'demolished', 'transferred'],
  demolished: [],
  transferred: [],
};

export interface StatusChange {
  status: FacilityStatus;
  on: string;
  note?: string | undefined;
}

/** Records a status change from a date on; the date may not precede the current status's. */
export async function changeStatus(db: Db, tenant: Tenant, user: AuthUser, id: string, change: StatusChange): Promise<Facility> {
  if (!canManageFacilities(user)) throw new AppError('forbidden');
  if (!isIsoDate(change.on)) throw new AppError('validation', undefined, [{ path: 'on', message: '日付（YYYY-MM-DD）を入力してください / Enter a date (YYYY-MM-DD)' }]);
  if (!UUID_RE.test(id)) throw new AppError('not_found');
  return db.transaction(async (tx) => {
    const f = await repo.findFacility(tx, tenant.id, id);
    if (!f) throw new AppError('not_found');
    if (!NEXT_STATUSES[f.status].includes(change.status)) {
      throw new AppError('conflict', {
        ja: `現在の状態（${STATUS_LABELS[f.status].ja}）から「${STATUS_LABELS[change.status].ja}」には変更できません`,
        en: `A facility ${STATUS_LABELS[f.status].en.toLowerCase()} cannot become ${STATUS_LABELS[change.status].en.toLowerCase()}`,
      });
    }
    if (compareIsoDate(change.on, f.statusSince) <= 0) {
      throw new AppError('validation', undefined, [
        { path: 'on', message: `日付は現在の状態の日付（${f.statusSince}）より後にしてください / The date must be after ${f.statusSince}` },
      ]);
    }
    await repo.insertStatus(tx, tenant.id, id, change.status, change.on, change.note ?? null);
    await repo.insertEvent(tx, tenant.id, id, 'status', { from: f.status, to: change.status, on: change.on, note: change.note ?? null }, { id: user.id, label: user.email });
    await bumpDataVersion(tx, tenant.id, FACILITIES_SCOPE);
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: user.id,
      actorLabel: user.email,
      action: 'facility.status',
      entityType: 'facility',
      entityId: f.externalId,
      details: { from: f.status, to: change.status, on: change.on },
    });
    return (await repo.findFacility(tx, tenant.id, id))!;
  });
}

export const STATUS_LABELS: Record<FacilityStatus, { ja: string; en: string }> = {
  in_service: { ja: '供用中', en: 'In service' },
  closed: { ja: '休止・閉館', en: 'Closed' },
  demolished: { ja: '解体・廃止', en: 'Demolished' },
  transferred: { ja: '譲渡・移管', en: 'Transferred' },
};

/** The register's area totals on a date. */
export async function areaTotals(sql: Sql, tenantId: string, asOf: string): Promise<AreaTotals> {
  return totalsAsOf(await repo.areaFacts(sql, tenantId), asOf);
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function facilityDetail(sql: Sql, tenantId: string, id: string) {
  if (!UUID_RE.test(id)) throw new AppError('not_found');
  const facility = await repo.findFacility(sql, tenantId, id);
  if (!facility) throw new AppError('not_found');
  const [statuses, events] = await Promise.all([repo.statusHistory(sql, tenantId, id), repo.eventHistory(sql, tenantId, id)]);
  return { facility, statuses, events };
}

export const listFacilities = repo.listFacilities;
export const categories = repo.categories;
export const allFacilities = repo.allFacilities;
