/**
 * The 100 % stacked bar of a perception question by fiscal year, in the scale's order:
 * server-side SVG drawn by ECharts (no script in the page), with role="img", a title and a
 * description; the page gives the same figures as a table beside it.
 */
import { formatJapaneseFiscalYear } from '../../core/dates.ts';
import type { Lang } from '../../core/i18n.ts';

let echartsModule: Promise<typeof import('echarts')> | undefined;
const loadEcharts = () => (echartsModule ??= import('echarts'));

/** Six colours in the legend's order, dark to light and told apart by the table as well. */
const COLORS = ['#0017c1', '#3460fb', '#d7a700', '#c22400', '#6b6b6b', '#b4b4b4', '#115a36', '#5c10be'];

const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface StackedRow {
  fiscalYear: number;
  /** Shares (fractions) per choice, in the order of `choices`. */
  shares: number[];
}

export function yearLabel(fy: number, lang: Lang): string {
  return lang === 'ja' ? formatJapaneseFiscalYear(fy) : `FY${fy}`;
}

/** The stacked bars as an SVG string labelled for assistive technology. */
export async function stackedBarSvg(
  rows: readonly StackedRow[],
  choices: readonly string[],
  lang: Lang,
  text: { title: string; description: string; idPrefix: string },
): Promise<string> {
  const echarts = await loadEcharts();
  const height = 90 + rows.length * 44;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 720, height });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      textStyle: { color: '#1a1a1c', fontFamily: 'sans-serif' },
      grid: { left: 8, right: 24, top: 16, bottom: 56, containLabel: true },
      legend: { bottom: 0, textStyle: { color: '#1a1a1c', fontSize: 12 }, itemWidth: 18 },
      xAxis: { type: 'value', max: 100, axisLabel: { color: '#1a1a1c', formatter: '{value}%' }, splitLine: { lineStyle: { color: '#cccccc' } } },
      yAxis: { type: 'category', inverse: true, data: rows.map((r) => yearLabel(r.fiscalYear, lang)), axisLabel: { color: '#1a1a1c' } },
      series: choices.map((name, i) => ({
        type: 'bar',
        name,
        stack: 'all',
        barWidth: 26,
        itemStyle: { color: COLORS[i % COLORS.length], borderColor: '#ffffff', borderWidth: 1 },
        data: rows.map((r) => Math.round((r.shares[i] ?? 0) * 1000) / 10),
      })),
    });
    const svg = chart.renderToSVGString();
    const open = /^<svg\b[^>]*>/.exec(svg);
    if (!open) throw new Error('not an SVG document');
    const t = `${text.idPrefix}-title`;
    const d = `${text.idPrefix}-desc`;
    const tag = open[0].replace(/^<svg\b/, `<svg role="img" aria-labelledby="${t}" aria-describedby="${d}" focusable="false"`);
    return `${tag}<title id="${t}">${escapeXml(text.title)}</title><desc id="${d}">${escapeXml(text.description)}</desc>${svg.slice(open[0].length)}`;
  } finally {
    chart.dispose();
  }
}
