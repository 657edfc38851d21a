/**
 * 稼働率 — the availability arithmetic, pure (no database, no clock).
 *
 * A check's history is a timeline of periods, each in one state:
 * - `up`      — the check answered as expected;
 * - `pending` — it failed, but fewer times in a row than its retries allow: it counts as up
 *               unless the failure is confirmed, and a confirmed failure turns the pending
 *               period of that streak into `down` (the outage starts at the first failed try);
 * - `down`    — a confirmed failure;
 * - `unknown` — nobody measured (the runner was down or late): neither up nor down.
 *
 * How the time between checks is counted (monitoring.timeline.ts writes the periods): a result
 * holds from its own instant until the next result, as long as the next one comes within two
 * intervals; when it comes later, the result holds for one interval and the rest of the gap is
 * `unknown`. The newest result holds for one interval (clipped to "now" by the reader).
 *
 * For a range [from, to) and the maintenance windows that apply to the check:
 *   maintenance = recorded time inside a window (any state): excluded from everything below
 *   up          = up + pending time outside the windows
 *   down        = down time outside the windows
 *   unknown     = unknown time outside the windows (reported, never counted as up or down)
 *   availability = up ÷ (up + down) × 100, rounded down to 4 decimals (never overstated);
 *                 null when nothing was measured.
 * Several systems are pooled by system-time: Σ up ÷ Σ (up + down) — one system down for an
 * hour weighs as much as any other's hour.
 */

export type PeriodState = 'up' | 'pending' | 'down' | 'unknown';

/** A half-open span of time [start, end) in epoch milliseconds. */
export interface Span {
  start: number;
  end: number;
}

export interface Period extends Span {
  state: PeriodState;
}

/** Milliseconds of each kind in a range. */
export interface Tally {
  upMs: number;
  downMs: number;
  unknownMs: number;
  maintenanceMs: number;
}

export const EMPTY_TALLY: Readonly<Tally> = Object.freeze({ upMs: 0, downMs: 0, unknownMs: 0, maintenanceMs: 0 });

/** Overlapping or touching spans merged, in order; empty spans dropped. */
export function unionSpans(spans: readonly Span[]): Span[] {
  const sorted = spans.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ start: s.start, end: s.end });
  }
  return out;
}

/** Length of the part of [start, end) that lies inside the (merged, ordered) windows. */
function insideWindows(start: number, end: number, windows: readonly Span[]): number {
  let ms = 0;
  for (const w of windows) {
    if (w.start >= end) break;
    const a = Math.max(start, w.start);
    const b = Math.min(end, w.end);
    if (b > a) ms += b - a;
  }
  return ms;
}

/** The tally of one check's periods within [from, to), maintenance windows excluded. */
export function tally(periods: readonly Period[], maintenance: readonly Span[], from: number, to: number): Tally {
  const windows = unionSpans(maintenance);
  const t: Tally = { upMs: 0, downMs: 0, unknownMs: 0, maintenanceMs: 0 };
  for (const p of periods) {
    const start = Math.max(p.start, from);
    const end = Math.min(p.end, to);
    if (end <= start) continue;
    const inMaintenance = insideWindows(start, end, windows);
    const counted = end - start - inMaintenance;
    t.maintenanceMs += inMaintenance;
    if (p.state === 'up' || p.state === 'pending') t.upMs += counted;
    else if (p.state === 'down') t.downMs += counted;
    else t.unknownMs += counted;
  }
  return t;
}

/** Several tallies added up (systems pooled by system-time). */
export function sumTallies(tallies: Iterable<Tally>): Tally {
  const sum: Tally = { ...EMPTY_TALLY };
  for (const t of tallies) {
    sum.upMs += t.upMs;
    sum.downMs += t.downMs;
    sum.unknownMs += t.unknownMs;
    sum.maintenanceMs += t.maintenanceMs;
  }
  return sum;
}

/** up ÷ (up + down) as a percentage rounded down to 4 decimals; null when nothing was measured. */
export function availabilityPercent(t: Pick<Tally, 'upMs' | 'downMs'>): number | null {
  const measured = t.upMs + t.downMs;
  if (measured <= 0) return null;
  // Exact integer arithmetic: floor(up × 10^6 / measured) / 10^4.
  const scaled = (BigInt(Math.round(t.upMs)) * 1_000_000n) / BigInt(Math.round(measured));
  return Number(scaled) / 10_000;
}

/** Share of the range outside maintenance that was measured (up, pending or down), 0–1; null for an empty range. */
export function coverageOf(t: Tally, rangeMs: number): number | null {
  const base = rangeMs - t.maintenanceMs;
  return base > 0 ? Math.min(1, (t.upMs + t.downMs) / base) : null;
}

// ---------------------------------------------------------------------------------------------
// Calendar buckets in Japan time (JST = UTC+9, no daylight saving)

const JST_OFFSET_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;

/** The instant a JST calendar day begins: '2026-04-01' → 2026-03-31T15:00:00Z. */
export function jstDayStart(iso: string): number {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) - JST_OFFSET_MS;
}

/** The JST calendar date of an instant. */
export function jstDateOf(ms: number): string {
  return new Date(ms + JST_OFFSET_MS).toISOString().slice(0, 10);
}

/** The JST calendar month ('2026-04') of an instant. */
export function jstMonthOf(ms: number): string {
  return jstDateOf(ms).slice(0, 7);
}

/** 年度 of an instant (April–March, JST). */
export function fiscalYearAt(ms: number): number {
  const [y, m] = jstDateOf(ms).split('-').map(Number) as [number, number];
  return m >= 4 ? y : y - 1;
}

export type BucketKind = 'day' | 'month' | 'fiscalYear';

export interface Bucket extends Span {
  /** '2026-03-31', '2026-03' or '2025' (the fiscal year). */
  key: string;
}

function bucketStart(kind: BucketKind, ms: number): number {
  const date = jstDateOf(ms);
  if (kind === 'day') return jstDayStart(date);
  if (kind === 'month') return jstDayStart(`${date.slice(0, 7)}-01`);
  return jstDayStart(`${fiscalYearAt(ms)}-04-01`);
}

function bucketAfter(kind: BucketKind, start: number): number {
  if (kind === 'day') return start + DAY_MS;
  const [y, m] = jstDateOf(start).split('-').map(Number) as [number, number];
  if (kind === 'month') return m === 12 ? jstDayStart(`${y + 1}-01-01`) : jstDayStart(`${y}-${String(m + 1).padStart(2, '0')}-01`);
  return jstDayStart(`${y + 1}-04-01`);
}

function keyOf(kind: BucketKind, start: number): string {
  if (kind === 'day') return jstDateOf(start);
  if (kind === 'month') return jstMonthOf(start);
  return String(fiscalYearAt(start));
}

/** The JST days, months or fiscal years covering [from, to), each clipped to the range. */
export function bucketsOf(kind: BucketKind, from: number, to: number, max = 1000): Bucket[] {
  const out: Bucket[] = [];
  for (let start = bucketStart(kind, from); start < to && out.length < max; ) {
    const end = bucketAfter(kind, start);
    out.push({ key: keyOf(kind, start), start: Math.max(start, from), end: Math.min(end, to) });
    start = end;
  }
  return out;
}
