/** 市民活動支援センター 団体登録 — the citizen-group registry. (Declared so the plan can bind to its metrics; the module is still to be built.) */
import type { HibikiModule } from '../module.ts';

export const groupsModule: HibikiModule = {
  name: 'groups',
  metrics: [
    {
      name: 'groups.registered',
      description: { ja: '登録市民活動団体数', en: 'Citizen groups registered as of a date' },
      scopes: ['groups'],
    },
  ],
};
