/**
 * 実績値の一括入力 — bulk entry of indicator actuals from CSV (code,as_of,value,note).
 *
 * `checkActualsCsv` is the dry run: it reads every row and lists every problem (unknown or
 * computed indicator, a department the user may not enter for, bad date, bad number, a
 * duplicate of an earlier row) and stores nothing. `importActualsCsv` checks again inside one
 * transaction and, only when no row has a problem, stores all rows as pending actuals (each
 * awaiting the plan manager's approval, each audited); otherwise it stores nothing.
 */
import { parse } from 'csv-parse/sync';
import type { AuthUser } from '../../core/auth.ts';
import type { Db, Sql } from '../../core/db/database.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import type { Tenant } from '../../core/tenancy.ts';
import { parseAsOfText, parseFigureText } from './plan.forms.ts';
import { canEnterActual } from './plan.policy.ts';
import * as repo from './plan.repository.ts';
import { LIMITS } from './plan.schema.ts';
import { appendPendingActual, AVERAGE_METRIC } from './plan.service.ts';
import './plan.messages.ts';

/** How much one upload may hold. */
export const CSV_LIMITS = { chars: 200_000, rows: 1_000 } as const;

/** One CSV row as read, with what it means and what is wrong with it. */
export interface CsvRowCheck {
  /** Line number in the file (1-based), the row's anchor on the preview. */
  line: number;
  code: string;
  asOfText: string;
  valueText: string;
  note: string;
  indicatorName: string | null;
  unit: string | null;
  asOf: string | null;
  value: number | null;
  problems: string[];
}

export interface CsvCheck {
  rows: CsvRowCheck[];
  /** Problems with the whole upload (empty, too large, not CSV), path "csv". */
  fileProblems: FieldError[];
  /** True when there is at least one row and no problem anywhere. */
  ok: boolean;
  /** Every problem, file-level and per row, for an error summary (path row-<line> or csv). */
  errors: FieldError[];
}

const HEADER_CELLS = new Set(['code', '指標コード']);

function readRecords(text: string, lang: Lang): { records: { cells: string[]; line: number }[]; problem: string | null } {
  let raw: { record: string[]; info: { lines: number } }[];
  try {
    raw = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, trim: true, info: true }) as unknown as typeof raw;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { records: [], problem: translate(lang, 'plan.csv.unreadable', { detail }) };
  }
  const records = raw
    .map((r) => ({ cells: r.record, line: r.info.lines }))
    .filter((r) => r.cells.some((c) => c.trim() !== ''));
  const first = records[0];
  if (first && HEADER_CELLS.has((first.cells[0] ?? '').normalize('NFKC').trim().toLowerCase())) records.shift();
  return { records, problem: null };
}

/** Checks the CSV against the current plan without storing anything. */
export async function checkActualsCsv(sql: Sql, tenant: Tenant, user: AuthUser, text: string, lang: Lang): Promise<CsvCheck> {
  const plan = await repo.findCurrentPlan(sql, tenant.id);
  if (!plan) throw new AppError('not_found', { ja: '現行の計画が登録されていません', en: 'No current plan is set up' });
  const contents = await repo.loadPlanContents(sql, tenant.id, plan.id);
  return checkRecords(contents.indicators, user, text, lang);
}

function checkRecords(
  indicators: readonly repo.IndicatorRow[],
  user: AuthUser,
  text: string,
  lang: Lang,
): CsvCheck {
  const fileProblems: FieldError[] = [];
  const fail = (key: string, params?: Record<string, string | number>): CsvCheck => {
    fileProblems.push({ path: 'csv', message: translate(lang, key, params) });
    return { rows: [], fileProblems, ok: false, errors: fileProblems };
  };
  if (text.trim() === '') return fail('plan.csv.empty');
  if (text.length > CSV_LIMITS.chars) return fail('plan.csv.tooLarge', { max: CSV_LIMITS.chars.toLocaleString('en') });
  const { records, problem } = readRecords(text, lang);
  if (problem) {
    fileProblems.push({ path: 'csv', message: problem });
    return { rows: [], fileProblems, ok: false, errors: fileProblems };
  }
  if (records.length === 0) return fail('plan.csv.empty');
  if (records.length > CSV_LIMITS.rows) return fail('plan.csv.tooManyRows', { max: CSV_LIMITS.rows.toLocaleString('en') });

  const byCode = new Map(indicators.map((i) => [i.code, i]));
  const seen = new Map<string, number>();
  const rows = records.map(({ cells, line }): CsvRowCheck => {
    const [codeCell = '', asOfCell = '', valueCell = '', noteCell = ''] = cells;
    const code = codeCell.normalize('NFKC').trim();
    const problems: string[] = [];
    const say = (key: string, params?: Record<string, string | number>) => problems.push(translate(lang, key, params));
    if (cells.length < 3 || cells.length > 4) say('plan.csv.columns');

    const indicator = code ? byCode.get(code) : undefined;
    if (!code) say('plan.csv.missingCode');
    else if (!indicator) say('plan.csv.unknownCode', { code });
    else if (indicator.source_metric === AVERAGE_METRIC) say('plan.error.computed');
    else if (!canEnterActual(user, { departmentCode: indicator.department_code })) say('plan.error.notAllowed');

    const asOf = asOfCell ? parseAsOfText(asOfCell) : null;
    if (!asOfCell) say('plan.csv.missingDate');
    else if (asOf === null) say('plan.csv.badDate', { value: asOfCell });

    const value = valueCell ? parseFigureText(valueCell) : null;
    if (!valueCell) say('plan.csv.missingValue');
    else if (value === null) say('plan.csv.badNumber', { value: valueCell });

    if (noteCell.length > LIMITS.note) say('plan.error.noteTooLong', { max: LIMITS.note });

    if (indicator && asOf) {
      const key = `${indicator.code}\u0000${asOf}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) say('plan.csv.duplicate', { line: earlier });
      else seen.set(key, line);
    }
    return {
      line,
      code,
      asOfText: asOfCell,
      valueText: valueCell,
      note: noteCell,
      indicatorName: indicator?.name ?? null,
      unit: indicator?.unit ?? null,
      asOf,
      value,
      problems,
    };
  });
  const errors = rows.flatMap((r) =>
    r.problems.map((p) => ({ path: `row-${r.line}`, message: translate(lang, 'plan.import.rowProblem', { line: r.line, problem: p }) })),
  );
  return { rows, fileProblems, ok: errors.length === 0, errors };
}

/**
 * Checks the CSV again and, when every row is fine, stores all rows as pending actuals in
 * one transaction. Returns the check and how many rows were stored (0 when any problem).
 */
export async function importActualsCsv(
  db: Db,
  tenant: Tenant,
  user: AuthUser,
  text: string,
  lang: Lang,
  today: string,
): Promise<{ check: CsvCheck; imported: number; warned: number }> {
  return db.transaction(async (tx) => {
    const check = await checkActualsCsv(tx, tenant, user, text, lang);
    if (!check.ok) return { check, imported: 0, warned: 0 };
    const plan = (await repo.findCurrentPlan(tx, tenant.id))!;
    const contents = await repo.loadPlanContents(tx, tenant.id, plan.id);
    const byCode = new Map(contents.indicators.map((i) => [i.code, i]));
    let warned = 0;
    for (const r of check.rows) {
      const indicator = byCode.get(r.code)!;
      const row = await appendPendingActual(tx, tenant, user, plan, indicator, { value: r.value!, asOf: r.asOf!, note: r.note }, { today, via: 'csv' });
      if (row.warnings.length) warned++;
    }
    return { check, imported: check.rows.length, warned };
  });
}

// ---------------------------------------------------------------------------------------------
// Uploaded files.

/** Text of an uploaded file: UTF-8 (BOM dropped), or Shift_JIS as Excel in Japan saves it. */
export function decodeCsvBytes(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder('shift_jis').decode(bytes);
  }
}
