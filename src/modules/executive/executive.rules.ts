/**
 * The executive view's rules, pure functions on the plan module's evaluation (its grade,
 * on-track verdict and least-squares projection are computed by src/modules/plan/achievement.ts
 * and only read here): which indicators need attention, whether a change deserves a mail,
 * and the day a month before.
 */
import { achievementRate } from '../plan/achievement.ts';
import type { EvaluatedIndicator } from '../plan/plan.service.ts';

/** 要注意 — why an indicator needs attention: behind its line (遅れ), its projection misses the target, both, or none. */
export type Concern = 'none' | 'behind' | 'projection' | 'both';

/**
 * The achievement rate the projection would reach at the target's due date (the plan's own
 * rate formula applied to the projected value), or null without a projection.
 */
export function projectedRate(indicator: Pick<EvaluatedIndicator, 'direction' | 'baseline' | 'target' | 'evaluation'>): number | null {
  const p = indicator.evaluation.projection;
  if (p === null) return null;
  const rate = achievementRate(
    { direction: indicator.direction, baseline: indicator.baseline, target: { value: indicator.target.value, dueDate: indicator.target.dueDate } },
    { value: p, asOf: indicator.target.dueDate },
  );
  return rate?.rate ?? null;
}

/** The indicator's concern: 遅れ (onTrack false) and/or a projection short of 100 % at the due date. */
export function concernOf(indicator: Pick<EvaluatedIndicator, 'direction' | 'baseline' | 'target' | 'evaluation'>): Concern {
  const behind = indicator.evaluation.onTrack === false;
  const rate = projectedRate(indicator);
  const misses = rate !== null && rate < 100;
  return behind && misses ? 'both' : behind ? 'behind' : misses ? 'projection' : 'none';
}

const parts = (c: Concern | null): Set<'behind' | 'projection'> =>
  new Set(c === 'both' ? ['behind', 'projection'] : c === 'behind' ? ['behind'] : c === 'projection' ? ['projection'] : []);

/**
 * Whether moving from `before` (null: never seen) to `after` is worth a mail: only when a
 * concern appears that was not there before. Recovering, or staying the same, is not mailed
 * (the page shows it), so a run that finds nothing new sends nothing.
 */
export function deservesAlert(before: Concern | null, after: Concern): boolean {
  const was = parts(before);
  return [...parts(after)].some((p) => !was.has(p));
}

/** The same day one month earlier (31 March → 28/29 February), ISO dates. */
export function monthBefore(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const year = m === 1 ? y - 1 : y;
  const month = m === 1 ? 12 : m - 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/**
 * The last instant of the same JST day a month before `today` (31 March → the end of 28/29
 * February): "since last month" reads snapshots taken up to it.
 */
export function endOfMonthBefore(today: string): Date {
  return new Date(Date.parse(`${monthBefore(today)}T23:59:59.999+09:00`));
}
