/** Open data: the indicators as CSV (UTF-8 with BOM so Excel reads the Japanese correctly). */
import { toCsv } from '../../core/csv.ts';
import { latestIsDemo, type EvaluatedPlan } from './plan.service.ts';

const HEADER = [
  '指標コード code', '指標名 name', '単位 unit', '方向 direction', '基準値 baseline', '基準日 baseline date',
  '目標値 target', '目標期限 due date', '最新値 latest', '最新値の日付 latest date', '達成率 rate (%)',
  '評価 grade', '進捗 on track', '値の出所 source', 'デモデータ demo',
];

/** The plan's indicators, one row each, as a CSV document. */
export function indicatorsCsv(plan: EvaluatedPlan): string {
  const rows = plan.indicators.map((i) => {
    const e = i.evaluation;
    return [
      i.code,
      i.name,
      i.unit,
      i.direction,
      i.baseline?.value ?? '',
      i.baseline?.asOf ?? '',
      i.target.value,
      i.target.dueDate,
      e.latest ? Number(e.latest.value) : '',
      e.latest?.asOf ?? '',
      e.achievement?.rate ?? '',
      e.achievement?.grade ?? '評価不能',
      e.onTrack === null ? '' : e.onTrack ? '順調' : '遅れ',
      i.source.kind === 'metric' ? i.source.metric : 'manual',
      // The latest value is demonstration data: marked as on the pages.
      e.latest ? (latestIsDemo(i) ? 'true' : 'false') : '',
    ];
  });
  return toCsv([HEADER, ...rows]);
}

