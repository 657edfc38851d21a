/** 総合計画の進行管理 — the plan module: plans, sections, indicators, actuals and evaluation. */
import type { HibikiModule } from '../module.ts';
import { planImportCommand } from './plan.cli.ts';
import { planEnglishMessages } from './plan.english.messages.ts';
import { evaluationMessages } from './plan.evaluation.messages.ts';
import { planMessages } from './plan.messages.ts';
import { planRoutes } from './plan.routes.ts';
import { seedDemoPlan } from './plan.seed.ts';
import { AVERAGE_METRIC, planWorkItems } from './plan.service.ts';

export { warmUpCharts } from './plan.warmup.ts';

export const planModule: HibikiModule = {
  name: 'plan',
  migrations: new URL('./migrations/', import.meta.url),
  routes: planRoutes,
  messages: [planMessages, planEnglishMessages, evaluationMessages],
  // Computed by the plan's own evaluation from its other indicators (not observed from data).
  metrics: [
    {
      name: AVERAGE_METRIC,
      description: { ja: '主要施策の目標達成率（平均値）', en: 'Average achievement of the plan’s other indicators' },
      scopes: [],
    },
  ],
  nav: [
    { href: '/plan', label: { ja: '計画の進み具合', en: 'Plan progress' }, audience: 'everyone' },
    { href: '/staff/plan', label: { ja: '計画の実績入力', en: 'Plan actuals' }, audience: ['staff', 'plan_manager', 'admin'] },
    { href: '/staff/plan/evaluation', label: { ja: '施策評価', en: 'Policy evaluation' }, audience: ['staff', 'plan_manager', 'admin'] },
    { href: '/staff/plan/admin', label: { ja: '計画の管理', en: 'Plan administration' }, audience: ['plan_manager', 'admin'] },
  ],
  cli: [planImportCommand],
  // 承認待ち N件 for approvers (others' entries only), 差し戻された実績 N件 for their authors.
  workItems: ({ sql, tenantId, user, lang, now }) => planWorkItems(sql, tenantId, user, lang, now),
  seedDemo: seedDemoPlan,
};
