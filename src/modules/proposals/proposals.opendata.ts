/**
 * Open data: the public proposals with their answers, and the yearly figures, as CSV (UTF-8
 * with BOM, so spreadsheet software reads the Japanese) — the table cities publish.
 */
import { toCsv } from '../../core/csv.ts';
import { translate } from '../../core/i18n.ts';
import './proposals.messages.ts';
import type { YearStatistics } from './proposals.repository.ts';
import type { PublicProposal } from './proposals.schema.ts';
import { DECISIONS } from './proposals.workflow.ts';

const csv = toCsv;

const PROPOSAL_HEADER = [
  '提案番号 number', '年度 fiscal year', '受付日 received', '件名 title', '内容 body', '関連する節 section', '地域 area',
  '状態 status', '担当課 department', '回答期限 answer due', '期限延長の理由 extension reason', '回答区分 decision',
  '回答 answer', '回答日 answered', '実施日 implemented', '実施の内容 implementation', '賛同数 supports', 'デモデータ demo',
];

/** 公開中の提案と回答 — one row per public proposal (never the proposer). */
export function proposalsCsv(items: readonly PublicProposal[]): string {
  return csv([
    PROPOSAL_HEADER,
    ...items.map((p) => [
      p.number,
      p.fiscalYear,
      p.receivedOn,
      p.title,
      p.body,
      p.section ?? '',
      p.area ?? '',
      p.status,
      p.department?.nameJa ?? '',
      p.answerDueOn,
      p.dueExtension?.reason ?? '',
      p.decision ?? '',
      p.answer ?? '',
      p.answeredOn ?? '',
      p.implementedOn ?? '',
      p.implementationNote ?? '',
      p.supports,
      p.demo ? 'true' : 'false',
    ]),
  ]);
}

/** The statistics as API items; with a fiscal year, that year only (zeros when nothing happened). */
export function statisticsItems(years: readonly YearStatistics[], fiscalYear?: number): YearStatistics[] {
  if (fiscalYear === undefined) return [...years];
  return [
    years.find((y) => y.fiscalYear === fiscalYear) ?? {
      fiscalYear,
      received: 0,
      declined: 0,
      withdrawn: 0,
      answered: 0,
      implemented: 0,
      decisions: { adopt: 0, partly_adopt: 0, consider: 0, not_adopt: 0, reference: 0 },
      demo: false,
    },
  ];
}

/** 年度別の件数 — received, declined, withdrawn, answered (by decision) and implemented per fiscal year. */
export function statisticsCsv(years: readonly YearStatistics[]): string {
  const header = [
    '年度 fiscal year',
    '受付 received',
    'うち受付不可 declined',
    'うち取下げ withdrawn',
    '回答 answered',
    ...DECISIONS.map((d) => `${translate('ja', `proposals.decision.${d}`)} ${d}`),
    '実施 implemented',
    'デモデータを含む demo',
  ];
  return csv([
    header,
    ...years.map((y) => [
      y.fiscalYear,
      y.received,
      y.declined,
      y.withdrawn,
      y.answered,
      ...DECISIONS.map((d) => y.decisions[d]),
      y.implemented,
      y.demo ? 'true' : 'false',
    ]),
  ]);
}
