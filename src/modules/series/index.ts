/** 財政・人事の時系列 — finance and staff series. (Declared so the plan can bind to its metrics; the module is still to be built.) */
import type { HibikiModule } from '../module.ts';

export const seriesModule: HibikiModule = {
  name: 'series',
  metrics: [
    {
      name: 'series.staffCount',
      description: { ja: '職員数', en: 'Number of staff' },
      scopes: ['series'],
    },
    {
      name: 'series.debtPerCapita',
      description: { ja: '市民一人あたりの通常債残高', en: 'Ordinary municipal debt per resident' },
      scopes: ['series'],
    },
  ],
};
