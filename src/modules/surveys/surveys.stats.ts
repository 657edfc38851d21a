/**
 * The statistics of a survey result, as pure functions (table-driven tests in
 * surveys.stats.test.ts): shares with their 95 % Wilson score interval, with the
 * finite-population correction when the population is known; the two-proportion z-test for
 * a change between fiscal years; and post-stratified shares (weighting cells such as sex × age
 * group to population counts).
 */

/** z for a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;

export interface Share {
  /** The share as an unrounded fraction (0–1). */
  value: number;
  /** The 95 % Wilson interval. */
  low: number;
  high: number;
}

/**
 * The effective sample size under the finite-population correction: a sample of n from a
 * population of N carries the information of n·(N − 1)/(N − n) draws with replacement
 * (the variance p(1 − p)/n is multiplied by (N − n)/(N − 1)). Infinite when n = N.
 */
export function effectiveSize(n: number, population?: number | null): number {
  if (!population || population <= 1 || population < n) return n;
  if (population === n) return Number.POSITIVE_INFINITY;
  return (n * (population - 1)) / (population - n);
}

/**
 * The share x/n with its 95 % Wilson score interval (Wilson 1927), the correction for a
 * finite population applied through the effective sample size. null when n = 0.
 */
export function wilson(x: number, n: number, population?: number | null, z = Z95): Share | null {
  if (n <= 0) return null;
  const p = x / n;
  const m = effectiveSize(n, population);
  if (!Number.isFinite(m)) return { value: p, low: p, high: p };
  const z2 = z * z;
  const denominator = 1 + z2 / m;
  const centre = (p + z2 / (2 * m)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / m + z2 / (4 * m * m));
  return { value: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** The standard normal cumulative distribution (Abramowitz & Stegun 7.1.26 via erf, |ε| < 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(x) / Math.SQRT2));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

export interface Change {
  /** p2 − p1 as a fraction. */
  difference: number;
  /** The pooled two-proportion z statistic. */
  z: number;
  /** Two-sided p-value. */
  pValue: number;
  /** True when p < 0.05. */
  significant: boolean;
}

/**
 * The change from x1/n1 (the earlier year) to x2/n2, tested with the pooled two-proportion
 * z-test. null when either year has no respondent or the pooled share is 0 or 1.
 */
export function twoProportionTest(x1: number, n1: number, x2: number, n2: number): Change | null {
  if (n1 <= 0 || n2 <= 0) return null;
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return null;
  const z = (p2 - p1) / se;
  const pValue = 2 * (1 - normalCdf(Math.abs(z)));
  return { difference: p2 - p1, z, pValue, significant: pValue < 0.05 };
}

/** One weighting cell: its respondents, how many of them gave the answer counted, and its population. */
export interface Cell {
  key: string;
  respondents: number;
  hits: number;
  population: number;
}

/**
 * The post-stratified share: each cell's share weighted by its part of the population,
 * Σ (N_h / N) · (x_h / n_h), over cells that have respondents (cells without respondents are
 * left out and the weights renormalised over the others). Its interval is the normal one from
 * the stratified variance Σ W_h² p_h (1 − p_h) / n_h, clamped to [0, 1]. null when no cell
 * with a population has a respondent.
 */
export function postStratified(cells: readonly Cell[], z = Z95): (Share & { cellsUsed: number }) | null {
  const used = cells.filter((c) => c.respondents > 0 && c.population > 0);
  const total = used.reduce((s, c) => s + c.population, 0);
  if (used.length === 0 || total === 0) return null;
  let value = 0;
  let variance = 0;
  for (const c of used) {
    const w = c.population / total;
    const p = c.hits / c.respondents;
    value += w * p;
    variance += (w * w * p * (1 - p)) / c.respondents;
  }
  const half = z * Math.sqrt(variance);
  return { value, low: Math.max(0, value - half), high: Math.min(1, value + half), cellsUsed: used.length };
}

/** A share rounded to one decimal of a percent, as published (the totals may not be 100.0). */
export function percent1(fraction: number): number {
  return Math.round(fraction * 1000) / 10;
}
