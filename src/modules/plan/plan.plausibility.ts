/**
 * 妥当性の確認 — warnings for an entered actual that looks implausible. They never refuse the
 * value (a real figure may be surprising); they are shown to the person entering it and kept
 * with the entry for the approver. Pure functions, no database.
 */
import { compareIsoDate, fiscalYearEnd, fiscalYearStart } from '../../core/dates.ts';

/**
 * How far outside the baseline→target range a value may lie before it is questioned: the
 * larger of the range itself and a quarter of the larger of the two figures (so a flat range,
 * e.g. 現状値以下 with the baseline as target, still has a width).
 */
export const RANGE_TOLERANCE = { ofRange: 1, ofMagnitude: 0.25 } as const;

/** A change from the previous actual larger than this is questioned (same widths, halved). */
export const JUMP_TOLERANCE = { ofRange: 0.5, ofMagnitude: 0.2 } as const;

export type WarningCode = 'outsidePeriod' | 'future' | 'outsideRange' | 'jump' | 'percentRange';

/** One warning with the figures its message names (kept as they were at entry). */
export interface PlausibilityWarning {
  code: WarningCode;
  params: Record<string, string | number>;
}

export interface PlausibilityInput {
  value: number;
  asOf: string;
  unit: string;
  baseline: { value: number; asOf: string } | null;
  target: { value: number; dueDate: string };
  period: { startFiscalYear: number; endFiscalYear: number };
  /** The newest value in force dated before asOf (approved records or the bound metric). */
  previous: { value: number; asOf: string } | null;
  today: string;
}

const widthOf = (lo: number, hi: number, t: { ofRange: number; ofMagnitude: number }) =>
  Math.max((hi - lo) * t.ofRange, Math.max(Math.abs(lo), Math.abs(hi)) * t.ofMagnitude);

/** Every warning an entered value raises; empty when it looks plausible. */
export function plausibilityWarnings(input: PlausibilityInput): PlausibilityWarning[] {
  const out: PlausibilityWarning[] = [];
  const { value, asOf } = input;

  // The plan's period: from its first fiscal year (or the baseline, dated before it) to its
  // last fiscal year's end (or the target's date, when it falls later, e.g. H30.4.1).
  const first = input.baseline && compareIsoDate(input.baseline.asOf, fiscalYearStart(input.period.startFiscalYear)) < 0
    ? input.baseline.asOf
    : fiscalYearStart(input.period.startFiscalYear);
  const endOfPeriod = fiscalYearEnd(input.period.endFiscalYear);
  const last = compareIsoDate(input.target.dueDate, endOfPeriod) > 0 ? input.target.dueDate : endOfPeriod;
  if (compareIsoDate(asOf, first) < 0 || compareIsoDate(asOf, last) > 0) out.push({ code: 'outsidePeriod', params: { from: first, to: last } });
  if (compareIsoDate(asOf, input.today) > 0) out.push({ code: 'future', params: { today: input.today } });

  // The baseline→target range (from 0 without a baseline), widened by the tolerance.
  const b = input.baseline?.value ?? 0;
  const lo = Math.min(b, input.target.value);
  const hi = Math.max(b, input.target.value);
  const slack = widthOf(lo, hi, RANGE_TOLERANCE);
  if (value < lo - slack || value > hi + slack) {
    out.push({ code: 'outsideRange', params: { low: round(lo - slack), high: round(hi + slack) } });
  }
  if (input.unit === '%' && (value < 0 || value > 100)) out.push({ code: 'percentRange', params: {} });

  if (input.previous) {
    const allowed = widthOf(lo, hi, JUMP_TOLERANCE);
    const change = value - input.previous.value;
    if (Math.abs(change) > Math.max(allowed, Math.abs(input.previous.value) * JUMP_TOLERANCE.ofMagnitude)) {
      out.push({ code: 'jump', params: { previous: input.previous.value, previousAsOf: input.previous.asOf, change: round(change) } });
    }
  }
  return out;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
