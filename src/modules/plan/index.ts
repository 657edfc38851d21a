/** 総合計画の進行管理 — the plan module. */
import type { HibikiModule } from '../module.ts';
import { planRoutes } from './plan.routes.ts';
import { seedDemoPlan } from './plan.seed.ts';

export const planModule: HibikiModule = {
  name: 'plan',
  routes: planRoutes,
  nav: [{ href: '/plan', label: { ja: '計画の進み具合', en: 'Plan progress' } }],
  seedDemo: seedDemoPlan,
};

