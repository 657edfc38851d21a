/**
 * Warming up after start: the first indicator page would otherwise load ECharts (large) and
 * draw its first chart while a reader waits (seconds on a busy machine). Once the server
 * listens, warmUpCharts() compiles the plan pages' templates, loads ECharts, evaluates every
 * municipality's current plan and draws each indicator's chart in both languages into the chart
 * cache (plan.chart.ts), yielding to requests between charts and before each of its database
 * statements. A request that comes first shares the same work.
 */
import { yieldingSql, type Sql } from '../../core/db/database.ts';
import { loadEcharts } from '../../core/echarts.ts';
import { AppError } from '../../core/errors.ts';
import type { Lang } from '../../core/i18n.ts';
import { listTenants } from '../../core/tenancy.ts';
import { env as views } from '../../core/views/views.ts';
import { cachedIndicatorChart } from './plan.chart.ts';
import { evaluatePlanCached, type PlanEnv } from './plan.service.ts';

const LANGS: readonly Lang[] = ['ja', 'en'];
/** The templates of the plan's public pages (compiled once, on first use, otherwise). */
const TEMPLATES = ['layout.njk', 'plan/views/macros.njk', 'plan/views/indicator.njk', 'plan/views/overview.njk', 'plan/views/section.njk'];
const yieldToRequests = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Loads ECharts and draws the current plans' charts; returns how many and how long it took. */
export async function warmUpCharts(target?: { db: Sql; deps: PlanEnv }): Promise<{ charts: number; ms: number }> {
  const started = performance.now();
  for (const name of TEMPLATES) {
    views.getTemplate(name, true);
    await yieldToRequests();
  }
  await loadEcharts();
  let count = 0;
  if (target) {
    const db = yieldingSql(target.db);
    for (const tenant of await listTenants(db)) {
      let evaluated;
      try {
        evaluated = await evaluatePlanCached(db, target.deps, tenant.id);
      } catch (err) {
        if (err instanceof AppError && err.code === 'not_found') continue; // no current plan
        throw err;
      }
      for (const indicator of evaluated.plan.indicators) {
        for (const lang of LANGS) {
          await yieldToRequests();
          await cachedIndicatorChart(tenant.id, evaluated.version, indicator, lang);
          count++;
        }
      }
    }
  }
  return { charts: count, ms: Math.round(performance.now() - started) };
}
