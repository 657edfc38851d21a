/**
 * Achievement arithmetic for comprehensive-plan indicators (成果指標): achievement rate and
 * grade, on-track judgement (順調 / 遅れ) against the straight expected line, a least-squares
 * projection to the target due date, and the roll-ups (averages, grade counts) that reports use.
 *
 * Pure functions, no I/O. Values are decimal strings or numbers and are computed with
 * decimal.js, so e.g. 99.98 → 99.99 has no binary float drift. Dates are ISO 'YYYY-MM-DD'
 * calendar dates; day arithmetic is done on Date.UTC day numbers.
 *
 * The one rule for figures and verdicts (also stated on the pages, `plan.figureRule`):
 * - Every verdict is taken on exact figures: the grade on the exact rate, 順調 / 遅れ on the
 *   exact rate against the exact expected progress (never against a rounded one).
 * - Computed figures (rates, expected progress, averages) are shown cut to 2 decimal places
 *   toward the lower value (ROUND_FLOOR), never rounded up. A shown rate is therefore never
 *   above the exact one and, since the grade boundaries (100, 80, 50, 0) have no more than two
 *   decimals, it reaches a boundary exactly when the exact rate does: a page never shows
 *   "80.00 % B" (79.999 % shows as 79.99 % B) nor "−0.00 % D" (it shows −0.01 %).
 * - When a rate behind its expected progress would show the same two decimals as that
 *   progress, both are shown with more decimals until they differ ({@link comparedFigures}),
 *   so the two figures beside a verdict never read the other way.
 */
import { Decimal } from 'decimal.js';

/** Which way an indicator should move: up, down, or stay at or below its baseline (現状値以下). */
export type Direction = 'increase' | 'decrease' | 'at_most_baseline';

/** Achievement grade: S ≥ 100, A 80–<100, B 50–<80, C 0–<50, D < 0. */
export type Grade = 'S' | 'A' | 'B' | 'C' | 'D';

/** A figure as stored: a decimal string ('99.98') or a number (5913107). */
export type FigureValue = string | number;

/** A measured value at a date (baseline or actual). */
export interface Observation {
  value: FigureValue;
  /** ISO 'YYYY-MM-DD'. */
  asOf: string;
}

/** The target value and the date it is due (the caller resolves a fiscal year to 31 March). */
export interface Target {
  value: FigureValue;
  /** ISO 'YYYY-MM-DD'. */
  dueDate: string;
}

/** What an indicator is measured against: direction, optional baseline and the target. */
export interface IndicatorSpec {
  direction: Direction;
  baseline?: Observation | null;
  target: Target;
}

/** Everything known about one indicator: its spec plus all actuals, in any order. */
export interface IndicatorFigures extends IndicatorSpec {
  actuals: readonly Observation[];
}

/** An achievement rate: raw (may be < 0 or > 100), clamped to [0, 100], its grade and exact value. */
export interface Achievement {
  /** Raw rate in percent, cut to 2 places toward the lower value (ROUND_FLOOR; see the rule above). */
  rate: number;
  /** `rate` clamped to [0, 100]; this is what averages use. */
  clampedRate: number;
  /** Grade of the exact raw (unclamped) rate; the shown `rate` always reads the same grade. */
  grade: Grade;
  /** The unrounded rate as a plain decimal string (40 significant digits). */
  exactRate: string;
}

/** Result of {@link evaluateIndicator}; every field is null when the indicator has no actual. */
export interface IndicatorEvaluation {
  latest: Observation | null;
  /** null means 評価不能 (no data). */
  achievement: Achievement | null;
  onTrack: boolean | null;
  /** Expected progress (%) at the latest actual's date, cut to 2 places; null without a baseline or for at_most_baseline. */
  expectedProgress: number | null;
  /** The same, exact (a plain decimal string), as the on-track verdict uses it. */
  exactExpectedProgress: string | null;
  /** Least-squares value at the target due date; null with fewer than 2 distinct actual dates. */
  projection: number | null;
}

/** Per-grade counts; 'none' counts indicators that could not be evaluated (評価不能). */
export type GradeCounts = Record<Grade | 'none', number>;

const Dec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });
type Dec = InstanceType<typeof Dec>;

const HUNDRED = new Dec(100);
const MS_PER_DAY = 86_400_000;
const DECIMAL_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function toDec(value: FigureValue): Dec {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`not a finite value: ${value}`);
    return new Dec(value);
  }
  const s = value.trim();
  if (!DECIMAL_RE.test(s)) throw new RangeError(`not a decimal value: '${value}'`);
  return new Dec(s);
}

/** Days since 1970-01-01 of an ISO calendar date; throws on a malformed or impossible date. */
function dayNumber(iso: string): number {
  const m = ISO_DATE_RE.exec(iso);
  if (!m) throw new RangeError(`not an ISO date (YYYY-MM-DD): '${iso}'`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999.
  const ms = new Date(0).setUTCFullYear(y, mo - 1, d);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
    throw new RangeError(`not a calendar date: '${iso}'`);
  }
  return ms / MS_PER_DAY;
}

/** Cut to `places` decimals toward the lower value (ROUND_FLOOR): how every computed figure is shown. */
function cut(d: Dec, places = 2): number {
  const n = d.toDecimalPlaces(places, Decimal.ROUND_FLOOR).toNumber();
  return n === 0 ? 0 : n; // never report -0
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

/**
 * Exact raw rate in percent.
 * - increase / decrease with a baseline: (a − b) / (t − b) × 100, which reads the same for
 *   both directions. Degenerate t = b: 100 when a is at or beyond the target in the
 *   indicator's direction (a ≥ t for increase, a ≤ t for decrease), else 0.
 * - increase without a baseline: a / t × 100 (t = 0: 100 when a ≥ 0, else 0).
 * - decrease without a baseline: t / a × 100, i.e. the target over the actual; a = 0 gives 100.
 * - at_most_baseline: 100 when a ≤ b, else b / a × 100. Without a baseline the target value
 *   stands in as the ceiling (such targets are written as "現状値以下", t = b).
 */
function exactRate(spec: IndicatorSpec, actualValue: FigureValue): Dec {
  const a = toDec(actualValue);
  const t = toDec(spec.target.value);
  const b = spec.baseline ? toDec(spec.baseline.value) : null;
  switch (spec.direction) {
    case 'at_most_baseline': {
      const ceiling = b ?? t;
      if (a.lte(ceiling)) return HUNDRED;
      if (a.isZero()) return new Dec(0); // only reachable with a negative ceiling
      return ceiling.div(a).times(HUNDRED);
    }
    case 'increase':
    case 'decrease': {
      const reached = spec.direction === 'increase' ? a.gte(t) : a.lte(t);
      if (b) {
        if (t.eq(b)) return reached ? HUNDRED : new Dec(0);
        return a.minus(b).div(t.minus(b)).times(HUNDRED);
      }
      if (spec.direction === 'increase') {
        if (t.isZero()) return reached ? HUNDRED : new Dec(0);
        return a.div(t).times(HUNDRED);
      }
      if (a.isZero()) return HUNDRED;
      return t.div(a).times(HUNDRED);
    }
  }
}

/**
 * Achievement rate of one actual: (a − b) / (t − b) × 100 with a baseline (t = b: 100 if the
 * target is reached, else 0); a / t × 100 (increase) or t / a × 100 (decrease, a = 0 → 100)
 * without one; at_most_baseline 100 when a ≤ b, else b / a × 100. null when there is no actual (評価不能).
 */
export function achievementRate(spec: IndicatorSpec, actual: Observation | null | undefined): Achievement | null {
  if (!actual) return null;
  const exact = exactRate(spec, actual.value);
  const rate = cut(exact);
  // The grade is decided on the exact rate (−0.004 % is worse than the baseline: D); the
  // shown rate is cut toward the lower value (−0.01 %), so it reads the same grade.
  return { rate, clampedRate: clamp(rate, 0, 100), grade: gradeOfExact(exact), exactRate: exact.toFixed() };
}

/** Grade of a raw (unclamped) rate: S r ≥ 100, A 80 ≤ r < 100, B 50 ≤ r < 80, C 0 ≤ r < 50, D r < 0. */
export function gradeOf(rate: number): Grade {
  return gradeOfExact(new Dec(rate));
}

function gradeOfExact(rate: Dec): Grade {
  if (rate.gte(100)) return 'S';
  if (rate.gte(80)) return 'A';
  if (rate.gte(50)) return 'B';
  if (rate.gte(0)) return 'C';
  return 'D';
}

/**
 * The actual with the greatest asOf, whatever the input order; null when there are none.
 * Of several actuals on the same date the one listed last wins (a later correction).
 */
export function latestActual(actuals: readonly Observation[]): Observation | null {
  let best: Observation | null = null;
  let bestDay = -Infinity;
  for (const actual of actuals) {
    const day = dayNumber(actual.asOf);
    if (day >= bestDay) {
      best = actual;
      bestDay = day;
    }
  }
  return best;
}

/**
 * Share of the baseline → due-date span elapsed at `date`, clamped to [0, 1]. When the due
 * date is not after the baseline date the span is empty: 1 on or after the due date, else 0.
 */
function elapsedFraction(baseline: Observation, target: Target, date: string): Dec {
  const start = dayNumber(baseline.asOf);
  const end = dayNumber(target.dueDate);
  const at = dayNumber(date);
  if (end <= start) return new Dec(at >= end ? 1 : 0);
  const f = new Dec(at - start).div(end - start);
  return Dec.min(1, Dec.max(0, f));
}

/**
 * Value on the straight expected line from (baseline date, b) to (due date, t) at `date`,
 * held at b before the baseline date and at t after the due date. For charting.
 */
export function expectedValueAt(baseline: Observation, target: Target, date: string): number {
  const b = toDec(baseline.value);
  const t = toDec(target.value);
  return b.plus(t.minus(b).times(elapsedFraction(baseline, target, date))).toNumber();
}

/**
 * Progress rate (%) that the expected-line value at `date` would have, i.e. the elapsed share
 * of the baseline → due-date span × 100, clamped to [0, 100] and cut to 2 places.
 */
export function expectedProgressAt(baseline: Observation, target: Target, date: string): number {
  return cut(exactExpectedProgress(baseline, target, date));
}

function exactExpectedProgress(baseline: Observation, target: Target, date: string): Dec {
  return elapsedFraction(baseline, target, date).times(HUNDRED);
}

/**
 * A rate and the expected progress it is judged against, as shown side by side: both cut to
 * the same number of decimals, 2 unless a rate below its expected progress would then show
 * the same figure (39.979 % against 39.978 %: both 39.97 %), in which case as many more
 * decimals (up to 10) as it takes for the shown figures to differ. Cutting keeps the order of
 * a rate at or above its expected progress, so an on-track pair needs no more digits.
 */
export function comparedFigures(exactRate: string, exactExpected: string): { rate: number; expected: number; decimals: number } {
  const r = new Dec(exactRate);
  const e = new Dec(exactExpected);
  let decimals = 2;
  while (decimals < 10 && r.lt(e) && cut(r, decimals) >= cut(e, decimals)) decimals++;
  return { rate: cut(r, decimals), expected: cut(e, decimals), decimals };
}

/**
 * 順調 (true) / 遅れ (false) for one actual, on exact figures. With a baseline (increase /
 * decrease) the actual's exact rate must be at least the exact expected progress at its date;
 * without a baseline, and for at_most_baseline, the exact rate must be at least 100. null when
 * there is no actual.
 */
export function isOnTrack(spec: IndicatorSpec, actual: Observation | null | undefined): boolean | null {
  if (!actual) return null;
  const exact = exactRate(spec, actual.value);
  if (!spec.baseline || spec.direction === 'at_most_baseline') return exact.gte(100);
  return exact.gte(exactExpectedProgress(spec.baseline, spec.target, actual.asOf));
}

/**
 * Least-squares line through all actuals (x = days since epoch of asOf, y = value), evaluated
 * at `dueDate`. null unless there are at least 2 distinct actual dates.
 */
export function projectAtTarget(actuals: readonly Observation[], dueDate: string): number | null {
  if (actuals.length < 2) return null;
  const points = actuals.map((o) => ({ x: new Dec(dayNumber(o.asOf)), y: toDec(o.value) }));
  const n = points.length;
  const meanX = points.reduce((s, p) => s.plus(p.x), new Dec(0)).div(n);
  const meanY = points.reduce((s, p) => s.plus(p.y), new Dec(0)).div(n);
  let sxx = new Dec(0);
  let sxy = new Dec(0);
  for (const p of points) {
    const dx = p.x.minus(meanX);
    sxx = sxx.plus(dx.times(dx));
    sxy = sxy.plus(dx.times(p.y.minus(meanY)));
  }
  if (sxx.isZero()) return null; // all on one date
  const slope = sxy.div(sxx);
  const value = meanY.plus(slope.times(new Dec(dayNumber(dueDate)).minus(meanX))).toNumber();
  return value === 0 ? 0 : value;
}

/** Everything about one indicator at once: latest actual, its achievement, on-track, expected progress and projection. */
export function evaluateIndicator(figures: IndicatorFigures): IndicatorEvaluation {
  const latest = latestActual(figures.actuals);
  if (!latest) return { latest: null, achievement: null, onTrack: null, expectedProgress: null, exactExpectedProgress: null, projection: null };
  const expected =
    figures.baseline && figures.direction !== 'at_most_baseline'
      ? exactExpectedProgress(figures.baseline, figures.target, latest.asOf)
      : null;
  return {
    latest,
    achievement: achievementRate(figures, latest),
    onTrack: isOnTrack(figures, latest),
    expectedProgress: expected === null ? null : cut(expected),
    exactExpectedProgress: expected === null ? null : expected.toFixed(),
    projection: projectAtTarget(figures.actuals, figures.target.dueDate),
  };
}

/**
 * Mean of the rates clamped to [0, 100], cut to 2 places; nulls (評価不能) are left out.
 * Raw rates may be passed: clamping an already-clamped rate changes nothing. null when none.
 */
export function averageClampedRate(rates: readonly (number | null | undefined)[]): number | null {
  const present = rates.filter((r): r is number => r !== null && r !== undefined);
  if (present.length === 0) return null;
  const sum = present.reduce((s, r) => s.plus(clamp(r, 0, 100)), new Dec(0));
  return cut(sum.div(present.length));
}

/** Count of indicators per grade; null / undefined (評価不能) counts as 'none'. */
export function gradeCounts(grades: readonly (Grade | null | undefined)[]): GradeCounts {
  const counts: GradeCounts = { S: 0, A: 0, B: 0, C: 0, D: 0, none: 0 };
  for (const g of grades) counts[g ?? 'none'] += 1;
  return counts;
}
