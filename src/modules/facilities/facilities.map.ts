/**
 * The facility map drawn on the server (map tiles cannot be reached offline): an ECharts SVG
 * scatter of the facilities by longitude and latitude, parks and other facilities in different
 * marker shapes as well as colours, with role="img", a title and a description. The table on
 * the page gives the same facilities.
 */
import { loadEcharts } from '../../core/echarts.ts';
import type { ListedFacility } from './facilities.repository.ts';

const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The SVG with role="img" and its <title> and <desc> first (ECharts' SSR output has neither). */
function labelSvg(svg: string, idPrefix: string, title: string, description: string): string {
  const open = /^<svg\b[^>]*>/.exec(svg);
  if (!open) throw new Error('not an SVG document');
  const tag = open[0].replace(/^<svg\b/, `<svg role="img" aria-labelledby="${idPrefix}-title" aria-describedby="${idPrefix}-desc" focusable="false"`);
  return `${tag}<title id="${idPrefix}-title">${escapeXml(title)}</title><desc id="${idPrefix}-desc">${escapeXml(description)}</desc>${svg.slice(open[0].length)}`;
}

/** The map as an SVG string, or null when no facility has coordinates. */
export async function facilityMapSvg(facilities: readonly ListedFacility[], text: { title: string; description: string; parks: string; others: string }): Promise<string | null> {
  const placed = facilities.filter((f) => f.latitude !== null && f.longitude !== null);
  if (placed.length === 0) return null;
  const point = (f: ListedFacility) => [f.longitude, f.latitude];
  const echarts = await loadEcharts();
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 640, height: 480 });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      textStyle: { color: '#1a1a1a', fontFamily: 'sans-serif' },
      grid: { left: 16, right: 24, top: 24, bottom: 56, containLabel: true },
      legend: { bottom: 0, textStyle: { color: '#1a1a1a', fontSize: 13 } },
      xAxis: { type: 'value', scale: true, name: '経度', axisLabel: { color: '#1a1a1a' }, splitLine: { lineStyle: { color: '#d9d9d9' } } },
      yAxis: { type: 'value', scale: true, name: '緯度', axisLabel: { color: '#1a1a1a' }, splitLine: { lineStyle: { color: '#d9d9d9' } } },
      series: [
        { type: 'scatter', name: text.others, symbol: 'circle', symbolSize: 7, itemStyle: { color: '#1d4f91' }, data: placed.filter((f) => !f.isPark).map(point) },
        { type: 'scatter', name: text.parks, symbol: 'triangle', symbolSize: 8, itemStyle: { color: '#2e7d32' }, data: placed.filter((f) => f.isPark).map(point) },
      ],
    });
    return labelSvg(chart.renderToSVGString(), 'facility-map', text.title, text.description);
  } finally {
    chart.dispose();
  }
}
