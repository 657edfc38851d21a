/** 電子申請 — online administrative procedures. (Declared so the plan can bind to its metrics; the module is still to be built.) */
import type { HibikiModule } from '../module.ts';

export const proceduresModule: HibikiModule = {
  name: 'procedures',
  metrics: [
    {
      name: 'procedures.onlineApplications',
      description: { ja: 'オンライン申請の受付件数', en: 'Online applications received in a fiscal year' },
      scopes: ['procedures'],
    },
  ],
};
