/** 市民意識調査 — citizen perception surveys. (Declared so the plan can bind to its metrics; the module is still to be built.) */
import type { HibikiModule } from '../module.ts';

export const surveysModule: HibikiModule = {
  name: 'surveys',
  metrics: [
    {
      name: 'surveys.positiveShare',
      description: { ja: '市民意識調査の肯定的回答の割合', en: 'Positive share of a perception-survey question' },
      scopes: ['surveys'],
    },
  ],
};
