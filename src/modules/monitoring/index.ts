/** 情報システムの可用性監視 — availability monitoring. (Declared so the plan can bind to its metrics; the module is still to be built.) */
import type { HibikiModule } from '../module.ts';

export const monitoringModule: HibikiModule = {
  name: 'monitoring',
  metrics: [
    {
      name: 'monitoring.availability',
      description: { ja: '情報システムの可用性', en: 'Availability of the city’s information systems' },
      scopes: ['monitoring'],
    },
  ],
};
