/**
 * The series' rules: who enters which series, approval by the plan manager as for the plan's
 * actuals (an approved value replaces the one approved before for the same date), CSV import
 * validated whole, and 6-2-3 derived as ordinaryDebt ÷ population in 万円 to one decimal.
 */
import { Decimal } from 'decimal.js';
import type { AuthUser } from '../../core/auth.ts';
import { appendAudit } from '../../core/audit.ts';
import { bumpDataVersion } from '../../core/data-version.ts';
import type { Db, Sql } from '../../core/db/database.ts';
import { compareIsoDate, daysBetween, isIsoDate } from '../../core/dates.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import type { Tenant } from '../../core/tenancy.ts';
import { decodeCsvBytes, parseCsv } from '../facilities/facilities.csv.ts';
import * as repo from './series.repository.ts';
import { SERIES_NAMES, type NewValue, type SeriesName, type SeriesValue } from './series.repository.ts';

/** The data-version scope of the series (public reads and indicators 6-2-1, 6-2-3). */
export const SERIES_SCOPE = 'series';

/** Each series: its label, unit and the department whose staff enter it (null: any staff). */
export const SERIES: Record<SeriesName, { ja: string; en: string; unit: { ja: string; en: string }; department: string | null; integer: boolean }> = {
  population: { ja: '人口（住民基本台帳）', en: 'Population (resident register)', unit: { ja: '人', en: 'people' }, department: null, integer: true },
  ordinaryDebt: { ja: '通常債残高（臨時財政対策債を除く）', en: 'Ordinary debt (excluding 臨時財政対策債)', unit: { ja: '円', en: 'yen' }, department: 'zaisei', integer: true },
  staffCount: { ja: '職員数（4月1日）', en: 'Staff on 1 April', unit: { ja: '人', en: 'people' }, department: 'shokuin', integer: true },
};

export function isSeriesName(name: string): name is SeriesName {
  return (SERIES_NAMES as readonly string[]).includes(name);
}

/** Staff of the series' department, plan managers and administrators enter values. */
export function canEnterSeries(user: AuthUser | null, series: SeriesName): boolean {
  if (!user) return false;
  if (user.role === 'plan_manager' || user.role === 'admin') return true;
  if (user.role !== 'staff') return false;
  const department = SERIES[series].department;
  return department === null || department === user.departmentCode;
}

/** The plan manager (政策推進課) and administrators approve values, as they approve actuals. */
export function canApproveSeries(user: AuthUser | null): boolean {
  return user?.role === 'plan_manager' || user?.role === 'admin';
}

export interface ValueInput {
  value: number;
  asOf: string;
  note?: string | undefined;
  source?: string | undefined;
}

function checkValue(series: SeriesName, v: ValueInput, prefix = ''): FieldError[] {
  const errors: FieldError[] = [];
  if (!isIsoDate(v.asOf)) errors.push({ path: `${prefix}asOf`, message: '基準日は YYYY-MM-DD で指定してください / Use a date YYYY-MM-DD' });
  if (!Number.isFinite(v.value) || v.value < 0 || v.value >= 1e17) errors.push({ path: `${prefix}value`, message: '0以上の数値を指定してください / Use a number of at least 0' });
  else if (SERIES[series].integer && !Number.isInteger(v.value)) errors.push({ path: `${prefix}value`, message: '整数で指定してください / Use a whole number' });
  if (v.note && v.note.length > 500) errors.push({ path: `${prefix}note`, message: '備考は500文字以内です / At most 500 characters' });
  if (v.source && v.source.length > 300) errors.push({ path: `${prefix}source`, message: '出典は300文字以内です / At most 300 characters' });
  return errors;
}

const toNew = (series: SeriesName, v: ValueInput): NewValue => ({ series, asOf: v.asOf, value: v.value, note: v.note || null, source: v.source || null });

/** Enters a value; it waits for approval (pending). */
export async function enterValue(db: Db, tenant: Tenant, user: AuthUser, series: SeriesName, input: ValueInput): Promise<SeriesValue> {
  if (!canEnterSeries(user, series)) throw new AppError('forbidden');
  const errors = checkValue(series, input);
  if (errors.length) throw new AppError('validation', undefined, errors);
  return db.transaction(async (tx) => {
    const v = await repo.insertValue(tx, tenant.id, toNew(series, input), { id: user.id, label: user.email });
    await appendAudit(tx, { tenantId: tenant.id, actorId: user.id, actorLabel: user.email, action: 'series.enter', entityType: 'series_value', entityId: v.id, details: { series, asOf: v.asOf, value: v.value } });
    return v;
  });
}

/**
 * Imports values from CSV (基準日,値[,備考][,出典]; UTF-8 or Shift_JIS): all pending, or —
 * when any row is wrong — none, with every problem listed.
 */
export async function importValues(db: Db, tenant: Tenant, user: AuthUser, series: SeriesName, bytes: Uint8Array): Promise<{ rows: number; imported: number }> {
  if (!canEnterSeries(user, series)) throw new AppError('forbidden');
  const { records } = parseCsv(decodeCsvBytes(bytes).text);
  const header = (records[0]?.cells ?? []).map((h) => h.trim().normalize('NFKC'));
  const col = (...names: string[]) => header.findIndex((h) => names.includes(h));
  const [date, value, note, source] = [col('基準日', 'asOf', '日付'), col('値', 'value'), col('備考', 'note'), col('出典', 'source')];
  if (date < 0 || value < 0) throw new AppError('validation', undefined, [{ path: 'line 1', message: '見出しに「基準日」と「値」が必要です / The header needs 基準日 and 値' }]);
  const inputs: ValueInput[] = [];
  const errors: FieldError[] = [];
  for (const r of records.slice(1)) {
    const cell = (i: number) => (i >= 0 ? (r.cells[i] ?? '').trim().normalize('NFKC') : '');
    const text = cell(value).replace(/[,\s]/g, '');
    const input: ValueInput = { asOf: cell(date).replace(/\//g, '-'), value: /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN, note: cell(note) || undefined, source: cell(source) || undefined };
    errors.push(...checkValue(series, input, `line ${r.line}: `));
    inputs.push(input);
  }
  if (errors.length) throw new AppError('validation', { ja: '誤りがあるため何も取り込んでいません', en: 'Nothing was imported because of the errors' }, errors);
  await db.transaction(async (tx) => {
    for (const input of inputs) await repo.insertValue(tx, tenant.id, toNew(series, input), { id: user.id, label: user.email });
    await appendAudit(tx, { tenantId: tenant.id, actorId: user.id, actorLabel: user.email, action: 'series.import', entityType: 'series', entityId: series, details: { rows: inputs.length } });
  });
  return { rows: inputs.length, imported: inputs.length };
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Approves or rejects a pending value (the plan manager). */
export async function decideValue(db: Db, tenant: Tenant, user: AuthUser, id: string, decision: { approve: true } | { approve: false; reason: string }): Promise<SeriesValue> {
  if (!canApproveSeries(user)) throw new AppError('forbidden');
  if (!UUID_RE.test(id)) throw new AppError('not_found');
  return db.transaction(async (tx) => {
    const v = await repo.findValue(tx, tenant.id, id);
    if (!v) throw new AppError('not_found');
    if (v.state !== 'pending') throw new AppError('conflict', { ja: 'この値は承認待ちではありません', en: 'This value is not awaiting approval' });
    const by = { id: user.id, label: user.email };
    const done = decision.approve ? await repo.approveValue(tx, tenant.id, v, by) : await repo.rejectValue(tx, tenant.id, id, by, decision.reason);
    if (!done) throw new AppError('conflict', { ja: 'この値は承認待ちではありません', en: 'This value is not awaiting approval' });
    if (decision.approve) await bumpDataVersion(tx, tenant.id, SERIES_SCOPE);
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: user.id,
      actorLabel: user.email,
      action: decision.approve ? 'series.approve' : 'series.reject',
      entityType: 'series_value',
      entityId: id,
      details: { series: v.series, asOf: v.asOf },
    });
    return (await repo.findValue(tx, tenant.id, id))!;
  });
}

/** One value of 市民一人あたりの通常債残高 with the inputs it comes from. */
export interface DebtPerCapita {
  asOf: string;
  /** 万円, to one decimal (half up). */
  value: number;
  debt: number;
  population: number;
  populationAsOf: string;
  demo: boolean;
}

/** ordinaryDebt ÷ population in 万円 to one decimal (half up). */
export function debtPerCapitaValue(debt: number, population: number): number {
  return new Decimal(debt).div(population).div(10_000).toDecimalPlaces(1, Decimal.ROUND_HALF_UP).toNumber();
}

/**
 * 6-2-3 for each approved debt value: divided by the population of the same date, or else the
 * nearest one within 31 days (a count on 1 April beside a balance on 31 March).
 */
export function derivedDebtPerCapita(values: readonly SeriesValue[]): DebtPerCapita[] {
  const population = values.filter((v) => v.series === 'population' && v.value > 0);
  const out: DebtPerCapita[] = [];
  for (const d of values.filter((v) => v.series === 'ordinaryDebt')) {
    let best: SeriesValue | null = null;
    for (const p of population) {
      const gap = Math.abs(daysBetween(p.asOf, d.asOf));
      if (gap > 31) continue;
      if (!best || gap < Math.abs(daysBetween(best.asOf, d.asOf))) best = p;
    }
    if (!best) continue;
    out.push({ asOf: d.asOf, value: debtPerCapitaValue(d.value, best.value), debt: d.value, population: best.value, populationAsOf: best.asOf, demo: d.isDemo || best.isDemo });
  }
  return out.sort((a, b) => compareIsoDate(a.asOf, b.asOf));
}

export async function publicSeries(sql: Sql, tenantId: string) {
  const values = await repo.approvedValues(sql, tenantId);
  return {
    items: SERIES_NAMES.map((name) => ({
      name,
      label: { ja: SERIES[name].ja, en: SERIES[name].en },
      unit: SERIES[name].unit,
      values: values.filter((v) => v.series === name).map(valueItem),
    })),
    debtPerCapita: derivedDebtPerCapita(values),
  };
}

export function valueItem(v: SeriesValue) {
  return { id: v.id, value: v.value, asOf: v.asOf, note: v.note, source: v.source, state: v.state, enteredBy: v.enteredLabel, decidedBy: v.decidedLabel, decisionNote: v.decisionNote, demo: v.isDemo };
}

export const approvedValues = repo.approvedValues;
export const pendingValues = repo.pendingValues;
