/** 公共施設台帳 — the public-facility register. (Declared so the plan can bind to its metrics; the module is still to be built.) */
import type { HibikiModule } from '../module.ts';

export const facilitiesModule: HibikiModule = {
  name: 'facilities',
  metrics: [
    {
      name: 'facilities.totalArea',
      description: { ja: '公共施設の延べ床面積及び敷地面積の合計', en: 'Total floor and site area of public facilities' },
      scopes: ['facilities'],
    },
  ],
};
