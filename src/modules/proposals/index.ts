/** 市民提案推進システム — the citizen proposal system. (Declared so the plan can bind to its metrics; the module is still to be built.) */
import type { HibikiModule } from '../module.ts';

export const proposalsModule: HibikiModule = {
  name: 'proposals',
  metrics: [
    {
      name: 'proposals.implemented',
      description: { ja: '年度内に実施された市民提案の件数', en: 'Citizen proposals implemented in a fiscal year' },
      scopes: ['proposals'],
    },
  ],
};
