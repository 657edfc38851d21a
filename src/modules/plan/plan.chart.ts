/**
 * An indicator's history as a chart: server-side SVG drawn by ECharts 6 (no DOM, no script
 * in the page), with the same figures returned as rows for the data table beside it.
 *
 * The chart shows the actuals as a line, the baseline and the target as points, the expected
 * straight path from baseline to target (dashed) and the least-squares trend through the
 * actuals extended to the target date (dotted). Lines differ in dash pattern and marker
 * shape as well as colour, so no meaning rests on colour alone.
 */
import { VersionedCache } from '../../core/data-version.ts';
import { compareIsoDate } from '../../core/dates.ts';
import { loadEcharts } from '../../core/echarts.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { projectAtTarget } from './achievement.ts';
import type { EvaluatedIndicator } from './plan.service.ts';
import { dateText, figureFormat, fiscalYearText, indicatorName, unitText } from './plan.view-model.ts';
import './plan.messages.ts';

interface Point {
  asOf: string;
  value: number;
}

/** The figures the chart draws (and the data table lists). */
export interface IndicatorHistory {
  baseline: Point | null;
  target: Point;
  actuals: (Point & { isDemo: boolean; note: string | null })[];
  /** Straight line from the baseline to the target at its due date; null without a baseline. */
  expected: [Point, Point] | null;
  /** Least-squares line from the first actual's date to the due date; null with < 2 dates. */
  trend: [Point, Point] | null;
}

/** The chart's figures for one evaluated indicator. */
export function indicatorHistory(indicator: EvaluatedIndicator): IndicatorHistory {
  const due = indicator.target.dueDate;
  const actuals = [...indicator.actuals]
    .sort((a, b) => compareIsoDate(a.asOf, b.asOf))
    .map((a) => ({ asOf: a.asOf, value: a.value, isDemo: a.isDemo, note: a.note }));
  const baseline = indicator.baseline ? { asOf: indicator.baseline.asOf, value: indicator.baseline.value } : null;
  const target = { asOf: due, value: indicator.target.value };
  let trend: [Point, Point] | null = null;
  const first = actuals[0];
  const atDue = projectAtTarget(actuals, due);
  if (first && atDue !== null) {
    const atFirst = projectAtTarget(actuals, first.asOf);
    if (atFirst !== null) trend = [{ asOf: first.asOf, value: atFirst }, { asOf: due, value: atDue }];
  }
  return { baseline, target, actuals, expected: baseline ? [baseline, target] : null, trend };
}

const COLORS = {
  actual: '#0017c1', // blue-900, 11.1:1 on white
  baseline: '#4d4d4d', // gray-700
  target: '#115a36', // green-900
  expected: '#8b3200', // orange-1000
  trend: '#5c10be', // purple-800
  text: '#1a1a1c',
  grid: '#cccccc',
};

export interface ChartText {
  /** The chart's accessible name, also its <title>. */
  title: string;
  /** A sentence describing what the chart shows, its <desc>. */
  description: string;
  /** The title's language when it is not the page's (an untranslated name on an English page). */
  titleLang?: Lang | null;
}

const escapeXml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * Gives the SVG an accessible name: role="img", a <title> and a <desc> as its first children,
 * tied by aria-labelledby / aria-describedby. ECharts' SSR output carries neither (its `aria`
 * option only labels a DOM container), so they are added here, escaped.
 */
export function labelSvg(svg: string, idPrefix: string, text: ChartText): string {
  const titleId = `${idPrefix}-title`;
  const descId = `${idPrefix}-desc`;
  const open = /^<svg\b[^>]*>/.exec(svg);
  if (!open) throw new Error('not an SVG document');
  const tag = open[0].replace(
    /^<svg\b/,
    `<svg role="img" aria-labelledby="${titleId}" aria-describedby="${descId}" focusable="false"`,
  );
  const titleLang = text.titleLang ? ` lang="${text.titleLang}"` : '';
  return `${tag}<title id="${titleId}"${titleLang}>${escapeXml(text.title)}</title><desc id="${descId}">${escapeXml(text.description)}</desc>${svg.slice(open[0].length)}`;
}

/**
 * The history chart of one indicator as an SVG string (role="img", with title and
 * description), drawn by ECharts on the server with animation off.
 */
export async function renderHistoryChart(
  indicator: EvaluatedIndicator,
  lang: Lang,
  text: ChartText,
  options: { width?: number; height?: number; idPrefix?: string } = {},
): Promise<string> {
  const history = indicatorHistory(indicator);
  const f = figureFormat(indicator, lang);
  const label = (key: string) => translate(lang, `plan.chart.${key}`);
  const pair = (p: Point) => [p.asOf, p.value];
  const series: Record<string, unknown>[] = [];
  if (history.expected) {
    series.push({
      type: 'line',
      name: label('expected'),
      data: history.expected.map(pair),
      symbol: 'none',
      lineStyle: { type: [8, 5], width: 2, color: COLORS.expected },
      itemStyle: { color: COLORS.expected },
    });
  }
  if (history.trend) {
    series.push({
      type: 'line',
      name: label('projection'),
      data: history.trend.map(pair),
      symbol: 'none',
      lineStyle: { type: [2, 4], width: 2, color: COLORS.trend },
      itemStyle: { color: COLORS.trend },
    });
  }
  series.push({
    type: 'line',
    name: label('actual'),
    data: history.actuals.map(pair),
    symbol: 'circle',
    symbolSize: 8,
    lineStyle: { width: 3, color: COLORS.actual },
    itemStyle: { color: COLORS.actual },
  });
  if (history.baseline) {
    series.push({
      type: 'scatter',
      name: label('baseline'),
      data: [pair(history.baseline)],
      symbol: 'diamond',
      symbolSize: 14,
      itemStyle: { color: COLORS.baseline },
    });
  }
  series.push({
    type: 'scatter',
    name: label('target'),
    data: [pair(history.target)],
    symbol: 'triangle',
    symbolSize: 14,
    itemStyle: { color: COLORS.target },
  });

  const width = options.width ?? 720;
  const height = options.height ?? 400;
  const echarts = await loadEcharts();
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      aria: { enabled: true, label: { description: text.description } },
      textStyle: { color: COLORS.text, fontFamily: 'sans-serif' },
      grid: { left: 16, right: 32, top: 48, bottom: 64, containLabel: true },
      legend: { bottom: 0, textStyle: { color: COLORS.text, fontSize: 13 }, itemWidth: 32 },
      xAxis: {
        type: 'time',
        axisLine: { lineStyle: { color: COLORS.text } },
        axisLabel: {
          color: COLORS.text,
          hideOverlap: true,
          formatter: (v: number) => {
            const year = new Date(v).getFullYear();
            return lang === 'ja' ? `${year}年` : String(year);
          },
        },
        splitLine: { show: false },
        min: (v: { min: number }) => v.min - 45 * 86_400_000,
        max: (v: { max: number }) => v.max + 45 * 86_400_000,
      },
      yAxis: {
        type: 'value',
        scale: true,
        name: unitText(indicator.unit, lang, indicator.en.unit),
        nameTextStyle: { color: COLORS.text, align: 'left' },
        axisLabel: { color: COLORS.text, formatter: (v: number) => f.number(v) },
        splitLine: { lineStyle: { color: COLORS.grid } },
      },
      series,
    });
    return labelSvg(chart.renderToSVGString(), options.idPrefix ?? 'chart', text);
  } finally {
    chart.dispose();
  }
}

/** The indicator's history chart in lang: the SVG and its title (also the figure's caption). */
export async function indicatorChart(indicator: EvaluatedIndicator, lang: Lang): Promise<IndicatorChart> {
  const f = figureFormat(indicator, lang);
  const at = (figure: string, when: string) => (lang === 'ja' ? `${figure}（${when}）` : `${figure} (${when})`);
  const t = indicator.target;
  const latest = indicator.evaluation.latest;
  const title = translate(lang, 'plan.chart.title', { name: indicatorName(indicator, lang) });
  // An untranslated name makes the title mostly Japanese: it is read as Japanese.
  const titleLang = lang === 'en' && !indicator.en.name ? 'ja' : null;
  const description = translate(lang, 'plan.chart.description', {
    baseline: indicator.baseline
      ? at(f.value(indicator.baseline.value), dateText(indicator.baseline.asOf, lang).main)
      : translate(lang, 'plan.none'),
    target: at(f.value(t.value), (t.fiscalYear !== null ? fiscalYearText(t.fiscalYear, lang) : dateText(t.dueDate, lang)).main),
    latest: latest ? at(f.value(Number(latest.value)), dateText(latest.asOf, lang).main) : translate(lang, 'plan.noData'),
    count: indicator.actuals.length,
  });
  return { svg: await renderHistoryChart(indicator, lang, { title, description, titleLang }, { idPrefix: `chart-${indicator.code}` }), title, titleLang };
}

/** A drawn chart: the SVG, its title (the figure's caption) and the title's language when not the page's. */
export interface IndicatorChart {
  svg: string;
  title: string;
  titleLang: Lang | null;
}

/**
 * Drawn charts, for every viewer (signed in or not): a chart depends only on its indicator's
 * evaluated figures and the language, so it is kept by municipality, data version (the plan's
 * scopes and the day, as evaluatePlanCached names it), indicator and language. A new version
 * makes new keys; old ones fall out of the bounded cache.
 */
const charts = new VersionedCache<Promise<IndicatorChart>>(1_000);
let drawn = 0;

/** How many charts this process has drawn (tests check that cached views draw none). */
export const chartsDrawn = () => drawn;

/** indicatorChart() through the cache; `version` identifies the evaluation the indicator comes from. */
export function cachedIndicatorChart(tenantId: string, version: string, indicator: EvaluatedIndicator, lang: Lang): Promise<IndicatorChart> {
  const key = `${tenantId}|${version}|${indicator.code}|${lang}`;
  let chart = charts.get(key);
  if (!chart) {
    drawn++;
    chart = indicatorChart(indicator, lang);
    charts.set(key, chart);
    chart.catch(() => charts.delete(key));
  }
  return chart;
}
