/**
 * The status page's 90-day history: daily availability of each published system, drawn on
 * the server by ECharts 6 as an SVG (no script in the page), with the same figures in a data
 * table beside it. Lines differ in marker shape and dash pattern as well as colour.
 */
import { loadEcharts } from '../../core/echarts.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { percentText } from './monitoring.format.ts';
import './monitoring.messages.ts';

const COLORS = ['#0017c1', '#115a36', '#8b3200', '#5c10be', '#4d4d4d', '#a3005c'];
const SYMBOLS = ['circle', 'rect', 'triangle', 'diamond', 'pin', 'arrow'];
const DASHES: (number[] | 'solid')[] = ['solid', [8, 4], [2, 3], [12, 4, 2, 4], [6, 6], [1, 2]];
const TEXT = '#1a1a1c';
const GRID = '#cccccc';

export interface HistorySeries {
  name: string;
  /** Daily availability (%), null for days without a measurement. */
  daily: (number | null)[];
}

const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** role="img" with a <title> and <desc> (ECharts' SSR output carries neither). */
function labelSvg(svg: string, idPrefix: string, title: string, description: string): string {
  const open = /^<svg\b[^>]*>/.exec(svg);
  if (!open) throw new Error('not an SVG document');
  const tag = open[0].replace(/^<svg\b/, `<svg role="img" aria-labelledby="${idPrefix}-title" aria-describedby="${idPrefix}-desc" focusable="false"`);
  return `${tag}<title id="${idPrefix}-title">${escapeXml(title)}</title><desc id="${idPrefix}-desc">${escapeXml(description)}</desc>${svg.slice(open[0].length)}`;
}

/** The lowest value the y axis needs: 100 − a round step below the worst day (at least 99). */
export function axisMinimum(series: readonly HistorySeries[]): number {
  const values = series.flatMap((s) => s.daily.filter((v): v is number => v !== null));
  const worst = values.length ? Math.min(...values) : 100;
  for (const floor of [99, 95, 90, 80, 50]) if (worst >= floor) return floor;
  return 0;
}

/** The chart as an SVG string and its title (the figure's caption). */
export async function historyChart(days: readonly string[], series: readonly HistorySeries[], lang: Lang): Promise<{ svg: string; title: string }> {
  const title = translate(lang, 'monitoring.chart.title', { days: days.length });
  const summary = series.map((s) => {
    const measured = s.daily.filter((v): v is number => v !== null);
    const worst = measured.length ? Math.min(...measured) : null;
    return translate(lang, 'monitoring.chart.seriesSummary', { name: s.name, worst: percentText(worst, lang), days: measured.length });
  });
  const description = `${translate(lang, 'monitoring.chart.description', { first: days[0] ?? '', last: days[days.length - 1] ?? '' })} ${summary.join(lang === 'ja' ? '' : ' ')}`;
  const echarts = await loadEcharts();
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 720, height: 360 });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      textStyle: { color: TEXT, fontFamily: 'sans-serif' },
      grid: { left: 16, right: 24, top: 40, bottom: 72, containLabel: true },
      legend: { bottom: 0, textStyle: { color: TEXT, fontSize: 13 }, itemWidth: 32 },
      xAxis: {
        type: 'category',
        data: days.map((d) => d.slice(5).replace('-', '/')),
        axisLine: { lineStyle: { color: TEXT } },
        axisLabel: { color: TEXT, interval: 14 },
      },
      yAxis: {
        type: 'value',
        min: axisMinimum(series),
        max: 100,
        name: '%',
        nameTextStyle: { color: TEXT },
        axisLabel: { color: TEXT },
        splitLine: { lineStyle: { color: GRID } },
      },
      series: series.map((s, i) => ({
        type: 'line',
        name: s.name,
        data: s.daily,
        connectNulls: false,
        symbol: SYMBOLS[i % SYMBOLS.length],
        symbolSize: 6,
        lineStyle: { width: 2, color: COLORS[i % COLORS.length], type: DASHES[i % DASHES.length] },
        itemStyle: { color: COLORS[i % COLORS.length] },
      })),
    });
    return { svg: labelSvg(chart.renderToSVGString(), 'status-history', title, description), title };
  } finally {
    chart.dispose();
  }
}
